"""How error messages show the offending values: a few examples and a count of the rest.

Also the one rule (and message) for whole-number parameters, :func:`positive_int`.

Every module's errors name up to five offending values; this is the one place that
decides how they look, so a planner reads ``'loc01', 'loc02' (and 3 more)`` whichever
module complains.
"""

from __future__ import annotations

import datetime as _dt
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from demandcast.exceptions import ConfigError

MAX_EXAMPLES = 5


def short(value: Any) -> str:
    """One value as a message shows it: dates as quoted text, numpy scalars as Python's
    (also inside tuples and lists), so a message says ``0``, never ``np.int64(0)``.

    Examples
    --------
    >>> short(np.float64(2.5)), short("a"), short(pd.Timestamp("2025-01-06"))
    ('2.5', "'a'", "'2025-01-06 00:00:00'")
    >>> short((np.float64(0.8), np.int64(20)))
    '(0.8, 20)'
    """
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return repr(str(value))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (tuple, list)):
        inner = ", ".join(short(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
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


def kind_of(value: Any) -> str:
    """What a message calls a value that is not a pandas DataFrame: its type with the
    package (``polars.DataFrame``, ``pyarrow.Table``) and, when it can convert itself,
    the fix (``.to_pandas()``).

    Examples
    --------
    >>> kind_of([1, 2])
    'list'
    >>> import pyarrow as pa
    >>> kind_of(pa.table({"y": [1]}))
    'pyarrow.Table (convert it first: df.to_pandas())'
    """
    kind = type(value)
    package = kind.__module__.split(".")[0]
    name = kind.__name__ if package == "builtins" else f"{package}.{kind.__name__}"
    if callable(getattr(value, "to_pandas", None)):
        name += " (convert it first: df.to_pandas())"
    return name


def positive_int(
    value: Any,
    name: str,
    hint: str = "",
    *,
    error: type[Exception] = ConfigError,
    allow_zero: bool = False,
) -> int:
    """``value`` as an ``int`` if it is a whole number >= 1 (>= 0 with ``allow_zero``).

    Otherwise raise ``error`` (the caller's error class) naming the parameter, the rule
    and ``hint`` (default an example value). Booleans are not whole numbers.

    Examples
    --------
    >>> positive_int(np.int64(3), "k_weeks")
    3
    >>> positive_int(True, "k_weeks", error=ValueError)
    Traceback (most recent call last):
    ...
    ValueError: k_weeks=True is not allowed: give a positive whole number (e.g. k_weeks=1)
    """
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        rule = "a whole number >= 0" if allow_zero else "a positive whole number"
        example = hint or f"e.g. {name}=1"
        raise error(f"{name}={short(value)} is not allowed: give {rule} ({example})")
    return int(value)
