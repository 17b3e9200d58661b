"""How error messages show the offending values: a few examples and a count of the rest.

Every module's errors name up to five offending values; this is the one place that
decides how they look, so a planner reads ``'loc01', 'loc02' (and 3 more)`` whichever
module complains.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

MAX_EXAMPLES = 5


def short(value: Any) -> str:
    """One value as a message shows it: dates as quoted text, numpy scalars as Python's.

    Examples
    --------
    >>> short(np.float64(2.5)), short("a"), short(pd.Timestamp("2025-01-06"))
    ('2.5', "'a'", "'2025-01-06 00:00:00'")
    """
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return repr(str(value))
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def examples(values: Iterable[Any], k: int = MAX_EXAMPLES) -> str:
    """The first ``k`` values, comma-separated, and how many more there are.

    Examples
    --------
    >>> examples(["loc01", "loc02"])
    "'loc01', 'loc02'"
    >>> examples(np.array([-1.0, -2.0, -3.0]), k=2)
    '-1.0, -2.0 (and 1 more)'
    """
    items = list(values)
    more = f" (and {len(items) - k} more)" if len(items) > k else ""
    return ", ".join(short(v) for v in items[:k]) + more
