"""Tests for demandcast.scoring: evaluate(), seasonal scales and compare_forecasts()
on rolling-origin forecasts of real data, checked against by-hand pandas results."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from demandcast import metrics as M  # noqa: N812
from demandcast import scoring as S  # noqa: N812
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError


def rolling_forecasts(df, season, h, n_windows, horizon_models):
    """Rolling-origin forecasts built with pandas, like BacktestResult.forecasts."""
    rows = []
    for uid, series in df.groupby("unique_id", sort=True):
        y, ds = series["y"].to_numpy(), series["ds"].to_numpy()
        n = len(y)
        for w in range(n_windows, 0, -1):
            origin = n - w * h  # first forecast position
            steps = np.arange(1, h + 1)
            pos = origin + steps - 1
            out = {
                "unique_id": uid,
                "ds": ds[pos],
                "cutoff": ds[origin - 1],
                "step": steps,
                "y": y[pos],
            }
            for name, fn in horizon_models.items():
                out.update(fn(y[:origin], steps, season, name))
            rows.append(pd.DataFrame(out))
    return pd.concat(rows, ignore_index=True)


def seasonal_naive(hist, steps, season, name):
    point = hist[len(hist) - season + (steps - 1) % season]
    spread = 1.2816 * np.sqrt(np.maximum(point, 1.0))
    return {name: point, f"{name}-lo-80": point - spread, f"{name}-hi-80": point + spread}


def historical_average(hist, steps, season, name):
    idx = len(hist) - season + (steps - 1) % season
    point = np.mean([hist[idx - k * season] for k in range(4)], axis=0)
    spread = 1.2816 * np.sqrt(np.maximum(point, 1.0))
    return {name: point, f"{name}-lo-80": point - spread, f"{name}-hi-80": point + spread}


MODELS = {"seasonal_naive": seasonal_naive, "historical_average": historical_average}


def test_evaluate_bank_calls_matches_manual_per_group(bank_30min):
    season, h = 140, 140
    fc = rolling_forecasts(bank_30min, season, h, 4, MODELS)
    res = S.evaluate(
        fc, list(MODELS), by=["model", "cutoff"], levels=[80], train=bank_30min, season=season
    )
    assert len(res) == 2 * 4
    assert list(res.columns[:3]) == ["model", "cutoff", "n"]
    for _, row in res.iterrows():
        part = fc[fc["cutoff"] == row["cutoff"]]
        y, f = part["y"], part[row["model"]]
        hist = bank_30min.loc[bank_30min["ds"] <= row["cutoff"], "y"]
        assert row["n"] == h
        assert row["mae"] == pytest.approx(M.mae(y, f))
        assert row["rmse"] == pytest.approx(M.rmse(y, f))
        assert row["wape"] == pytest.approx(M.wape(y, f))
        assert row["smape"] == pytest.approx(M.smape(y, f))
        assert row["bias"] == pytest.approx(M.bias(y, f))
        assert row["mase"] == pytest.approx(M.mase(y, f, hist, season))
        assert row["rmsse"] == pytest.approx(M.rmsse(y, f, hist, season))
        lo, hi = part[f"{row['model']}-lo-80"], part[f"{row['model']}-hi-80"]
        assert row["coverage_80"] == pytest.approx(M.coverage(y, lo, hi))
        assert row["width_80"] == pytest.approx(M.interval_width(lo, hi))
        assert row["interval_score_80"] == pytest.approx(M.interval_score(y, lo, hi, 80))
        assert row["pinball_q10"] == pytest.approx(M.pinball(y, lo, 0.1))
        assert row["pinball_q90"] == pytest.approx(M.pinball(y, hi, 0.9))
    # a sane picture of real call-centre accuracy: within a few % of the peer numbers
    pooled = S.evaluate(fc, list(MODELS), train=bank_30min, season=season).set_index("model")
    assert 0.04 < pooled.loc["historical_average", "wape"] < 0.12
    assert 0.04 < pooled.loc["seasonal_naive", "wape"] < 0.15
    assert pooled.loc["historical_average", "mase"] < 1.0


def test_evaluate_pooled_mase_is_mean_over_cutoffs(bank_30min):
    season = 140
    fc = rolling_forecasts(bank_30min, season, 140, 3, MODELS)
    pooled = S.evaluate(fc, "seasonal_naive", train=bank_30min, season=season)
    per_cutoff = [
        M.mase(g["y"], g["seasonal_naive"], bank_30min.loc[bank_30min["ds"] <= c, "y"], season)
        for c, g in fc.groupby("cutoff")
    ]
    assert pooled.loc[0, "mase"] == pytest.approx(np.mean(per_cutoff))
    assert pooled.loc[0, "wape"] == pytest.approx(M.wape(fc["y"], fc["seasonal_naive"]))
    # precomputed scales and a train frame with its own cutoff column give the same
    scales = S.seasonal_scale(bank_30min, season, cutoffs=fc[["unique_id", "cutoff"]])
    again = S.evaluate(fc, "seasonal_naive", train=scales)
    assert again.loc[0, "mase"] == pytest.approx(pooled.loc[0, "mase"])
    assert again.loc[0, "rmsse"] == pytest.approx(pooled.loc[0, "rmsse"])
    windows = pd.concat(
        [bank_30min[bank_30min["ds"] <= c].assign(cutoff=c) for c in fc["cutoff"].unique()]
    )
    third = S.evaluate(fc, "seasonal_naive", train=windows, season=season)
    assert third.loc[0, "mase"] == pytest.approx(pooled.loc[0, "mase"])


def test_evaluate_by_step_and_closed_rows(bank_30min):
    season = 140
    fc = rolling_forecasts(bank_30min, season, 140, 3, MODELS)
    res = S.evaluate(fc, list(MODELS), by=("model", "step"))
    assert len(res) == 2 * 140 and (res["n"] == 3).all()
    assert res["mase"].isna().all()  # no training data given
    row = res[(res["model"] == "historical_average") & (res["step"] == 17)].iloc[0]
    part = fc[fc["step"] == 17]
    assert row["wape"] == pytest.approx(M.wape(part["y"], part["historical_average"]))
    # closed rows with junk values and bands change nothing, in every metric (the
    # interval ones too); NaN actuals are skipped too
    forecasts = [c for c in fc.columns if c.startswith(tuple(MODELS))]
    junk = fc.iloc[:50].assign(y=1e6, **{c: 0.0 for c in forecasts})
    flagged = pd.concat([fc.assign(is_open=True), junk.assign(is_open=False)])
    flagged.loc[flagged.index[:5], "y"] = np.nan
    base = fc.iloc[5:]
    a = S.evaluate(flagged, list(MODELS), by="model", levels=[80])
    b = S.evaluate(base, list(MODELS), by="model", levels=[80])
    pd.testing.assert_frame_equal(a, b)
    assert {"coverage_80", "width_80", "interval_score_80"} <= set(a.columns)
    # counted as open, the junk rows would be misses
    c = S.evaluate(flagged.assign(is_open=True), list(MODELS), by="model", levels=[80])
    assert (c["coverage_80"] < a["coverage_80"]).all()
    assert (c["interval_score_80"] > a["interval_score_80"]).all()


def test_evaluate_many_series_and_zero_scale_warning(data_file):
    raw = pd.read_csv(data_file("nyc311_sandy_daily.csv"), parse_dates=["timestamp"])
    keep = ["nyc311_sandy_total", "nyc311_sandy_hpd", "nyc311_sandy_dpr", "nyc311_sandy_dob"]
    df = raw[raw["series_id"].isin(keep)].rename(
        columns={"series_id": "unique_id", "timestamp": "ds", "count": "y"}
    )
    df["y"] = df["y"].astype(float)
    # a series that never changes: its seasonal scale is 0
    flat = df[df["unique_id"] == "nyc311_sandy_total"].assign(unique_id="flat", y=3.0)
    df = pd.concat([df, flat], ignore_index=True)
    zero = {"zero": lambda hist, steps, season, name: {name: np.zeros(len(steps))}}
    fc = rolling_forecasts(df, 7, 28, 6, {**zero, "snaive": seasonal_naive})
    with pytest.warns(DataWarning, match=r"1 \(series, cutoff\)|6 \(series, cutoff\)"):
        res = S.evaluate(fc, ["zero", "snaive"], by=("model", "unique_id"), train=df, season=7)
    assert len(res) == 2 * 5
    flat_rows = res[res["unique_id"] == "flat"]
    assert flat_rows["mase"].isna().all() and flat_rows["mae"].notna().all()
    for _, row in res[res["unique_id"] != "flat"].iterrows():
        part = fc[fc["unique_id"] == row["unique_id"]]
        per_cut = []
        for c, g in part.groupby("cutoff"):
            hist = df.loc[(df["unique_id"] == row["unique_id"]) & (df["ds"] <= c), "y"]
            per_cut.append(M.mase(g["y"], g[row["model"]], hist, 7))
        assert row["mase"] == pytest.approx(np.nanmean(per_cut), nan_ok=True)
        assert row["wape"] == pytest.approx(M.wape(part["y"], part[row["model"]]), nan_ok=True)
    # the all-zero forecast scores exactly 100 % WAPE wherever there were calls
    total = res[(res["model"] == "zero") & (res["unique_id"] == "nyc311_sandy_total")]
    assert total["wape"].iloc[0] == pytest.approx(1.0)


def test_evaluate_input_errors(bank_30min):
    fc = rolling_forecasts(bank_30min, 140, 140, 1, MODELS)
    with pytest.raises(InvalidFrameError, match="'gbm'"):
        S.evaluate(fc, ["seasonal_naive", "gbm"])
    with pytest.raises(InvalidFrameError, match="seasonal_naive-lo-95"):
        S.evaluate(fc, "seasonal_naive", levels=[95])
    with pytest.raises(InvalidFrameError, match="'weekday'"):
        S.evaluate(fc, "seasonal_naive", by="weekday")
    with pytest.raises(ConfigError, match="season"):
        S.evaluate(fc, "seasonal_naive", train=bank_30min)
    with pytest.raises(ConfigError, match="models"):
        S.evaluate(fc, [])
    # a mapping of scales per series is accepted
    scale = S.seasonal_scale(bank_30min[bank_30min["ds"] <= fc["cutoff"].iloc[0]], 140)
    res = S.evaluate(fc, "seasonal_naive", train={"na_bank_calls": scale["mae_scale"].iloc[0]})
    ref = S.evaluate(fc, "seasonal_naive", train=bank_30min, season=140)
    assert res.loc[0, "mase"] == pytest.approx(ref.loc[0, "mase"])
    assert math.isnan(res.loc[0, "rmsse"])


def test_seasonal_scale_cutoffs_match_slices(bank_30min):
    cutoffs = bank_30min["ds"].iloc[[300, 2000, 4000]].tolist()
    scales = S.seasonal_scale(bank_30min, 28, cutoffs=cutoffs)
    for c, row in zip(cutoffs, scales.itertuples(), strict=True):
        hist = bank_30min.loc[bank_30min["ds"] <= c, "y"].to_numpy()
        diffs = hist[28:] - hist[:-28]
        assert row.cutoff == c
        assert row.mae_scale == pytest.approx(np.mean(np.abs(diffs)))
        assert row.mse_scale == pytest.approx(np.mean(diffs**2))
        assert row.n_scale == len(diffs)
    # a cutoff before the data has no scale
    early = S.seasonal_scale(bank_30min, 28, cutoffs=[pd.Timestamp("2003-01-01")])
    assert early["n_scale"].iloc[0] == 0 and math.isnan(early["mae_scale"].iloc[0])


# --------------------------------------------------------------------------- compare


def test_compare_forecasts_per_series_and_pooled(data_file):
    raw = pd.read_csv(data_file("nyc311_sandy_daily.csv"), parse_dates=["timestamp"])
    keep = ["nyc311_sandy_hpd", "nyc311_sandy_dob", "nyc311_sandy_dpr"]
    df = raw[raw["series_id"].isin(keep)].rename(
        columns={"series_id": "unique_id", "timestamp": "ds", "count": "y"}
    )
    df["y"] = df["y"].astype(float)
    df = df[df["ds"] < "2013-06-01"]  # the busy recovery months
    fc = rolling_forecasts(df, 7, 14, 8, {"snaive": seasonal_naive})
    fc["inflated"] = fc["snaive"] * 2.0 + 5.0
    res = S.compare_forecasts(fc, "snaive", "inflated", loss="absolute", h=1)
    assert list(res["scope"]) == ["series"] * 3 + ["pooled"]
    for _, row in res[res["scope"] == "series"].iterrows():
        part = fc[fc["unique_id"] == row["unique_id"]].sort_values(["cutoff", "ds"])
        ref = M.diebold_mariano(
            part["y"] - part["snaive"], part["y"] - part["inflated"], h=1, loss="absolute"
        )
        assert row["statistic"] == pytest.approx(ref.statistic)
        assert row["p_value"] == pytest.approx(ref.p_value)
    pooled = res.iloc[-1]
    d = (fc["y"] - fc["snaive"]).abs() - (fc["y"] - fc["inflated"]).abs()
    d_mean = d.groupby([fc["cutoff"], fc["ds"]]).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = M.diebold_mariano(d_mean.to_numpy(), np.zeros(len(d_mean)), loss=lambda e: e)
    assert pooled["statistic"] == pytest.approx(ref.statistic)
    assert pooled["n"] == 8 * 14
    assert pooled["p_value"] < 0.01 and pooled["statistic"] < 0
    # default h is the longest step, one forecast path
    assert (S.compare_forecasts(fc, "snaive", "inflated")["h"] == 14).all()
    # a series without forecasts keeps its row, with n = 0 and no verdict
    gap = fc.assign(inflated=fc["inflated"].where(fc["unique_id"] != "nyc311_sandy_dob"))
    res_gap = S.compare_forecasts(gap, "snaive", "inflated", h=1).set_index("unique_id")
    assert res_gap.loc["nyc311_sandy_dob", "n"] == 0
    assert math.isnan(res_gap.loc["nyc311_sandy_dob", "p_value"])
    assert res_gap.loc["nyc311_sandy_hpd", "p_value"] == pytest.approx(
        res.set_index("unique_id").loc["nyc311_sandy_hpd", "p_value"]
    )


def test_evaluate_takes_every_level_predict_takes():
    # issue 13: level=0.5 passed predict() but failed evaluate(); one rule now, 0 < level < 100
    fc = pd.DataFrame(
        {"y": [10.0, 20.0], "m": [10.0, 21.0], "m-lo-0.5": [9.9, 20.9], "m-hi-0.5": [10.1, 21.1]}
    )
    res = S.evaluate(fc, "m", levels=[0.5])
    assert res.loc[0, "coverage_0.5"] == 0.5
    assert res.loc[0, "pinball_q50.25"] == pytest.approx(M.pinball(fc["y"], fc["m-hi-0.5"], 0.5025))
    with pytest.raises(ConfigError, match="level"):
        S.evaluate(fc, "m", levels=[0])
