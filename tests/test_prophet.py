"""Prophet forecaster: conformance, Dutch calendar, DST, seeding, warm start, real data.

Prophet fits take a few tenths of a second each, so the default tests use small
simulated series; the real-data holdouts are marked slow.
"""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from demandcast.datasets import simulate_municipality
from demandcast.exceptions import (
    ConfigError,
    DataWarning,
    ForecasterFitError,
    InvalidFrameError,
    MissingDependencyError,
)
from demandcast.forecasters.naive import SeasonalNaive
from demandcast.forecasters.prophet import Prophet
from demandcast.testing import check_forecaster, example_data, expected_checks

# find_spec, not importorskip: importing prophet here would log its plotly complaint
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("prophet") is None, reason="prophet is not installed"
)

TZ = "Europe/Amsterdam"


def _at(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz=TZ)


@lru_cache(maxsize=1)
def _desk_sim():
    """One location, January 2023 to April 2024: two Easters and two King's Days."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return simulate_municipality(
            seed=7, start="2023-01-01", end="2024-04-30", locations=("centrum",)
        )


def _is_open(forecaster, h: int, hours) -> pd.DataFrame:
    grid = forecaster.future_ds(h)
    mask = hours.is_open(pd.DatetimeIndex(grid["ds"]), freq=forecaster.freq_)
    return grid.assign(is_open=np.asarray(mask, dtype=bool))


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.abs(actual - forecast).sum() / actual.sum())


# ---------------------------------------------------------------------------
# conformance
# ---------------------------------------------------------------------------


@pytest.mark.slow  # tests/test_common.py runs the same suite in the default run
@pytest.mark.parametrize("freq", ["D", "30min"])
def test_conformance_suite(freq):
    report = check_forecaster(Prophet(), freq=freq)
    assert report.n_checks == len(expected_checks(Prophet.tags)) == 24
    assert "missing_future_regressor" in report.passed
    assert "past_regressor_observed_only" in report.skipped


# ---------------------------------------------------------------------------
# parameters and dependencies (no fit)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("seasonality_mode", "geometric"),
        ("transform", "log"),
        ("growth", "logistic"),
        ("holidays_region", "oost"),
        ("uncertainty_samples", -1),
        ("random_state", 1.5),
        ("n_jobs", 0),
        ("daily_seasonality", "sometimes"),
        ("optimizer", "newton"),
    ],
)
def test_bad_parameters_are_named(param, value):
    df = example_data("D")
    with pytest.raises(ConfigError, match=param):
        Prophet(**{param: value}).fit(df)


def test_missing_prophet_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "prophet", None)  # import prophet -> ImportError
    with pytest.raises(MissingDependencyError, match="pip install prophet"):
        Prophet().fit(example_data("D"))


def test_import_does_not_load_prophet():
    code = (
        "import sys, demandcast, demandcast.forecasters.prophet; "
        "print('prophet' in sys.modules, 'cmdstanpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------------------
# calendar: closures, holidays, school holidays
# ---------------------------------------------------------------------------


def test_closed_on_easter_monday_with_catch_up_next_day():
    sim = _desk_sim()
    df = sim.frame("desk", freq="D")
    cut = _at("2024-03-24")  # a Sunday: the next two weeks hold Easter 2024
    model = Prophet().fit(df[df["ds"] <= cut])
    Xf = _is_open(model, 14, sim.opening_hours["desk"])
    fc = model.predict(14, X_future=Xf, level=(80, 95)).set_index("ds")
    values = fc.drop(columns="unique_id")

    closed = ~Xf.set_index("ds")["is_open"]
    assert closed[_at("2024-04-01")]  # Easter Monday
    assert (values[closed.to_numpy()].to_numpy() == 0).all()  # point and intervals
    assert (values.loc[~closed.to_numpy(), "prophet"] > 0).all()
    # the Tuesday after Easter Monday 2023 had a catch-up peak: learnt as the +1 day
    assert fc.loc[_at("2024-04-02"), "prophet"] > 1.15 * fc.loc[_at("2024-03-26"), "prophet"]
    # ... which a model without the Dutch calendar does not know
    plain = Prophet(holidays_region=None).fit(df[df["ds"] <= cut]).predict(14).set_index("ds")
    assert plain.loc[_at("2024-04-02"), "prophet"] < fc.loc[_at("2024-04-02"), "prophet"]
    # and the forecast follows the simulator's truth on open days
    truth = sim.truth.assign(day=sim.truth["ds"].dt.tz_convert(TZ).dt.normalize())
    truth = truth[truth["unique_id"] == "centrum/desk"].groupby("day")["y"].sum()
    open_days = fc.index[~closed.to_numpy()]
    assert _wape(truth.reindex(open_days).to_numpy(), fc.loc[open_days, "prophet"]) < 0.15


def test_zero_over_christmas_and_new_year_with_intervals_nested():
    sim = _desk_sim()
    df = sim.frame("desk", freq="D")
    model = Prophet().fit(df[df["ds"] <= _at("2023-12-17")])  # last open day: Fri 15th
    Xf = _is_open(model, 18, sim.opening_hours["desk"])
    fc = model.predict(18, X_future=Xf, level=(80, 95)).set_index("ds")
    for day in ("2023-12-25", "2023-12-26", "2024-01-01"):
        assert (fc.loc[_at(day)].iloc[1:] == 0).all(), day
    open_days = fc[Xf["is_open"].to_numpy()]
    chain = ["prophet-lo-95", "prophet-lo-80", "prophet", "prophet-hi-80", "prophet-hi-95"]
    widths = np.diff(open_days[chain].to_numpy(), axis=1)
    assert (widths >= 0).all() and (widths[:, [0, -1]] > 0).all()  # real, nested intervals


def test_school_holiday_regressor_only_when_it_varies():
    sim = _desk_sim()
    desk = sim.frame("desk", freq="D")
    # March to mid-April 2024: no school break in region midden
    spring = desk[(desk["ds"] >= _at("2024-03-01")) & (desk["ds"] < _at("2024-04-20"))]
    state = Prophet().fit(spring).states_["centrum/desk"]
    assert state["school"] is False
    assert "dc_school_holiday" not in state["model"].extra_regressors
    fitted = Prophet(yearly_seasonality=False).fit(desk[desk["ds"] < _at("2023-06-01")])
    state = fitted.states_["centrum/desk"]
    assert state["school"] is True
    assert "dc_school_holiday" in state["model"].extra_regressors


# ---------------------------------------------------------------------------
# time zones and DST, intraday profiles
# ---------------------------------------------------------------------------


def test_hourly_forecast_across_october_dst_change():
    sim = simulate_municipality(seed=2, start="2024-10-07", end="2024-10-30", freq="h")
    web = sim.frame("web", freq="h")
    cut = _at("2024-10-26 23:00")
    train = web[web["ds"] <= cut]
    model = Prophet().fit(train)
    fc = model.predict(48, level=(80,))
    local = fc["ds"].dt.tz_convert(TZ)
    assert str(fc["ds"].dt.tz) == TZ
    # 27 October 2024 has 25 hourly intervals, each on the base-class grid
    assert (local.dt.date == pd.Timestamp("2024-10-27").date()).sum() == 25
    pd.testing.assert_series_equal(fc["ds"], model.future_ds(48)["ds"], check_names=False)
    # both 02:00 intervals are the same wall-clock hour: same forecast
    two = fc[local.dt.strftime("%Y-%m-%d %H") == "2024-10-27 02"]
    assert len(two) == 2 and two["prophet"].iloc[0] == two["prophet"].iloc[1]
    # the daily profile sits at the right local hours after the change
    truth = sim.truth[sim.truth["unique_id"] == "website/web"].set_index("ds")["y"]
    actual = truth.reindex(fc["ds"]).to_numpy()
    assert np.corrcoef(actual, fc["prophet"])[0, 1] > 0.9
    assert _wape(actual, fc["prophet"].to_numpy()) < 0.2


def test_intraday_day_types_follow_opening_hours():
    sim = _desk_sim()
    df = sim.frame("desk", freq="30min")
    # five quiet weeks of autumn 2023 (no holiday, mailing or school break)
    train = df[(df["ds"] >= _at("2023-09-04")) & (df["ds"] < _at("2023-10-09"))]
    model = Prophet(yearly_seasonality=False).fit(train)
    types = model.states_["centrum/desk"]["day_types"]
    # Mon-Wed and Fri 08:30-17:00 share a profile; Thursday opens late until 20:00
    assert types[0] == types[1] == types[2] == types[4] != types[3]
    Xf = _is_open(model, 7 * 48, sim.opening_hours["desk"])
    fc = model.predict(7 * 48, X_future=Xf)
    local = fc["ds"].dt.tz_convert(TZ)
    thu_evening = (local.dt.day_of_week == 3) & local.dt.hour.isin([18, 19])
    fri_evening = (local.dt.day_of_week == 4) & local.dt.hour.isin([18, 19])
    assert (fc.loc[thu_evening, "prophet"] > 0).all()
    assert (fc.loc[fri_evening, "prophet"] == 0).all()
    truth = sim.truth[sim.truth["unique_id"] == "centrum/desk"].set_index("ds")["y"]
    open_ = Xf["is_open"].to_numpy()
    actual = truth.reindex(fc["ds"]).to_numpy()[open_]
    naive = SeasonalNaive().fit(train).predict(7 * 48)["seasonal_naive"].to_numpy()[open_]
    wape = _wape(actual, fc["prophet"].to_numpy()[open_])
    assert wape < 0.15 and wape < 0.5 * _wape(actual, naive)


# ---------------------------------------------------------------------------
# reproducibility, quiet fits, per-series seeds
# ---------------------------------------------------------------------------


def test_seeded_intervals_quiet_fit_and_untouched_global_state(capfd):
    df = example_data("D")
    cmdstan_level = logging.getLogger("cmdstanpy").level
    np.random.seed(123)
    state = np.random.get_state()
    a = Prophet(random_state=5).fit(df).predict(14, level=(80, 95))
    b = Prophet(random_state=5).fit(df).predict(14, level=(80, 95))
    c = Prophet(random_state=6).fit(df).predict(14, level=(80, 95))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a["prophet-hi-95"].equals(c["prophet-hi-95"])  # other draws
    np.testing.assert_array_equal(a["prophet"], c["prophet"])  # same MAP point
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1])
    assert logging.getLogger("cmdstanpy").level == cmdstan_level
    err = capfd.readouterr().err
    assert "cmdstanpy" not in err and "plotly" not in err


def test_series_forecast_does_not_depend_on_the_other_series():
    df = example_data("D")
    both = Prophet().fit(df).predict(14, level=(80,))
    uid = sorted(df["unique_id"].unique())[1]
    alone = Prophet().fit(df[df["unique_id"] == uid]).predict(14, level=(80,))
    pd.testing.assert_frame_equal(
        both[both["unique_id"] == uid].reset_index(drop=True), alone, check_exact=True
    )


def test_without_level_no_draws_are_made(monkeypatch):
    df = example_data("D")
    model = Prophet(uncertainty_samples=0).fit(df)
    with pytest.raises(ConfigError, match="uncertainty_samples"):
        model.predict(14, level=(80,))
    asked = []
    real = Prophet._point_and_draws

    def spy(self, m, t, X, s_a, s_m, draws, uid):
        asked.append(draws)
        return real(self, m, t, X, s_a, s_m, draws, uid)

    monkeypatch.setattr(Prophet, "_point_and_draws", spy)
    fc = model.predict(14)
    assert asked == [0, 0] and list(fc.columns) == ["unique_id", "ds", "prophet"]
    model.set_params(uncertainty_samples=50).predict(14, level=(80,))
    assert asked[2:] == [50, 50]


def _both_paths(model, monkeypatch, h: int, **kwargs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The forecast from the cached design and Prophet's own frame code, same model."""
    direct = model.predict(h, level=(80, 95), **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(Prophet, "_direct_inputs", lambda *args, **kw: None)
        own = model.predict(h, level=(80, 95), **kwargs)
    return direct, own


@pytest.mark.parametrize(
    "params",
    [
        {"seasonality_mode": "multiplicative"},
        {"seasonality_mode": "additive", "transform": "log1p"},
        {"growth": "flat"},
    ],
)
def test_direct_forecast_equals_prophets_predict_of_the_same_fit(monkeypatch, params):
    df = _desk_sim().frame("phone", freq="D")
    model = Prophet(optimizer="scipy", **params).fit(df[df["ds"] < _at("2024-03-01")])
    used = []
    real = Prophet._point_and_draws

    def spy(self, *args):
        used.append(args[-1])
        return real(self, *args)

    monkeypatch.setattr(Prophet, "_point_and_draws", spy)
    direct, own = _both_paths(model, monkeypatch, 28)
    assert used == ["centrum/phone"]  # the fast path ran once, Prophet's path once
    cols = [c for c in direct.columns if c.startswith("prophet")]
    scale = float(own["prophet"].abs().max())
    # same parameters, same seed path: equal up to rounding (not only statistically)
    np.testing.assert_allclose(direct[cols], own[cols], rtol=0, atol=1e-9 * scale)
    open_ = direct["prophet"] > 0  # closed weekends are zero with zero width
    assert open_.sum() >= 18
    assert (direct["prophet-hi-95"] - direct["prophet-lo-95"])[open_].min() > 0


def test_direct_forecast_with_a_regressor_and_school_holidays(monkeypatch):
    sim = _desk_sim()
    phone = sim.frame("phone", freq="D")
    X = sim.regressors("D")[["ds", "mailing_letters"]]
    model = Prophet(optimizer="scipy").fit(phone[phone["ds"] <= _at("2024-02-11")], X=X)
    assert model.states_["centrum/phone"]["school"]  # spring break in the history
    Xf = _is_open(model, 28, sim.opening_hours["phone"]).merge(X, on="ds")
    used = []
    real = Prophet._point_and_draws
    monkeypatch.setattr(
        Prophet, "_point_and_draws", lambda self, *a: used.append(1) or real(self, *a)
    )
    direct, own = _both_paths(model, monkeypatch, 28, X_future=Xf)
    assert used == [1]
    cols = [c for c in direct.columns if c.startswith("prophet")]
    np.testing.assert_allclose(direct[cols], own[cols], rtol=0, atol=1e-9 * 1e3)
    # the intraday grid across the October DST change goes through the same path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # walk-ins before opening time
        hourly = _desk_sim().frame("desk", freq="h")
    hourly = hourly[(hourly["ds"] >= _at("2023-08-01")) & (hourly["ds"] < _at("2023-10-27"))]
    model = Prophet(optimizer="scipy", holidays_region=None).fit(hourly)
    direct, own = _both_paths(model, monkeypatch, 72)
    np.testing.assert_allclose(direct[cols], own[cols], rtol=0, atol=1e-6)


def test_threads_give_the_same_forecast():
    df = example_data("D")
    one = Prophet().fit(df).predict(14, level=(80,))
    two = Prophet(n_jobs=2).fit(df).predict(14, level=(80,))
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_weekly_data_is_not_intraday():
    df = example_data("D")
    weekly = df.groupby(
        ["unique_id", pd.Grouper(key="ds", freq="W-MON", label="left", closed="left")]
    )
    weekly = weekly["y"].sum().reset_index()
    fc = Prophet(holidays_region=None).fit(weekly).predict(4, level=(80,))
    assert len(fc) == 8 and (fc["ds"].dt.day_of_week == 0).all()
    assert (fc["prophet"] > 0).all()


# ---------------------------------------------------------------------------
# failures and fallback
# ---------------------------------------------------------------------------


def _with_dead_series() -> pd.DataFrame:
    """A third series with one observed day: too little for Prophet."""
    df = example_data("D")
    dead = df[df["unique_id"] == df["unique_id"].iloc[0]].assign(unique_id="west/phone")
    closed = ~dead["is_open"].to_numpy(dtype=bool) if "is_open" in dead else dead["y"] == 0
    keep = dead.index[np.flatnonzero(~np.asarray(closed))[-1]]  # last open day
    dead.loc[dead.index != keep, "y"] = np.nan
    dead.loc[np.asarray(closed), "y"] = 0.0  # closed stays closed, not missing
    return pd.concat([df, dead], ignore_index=True)


def test_fit_failure_names_model_and_series():
    with pytest.raises(ForecasterFitError, match=r"'prophet' failed on series 'west/phone'"):
        Prophet().fit(_with_dead_series())


def test_fallback_takes_over_with_a_logged_warning(caplog):
    df = _with_dead_series()
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        fc = Prophet(fallback="seasonal_naive").fit(df).predict(14, level=(80,))
    assert any("west/phone" in r.getMessage() for r in caplog.records)
    assert fc.groupby("unique_id").size().to_dict() == {
        "centrum/phone": 14,
        "noord/phone": 14,
        "west/phone": 14,
    }
    assert np.isfinite(fc.iloc[:, 2:].to_numpy()).all()


# ---------------------------------------------------------------------------
# regressors and warm start
# ---------------------------------------------------------------------------


def test_mailing_regressor_raises_the_forecast_after_the_tax_letters():
    sim = _desk_sim()
    phone = sim.frame("phone", freq="D")
    X = sim.regressors("D")[["ds", "mailing_letters"]]
    # callers respond over the days after the letters: a known-ahead response window
    sent = X["mailing_letters"].to_numpy() > 0
    window = np.convolve(sent, np.ones(7), mode="full")[: len(sent)] - sent
    X = pd.DataFrame({"ds": X["ds"], "after_mailing": (window > 0).astype("float64")})
    cut = _at("2024-02-25")  # tax letters go out on Thursday 29 February 2024
    train = phone[phone["ds"] <= cut]
    truth = sim.truth[sim.truth["unique_id"] == "centrum/phone"]
    truth = truth.groupby(truth["ds"].dt.tz_convert(TZ).dt.normalize())["y"].sum()

    with_x = Prophet().fit(train, X=X)
    Xf = _is_open(with_x, 14, sim.opening_hours["phone"]).merge(X, on="ds")
    fc = with_x.predict(14, X_future=Xf).set_index("ds")["prophet"]
    without = Prophet().fit(train).predict(14, X_future=Xf[["ds", "is_open"]])
    without = without.set_index("ds")["prophet"]
    assert fc[_at("2024-03-01")] > 1.5 * without[_at("2024-03-01")]
    open_ = Xf["is_open"].to_numpy()
    actual = truth.reindex(fc.index).to_numpy()[open_]
    assert _wape(actual, fc.to_numpy()[open_]) < 0.6 * _wape(actual, without.to_numpy()[open_])


def test_warm_start_reuses_the_previous_fit():
    sim = _desk_sim()
    df = sim.frame("desk", freq="D")
    first, second = _at("2024-03-03"), _at("2024-03-10")
    earlier = Prophet().fit(df[df["ds"] <= first])
    init = earlier.get_init_params()
    assert set(init["centrum/desk"]) == {"k", "m", "sigma_obs", "delta", "beta"}

    cold = Prophet().fit(df[df["ds"] <= second])
    warm = Prophet().set_init_params(init).fit(df[df["ds"] <= second])
    assert warm.states_["centrum/desk"]["warm_started"]
    assert not cold.states_["centrum/desk"]["warm_started"]
    n_cold, n_warm = cold.n_iter_["centrum/desk"], warm.n_iter_["centrum/desk"]
    assert n_cold is not None and n_warm is not None and n_warm < n_cold
    a, b = cold.predict(14)["prophet"], warm.predict(14)["prophet"]
    np.testing.assert_allclose(b, a, rtol=0.03, atol=1.0)

    # warm_start=True passes each fit on to the next refit of the same object
    rolling = Prophet(warm_start=True).fit(df[df["ds"] <= first])
    rolling.fit(df[df["ds"] <= second])
    assert rolling.states_["centrum/desk"]["warm_started"]
    with pytest.raises(ConfigError, match="sigma_obs"):
        Prophet().set_init_params({"centrum/desk": {"k": 0.1}})


# ---------------------------------------------------------------------------
# update (refit=k) and the in-process optimiser
# ---------------------------------------------------------------------------


def _desk_daily() -> pd.DataFrame:
    df = _desk_sim().frame("desk", freq="D")
    return df[df["unique_id"] == "centrum/desk"].reset_index(drop=True)


def _spy_map(monkeypatch) -> list:
    """Record the Stan data and start values each in-process fit receives."""
    from demandcast.forecasters import prophet as module

    seen: list = []
    real = module._map_lbfgs

    def spy(data, init):
        seen.append((data, init))
        return real(data, init)

    monkeypatch.setattr(module, "_map_lbfgs", spy)
    return seen


def test_update_fits_prophets_objective_on_the_longer_history(monkeypatch):
    """update() = fit() on the longer history: the same Stan data (features from the
    cache equal Prophet's own), only a better start (the old fit, rescaled)."""
    df = _desk_daily()
    first, second = _at("2024-02-25"), _at("2024-03-24")
    seen = _spy_map(monkeypatch)
    model = Prophet(optimizer="scipy").fit(df[df["ds"] <= first])
    model.predict(28)  # forecast rows enter the feature cache, as in a backtest
    new = df[(df["ds"] > first) & (df["ds"] <= second)]
    assert model.update(new) is model
    fresh = Prophet(optimizer="scipy").fit(df[df["ds"] <= second])
    (upd, _), (ref, _) = seen[1], seen[2]
    for key in ("T", "S", "K", "tau", "trend_indicator"):
        assert upd[key] == ref[key]
    for key in ("y", "t", "t_change", "X", "sigmas", "s_a", "s_m"):
        np.testing.assert_allclose(np.asarray(upd[key]), np.asarray(ref[key]), rtol=1e-12)
    assert model.last_ds_ == fresh.last_ds_
    assert model.n_iter_["centrum/desk"] < fresh.n_iter_["centrum/desk"]
    a, b = model.predict(14, level=(80,)), fresh.predict(14, level=(80,))
    assert a["ds"].min() > new["ds"].max()
    open_ = a["ds"].dt.day_of_week < 5
    np.testing.assert_allclose(a.loc[open_, "prophet"], b.loc[open_, "prophet"], rtol=0.04)


def test_rescaled_start_reproduces_the_previous_trend(monkeypatch):
    df = _desk_daily()
    first, second = _at("2024-01-28"), _at("2024-03-24")
    seen = _spy_map(monkeypatch)
    model = Prophet(optimizer="scipy").fit(df[df["ds"] <= first])
    old = model.states_["centrum/desk"]["model"]
    model.update(df[(df["ds"] > first) & (df["ds"] <= second)])
    new = model.states_["centrum/desk"]["model"]
    data, init = seen[-1]
    t, c = np.asarray(data["t"]), np.asarray(data["t_change"])

    def trend(k, m, delta, t, c):
        return k * t + m + np.where(t[:, None] >= c[None, :], t[:, None] - c[None, :], 0) @ delta

    moved = trend(init["k"], init["m"], init["delta"], t, c) * new.y_scale
    t_old = ((new.history["ds"] - old.start) / old.t_scale).to_numpy()
    p = old.params
    before = trend(p["k"][0, 0], p["m"][0, 0], p["delta"][0], t_old, old.changepoints_t)
    # the new changepoints are elsewhere: equal up to the kinks between them
    np.testing.assert_allclose(moved, before * old.y_scale, rtol=0.02)
    assert new.y_scale != old.y_scale or new.t_scale != old.t_scale


def test_update_rejects_old_rows_and_unknown_series():
    df = _desk_daily()
    cut = _at("2024-02-25")
    model = Prophet(optimizer="scipy").fit(df[df["ds"] <= cut])
    with pytest.raises(InvalidFrameError, match="at or before its last fitted ds"):
        model.update(df[df["ds"] > cut - pd.Timedelta(days=3)])
    other = df[df["ds"] > cut].assign(unique_id="zuid/desk")
    with pytest.raises(InvalidFrameError, match="not in fit"):
        model.update(other)


def test_backtest_refit_k_updates_between_refits(monkeypatch):
    from demandcast.backtest import backtest

    df = _desk_daily()
    df = df[df["ds"] <= _at("2024-04-28")]
    calls = []
    update = Prophet.update

    def counted(self, df_new, X_new=None):
        calls.append(df_new["ds"].max())
        return update(self, df_new, X_new)

    monkeypatch.setattr(Prophet, "update", counted)
    kw = {"h": 14, "n_windows": 3, "step": 14}
    every = backtest(Prophet(optimizer="scipy"), df, refit=True, **kw).forecasts
    assert calls == []
    once = backtest(Prophet(optimizer="scipy"), df, refit=3, **kw).forecasts
    assert len(calls) == 2
    open_ = once["is_open"].astype(bool) if "is_open" in once else slice(None)
    wape_once = _wape(once.loc[open_, "y"].to_numpy(), once.loc[open_, "prophet"].to_numpy())
    wape_every = _wape(every.loc[open_, "y"].to_numpy(), every.loc[open_, "prophet"].to_numpy())
    assert wape_once < 0.3
    assert abs(wape_once - wape_every) < 0.02


def test_scipy_optimiser_matches_cmdstan_forecasts_on_open_days():
    df = _desk_daily()
    cut = _at("2024-03-24")
    train, test = df[df["ds"] <= cut], df[(df["ds"] > cut) & df["is_open"]]
    fc = {}
    for opt in ("cmdstan", "scipy"):
        model = Prophet(optimizer=opt).fit(train)
        out = model.predict(28).merge(test[["ds", "y"]], on="ds")
        fc[opt] = out
    a, b = fc["cmdstan"]["prophet"].to_numpy(), fc["scipy"]["prophet"].to_numpy()
    # same estimator; cmdstan stops early on the flat ridge of this weekday-only series
    np.testing.assert_allclose(b, a, rtol=0.04)
    y = fc["scipy"]["y"].to_numpy()
    assert _wape(y, b) < _wape(y, a) + 0.01


def test_in_process_map_is_at_least_as_good_as_cmdstans():
    """The scipy optimum has a log posterior no lower than cmdstan's (Stan's objective)."""
    from demandcast.forecasters import prophet as module

    df = _desk_daily()
    df = df[df["ds"] <= _at("2024-03-24")]
    seen = {}
    real = module._map_lbfgs

    def spy(data, init):
        seen["data"] = data
        return real(data, init)

    cmd = Prophet(optimizer="cmdstan").fit(df).get_init_params()["centrum/desk"]
    model = Prophet(optimizer="scipy")
    import unittest.mock as mock

    with mock.patch.object(module, "_map_lbfgs", spy):
        model.fit(df)
    ours = model.get_init_params()["centrum/desk"]
    data = seen["data"]

    def log_post(p):
        t, y = np.asarray(data["t"]), np.asarray(data["y"])
        c = np.asarray(data["t_change"]).reshape(-1)
        X = np.asarray(data["X"])
        xa, xm = X * np.asarray(data["s_a"]), X * np.asarray(data["s_m"])
        B = np.where(t[:, None] >= c[None, :], t[:, None] - c[None, :], 0.0)
        trend = p["k"] * t + p["m"] + B @ p["delta"]
        mu = trend * (1 + xm @ p["beta"]) + xa @ p["beta"]
        s = p["sigma_obs"]
        return -(
            (p["k"] ** 2 + p["m"] ** 2) / 50
            + np.abs(p["delta"]).sum() / data["tau"]
            + 2 * s * s
            + 0.5 * (p["beta"] ** 2 / np.asarray(data["sigmas"]) ** 2).sum()
            + len(y) * np.log(s)
            + ((y - mu) ** 2).sum() / (2 * s * s)
        )

    assert log_post(ours) >= log_post(cmd) - 1e-6


# ---------------------------------------------------------------------------
# real data (slow)
# ---------------------------------------------------------------------------


def _load(data_file, name: str, series: str | None = None) -> pd.DataFrame:
    raw = pd.read_csv(data_file(name))
    if series is not None:
        raw = raw[raw["series_id"] == series]
    ds = pd.to_datetime(raw["timestamp"]).dt.tz_localize("America/New_York")
    return pd.DataFrame({"unique_id": raw["series_id"], "ds": ds, "y": raw["count"] * 1.0})


def _rolling_wape(df: pd.DataFrame, models: dict, h: int = 28, n: int = 6) -> dict:
    """The BENCHMARKS.md protocol: 6 folds of 28 days, step 28, pooled WAPE."""
    days = np.sort(df["ds"].unique())
    sums = {k: [0.0, 0.0] for k in models}
    for i in range(n):
        cut = days[len(days) - n * h + i * h - 1]
        train, test = df[df["ds"] <= cut], df[df["ds"] > cut]
        for key, model in models.items():
            fitted = model.clone().fit(train)
            fc = fitted.predict(h).merge(test, on=["unique_id", "ds"])
            assert (fc[fitted.alias_] >= 0).all()
            sums[key][0] += np.abs(fc[fitted.alias_] - fc["y"]).sum()
            sums[key][1] += fc["y"].sum()
    return {k: a / b for k, (a, b) in sums.items()}


@pytest.mark.slow
def test_wikipedia_holdout_log1p_beats_seasonal_naive(data_file):
    df = _load(data_file, "wikipedia_pageviews_daily.csv")
    models = {
        "prophet": Prophet(holidays_region=None, transform="log1p", seasonality_mode="additive"),
        "naive": SeasonalNaive(season_length=365),
    }
    wape = _rolling_wape(df, models)
    assert wape["prophet"] < wape["naive"]
    assert wape["prophet"] < 0.6  # BENCHMARKS.md: best peer 59.4 %, seasonal naive 101.9 %


@pytest.mark.slow
def test_nyc311_total_stays_sane(data_file):
    df = _load(data_file, "nyc311_sandy_daily.csv", "nyc311_sandy_total")
    models = {
        "prophet": Prophet(holidays_region=None, transform="log1p", seasonality_mode="additive"),
        "naive": SeasonalNaive(season_length=365),
    }
    wape = _rolling_wape(df, models)
    # BENCHMARKS.md: plain Prophet 3,383 %, best peer 115.9 %, seasonal naive 141.7 %
    assert wape["prophet"] < wape["naive"]
    assert wape["prophet"] < 1.16


@pytest.mark.slow
def test_mcmc_fit_gives_intervals_and_warm_start_means():
    df = example_data("D")
    df = df[df["unique_id"] == df["unique_id"].iloc[0]]
    model = Prophet(mcmc_samples=40, holidays_region=None, uncertainty_samples=100).fit(df)
    fc = model.predict(7, level=(80,))
    assert (fc["prophet-hi-80"] >= fc["prophet"]).all() and (fc["prophet-hi-80"] > 0).any()
    init = model.get_init_params()[df["unique_id"].iloc[0]]
    assert np.ndim(init["k"]) == 0 and np.ndim(init["beta"]) == 1  # posterior means
