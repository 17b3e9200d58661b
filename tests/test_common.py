"""The conformance suite on every registered forecaster, and on deliberate misfits."""

from __future__ import annotations

import importlib.util
import logging
from typing import ClassVar

import numpy as np
import pytest

from demandcast.exceptions import ForecasterFitError, InvalidFrameError, NotFittedError
from demandcast.forecasters import get_forecaster_class, list_forecasters
from demandcast.forecasters.base import LocalForecaster
from demandcast.forecasters.registry import BUILTIN_FORECASTERS
from demandcast.testing import check_forecaster, example_data


def expected_count(tags) -> int:
    """16 checks always; one each for intervals, unsupported roles, future, past."""
    return (
        16
        + tags["intervals"]
        + (not (tags["future_regressors"] and tags["past_regressors"]))
        + tags["future_regressors"]
        + tags["past_regressors"]
    )


def _available(name: str) -> bool:
    target = BUILTIN_FORECASTERS.get(name)
    return target is None or importlib.util.find_spec(target.partition(":")[0]) is not None


# The suite checks the contract, not accuracy: models whose defaults are tuned for
# accuracy on long histories run with cheaper settings here to keep the default run short.
LIGHT_PARAMS = {
    "gbm": {"max_iter": 40},
    "auto": {"candidates": ("seasonal_naive", "historical_average", "sarima")},
}


@pytest.mark.parametrize("freq", ["D", "30min"])
@pytest.mark.parametrize("name", list_forecasters())
def test_every_forecaster_passes_the_suite(name, freq):
    if not _available(name):
        pytest.skip(f"{BUILTIN_FORECASTERS[name]} not written yet")
    cls = get_forecaster_class(name)
    if freq != "D" and not cls.tags["intraday"]:
        pytest.skip(f"{name} is tagged intraday=False")
    model = cls(**LIGHT_PARAMS.get(name, {}))
    report = check_forecaster(model, freq=freq)
    assert report.n_checks == expected_count(model.get_tags()), report


@pytest.mark.parametrize("freq", ["D", "30min"])
@pytest.mark.parametrize("name", list_forecasters())
def test_every_update_continues_the_series_and_refuses_what_it_cannot_apply(name, freq):
    """The contract of ``update`` for every registered model that has one (backtests
    with ``refit=k`` rely on it): forecasts start after the new rows, old or unknown
    rows are refused, and the updated model pickles."""
    import pickle

    import pandas as pd

    from demandcast.forecasters.base import has_update

    if not _available(name):
        pytest.skip(f"{BUILTIN_FORECASTERS[name]} not written yet")
    cls = get_forecaster_class(name)
    if not has_update(cls()):
        pytest.skip(f"{name} has no update(): backtests refit it")
    df = example_data(freq)
    h = 7 if freq == "D" else 48
    cut = df["ds"].max().normalize() - pd.Timedelta(days=7 if freq == "D" else 2)
    old, new = df[df["ds"] <= cut], df[df["ds"] > cut]
    model = cls(**LIGHT_PARAMS.get(name, {})).fit(old)
    assert model.update(new) is model
    assert model.last_ds_ == {str(u): t for u, t in df.groupby("unique_id")["ds"].max().items()}
    fc = model.predict(h, level=(80,))
    first = fc.groupby("unique_id")["ds"].min()
    step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq))
    assert (first == first.index.map(lambda u: model.last_ds_[u] + step)).all()
    assert fc[model.alias_].notna().all() and (fc[model.alias_] >= 0).all()
    again = pickle.loads(pickle.dumps(model)).predict(h, level=(80,))
    pd.testing.assert_frame_equal(again, fc)
    with pytest.raises(InvalidFrameError, match="at or before"):
        model.update(new)
    with pytest.raises(InvalidFrameError, match="not in fit"):
        one = new[new["unique_id"] == new["unique_id"].iloc[0]]
        model.update(one.assign(unique_id="elsewhere/phone"))


def test_tuple_of_forecaster_members_roundtrips():
    from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive

    ensemble = get_forecaster_class("ensemble")(
        members=(SeasonalNaive(), HistoricalAverage(k_weeks=2)), combination="median"
    )
    report = check_forecaster(ensemble, freq="D")
    assert report.n_checks == expected_count(ensemble.get_tags())


class Linear(LocalForecaster):
    """A small model that uses both regressor roles, to exercise those checks."""

    name = "linear_test"
    tags: ClassVar[dict] = {
        "future_regressors": True,
        "past_regressors": True,
        "deterministic": True,
    }

    def __init__(self, alias=None, fallback=None, fail_on=None):
        self.alias = alias
        self.fallback = fallback
        self.fail_on = fail_on

    def _fit_one(self, y, ds, X_one):
        if self.fail_on is not None and self._current_id == self.fail_on:
            raise np.linalg.LinAlgError("singular matrix")
        y = np.nan_to_num(y, nan=float(np.nanmean(y)))
        beta = 0.0
        if X_one is not None and "mailing" in X_one:
            x = X_one["mailing"].to_numpy()
            beta = float(np.polyfit(x, y, 1)[0]) if x.std() > 0 else 0.0
        return {"mean": float(y.mean()), "sd": float(y.std()) + 1.0, "beta": beta}

    def _predict_one(self, state, h, ds_future, X_future_one, level):
        point = np.full(h, state["mean"])
        if X_future_one is not None and "mailing" in X_future_one:
            point = point + state["beta"] * X_future_one["mailing"].to_numpy()
        out = {"mean": point}
        for lv in level:
            out[f"lo-{lv}"] = point - state["sd"] * lv / 50
            out[f"hi-{lv}"] = point + state["sd"] * lv / 50
        return out


def test_suite_runs_regressor_checks():
    report = check_forecaster(Linear())
    assert report.n_checks == expected_count(Linear.tags) == 19
    assert "missing_future_regressor" in report.passed
    assert "past_regressor_observed_only" in report.passed
    assert "unsupported_regressor" not in report.passed


class Noisy(Linear):
    name = "noisy_test"

    def _predict_one(self, state, h, ds_future, X_future_one, level):
        out = super()._predict_one(state, h, ds_future, X_future_one, level)
        out["mean"] = out["mean"] + np.random.default_rng().normal(size=h)
        return out


class Rewriting(Linear):
    name = "rewriting_test"

    def __init__(self, alias=None, fallback=None, fail_on=None):
        super().__init__(alias=alias or "rewritten", fallback=fallback, fail_on=fail_on)


def test_suite_catches_nondeterminism():
    with pytest.raises(AssertionError, match=r"Noisy: check '\w+' failed: outputs differ"):
        check_forecaster(Noisy())


def test_suite_catches_init_that_changes_params():
    with pytest.raises(AssertionError, match="Rewriting: check 'init_stores_params' failed"):
        check_forecaster(Rewriting())


def test_fit_failure_names_model_and_series():
    df = example_data("D")
    second = sorted(df["unique_id"].unique())[1]
    failed = Linear(fail_on=second)
    with pytest.raises(
        ForecasterFitError, match=f"'linear_test' failed on series '{second}'"
    ) as info:
        failed.fit(df)
    assert isinstance(info.value.__cause__, np.linalg.LinAlgError)
    assert "singular matrix" in str(info.value)
    with pytest.raises(NotFittedError, match="call fit"):
        failed.predict(3)


def test_fallback_takes_over_the_failing_series(caplog):
    df = example_data("D")
    second = sorted(df["unique_id"].unique())[1]
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = Linear(fail_on=second, fallback="seasonal_naive").fit(df)
    assert second in caplog.text and "seasonal_naive" in caplog.text
    fc = f.predict(7, level=(80,))
    naive = get_forecaster_class("seasonal_naive")().fit(df[df["unique_id"] == second])
    expect = naive.predict(7, level=(80,))
    got = fc[fc["unique_id"] == second]
    np.testing.assert_allclose(got["linear_test"], expect["seasonal_naive"])
    np.testing.assert_allclose(got["linear_test-hi-80"], expect["seasonal_naive-hi-80"])


def test_future_regressor_errors_name_column_series_and_dates():
    df = example_data("D")
    X = df[["unique_id", "ds"]].assign(mailing=0.0)
    X.loc[X.index[3], "mailing"] = np.nan
    with pytest.raises(InvalidFrameError, match="mailing") as info:
        Linear().fit(df, X)
    assert sorted(df["unique_id"].unique())[0] in str(info.value)


def test_opening_hours_parameter_masks_closed_intervals():
    calendar = pytest.importorskip("demandcast.calendar")

    class Open(Linear):
        name = "open_test"

        def __init__(self, alias=None, fail_on=None, opening_hours=None):
            self.alias = alias
            self.fail_on = fail_on
            self.opening_hours = opening_hours

    hours = calendar.OpeningHours.from_dict({"mon-fri": "08:00-17:00"})
    df = example_data("30min")
    first = sorted(df["unique_id"].unique())[0]
    fc = Open(opening_hours={first: hours}).fit(df).predict(48 * 3, level=(80,))
    local = fc["ds"].dt.tz_convert("Europe/Amsterdam")
    closed = (local.dt.hour < 8) | (local.dt.hour >= 17) | (local.dt.day_of_week >= 5)
    phone = fc["unique_id"] == first
    assert (fc.loc[closed & phone, "open_test":] == 0).all().all()
    assert (fc.loc[~closed & phone, "open_test"] > 0).all()
    assert (fc.loc[closed & ~phone, "open_test"] > 0).all()  # no rule for the other series
