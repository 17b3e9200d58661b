"""Error messages show offending values the same way in every module (demandcast._text)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import demandcast as dc
from demandcast._text import examples
from demandcast.metrics import poisson_floor_wape


def test_examples_counts_the_rest_and_unwraps_numpy_scalars() -> None:
    values = np.array([-3.0, -2.0, -1.5, -1.0, -0.5, -0.25, -0.1])
    assert examples(values) == "-3.0, -2.0, -1.5, -1.0, -0.5 (and 2 more)"
    assert examples(pd.Index(["loc01", "loc02"])) == "'loc01', 'loc02'"
    assert examples([pd.Timestamp("2025-01-06")]) == "'2025-01-06 00:00:00'"


def test_metric_errors_name_values_without_numpy_wrappers() -> None:
    with pytest.raises(dc.InvalidFrameError) as info:
        poisson_floor_wape([-1.0, 2.0, -4.0])
    message = str(info.value)
    assert "-1.0, -4.0" in message
    assert "np.float64" not in message
