"""Ensemble and AutoSelect on simulated municipalities and real bank calls."""

from __future__ import annotations

import logging
import pickle
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from demandcast.exceptions import (
    ConfigError,
    ForecasterFitError,
    InvalidFrameError,
    UnknownForecasterError,
    UnsupportedRegressorError,
)
from demandcast.forecasters.base import BaseForecaster, LocalForecaster
from demandcast.forecasters.ensemble import AutoSelect, Ensemble, default_validation_h
from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive
from demandcast.metrics import wape
from demandcast.testing import check_forecaster, expected_checks

LEVEL = (80, 95)
NAIVE = ("seasonal_naive", "historical_average")


# ---------------------------------------------------------------------------
# test models and data
# ---------------------------------------------------------------------------


class LightEnsemble(Ensemble):
    """The ensemble with naive default members.

    The conformance suite reads tags from the class, and the class tags of a
    combination are those of its default members, so a light variant needs light
    defaults (the built-in defaults include sarima).
    """

    def __init__(
        self,
        members=NAIVE,
        combination="weighted",
        validation_h=None,
        validation_windows=1,
        metric="wape",
        alias=None,
        random_state=None,
    ):
        super().__init__(
            members, combination, validation_h, validation_windows, metric, alias, random_state
        )


class LightAuto(AutoSelect):
    """AutoSelect with naive default candidates (see LightEnsemble)."""

    def __init__(
        self,
        candidates=NAIVE,
        validation_h=None,
        validation_windows=1,
        metric="wape",
        fallback="seasonal_naive",
        alias=None,
        random_state=None,
    ):
        super().__init__(
            candidates, validation_h, validation_windows, metric, fallback, alias, random_state
        )


class FlakyAverage(HistoricalAverage):
    """A plugin-like model: the historical average, except that one series fails."""

    name = "flaky_average"

    def __init__(self, k_weeks=4, fail_on=None, alias=None):
        super().__init__(k_weeks=k_weeks, alias=alias)
        self.fail_on = fail_on

    def _fit_one(self, uid, y, ds, X_one):
        if uid == self.fail_on:
            raise np.linalg.LinAlgError("singular matrix")
        return super()._fit_one(uid, y, ds, X_one)


class Broken(BaseForecaster):
    """A plugin-like global model whose fit always fails."""

    name = "broken_plugin"

    def __init__(self, alias=None):
        self.alias = alias

    def _fit(self, inputs):
        raise RuntimeError("solver did not converge")


class MailingLinear(LocalForecaster):
    """Weekday mean plus a linear effect of a future regressor (letters sent)."""

    name = "mailing_linear"
    tags: ClassVar[dict] = {"future_regressors": True, "deterministic": True}

    def __init__(self, column="mailing_letters", alias=None):
        self.column = column
        self.alias = alias

    def _fit_one(self, uid, y, ds, X_one):
        ok = np.isfinite(y)
        dow = np.asarray(ds.day_of_week)
        means = np.zeros(7)
        for d in np.unique(dow[ok]):
            means[d] = y[ok & (dow == d)].mean()
        resid = y - means[dow]
        x = X_one[self.column].to_numpy()
        beta = float(np.dot(x[ok], resid[ok]) / np.dot(x[ok], x[ok])) if np.dot(x, x) > 0 else 0.0
        return {"means": means, "beta": beta, "sd": float(np.nanstd(resid)) + 1.0}

    def _predict_one(self, state, h, ds_future, X_future_one, level):
        dow = np.asarray(ds_future.day_of_week)
        point = state["means"][dow] + state["beta"] * X_future_one[self.column].to_numpy()
        out = {"mean": point}
        for lv in level:
            out[f"lo-{lv}"] = point - state["sd"] * lv / 50
            out[f"hi-{lv}"] = point + state["sd"] * lv / 50
        return out


@pytest.fixture(scope="module")
def sim():
    from demandcast.datasets import simulate_municipality

    return simulate_municipality(seed=3, start="2024-01-01", end="2024-05-31", freq="D", scale=0.5)


@pytest.fixture(scope="module")
def daily(sim):
    """Daily phone calls of three locations (weekdays; closures absent)."""
    df = sim.frame("phone", freq="D")
    return df[["unique_id", "ds", "y", "is_open"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def bank():
    """The bank's calls summed to 30 minutes (weekdays 07:00-21:05, rest absent)."""
    from conftest import find_data_file

    path = find_data_file("bank_calls_5min_2003-07-14_2003-09-19.csv")
    path = path or find_data_file("bank_calls_5min.csv")
    if path is None:
        pytest.skip("bank_calls_5min*.csv not found in tests/data or ../shared/data")
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    raw = raw[(raw["timestamp"] >= "2003-07-14") & (raw["timestamp"] < "2003-09-20")]
    ds = raw["timestamp"].dt.floor("30min").dt.tz_localize("UTC")  # keeps the local labels
    out = raw.assign(ds=ds).groupby("ds", as_index=False)["count"].sum()
    return out.rename(columns={"count": "y"}).assign(unique_id="na_bank_calls")


def _point(fc, alias):
    return fc[[alias, *[f"{alias}-{s}-{lv}" for lv in LEVEL for s in ("lo", "hi")]]].to_numpy()


# ---------------------------------------------------------------------------
# conformance
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("freq", ["D", "30min"])
@pytest.mark.parametrize(
    "model",
    [LightEnsemble(), LightAuto()],
    ids=["weighted", "auto"],
)
def test_passes_the_conformance_suite(model, freq):
    report = check_forecaster(model, freq=freq)
    assert report.n_checks == len(expected_checks(type(model).tags)) == 23
    assert "nested_intervals" in report.passed


def test_class_tags_follow_the_default_members_and_instances_their_own():
    assert LightEnsemble.tags["future_regressors"] is False
    assert LightEnsemble().tags == LightEnsemble.tags
    with_x = Ensemble(members=("seasonal_naive", MailingLinear()))
    assert with_x.tags["future_regressors"] is True
    assert with_x.tags["past_regressors"] is False
    assert with_x.tags["deterministic"] is True
    assert with_x.get_tags() == with_x.tags  # what the backtest reads from an instance
    assert LightEnsemble.get_tags()["future_regressors"] is False
    assert Ensemble(members=NAIVE).tags["handles_missing"] is True


# ---------------------------------------------------------------------------
# combinations
# ---------------------------------------------------------------------------


def test_mean_and_median_equal_those_of_the_members_fitted_separately(daily):
    members = (
        SeasonalNaive(),
        HistoricalAverage(k_weeks=6),
        HistoricalAverage(k_weeks=2, alias="ha2"),
    )
    separate = np.stack(
        [_point(m.clone().fit(daily).predict(14, level=LEVEL), m.alias_) for m in members]
    )
    mean = Ensemble(members=members, combination="mean").fit(daily).predict(14, level=LEVEL)
    np.testing.assert_allclose(_point(mean, "ensemble"), separate.mean(axis=0), rtol=1e-12)
    median = Ensemble(members=members, combination="median").fit(daily)
    got = _point(median.predict(14, level=LEVEL), "ensemble")
    np.testing.assert_array_equal(got, np.median(separate, axis=0))
    assert (median.weights_.to_numpy() == 1 / 3).all()
    assert median.scores_ is None


def test_the_default_median_beats_the_mean_and_every_member(daily):
    # four weeks of simulated phone days after the cut; default members incl. sarima
    last = daily.groupby("unique_id")["ds"].transform("max")
    cut = daily["ds"] <= last - pd.Timedelta(days=28)
    train, test = daily[cut], daily[~cut]
    median = Ensemble().fit(train)
    assert median.combination == "median"
    fc = median.predict(28, level=LEVEL).merge(test, on=["unique_id", "ds"])
    assert len(fc) == len(test) > 0
    ours = wape(fc["y"], fc["ensemble"])
    mean = Ensemble(combination="mean").fit(train).predict(28).merge(test, on=["unique_id", "ds"])
    assert ours < wape(mean["y"], mean["ensemble"])
    for label, member in median.members_.items():
        alone = member.predict(28).merge(test, on=["unique_id", "ds"])
        assert ours < wape(alone["y"], alone[member.alias_]), label
    # order statistics of nested member intervals stay nested
    assert (fc["ensemble-lo-95"] <= fc["ensemble-lo-80"]).all()
    assert (fc["ensemble-lo-80"] <= fc["ensemble"]).all()
    assert (fc["ensemble"] <= fc["ensemble-hi-80"]).all()
    assert (fc["ensemble-hi-80"] <= fc["ensemble-hi-95"]).all()


def test_members_are_cloned_and_exposed_as_params(daily):
    ha = HistoricalAverage(k_weeks=6)
    f = Ensemble(members=("seasonal_naive", ha)).fit(daily)
    assert not hasattr(ha, "freq_")  # the caller's object was never fitted
    assert f.members_["historical_average"] is not ha
    params = f.get_params(deep=True)
    assert params["members__historical_average__k_weeks"] == 6
    assert params["members__seasonal_naive"] == "seasonal_naive"
    f.set_params(members__historical_average__k_weeks=3, members__seasonal_naive__season_length=14)
    assert ha.k_weeks == 6
    assert f.members[1].k_weeks == 3
    assert f.members[0].season_length == 14
    with pytest.raises(ConfigError, match=r"no member 'sarima'.*seasonal_naive"):
        f.set_params(members__sarima__order=(1, 0, 0))


def test_weights_favour_the_better_member(daily):
    # repeating yesterday misses the weekday rhythm of phone demand badly
    yesterday = SeasonalNaive(season_length=1, alias="yesterday")
    f = Ensemble(members=(yesterday, "historical_average"), combination="weighted").fit(daily)
    w, s = f.weights_, f.scores_
    assert list(w.index) == sorted(daily["unique_id"].unique())
    assert (s["yesterday"] > 1.5 * s["historical_average"]).all()
    assert (w["historical_average"] > 0.6).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    inverse = 1 / s
    np.testing.assert_allclose(w, inverse.div(inverse.sum(axis=1), axis=0))
    assert f.validation_h_ == 28
    # and the weights pay off against the plain mean on the last four weeks
    last = daily.groupby("unique_id")["ds"].transform("max")
    cut = daily["ds"] <= last - pd.Timedelta(days=28)
    train, test = daily[cut], daily[~cut]
    scores = {}
    for combination in ("mean", "weighted"):
        g = Ensemble(members=(yesterday, "historical_average"), combination=combination)
        fc = g.fit(train).predict(28).merge(test, on=["unique_id", "ds"])
        scores[combination] = wape(fc["y"], fc["ensemble"])
    assert scores["weighted"] < scores["mean"]


def test_trim_leaves_a_clearly_worse_member_out(daily):
    yesterday = SeasonalNaive(season_length=1, alias="yesterday")
    members = (yesterday, "historical_average", "seasonal_naive")
    full = Ensemble(members=members, combination="weighted").fit(daily)
    trimmed = Ensemble(members=members, combination="weighted", trim=0.1).fit(daily)
    pd.testing.assert_frame_equal(full.scores_, trimmed.scores_)
    s, w = trimmed.scores_, trimmed.weights_
    best = s.min(axis=1)
    kept = s.le(best * 1.1, axis=0)
    assert (w["yesterday"] == 0).all() and (full.weights_["yesterday"] > 0).all()
    assert ((w > 0) == kept).all().all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    inverse = (1 / s).where(kept, 0.0)
    np.testing.assert_allclose(w, inverse.div(inverse.sum(axis=1), axis=0))
    with pytest.raises(ConfigError, match="trim"):
        Ensemble(members=members, combination="weighted", trim=-0.1).fit(daily)


class LateStarter(HistoricalAverage):
    """The historical average, except that it fails on histories shorter than ``min_days``."""

    name = "late_starter"

    def __init__(self, k_weeks=4, min_days=120, alias=None):
        super().__init__(k_weeks=k_weeks, alias=alias)
        self.min_days = min_days

    def _fit_one(self, uid, y, ds, X_one):
        if (ds.max() - ds.min()).days < self.min_days:
            raise ValueError("history too short")
        return super()._fit_one(uid, y, ds, X_one)


def test_members_are_scored_on_the_windows_they_all_forecast(daily, caplog):
    # the first of two validation windows is too short for one member: both members
    # are scored on the second window only, instead of the short one losing its score
    late = LateStarter(alias="late")
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = Ensemble(
            members=("seasonal_naive", late),
            combination="weighted",
            validation_windows=2,
        ).fit(daily)
    assert f.scores_.notna().all().all()
    assert (f.failures_["stage"] == "validation").any()
    one = Ensemble(
        members=("seasonal_naive", HistoricalAverage(alias="late")),
        combination="weighted",
        validation_windows=1,
    ).fit(daily)
    pd.testing.assert_frame_equal(f.scores_, one.scores_)


# ---------------------------------------------------------------------------
# automatic choice
# ---------------------------------------------------------------------------


def _by_hand(df, model, h):
    """WAPE per series of ``model`` fitted up to h days before each series' end."""
    last = df.groupby("unique_id")["ds"].transform("max")
    wall = df["ds"].dt.tz_localize(None)
    cut = wall <= last.dt.tz_localize(None) - h * pd.Timedelta(days=1)
    fc = model.clone().fit(df[cut]).predict(h).merge(df[~cut], on=["unique_id", "ds"])
    return {u: wape(g["y"], g[model.alias_]) for u, g in fc.groupby("unique_id")}


def test_auto_picks_what_the_validation_says_and_is_reproducible(daily):
    candidates = (
        SeasonalNaive(season_length=1, alias="yesterday"),
        SeasonalNaive(),
        HistoricalAverage(),
    )
    f = AutoSelect(candidates=candidates, validation_windows=1, validation_h=20).fit(daily)
    for model in candidates:
        hand = _by_hand(daily, model, 20)
        np.testing.assert_allclose(f.scores_[model.alias_], pd.Series(hand), rtol=1e-12)
    assert (f.choice_ == f.scores_.idxmin(axis=1)).all()
    assert "yesterday" not in set(f.choice_)
    fc = f.predict(10, level=LEVEL)
    for uid, name in f.choice_.items():
        model = next(m for m in candidates if m.alias_ == name)
        alone = model.clone().fit(daily[daily["unique_id"] == uid]).predict(10, level=LEVEL)
        np.testing.assert_array_equal(
            _point(fc[fc["unique_id"] == uid], "auto"), _point(alone, name)
        )
    again = AutoSelect(candidates=candidates, validation_windows=1, validation_h=20).fit(daily)
    assert again.choice_.equals(f.choice_)
    pd.testing.assert_frame_equal(again.predict(10, level=LEVEL), fc, check_exact=True)
    clone = pickle.loads(pickle.dumps(f))
    pd.testing.assert_frame_equal(clone.predict(10, level=LEVEL), fc, check_exact=True)


def test_a_failing_candidate_does_not_break_auto(daily, caplog):
    uid = sorted(daily["unique_id"].unique())[1]
    flaky = FlakyAverage(fail_on=uid)
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = AutoSelect(candidates=(flaky, "historical_average", Broken(), "seasonal_naive"))
        f.fit(daily)
    assert "broken_plugin" in caplog.text and "solver did not converge" in caplog.text
    assert f.scores_["broken_plugin"].isna().all()
    assert np.isnan(f.scores_.loc[uid, "flaky_average"])
    # flaky equals the historical average elsewhere: ties go to the earlier candidate
    expect = {u: "flaky_average" for u in f.series_}
    expect[uid] = "historical_average"
    assert f.choice_.to_dict() == expect
    failed = f.failures_.groupby("member")["unique_id"].apply(set).to_dict()
    assert failed == {"broken_plugin": set(f.series_), "flaky_average": {uid}}
    assert set(f.failures_["stage"]) == {"validation", "fit"}
    assert "broken_plugin" not in f.models_
    fc = f.predict(5, level=LEVEL)
    alone = HistoricalAverage().fit(daily[daily["unique_id"] == uid]).predict(5, level=LEVEL)
    got = _point(fc[fc["unique_id"] == uid], "auto")
    np.testing.assert_array_equal(got, _point(alone, "historical_average"))


def test_auto_falls_back_when_every_candidate_fails(daily, caplog):
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = AutoSelect(candidates=(Broken(),)).fit(daily)
    assert f.fallback_series_ == sorted(daily["unique_id"].unique())
    assert set(f.choice_) == {"seasonal_naive"}
    assert "using fallback 'seasonal_naive'" in caplog.text
    naive = SeasonalNaive().fit(daily).predict(7, level=(80,))
    np.testing.assert_array_equal(
        f.predict(7, level=(80,)).iloc[:, 2:].to_numpy(), naive.iloc[:, 2:].to_numpy()
    )
    with pytest.raises(ForecasterFitError, match=r"model 'auto' failed on series .*solver did not"):
        AutoSelect(candidates=(Broken(),), fallback=None).fit(daily)


def test_ensemble_reports_a_failing_member(daily, caplog):
    uid = sorted(daily["unique_id"].unique())[0]
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = Ensemble(members=("seasonal_naive", FlakyAverage(fail_on=uid)), combination="weighted")
        f.fit(daily)
    assert f"'flaky_average' failed on series '{uid}'" in caplog.text
    rows = f.failures_[f.failures_["member"] == "flaky_average"]
    assert set(rows["unique_id"]) == {uid} and set(rows["stage"]) == {"validation", "fit"}
    assert "singular matrix" in rows["reason"].iloc[0]
    assert f.weights_.loc[uid, "flaky_average"] == 0.0
    assert f.weights_.loc[uid, "seasonal_naive"] == 1.0
    fc = f.predict(7, level=LEVEL)
    naive = SeasonalNaive().fit(daily[daily["unique_id"] == uid]).predict(7, level=LEVEL)
    np.testing.assert_allclose(
        _point(fc[fc["unique_id"] == uid], "ensemble"), _point(naive, "seasonal_naive")
    )
    with pytest.raises(ForecasterFitError, match=r"model 'ensemble' failed on series .*converge"):
        Ensemble(members=(Broken(),)).fit(daily)


# ---------------------------------------------------------------------------
# regressors and parameters
# ---------------------------------------------------------------------------


def _mailing_ensemble_by_hand(f, train, X, h):
    """The fitted mailing ensemble's forecast, and the mean of its two members fitted
    separately on ``train``."""
    grid = f.future_ds(h)
    X_future = grid[["ds"]].drop_duplicates().merge(X, on="ds")
    fc = f.predict(h, X_future=X_future, level=LEVEL)
    linear = MailingLinear().fit(train, X).predict(h, X_future=X_future, level=LEVEL)
    naive = SeasonalNaive().fit(train).predict(h, level=LEVEL)
    want = (_point(linear, "mailing_linear") + _point(naive, "seasonal_naive")) / 2
    return _point(fc, "ensemble"), want


def test_regressors_go_only_to_members_that_use_them(sim, daily):
    X = sim.regressors("D")[["ds", "mailing_letters"]]
    last = daily.groupby("unique_id")["ds"].transform("max")
    cut = daily["ds"] <= last - pd.Timedelta(days=14)
    train = daily[cut]
    f = Ensemble(members=("seasonal_naive", MailingLinear())).fit(train, X)
    assert f.regressor_members_ == {"seasonal_naive": [], "mailing_linear": ["mailing_letters"]}
    got, want = _mailing_ensemble_by_hand(f, train, X, 7)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    with pytest.raises(UnsupportedRegressorError, match="mailing_letters"):
        Ensemble(members=NAIVE).fit(train, X)


def test_bad_parameters_name_the_parameter(daily):
    for params, word in [
        ({"combination": "avg"}, "combination"),
        ({"members": []}, "members"),
        ({"members": "seasonal_naive"}, "members"),
        ({"members": ("seasonal_naive", 3)}, "members"),
        ({"metric": "mape"}, "metric"),
        ({"validation_windows": 0}, "validation_windows"),
        ({"validation_h": 2.5}, "validation_h"),
    ]:
        with pytest.raises(ConfigError, match=word):
            Ensemble(**params).fit(daily)
    with pytest.raises(UnknownForecasterError, match="seasonal_naive"):
        Ensemble(members=("seasonal_naieve",)).fit(daily)
    with pytest.raises(ConfigError, match="fallback"):
        AutoSelect(candidates=NAIVE, fallback=3).fit(daily)


def test_default_validation_horizon():
    assert default_validation_h("D") == 28
    assert default_validation_h("30min") == 7 * 48
    assert default_validation_h("15min") == 7 * 96


# ---------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [LightEnsemble(validation_windows=2), LightAuto(validation_windows=2)],
    ids=["ensemble", "auto"],
)
def test_beats_seasonal_naive_on_real_bank_calls(bank, model):
    cut = pd.Timestamp("2003-08-29 23:59", tz="UTC")  # three weeks of hold-out after
    train, test = bank[bank["ds"] <= cut], bank[bank["ds"] > cut]
    h = 3 * 7 * 48
    fc = model.fit(train).predict(h).merge(test, on=["unique_id", "ds"])
    naive = SeasonalNaive().fit(train).predict(h).merge(test, on=["unique_id", "ds"])
    assert len(fc) == len(test) > 0
    ours = wape(fc["y"], fc[model.alias_])
    base = wape(naive["y"], naive["seasonal_naive"])
    assert ours < 0.95 * base


# --------------------------------------------------------------------------- update


def _split(df: pd.DataFrame, days: int):
    cut = df.groupby("unique_id")["ds"].transform("max") - pd.Timedelta(days=days)
    return df[df["ds"] <= cut], df[df["ds"] > cut]


def test_update_equals_the_members_updated_or_refitted_and_keeps_the_weights(daily):
    from demandcast.forecasters.sarima import SARIMA

    old, new = _split(daily, 14)
    members = (SeasonalNaive(), HistoricalAverage(k_weeks=6), SARIMA())
    f = Ensemble(members=members, combination="weighted", validation_h=10).fit(old)
    weights = f.weights_.copy()
    sarima = f.members_["sarima"]
    params = {u: s.params.copy() for u, s in sarima.results_.items()}
    fc = f.update(new).predict(10, level=LEVEL)
    assert f.members_["sarima"] is sarima  # updated, not re-estimated
    assert all((sarima.results_[u].params == p).all() for u, p in params.items())
    pd.testing.assert_frame_equal(f.weights_, weights)
    assert f.last_ds_ == {u: t for u, t in daily.groupby("unique_id")["ds"].max().items()}
    # by hand: the baselines on all the data, sarima fitted on the old rows and updated
    parts = {
        "seasonal_naive": SeasonalNaive().fit(daily),
        "historical_average": HistoricalAverage(k_weeks=6).fit(daily),
        "sarima": SARIMA().fit(old).update(new),
    }
    w = weights.reindex(index=fc["unique_id"]).to_numpy()
    want = sum(
        _point(m.predict(10, level=LEVEL), label) * w[:, [j]]
        for j, (label, m) in enumerate(parts.items())
    )
    np.testing.assert_allclose(_point(fc, "ensemble"), want, rtol=1e-9)


def test_auto_update_keeps_the_choice_and_forecasts_as_the_updated_choice(daily):
    old, new = _split(daily, 14)
    candidates = (SeasonalNaive(season_length=1, alias="yesterday"), HistoricalAverage())
    f = AutoSelect(candidates=candidates, validation_windows=1, validation_h=20).fit(old)
    choice = f.choice_.copy()
    fc = f.update(new).predict(10, level=LEVEL)
    assert f.choice_.equals(choice)
    for uid, name in choice.items():
        model = next(m for m in candidates if m.alias_ == name)
        alone = model.clone().fit(daily[daily["unique_id"] == uid]).predict(10, level=LEVEL)
        np.testing.assert_array_equal(
            _point(fc[fc["unique_id"] == uid], "auto"), _point(alone, name)
        )
    # a second update carries on from the first
    older, middle = _split(old, 7)
    g = AutoSelect(candidates=candidates, validation_windows=1, validation_h=20).fit(older)
    g.update(middle).update(new)
    pd.testing.assert_frame_equal(
        g.predict(10, level=LEVEL)[["unique_id", "ds"]], fc[["unique_id", "ds"]]
    )


def test_update_routes_the_regressors_and_asks_for_them(sim, daily):
    X = sim.regressors("D")[["ds", "mailing_letters"]]
    known, _ = _split(daily, 14)  # the mailings of the forecast days are in X
    old, new = _split(known, 14)
    f = Ensemble(members=("seasonal_naive", MailingLinear())).fit(old, X)
    with pytest.raises(InvalidFrameError, match="X_new"):
        f.update(new)
    f.update(new, X)
    got, want = _mailing_ensemble_by_hand(f, known, X, 7)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_backtest_with_refit_k_fits_the_ensemble_once(daily, monkeypatch, caplog):
    from demandcast.backtest import backtest
    from demandcast.forecasters.sarima import SARIMA

    fits: list[pd.Timestamp] = []
    fit = SARIMA._fit

    def counted(self, inputs):
        fits.append(inputs.df["ds"].max())
        return fit(self, inputs)

    monkeypatch.setattr(SARIMA, "_fit", counted)
    model = Ensemble()  # seasonal naive, historical average and sarima
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        once = backtest(model, daily, h=5, n_windows=4, refit=4, level=(80,))
    assert len(fits) == 1 and "no update()" not in caplog.text
    fits.clear()
    every = backtest(model, daily, h=5, n_windows=4, level=(80,))
    assert len(fits) == 4
    first = every.forecasts["cutoff"] == every.forecasts["cutoff"].min()
    np.testing.assert_allclose(
        once.forecasts.loc[first, "ensemble"], every.forecasts.loc[first, "ensemble"]
    )
    wape = {k: r.leaderboard().loc[0, "wape"] for k, r in (("once", once), ("every", every))}
    assert wape["once"] <= 1.1 * wape["every"], wape


def test_an_update_that_cannot_refit_a_member_names_the_series(daily):
    uid = sorted(daily["unique_id"].unique())[1]
    old, new = _split(daily, 14)
    f = Ensemble(members=("seasonal_naive", FlakyAverage())).fit(old)
    f.members_["flaky_average"].fail_on = uid  # from now on its fit fails on that series
    with pytest.raises(ForecasterFitError, match=rf"'ensemble' failed on series '{uid}'.*again"):
        f.update(new)
