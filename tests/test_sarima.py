"""SARIMA: conformance, real-data holdouts, mailing and social regressors, update, fallback."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from demandcast.backtest import backtest
from demandcast.exceptions import (
    ConfigError,
    DataWarning,
    ForecasterFitError,
    InvalidFrameError,
    UnsupportedRegressorError,
)
from demandcast.forecasters import _intraday
from demandcast.forecasters.naive import SeasonalNaive
from demandcast.forecasters.sarima import SARIMA
from demandcast.testing import check_forecaster, example_data

TZ = "Europe/Amsterdam"


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.abs(actual - forecast).sum() / actual.sum())


def _holdout(df, make, *, n_windows, h, step, level=None, X=None):
    """Actuals and forecasts of ``n_windows`` windows of ``h`` steps ending at the last ds."""
    last = df["ds"].max()
    out = []
    for k in range(n_windows, 0, -1):
        cut = last - step * k
        train = df[df["ds"] <= cut]
        model = make()
        if X is None:
            fc = model.fit(train).predict(h, level=level)
        else:
            model.fit(train, X[X["ds"] <= cut])
            fc = model.predict(h, X_future=X[X["ds"] > cut], level=level)
        test = df[(df["ds"] > cut) & (df["ds"] <= cut + step)]
        out.append(test.merge(fc.rename(columns={model.alias_: "fc"}), on=["unique_id", "ds"]))
    return pd.concat(out, ignore_index=True)


# ---------------------------------------------------------------------------
# conformance
# ---------------------------------------------------------------------------


@pytest.mark.slow  # the default run covers it in tests/test_common.py
@pytest.mark.parametrize("freq", ["D", "30min"])
def test_conformance_on_simulated_data(freq):
    # past_lag=14 days reaches the suite's horizon (14 days, or one day of intervals)
    report = check_forecaster(SARIMA(past_lag=14), freq=freq)
    # 16 always + nested intervals + future regressors + past regressors + 5 update
    assert report.n_checks == 24
    assert "missing_future_regressor" in report.passed
    assert "past_regressor_observed_only" in report.passed


def test_import_is_light():
    code = (
        "import sys, demandcast.forecasters.sarima, demandcast.forecasters._intraday; "
        "print('statsmodels' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------


def _read_daily(path, series_id=None, tz=TZ):
    raw = pd.read_csv(path)
    if series_id is not None:
        raw = raw[raw["series_id"] == series_id]
    ds = pd.to_datetime(raw["timestamp"]).dt.tz_localize(tz)
    return pd.DataFrame(
        {"unique_id": raw["series_id"].astype(str), "ds": ds, "y": raw["count"].astype(float)}
    ).reset_index(drop=True)


def test_wikipedia_log1p_beats_seasonal_naive(data_file):
    """BENCHMARKS protocol: last 4 x 28 days, refit per window (59.4 % vs 101.9 %)."""
    df = _read_daily(data_file("wikipedia_pageviews_daily.csv"))
    kw = {"n_windows": 4, "h": 28, "step": pd.Timedelta(days=28)}
    sarima = _holdout(df, lambda: SARIMA(transform="log1p"), **kw)
    weekly = _holdout(df, SeasonalNaive, **kw)
    yearly = _holdout(df, lambda: SeasonalNaive(season_length=365), **kw)
    assert len(sarima) == len(weekly) > 100
    w_sarima = _wape(sarima["y"].to_numpy(), sarima["fc"].to_numpy())
    w_weekly = _wape(weekly["y"].to_numpy(), weekly["fc"].to_numpy())
    w_yearly = _wape(yearly["y"].to_numpy(), yearly["fc"].to_numpy())
    assert w_sarima < 0.65
    assert w_sarima < w_weekly
    assert w_sarima < 0.7 * w_yearly


def test_nyc311_total_non_negative_and_beats_seasonal_naive_after_the_shock(data_file):
    """Shock-and-decay series: log1p SARIMA over the first months after landfall.

    In the far tail (2017, about one call a day, mostly zeros) no SARIMA beats the
    seasonal naive model; that part is intermittent noise and is not asserted.
    """
    df = _read_daily(data_file("nyc311_sandy_daily.csv"), "nyc311_sandy_total", "America/New_York")
    full = SARIMA(transform="log1p").fit(df).predict(56, level=(80, 95))
    assert (full.iloc[:, 2:].to_numpy() >= 0).all()
    assert np.isfinite(full.iloc[:, 2:].to_numpy()).all()

    early = df[df["ds"] <= pd.Timestamp("2013-06-30", tz="America/New_York")]
    kw = {"n_windows": 4, "h": 28, "step": pd.Timedelta(days=28), "level": (80, 95)}
    sarima = _holdout(early, lambda: SARIMA(transform="log1p"), **kw)
    naive = _holdout(early, SeasonalNaive, **kw)
    assert (sarima.filter(like="fc").to_numpy() >= 0).all()
    w_sarima = _wape(sarima["y"].to_numpy(), sarima["fc"].to_numpy())
    w_naive = _wape(naive["y"].to_numpy(), naive["fc"].to_numpy())
    assert w_sarima < 0.9 * w_naive


@pytest.fixture(scope="module")
def bank_30min():
    from conftest import find_data_file

    path = find_data_file("bank_calls_5min.csv")
    if path is None:
        pytest.skip("bank_calls_5min.csv not found in tests/data or ../shared/data")
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    # local wall-clock times of an unstated zone without DST marks: UTC keeps the labels
    ds = raw["timestamp"].dt.floor("30min").dt.tz_localize("UTC")
    out = raw.assign(ds=ds).groupby("ds", as_index=False)["count"].sum()
    return out.rename(columns={"count": "y"}).assign(unique_id="na_bank_calls")


def test_bank_calls_30min_beats_seasonal_naive_with_calibrated_intervals(bank_30min):
    df = bank_30min
    kw = {"n_windows": 4, "h": 7 * 48, "step": pd.Timedelta(days=7), "level": (80,)}
    sarima = _holdout(df, SARIMA, **kw)
    naive = _holdout(df, SeasonalNaive, **kw)
    assert len(sarima) == len(naive) > 500
    w_sarima = _wape(sarima["y"].to_numpy(), sarima["fc"].to_numpy())
    w_naive = _wape(naive["y"].to_numpy(), naive["fc"].to_numpy())
    assert w_sarima < 0.85 * w_naive
    inside = (sarima["y"] >= sarima["sarima-lo-80"]) & (sarima["y"] <= sarima["sarima-hi-80"])
    assert 0.72 <= inside.mean() <= 0.88
    # nights and weekends (never open) are zero without being told
    fc = SARIMA().fit(df).predict(7 * 48)
    closed = (fc["ds"].dt.day_of_week >= 5) | (fc["ds"].dt.hour < 7) | (fc["ds"].dt.hour > 21)
    assert (fc.loc[closed, "sarima"] == 0).all()
    assert (fc.loc[~closed & (fc["ds"].dt.hour.between(9, 17)), "sarima"] > 0).all()


def test_bank_calls_reproducible_and_shorter_day_keeps_its_total(bank_30min):
    df = bank_30min
    a = SARIMA().fit(df).predict(48 * 3, level=(80, 95))
    f = SARIMA().fit(df)
    pd.testing.assert_frame_equal(a, f.predict(48 * 3, level=(80, 95)), check_exact=True)
    # Monday 2003-10-27 closes at 13:00: its total moves to the morning intervals
    grid = f.future_ds(48 * 3)
    monday = grid["ds"].dt.date == pd.Timestamp("2003-10-27").date()
    is_open = ~(monday & (grid["ds"].dt.hour >= 13)).to_numpy()
    short = f.predict(48 * 3, X_future=grid.assign(is_open=is_open))
    full_day = a.loc[monday.to_numpy(), "sarima"].sum()
    assert short.loc[monday.to_numpy(), "sarima"].sum() == pytest.approx(full_day, rel=1e-9)
    assert (short.loc[monday.to_numpy() & ~is_open, "sarima"] == 0).all()


# ---------------------------------------------------------------------------
# simulator: mailing regressor, update, closed days
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_daily():
    from demandcast.datasets import simulate_municipality
    from demandcast.frame import local_range
    from demandcast.signals import events_to_regressors

    sim = simulate_municipality(
        seed=0, start="2023-01-02", end="2024-04-30", freq="D", locations=("centrum",), scale=0.5
    )
    df = sim.frame("phone", freq="D")[["unique_id", "ds", "y"]]
    # letters land the day after sending; the response decays over a few days
    arrival = sim.mailings.assign(date=pd.to_datetime(sim.mailings["date"]) + pd.Timedelta(days=1))
    grid = local_range("2023-01-02", "2024-05-31", "D", tz=TZ)  # a month beyond the data
    X = events_to_regressors(arrival, grid, decay_days=2.0)[["ds", "mailing_letters_decay"]]
    X["mailing_letters_decay"] /= 1000.0
    return sim, df, X


def test_mailing_regressor_cuts_wape_after_mailings(sim_daily):
    sim, df, X = sim_daily
    sends = pd.to_datetime(sim.mailings["date"])
    sends = sends[sends.dt.year == 2024]
    assert len(sends) == 2  # the tax assessment in February and its reminder
    errors = {False: [0.0, 0.0], True: [0.0, 0.0]}
    for send in sends:
        cut = pd.Timestamp(send, tz=TZ) - pd.Timedelta(days=3)
        train = df[df["ds"] <= cut]
        after = df[df["ds"] > pd.Timestamp(send, tz=TZ)].groupby("unique_id").head(5)
        for use in (False, True):
            f = SARIMA()
            if use:
                f.fit(train, X[X["ds"] <= cut])
                fc = f.predict(14, X_future=X[X["ds"] > cut])
            else:
                fc = f.fit(train).predict(14)
            m = after.merge(fc, on=["unique_id", "ds"])
            assert len(m) == 5
            errors[use][0] += float(np.abs(m["y"] - m["sarima"]).sum())
            errors[use][1] += float(m["y"].sum())
    without = errors[False][0] / errors[False][1]
    with_mailing = errors[True][0] / errors[True][1]
    assert with_mailing <= 0.8 * without


def test_closed_days_are_missing_not_zero(sim_daily):
    _, df, _ = sim_daily
    f = SARIMA().fit(df)
    endog = np.asarray(f.results_["centrum/phone"].model.endog).ravel()
    assert np.isnan(endog).sum() >= 2 * 60  # weekends and holidays
    assert np.nanmin(endog) > 0  # no invented zeros
    fc = f.predict(14, level=(80, 95))
    weekend = fc["ds"].dt.day_of_week >= 5
    assert (fc.loc[weekend, "sarima":] == 0).all().all()
    assert (fc.loc[~weekend, "sarima"] > 50).all()


def test_update_equals_filtering_all_data_with_fixed_params(sim_daily):
    _, df, X = sim_daily
    uid = "centrum/phone"
    cut = pd.Timestamp("2024-03-29", tz=TZ)
    f = SARIMA().fit(df[df["ds"] <= cut], X[X["ds"] <= cut])
    params = f.results_[uid].params.copy()
    new = df[df["ds"] > cut]
    assert f.update(new, X[X["ds"] > cut]) is f
    assert f.last_ds_[uid] == df["ds"].max()
    np.testing.assert_array_equal(f.results_[uid].params, params)

    full = SARIMA().fit(df, X)  # same model grid and exog, re-estimated parameters
    fixed = full.results_[uid].model.filter(params)
    np.testing.assert_allclose(f.results_[uid].llf, fixed.llf, rtol=1e-10)
    future = X[X["ds"] > df["ds"].max()].head(7)
    expect = fixed.get_forecast(7, exog=future[["mailing_letters_decay"]].to_numpy())
    got = f.predict(7, X_future=future)
    open_ = got["ds"].dt.day_of_week < 5
    np.testing.assert_allclose(
        got.loc[open_, "sarima"], np.asarray(expect.predicted_mean)[open_.to_numpy()], rtol=1e-8
    )


def test_results_for_inspection_have_smoothed_states_and_standard_errors(sim_daily):
    # fits skip the smoother and the parameter covariance; results_ adds them on look-up
    _, df, _ = sim_daily
    uid = "centrum/phone"
    cut = pd.Timestamp("2024-03-29", tz=TZ)
    f = SARIMA().fit(df[df["ds"] <= cut])
    fitted = f.states_[uid].filtered.fitted
    assert fitted.smoothed_state is None and fitted.cov_type == "none"
    res = f.results_[uid]
    reference = res.model.fit(disp=False)  # statsmodels' default fit of the same model
    np.testing.assert_allclose(res.params, reference.params, rtol=1e-6)
    np.testing.assert_allclose(res.bse, reference.bse, rtol=1e-6)
    assert res.smoothed_state.shape[1] == res.nobs
    assert res.mle_retvals["converged"]
    assert "coef" in str(res.summary())

    f.update(df[df["ds"] > cut])
    after = f.results_[uid]
    assert after.nobs > res.nobs and after.smoothed_state.shape[1] == after.nobs
    np.testing.assert_allclose(after.params, res.params)
    assert np.isfinite(after.bse).all()


def test_update_rejects_old_rows_and_warm_start_reuses_parameters(sim_daily):
    _, df, _ = sim_daily
    f = SARIMA(warm_start=True).fit(df.iloc[:-20])
    with pytest.raises(Exception, match="at or before its last fitted ds"):
        f.update(df.iloc[-25:])
    first = f.results_["centrum/phone"]
    f.fit(df)
    second = f.results_["centrum/phone"]
    # warm start begins at the previous optimum, so it needs few iterations
    assert second.mle_retvals["iterations"] <= first.mle_retvals["iterations"]


# ---------------------------------------------------------------------------
# failures, fallback, regressors, configuration
# ---------------------------------------------------------------------------


def test_fit_failure_names_model_and_series_or_falls_back(caplog):
    df = example_data("D")
    second = sorted(df["unique_id"].unique())[1]
    short = pd.concat([df[df["unique_id"] != second], df[df["unique_id"] == second].head(6)])
    with pytest.raises(ForecasterFitError, match=f"'sarima' failed on series '{second}'") as info:
        SARIMA().fit(short)
    assert "needs at least" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)

    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = SARIMA(fallback="seasonal_naive").fit(short)
    assert second in caplog.text and "seasonal_naive" in caplog.text
    fc = f.predict(7, level=(80, 95))
    naive = SeasonalNaive().fit(short[short["unique_id"] == second]).predict(7, level=(80, 95))
    got = fc[fc["unique_id"] == second]
    np.testing.assert_allclose(got["sarima"], naive["seasonal_naive"])
    assert second not in f.results_


def test_statsmodels_error_becomes_fit_error(monkeypatch):
    df = example_data("D")

    def broken(self, endog, exog, uid):
        raise np.linalg.LinAlgError("LU decomposition error")

    monkeypatch.setattr(SARIMA, "_estimate", broken)
    with pytest.raises(ForecasterFitError, match=r"'sarima' failed on series .*LU decomposition"):
        SARIMA().fit(df)


def test_constant_regressor_is_dropped_with_warning():
    df = example_data("D")
    X = df[["unique_id", "ds"]].assign(flat=1.0)
    with pytest.warns(DataWarning, match="flat"):
        f = SARIMA().fit(df, X)
    assert all(cols == ["flat"] for cols in f.dropped_regressors_.values())
    grid = f.future_ds(7).assign(flat=1.0)
    assert len(f.predict(7, X_future=grid)) == 14


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"transform": "sqrt"}, "transform"),
        ({"order": (1, 0)}, "order"),
        ({"season_length": 336}, "season_length"),
        ({"k_weeks_profile": 0}, "k_weeks_profile"),
        ({"intervals": "wide"}, "intervals"),
    ],
)
def test_bad_parameters_raise_config_error(params, word):
    with pytest.raises(ConfigError, match=word):
        SARIMA(**params).fit(example_data("D"))


# ---------------------------------------------------------------------------
# intraday profiles
# ---------------------------------------------------------------------------


def test_profiles_sum_to_one_per_weekday_and_dispersion_is_poisson_like(bank_30min):
    profiles = _intraday.weekday_profiles(bank_30min, k_weeks=8)
    sums = profiles.groupby("weekday")["share"].sum()
    assert sorted(sums.index) == [0, 1, 2, 3, 4]  # weekdays only
    np.testing.assert_allclose(sums, 1.0)
    # call counts are overdispersed but not wildly: between Poisson and 5x Poisson
    phi = _intraday.count_dispersion(bank_30min, profiles, k_weeks=8)
    assert 1.0 <= phi <= 5.0


@pytest.fixture(scope="module")
def anon_hourly():
    """Anonymous Bank, September 1999: offered calls per hour, 24/7 (Israeli week)."""
    from conftest import find_data_file

    import demandcast

    path = find_data_file("anonymous_bank_calls_1999-09.tsv")
    if path is None:
        pytest.skip("anonymous_bank_calls_1999-09.tsv not found in tests/data or ../shared/data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # PHANTOM records left out
        df = demandcast.load_phone(path, freq="h", tz="Asia/Jerusalem")
    return df[["unique_id", "ds", "y"]]


def test_day_types_pool_the_israeli_work_week_and_keep_friday_and_saturday(anon_hourly):
    train = anon_hourly[anon_hourly["ds"] < pd.Timestamp("1999-09-25", tz="Asia/Jerusalem")]
    own = _intraday.weekday_profiles(train, k_weeks=8)
    phi = _intraday.count_dispersion(train, own, k_weeks=8)
    pooled = _intraday.pool_day_types(own, dispersion=phi)
    table = pooled.pivot(index="slot", columns="weekday", values="share")
    np.testing.assert_allclose(table.sum(), 1.0)
    # Sunday (6) to Thursday (3) share one shape; Friday (4) and Saturday (5) keep theirs
    for day in (0, 1, 2, 3):
        np.testing.assert_allclose(table[day], table[6])
    own_table = own.pivot(index="slot", columns="weekday", values="share")
    pd.testing.assert_frame_equal(table[[4, 5]], own_table[[4, 5]])
    assert _intraday.pool_day_types(own, dispersion=phi, alpha=None) is own


def test_day_types_leave_distinct_weekdays_of_a_long_history_apart(bank_30min):
    # eight weeks of ~250,000 calls per weekday tell Monday from Friday
    own = _intraday.weekday_profiles(bank_30min, k_weeks=8)
    phi = _intraday.count_dispersion(bank_30min, own, k_weeks=8)
    pooled = _intraday.pool_day_types(own, dispersion=phi)
    table = pooled.pivot(index="slot", columns="weekday", values="share")
    assert not np.allclose(table[0], table[4])
    dist = _intraday.profile_distances(own)
    assert dist.loc[0, 4] > dist.loc[1, 2]


def test_day_types_cut_the_profile_error_on_the_anonymous_bank(anon_hourly):
    # the actual daily totals of the last 10 days spread with the profiles of the days
    # before: the error left is the profile's (plus count noise)
    df = anon_hourly
    day = df["ds"].dt.tz_localize(None).dt.normalize()
    errors = {True: 0.0, False: 0.0}
    for d in sorted(day.unique())[-10:]:
        train, test = df[day < d], df[day == d]
        own = _intraday.weekday_profiles(train, 8)
        phi = _intraday.count_dispersion(train, own, 8)
        for pool in errors:
            prof = _intraday.pool_day_types(own, dispersion=phi) if pool else own
            total = pd.DataFrame({"date": [d], "mean": [test["y"].sum()]})
            fc = _intraday.spread(total, prof, test["ds"])["mean"].to_numpy()
            errors[pool] += np.abs(fc - test["y"].to_numpy()).sum()
    assert errors[True] < 0.92 * errors[False]


def test_day_type_alpha_is_checked():
    with pytest.raises(ConfigError, match="day_type_alpha"):
        SARIMA(day_type_alpha=2.0).fit(example_data("D"))


# ---------------------------------------------------------------------------
# past regressors: social-media mentions lagged by past_lag
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_social(sim_daily):
    """Daily phone of one location with closed days flagged, mailing + mentions on all days."""
    from demandcast.frame import regularise

    sim, df, X = sim_daily
    df = regularise(df, freq="D", is_open=sim.opening_hours["phone"].is_open)
    mentions = sim.regressors("D")[["ds", "social_mentions"]]
    X = X.merge(mentions, on="ds", how="left")
    X["social_mentions"] /= 100.0
    return df, X


ROLES = {"mailing_letters_decay": "future", "social_mentions": "past"}


def test_past_regressor_enters_lagged_and_horizon_is_bounded(sim_social):
    df, X = sim_social
    cut = pd.Timestamp("2024-03-24", tz=TZ)  # a Sunday: Monday is one day ahead
    f = SARIMA(past_lag=2).fit(df[df["ds"] <= cut], X[X["ds"] <= cut], roles=ROLES)
    state = f.states_["centrum/phone"]
    assert f.past_lag_ == 2
    assert state.exog_cols == ["mailing_letters_decay", "social_mentions_lag2"]
    # the model column is the mention count two days earlier, closed days included
    exog = pd.DataFrame(
        np.asarray(f.results_["centrum/phone"].model.exog),
        columns=state.exog_cols,
        index=pd.date_range("2023-01-02", cut.tz_localize(None), freq="D"),
    )
    seen = X.set_index(X["ds"].dt.tz_localize(None).dt.normalize())["social_mentions"]
    np.testing.assert_allclose(
        exog["social_mentions_lag2"].iloc[2:], seen.shift(2).loc[exog.index[2:]]
    )
    assert exog.index[-1].day_of_week == 6 and exog["social_mentions_lag2"].iloc[-1] > 0

    future = X[X["ds"] > cut]
    assert len(f.predict(2, X_future=future[["ds", "mailing_letters_decay"]])) == 2
    with pytest.raises(UnsupportedRegressorError, match=r"past_lag=2 .*refit with past_lag >= 3"):
        f.predict(3, X_future=future[["ds", "mailing_letters_decay"]])
    with pytest.raises(InvalidFrameError, match="social_mentions"):
        f.predict(1, X_future=future)  # past values are never taken from X_future


def test_past_values_after_the_cutoff_are_never_read(sim_social):
    df, X = sim_social
    cut = pd.Timestamp("2024-03-10", tz=TZ)
    train = df[df["ds"] <= cut]
    later = X.copy()
    later.loc[later["ds"] > cut, "social_mentions"] = 1e6  # a leak would show at once
    future = X.loc[X["ds"] > cut, ["ds", "mailing_letters_decay"]]
    a = SARIMA(past_lag=1).fit(train, X[X["ds"] <= cut], roles=ROLES).predict(1, future)
    b = SARIMA(past_lag=1).fit(train, later, roles=ROLES).predict(1, future, level=None)
    pd.testing.assert_frame_equal(a, b)


def test_sunday_mentions_drive_the_monday_forecast(sim_social):
    df, X = sim_social
    cut = pd.Timestamp("2024-03-24", tz=TZ)  # Sunday, a closed day
    train = df[df["ds"] <= cut]
    future = X.loc[X["ds"] > cut, ["ds", "mailing_letters_decay"]]
    spike = X.copy()
    spike.loc[spike["ds"] == cut, "social_mentions"] += 20.0  # 2,000 extra mentions
    base = SARIMA(past_lag=1).fit(train, X[X["ds"] <= cut], roles=ROLES)
    beta = base.results_["centrum/phone"].params[1]
    assert beta > 0  # mentions bring calls in the simulation
    fc = base.predict(1, future)
    hot = SARIMA(past_lag=1).fit(train, spike[spike["ds"] <= cut], roles=ROLES).predict(1, future)
    # refitting moves the coefficients a little; the jump comes from the Sunday value
    assert hot["sarima"].iloc[0] - fc["sarima"].iloc[0] > 0.5 * 20.0 * beta


def test_update_extends_the_past_signal(sim_social):
    df, X = sim_social
    cut, new_cut = pd.Timestamp("2024-03-10", tz=TZ), pd.Timestamp("2024-03-24", tz=TZ)
    f = SARIMA(past_lag=1).fit(df[df["ds"] <= cut], X[X["ds"] <= cut], roles=ROLES)
    params = f.results_["centrum/phone"].params.copy()
    new = df[(df["ds"] > cut) & (df["ds"] <= new_cut)]
    f.update(new, X[(X["ds"] > cut) & (X["ds"] <= new_cut)])
    res = f.results_["centrum/phone"]
    np.testing.assert_array_equal(res.params, params)
    lagged = np.asarray(res.model.exog)[-14:, 1]
    observed = X.loc[(X["ds"] >= cut) & (X["ds"] < new_cut), "social_mentions"].to_numpy()
    np.testing.assert_allclose(lagged, observed)
    future = X.loc[X["ds"] > new_cut, ["ds", "mailing_letters_decay"]]
    sunday = X.loc[X["ds"] == new_cut, "social_mentions"].iloc[0]
    expect = res.get_forecast(1, exog=[[future["mailing_letters_decay"].iloc[0], sunday]])
    got = f.predict(1, future)
    np.testing.assert_allclose(got["sarima"], np.asarray(expect.predicted_mean), rtol=1e-8)
    with pytest.raises(InvalidFrameError, match="X_new"):
        f.update(df[df["ds"] > new_cut].head(3))


def test_past_lag_configuration(caplog):
    df = example_data("D")
    X = df[["unique_id", "ds"]].assign(m=np.arange(len(df), dtype=float) % 7)
    with pytest.raises(ConfigError, match="past_lag"):
        SARIMA(past_lag=0).fit(df, X, roles={"m": "past"})
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        f = SARIMA().fit(df, X, roles={"m": "past"})
    assert "set past_lag" in caplog.text
    assert f.past_lag_ == 28
    assert len(f.predict(14)) == 28
    assert SARIMA().fit(df).past_lag_ is None


def test_intraday_past_signal_is_averaged_per_day_and_lagged_in_days():
    df = example_data("30min")
    rng = np.random.default_rng(3)
    days = df["ds"].dt.tz_localize(None).dt.normalize()
    per_day = pd.Series(rng.poisson(30, days.nunique()).astype(float), index=days.unique())
    X = df[["unique_id", "ds"]].assign(m=per_day.reindex(days).to_numpy())
    f = SARIMA(past_lag=1).fit(df, X, roles={"m": "past"})
    uid = f.series_[0]
    state = f.states_[uid]
    exog = np.asarray(f.results_[uid].model.exog)[:, 0]
    grid = pd.date_range(days.min(), state.last, freq="D")
    expect = per_day.reindex(grid).shift(1)
    seen = expect.notna().to_numpy()
    np.testing.assert_allclose(exog[seen], expect[seen])
    fc = f.predict(48)  # the rest of the last day and the next one: 1 day ahead
    assert np.isfinite(fc["sarima"]).all()
    with pytest.raises(UnsupportedRegressorError, match="day"):
        f.predict(48 * 4)


@pytest.mark.slow  # about 35 s: two years simulated, 21 cutoffs x 2 models x 3 series
def test_mailing_and_social_regressors_cut_wape_after_events_at_one_day():
    """Issue: mailing (future) + social mentions (past, lag 1 day) vs no regressors.

    Parameters are estimated on 2023 and kept fixed (``update``) through 2024; the
    target days are the next three open days after each 2024 event, forecast one day
    ahead from the evening before. Measured on seed 0: mailing days WAPE 31.3 % ->
    11.5 %, spike days 11.2 % -> 10.0 % (-11 %, short of 20 %: most 2024 spikes fall on
    a weekend, when phones are closed), all event days 18.6 % -> 10.5 % (-43 %).
    """
    from demandcast.datasets import simulate_municipality
    from demandcast.frame import local_range, regularise
    from demandcast.signals import events_to_regressors

    sim = simulate_municipality(seed=0, start="2023-01-02", end="2024-12-31", freq="D")
    calls = sim.phone_calls  # counted directly: the loader has its own tests and costs 20 s
    day = pd.to_datetime(calls["call_start"]).dt.normalize().dt.tz_localize(TZ)
    df = (
        calls.groupby([calls["location"].astype(str) + "/phone", day])
        .size()
        .rename("y")
        .rename_axis(["unique_id", "ds"])
        .reset_index()
    )
    df["y"] = df["y"].astype(float)
    df = regularise(df, freq="D", is_open=sim.opening_hours["phone"].is_open)
    grid = local_range("2023-01-02", "2024-12-31", "D", tz=TZ)
    arrival = sim.mailings.assign(date=pd.to_datetime(sim.mailings["date"]) + pd.Timedelta(days=1))
    X = events_to_regressors(arrival, grid, decay_days=2.0)[["ds", "mailing_letters_decay"]]
    X["mailing_letters_decay"] /= 1000.0
    X["social_mentions"] = sim.regressors("D")["social_mentions"].to_numpy() / 100.0

    events = sim.events[sim.events["start"].dt.year == 2024]
    assert set(events["kind"]) == {"mailing", "social_spike"}
    open_days = np.sort(df.loc[df["is_open"], "ds"].unique())
    targets: dict[pd.Timestamp, set[str]] = {}
    for start, kind in zip(events["start"], events["kind"], strict=True):
        for d in [d for d in open_days if d > start.normalize()][:3]:
            targets.setdefault(pd.Timestamp(d), set()).add(kind)

    cut0 = pd.Timestamp("2023-12-31", tz=TZ)
    scored = {}
    for use in (False, True):
        f = SARIMA(past_lag=1)
        if use:
            f.fit(df[df["ds"] <= cut0], X[X["ds"] <= cut0], roles=ROLES)
        else:
            f.fit(df[df["ds"] <= cut0])
        prev, rows = cut0, []
        for d in sorted(targets):
            cut = d - pd.Timedelta(days=1)
            if cut > prev:
                new = df[(df["ds"] > prev) & (df["ds"] <= cut)]
                f.update(new, X[(X["ds"] > prev) & (X["ds"] <= cut)] if use else None)
                prev = cut
            future = X.loc[X["ds"] == d, ["ds", "mailing_letters_decay"]] if use else None
            fc = f.predict(1, X_future=future).merge(df, on=["unique_id", "ds"])
            rows.append(fc.assign(kinds=",".join(sorted(targets[d]))))
        scored[use] = pd.concat(rows, ignore_index=True)

    def wape(frame, kind=""):
        part = frame[frame["kinds"].str.contains(kind)]
        return _wape(part["y"].to_numpy(), part["sarima"].to_numpy())

    assert len(scored[True]) == 3 * len(targets) >= 3 * 15
    assert wape(scored[True]) <= 0.8 * wape(scored[False])  # the 20 %
    assert wape(scored[True], "mailing") <= 0.8 * wape(scored[False], "mailing")
    # social spikes alone: a gain, below 20 % on this seed (see the docstring)
    assert wape(scored[True], "social") < wape(scored[False], "social")


# ---------------------------------------------------------------------------
# update filters only the new steps: the same forecasts as append(refit=False)
# ---------------------------------------------------------------------------


def _append_reference(f: SARIMA) -> SARIMA:
    """A copy of ``f`` whose series re-filter all data with statsmodels' ``append``."""
    import copy
    import dataclasses

    from demandcast.forecasters._state_space import Filtered

    ref = copy.copy(f)
    ref.states_ = {}
    for uid, state in f.states_.items():
        filtered = state.filtered
        endog = np.concatenate([c[0] for c in filtered.chunks])
        exog = None if filtered.chunks[0][1] is None else np.vstack([c[1] for c in filtered.chunks])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            appended = filtered.fitted.append(endog, exog=exog, refit=False)
        assert appended.nobs == filtered.nobs
        np.testing.assert_allclose(filtered.scale, appended.scale, rtol=1e-10)
        ref.states_[uid] = dataclasses.replace(state, filtered=Filtered(appended))
    return ref


def _assert_same_forecasts(got: pd.DataFrame, expect: pd.DataFrame, alias: str) -> None:
    pd.testing.assert_frame_equal(got[["unique_id", "ds"]], expect[["unique_id", "ds"]])
    np.testing.assert_allclose(got[alias], expect[alias], rtol=1e-8, atol=1e-9)
    bounds = [c for c in got.columns if c.startswith(f"{alias}-")]
    assert bounds
    np.testing.assert_allclose(got[bounds], expect[bounds], rtol=1e-6, atol=1e-9)


def test_updates_equal_append_with_closures_regressors_and_a_time_trend(sim_social):
    """Three successive updates, the second a closed fortnight (no observation)."""
    df, X = sim_social
    cut0 = pd.Timestamp("2024-02-04", tz=TZ)
    f = SARIMA(trend="ct", past_lag=14)
    f.fit(df[df["ds"] <= cut0], X[X["ds"] <= cut0], roles=ROLES)
    uid = "centrum/phone"
    assert f.states_[uid].exog_cols == ["mailing_letters_decay", "social_mentions_lag14"]
    prev = cut0
    for k in (1, 2, 3):
        cut = prev + pd.Timedelta(days=14)
        new = df[(df["ds"] > prev) & (df["ds"] <= cut)]
        if k == 2:
            new = new.assign(is_open=False, y=0.0)
        f.update(new, X[(X["ds"] > prev) & (X["ds"] <= cut)])
        prev = cut
        filtered = f.states_[uid].filtered
        assert len(filtered.chunks) == k
        endog = filtered.chunks[-1][0]
        assert np.isnan(endog).all() if k == 2 else np.isfinite(endog).sum() >= 8
        future = X.loc[X["ds"] > cut, ["ds", "mailing_letters_decay"]].head(14)
        got = f.predict(14, X_future=future, level=(80, 95))
        assert filtered.anchor == filtered.nobs - 14  # only the new days are filtered
        expect = _append_reference(f).predict(14, X_future=future, level=(80, 95))
        _assert_same_forecasts(got, expect, "sarima")
        assert (got.loc[got["ds"].dt.day_of_week < 5, "sarima"] > 0).all()


def test_intraday_updates_equal_append_with_profiles_recomputed():
    from demandcast.datasets import simulate_municipality

    sim = simulate_municipality(
        seed=1,
        start="2023-10-02",
        end="2024-03-31",
        freq="30min",
        locations=("centrum",),
        scale=0.5,
    )
    df = sim.frame("desk", freq="30min")[["unique_id", "ds", "y", "is_open"]]
    cut0 = pd.Timestamp("2024-02-26", tz=TZ)  # a Monday: updates add whole days
    f = SARIMA(transform="log1p").fit(df[df["ds"] < cut0])
    state = f.states_["centrum/desk"]
    prev = cut0
    for k in (1, 2, 3):
        cut = prev + pd.Timedelta(days=7)
        f.update(df[(df["ds"] >= prev) & (df["ds"] < cut)])
        prev = cut
        got = f.predict(48 * 7, level=(80,))
        expect = _append_reference(f).predict(48 * 7, level=(80,))
        _assert_same_forecasts(got, expect, "sarima")
        assert got["sarima"].sum() > 0
        filtered = f.states_["centrum/desk"].filtered
        assert len(filtered.chunks) == k and filtered.anchor == filtered.nobs - 7
    assert filtered.nobs == state.filtered.nobs + 21
    assert not f.states_["centrum/desk"].profiles.equals(state.profiles)


def test_filtered_chains_updates_without_forecasts_and_leaves_parents_unchanged(sim_daily):
    """Updates stack up unfiltered until a forecast; an updated object never changes."""
    _, df, _ = sim_daily
    cut = pd.Timestamp("2024-03-10", tz=TZ)
    f = SARIMA(trend="t").fit(df[df["ds"] <= cut])
    fitted = f.states_["centrum/phone"].filtered
    n = fitted.nobs
    grid = pd.date_range("2024-03-11", periods=42, freq="D", tz=TZ)
    y = df.set_index("ds")["y"].reindex(grid).to_numpy()  # NaN on closed days
    assert np.isnan(y).sum() >= 12
    one = fitted.extend(y[:14])
    three = one.extend(y[14:28]).extend(y[28:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = fitted.fitted.append(y, refit=False)
        ref1 = fitted.fitted.append(y[:14], refit=False).get_forecast(14)
    for obj, start, end, ref in [
        (three, n + 42, n + 55, full.get_forecast(14)),
        (one, n + 14, n + 27, ref1),  # the parent of later updates, forecast after them
        (three, n + 30, n + 44, full.get_prediction(n + 30, n + 44)),  # in-sample steps
    ]:
        mean, var = obj.predict(start, end)
        np.testing.assert_allclose(mean, ref.predicted_mean, rtol=1e-8)
        np.testing.assert_allclose(var, ref.var_pred_mean, rtol=1e-6)
    assert three.anchor == one.anchor == n  # all 42 days filtered in one forecast
    np.testing.assert_allclose(three.scale, full.scale, rtol=1e-10)
    assert fitted.nobs == n and not fitted.chunks


# ---------------------------------------------------------------------------
# calibrated intervals
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_three_channels():
    from demandcast.datasets import simulate_municipality

    sim = simulate_municipality(
        seed=3, start="2022-01-03", end="2024-06-30", freq="D", locations=("centrum",), scale=0.3
    )
    return sim.frame(freq="D")[["unique_id", "ds", "y"]]


def test_horizon_errors_are_the_fitted_models_own_forecasts_from_each_origin(sim_three_channels):
    from demandcast.forecasters._state_space import horizon_errors

    df = sim_three_channels[sim_three_channels["unique_id"] == "centrum/desk"]
    res = SARIMA().fit(df).states_["centrum/desk"].filtered.fitted
    endog = np.asarray(res.model.endog, dtype="float64").reshape(-1)  # closed days NaN
    assert np.isnan(endog).sum() > 100

    errors = horizon_errors(res, 10, origins=60)

    n = len(endog)
    assert errors.shape == (10, 60)
    for j in (0, 17, 45, 59):  # origin t: data up to and including t
        t = n - 61 + j
        model = res.model.clone(endog[: t + 1])
        with model.ssm.fixed_scale(res.scale):
            filtered = model.filter(res.params)
        ref = filtered.get_forecast(10)
        mean = np.asarray(ref.predicted_mean)
        sd = np.sqrt(np.asarray(ref.var_pred_mean))
        for h in range(1, 11):
            y = endog[t + h] if t + h < n else np.nan
            expect = abs(y - mean[h - 1]) / sd[h - 1]
            if np.isfinite(expect):
                assert errors[h - 1, j] == pytest.approx(expect, rel=1e-4)
            else:  # a closed day or past the fit
                assert np.isnan(errors[h - 1, j])


def test_calibrated_intervals_score_better_than_normal_ones(sim_three_channels):
    """Backtest on simulated desk, phone and web: the web series' heavy tails made the
    normal 80 % intervals cover 97 %; calibrated ones are narrower and score better."""
    res = backtest(
        [SARIMA(alias="normal", intervals="normal"), SARIMA(alias="calibrated")],
        sim_three_channels,
        h=28,
        n_windows=4,
        step=28,
        level=(80, 95),
    )
    m = res.metrics().set_index("model")
    normal, calibrated = m.loc["normal"], m.loc["calibrated"]
    assert calibrated["wape"] == normal["wape"]  # the same points
    assert calibrated["interval_score_80"] < 0.9 * normal["interval_score_80"]
    assert calibrated["interval_score_95"] < 0.9 * normal["interval_score_95"]
    assert abs(calibrated["coverage_80"] - 0.8) < abs(normal["coverage_80"] - 0.8)
    web = res.metrics(by=("model", "unique_id")).set_index(["model", "unique_id"])
    assert web.loc[("normal", "website/web"), "coverage_80"] > 0.95
    assert 0.7 <= web.loc[("calibrated", "website/web"), "coverage_80"] <= 0.9


def test_calibrated_forecasts_do_not_depend_on_earlier_ones(sim_three_channels):
    df = sim_three_channels
    fresh = SARIMA().fit(df).predict(20, level=(80, 95))
    f = SARIMA().fit(df)
    f.predict(40, level=(80, 95))  # calibrates horizons up to 56 first
    pd.testing.assert_frame_equal(f.predict(20, level=(80, 95)), fresh)
    normal = SARIMA(intervals="normal").fit(df).predict(20, level=(80, 95))
    pd.testing.assert_frame_equal(fresh[["unique_id", "ds", "sarima"]], normal.iloc[:, :3])
    assert not np.allclose(fresh["sarima-hi-80"], normal["sarima-hi-80"])


def test_short_histories_keep_the_normal_intervals(sim_three_channels):
    def both(df):
        calibrated = SARIMA().fit(df).predict(14, level=(80,))
        normal = SARIMA(intervals="normal").fit(df).predict(14, level=(80,))
        return calibrated, normal

    five_weeks = sim_three_channels.groupby("unique_id").head(25)  # < 30 forecast origins
    pd.testing.assert_frame_equal(*both(five_weeks))
    calibrated, normal = both(sim_three_channels.groupby("unique_id").head(120))
    assert not np.allclose(calibrated["sarima-hi-80"], normal["sarima-hi-80"])


def test_horizon_errors_follow_time_varying_intercepts_of_trend_and_regressors():
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    from demandcast.forecasters._state_space import horizon_errors

    rng = np.random.default_rng(5)
    n = 300
    mailing = (rng.random(n) < 0.1).astype(float)
    y = 40 + 0.05 * np.arange(n) + 15 * mailing + rng.normal(0, 3, n)
    y[rng.random(n) < 0.05] = np.nan  # closed days
    model = SARIMAX(
        y,
        exog=mailing,
        order=(1, 0, 1),
        seasonal_order=(0, 1, 1, 7),
        trend="ct",
        concentrate_scale=True,
    )
    res = model.fit(disp=False)

    errors = horizon_errors(res, 7, origins=40)

    for j in (0, 20, 39):
        t = n - 41 + j
        clone = res.model.clone(y[: t + 1], exog=mailing[: t + 1])
        with clone.ssm.fixed_scale(res.scale):
            filtered = clone.filter(res.params)
        ahead = min(7, n - 1 - t)
        ref = filtered.get_forecast(ahead, exog=mailing[t + 1 : t + 1 + ahead])
        mean, var = np.asarray(ref.predicted_mean), np.asarray(ref.var_pred_mean)
        for h in range(1, ahead + 1):
            expect = abs(y[t + h] - mean[h - 1]) / np.sqrt(var[h - 1])
            if np.isfinite(expect):
                assert errors[h - 1, j] == pytest.approx(expect, rel=1e-4)
            else:
                assert np.isnan(errors[h - 1, j])
