"""Backtests: windows per the BENCHMARKS.md protocol, no look-ahead, engines, scoring."""

from __future__ import annotations

import importlib
import logging
import math
import pickle
import sys
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from demandcast import metrics as M  # noqa: N812
from demandcast.backtest import BacktestResult, BacktestWindows, backtest
from demandcast.exceptions import BacktestError, ConfigError, DataWarning
from demandcast.forecasters.base import BaseForecaster
from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive

TZ = "Europe/Amsterdam"


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def bank():
    """The bank's calls summed to 30 minutes (weekdays 07:00-21:00 starts, rest absent)."""
    from conftest import find_data_file

    path = find_data_file("bank_calls_5min_2003-07-14_2003-09-19.csv")
    if path is None:
        pytest.skip("bank_calls_5min_2003-07-14_2003-09-19.csv not found")
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    ds = raw["timestamp"].dt.floor("30min").dt.tz_localize("UTC")
    out = raw.assign(ds=ds).groupby("ds", as_index=False)["count"].sum()
    return out.rename(columns={"count": "y"}).assign(unique_id="na_bank_calls")


@pytest.fixture(scope="module")
def phone():
    """Simulated daily phone calls of three locations; weekends and holidays absent."""
    from demandcast.datasets import simulate_municipality

    sim = simulate_municipality(seed=3, start="2024-01-01", end="2024-03-31")
    return sim.frame("phone", freq="D")


def _daily(n_days: int = 60, series: tuple[str, ...] = ("a", "b"), seed: int = 0):
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2024-01-01", periods=n_days, freq="D", tz=TZ)
    parts = []
    for i, uid in enumerate(series):
        lam = 40 + 10 * i + 15 * (ds.day_of_week == 0)
        parts.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": rng.poisson(lam) * 1.0}))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- a spy model


class Spy(BaseForecaster):
    """Records what the harness hands it: training rows, regressors, update rows."""

    name: ClassVar[str] = "spy"
    tags: ClassVar[dict[str, bool]] = {
        "future_regressors": True,
        "past_regressors": True,
        "handles_missing": True,
        "deterministic": True,
    }
    log: ClassVar[list[tuple[str, Any, Any]]] = []

    def __init__(self, alias: str | None = None) -> None:
        self.alias = alias

    def _fit(self, inputs):
        X = inputs.X_given
        Spy.log.append(("fit", inputs.df.copy(), None if X is None else X.copy()))
        self.mean_ = inputs.df.groupby("unique_id")["y"].mean()

    def predict(self, h, X_future=None, level=None):
        Spy.log.append(("predict", h, None if X_future is None else X_future.copy()))
        return super().predict(h, X_future, level)

    def _predict(self, h, X_future, level):
        grid = self.future_ds(h)
        grid[self.alias_] = grid["unique_id"].map(self.mean_).to_numpy(dtype=float)
        return grid


class UpdatingSpy(Spy):
    """A spy that can take new observations without refitting."""

    name: ClassVar[str] = "updating_spy"
    tags: ClassVar[dict[str, bool]] = {"supports_update": True}

    def _update(self, inputs):
        X = inputs.X_given
        Spy.log.append(("update", inputs.df.copy(), None if X is None else X.copy()))


class Ensembled(Spy):
    """A local wrapper around other forecasters (as an ensemble is)."""

    name: ClassVar[str] = "ensembled"

    def __init__(self, members: list | None = None, alias: str | None = None) -> None:
        self.members = members
        self.alias = alias


def _versions(df: pd.DataFrame) -> pd.DataFrame:
    """Regressors with publication times: revisions of a past signal, forecasts of a future one.

    ``p`` (past): a first value published at ``ds``, revised 3 days later.
    ``f`` (future): a forecast published 10 days ahead, the final value 1 day after.
    Each value encodes its version so the test can tell which one a model saw.
    """
    keys = df[["unique_id", "ds"]]
    day = (keys["ds"] - keys["ds"].min()).dt.days.to_numpy()
    one = pd.Timedelta(days=1)
    rows = [
        keys.assign(as_of=keys["ds"], p=1000.0 + day, f=np.nan),
        keys.assign(as_of=keys["ds"] + 3 * one, p=2000.0 + day, f=np.nan),
    ]
    p = pd.concat(rows, ignore_index=True)
    rows = [
        keys.assign(as_of=keys["ds"] - 10 * one, f=3000.0 + day),
        keys.assign(as_of=keys["ds"] + one, f=4000.0 + day),
    ]
    f = pd.concat(rows, ignore_index=True)
    # one frame, one row per (unique_id, ds, as_of): carry the other column forward
    X = pd.concat([p, f], ignore_index=True).sort_values(["unique_id", "ds", "as_of"])
    X[["p", "f"]] = X.groupby(["unique_id", "ds"])[["p", "f"]].ffill().bfill()
    return X.reset_index(drop=True)


def _expected(X: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    known = X[X["as_of"] <= cutoff].sort_values("as_of")
    return known.groupby(["unique_id", "ds"])[["p", "f"]].last()


# --------------------------------------------------------------------------- windows


def test_windows_follow_the_benchmarks_protocol_on_a_daily_grid():
    ds = pd.date_range("2024-01-01", periods=200, freq="D", tz=TZ)
    w = BacktestWindows(h=28, n_windows=6, step=28)
    cut = w.cutoffs(ds)
    # folds are the last 6 x 28 + (28 - 28) = 168 days: the first test day is day 32
    assert list(cut) == [ds[i] for i in (31, 59, 87, 115, 143, 171)]
    sp = w.split(pd.DataFrame({"ds": ds}))
    assert sp["test_first"].iloc[0] == ds[200 - 168]
    assert (sp["test_last"] == ds[sp["cutoff_pos"] + 28]).all()
    assert sp["test_last"].iloc[-1] == ds[-1]
    assert (sp["train_first"] == ds[0]).all()
    # step < h: the last 6 x 7 + 21 = 63 days
    sp = BacktestWindows(h=28, n_windows=6, step=7).split(ds)
    assert sp["test_first"].iloc[0] == ds[200 - 63]
    # gap and sliding: train on the input_size steps before the cutoff
    sp = BacktestWindows(h=7, n_windows=2, gap=2, window="sliding", input_size=30).split(ds)
    assert list(sp["cutoff_pos"]) == [199 - 2 - 7 - 7, 199 - 2 - 7]
    assert list(sp["test_first"]) == [ds[183 + 2 + 1], ds[190 + 2 + 1]]
    assert list(sp["train_first"]) == [ds[183 - 29], ds[190 - 29]]


def test_windows_count_steps_on_the_frames_grid_bank_calls(bank):
    # 29 half hours a weekday, nights and weekends absent, Labor Day 2003-09-01 absent:
    # five weekdays are 145 steps, the week of Labor Day only 116
    w = BacktestWindows(h=145, n_windows=3)
    cut = w.cutoffs(bank)
    utc = "UTC"
    assert list(cut) == [
        pd.Timestamp("2003-08-28 21:00", tz=utc),
        pd.Timestamp("2003-09-05 21:00", tz=utc),
        pd.Timestamp("2003-09-12 21:00", tz=utc),
    ]
    sp = w.split(bank)
    assert sp["test_first"].iloc[0] == pd.Timestamp("2003-08-29 07:00", tz=utc)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"h": 0, "n_windows": 2}, "h=0"),
        ({"h": 7, "n_windows": 0}, "n_windows=0"),
        ({"h": 7, "n_windows": 2, "step": 0}, "step=0"),
        ({"h": 7, "n_windows": 2, "gap": -1}, "gap=-1"),
        ({"h": 7.5, "n_windows": 2}, "h=7.5"),
        ({"h": 7, "n_windows": 2, "window": "rolling"}, "window='rolling'"),
        ({"h": 7, "n_windows": 2, "window": "sliding"}, "needs input_size"),
        ({"h": 7, "n_windows": 2, "input_size": 10}, "only used with window='sliding'"),
    ],
)
def test_window_parameters_are_checked(kwargs, match):
    with pytest.raises(BacktestError, match=match):
        BacktestWindows(**kwargs)


def test_too_few_observations_and_h_beyond_the_data():
    df = _daily(30)
    with pytest.raises(BacktestError, match=r"30 steps.*need 35 steps for testing"):
        backtest("seasonal_naive", df, h=7, n_windows=5)
    with pytest.raises(BacktestError, match="h=40"):
        backtest("seasonal_naive", df, h=40, n_windows=1)
    with pytest.raises(BacktestError, match="input_size=25"):
        backtest("seasonal_naive", df, h=7, n_windows=1, window="sliding", input_size=25)
    with pytest.raises(BacktestError, match="empty"):
        backtest("seasonal_naive", df.iloc[:0], h=7, n_windows=1)


def test_series_with_too_little_history_are_named():
    df = _daily(60, series=("old", "new"))
    # "new" opens on the day of the first cutoff (2024-02-15): one observation before it
    df = df[(df["unique_id"] == "old") | (df["ds"] >= df["ds"].iloc[0] + pd.Timedelta(days=45))]
    with pytest.raises(BacktestError, match=r"at least 2 .*'new' has 1 up to cutoff 2024-02-15"):
        backtest("seasonal_naive", df, h=7, n_windows=2)
    # one window later it has enough
    res = backtest("seasonal_naive", df, h=7, n_windows=1)
    assert set(res.forecasts["unique_id"]) == {"old", "new"}


def _closed(df: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return df.assign(is_open=~mask, y=df["y"].where(~mask, 0.0))


def test_a_window_with_nothing_to_score_is_an_error_a_closure_is_not():
    # both series closed for the whole last week: that window scores nothing
    df = _daily(63)
    last_week = df["ds"] > df["ds"].max() - pd.Timedelta(days=7)
    with pytest.raises(BacktestError, match=r"1 of 3 windows have nothing to score.*2024-02-25"):
        backtest("seasonal_naive", _closed(df, last_week), h=7, n_windows=3)
    missing = df.assign(y=df["y"].where(~last_week))  # the same with the values missing
    with pytest.raises(BacktestError, match="nothing to score"):
        backtest("seasonal_naive", missing, h=7, n_windows=3)
    # one series closed that week: only its last window scores nothing
    one = _closed(df, last_week & (df["unique_id"] == "a"))
    res = backtest("seasonal_naive", one, h=7, n_windows=3)
    n = res.metrics(by=("unique_id", "cutoff")).pivot(
        index="cutoff", columns="unique_id", values="n"
    )
    assert n["a"].tolist() == [7, 7, 0] and n["b"].tolist() == [7, 7, 7]


def test_a_series_scored_in_no_window_is_named_in_a_warning():
    df = _daily(63, series=("open", "gone"))
    ended = (df["unique_id"] == "gone") & (df["ds"] > df["ds"].iloc[0] + pd.Timedelta(days=30))
    with pytest.warns(DataWarning, match=r"1 series has nothing to score.*'gone'"):
        res = backtest("seasonal_naive", _closed(df, ended), h=7, n_windows=3)
    n = res.metrics(by="unique_id").set_index("unique_id")["n"]
    assert n.to_dict() == {"gone": 0, "open": 21}


def test_bad_arguments_raise_config_errors():
    df = _daily(60)
    for kwargs, match in [
        ({"refit": 0}, "refit=0"),
        ({"engine": "spark"}, "engine='spark'"),
        ({"n_jobs": 0}, "n_jobs=0"),
        ({"roles": {"x": "past"}}, "without X"),
    ]:
        with pytest.raises(ConfigError, match=match):
            backtest("seasonal_naive", df, h=7, n_windows=2, **kwargs)
    with pytest.raises(ConfigError, match="used twice"):
        backtest(["seasonal_naive", SeasonalNaive()], df, h=7, n_windows=2)
    with pytest.raises(ConfigError, match="clash"):
        backtest({"y": SeasonalNaive()}, df, h=7, n_windows=2)
    res = backtest(
        {"sn": "seasonal_naive", "ha2": HistoricalAverage(k_weeks=2)}, df, h=7, n_windows=2
    )
    assert res.models == ["sn", "ha2"]
    with pytest.raises(ConfigError, match="group by any of"):
        res.metrics(by=("model", "weekday"))
    with pytest.raises(ConfigError, match="choose from"):
        res.leaderboard("accuracy")
    with pytest.raises(ConfigError, match="not a model"):
        res.compare("sn", "gbm")
    # a model's own error comes through unchanged, noting the window it failed in
    with pytest.raises(ConfigError, match="season_length=-1") as err:
        backtest(SeasonalNaive(season_length=-1), df, h=7, n_windows=2)
    assert "backtest window 0 (cutoff 2024-02-15" in "".join(getattr(err.value, "__notes__", []))


# --------------------------------------------------------------------------- information sets


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    h=st.integers(1, 5),
    n_windows=st.integers(1, 3),
    step=st.integers(1, 6),
    gap=st.integers(0, 2),
    sliding=st.booleans(),
    refit=st.sampled_from([True, False, 2]),
    updating=st.booleans(),
)
def test_windows_never_leak_the_future(h, n_windows, step, gap, sliding, refit, updating):
    df = _daily(45)
    X = _versions(df)
    model = UpdatingSpy() if updating else Spy()
    kwargs = {"window": "sliding", "input_size": 20} if sliding else {}
    Spy.log.clear()
    res = backtest(
        model,
        df,
        h=h,
        n_windows=n_windows,
        step=step,
        gap=gap,
        refit=refit,
        X=X,
        roles={"p": "past", "f": "future"},
        **kwargs,
    )
    splits = res.splits
    grid = pd.DatetimeIndex(sorted(df["ds"].unique()))
    predicts = [i for i, rec in enumerate(Spy.log) if rec[0] == "predict"]
    assert len(predicts) == n_windows
    prev_cutoff = None
    for w, at in zip(splits.itertuples(), predicts, strict=True):
        kind, seen, X_seen = Spy.log[at - 1]
        assert kind in ("fit", "update")
        assert seen["ds"].max() == w.cutoff  # trained up to the cutoff, never after
        if kind == "fit":
            assert seen["ds"].min() == (w.train_first if sliding else grid[0])
        else:
            assert seen["ds"].min() > prev_cutoff  # only the new observations
        # regressors of training rows: nothing after the cutoff, as published by then
        assert X_seen["ds"].max() <= w.cutoff
        expect = _expected(X, w.cutoff)
        got = X_seen.set_index(["unique_id", "ds"])[["p", "f"]]
        pd.testing.assert_frame_equal(got, expect.loc[got.index], check_names=False)
        # the horizon: future regressors only, up to the last scored step, as known then
        _, h_asked, X_future = Spy.log[at]
        assert "p" not in X_future.columns
        assert X_future["ds"].max() == w.test_last == grid[grid.get_loc(w.cutoff) + gap + h]
        assert h_asked == gap + h
        fut = X_future.set_index(["unique_id", "ds"])["f"]
        np.testing.assert_array_equal(fut.to_numpy(), expect.loc[fut.index, "f"].to_numpy())
        prev_cutoff = w.cutoff
    assert set(res.forecasts["step"]) == set(range(1, h + 1))


def test_regressor_published_after_the_cutoff_is_not_used():
    df = _daily(40)
    keys = df[["unique_id", "ds"]]
    # the signal for each day is only published two days later
    X = keys.assign(as_of=keys["ds"] + pd.Timedelta(days=2), p=1.0)
    with pytest.raises(BacktestError, match=r"no regressor values published by the cutoff"):
        backtest(Spy(), df, h=7, n_windows=1, X=X, roles={"p": "past"})


def test_models_get_only_the_regressors_their_tags_allow(caplog):
    df = _daily(60)
    X = df[["unique_id", "ds"]].assign(letters=(df["ds"].dt.day == 1) * 1000.0)
    with caplog.at_level(logging.INFO, logger="demandcast"):
        res = backtest(["seasonal_naive", Spy()], df, h=7, n_windows=2, X=X)
    assert "backtested without them" in caplog.text
    assert res.forecasts[["seasonal_naive", "spy"]].notna().all().all()


def test_shared_regressors_and_absent_closed_days_in_the_horizon(phone):
    # X shared by all series, given only for the days in the frame (weekends absent)
    days = pd.DatetimeIndex(sorted(phone["ds"].unique()))
    X = pd.DataFrame({"ds": days, "letters": np.where(days.day <= 3, 500.0, 0.0)})
    Spy.log.clear()
    res = backtest(Spy(), phone, h=5, n_windows=2, X=X)
    _, h_asked, X_future = next(r for r in Spy.log if r[0] == "predict")
    weekend = X_future["ds"].dt.day_of_week >= 5
    assert weekend.any() and h_asked > 5  # 5 open days ahead span a weekend
    assert not X_future.loc[weekend, "is_open"].any()
    assert (X_future.loc[weekend, "letters"] == 0).all()
    assert X_future.loc[~weekend, "is_open"].all()
    assert (res.forecasts["ds"].dt.day_of_week < 5).all()


@pytest.mark.slow
def test_sarima_refit_every_two_windows_updates_in_between(phone):
    try:
        from demandcast.forecasters.registry import get_forecaster

        sarima = get_forecaster("sarima")
    except ImportError:
        pytest.skip("the sarima forecaster is not available")
    every = backtest(["seasonal_naive", sarima], phone, h=5, n_windows=4, level=(80,))
    updated = backtest([sarima], phone, h=5, n_windows=4, refit=2, level=(80,))
    a, b = every.forecasts, updated.forecasts
    first = a["cutoff"] == a["cutoff"].min()
    # the first window is fitted alike; later windows differ only through the updates
    np.testing.assert_allclose(a.loc[first, "sarima"], b.loc[first, "sarima"])
    assert b["sarima"].notna().all() and (b["sarima"] >= 0).all()
    assert every.leaderboard().loc[0, "wape"] < 0.5


def test_warm_started_refits_start_from_the_previous_fit_of_each_series(phone):
    B = importlib.import_module("demandcast.backtest")  # the module, not the function
    from demandcast.forecasters.sarima import SARIMA

    kwargs = {"h": 5, "n_windows": 3, "refit": 1}
    warm = backtest(SARIMA(warm_start=True), phone, **kwargs).forecasts
    cold = backtest(SARIMA(), phone, **kwargs).forecasts
    # the same as re-fitting one model at each cutoff by hand
    f, expected = SARIMA(warm_start=True), []
    for cutoff in sorted(warm["cutoff"].unique()):
        fc = f.fit(phone[phone["ds"] <= cutoff]).predict(14)
        expected.append(fc.assign(cutoff=cutoff).rename(columns={"sarima": "by_hand"}))
    both = warm.merge(pd.concat(expected), on=["unique_id", "ds", "cutoff"], how="left")
    np.testing.assert_allclose(both["sarima"], both["by_hand"], rtol=1e-12)
    first = warm["cutoff"] == warm["cutoff"].min()
    np.testing.assert_array_equal(warm.loc[first, "sarima"], cold.loc[first, "sarima"])
    assert not np.allclose(warm.loc[~first, "sarima"], cold.loc[~first, "sarima"], rtol=1e-9)
    # windows run in order within a task, in parallel over series only
    two = backtest(SARIMA(warm_start=True), phone, n_jobs=2, **kwargs).forecasts
    pd.testing.assert_frame_equal(warm, two)
    plan = B._plan(
        B._resolve_models([SARIMA(warm_start=True)]), BacktestWindows(5, 3).split(phone),
        sorted(phone["unique_id"].unique()), 1, (), {}, "D", workers=2,
    )  # fmt: skip
    assert all(len(t.windows) == 3 for t in plan) and len(plan) > 1
    assert sorted(u for t in plan for u in t.series) == sorted(phone["unique_id"].unique())


# --------------------------------------------------------------------------- never mutated


def test_forecasters_passed_in_are_not_mutated():
    df = _daily(60)
    fresh = HistoricalAverage(k_weeks=3)
    fitted = SeasonalNaive().fit(df[df["ds"] < df["ds"].iloc[20]])
    before = [pickle.dumps(vars(fresh)), pickle.dumps(vars(fitted))]
    res = backtest([fresh, fitted], df, h=7, n_windows=3, level=(80,))
    assert [pickle.dumps(vars(fresh)), pickle.dumps(vars(fitted))] == before
    assert fresh.get_params() == {"alias": None, "k_weeks": 3}
    assert not hasattr(fresh, "freq_")
    assert fitted.last_ds_ == {"a": df["ds"].iloc[19], "b": df["ds"].iloc[19]}
    assert res.forecasts["seasonal_naive"].notna().all()


# --------------------------------------------------------------------------- refit and update


def test_refit_k_updates_between_refits(caplog):
    df = _daily(60)
    Spy.log.clear()
    backtest(UpdatingSpy(), df, h=5, n_windows=5, refit=2)
    assert [r[0] for r in Spy.log if r[0] != "predict"] == [
        "fit", "update", "fit", "update", "fit",
    ]  # fmt: skip
    Spy.log.clear()
    res = backtest(UpdatingSpy(), df, h=5, n_windows=5, refit=False)
    assert [r[0] for r in Spy.log if r[0] != "predict"] == ["fit"] + ["update"] * 4
    # the updated model forecasts from the mean of its first training part only
    first = df[df["ds"] <= res.splits["cutoff"].iloc[0]].groupby("unique_id")["y"].mean()
    last = res.forecasts[res.forecasts["cutoff"] == res.splits["cutoff"].iloc[-1]]
    np.testing.assert_allclose(last["updating_spy"], last["unique_id"].map(first))
    # no update(): refitted at every window, and the log says so once
    Spy.log.clear()
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        backtest(Spy(), df, h=5, n_windows=5, refit=2)
    assert [r[0] for r in Spy.log if r[0] != "predict"] == ["fit"] * 5
    assert caplog.text.count("has no update()") == 1


# --------------------------------------------------------------------------- results on real data


def test_forecasts_equal_direct_fits_and_metrics_match_hand_computation(bank):
    res = backtest(["seasonal_naive", "historical_average"], bank, h=145, n_windows=3, level=(80,))
    fc = res.forecasts
    assert len(fc) == 3 * 145 and list(fc["step"].iloc[:3]) == [1, 2, 3]
    hist = bank.set_index("ds")["y"]
    for cutoff, part in fc.groupby("cutoff"):
        train = bank[bank["ds"] <= cutoff]
        for model in (SeasonalNaive(), HistoricalAverage()):
            direct = model.fit(train).predict(10 * 48, level=(80,)).set_index("ds")
            cols = [model.name, f"{model.name}-lo-80", f"{model.name}-hi-80"]
            np.testing.assert_allclose(part[cols], direct.loc[part["ds"], cols])
        np.testing.assert_array_equal(part["y"], hist[part["ds"]])

    week = pd.Timedelta(days=7)
    table = res.metrics(by=("model",)).set_index("model")
    for model in res.models:
        err = (fc[model] - fc["y"]).abs()
        assert table.loc[model, "wape"] == pytest.approx(err.sum() / fc["y"].sum(), rel=1e-12)
        assert table.loc[model, "n"] == len(fc)
        # MASE: mean over cutoffs of MAE / in-sample |y_t - y_(t - 1 week)|
        ratios = []
        for cutoff, part in fc.groupby("cutoff"):
            train = hist[hist.index <= cutoff]
            back = train.reindex(train.index - week).to_numpy()
            scale = np.nanmean(np.abs(train.to_numpy() - back))
            ratios.append((part[model] - part["y"]).abs().mean() / scale)
        assert table.loc[model, "mase"] == pytest.approx(np.mean(ratios), rel=1e-12)
        inside = (fc[f"{model}-lo-80"] <= fc["y"]) & (fc["y"] <= fc[f"{model}-hi-80"])
        assert table.loc[model, "coverage_80"] == pytest.approx(inside.mean())

    board = res.leaderboard()
    assert list(board["rank"]) == [1, 2]
    assert board["wape"].is_monotonic_increasing
    sn = table.loc["seasonal_naive", "wape"]
    got = board.set_index("model")["vs_seasonal_naive"]
    assert got["historical_average"] == pytest.approx(
        1 - table.loc["historical_average", "wape"] / sn
    )
    assert got["seasonal_naive"] == 0.0
    by_step = res.metrics(by=("model", "step"), metrics=("wape",))
    assert len(by_step) == 2 * 145 and list(by_step.columns) == ["model", "step", "wape"]
    assert set(res.metrics(by="cutoff")["cutoff"]) == set(res.splits["cutoff"])


def _dm_reference(d: np.ndarray, h: int) -> tuple[float, float]:
    """Diebold-Mariano with the Harvey-Leybourne-Newbold correction, written out."""
    n = len(d)
    c = d - d.mean()
    gamma = [np.sum(c[k:] * c[: n - k]) / n for k in range(h)]
    var = (gamma[0] + 2 * sum(gamma[1:])) / n
    stat = d.mean() / math.sqrt(var) * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return stat, 2 * stats.t.sf(abs(stat), df=n - 1)


def test_compare_is_the_hln_diebold_mariano_test(phone):
    res = backtest(["seasonal_naive", "historical_average"], phone, h=5, n_windows=8)
    out = res.compare("historical_average", "seasonal_naive")
    assert list(out["scope"]) == ["series"] * 3 + ["pooled"]
    fc = res.forecasts.sort_values(["cutoff", "ds"], kind="stable")
    loss = {m: (fc["y"] - fc[m]) ** 2 for m in res.models}
    # pooled: the mean loss over series at each (cutoff, ds), tested with h = 5
    pooled = {m: loss[m].groupby([fc["cutoff"], fc["ds"]]).mean().to_numpy() for m in res.models}
    ref = M.diebold_mariano(
        pooled["historical_average"], pooled["seasonal_naive"], h=5, loss=lambda e: e
    )
    row = out.iloc[-1]
    assert row["p_value"] == pytest.approx(ref.p_value, rel=1e-10)
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    stat, p = _dm_reference(pooled["historical_average"] - pooled["seasonal_naive"], 5)
    assert (row["statistic"], row["p_value"]) == (pytest.approx(stat), pytest.approx(p))
    # per series: the same test on that series' errors in time order
    one = fc[fc["unique_id"] == "noord/phone"]
    ref = M.diebold_mariano(
        one["y"] - one["historical_average"], one["y"] - one["seasonal_naive"], h=5
    )
    got = out.set_index("unique_id").loc["noord/phone"]
    assert got["p_value"] == pytest.approx(ref.p_value, rel=1e-10) and got["n"] == ref.n
    absolute = res.compare("historical_average", "seasonal_naive", loss="absolute")
    assert not np.allclose(absolute["statistic"], out["statistic"])


def test_closed_intervals_stay_with_zero_forecast_and_are_not_scored(phone):
    # Sundays present but closed, the frame otherwise as loaded (Saturdays absent)
    sundays = phone.drop_duplicates("unique_id")[["unique_id"]].merge(
        pd.DataFrame({"ds": pd.date_range("2024-01-07", "2024-03-31", freq="7D", tz=TZ)}),
        how="cross",
    )
    df = pd.concat(
        [phone[["unique_id", "ds", "y", "is_open"]], sundays.assign(y=0.0, is_open=False)]
    ).sort_values(["unique_id", "ds"], ignore_index=True)
    res = backtest(["seasonal_naive", "historical_average"], df, h=6, n_windows=4, level=(80,))
    fc = res.forecasts
    closed = ~fc["is_open"]
    assert closed.sum() == 3 * 4  # one Sunday per window and series: a step of the grid
    assert (fc.loc[closed, ["seasonal_naive", "historical_average-hi-80"]] == 0).all().all()
    assert (fc.loc[~closed, "seasonal_naive"] > 0).all()
    table = res.metrics(by=("model",)).set_index("model")
    assert (table["n"] == (~closed).sum()).all()
    open_ = fc[~closed]
    err = (open_["seasonal_naive"] - open_["y"]).abs().sum() / open_["y"].sum()
    assert table.loc["seasonal_naive", "wape"] == pytest.approx(err)
    # the Poisson floor beside each model, on the rows it is scored on
    board = res.leaderboard().set_index("model")
    floor = M.poisson_floor_wape(open_["y"].to_numpy())
    assert board["wape_floor"].tolist() == pytest.approx([floor, floor])
    lam = open_["y"].mean()
    assert floor == pytest.approx(math.sqrt(2 / (math.pi * lam)), rel=0.15)
    assert floor < board["wape"].min()


# --------------------------------------------------------------------------- engines


def test_n_jobs_gives_identical_results(phone):
    B = importlib.import_module("demandcast.backtest")  # the module, not the function
    from demandcast.forecasters.ensemble import Ensemble

    kwargs = {"h": 5, "n_windows": 2, "level": (80, 95)}
    combined = Ensemble(members=("seasonal_naive", "historical_average"), combination="mean")
    models = ["seasonal_naive", HistoricalAverage(k_weeks=3), combined]
    one = backtest(models, phone, n_jobs=1, **kwargs)
    two = backtest(models, phone, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    pd.testing.assert_frame_equal(one.metrics(), two.metrics())
    # the ensemble has no all-windows shortcut: its tasks went through joblib's workers
    splits = BacktestWindows(5, 2).split(phone)
    frame = phone.assign(is_open=True)
    tests = B._test_table(frame, splits, 0, 5)
    assert set(B._fast_paths(B._resolve_models(models), frame, splits, tests, None, ())) == {0, 1}
    assert one.forecasts["ensemble"].notna().all()
    # with two workers the local models were split by series too
    plan = B._plan(
        B._resolve_models(models), BacktestWindows(5, 2).split(phone),
        sorted(phone["unique_id"].unique()), 1, (), {}, "D", workers=2,
    )  # fmt: skip
    assert len(plan) == 3 * 2 * 2 and {len(t.series) for t in plan} == {1, 2}
    # a global model, or one that holds one, always sees every series at once
    glob = Spy()
    Spy.tags = {**Spy.tags, "global_model": True}
    try:
        assert B._is_global(glob) and not B._is_global(SeasonalNaive())
        assert B._is_global(Ensembled(members=[SeasonalNaive(), glob]))
    finally:
        Spy.tags = {**Spy.tags, "global_model": False}


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as lc:
        yield lc


def test_dask_engine_equals_local(phone, cluster):
    from distributed import Client

    kwargs = {"h": 5, "n_windows": 3, "refit": 2, "level": (80,)}
    models = ["seasonal_naive", "historical_average"]
    local = backtest(models, phone, **kwargs)
    with Client(cluster) as client:
        remote = backtest(models, phone, engine="dask", client=client, **kwargs)
    pd.testing.assert_frame_equal(local.forecasts, remote.forecasts)


def test_dask_engine_equals_local_for_warm_started_refits(phone, cluster):
    from distributed import Client

    from demandcast.forecasters.sarima import SARIMA

    kwargs = {"h": 5, "n_windows": 3, "refit": 1}
    local = backtest(SARIMA(warm_start=True), phone, **kwargs)
    with Client(cluster) as client:
        remote = backtest(SARIMA(warm_start=True), phone, engine="dask", client=client, **kwargs)
    pd.testing.assert_frame_equal(local.forecasts, remote.forecasts)


def test_dask_engine_by_address(phone, cluster):
    kwargs = {"h": 5, "n_windows": 2}
    local = backtest("seasonal_naive", phone, **kwargs)
    address = cluster.scheduler_address  # the dask_client name is a synonym of client
    remote = backtest("seasonal_naive", phone, engine="dask", dask_client=address, **kwargs)
    pd.testing.assert_frame_equal(local.forecasts, remote.forecasts)


def test_dask_without_a_client_says_how_to_get_one(phone):
    pytest.importorskip("distributed")
    from distributed import get_client

    try:
        get_client()
        pytest.skip("a default dask client exists in this process")
    except ValueError:
        pass
    with pytest.raises(ConfigError, match="client='tcp://"):
        backtest("seasonal_naive", phone, h=5, n_windows=2, engine="dask")


# --------------------------------------------------------------------------- output


def test_progress_bar_only_when_asked(phone, capsys, monkeypatch):
    model = HistoricalAverage(k_weeks=3)
    X = phone[["unique_id", "ds"]].assign(unused=0.0)  # regressors: no all-windows shortcut
    backtest(model, phone, h=5, n_windows=2, X=X)
    assert capsys.readouterr().err == ""  # not a terminal: silent
    backtest(model, phone, h=5, n_windows=2, X=X, progress=True)
    err = capsys.readouterr().err
    assert "backtest" in err and "2/2" in err  # a task per window, each counted
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    backtest(model, phone, h=5, n_windows=2, X=X)
    assert "2/2" in capsys.readouterr().err  # a terminal: shown by default
    backtest(model, phone, h=5, n_windows=2, X=X, progress=False)
    assert capsys.readouterr().err == ""


def test_plot_and_csv(phone, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = backtest(["seasonal_naive", "historical_average"], phone, h=5, n_windows=3)
    fig = res.plot("zuid/phone")
    top, bottom = fig.axes
    # actuals, one line per model and window, one dotted line per cutoff
    assert len(top.get_lines()) == 1 + 2 * 3 + 3
    assert len(bottom.get_lines()) == 2 and len(bottom.get_lines()[0].get_xdata()) == 5
    plt.close(fig)
    with pytest.raises(ConfigError, match="not in the backtest"):
        res.plot("elsewhere/phone")
    path = res.to_csv(tmp_path / "bt.csv")
    back = pd.read_csv(path)
    assert len(back) == len(res.forecasts) and list(back.columns) == list(res.forecasts.columns)
    assert isinstance(res, BacktestResult) and "n_windows=3" in repr(res)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["b/web", "a/desk", "a/phone", "c/phone"]),
            st.floats(-500, 500, allow_nan=False),
        ),
        max_size=60,
    )
)
def test_group_means_equal_the_groupby_apply(rows):
    from demandcast.backtest import _group_means

    uid = np.asarray([u for u, _ in rows], dtype=object)
    d = np.asarray([v for _, v in rows], dtype="float64")
    got = _group_means(uid, d)
    g = pd.DataFrame({"unique_id": uid, "d": d}).groupby("unique_id")["d"]
    assert got["unique_id"].tolist() == sorted(set(uid))
    # bit-identical to np.mean of each group in row order (the former implementation)
    assert got["mae_scale"].tolist() == g.apply(lambda s: float(np.mean(np.abs(s)))).tolist()
    assert got["mse_scale"].tolist() == g.apply(lambda s: float(np.mean(np.square(s)))).tolist()
    assert got["n_scale"].tolist() == g.size().tolist()
    assert got["mae_scale"].dtype == "float64"
    # sorted integer codes (the harness's input) take the run path: the same figures
    codes = pd.factorize(uid, sort=True)[0].astype("int64")
    order = np.argsort(codes, kind="stable")
    runs = _group_means(codes[order], d[order])
    cols = ["mae_scale", "mse_scale", "n_scale"]
    pd.testing.assert_frame_equal(runs[cols], got[cols], check_exact=True)
    assert runs["unique_id"].tolist() == sorted(set(codes.tolist()))


# --------------------------------------------------------------------------- all windows at once


def _both_paths(monkeypatch, models, df, **kwargs):
    """The backtest with the naive models' all-windows shortcut, and without it.

    Returns both forecast frames and, per call of the shortcut, whether it applied.
    """
    taken: list[bool] = []
    for cls in (SeasonalNaive, HistoricalAverage):

        def spy(self, *args, real=cls._backtest_fast):
            out = real(self, *args)
            taken.append(out is not None)
            return out

        monkeypatch.setattr(cls, "_backtest_fast", spy)
    fast = backtest(models, df, **kwargs).forecasts
    for cls in (SeasonalNaive, HistoricalAverage):
        monkeypatch.setattr(cls, "_backtest_fast", lambda self, *args: None)
    slow = backtest(models, df, **kwargs).forecasts
    monkeypatch.undo()
    return fast, slow, taken


@pytest.fixture(scope="module")
def autumn():
    """Simulated 30-minute counts over the end of summer time (2024-10-27)."""
    from demandcast.datasets import simulate_municipality

    with pytest.warns(Warning):  # the web log's repeated hour is reported
        sim = simulate_municipality(seed=5, start="2024-09-16", end="2024-11-10")
        return {ch: sim.frame(ch, freq="30min") for ch in ("desk", "phone", "web")}


def test_shortcut_equals_per_window_fits_intraday_over_dst(autumn, monkeypatch):
    from demandcast.calendar import OpeningHours
    from demandcast.frame import regularise

    desk = autumn["desk"][["unique_id", "ds", "y"]]
    # phone on its full grid: nights and weekends present as closed rows, some values lost
    phone = regularise(
        autumn["phone"][["unique_id", "ds", "y"]],
        is_open=OpeningHours.from_dict({"mon-fri": "08:00-17:00"}).is_open,
    )
    rng = np.random.default_rng(1)
    lost = rng.random(len(phone)) < 0.03
    phone["y"] = np.where(lost & phone["is_open"].to_numpy(), np.nan, phone["y"])
    models = [
        "seasonal_naive",
        SeasonalNaive(season_length=18, alias="sn_day"),
        "historical_average",
    ]
    sliding = {"window": "sliding", "input_size": 400}
    for df, kwargs, expect in [
        (desk, {"h": 40, "n_windows": 6, "step": 30, "level": (80, 95)}, [True] * 3),
        # sliding windows: the historical average's rolling means need the whole history
        (desk, {"h": 17, "n_windows": 4, "step": 60, "gap": 3, **sliding}, [True, True, False]),
        (phone, {"h": 120, "n_windows": 6, "step": 144, "level": 90}, [True] * 3),
    ]:
        fast, slow, taken = _both_paths(monkeypatch, models, df, **kwargs)
        assert taken == expect
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        # the windows reach across the DST change and the forecasts are not trivial
        assert fast["ds"].dt.strftime("%Z").nunique() == 2
        open_ = fast["is_open"] if "is_open" in fast else np.ones(len(fast), dtype=bool)
        assert (fast.loc[open_, "seasonal_naive"] > 0).mean() > 0.8
    closed = fast.loc[~fast["is_open"], "seasonal_naive":]
    assert len(closed) > 100 and (closed == 0).all().all()


def test_shortcut_equals_per_window_fits_on_real_calls_over_dst(bank, monkeypatch):
    # the bank's wall-clock half hours moved seven weeks on, read as Amsterdam time:
    # weekdays 07:00-21:00 from September to November 2003, over the end of summer time
    wall = bank["ds"].dt.tz_localize(None) + pd.Timedelta(weeks=7)
    df = bank.assign(ds=wall.dt.tz_localize(TZ))
    models = ["seasonal_naive", SeasonalNaive(season_length=28, alias="sn28"), "historical_average"]
    kwargs = {"h": 140, "n_windows": 6, "step": 140, "level": (80, 95)}
    fast, slow, taken = _both_paths(monkeypatch, models, df, **kwargs)
    assert taken == [True, True, True]
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    dst_week = fast[fast["ds"].between("2003-10-27", "2003-10-31 23:00")]
    assert len(dst_week) == 5 * 29 and (dst_week["seasonal_naive"] > 0).all()


def test_shortcut_steps_aside_for_a_repeated_wall_clock_hour(autumn, monkeypatch):
    # the web log runs 24/7: 02:00-03:00 on 2024-10-27 twice, averaged per window
    web = autumn["web"][["unique_id", "ds", "y"]]
    models = ["seasonal_naive", "historical_average"]
    fast, slow, taken = _both_paths(
        monkeypatch, models, web, h=48, n_windows=3, step=48 * 7, level=(80,)
    )
    assert taken == [False, False]
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    n_windows=st.integers(1, 4),
    h=st.integers(1, 12),
    step=st.integers(1, 9),
    season=st.sampled_from([None, 1, 3, 7, 14]),
    k_weeks=st.integers(1, 3),
    closed=st.floats(0.0, 0.5),
    lost=st.floats(0.0, 0.3),
)
def test_shortcut_equals_per_window_fits_on_any_daily_panel(
    monkeypatch, seed, n_windows, h, step, season, k_weeks, closed, lost
):
    rng = np.random.default_rng(seed)
    df = _daily(80, ("a", "b", "c"), seed=seed)
    df = df[rng.random(len(df)) > 0.1].reset_index(drop=True)  # absent days
    df["is_open"] = rng.random(len(df)) >= closed
    df.loc[rng.random(len(df)) < lost, "y"] = np.nan
    df.loc[~df["is_open"], "y"] = 0.0
    for i in range(0, len(df), 3):  # keep every series trainable in every window
        df.loc[i, ["is_open", "y"]] = [True, 10.0 + i % 7]
    try:
        fast, slow, taken = _both_paths(
            monkeypatch,
            [SeasonalNaive(season_length=season), HistoricalAverage(k_weeks=k_weeks)],
            df,
            h=h,
            n_windows=n_windows,
            step=step,
            level=(50, 80.5, 99),
        )
    except BacktestError:
        return  # too short for these windows: both paths raise before any fitting
    assert taken == [True, True]
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


# --------------------------------------------------------------------------- planning


def _train_scale_by_merge(frame, splits, tests, offset):
    """The train scales as the merge on (unique_id, wall-clock time) computed them."""
    from demandcast.backtest import _group_means

    pairs = tests[["unique_id", "cutoff"]].drop_duplicates().reset_index(drop=True)
    ok = frame[(frame["y"].notna() & frame["is_open"]).to_numpy()].reset_index(drop=True)
    now = ok[["unique_id", "ds", "y"]].copy()
    now["_w"] = pd.DatetimeIndex(ok["ds"]).tz_localize(None)
    back = now.rename(columns={"y": "y_back", "ds": "ds_back"}).drop_duplicates(["unique_id", "_w"])
    back["_w"] = back["_w"] + offset
    both = now.merge(back, on=["unique_id", "_w"], how="inner")
    diff = (both["y"] - both["y_back"]).to_numpy(dtype="float64")
    ds, ds_back = pd.DatetimeIndex(both["ds"]), pd.DatetimeIndex(both["ds_back"])
    rows = []
    for w in splits.itertuples(index=False):
        sel = (ds <= w.cutoff) & (ds_back >= w.train_first)
        rows.append(
            _group_means(both["unique_id"].to_numpy()[sel], diff[sel]).assign(cutoff=w.cutoff)
        )
    out = pairs.merge(pd.concat(rows, ignore_index=True), on=["unique_id", "cutoff"], how="left")
    out["n_scale"] = out["n_scale"].fillna(0).astype("int64")
    return out.sort_values(["unique_id", "cutoff"], kind="stable", ignore_index=True)


def test_train_scale_equals_the_merge_on_wall_clock_time(autumn):
    B = importlib.import_module("demandcast.backtest")  # the module, not the function

    # 24/7 half hours with the repeated DST hour, and daily series with gaps and closures
    rng = np.random.default_rng(4)
    daily = _daily(90, ("x", "y", "z"), seed=4)
    daily = daily[rng.random(len(daily)) > 0.15].reset_index(drop=True)
    daily["is_open"] = rng.random(len(daily)) > 0.2
    daily.loc[~daily["is_open"], "y"] = 0.0
    daily.loc[rng.random(len(daily)) < 0.05, "y"] = np.nan
    for df, win, season in [
        (autumn["web"][["unique_id", "ds", "y"]], BacktestWindows(48, 4, step=200), 336),
        (daily, BacktestWindows(9, 5, step=6), 7),
        (daily, BacktestWindows(5, 3, window="sliding", input_size=30), 3),
    ]:
        frame, _ = B._prepare_frame(df)
        splits = win.split(frame)
        tests = B._test_table(frame, splits, win.gap, win.h)
        got = B._train_scale(frame, splits, tests, frame.attrs["freq"], season)
        offset = season * pd.Timedelta(pd.tseries.frequencies.to_offset(frame.attrs["freq"]))
        pd.testing.assert_frame_equal(
            got, _train_scale_by_merge(frame, splits, tests, offset), check_exact=True
        )
        assert (got["n_scale"] > 0).all() and got["mae_scale"].notna().all()


def test_season_back_finds_the_first_row_a_season_earlier():
    from demandcast.backtest import _season_back

    code = np.array([0, 0, 0, 0, 1, 1, 2, 2], dtype="int64")
    wall = np.array([0, 7, 7, 14, 7, 14, 0, 7 * 10**17], dtype="int64")
    expected = [-1, 0, 0, 1, -1, 4, -1, -1]  # a repeated time: the first of the two
    assert _season_back(code, wall, 7).tolist() == expected
    # keys too wide for 64 bits: the merge gives the same rows
    far = np.array([0, 7, 7, 14, 7, 14, 1, 3 * 10**18 + 1], dtype="int64")
    assert _season_back(code, far, 7).tolist() == [-1, 0, 0, 1, -1, 4, -1, -1]
