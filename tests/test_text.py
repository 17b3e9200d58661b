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


def _half_hours() -> pd.DataFrame:
    ds = pd.date_range("2024-01-01 09:00", periods=2, freq="30min")
    return pd.DataFrame({"unique_id": "noord/phone", "ds": ds, "y": [10.0, 12.0]})


@pytest.mark.parametrize(
    "call",
    [
        lambda: dc.future_index("2024-01-01", np.int64(0), "D"),
        lambda: dc.fill_missing(
            pd.DataFrame(
                {
                    "unique_id": "noord/phone",
                    "ds": pd.date_range("2024-01-01", periods=9, freq="D"),
                    "y": [3.0, np.nan, 4.0, 5.0, 2.0, 6.0, 3.0, 4.0, 5.0],
                }
            ),
            season=np.int64(0),
        ),
        lambda: dc.required_staff(
            _half_hours(),
            aht=240,
            target=(np.float64(1.5), np.int64(20)),
        ),
        lambda: dc.required_staff(
            _half_hours(),
            aht=240,
            shrinkage=np.float64(1.5),
        ),
    ],
)
def test_parameter_errors_print_numpy_scalars_as_plain_numbers(call) -> None:
    # issue 14 item 12: 'h=0', never 'h=np.int64(0)'
    with pytest.raises(dc.DemandcastError) as info:
        call()
    assert "np." not in str(info.value), str(info.value)


def _polars_stand_in():
    """An object shaped like a polars.DataFrame (polars is not installed here)."""
    kind = type("DataFrame", (), {"__module__": "polars.dataframe.frame"})
    kind.to_pandas = lambda self: pd.DataFrame()
    return kind()


@pytest.mark.parametrize(
    "make", [_polars_stand_in, lambda: pytest.importorskip("pyarrow").table({"y": [1]})]
)
def test_a_polars_or_arrow_frame_is_named_with_the_fix(make) -> None:
    # issue 14 item 12: "got polars.DataFrame", not "got DataFrame", and .to_pandas()
    from demandcast.forecasters.naive import SeasonalNaive

    table = make()
    package = type(table).__module__.split(".")[0]
    for call in (
        lambda: dc.validate_frame(table),
        lambda: dc.backtest("seasonal_naive", table, h=7, n_windows=2),
        lambda: SeasonalNaive().fit(table),
    ):
        with pytest.raises(dc.DemandcastError) as info:
            call()
        message = str(info.value)
        assert f"{package}.{type(table).__name__}" in message and ".to_pandas()" in message
