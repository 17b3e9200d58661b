"""Seasonal naive and historical average on real bank calls and simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandcast.exceptions import ConfigError, UnsupportedRegressorError
from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive

CUT = pd.Timestamp("2003-08-29 23:59", tz="UTC")  # a Friday: next week is complete


@pytest.fixture(scope="module")
def bank(request):
    """The bank's calls summed to 30 minutes (weekdays 07:00-21:05, rest absent)."""
    from conftest import find_data_file

    path = find_data_file("bank_calls_5min_2003-07-14_2003-09-19.csv")
    path = path or find_data_file("bank_calls_5min.csv")
    if path is None:
        pytest.skip("bank_calls_5min*.csv not found in tests/data or ../shared/data")
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    # local wall-clock times without a stated zone; UTC keeps them as labelled
    ds = raw["timestamp"].dt.floor("30min").dt.tz_localize("UTC")
    out = raw.assign(ds=ds).groupby("ds", as_index=False)["count"].sum()
    return out.rename(columns={"count": "y"}).assign(unique_id="na_bank_calls")


def _split(df, cut=CUT):
    return df[df["ds"] <= cut].reset_index(drop=True), df[df["ds"] > cut].reset_index(drop=True)


def test_seasonal_naive_repeats_last_week_in_time(bank):
    train, _ = _split(bank)
    fc = SeasonalNaive().fit(train).predict(2 * 7 * 48)
    hist = train.set_index("ds")["y"]
    week = pd.Timedelta(days=7)
    # first week ahead: the value 7 days earlier; second week: 14 days earlier
    for lag in (week, 2 * week):
        part = fc[(fc["ds"] > CUT + lag - week) & (fc["ds"] <= CUT + lag)]
        back = hist.reindex(part["ds"] - lag)
        open_ = back.notna().to_numpy()
        assert open_.sum() == 5 * 29  # five weekdays of 29 half hours
        np.testing.assert_array_equal(part["seasonal_naive"].to_numpy()[open_], back[open_])
        # nights and weekends were never open at that time: zero
        assert (part["seasonal_naive"].to_numpy()[~open_] == 0).all()


def test_seasonal_naive_skips_a_missing_day(bank):
    # 2003-09-01 (Labor Day) is absent: a week later the model steps back two weeks
    train, _ = _split(bank, pd.Timestamp("2003-09-05 23:59", tz="UTC"))
    fc = SeasonalNaive().fit(train).predict(7 * 48).set_index("ds")["seasonal_naive"]
    hist = train.set_index("ds")["y"]
    t = pd.Timestamp("2003-09-08 10:00", tz="UTC")
    assert fc[t] == hist[t - pd.Timedelta(days=14)]


def test_historical_average_is_the_mean_of_the_last_k_weeks(bank):
    train, _ = _split(bank)
    fc = HistoricalAverage(k_weeks=4).fit(train).predict(7 * 48, level=(80,))
    t = pd.Timestamp("2003-09-02 10:30", tz="UTC")  # Tuesday 10:30
    hist = train.set_index("ds")["y"]
    by_hand = [hist[t - pd.Timedelta(days=7 * k)] for k in (1, 2, 3, 4)]
    got = fc.set_index("ds").loc[t, "historical_average"]
    assert got == pytest.approx(np.mean(by_hand), rel=1e-12)
    assert fc.set_index("ds").loc[t, "historical_average-hi-80"] > got


@pytest.mark.parametrize(
    ("model", "low", "high"),
    [(SeasonalNaive(), 0.7, 0.92), (HistoricalAverage(), 0.6, 0.9)],
    ids=["seasonal_naive", "historical_average"],
)
def test_interval_coverage_on_holdout(bank, model, low, high):
    train, test = _split(bank)
    name = model.name
    fc = model.fit(train).predict(3 * 7 * 48, level=(80, 95)).merge(test, on=["unique_id", "ds"])
    assert len(fc) == 14 * 29  # three weeks minus Labor Day
    inside = {
        lv: ((fc["y"] >= fc[f"{name}-lo-{lv}"]) & (fc["y"] <= fc[f"{name}-hi-{lv}"])).mean()
        for lv in (80, 95)
    }
    assert low <= inside[80] <= high
    assert inside[95] > inside[80]
    wape = (fc["y"] - fc[name]).abs().sum() / fc["y"].sum()
    assert wape < 0.15


def test_seasonal_naive_intervals_widen_with_seasons_ahead(bank):
    train, _ = _split(bank)
    fc = SeasonalNaive().fit(train).predict(3 * 7 * 48, level=(80,)).set_index("ds")
    width = fc["seasonal_naive-hi-80"] - fc["seasonal_naive-lo-80"]
    t = pd.Timestamp("2003-09-02 10:30", tz="UTC")
    week = pd.Timedelta(days=7)
    point = fc["seasonal_naive"]
    # same point value repeats, width grows like sqrt(seasons ahead)
    assert point[t] == point[t + week] == point[t + 2 * week]
    assert width[t + week] == pytest.approx(width[t] * np.sqrt(2))
    assert width[t + 2 * week] == pytest.approx(width[t] * np.sqrt(3))


def _amsterdam_frame():
    ds = pd.date_range("2024-03-04", "2024-04-07 23:30", freq="30min", tz="Europe/Amsterdam")
    tod = ds.hour + ds.minute / 60
    keep = (ds.day_of_week < 5) & (tod >= 8) & (tod < 17)
    ds = ds[keep]
    rng = np.random.default_rng(3)
    y = rng.poisson(20 + 10 * np.sin(tod[keep])).astype(float)
    return pd.DataFrame({"unique_id": "centrum/phone", "ds": ds, "y": y})


def test_dst_week_uses_wall_clock_time():
    # the week after the switch to summer time (31 March 2024) repeats by local time
    df = _amsterdam_frame()
    df = df[df["ds"] < pd.Timestamp("2024-03-30", tz="Europe/Amsterdam")]
    fc = SeasonalNaive().fit(df).predict(9 * 48).set_index("ds")["seasonal_naive"]
    hist = df.set_index("ds")["y"]
    t = pd.Timestamp("2024-04-02 09:00", tz="Europe/Amsterdam")
    assert fc[t] == hist[pd.Timestamp("2024-03-26 09:00", tz="Europe/Amsterdam")]
    ha = HistoricalAverage(k_weeks=2).fit(df).predict(9 * 48).set_index("ds")
    expect = np.mean(
        [
            hist[pd.Timestamp(d, tz="Europe/Amsterdam")]
            for d in ("2024-03-26 09:00", "2024-03-19 09:00")
        ]
    )
    assert ha.loc[t, "historical_average"] == pytest.approx(expect)


def test_nan_and_closed_history_are_skipped():
    df = _amsterdam_frame()
    df = df[df["ds"] < pd.Timestamp("2024-03-30", tz="Europe/Amsterdam")].copy()
    df["is_open"] = True
    t1 = pd.Timestamp("2024-03-26 09:00", tz="Europe/Amsterdam")
    t2 = pd.Timestamp("2024-03-19 09:00", tz="Europe/Amsterdam")
    t3 = pd.Timestamp("2024-03-12 09:00", tz="Europe/Amsterdam")
    df.loc[df["ds"] == t1, "y"] = np.nan
    df.loc[df["ds"] == t2, ["y", "is_open"]] = [0.0, False]
    hist = df.set_index("ds")["y"]
    fc = SeasonalNaive().fit(df).predict(7 * 48).set_index("ds")["seasonal_naive"]
    t = pd.Timestamp("2024-04-02 09:00", tz="Europe/Amsterdam")  # a week after t1, summer time
    assert fc[t] == hist[t3]
    ha = HistoricalAverage(k_weeks=3).fit(df).predict(7 * 48).set_index("ds")
    assert ha.loc[t, "historical_average"] == hist[t3]


@pytest.mark.slow
def test_simulated_daily_phone():
    datasets = pytest.importorskip("demandcast.datasets")
    sim = datasets.simulate_municipality(
        seed=1, start="2024-02-05", end="2024-04-28", locations=("centrum",), freq="30min"
    )
    try:
        df = sim.frame("phone", freq="D")
    except (ImportError, AttributeError) as err:
        pytest.skip(f"loaders not available yet: {err}")
    train = df[df["ds"] < pd.Timestamp("2024-04-01", tz="Europe/Amsterdam")]
    test = df[df["ds"] >= pd.Timestamp("2024-04-01", tz="Europe/Amsterdam")]
    for model in (SeasonalNaive(), HistoricalAverage()):
        fc = model.fit(train).predict(28, level=(80,)).merge(test, on=["unique_id", "ds"])
        name = model.name
        open_ = fc["y"] > 0
        wape = (fc["y"] - fc[name]).abs()[open_].sum() / fc["y"][open_].sum()
        assert wape < 0.4


def test_regressors_are_refused():
    df = _amsterdam_frame()
    X = df[["ds"]].assign(mailing=0.0)
    for model in (SeasonalNaive(), HistoricalAverage()):
        with pytest.raises(UnsupportedRegressorError, match="mailing"):
            model.fit(df, X)


@pytest.mark.parametrize(
    "model",
    [
        SeasonalNaive(season_length=0),
        SeasonalNaive(season_length=2.5),
        HistoricalAverage(k_weeks=0),
    ],
)
def test_bad_parameters(model):
    with pytest.raises(ConfigError, match=r"season_length|k_weeks"):
        model.fit(_amsterdam_frame())


def test_daily_yearly_season():
    ds = pd.date_range("2022-01-01", "2023-12-31", freq="D", tz="Europe/Amsterdam")
    df = pd.DataFrame({"unique_id": "web", "ds": ds, "y": np.arange(len(ds), dtype=float)})
    fc = SeasonalNaive(season_length=364).fit(df).predict(3)
    hist = df.set_index("ds")["y"]
    expect = [hist[d - pd.Timedelta(days=364)] for d in fc["ds"]]
    assert fc["seasonal_naive"].tolist() == expect


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.integers(0, 500).map(float), st.just(float("nan"))), min_size=8, max_size=60
    ).filter(lambda v: any(np.isfinite(v)))
)
def test_forecasts_stay_within_the_observed_values(values):
    ds = pd.date_range("2024-01-01", periods=len(values), freq="D", tz="Europe/Amsterdam")
    df = pd.DataFrame({"unique_id": "s", "ds": ds, "y": values})
    seen = {v for v in values if np.isfinite(v)}
    sn = SeasonalNaive().fit(df).predict(10, level=(80, 95))
    assert set(sn["seasonal_naive"]) <= seen | {0.0}
    ha = HistoricalAverage(k_weeks=2).fit(df).predict(10, level=(80, 95))
    point = ha["historical_average"]
    assert ((point == 0) | ((point >= min(seen) - 1e-9) & (point <= max(seen) + 1e-9))).all()
    for fc, name in ((sn, "seasonal_naive"), (ha, "historical_average")):
        chain = fc[[f"{name}-lo-95", f"{name}-lo-80", name, f"{name}-hi-80", f"{name}-hi-95"]]
        assert (np.diff(chain.to_numpy(), axis=1) >= 0).all()
        assert (chain.to_numpy() >= 0).all()
