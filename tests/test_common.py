"""The conformance suite on every registered forecaster, and on deliberate misfits."""

from __future__ import annotations

import logging
from typing import ClassVar

import numpy as np
import pytest

from demandcast.exceptions import ForecasterFitError, InvalidFrameError, NotFittedError
from demandcast.forecasters import get_forecaster_class, list_forecasters
from demandcast.forecasters.base import LocalForecaster, tags_of
from demandcast.testing import check_forecaster, example_data, parametrize_with_checks, yield_checks


def expected_count(tags) -> int:
    """16 checks always; one each for intervals, unsupported roles, future, past; 5 update."""
    return (
        16
        + tags["intervals"]
        + (not (tags["future_regressors"] and tags["past_regressors"]))
        + tags["future_regressors"]
        + tags["past_regressors"]
        + 5 * tags["supports_update"]
    )


def _cheap(name):
    """A registered model with the cheap settings its class declares for the suite."""
    cls = get_forecaster_class(name)
    return cls(**cls.get_test_params())


@parametrize_with_checks([_cheap(name) for name in list_forecasters()], freqs=("D", "30min"))
def test_every_forecaster_passes_every_check(check):
    check()


@pytest.mark.parametrize("name", list_forecasters())
def test_every_forecaster_gets_every_check(name):
    model = _cheap(name)
    assert len(list(yield_checks(model))) == expected_count(tags_of(model))


def test_tuple_of_forecaster_members_roundtrips():
    from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive

    ensemble = get_forecaster_class("ensemble")(
        members=(SeasonalNaive(), HistoricalAverage(k_weeks=2)), combination="median"
    )
    report = check_forecaster(ensemble, freq="D")
    assert report.n_checks == expected_count(tags_of(ensemble))


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

    def _fit_one(self, uid, y, ds, X_one):
        if self.fail_on is not None and uid == self.fail_on:
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


class Flaky(Noisy):
    """Noisy, with its nondeterminism declared: the suite reports it and expects it."""

    name = "flaky_test"
    _known_failures: ClassVar[dict] = dict.fromkeys(
        ("fit_idempotent", "pickle_roundtrip", "same_inputs_identical"), "noise without a seed"
    )


@parametrize_with_checks([Flaky()])
def test_known_failures_are_strict_xfails(check):
    check()


def test_known_failures_are_reported_with_their_reason():
    report = check_forecaster(Flaky())
    assert report.known_failures == Flaky._known_failures
    assert report.n_checks == expected_count(Flaky.tags) - 3
    fixed = type("Fixed", (Linear,), {"_known_failures": {"fit_returns_self": "stale"}})
    with pytest.raises(AssertionError, match="'fit_returns_self' is declared a known failure"):
        check_forecaster(fixed())


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
