"""The forecast-frame contract: one level rule, interval names built and read in one place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandcast.exceptions import ConfigError, InvalidFrameError
from demandcast.forecast_frame import (
    ForecastColumns,
    IntervalColumn,
    forecast_columns,
    interval_columns,
    normalise_level,
    to_long,
    to_wide,
    validate_forecast,
)
from demandcast.forecasters.registry import get_forecaster

TZ = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def forecast():
    """A real predict() output: seasonal naive on two weeks of simulated desk and phone data."""
    datasets = pytest.importorskip("demandcast.datasets")
    sim = datasets.simulate_municipality(seed=5, start="2024-02-05", end="2024-03-03")
    daily = sim.frame(freq="D")[["unique_id", "ds", "y"]]
    model = get_forecaster("seasonal_naive").fit(daily)
    return model.predict(7, level=(95, 80, 0.5))


def test_the_level_rule_is_open_at_both_ends():
    assert normalise_level((95, 80.0, 80, 0.5, 99.9)) == (0.5, 80, 95, 99.9)
    assert normalise_level(80) == (80,)
    assert isinstance(normalise_level([80.0])[0], int)
    for bad in (0, 100, -5, 120, float("nan"), float("inf"), True, "80", [80, None]):
        with pytest.raises(ConfigError, match="level"):
            normalise_level(bad)


def test_level_half_percent_passes_predict_and_is_read_back(forecast):
    cols = forecast_columns(forecast)
    assert cols.models == ("seasonal_naive",)
    assert cols.levels("seasonal_naive") == [0.5, 80, 95]
    assert cols.bounds("seasonal_naive", 0.5) == ("seasonal_naive-lo-0.5", "seasonal_naive-hi-0.5")
    assert list(forecast.columns[2:]) == interval_columns("seasonal_naive", (0.5, 80, 95))


def test_interval_columns_name_floats_and_ints_alike():
    assert interval_columns("gbm", [80.0, 12.5]) == [
        "gbm",
        "gbm-lo-80",
        "gbm-hi-80",
        "gbm-lo-12.5",
        "gbm-hi-12.5",
    ]
    assert interval_columns("gbm", ()) == ["gbm"]


def test_forecast_columns_of_a_backtest_frame():
    names = ["unique_id", "ds", "cutoff", "step", "y", "is_open", "sarima", "sarima-lo-80"]
    names += ["sarima-hi-80", "my-model", "my-model-hi-95", "my-model-lo-95"]
    cols = forecast_columns(names)
    assert cols.models == ("sarima", "my-model")
    assert cols.intervals == (
        IntervalColumn("sarima-lo-80", "sarima", "lo", 80),
        IntervalColumn("sarima-hi-80", "sarima", "hi", 80),
        IntervalColumn("my-model-hi-95", "my-model", "hi", 95),
        IntervalColumn("my-model-lo-95", "my-model", "lo", 95),
    )
    assert cols.levels("my-model") == [95]
    assert cols == ForecastColumns(("sarima", "my-model"), cols.intervals)
    one_sided = forecast_columns(["ds", "m", "m-hi-90"])
    assert one_sided.levels("m") == []


@pytest.mark.parametrize("name", ["gbm-lo-80", "m-hi-0", "m-hi-100", "m-lo-150"])
def test_a_bound_needs_its_point_column_and_a_level_in_the_rule(name):
    with pytest.raises(InvalidFrameError, match=f"'{name}'.*point column"):
        forecast_columns(["unique_id", "ds", "m", name])


def test_validate_forecast_takes_predict_output(forecast):
    assert validate_forecast(forecast, strict=True) == forecast_columns(forecast)
    with_actuals = forecast.assign(y=1.0, is_open=True, note="x")
    assert validate_forecast(with_actuals).models == ("seasonal_naive", "note")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda fc: fc.to_dict("list"), "must be a pandas DataFrame, got dict"),
        (lambda fc: fc.drop(columns="ds"), r"lacks column\(s\) \['ds'\]"),
        (lambda fc: fc.iloc[:0], "no rows"),
        (lambda fc: fc.rename(columns={"seasonal_naive": 7}), "must be strings"),
        (lambda fc: fc.assign(y=1.0), "'y' is not a forecast column"),
        (lambda fc: fc.assign(cutoff=fc["ds"]), "'cutoff' is not a forecast column"),
        (lambda fc: fc.assign(is_open=True), "'is_open' must be numeric"),
        (lambda fc: fc[["unique_id", "ds"]], "no model column"),
        (lambda fc: fc.drop(columns="seasonal_naive-lo-80"), "seasonal_naive at level 80"),
        (lambda fc: fc.drop(columns="seasonal_naive"), "no point column 'seasonal_naive'"),
    ],
)
def test_validate_forecast_names_the_broken_rule(forecast, change, message):
    with pytest.raises(InvalidFrameError, match=message):
        validate_forecast(change(forecast), strict=True)


def test_long_and_back_is_lossless(forecast):
    fc = forecast.assign(
        **{"seasonal_naive-hi-80": forecast["seasonal_naive-hi-80"].where(forecast.index % 5 > 0)}
    )
    points, bounds = to_long(fc, forecast_columns(fc))
    n = len(fc)
    assert list(points.columns) == ["unique_id", "ds", "model", "point"]
    assert len(points) == n and len(bounds) == 3 * n
    assert bounds["level"].unique().tolist() == [0.5, 80.0, 95.0]
    assert bounds["hi"].isna().sum() == int((fc.index % 5 == 0).sum())
    assert (bounds["lo"] <= bounds["hi"]).where(bounds["hi"].notna(), True).all()
    back = to_wide(points.sample(frac=1, random_state=1), bounds.iloc[::-1], forecast_columns(fc))
    pd.testing.assert_frame_equal(back, fc.sort_values(["unique_id", "ds"], ignore_index=True))


def test_to_wide_keeps_a_per_row_column_and_only_the_models_it_is_given():
    ds = pd.date_range("2025-03-03", periods=2, freq="D", tz=TZ)
    fc = pd.DataFrame(
        {"unique_id": "noord/desk", "ds": ds, "a": [3.0, 4.0], "b": [5.0, np.nan]}
        | {"b-lo-90": [4.0, np.nan], "b-hi-90": [6.0, np.nan]}
    )
    points, bounds = to_long(fc, forecast_columns(fc))
    points["step"] = [1, 2, 1, 2]
    out = to_wide(points[points["model"] == "b"], bounds, forecast_columns(fc))
    assert list(out.columns) == ["unique_id", "ds", "step", "b", "b-lo-90", "b-hi-90"]
    assert out["step"].tolist() == [1, 2]
    assert out["b-hi-90"].tolist()[0] == 6.0 and np.isnan(out["b-hi-90"].iloc[1])
    only_a = to_wide(points[points["model"] == "a"], bounds.iloc[:0], forecast_columns(fc))
    assert list(only_a.columns) == ["unique_id", "ds", "step", "a"]


@pytest.mark.parametrize("bad", ["not a frame", "orphan bound", "no ds"])
def test_one_bad_forecast_frame_one_error_class_everywhere(forecast, bad):
    from demandcast.intraday import coherence_check
    from demandcast.staffing import required_staff
    from demandcast.store import ForecastStore

    frame = {
        "not a frame": forecast.to_dict("list"),
        "orphan bound": forecast.drop(columns="seasonal_naive"),
        "no ds": forecast.drop(columns="ds"),
    }[bad]
    with pytest.raises(InvalidFrameError):
        required_staff(frame, aht=300)
    with pytest.raises(InvalidFrameError):
        coherence_check(forecast, frame)
    with ForecastStore("sqlite://") as store, pytest.raises(InvalidFrameError):
        store.save_run(frame, as_of="2024-03-03")
