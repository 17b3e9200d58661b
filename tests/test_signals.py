"""External signals: roles, past-signal lags, spikes, lead/lag and event templates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandcast.exceptions import ConfigError, InvalidFrameError, UnsupportedRegressorError
from demandcast.signals import (
    detect_spikes,
    events_to_regressors,
    lag_past_regressors,
    lead_lag,
    mailing,
    past_regressors_ahead,
    scenario,
    validate_roles,
)

TZ = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def sim():
    from demandcast.datasets import simulate_municipality

    return simulate_municipality(seed=3, start="2024-01-01", end="2024-12-31", freq="h")


def test_roles_default_future_and_reject_unknown():
    assert validate_roles(None, ["ds", "unique_id", "a"]) == {"a": "future"}
    with pytest.raises(ConfigError, match="unknown role"):
        validate_roles({"a": "later"}, ["ds", "a"])
    with pytest.raises(ConfigError, match="no regressor column"):
        validate_roles({"b": "past"}, ["ds", "a"])


def test_lag_uses_calendar_days_across_dst():
    ds = pd.date_range("2024-03-28", periods=6, freq="D", tz=TZ)  # spans 31 March
    X = pd.DataFrame({"ds": ds, "m": np.arange(6.0)})
    out = lag_past_regressors(X, {"m": "past"}, lag=1)
    assert out["m_lag1"].tolist()[1:] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert (out["ds"].dt.hour == 0).all()


def test_lag_per_series_and_gaps_count_time():
    ds = pd.date_range("2024-05-01", periods=5, freq="D", tz=TZ)
    X = pd.concat(
        [
            pd.DataFrame({"unique_id": "a", "ds": ds.delete(2), "m": [1.0, 2, 4, 5]}),
            pd.DataFrame({"unique_id": "b", "ds": ds, "m": [10.0, 20, 30, 40, 50]}),
        ]
    )
    out = lag_past_regressors(X, {"m": "past"}, lag=1).set_index(["unique_id", "ds"])
    # a's 4 May row looks back to 3 May, which is missing: NaN, not the 2 May value
    assert np.isnan(out.loc[("a", ds[3]), "m_lag1"])
    assert out.loc[("b", ds[3]), "m_lag1"] == 30.0


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(0, 1e4), min_size=12, max_size=40),
    lag=st.integers(1, 5),
    cut=st.integers(6, 11),
    noise=st.floats(1, 1e5),
)
def test_lagged_features_never_see_after_t_minus_lag(values, lag, cut, noise):
    ds = pd.date_range("2024-01-01", periods=len(values), freq="h", tz=TZ)
    X = pd.DataFrame({"ds": ds, "m": values})
    changed = X.copy()
    changed.loc[cut:, "m"] = changed.loc[cut:, "m"] + noise  # values from row `cut` on differ
    a = lag_past_regressors(X, {"m": "past"}, lag=lag, windows=(3,))
    b = lag_past_regressors(changed, {"m": "past"}, lag=lag, windows=(3,))
    upto = cut + lag  # rows before this only use values before `cut`
    pd.testing.assert_frame_equal(a.iloc[:upto], b.iloc[:upto])


def test_past_regressors_ahead_refuses_unknown_future(sim):
    X = sim.regressors("D")[["ds", "social_mentions"]]
    hist = X[X["ds"] < pd.Timestamp("2024-06-01", tz=TZ)]
    fut = pd.date_range("2024-06-01", periods=3, freq="D", tz=TZ)
    ok = past_regressors_ahead(hist, {"social_mentions": "past"}, lag=3, future_ds=fut)
    expected = hist["social_mentions"].iloc[-3:].to_numpy()
    np.testing.assert_array_equal(ok["social_mentions_lag3"].to_numpy(), expected)
    with pytest.raises(UnsupportedRegressorError, match="known only until"):
        past_regressors_ahead(hist, {"social_mentions": "past"}, lag=2, future_ds=fut)


def test_detect_spikes_precision_recall_on_seasonal_signal():
    rng = np.random.default_rng(1)
    n = 24 * 7 * 20
    ds = pd.date_range("2024-01-01", periods=n, freq="h", tz=TZ)
    base = 20 + 10 * np.sin(2 * np.pi * np.arange(n) / 24)
    x = rng.poisson(base).astype(float)
    spike_at = rng.choice(np.arange(200, n), size=15, replace=False)
    x[spike_at] += 120
    flags = detect_spikes(pd.Series(x, index=ds), window=48)["is_spike"].to_numpy()
    found = flags[spike_at].mean()
    false = flags[np.setdiff1d(np.arange(200, n), spike_at)].mean()
    assert found == 1.0
    assert false < 0.01


def test_detect_spikes_on_simulated_social_finds_the_events(sim):
    social = sim.social.rename(columns={"timestamp": "ds"})
    flags = detect_spikes(social, window=72, threshold=6)
    spikes = sim.events[sim.events["kind"].str.contains("social")]
    assert len(spikes) > 0
    flagged = social.loc[flags["is_spike"].to_numpy(), "ds"]
    hits = sum(
        ((flagged >= s) & (flagged <= s + pd.Timedelta(hours=6))).any()
        for s in pd.to_datetime(spikes["start"])
    )
    assert hits / len(spikes) >= 0.8
    assert flags["is_spike"].mean() < 0.02


def test_lead_lag_recovers_known_lead():
    rng = np.random.default_rng(7)
    n = 24 * 7 * 8
    ds = pd.date_range("2024-02-01", periods=n, freq="h", tz=TZ)
    season = 50 + 30 * np.sin(2 * np.pi * np.arange(n) / 24)
    signal = pd.Series(rng.gamma(2.0, 5.0, n), index=ds)
    demand = pd.Series(season, index=ds) + 0.5 * signal.shift(3).fillna(10) + rng.normal(0, 1, n)
    res = lead_lag(signal, demand, max_lag=12)
    assert res.best_lag == 3
    assert res.correlations.loc[3] > 0.5


def test_lead_lag_social_leads_simulated_phone(sim):
    phone = sim.truth[sim.truth["unique_id"].str.endswith("/phone")]
    demand = phone.groupby("ds")["y"].sum()
    mentions = sim.social.set_index("timestamp")["mentions"]
    res = lead_lag(mentions, demand, max_lag=24)
    assert 1 <= res.best_lag <= 24
    assert res.correlations.loc[res.best_lag] > res.correlations.loc[0]


def test_mailing_template_totals_and_columns():
    m = mailing("2026-02-26", 45000, response_rate=0.11, decay_days=1.0, horizon_days=14)
    assert set(m.columns) == {
        "ds",
        "mailing_letters",
        "mailing_letters_decay",
        "mailing_expected_contacts",
    }
    assert m["mailing_letters"].sum() == 45000
    assert m["mailing_expected_contacts"].sum() == pytest.approx(4950, rel=1e-4)
    # half-hourly grid spreads the same response
    half = mailing("2026-02-26", 45000, decay_days=1.0, freq="30min", horizon_days=14)
    assert half["mailing_expected_contacts"].sum() == pytest.approx(4950, rel=1e-3)
    with pytest.raises(ConfigError):
        mailing("2026-02-26", 45000, response_rate=2.0)


def test_events_to_regressors_on_simulated_mailings(sim):
    grid = pd.date_range("2024-01-01", "2024-12-31", freq="D", tz=TZ)
    reg = events_to_regressors(sim.mailings, grid, decay_days=1.5)
    sent = reg.loc[reg["mailing_letters"] > 0, "ds"].dt.date.tolist()
    assert sent == [d.date() for d in pd.to_datetime(sim.mailings["date"])]
    first = sim.mailings.iloc[0]
    day_after = reg.set_index(reg["ds"].dt.date).loc[
        (pd.Timestamp(first["date"]) + pd.Timedelta(days=1)).date(), "mailing_letters_decay"
    ]
    assert day_after == pytest.approx(first["letters"] * np.exp(-1 / 1.5))
    with pytest.raises(InvalidFrameError, match="letters"):
        events_to_regressors(sim.mailings.drop(columns="letters"), grid)


def test_scenario_adds_a_planned_mailing():
    grid = pd.date_range("2026-02-20", periods=10, freq="D", tz=TZ)
    base = events_to_regressors(pd.DataFrame({"date": ["2026-02-21"], "letters": [1000]}), grid)
    plan = events_to_regressors(pd.DataFrame({"date": ["2026-02-26"], "letters": [45000]}), grid)
    out = scenario(base, plan)
    assert out["mailing_letters"].sum() == 46000
    assert (out["mailing_letters_decay"] >= base["mailing_letters_decay"]).all()
    replaced = scenario(base, plan, how="replace")
    assert replaced["mailing_letters"].sum() == 45000
