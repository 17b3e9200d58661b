"""The global gradient-boosting forecaster on simulated and real data."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from demandcast.exceptions import ConfigError, ForecasterFitError, InvalidFrameError
from demandcast.forecasters import _features as feat
from demandcast.forecasters.gbm import GBM
from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive
from demandcast.testing import example_data

FAST = {"max_iter": 40, "n_jobs": 1}


def _wape(fc: pd.DataFrame, col: str) -> float:
    return float(np.abs(fc[col] - fc["y"]).sum() / fc["y"].sum())


def _coverage(fc: pd.DataFrame, col: str, lv: int) -> float:
    inside = (fc["y"] >= fc[f"{col}-lo-{lv}"]) & (fc["y"] <= fc[f"{col}-hi-{lv}"])
    return float(inside.mean())


# ---------------------------------------------------------------------------
# contract (the conformance suite itself runs in test_common.py, at D and 30min)
# ---------------------------------------------------------------------------


def test_same_inputs_and_seed_give_bit_identical_output():
    df = example_data("D")
    a = GBM(**FAST).fit(df).predict(14, level=(80, 95))
    b = GBM(**FAST).fit(df.copy()).predict(14, level=(80, 95))
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.slow  # two OpenMP threads on a busy machine can take minutes
def test_thread_count_does_not_change_the_output():
    df = example_data("D")
    a = GBM(max_iter=40, n_jobs=1).fit(df).predict(14, level=(80, 95))
    b = GBM(max_iter=40, n_jobs=2).fit(df).predict(14, level=(80, 95))
    pd.testing.assert_frame_equal(a, b, check_exact=True)


_FRESH_FIT = """
import sys
from demandcast.forecasters import gbm
from demandcast.testing import example_data
assert "sklearn" not in sys.modules, "the check needs a process without scikit-learn"
seen = []
make = gbm.GBM._hgb
def spy(self, **kwargs):
    model = make(self, **kwargs)
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    seen.append(_openmp_effective_n_threads())  # the threads the fit will use
    return model
gbm.GBM._hgb = spy
gbm.GBM(max_iter=5, n_jobs=1).fit(example_data("D"))
print(seen)
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing to limit")
def test_n_jobs_limits_the_very_first_fit_of_a_fresh_process():
    # threadpoolctl only limits OpenMP runtimes already loaded when the limit is set
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_FIT], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[1, 1]"  # the model and its calibration model


def test_group_medians_match_numpy_per_group():
    from demandcast.forecasters.gbm import _group_medians

    rng = np.random.default_rng(5)
    groups = rng.integers(0, 40, 3000)
    groups[groups == 7] = 8  # one empty group
    values = rng.gamma(2.0, 3.0, len(groups))
    got = _group_medians(values, groups, 41, -1.0)
    want = [np.median(values[groups == k]) if (groups == k).any() else -1.0 for k in range(41)]
    np.testing.assert_allclose(got, want)


def test_never_open_slots_forecast_zero_and_open_ones_not():
    df = example_data("30min")  # phone: closed intervals (nights, weekends) are absent
    fc = GBM(**FAST).fit(df).predict(7 * 48, level=(80,))
    seen = df.assign(slot=df["ds"].dt.day_of_week * 1440 + df["ds"].dt.hour * 60)
    open_slots = set(seen["slot"])
    slot = fc["ds"].dt.day_of_week * 1440 + fc["ds"].dt.hour * 60
    never = ~slot.isin(open_slots)
    assert never.sum() > 0 and (~never).sum() > 0
    assert (fc.loc[never, ["gbm", "gbm-lo-80", "gbm-hi-80"]].to_numpy() == 0).all()
    assert (fc.loc[~never, "gbm"] > 0).mean() > 0.95


def test_features_use_only_data_up_to_the_cutoff():
    df = example_data("D")
    codes = pd.Categorical(df["unique_id"]).codes.astype(np.int64)
    day, slot = feat.wall_position(df["ds"], "Europe/Amsterdam", 1440)
    y = df["y"].to_numpy(dtype=float)
    valid = np.isfinite(y) & df["is_open"].to_numpy(dtype=bool)
    regs = {"past": np.arange(len(df), dtype=float), "future": np.ones(len(df))}
    full = feat.build_panel(codes, day, slot, y, valid, 2, 1, 1440, (1, 2, 4, 8), regs)
    cal = feat.calendar_table(full.day0, full.day0 + full.n_days + 40, 1, 1440, "midden")
    rng = np.random.default_rng(1)
    for cutoff in (10, 25, 40, full.n_days - 2):
        # the same history up to the cutoff, then arbitrary values afterwards
        changed = y.copy()
        later = day - full.day0 > cutoff
        changed[later] = rng.poisson(500, later.sum())
        noisy = {k: np.where(later, -v, v) for k, v in regs.items()}
        other = feat.build_panel(codes, day, slot, changed, valid, 2, 1, 1440, (1, 2, 4, 8), noisy)
        n = 2 * 20
        i = np.repeat([0, 1], 20)
        d = np.tile(cutoff + 1 + np.arange(20), 2)
        s = np.zeros(n, dtype=np.int64)
        c = np.full(n, cutoff)
        args = {"calendar": cal, "cal_day0": full.day0, "past": ["past"], "ids": np.eye(2)}
        a, base_a = feat.make_features(full, i, d, s, c, future={}, **args)
        b, base_b = feat.make_features(other, i, d, s, c, future={}, **args)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(base_a, base_b)


def test_response_inputs_count_open_days_and_never_read_past_values_after_the_cutoff():
    weekdays = np.array([[True] * 5 + [False] * 2, [True] * 7])  # desk Mon-Fri, web daily
    first = int((np.datetime64("2024-02-26") - np.datetime64("1970-01-01")).astype(int))
    count = feat.open_day_count(weekdays, first, 21)  # from Monday 26 February 2024
    letters = np.zeros((2, 21))
    letters[:, 4] = 44_000.0  # Friday 1 March
    social = np.random.default_rng(3).poisson(50, (2, 21)).astype(float)
    i = np.repeat([0, 1], 6)
    d = np.tile([5, 6, 7, 8, 9, 11], 2)  # Sat, Sun, Mon, Tue, Wed, Fri
    c = np.full(12, 3)
    f = feat.response_features(
        i, d, c, future_daily=[letters], open_count=count, past_daily=[social]
    )
    lags = f[:, : feat.OPEN_LAGS + 1]
    lag_of_letters = np.where(lags[:, 1:].any(axis=1), lags[:, 1:].argmax(axis=1) + 1, 0)
    # desk: Monday is one open day after a Friday mailing; closed weekend days get none
    assert lag_of_letters[:6].tolist() == [0, 0, 1, 2, 3, 5]
    assert lag_of_letters[6:].tolist() == [1, 2, 3, 4, 5, 7]
    assert lags[:, 1:].sum(axis=1).tolist() == [0.0] * 2 + [44_000.0] * 10
    changed = social.copy()
    changed[:, 4:] = 10_000.0  # a spike after the cutoff must not be seen
    g = feat.response_features(
        i, d, c, future_daily=[letters], open_count=count, past_daily=[changed]
    )
    np.testing.assert_array_equal(f, g)
    assert f.shape[1] == feat.OPEN_LAGS + 1 + 2 * feat.PAST_AHEAD


def test_invalid_parameters_name_the_parameter():
    df = example_data("D")
    for params, word in [
        ({"k_weeks": (0, 4)}, "k_weeks"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"quantile_method": "bootstrap"}, "quantile_method"),
        ({"n_cutoffs": -3}, "n_cutoffs"),
        ({"rows_per_obs": 0}, "rows_per_obs"),
        ({"rows_per_obs": float("nan")}, "rows_per_obs"),
    ]:
        with pytest.raises(ConfigError, match=word):
            GBM(**FAST, **params).fit(df)


def test_a_series_without_data_is_named_or_taken_over_by_the_fallback(caplog):
    df = example_data("D")
    dead = df[df["unique_id"] == df["unique_id"].iloc[0]].assign(unique_id="dood/phone", y=np.nan)
    short = df[df["unique_id"] == df["unique_id"].iloc[0]].head(3).assign(unique_id="kort/desk")
    with pytest.raises(ForecasterFitError, match=r"'gbm' failed on series 'dood/phone'"):
        GBM(**FAST).fit(pd.concat([df, dead], ignore_index=True))
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = GBM(**FAST, fallback="seasonal_naive").fit(pd.concat([df, short], ignore_index=True))
    assert "kort/desk" in caplog.text and "seasonal_naive" in caplog.text
    fc = f.predict(7, level=(80,))
    ref = SeasonalNaive().fit(short).predict(7, level=(80,))
    got = fc[fc["unique_id"] == "kort/desk"]
    np.testing.assert_allclose(got["gbm"].to_numpy(), ref["seasonal_naive"].to_numpy())
    assert fc.loc[fc["unique_id"] != "kort/desk", "gbm"].sum() > 0


def test_quantile_method_gives_nested_intervals_for_its_levels():
    df = example_data("D")
    f = GBM(**FAST, quantile_method="quantile").fit(df)
    fc = f.predict(14, level=(80, 95))
    chain = fc[["gbm-lo-95", "gbm-lo-80", "gbm", "gbm-hi-80", "gbm-hi-95"]].to_numpy()
    assert (np.diff(chain, axis=1) >= 0).all()
    assert (fc["gbm-hi-95"] > fc["gbm-lo-95"]).mean() > 0.5
    with pytest.raises(ConfigError, match="level"):
        f.predict(14, level=(90,))


# ---------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank():
    """The bank's calls per half hour, 07:00-21:00 (28 intervals a weekday)."""
    from conftest import find_data_file

    path = find_data_file("bank_calls_5min.csv")
    if path is None:
        pytest.skip("bank_calls_5min.csv not found in tests/data or ../shared/data")
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    ds = raw["timestamp"].dt.floor("30min").dt.tz_localize("UTC")  # wall clock as labelled
    out = raw.assign(ds=ds).groupby("ds", as_index=False)["count"].sum()
    out = out[out["ds"].dt.hour < 21]  # the 21:00 half hour holds one 5-minute interval
    return out.rename(columns={"count": "y"}).assign(unique_id="na_bank_calls")


def _bank_fold(bank: pd.DataFrame, fold: int):
    days = np.sort(bank["ds"].dt.normalize().unique())
    end, cut = days[-1 - 5 * fold], days[-6 - 5 * fold]
    day = bank["ds"].dt.normalize()
    train, test = bank[day <= cut], bank[(day > cut) & (day <= end)]
    h = int((test["ds"].max() - train["ds"].max()) / pd.Timedelta("30min"))
    return train, test, h


def _bank_scores(bank: pd.DataFrame, folds: range, **params) -> dict[str, list]:
    scores: dict[str, list] = {}
    for fold in folds:
        train, test, h = _bank_fold(bank, fold)
        for model in (SeasonalNaive(), HistoricalAverage(), GBM(**params)):
            fc = model.fit(train).predict(h, level=(80,))
            fc = fc.merge(test, on=["unique_id", "ds"])
            assert len(fc) == 5 * 28
            name = model.alias_
            scores.setdefault(name, []).append((_wape(fc, name), _coverage(fc, name, 80)))
    return scores


def test_bank_calls_holdout_beats_seasonal_naive_with_calibrated_intervals(bank):
    scores = _bank_scores(bank, range(1), horizon_days=7, max_iter=150, n_jobs=1)
    ((gbm_wape, gbm_cov80),) = scores["gbm"]
    assert gbm_wape < scores["seasonal_naive"][0][0]
    assert gbm_wape < 0.08
    assert 0.65 <= gbm_cov80 <= 0.92


def _daily_csv(path, series_id=None) -> pd.DataFrame:
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    if series_id is not None:
        raw = raw[raw["series_id"] == series_id]
    return pd.DataFrame(
        {
            "unique_id": raw["series_id"].to_numpy(),
            "ds": raw["timestamp"].dt.tz_localize("Europe/Amsterdam").to_numpy(),
            "y": raw["count"].astype(float).to_numpy(),
        }
    )


def _protocol_wape(df: pd.DataFrame, models: list, h: int, step: int) -> dict[str, float]:
    """Pooled WAPE per model with the BENCHMARKS.md protocol (6 expanding folds)."""
    from demandcast import backtest

    res = backtest(models, df, h=h, n_windows=6, step=step, level=(80,))
    fc = res.forecasts[np.isfinite(res.forecasts["y"])]
    out = {m: _wape(fc, m) for m in res.models}
    print(f"protocol h={h}: WAPE {out}, gbm 80 % coverage {_coverage(fc, 'gbm', 80):.3f}")
    return out


@pytest.mark.slow
def test_bank_calls_protocol_matches_the_best_peer(bank):
    """BENCHMARKS.md: h = 140 half hours (5 business days), step 140, 6 folds.

    Peers: mlforecast + HistGradientBoosting 6.4 %, historical average 6.7 %, seasonal
    naive 7.8 %.
    """
    scores = _protocol_wape(bank, [GBM(), "historical_average", "seasonal_naive"], 140, 140)
    assert scores["gbm"] < scores["seasonal_naive"]
    assert scores["gbm"] <= scores["historical_average"]
    assert scores["gbm"] <= 0.067  # measured 6.40 % (80 % coverage 0.769)


@pytest.mark.slow
def test_nyc311_total_protocol_does_not_invent_level_from_the_2012_shock(data_file):
    """BENCHMARKS.md: h = 28 days, step 28, 6 folds over the near-empty 2017 tail.

    Seasonal naive (365 days) 141.7 %, best peer (SARIMAX) 115.9 %, all zeros 100 %.
    """
    df = _daily_csv(data_file("nyc311_sandy_daily.csv"), "nyc311_sandy_total")
    scores = _protocol_wape(df, [GBM()], 28, 28)
    assert scores["gbm"] < 1.159  # measured 114.5 %


@pytest.mark.slow
def test_wikipedia_protocol_beats_the_historical_average(data_file):
    """BENCHMARKS.md: h = 28 days, step 28, 6 folds; SARIMAX 59.4 %, historical
    average 80.6 %, seasonal naive (365 days) 101.9 %."""
    from demandcast import regularise

    df = regularise(_daily_csv(data_file("wikipedia_pageviews_daily.csv")), freq="D")
    scores = _protocol_wape(df, [GBM()], 28, 28)
    assert scores["gbm"] < 0.806  # measured 69.4 % (63-82 % with any change of columns)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="open work: the tail is ~0.6 calls a day, mostly zeros; the weekly seasonal naive "
    "scores about 100 % there and gbm's mean forecast 107 % of it (a median point forecast "
    "would be needed)",
)
def test_nyc311_total_non_negative_and_beats_seasonal_naive(data_file):
    df = _daily_csv(data_file("nyc311_sandy_daily.csv"), "nyc311_sandy_total")
    cut = df["ds"].max() - pd.Timedelta(days=28)
    train, test = df[df["ds"] <= cut], df[df["ds"] > cut]
    scores = {}
    for model in (SeasonalNaive(), GBM(max_iter=100, n_jobs=1)):
        fc = model.fit(train).predict(28, level=(80, 95))
        assert (fc.iloc[:, 2:].to_numpy() >= 0).all()
        fc = fc.merge(test, on=["unique_id", "ds"])
        scores[model.alias_] = _wape(fc, model.alias_)
    assert scores["gbm"] < scores["seasonal_naive"]


# ---------------------------------------------------------------------------
# regressors on the simulator (the truth is known)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def town():
    from demandcast.datasets import simulate_municipality

    return simulate_municipality(
        seed=0, start="2023-03-01", end="2024-04-30", locations=("centrum", "noord"), freq="D"
    )


def _after_event_error(town, day, kind, use: bool, **params) -> tuple[float, float]:
    """Absolute error and actual total on the phone lines, days 1-4 after an event.

    A mailing is known ahead: cut the day before it. A social spike is only known once
    observed: cut at the end of its day.
    """
    df = town.frame(freq="D")[["unique_id", "ds", "y", "is_open"]]
    X = town.regressors("D")
    cut = day if kind == "social_spike" else day - pd.Timedelta(days=1)
    train = df[df["ds"] <= cut]
    after = (df["ds"] > day) & (df["ds"] <= day + pd.Timedelta(days=4))
    test = df[after & df["unique_id"].str.endswith("/phone")]
    model = GBM(**{"max_iter": 100, "horizon_days": 14, "n_jobs": 1, **params})
    if use:
        model.fit(train, X[X["ds"] <= cut], roles=town.roles)
        fc = model.predict(7, X_future=X.loc[X["ds"] > cut, ["ds", "mailing_letters"]])
    else:
        fc = model.fit(train).predict(7)
    fc = fc.merge(test, on=["unique_id", "ds"])
    return float(np.abs(fc["gbm"] - fc["y"]).sum()), float(fc["y"].sum())


def test_row_budget_bounds_the_training_rows_and_keeps_the_accuracy(town, monkeypatch):
    import demandcast.forecasters.gbm as gbm_module

    df = town.frame(freq="D")[["unique_id", "ds", "y", "is_open"]]
    cut = df["ds"].max() - pd.Timedelta(days=28)
    train, test = df[df["ds"] <= cut], df[df["ds"] > cut]
    n_obs = int((train["y"].notna() & train["is_open"].astype(bool)).sum())
    full = GBM(**FAST, rows_per_obs=100.0).fit(train)
    monkeypatch.setattr(gbm_module, "_MIN_ROWS", 1)  # the floor would keep every row here
    small = GBM(**FAST, rows_per_obs=2.0).fit(train)
    assert full.n_train_rows_ > 15 * n_obs  # every cutoff: up to 28 distances per value
    assert 1.5 * n_obs <= small.n_train_rows_ <= 2 * n_obs
    scores = {}
    for name, model in (("full", full), ("small", small)):
        fc = model.predict(28, level=(80,)).merge(test, on=["unique_id", "ds"])
        scores[name] = _wape(fc, "gbm")
    assert scores["small"] <= 1.1 * scores["full"], scores


def test_a_mailing_larger_than_any_in_training_scales_the_forecast(town):
    """The 2024 tax mailing (44,000 letters) is four times the only mailing in the
    training data (an 11,000-letter reminder): the linear response stage carries it
    over, where trees alone would stop at the largest response they saw."""
    tax = town.mailings.loc[town.mailings["letters"].idxmax()]
    day = pd.Timestamp(tax["date"]).tz_localize("Europe/Amsterdam")
    assert tax["letters"] == 44_000 and (town.mailings["date"] < tax["date"]).sum() == 1
    with_x, total = _after_event_error(town, day, "mailing", True, max_iter=50)
    without, _ = _after_event_error(town, day, "mailing", False, max_iter=50)
    assert with_x / total < 0.3
    assert with_x <= 0.5 * without


@pytest.mark.slow
def test_mailing_and_social_regressors_cut_wape_after_events(town):
    """The forecaster issue's bar, protocol fixed before measuring: every event from
    2024-01-15 to the end of the simulation (April 2024), the phone series of both
    locations on the 4 days after it, WAPE pooled over all events; with the mailing
    (future) and social-mention (past) regressors against without them. Bar: at
    least 20 % lower."""
    events = town.events[town.events["start"] >= pd.Timestamp("2024-01-15", tz="Europe/Amsterdam")]
    assert set(events["kind"]) == {"mailing", "social_spike"}
    totals = {True: [0.0, 0.0], False: [0.0, 0.0]}
    for start, kind in zip(events["start"], events["kind"], strict=True):
        for use in (True, False):
            err, total = _after_event_error(town, start.normalize(), kind, use)
            totals[use][0] += err
            totals[use][1] += total
    with_x, without = (totals[u][0] / totals[u][1] for u in (True, False))
    print(f"WAPE after events: with regressors {with_x:.3f}, without {without:.3f}")
    assert with_x <= 0.8 * without


# ---------------------------------------------------------------------------
# update: new observations, the same trees
# ---------------------------------------------------------------------------


def _assert_same_panel(a: feat.Panel, b: feat.Panel) -> None:
    assert (a.day0, a.n_days, a.p) == (b.day0, b.n_days, b.p)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.last_same, b.last_same)
    np.testing.assert_array_equal(a.last_day, b.last_day)
    for name in ("rolling", "per_cutoff", "reg"):
        left, right = getattr(a, name), getattr(b, name)
        assert left.keys() == right.keys(), name
        for key in left:
            np.testing.assert_allclose(left[key], right[key], rtol=1e-12, err_msg=f"{name} {key}")


def test_update_gives_the_history_of_a_fit_on_all_data_and_keeps_the_trees(town):
    """Mailings (future) and social spikes (past) as regressors, closed days flagged:
    the updated model's history, cutoffs and forecasts are those of the fitted trees
    on the longer history."""
    df = town.frame(freq="D")[["unique_id", "ds", "y", "is_open"]]
    X = town.regressors("D")
    cut1 = df["ds"].max() - pd.Timedelta(days=42)
    cut2 = cut1 + pd.Timedelta(days=14)
    params = {"max_iter": 40, "horizon_days": 14, "n_jobs": 1}
    future = ["ds", *(c for c, role in town.roles.items() if role == "future")]
    model = GBM(**params).fit(df[df["ds"] <= cut1], X[X["ds"] <= cut1], roles=town.roles)
    trees, before = model.model_, model.predict(7, X_future=X.loc[X["ds"] > cut1, future])
    new = (df["ds"] > cut1) & (df["ds"] <= cut2)
    model.update(df[new], X[(X["ds"] > cut1) & (X["ds"] <= cut2)])
    assert model.model_ is trees

    longer = GBM(**params).fit(df[df["ds"] <= cut2], X[X["ds"] <= cut2], roles=town.roles)
    _assert_same_panel(model.panel_, longer.panel_)
    assert model.cutoff_ == longer.cutoff_ and model.last_ds_ == longer.last_ds_

    after = model.predict(14, X_future=X.loc[X["ds"] > cut2, future], level=(80,))
    assert (after["ds"] > cut2).all() and (after["ds"] <= cut2 + pd.Timedelta(days=14)).all()
    assert not np.allclose(before["gbm"].to_numpy(), after["gbm"].to_numpy()[: len(before)])
    # the updated model is as accurate on the next two weeks as the re-trained one
    scores = {}
    for name, m in (("updated", model), ("refitted", longer)):
        fc = m.predict(14, X_future=X.loc[X["ds"] > cut2, future])
        fc = fc.merge(df, on=["unique_id", "ds"])
        fc = fc[fc["is_open"].astype(bool)]
        scores[name] = _wape(fc, "gbm")
    assert scores["updated"] <= 1.15 * scores["refitted"], scores


def test_update_of_intraday_bank_calls_matches_the_longer_fit(bank):
    _, _, h = _bank_fold(bank, 0)
    train, test, _ = _bank_fold(bank, 1)
    earlier = train["ds"].max() - pd.Timedelta(days=7)  # a week of days to update with
    model = GBM(max_iter=40, horizon_days=7, n_jobs=1).fit(train[train["ds"] <= earlier])
    model.update(pd.concat([train[train["ds"] > earlier], test]))
    longer = GBM(max_iter=40, horizon_days=7, n_jobs=1).fit(pd.concat([train, test]))
    _assert_same_panel(model.panel_, longer.panel_)
    assert model.cutoff_ == longer.cutoff_
    last, after, _ = _bank_fold(bank, 0)
    fc = model.predict(h).merge(after, on=["unique_id", "ds"])
    assert len(fc) == 5 * 28 and fc["ds"].min() > last["ds"].max()
    assert _wape(fc, "gbm") < 0.15


def test_update_refuses_what_it_cannot_apply(town):
    df = town.frame(freq="D")[["unique_id", "ds", "y", "is_open"]]
    X = town.regressors("D")
    cut = df["ds"].max() - pd.Timedelta(days=14)
    later = df[df["ds"] > cut]
    fitted = GBM(**FAST).fit(df[df["ds"] <= cut], X[X["ds"] <= cut], roles=town.roles)
    with pytest.raises(InvalidFrameError, match="X_new"):
        fitted.update(later)
    with pytest.raises(InvalidFrameError, match="at or before its last fitted ds"):
        fitted.update(df[df["ds"] > cut - pd.Timedelta(days=3)], X)

    # a series the fallback took over cannot be updated: the caller refits
    first = df[df["unique_id"] == df["unique_id"].iloc[0]]
    short = first[first["ds"] > cut - pd.Timedelta(days=5)].assign(unique_id="new/desk")
    both = pd.concat([df[df["ds"] <= cut], short[short["ds"] <= cut]], ignore_index=True)
    model = GBM(**FAST, fallback="historical_average").fit(both)
    assert list(model.fallbacks_) == ["new/desk"]
    with pytest.raises(ForecasterFitError, match="fallback"):
        model.update(short[short["ds"] > cut])
    model.update(later)  # the other series update
    assert model.last_ds_[str(later["unique_id"].iloc[0])] == later["ds"].max()


def test_a_backtest_with_refit_k_trains_one_global_model_per_refit(town, monkeypatch, caplog):
    from demandcast.backtest import backtest

    df = town.frame(freq="D")[["unique_id", "ds", "y", "is_open"]]
    fits: list[tuple[int, pd.Timestamp]] = []
    fit = GBM._fit

    def counted(self, inputs):
        fits.append((inputs.df["unique_id"].nunique(), inputs.df["ds"].max()))
        return fit(self, inputs)

    monkeypatch.setattr(GBM, "_fit", counted)
    gbm = GBM(max_iter=100, n_jobs=1)
    every = backtest(gbm, df, h=7, n_windows=4, level=(80,))
    assert [n for n, _ in fits] == [5] * 4  # one model for the five series, per window
    fits.clear()
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        once = backtest(gbm, df, h=7, n_windows=4, refit=4, level=(80,))
    assert fits == [(5, once.splits["cutoff"].iloc[0])] and "no update()" not in caplog.text
    a, b = every.forecasts, once.forecasts
    first = a["cutoff"] == a["cutoff"].min()
    np.testing.assert_allclose(a.loc[first, "gbm"], b.loc[first, "gbm"])
    assert not np.allclose(a.loc[~first, "gbm"], b.loc[~first, "gbm"])
    wape = {k: r.leaderboard().loc[0, "wape"] for k, r in (("every", every), ("once", once))}
    assert wape["once"] <= 1.05 * wape["every"], wape  # 14 months of history: no loss
    assert b["gbm-lo-80"].le(b["gbm"]).all() and b["gbm"].le(b["gbm-hi-80"]).all()


def test_update_over_the_end_of_summer_time_matches_the_longer_fit():
    """Hourly web visits: the repeated hour of 2024-10-27 arrives in the update and is
    averaged into its slot as a fit on all rows does."""
    import warnings

    from demandcast.datasets import simulate_municipality

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the web log's repeated hour is reported
        sim = simulate_municipality(seed=5, start="2024-09-16", end="2024-11-10")
    web = sim.frame("web", freq="h")[["unique_id", "ds", "y", "is_open"]]
    cut1 = pd.Timestamp("2024-10-20 23:00", tz="Europe/Amsterdam")
    cut2 = pd.Timestamp("2024-11-03 23:00", tz="Europe/Amsterdam")
    new = web[(web["ds"] > cut1) & (web["ds"] <= cut2)]
    assert new["ds"].dt.strftime("%Z").nunique() == 2
    model = GBM(max_iter=30, n_jobs=1).fit(web[web["ds"] <= cut1]).update(new)
    longer = GBM(max_iter=30, n_jobs=1).fit(web[web["ds"] <= cut2])
    _assert_same_panel(model.panel_, longer.panel_)
    assert model.cutoff_ == longer.cutoff_
