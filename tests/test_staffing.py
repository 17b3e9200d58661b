"""Tests for demandcast.staffing: Erlang B/C/A, desk queues and required_staff."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.integrate import quad
from scipy.special import betainc

from demandcast.exceptions import ConfigError, InvalidFrameError
from demandcast.staffing import (
    agents_for_service_level,
    asa,
    average_speed_of_answer,
    desk_staff,
    erlang_a,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    occupancy,
    offered_load,
    required_staff,
    service_level,
)

TZ = "Europe/Amsterdam"


# --------------------------------------------------------------------------- Erlang B / C


@pytest.mark.parametrize(
    ("factor", "expected"), [(1.0, 0.82), (1.1, 0.68), (1.2, 0.49), (0.9, 0.91)]
)
def test_domain_worked_example(factor, expected):
    # DOMAIN.md: 66 calls per half hour, AHT 4 min, 12 agents, 20 s target
    load = offered_load(66 * factor, 240, 1800)
    assert service_level(12, load, 240, 20) == pytest.approx(expected, abs=0.01)


def test_offered_load_worked_example():
    assert offered_load(66, 240, 1800) == pytest.approx(8.8)
    assert offered_load([0, 33], 240, 1800).tolist() == pytest.approx([0.0, 4.4])


@pytest.mark.parametrize(
    ("n", "traffic"),
    # classic Erlang B table, 1 % blocking: 10 trunks carry 4.46 E, 20 -> 12.03, 50 -> 37.90
    [(10, 4.46), (20, 12.03), (50, 37.90), (100, 84.06)],
)
def test_erlang_b_table_one_percent(n, traffic):
    assert erlang_b(n, traffic) == pytest.approx(0.01, abs=3e-4)


def test_erlang_b_textbook_values():
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=1e-5)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 2.0) == pytest.approx(0.4)  # (4/2) / (1 + 2 + 2)
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(4, 0.0) == 0.0


def test_erlang_c_textbook_values():
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # M/M/2: 2 rho^2 / (1 + rho)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert erlang_c(12, 10.0) == pytest.approx(0.4494, abs=1e-4)
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=1e-4)
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c(5, 7.5) == 1.0


def test_asa_and_occupancy_textbook_values():
    # M/M/1 with rho = 0.5: mean wait = rho / (mu - lam) = 0.5 * aht / 0.5 = aht
    assert average_speed_of_answer(1, 0.5, 240) == pytest.approx(240)
    assert asa is average_speed_of_answer
    assert average_speed_of_answer(3, 3.0, 240) == math.inf
    assert average_speed_of_answer(3, 0.0, 240) == 0.0
    assert occupancy(12, 8.8) == pytest.approx(8.8 / 12)
    assert occupancy(5, 7.0) == 1.0
    assert occupancy(0, 0.0) == 0.0


@pytest.mark.parametrize(("n", "a"), [(500, 480.0), (500, 499.5), (2000, 1900.0), (900, 20.0)])
def test_erlang_b_stable_for_many_agents(n, a):
    # independent check: B(n, a) = Poisson pmf(n; a) / Poisson cdf(n; a), in log space
    log_b = stats.poisson.logpmf(n, a) - stats.poisson.logcdf(n, a)
    b = erlang_b(n, a)
    assert np.isfinite(b)
    if log_b > -700:
        assert b == pytest.approx(math.exp(log_b), rel=1e-9)
    else:
        assert b < 1e-300
    c = erlang_c(n, a)
    assert 0.0 <= c <= 1.0 and c >= b
    sl = service_level(n, a, 240, 20)
    assert np.isfinite(sl) and 0.0 <= sl <= 1.0


def test_staffing_hundreds_of_agents_is_finite_and_sensible():
    n = agents_for_service_level(480.0, 240, target=(0.8, 20))
    # square-root staffing: n - a grows like sqrt(a), nowhere near 2a
    assert 480 < n < 480 + 3 * math.sqrt(480)
    assert service_level(n, 480.0, 240, 20) >= 0.8 > service_level(n - 1, 480.0, 240, 20)


def test_vectorised_matches_scalar():
    n = np.array([[8, 9, 10], [12, 20, 3]])
    a = np.array([[7.5, 7.5, 7.5], [8.8, 15.0, 2.5]])
    c = erlang_c(n, a)
    sl = service_level(n, a, 240, 25)
    assert c.shape == n.shape
    for idx in np.ndindex(n.shape):
        assert c[idx] == pytest.approx(erlang_c(int(n[idx]), float(a[idx])))
        assert sl[idx] == pytest.approx(service_level(int(n[idx]), float(a[idx]), 240, 25))


@pytest.mark.parametrize(
    ("func", "args", "name"),
    [
        (erlang_b, (-1, 2.0), "n"),
        (erlang_b, (2.5, 2.0), "n"),
        (erlang_c, (3, -1.0), "a"),
        (service_level, (3, 2.0, 0.0, 20), "aht"),
        (service_level, (3, 2.0, 240, -5), "target_seconds"),
        (offered_load, (-3, 240, 1800), "calls"),
        (offered_load, (3, 240, 0), "interval_seconds"),
    ],
)
def test_scalar_functions_reject_bad_input(func, args, name):
    with pytest.raises(ConfigError, match=name):
        func(*args)


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(min_value=0.05, max_value=150.0),
    aht=st.floats(min_value=20.0, max_value=900.0),
    t=st.floats(min_value=0.0, max_value=120.0),
)
def test_service_level_increases_with_agents(a, aht, t):
    n = np.arange(1, int(a) + 40)
    sl = service_level(n, a, aht, t)
    c = erlang_c(n, a)
    assert np.all((c >= 0) & (c <= 1))
    assert np.all(c >= erlang_b(n, a) - 1e-12)
    assert np.all(np.diff(sl) >= -1e-12)
    assert np.all(np.diff(c) <= 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    a=st.floats(min_value=0.1, max_value=200.0),
    fraction=st.floats(min_value=0.5, max_value=0.95),
    t=st.floats(min_value=5.0, max_value=60.0),
)
def test_agents_for_service_level_is_the_smallest(a, fraction, t):
    n = agents_for_service_level(a, 240, target=(fraction, t))
    assert n > a
    assert service_level(n, a, 240, t) >= fraction - 1e-12
    if n - 1 > a:
        assert service_level(n - 1, a, 240, t) < fraction


def test_agents_for_service_level_occupancy_cap_and_zero_load():
    assert agents_for_service_level(0.0, 240) == 0
    # 20 E at 80/20 needs 25 agents (occupancy 0.8); a 0.75 cap needs ceil(20 / 0.75) = 27
    assert agents_for_service_level(20.0, 240, target=(0.8, 20)) == 25
    assert agents_for_service_level(20.0, 240, target=(0.8, 20), max_occupancy=0.8) == 25
    n = agents_for_service_level(20.0, 240, target=(0.8, 20), max_occupancy=0.75)
    assert n == 27 and occupancy(n, 20.0) <= 0.75 < occupancy(n - 1, 20.0)
    out = agents_for_service_level([0.0, 8.8, 8.8], [240, 240, 240])
    assert out.tolist() == [0, 12, 12]


@pytest.mark.parametrize(
    "target", [(1.0, 20), (0.0, 20), (0.8, -1), (0.8,), 0.8, (0.8, float("nan"))]
)
def test_agents_for_service_level_rejects_bad_target(target):
    with pytest.raises(ConfigError, match="target"):
        agents_for_service_level(8.8, 240, target=target)


# --------------------------------------------------------------------------- Erlang A


def erlang_a_by_brute_force(n, lam, mu, theta, t, depth=150):
    """Truncated birth-death chain plus the order-statistic law of the virtual wait.

    An arrival that finds j callers queueing waits V = sum_{i<=j} Exp(n mu + i theta),
    which is the (j+1)-th death among n mu / theta + j Exp(theta) lifetimes, so
    P(V > s) = I_{exp(-theta s)}(n mu / theta, j + 1). Independent of the gamma formulas.
    """
    weights = [1.0]
    for k in range(1, n + depth + 1):
        weights.append(weights[-1] * lam / (k * mu if k <= n else n * mu + (k - n) * theta))
    pi = np.array(weights) / sum(weights)
    x = n * mu / theta
    p_wait, aband, wait_served, late = pi[n:].sum(), 0.0, 0.0, 0.0
    for j in range(depth):
        rates = n * mu + theta * np.arange(j + 1)
        laplace = np.prod(rates / (rates + theta))  # E[exp(-theta V)] = P(patience > V)
        aband += pi[n + j] * (1 - laplace)
        wait_served += pi[n + j] * laplace * np.sum(1 / (rates + theta))

        def tail(s, j=j):
            return betainc(x, j + 1, math.exp(-theta * s))

        integral = quad(lambda s, tail=tail: tail(s) * math.exp(-theta * s), t, np.inf)[0]
        late += pi[n + j] * (tail(t) * math.exp(-theta * t) - theta * integral)
    answered = 1 - aband
    sl = (1 - p_wait) + (p_wait - aband - late)
    return p_wait, sl, aband, wait_served / answered, lam / mu * answered / n


@pytest.mark.parametrize(
    ("n", "calls", "aht", "patience", "t"),
    [
        (12, 66, 240, 120, 20),  # the worked example with impatient callers
        (3, 360, 30, 5, 5),  # overloaded: load 6 E on 3 agents
    ],
)
def test_erlang_a_matches_brute_force(n, calls, aht, patience, t):
    got = erlang_a_metrics(n, calls, aht, patience, 1800, t)
    want = erlang_a_by_brute_force(n, calls / 1800, 1 / aht, 1 / patience, t)
    fields = (got.p_wait, got.service_level, got.abandonment, got.asa, got.occupancy)
    assert fields == pytest.approx(want, rel=1e-6)
    assert erlang_a is erlang_a_metrics


def test_erlang_a_monotonic_in_patience_and_converges_to_erlang_c():
    patience = [20, 60, 180, 600, 3600, 36000, 1e6]
    res = erlang_a_metrics(12, 66, 240, patience[0], 1800, 20)
    rows = [erlang_a_metrics(12, 66, 240, p, 1800, 20) for p in patience]
    p_wait = [r.p_wait for r in rows]
    aband = [r.abandonment for r in rows]
    waits = [r.asa for r in rows]
    sls = [r.service_level for r in rows]
    assert np.all(np.diff(p_wait) > 0)
    assert np.all(np.diff(aband) < 0)
    assert np.all(np.diff(waits) > 0)
    assert np.all(np.diff(sls) < 0)  # decreasing towards Erlang C for these patiences
    assert res.abandonment > 0.05  # 20 s patience: many hang up
    load = 8.8
    assert rows[-1].p_wait == pytest.approx(erlang_c(12, load), abs=1e-4)
    assert rows[-1].service_level == pytest.approx(service_level(12, load, 240, 20), abs=1e-4)
    assert rows[-1].asa == pytest.approx(average_speed_of_answer(12, load, 240), rel=1e-3)
    assert rows[-1].abandonment < 1e-4
    exact = erlang_a_metrics(12, 66, 240, np.inf, 1800, 20)
    assert exact.p_wait == pytest.approx(erlang_c(12, load))
    assert exact.abandonment == 0.0


@pytest.mark.parametrize(("n", "load"), [(500, 480.0), (500, 520.0), (300, 10.0), (800, 790.0)])
def test_erlang_a_stable_for_hundreds_of_agents(n, load):
    for patience in (30, 180, 1e7):
        r = erlang_a_metrics(n, load * 1800 / 240, 240, patience, 1800, 20)
        values = np.array([r.p_wait, r.service_level, r.abandonment, r.occupancy])
        assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1))
        assert np.isfinite(r.asa) and r.asa >= 0


def test_erlang_a_overload_loses_the_excess():
    # 3 agents, 6 E offered: at least half of the calls must hang up
    r = erlang_a_metrics(3, 360, 30, 60, 1800, 20)
    assert r.abandonment >= 0.5
    assert r.occupancy == pytest.approx(6 * (1 - r.abandonment) / 3)
    assert r.occupancy > 0.95


@pytest.mark.parametrize("patience", [60, 180, 600])
def test_erlang_a_staffs_fewer_agents_than_erlang_c(patience):
    loads = np.array([2.0, 8.8, 25.0, 60.0, 150.0])
    n_c = agents_for_service_level(loads, 240, target=(0.8, 25))
    n_a = agents_for_service_level(loads, 240, target=(0.8, 25), patience=patience)
    assert np.all(n_a <= n_c)
    assert np.sum(n_a) < np.sum(n_c)
    for load, n in zip(loads, n_a, strict=True):
        r = erlang_a_metrics(n, load * 1800 / 240, 240, patience, 1800, 25)
        assert r.service_level >= 0.8
        assert (
            erlang_a_metrics(n - 1, load * 1800 / 240, 240, patience, 1800, 25).service_level < 0.8
        )


def test_erlang_a_abandonment_target():
    free = agents_for_service_level(8.8, 240, target=(0.5, 60), patience=120)
    capped = agents_for_service_level(
        8.8, 240, target=(0.5, 60), patience=120, max_abandonment=0.01
    )
    assert capped > free
    assert erlang_a_metrics(capped, 66, 240, 120, 1800, 60).abandonment <= 0.01
    with pytest.raises(ConfigError, match="patience"):
        agents_for_service_level(8.8, 240, max_abandonment=0.05)
    with pytest.raises(ConfigError, match="patience"):
        erlang_a_metrics(12, 66, 240, 0, 1800, 20)


# --------------------------------------------------------------------------- desks


def test_desk_staff_wait_target_in_minutes():
    # 40 walk-ins per hour, 12 minutes each: 8 E of work
    strict = desk_staff(40, 12, 60, max_wait_minutes=5)
    norm = desk_staff(40, 12, 60, max_wait_minutes=15)
    assert strict > norm > 8
    a = 8.0
    assert service_level(norm, a, 12, 15) >= 0.8 > service_level(norm - 1, a, 12, 15)
    day = desk_staff([0, 10, 40, 25], 12, 60)
    assert day.tolist()[0] == 0 and day[2] == norm
    assert desk_staff(40, 12, 60, target=0.95) > norm
    with pytest.raises(ConfigError, match="max_wait_minutes"):
        desk_staff(40, 12, 60, max_wait_minutes=-1)
    with pytest.raises(ConfigError, match="target"):
        desk_staff(40, 12, 60, target=80)


# --------------------------------------------------------------------------- required_staff


@pytest.fixture(scope="module")
def phone_forecast() -> pd.DataFrame:
    """One simulated Monday of half-hour phone forecasts, with Poisson 80/95 % bands."""
    from demandcast.datasets import simulate_municipality

    sim = simulate_municipality(seed=3, start="2024-03-04", end="2024-03-04")
    truth = sim.truth
    fc = truth[truth["unique_id"].str.endswith("/phone")].rename(columns={"y": "gbm"})
    fc = fc.reset_index(drop=True)
    mean = fc["gbm"].to_numpy()
    for level in (80, 95):
        hi = 0.5 + level / 200
        fc[f"gbm-lo-{level}"] = stats.poisson.ppf(1 - hi, mean).astype(float)
        fc[f"gbm-hi-{level}"] = stats.poisson.ppf(hi, mean).astype(float)
    return fc


def test_required_staff_on_a_simulated_day(phone_forecast):
    fc = phone_forecast
    out = required_staff(fc, aht=300)
    assert list(out.columns) == [
        "unique_id",
        "ds",
        "calls",
        "aht",
        "load",
        "agents",
        "gross_agents",
        "service_level",
        "asa",
        "occupancy",
    ]
    assert len(out) == len(fc) and (out["ds"] == fc["ds"]).all()
    assert out["load"].to_numpy() == pytest.approx(fc["gbm"].to_numpy() * 300 / 1800)
    open_ = out["calls"] > 0
    assert open_.sum() >= 3 * 16 and (~open_).sum() > 0  # office hours and a closed night
    assert (out.loc[~open_, ["agents", "gross_agents"]] == 0).all().all()
    busy = out[open_]
    assert (busy["service_level"] >= 0.8).all()
    assert (busy["occupancy"] <= 0.85 + 1e-12).all()
    assert (busy["agents"] > busy["load"]).all()
    assert (out["gross_agents"] == np.ceil(out["agents"] / 0.7 - 1e-9)).all()
    assert out.groupby("unique_id")["agents"].max().min() >= 5


def test_quantile_staffing_adds_agents_and_meets_more_realised_days(phone_forecast):
    mean = required_staff(phone_forecast, aht=300)
    upper = required_staff(phone_forecast, aht=300, quantile=0.9)
    assert upper["calls"].tolist() == phone_forecast["gbm-hi-80"].tolist()
    assert (upper["agents"] >= mean["agents"]).all()
    assert upper["agents"].sum() > mean["agents"].sum() * 1.05
    assert required_staff(phone_forecast, aht=300, quantile=0.975)["agents"].sum() > (
        upper["agents"].sum()
    )
    # realised calls are Poisson around the forecast mean: how often is the norm met?
    rng = np.random.default_rng(0)
    busy = mean["calls"].to_numpy() > 5
    lam = mean["calls"].to_numpy()[busy]
    realised = rng.poisson(lam, size=(200, lam.size)) * 300 / 1800
    hits = {}
    for name, plan in (("mean", mean), ("upper", upper)):
        n = plan["agents"].to_numpy()[busy]
        hits[name] = service_level(np.broadcast_to(n, realised.shape), realised, 300, 25) >= 0.8
    assert hits["upper"].mean() > hits["mean"].mean() + 0.05
    assert hits["upper"].mean() > 0.9


def test_required_staff_erlang_a_staffs_fewer(phone_forecast):
    c = required_staff(phone_forecast, aht=300)
    a = required_staff(phone_forecast, aht=300, model="erlang_a", patience=120)
    assert "abandonment" in a.columns and "abandonment" not in c.columns
    assert (a["agents"] <= c["agents"]).all() and a["agents"].sum() < c["agents"].sum()
    busy = a["calls"] > 0
    assert (a.loc[busy, "service_level"] >= 0.8).all()
    assert (a.loc[busy, "abandonment"] > 0).all()
    capped = required_staff(
        phone_forecast, aht=300, model="erlang_a", patience=120, max_abandonment=0.02
    )
    assert (capped.loc[busy, "abandonment"] <= 0.02).all()
    assert capped["agents"].sum() > a["agents"].sum()


def test_shrinkage_and_occupancy_math():
    fc = pd.DataFrame(
        {
            "unique_id": "x/phone",
            "ds": pd.date_range("2025-01-06 09:00", periods=4, freq="30min", tz=TZ),
            "y": [66.0, 7.0, 150.0, 0.0],
        }
    )
    plain = required_staff(fc, aht=240, target=(0.8, 20), max_occupancy=None, shrinkage=0.0)
    assert plain["agents"].tolist()[0] == 12
    assert (plain["gross_agents"] == plain["agents"]).all()
    gross = required_staff(fc, aht=240, target=(0.8, 20), max_occupancy=None, shrinkage=0.3)
    assert gross["gross_agents"].tolist()[0] == 18  # ceil(12 / 0.7) = ceil(17.14)
    seven = required_staff(fc.iloc[[1]], aht=240, interval="30min", max_occupancy=None)
    assert seven["agents"].item() == 3 and seven["gross_agents"].item() == 5
    ten = fc.assign(y=[93.3, 0, 0, 0])  # 12.44 E: 80/20 needs 16; 16 / 0.7 = 22.86
    assert required_staff(ten, aht=240, target=(0.8, 20))["gross_agents"].iloc[0] == 23
    capped = required_staff(fc, aht=240, target=(0.5, 60), max_occupancy=0.85)
    loose = required_staff(fc, aht=240, target=(0.5, 60), max_occupancy=None)
    assert (capped["occupancy"] <= 0.85).all()
    assert (capped["agents"] >= loose["agents"]).all()
    assert capped["agents"].iloc[2] == math.ceil(150 * 240 / 1800 / 0.85)
    assert (loose["occupancy"].iloc[:3] > 0.85).any()
    zero = plain.iloc[3]
    assert (zero["agents"], zero["service_level"], zero["asa"], zero["occupancy"]) == (
        0,
        1.0,
        0.0,
        0.0,
    )


def test_required_staff_aht_as_column_and_mapping():
    ds = pd.date_range("2025-01-06 09:00", periods=2, freq="15min", tz=TZ)
    fc = pd.DataFrame(
        {"unique_id": ["a/phone"] * 2 + ["b/phone"] * 2, "ds": list(ds) * 2, "y": 40.0}
    )
    by_map = required_staff(fc, aht={"a/phone": 180, "b/phone": 360})
    by_col = required_staff(fc.assign(handle=[180.0, 180.0, 360.0, 360.0]), aht="handle")
    pd.testing.assert_frame_equal(by_map, by_col)
    assert by_map["load"].tolist() == pytest.approx([8.0, 8.0, 16.0, 16.0])  # 15-min steps
    half_hour = required_staff(fc, aht=180, interval="30min")
    assert half_hour["load"].tolist() == pytest.approx([4.0] * 4)
    with pytest.raises(ConfigError, match="b/phone"):
        required_staff(fc, aht={"a/phone": 180})
    with pytest.raises(ConfigError, match="handle time"):
        required_staff(fc.assign(handle=[180.0, 0.0, 360.0, 360.0]), aht="handle")
    with pytest.raises(InvalidFrameError, match="nope"):
        required_staff(fc, aht="nope")


def test_required_staff_on_real_bank_calls(data_file):
    raw = pd.read_csv(data_file("bank_calls_5min_2003-03-03_05.csv"))
    day = raw[raw["timestamp"].str.startswith("2003-03-04")]
    fc = pd.DataFrame(
        {
            "unique_id": day["series_id"],
            "ds": pd.to_datetime(day["timestamp"]),
            "y": day["count"].astype(float),
        }
    )
    out = required_staff(fc, aht=300, target=(0.8, 20))
    assert len(out) == 169
    assert out["load"].to_numpy() == pytest.approx(fc["y"].to_numpy())  # 5-min steps, 300 s
    order = np.argsort(out["calls"].to_numpy(), kind="stable")
    assert np.all(np.diff(out["agents"].to_numpy()[order]) >= 0)  # more calls, never fewer
    assert out["agents"].max() > 1.1 * out["load"].max()
    assert (out["service_level"] >= 0.8).all()


def test_required_staff_choice_errors(phone_forecast):
    two = phone_forecast.assign(sarima=1.0, **{"sarima-hi-80": 2.0})
    with pytest.raises(InvalidFrameError, match=r"\['gbm', 'sarima'\]"):
        required_staff(two, aht=300)
    assert (required_staff(two, aht=300, value_col="sarima")["calls"] == 1.0).all()
    with pytest.raises(InvalidFrameError, match=r"0\.1 \(gbm-lo-80\).*0\.9 \(gbm-hi-80\)"):
        required_staff(phone_forecast, aht=300, quantile=0.95)
    with pytest.raises(InvalidFrameError, match="value_col"):
        required_staff(phone_forecast, aht=300, value_col="prophet")
    lower = required_staff(phone_forecast, aht=300, quantile=0.1)
    assert lower["calls"].tolist() == phone_forecast["gbm-lo-80"].tolist()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"shrinkage": 1.0}, ConfigError, "shrinkage"),
        ({"shrinkage": -0.1}, ConfigError, "shrinkage"),
        ({"target": (80, 25)}, ConfigError, "target"),
        ({"target": (0.8, -25)}, ConfigError, "target"),
        ({"max_occupancy": 0}, ConfigError, "max_occupancy"),
        ({"quantile": 1.5}, ConfigError, "quantile"),
        ({"model": "erlang_x"}, ConfigError, "erlang_c"),
        ({"model": "erlang_a"}, ConfigError, "patience"),
        ({"patience": 120}, ConfigError, "erlang_a"),
        ({"aht": -240}, ConfigError, "aht"),
        ({"interval": "soon"}, ConfigError, "interval"),
    ],
)
def test_required_staff_rejects_bad_settings(kwargs, error, match):
    fc = pd.DataFrame(
        {
            "unique_id": "x/phone",
            "ds": pd.date_range("2025-01-06 09:00", periods=2, freq="30min", tz=TZ),
            "y": [30.0, 40.0],
        }
    )
    kwargs = {"aht": 240, **kwargs}
    with pytest.raises(error, match=match):
        required_staff(fc, **kwargs)


def test_required_staff_rejects_bad_frames():
    ds = pd.date_range("2025-01-06 09:00", periods=3, freq="30min", tz=TZ)
    fc = pd.DataFrame({"unique_id": "x/phone", "ds": ds, "y": [30.0, -2.0, np.nan]})
    with pytest.raises(InvalidFrameError, match=r"'y'.*2 rows.*-2\.0") as info:
        required_staff(fc, aht=240)
    assert "x/phone" in str(info.value)
    with pytest.raises(InvalidFrameError, match="unique_id"):
        required_staff(fc.drop(columns="unique_id"), aht=240)
    with pytest.raises(InvalidFrameError, match="interval"):
        required_staff(fc.iloc[[0]], aht=240)
    with pytest.raises(InvalidFrameError, match="value_col"):
        required_staff(fc.drop(columns="y").assign(p=1.0, q=2.0), aht=240)


def test_required_staff_closed_intervals_and_backtest_frames():
    ds = pd.date_range("2025-01-06 17:00", periods=3, freq="30min", tz=TZ)
    long = pd.DataFrame(
        {
            "unique_id": "x/phone",
            "ds": ds,
            "y": [40.0, np.nan, 0.0],
            "is_open": [True, False, False],
        }
    )
    out = required_staff(long, aht=240)
    assert out["agents"].tolist()[1:] == [0, 0] and out["agents"].iloc[0] > 0
    backtest = long.drop(columns="is_open").assign(
        y=[40.0, 50.0, 60.0], cutoff=ds[0], gbm=[10.0, 20.0, 30.0], sarima=[1.0, 2.0, 3.0]
    )
    with pytest.raises(InvalidFrameError, match=r"\['gbm', 'sarima'\]"):
        required_staff(backtest, aht=240)
    picked = required_staff(backtest.drop(columns="sarima"), aht=240)
    assert picked["calls"].tolist() == [10.0, 20.0, 30.0]


@settings(max_examples=15, deadline=None)
@given(
    calls=st.floats(min_value=1.0, max_value=400.0),
    patience=st.floats(min_value=10.0, max_value=2000.0),
)
def test_erlang_a_service_level_increases_with_agents(calls, patience):
    load = calls * 240 / 1800
    n = np.arange(1, int(load) + 15)
    res = erlang_a_metrics(n, calls, 240, patience, 1800, 20)
    assert np.all(np.diff(res.service_level) >= -1e-9)
    assert np.all(np.diff(res.abandonment) <= 1e-9)
    assert np.all((res.abandonment >= 0) & (res.abandonment <= 1))


# ------------------------------------------- issue 14 item 13: no Erlang over a day


def _daily_phone_forecast() -> pd.DataFrame:
    ds = pd.date_range("2025-03-03", periods=5, freq="D", tz="Europe/Amsterdam")
    return pd.DataFrame({"unique_id": "utrecht/phone", "ds": ds, "y": [420.0, 380, 395, 410, 300]})


def test_required_staff_refuses_a_daily_forecast_and_says_split_first():
    with pytest.raises(InvalidFrameError) as info:
        required_staff(_daily_phone_forecast(), aht=240)
    message = str(info.value)
    assert "1 days" in message and "max_interval=0 days 01:00:00" in message
    assert "demandcast.intraday.split" in message and "Fix:" in message


def test_required_staff_refuses_a_long_interval_passed_explicitly():
    with pytest.raises(ConfigError, match=r"interval= 0 days 02:00:00 is longer"):
        required_staff(_daily_phone_forecast(), aht=240, interval="2h")


def test_required_staff_max_interval_is_configurable():
    hourly = _daily_phone_forecast().assign(
        ds=pd.date_range("2025-03-03 08:00", periods=5, freq="h", tz="Europe/Amsterdam")
    )
    assert required_staff(hourly, aht=240)["agents"].gt(0).all()  # 1 h is the default cap
    with pytest.raises(InvalidFrameError, match="max_interval=0 days 00:30:00"):
        required_staff(hourly, aht=240, max_interval="30min")
    out = required_staff(_daily_phone_forecast(), aht=240, max_interval=None)
    assert out["agents"].tolist() == [3, 3, 3, 3, 3]
    with pytest.raises(ConfigError, match="max_interval"):
        required_staff(hourly, aht=240, max_interval="soon")
