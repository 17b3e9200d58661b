"""The fast paths of the forecaster base: same results as the checked, per-series way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandcast.exceptions import InvalidFrameError
from demandcast.forecasters.base import _align_regressors, _same_rows
from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive
from demandcast.frame import future_index


@pytest.fixture(scope="module")
def hourly():
    """Simulated hourly phone and desk counts across the spring DST change."""
    datasets = pytest.importorskip("demandcast.datasets")
    sim = datasets.simulate_municipality(
        seed=3, start="2024-02-26", end="2024-04-07", locations=("centrum", "noord"), freq="h"
    )
    df = pd.concat([sim.frame("phone", freq="h"), sim.frame("desk", freq="h")])
    return df.reset_index(drop=True)


def _per_series_grid(model, h):
    parts = [
        pd.DataFrame({"unique_id": u, "ds": future_index(model.last_ds_[u], h, model.freq_)})
        for u in model.series_
    ]
    out = pd.concat(parts, ignore_index=True)
    out["unique_id"] = out["unique_id"].astype(str)
    return out


def test_future_ds_equals_per_series_index_with_ragged_ends(hourly):
    # each series loses a different number of final rows; a 24/7 series ends just
    # before the DST jump of 31 March 2024 (02:00 does not exist)
    keep = hourly.groupby("unique_id").cumcount(ascending=False) >= hourly["unique_id"].map(
        {"centrum/desk": 0, "centrum/phone": 7, "noord/desk": 30, "noord/phone": 100}
    )
    ds = pd.date_range("2024-03-20", "2024-03-31 01:00", freq="h", tz="Europe/Amsterdam")
    web = pd.DataFrame({"unique_id": "centrum/web", "ds": ds, "y": np.arange(len(ds)) % 24.0})
    train = pd.concat([hourly[keep], web.assign(is_open=True)], ignore_index=True)
    model = SeasonalNaive().fit(train)
    assert len(set(model.last_ds_.values())) == 5
    for h in (1, 30, 200):
        pd.testing.assert_frame_equal(model.future_ds(h), _per_series_grid(model, h))
    grid = model.future_ds(30)
    assert grid.loc[grid["unique_id"] == "centrum/web", "ds"].iloc[0].hour == 3


def test_future_ds_cache_follows_refit_and_callers_cannot_spoil_it(hourly):
    model = HistoricalAverage().fit(hourly[hourly["ds"] < "2024-03-20"])
    first = model.future_ds(24)
    first["ds"] = first["ds"] + pd.Timedelta(days=400)  # the caller edits its copy
    before = model.future_ds(24)
    pd.testing.assert_frame_equal(before, _per_series_grid(model, 24))
    model.fit(hourly)  # same h, later last ds: the cached grid must not come back
    later = model.future_ds(24)
    assert later["ds"].min() > before["ds"].max()
    pd.testing.assert_frame_equal(later, _per_series_grid(model, 24))


@pytest.mark.parametrize("model", [SeasonalNaive(), HistoricalAverage(k_weeks=2)])
def test_local_fit_on_shuffled_rows_matches_sorted(hourly, model):
    train = hourly[hourly["ds"] < "2024-03-25"]
    shuffled = train.sample(frac=1.0, random_state=0)
    a = type(model)(**model.get_params()).fit(train).predict(168, level=(80,))
    b = type(model)(**model.get_params()).fit(shuffled).predict(168, level=(80,))
    pd.testing.assert_frame_equal(a, b)
    assert (a[model.alias_] > 0).any()


def test_same_rows_matches_the_merge_and_defers_on_gaps(hourly):
    model = SeasonalNaive().fit(hourly[hourly["ds"] < "2024-03-25"])
    grid = model.future_ds(48)
    X = grid.assign(is_open=(grid["ds"].dt.hour.between(8, 17)).to_numpy())
    fast = _same_rows(X, grid, ["is_open"])
    slow = _align_regressors(X, grid, ["is_open"], what="X_future")
    pd.testing.assert_frame_equal(fast, slow)
    assert _same_rows(X.iloc[::-1], grid, ["is_open"]) is None  # other order: merge path
    gap = X.astype({"is_open": "boolean"})
    gap.loc[5, "is_open"] = pd.NA
    assert _same_rows(gap, grid, ["is_open"]) is None
    with pytest.raises(InvalidFrameError, match="is_open"):
        model.predict(48, X_future=gap)


def test_predict_with_grid_x_future_zeroes_closed_hours(hourly):
    model = SeasonalNaive().fit(hourly[hourly["ds"] < "2024-03-25"])
    grid = model.future_ds(48)
    closed = ~grid["ds"].dt.hour.between(8, 17).to_numpy()
    fc = model.predict(48, X_future=grid.assign(is_open=~closed), level=(80,))
    shared = model.predict(
        48, X_future=grid.drop_duplicates("ds")[["ds"]].assign(is_open=True), level=(80,)
    )
    assert (fc.loc[closed, "seasonal_naive"] == 0).all()
    np.testing.assert_array_equal(
        fc.loc[~closed, "seasonal_naive"].to_numpy(), shared.loc[~closed, "seasonal_naive"]
    )


def test_fit_validated_skips_validation_and_fit_still_validates(hourly):
    from demandcast.backtest import _prepare_frame

    frame, _ = _prepare_frame(hourly)
    train = frame[frame["ds"] < "2024-03-25"].reset_index(drop=True)
    plain = SeasonalNaive().fit(train).predict(72, level=(80,))
    fast = SeasonalNaive()._fit_validated(train, frame.attrs["freq"]).predict(72, level=(80,))
    broken = train.assign(y=-train["y"] - 1)  # the public fit: checked as usual
    with pytest.raises(InvalidFrameError, match="y"):
        SeasonalNaive().fit(broken)
    pd.testing.assert_frame_equal(fast, plain)


def test_tags_are_declared_and_read_through_one_function(hourly):
    from demandcast.exceptions import ConfigError
    from demandcast.forecasters.base import tags_of
    from demandcast.forecasters.sarima import SARIMA

    class Faster(SeasonalNaive):  # may fit and predict otherwise: no inherited shortcut
        pass

    assert tags_of(SeasonalNaive)["backtest_fast"] and not tags_of(Faster)["backtest_fast"]
    assert tags_of(SARIMA(warm_start=True))["warm_start"] and not tags_of(SARIMA())["warm_start"]
    assert tags_of(SARIMA)["supports_update"] and not tags_of(SeasonalNaive())["supports_update"]
    with pytest.raises(ConfigError, match="cannot take new observations"):
        SeasonalNaive().fit(hourly).update(hourly)
