"""Intraday profiles and the daily -> interval split, on simulated and real call data."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandcast.datasets import simulate_municipality
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError
from demandcast.intraday import (
    AFTER_CLOSURE,
    IntradayProfiles,
    coherence_check,
    intraday_profiles,
    split,
)

TZ = "Europe/Amsterdam"
CUT = pd.Timestamp("2024-05-27", tz=TZ)  # a Monday: history before, four weeks after
LEVELS = (80, 95)
Z = {80: 1.2815515655446004, 95: 1.959963984540054}


def _local_date(ds: pd.Series) -> pd.Series:
    return ds.dt.tz_localize(None).dt.normalize()


def _daily(frame: pd.DataFrame, name: str = "m") -> pd.DataFrame:
    """Daily totals at local midnight (naive), as a daily model would forecast them."""
    out = frame.assign(ds=_local_date(frame["ds"]))
    return out.groupby(["unique_id", "ds"], as_index=False)["y"].sum().rename(columns={"y": name})


def _wape(actual: np.ndarray, fc: np.ndarray) -> float:
    return float(np.abs(actual - fc).sum() / actual.sum())


@pytest.fixture(scope="module")
def sim():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return simulate_municipality(
            seed=0, start="2024-03-04", end="2024-06-16", locations=("centrum",)
        )


@pytest.fixture(scope="module")
def frames(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return {ch: sim.frame(ch, freq="30min") for ch in ("desk", "phone")}


@pytest.fixture(scope="module")
def profiles(sim, frames):
    return {
        ch: intraday_profiles(df[df["ds"] < CUT], opening_hours=sim.opening_hours[ch])
        for ch, df in frames.items()
    }


def _truth(sim, uid):
    t = sim.truth
    return t[(t["unique_id"] == uid) & (t["ds"] >= CUT)].reset_index(drop=True)


# ------------------------------------------------------------------ profiles


@pytest.mark.parametrize("channel", ["desk", "phone"])
def test_shares_sum_to_one_per_day_type(profiles, channel):
    prof = profiles[channel]
    table = prof.to_frame()
    assert list(table.columns) == ["unique_id", "day_type", "slot", "share"]
    sums = table.groupby(["unique_id", "day_type"])["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-12)
    assert (table["share"] > 0).all()
    # weekdays only (closed at weekends); holidays give an after-closure profile
    kinds = sorted(
        set(table["day_type"]),
        key=["mon", "tue", "wed", "thu", "fri"].__add__([AFTER_CLOSURE]).index,
    )
    assert kinds == ["mon", "tue", "wed", "thu", "fri", AFTER_CLOSURE]
    info = prof.info.set_index("day_type")
    weekdays = info.loc[["mon", "tue", "wed", "thu", "fri"]]
    assert ((weekdays["n_days"] + weekdays["n_trimmed"]) == 8).all()
    assert (weekdays["n_days"] >= 6).all()  # the payment-reminder days may be trimmed
    # Easter Monday, Ascension Day and Whit Monday closed the channel before 27 May
    assert info.loc[AFTER_CLOSURE, "n_days"] == 3
    assert info.loc[AFTER_CLOSURE, "fallback"] == ""


def test_thursday_desk_open_until_eight(sim, profiles):
    prof = profiles["desk"]
    uid = "centrum/desk"
    thursday = prof.shares(uid, "2024-06-06")
    assert thursday.attrs["day_type"] == "thu"
    assert (thursday.index[0], thursday.index[-1]) == ("08:30", "19:30")
    assert len(thursday) == 23
    # the steady late-evening stream holds the share it has in the true rates
    truth = _truth(sim, uid)
    truth = truth[_local_date(truth["ds"]) == pd.Timestamp("2024-06-06")]
    true_evening = truth.loc[truth["ds"].dt.hour >= 17, "y"].sum() / truth["y"].sum()
    evening = thursday[thursday.index >= "17:00"].sum()
    assert evening == pytest.approx(true_evening, abs=0.03)
    for day in ("2024-06-03", "2024-06-04", "2024-06-05", "2024-06-07"):
        other = prof.shares(uid, day)
        assert (other.index[0], other.index[-1]) == ("08:30", "16:30")
        assert abs(other.sum() - 1) < 1e-12


def test_desk_queue_at_opening_and_phone_mid_morning_peak(profiles):
    desk = profiles["desk"].shares("centrum/desk", "2024-06-04")
    assert desk.idxmax() == "08:30"
    phone = profiles["phone"].shares("centrum/phone", "2024-06-04")
    assert phone.idxmax() in ("09:30", "10:00")
    assert phone["10:00"] > 2 * phone["08:00"]


@pytest.mark.parametrize(("channel", "limit"), [("desk", 0.15), ("phone", 0.10)])
def test_split_of_true_totals_reproduces_interval_truth(sim, profiles, channel, limit):
    uid = f"centrum/{channel}"
    truth = _truth(sim, uid)
    daily = _daily(truth)
    out = split(daily, profiles[channel])
    assert coherence_check(out, daily) < 1e-9 * daily["m"].max()
    merged = out.merge(truth, on=["unique_id", "ds"], how="left", validate="1:1")
    assert len(merged) == len(truth)  # the full local grid of every day
    profile_wape = _wape(merged["y"].to_numpy(), merged["m"].to_numpy())
    assert profile_wape < limit
    # a flat profile over the same open slots is far worse
    table = profiles[channel].to_frame()
    table["share"] = 1.0 / table.groupby(["unique_id", "day_type"])["slot"].transform("size")
    flat = dataclasses.replace(profiles[channel], table=table)
    flat_out = split(daily, flat).merge(truth, on=["unique_id", "ds"])
    flat_wape = _wape(flat_out["y"].to_numpy(), flat_out["m"].to_numpy())
    assert flat_wape > 2 * profile_wape
    # closed intervals (nights, weekend, Whit Monday) get nothing
    assert (merged.loc[merged["y"] == 0, "m"] == 0).all()
    assert not merged.loc[merged["y"] == 0, "is_open"].any()


def test_smoothing_and_more_weeks_reduce_profile_error(sim, frames):
    truth = _truth(sim, "centrum/desk")
    daily = _daily(truth)
    hist = frames["desk"][frames["desk"]["ds"] < CUT]
    hours = sim.opening_hours["desk"]

    def error(**kw):
        out = split(daily, intraday_profiles(hist, opening_hours=hours, **kw))
        merged = out.merge(truth, on=["unique_id", "ds"])
        return _wape(merged["y"].to_numpy(), merged["m"].to_numpy())

    assert error(smooth=True) < error(smooth=False)
    assert error(k_weeks=12) < error(k_weeks=4)


def test_days_with_missing_intervals_are_left_out(frames):
    df = frames["phone"]
    df = df[df["ds"] < CUT].reset_index(drop=True)
    bad_day = _local_date(df["ds"]) == pd.Timestamp("2024-05-22")
    broken = df.assign(y=np.where(bad_day & (df["ds"].dt.hour == 11), np.nan, df["y"]))
    with pytest.warns(DataWarning, match=r"1 day\(s\) with missing intervals.*2024-05-22"):
        prof = intraday_profiles(broken)
    assert prof.info.set_index("day_type").loc["wed", "n_days"] == 8  # one more week back


def test_outlier_day_is_trimmed(frames):
    df = frames["phone"]
    df = df[df["ds"] < CUT].reset_index(drop=True)
    # a storm doubles one Tuesday afternoon: that day must not shape the profile
    storm = (_local_date(df["ds"]) == pd.Timestamp("2024-05-14")) & (df["ds"].dt.hour >= 13)
    spiked = df.assign(y=np.where(storm, df["y"] * 4, df["y"]))
    prof = intraday_profiles(spiked)
    info = prof.info.set_index("day_type")
    assert info.loc["tue", "n_trimmed"] == 1
    clean = intraday_profiles(df).shares("centrum/phone", "2024-06-04")
    got = prof.shares("centrum/phone", "2024-06-04")
    afternoon = got.index >= "13:00"
    assert abs(got[afternoon].sum() - clean[afternoon].sum()) < 0.03


# ------------------------------------------------------------------ after closures


def _with_catch_up_mornings(df, hours):
    """Backlog after a holiday arrives in the morning: double the counts before noon."""
    dates = pd.date_range("2024-03-04", "2024-06-16", freq="D")
    open_day = hours.is_open(dates, freq="D")
    after = [
        d
        for i, d in enumerate(dates)
        if open_day[i]
        and i > 0
        and not open_day[i - 1]
        and d.day_of_week != 0  # not the Monday after a plain weekend
    ]
    local = _local_date(df["ds"])
    hit = local.isin(after) & (df["ds"].dt.hour < 12)
    return df.assign(y=np.where(hit, df["y"] * 2, df["y"])), after


def test_after_closure_profile(sim, frames):
    hours = sim.opening_hours["phone"]
    df, after = _with_catch_up_mornings(frames["phone"], hours)
    assert pd.Timestamp("2024-05-21") in after  # the Tuesday after Whit Monday
    prof = intraday_profiles(df[df["ds"] < CUT], opening_hours=hours)
    uid = "centrum/phone"
    assert prof.day_type(uid, "2024-05-21") == AFTER_CLOSURE
    assert prof.day_type(uid, "2024-05-28") == "tue"
    special = prof.shares(uid, "2024-05-21")
    usual = prof.shares(uid, "2024-05-28")
    assert special.attrs["day_type"] == AFTER_CLOSURE
    morning = special.index < "12:00"
    assert special[morning].sum() > usual[morning].sum() + 0.1

    # split picks the after-closure profile for the day after a closure in the forecast
    daily = pd.DataFrame(
        {
            "unique_id": uid,
            "ds": pd.date_range("2024-05-20", "2024-05-22", freq="D", tz=TZ),
            "m": [0.0, 700.0, 500.0],
        }
    )
    out = split(daily, prof)
    day = _local_date(out["ds"])
    tue = out[day == pd.Timestamp("2024-05-21")]
    tue = tue.set_index(tue["ds"].dt.strftime("%H:%M"))
    np.testing.assert_allclose(tue.loc[special.index, "m"], 700.0 * special.to_numpy())
    assert (out.loc[day == pd.Timestamp("2024-05-20"), "m"] == 0).all()

    # too few examples: falls back to the weekday profile and says so
    few = intraday_profiles(df[df["ds"] < CUT], opening_hours=hours, min_days=4)
    row = few.info.set_index("day_type").loc[AFTER_CLOSURE]
    assert (row["n_days"], row["fallback"]) == (3, "weekday")
    assert AFTER_CLOSURE not in set(few.to_frame()["day_type"])
    assert few.day_type(uid, "2024-05-21") == "tue"


def test_after_closure_from_zero_daily_forecast_without_hours(frames, sim):
    df, _ = _with_catch_up_mornings(frames["phone"], sim.opening_hours["phone"])
    prof = intraday_profiles(df[df["ds"] < CUT])  # closures seen as absent days
    assert prof.info.set_index("day_type").loc[AFTER_CLOSURE, "n_days"] == 3
    daily = pd.DataFrame(
        {
            "unique_id": "centrum/phone",
            "ds": pd.date_range("2024-06-10", "2024-06-12", freq="D", tz=TZ),
            "m": [500.0, 0.0, 600.0],  # a local closure day forecast as zero
        }
    )
    out = split(daily, prof)
    wed = out[_local_date(out["ds"]) == pd.Timestamp("2024-06-12")]
    expected = prof.shares("centrum/phone", "2024-06-12", day_type=AFTER_CLOSURE)
    got = wed.set_index(wed["ds"].dt.strftime("%H:%M"))["m"]
    np.testing.assert_allclose(got[expected.index], 600.0 * expected.to_numpy())


# ------------------------------------------------------------------ split


def test_closure_days_get_zero_and_say_so(sim, profiles):
    daily = pd.DataFrame(
        {"unique_id": "centrum/desk", "ds": [pd.Timestamp("2024-05-20", tz=TZ)], "m": [90.0]}
    )
    with pytest.warns(DataWarning, match=r"1 day\(s\).*no open interval.*2024-05-20"):
        out = split(daily, profiles["desk"])  # Whit Monday: closed by the opening hours
    assert len(out) == 48
    assert (out["m"] == 0).all() and not out["is_open"].any()


def test_afternoon_closure_renormalises_over_open_slots(sim, profiles):
    hours = sim.opening_hours["desk"]
    day = pd.Timestamp("2024-06-06", tz=TZ)  # a Thursday: staff training from 13:00
    closed = (day + pd.Timedelta("13h"), day + pd.Timedelta("20h"))

    def training(ds):
        ds = pd.DatetimeIndex(ds)
        return hours.is_open(ds) & ~((ds >= closed[0]) & (ds < closed[1]))

    daily = pd.DataFrame({"unique_id": "centrum/desk", "ds": [day], "m": [150.0]})
    normal = split(daily, profiles["desk"]).set_index("ds")["m"]
    short = split(daily, profiles["desk"], opening_hours=training).set_index("ds")
    assert short["m"].sum() == pytest.approx(150.0)
    assert (short.loc[short.index >= closed[0], "m"] == 0).all()
    morning = (short.index >= day + pd.Timedelta("8h30min")) & (short.index < closed[0])
    assert short.loc[morning, "is_open"].all()
    ratio = short.loc[morning, "m"] / normal[morning]
    np.testing.assert_allclose(ratio, 150.0 / normal[morning].sum())


def test_bounds_are_nested_carried_and_cover(sim, frames, profiles):
    uid = "centrum/phone"
    truth = _truth(sim, uid)
    daily = _daily(truth)
    # the day's uncertainty: Poisson plus the simulator's day shock (Gamma, shape 150)
    sd = np.sqrt(daily["m"] + daily["m"] ** 2 / 150)
    for level in LEVELS:
        daily[f"m-lo-{level}"] = np.maximum(daily["m"] - Z[level] * sd, 0.0)
        daily[f"m-hi-{level}"] = daily["m"] + Z[level] * sd
    daily["cutoff"] = CUT - pd.Timedelta(days=1)
    daily["y"] = -1.0  # daily actuals are not carried to intervals
    out = split(daily, profiles["phone"])
    assert "y" not in out.columns and (out["cutoff"] == daily["cutoff"].iloc[0]).all()
    cols = ["m-lo-95", "m-lo-80", "m", "m-hi-80", "m-hi-95"]
    values = out[cols].to_numpy()
    assert (values >= 0).all() and (np.diff(values, axis=1) >= -1e-12).all()
    closed = ~out["is_open"]
    assert (values[closed.to_numpy()] == 0).all()
    # bounds are at least the scaled daily bounds, so the day's hi is covered
    day = _local_date(out["ds"])
    for level in LEVELS:
        hi_sum = out.groupby(day)[f"m-hi-{level}"].sum().to_numpy()
        assert (hi_sum >= daily[f"m-hi-{level}"].to_numpy() - 1e-9).all()
    # interval counts drawn by the simulator fall inside at about the nominal rate
    actual = frames["phone"][frames["phone"]["ds"] >= CUT][["unique_id", "ds", "y"]]
    merged = out.merge(actual, on=["unique_id", "ds"])
    assert len(merged) == 15 * 18  # 15 open weekdays x 18 half hours
    for level, (lo, hi) in zip(LEVELS, [(0.72, 0.88), (0.9, 0.99)], strict=True):
        inside = (merged["y"] >= merged[f"m-lo-{level}"]) & (merged["y"] <= merged[f"m-hi-{level}"])
        assert lo <= inside.mean() <= hi
    # scaling the daily bounds alone (no count noise) covers far too little
    scaled = split(daily, profiles["phone"], dispersion=0.0).merge(actual, on=["unique_id", "ds"])
    inside = (scaled["y"] >= scaled["m-lo-80"]) & (scaled["y"] <= scaled["m-hi-80"])
    assert inside.mean() < 0.6
    # ... and is exactly share x daily bound
    ratio = (daily["m-hi-80"] / daily["m"]).set_axis(daily["ds"])
    expected = ratio.reindex(_local_date(scaled["ds"])).to_numpy()
    np.testing.assert_allclose(scaled["m-hi-80"] / scaled["m"], expected)
    assert profiles["phone"].dispersion["centrum/phone"] > 1.2  # overdispersed counts


def test_split_to_a_coarser_grid(profiles):
    daily = pd.DataFrame(
        {"unique_id": "centrum/phone", "ds": [pd.Timestamp("2024-06-04", tz=TZ)], "m": [480.0]}
    )
    half = split(daily, profiles["phone"]).set_index("ds")["m"]
    hourly = split(daily, profiles["phone"], freq="h").set_index("ds")["m"]
    assert len(hourly) == 24
    np.testing.assert_allclose(hourly.to_numpy(), half.to_numpy().reshape(24, 2).sum(axis=1))
    with pytest.raises(ConfigError, match="multiple"):
        split(daily, profiles["phone"], freq="15min")


# ------------------------------------------------------------------ DST (hourly web)


@pytest.fixture(scope="module")
def web_spring():
    sim = simulate_municipality(
        seed=1,
        start="2024-03-04",
        end="2024-04-07",
        locations=("centrum",),
        freq="h",
        social_spikes=False,  # unforeseeable spikes are not the profiles' job
    )
    return sim, sim.frame("web", freq="h")


@pytest.fixture(scope="module")
def web_autumn():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # repeated 02:00 read in order
        sim = simulate_municipality(
            seed=2,
            start="2024-09-23",
            end="2024-11-03",
            locations=("centrum",),
            freq="h",
            social_spikes=False,
        )
        return sim, sim.frame("web", freq="h")


def _web_truth(sim, start):
    t = sim.truth
    return t[(t["unique_id"] == "website/web") & (t["ds"] >= pd.Timestamp(start, tz=TZ))]


def test_dst_spring_day_has_23_intervals(web_spring):
    sim, web = web_spring
    prof = intraday_profiles(web)
    assert prof.shares("website/web", "2024-03-31").index.tolist()[:3] == [
        "00:00",
        "01:00",
        "02:00",
    ]  # other Sundays have 02:00
    truth = _web_truth(sim, "2024-03-25")
    daily = _daily(truth)
    out = split(daily, prof)
    sizes = out.groupby(_local_date(out["ds"])).size()
    assert sizes[pd.Timestamp("2024-03-31")] == 23
    assert (sizes.drop(pd.Timestamp("2024-03-31")) == 24).all()
    assert coherence_check(out, daily) < 1e-9 * daily["m"].max()
    dst = out[_local_date(out["ds"]) == pd.Timestamp("2024-03-31")]
    assert "02:00" not in set(dst["ds"].dt.strftime("%H:%M"))
    merged = out.merge(truth, on=["unique_id", "ds"], validate="1:1")
    assert len(merged) == len(out)
    assert _wape(merged["y"].to_numpy(), merged["m"].to_numpy()) < 0.1
    # a profile learnt from the 23-hour Sunday alone has no 02:00 slot
    sunday = web[_local_date(web["ds"]) == pd.Timestamp("2024-03-31")]
    alone = intraday_profiles(sunday, k_weeks=1, smooth=False).shares("website/web", "2024-03-31")
    assert len(alone) == 23 and "02:00" not in alone.index


def test_dst_autumn_day_has_25_intervals(web_autumn):
    sim, web = web_autumn
    prof = intraday_profiles(web[web["ds"] < pd.Timestamp("2024-10-21", tz=TZ)])
    truth = _web_truth(sim, "2024-10-21")
    daily = _daily(truth)
    out = split(daily, prof)
    sizes = out.groupby(_local_date(out["ds"])).size()
    assert sizes[pd.Timestamp("2024-10-27")] == 25
    assert (sizes.drop(pd.Timestamp("2024-10-27")) == 24).all()
    assert coherence_check(out, daily) < 1e-9 * daily["m"].max()
    dst = out[_local_date(out["ds"]) == pd.Timestamp("2024-10-27")]
    twice = dst[dst["ds"].dt.strftime("%H:%M") == "02:00"]
    assert len(twice) == 2 and twice["m"].iloc[0] == twice["m"].iloc[1]
    share = prof.shares("website/web", "2024-10-27")["02:00"]
    total = daily.set_index("ds").loc[pd.Timestamp("2024-10-27"), "m"]
    np.testing.assert_allclose(twice["m"].sum(), share * total)  # split over both
    merged = out.merge(truth, on=["unique_id", "ds"], validate="1:1")
    assert _wape(merged["y"].to_numpy(), merged["m"].to_numpy()) < 0.1
    # learning from the 25-hour Sunday: both 02:00 hours add to the 02:00 slot
    sunday = web[_local_date(web["ds"]) == pd.Timestamp("2024-10-27")]
    assert len(sunday) == 25
    alone = intraday_profiles(sunday, k_weeks=1, smooth=False).shares("website/web", "2024-10-27")
    two = sunday.loc[sunday["ds"].dt.strftime("%H:%M") == "02:00", "y"].sum()
    assert len(alone) == 24
    assert alone["02:00"] == pytest.approx(two / sunday["y"].sum())


# ------------------------------------------------------------------ real bank calls


@pytest.fixture(scope="module")
def bank():
    from conftest import find_data_file

    path = find_data_file("bank_calls_5min_2003-07-14_2003-09-19.csv")
    if path is None:
        pytest.skip("bank_calls_5min_2003-07-14_2003-09-19.csv not found")
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    # local wall-clock without a stated zone (no DST change in this slice): keep as labelled
    return pd.DataFrame(
        {
            "unique_id": raw["series_id"].astype(str),
            "ds": raw["timestamp"].dt.tz_localize("UTC"),
            "y": raw["count"].astype(float),
        }
    )


def test_bank_calls_profiles_peak_mid_morning(bank):
    cut = pd.Timestamp("2003-09-08", tz="UTC")
    prof = intraday_profiles(bank[bank["ds"] < cut], freq="30min")  # 5-min -> 30-min slots
    assert prof.freq == "30min"
    table = prof.to_frame()
    for kind, part in table.groupby("day_type"):
        shares = part.set_index("slot")["share"]
        assert (shares.index[0], shares.index[-1], len(shares)) == ("07:00", "21:00", 29)
        hourly = shares.groupby(shares.index.str[:2]).sum()
        assert hourly.idxmax() == "10", kind  # the 10-11 am peak hour
        assert shares["07:00"] < 0.5 * shares.max()
    # Labor Day (1 Sep) was absent: one day after a closure, too few for its own profile
    row = prof.info.set_index("day_type").loc[AFTER_CLOSURE]
    assert (row["n_days"], row["fallback"]) == (1, "weekday")
    assert prof.dispersion["na_bank_calls"] > 1.0

    # the actual daily totals of the last two weeks, spread by the profiles
    test = bank[bank["ds"] >= cut].assign(ds=lambda d: d["ds"].dt.floor("30min"))
    test = test.groupby(["unique_id", "ds"], as_index=False)["y"].sum()
    daily = _daily(test)
    out = split(daily, prof).merge(test, on=["unique_id", "ds"], validate="1:1")
    assert len(out) == 10 * 29
    assert _wape(out["y"].to_numpy(), out["m"].to_numpy()) < 0.08


@settings(max_examples=20, deadline=None)
@given(
    totals=st.lists(st.floats(0.0, 5e4), min_size=1, max_size=10),
    spread=st.floats(0.0, 0.5),
)
def test_split_sums_to_daily_and_nests_bounds(bank_profiles, totals, spread):
    n = len(totals)
    m = np.array(totals)
    daily = pd.DataFrame(
        {
            "unique_id": "na_bank_calls",
            "ds": pd.date_range("2003-09-22", periods=n, freq="D", tz="UTC"),
            "m": m,
            "m-lo-80": m * (1 - spread),
            "m-hi-80": m * (1 + spread),
            "m-lo-95": m * (1 - 1.5 * spread),
            "m-hi-95": m * (1 + 1.5 * spread),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # weekend days forecast > 0
        out = split(daily, bank_profiles)
    weekday = daily["ds"].dt.day_of_week.to_numpy() < 5
    expected = pd.Series(np.where(weekday, m, 0.0), index=daily["ds"].dt.tz_localize(None))
    got = out.groupby(_local_date(out["ds"]))["m"].sum()
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-8)
    cols = ["m-lo-95", "m-lo-80", "m", "m-hi-80", "m-hi-95"]
    assert (np.diff(out[cols].to_numpy(), axis=1) >= -1e-9).all()
    assert (out[cols].to_numpy() >= 0).all()


@pytest.fixture(scope="module")
def bank_profiles(bank):
    return intraday_profiles(bank, freq="30min")


# ------------------------------------------------------------------ errors


def test_errors_name_the_problem_and_the_fix(profiles, frames):
    prof = profiles["desk"]
    off = pd.DataFrame(
        {
            "unique_id": "centrum/desk",
            "ds": pd.DatetimeIndex(["2024-06-03 00:00", "2024-06-04 08:30"], tz=TZ),
            "m": [1.0, 2.0],
        }
    )
    with pytest.raises(InvalidFrameError, match=r"'ds'.*local midnight.*2024-06-04 08:30.*Fix"):
        split(off, prof)
    unknown = off.iloc[:1].assign(unique_id="zuid/desk")
    with pytest.raises(ConfigError, match=r"'zuid/desk'.*centrum/desk.*Fix"):
        split(unknown, prof)
    orphan = off.iloc[:1].rename(columns={"m": "x"}).assign(**{"m-hi-80": 3.0})
    with pytest.raises(InvalidFrameError, match=r"'m-hi-80'.*point column 'm'"):
        split(orphan, prof)
    with pytest.raises(ConfigError, match="IntradayProfiles"):
        split(off.iloc[:1], prof.to_frame())
    daily = _daily(frames["desk"]).assign(ds=lambda d: d["ds"].dt.tz_localize(TZ))
    daily = daily.rename(columns={"m": "y"})
    with pytest.raises(InvalidFrameError, match="sub-daily"):
        intraday_profiles(daily)
    with pytest.raises(ConfigError, match="k_weeks"):
        intraday_profiles(frames["desk"], k_weeks=0)
    with pytest.raises(ConfigError, match="day_types"):
        intraday_profiles(frames["desk"], day_types="month")
    with pytest.raises(ConfigError, match="multiple"):
        intraday_profiles(frames["desk"], freq="15min")


def test_one_profile_for_all_days(frames):
    hist = frames["phone"][frames["phone"]["ds"] < CUT]
    prof = intraday_profiles(hist, day_types="all")
    assert set(prof.to_frame()["day_type"]) == {"all", AFTER_CLOSURE}
    assert prof.day_type("centrum/phone", "2024-06-04") == "all"
    assert isinstance(prof, IntradayProfiles) and "1 series" in repr(prof)


def test_weekday_opened_by_hours_uses_the_pooled_profile(sim, profiles):
    from demandcast.calendar import OpeningHours

    # a one-off Saturday opening (election day): no Saturday history to learn from
    hours = OpeningHours.from_dict({"mon-fri": "08:00-17:00", "sat": "09:00-13:00"})
    daily = pd.DataFrame(
        {"unique_id": "centrum/phone", "ds": [pd.Timestamp("2024-06-08", tz=TZ)], "m": [120.0]}
    )
    with pytest.warns(DataWarning, match="no open interval"):
        assert split(daily, profiles["phone"])["m"].sum() == 0  # closed as in the history
    out = split(daily, profiles["phone"], opening_hours=hours)
    assert out["m"].sum() == pytest.approx(120.0)
    open_ = out[out["m"] > 0]
    assert open_["ds"].dt.strftime("%H:%M").tolist() == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "12:00",
        "12:30",
    ]
    assert open_["m"].idxmax() in open_.index[1:3]  # the mid-morning peak of the weekdays


def test_hourly_split_of_half_hour_desk_profiles_keeps_the_0830_opening(profiles):
    daily = pd.DataFrame(
        {"unique_id": "centrum/desk", "ds": [pd.Timestamp("2024-06-04", tz=TZ)], "m": [100.0]}
    )
    half = split(daily, profiles["desk"]).set_index("ds")["m"]
    hourly = split(daily, profiles["desk"], freq="h").set_index("ds")
    eight = pd.Timestamp("2024-06-04 08:00", tz=TZ)
    assert hourly.loc[eight, "is_open"]  # 08:00-09:00 holds the 08:30 opening queue
    assert hourly.loc[eight, "m"] == pytest.approx(half[eight + pd.Timedelta("30min")])
    assert hourly["m"].sum() == pytest.approx(100.0)
