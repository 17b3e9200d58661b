"""Tests for demandcast.datasets: the simulated municipality and its ground truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demandcast.datasets import SimulatedMunicipality, simulate_municipality
from demandcast.exceptions import ConfigError

TZ = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def year() -> SimulatedMunicipality:
    """A year for three locations: the size the Quickstart and benchmarks use."""
    return simulate_municipality(seed=0)


@pytest.fixture(scope="module")
def year_without_spikes() -> SimulatedMunicipality:
    return simulate_municipality(seed=0, social_spikes=False)


def _channel_truth(sim: SimulatedMunicipality, channel: str) -> pd.Series:
    """Municipality-wide truth of one channel per interval (indexed by tz-aware ds)."""
    t = sim.truth
    return t[t["unique_id"].str.endswith(f"/{channel}")].groupby("ds")["y"].sum()


def _hourly(values: pd.Series) -> pd.Series:
    return values.groupby(values.index.tz_convert("UTC").floor("h")).sum()


def _daily_calls(sim: SimulatedMunicipality) -> pd.Series:
    return sim.phone_calls["call_start"].dt.normalize().value_counts().sort_index()


# --------------------------------------------------------------------------- shape


def test_year_three_locations_has_realistic_volumes(year):
    calls, tickets, web = year.phone_calls, year.desk_tickets, year.web_visits
    assert calls.columns.tolist() == [
        "call_start", "location", "queue", "outcome", "wait_seconds", "handle_seconds",
        "caller_id",
    ]  # fmt: skip
    assert tickets.columns.tolist() == [
        "ticket_time", "location", "product", "wait_seconds", "service_seconds", "citizen_id",
    ]  # fmt: skip
    assert web.columns.tolist() == ["timestamp", "location", "visits", "pageviews"]
    assert calls["call_start"].dt.tz is None and tickets["ticket_time"].dt.tz is None

    open_days = calls["call_start"].dt.normalize().nunique()
    assert 245 <= open_days <= 256  # weekdays of 2024 minus public holidays
    per_day = calls.groupby("location").size() / open_days
    assert per_day.between(300, 650).all(), per_day
    desk_per_day = tickets.groupby("location").size() / open_days
    assert desk_per_day.between(80, 200).all(), desk_per_day
    assert 4_000 < web["visits"].sum() / 366 < 6_000
    assert set(web["location"]) == {"website"}
    assert (web["pageviews"] >= web["visits"]).all()

    assert set(calls["queue"]) == {"algemeen", "belastingen", "burgerzaken"}
    assert set(tickets["product"]) == {
        "paspoort",
        "id-kaart",
        "rijbewijs",
        "verhuizing",
        "uittreksel",
    }
    assert calls["caller_id"].str.fullmatch(r"06\d{8}").all()
    assert tickets["citizen_id"].str.fullmatch(r"\d{9}").all()
    answered = calls[calls["outcome"] == "answered"]
    assert 240 < answered["handle_seconds"].mean() < 300  # AHT 4-5 minutes
    assert (calls.loc[calls["outcome"] == "abandoned", "handle_seconds"] == 0).all()
    assert 0.02 < (calls["outcome"] == "abandoned").mean() < 0.12


def test_truth_covers_every_interval_of_every_series(year):
    truth = year.truth
    ids = ["centrum/desk", "centrum/phone", "noord/desk", "noord/phone", "website/web",
           "zuid/desk", "zuid/phone"]  # fmt: skip
    assert sorted(truth["unique_id"].unique()) == ids
    assert str(truth["ds"].dt.tz) == TZ
    assert (truth["y"] >= 0).all()
    per_series = truth.groupby("unique_id").size()
    assert (per_series == 366 * 48).all()  # DST days: 46 + 50 intervals
    web = truth[truth["unique_id"] == "website/web"]
    per_day = web.groupby(web["ds"].dt.date).size()
    assert per_day[dt.date(2024, 3, 31)] == 46
    assert per_day[dt.date(2024, 10, 27)] == 50
    assert truth.equals(truth.sort_values(["unique_id", "ds"]))


def test_truth_sums_match_event_counts(year):
    checks = {
        "phone": len(year.phone_calls),
        "desk": len(year.desk_tickets),
        "web": year.web_visits["visits"].sum(),
    }
    for channel, drawn in checks.items():
        expected = _channel_truth(year, channel).sum()
        assert drawn == pytest.approx(expected, rel=0.02), channel


def test_counts_are_overdispersed(year):
    truth = year.truth[year.truth["unique_id"] == "centrum/phone"].set_index("ds")["y"]
    calls = year.phone_calls[year.phone_calls["location"] == "centrum"]
    ds = (
        calls["call_start"].dt.floor("30min").dt.tz_localize(TZ, ambiguous="NaT", nonexistent="NaT")
    )
    counts = ds.value_counts().reindex(truth.index, fill_value=0)
    busy = truth > 5
    resid = counts[busy] - truth[busy]
    ratio = (resid**2).sum() / truth[busy].sum()
    assert ratio > 1.3  # Poisson would give 1


def test_some_abandoned_callers_redial(year):
    calls = year.phone_calls
    day = calls["call_start"].dt.normalize()
    abandoned = calls[calls["outcome"] == "abandoned"]
    key = ["caller_id", "location"]
    seen_later = calls.assign(day=day).merge(
        abandoned.assign(day=day[abandoned.index], t0=abandoned["call_start"])[[*key, "day", "t0"]],
        on=[*key, "day"],
    )
    redials = seen_later[seen_later["call_start"] > seen_later["t0"]]
    share = redials.drop_duplicates([*key, "t0"]).shape[0] / len(abandoned)
    assert 0.2 < share < 0.7


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_data_other_seed_differs():
    kw = {"start": "2024-02-26", "end": "2024-03-06", "locations": ("a", "b")}
    first, again = simulate_municipality(seed=3, **kw), simulate_municipality(seed=3, **kw)
    for name in ("phone_calls", "desk_tickets", "web_visits", "social", "truth", "mailings"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name))
    other = simulate_municipality(seed=4, **kw)
    assert not first.phone_calls.equals(other.phone_calls)
    assert not first.social.equals(other.social)


def test_switching_an_effect_off_keeps_the_other_draws():
    kw = {"seed": 5, "start": "2024-01-01", "end": "2024-01-31"}
    with_spikes, without = (
        simulate_municipality(**kw),
        simulate_municipality(**kw, social_spikes=False),
    )
    assert (without.events["kind"] == "social_spike").sum() == 0
    pd.testing.assert_frame_equal(with_spikes.mailings, without.mailings)
    # Only the spikes differ: the baseline mentions are the same draws.
    excess = with_spikes.social["mentions"] - without.social["mentions"]
    assert (excess >= -60).all()


# --------------------------------------------------------------------------- calendar


def test_no_calls_or_tickets_when_closed(year):
    calls, tickets = year.phone_calls["call_start"], year.desk_tickets["ticket_time"]
    assert year.opening_hours["phone"].is_open(calls.dt.floor("30min"), freq="30min").all()
    assert year.opening_hours["desk"].is_open(tickets.dt.floor("30min"), freq="30min").all()
    for day in ("2024-01-01", "2024-04-01", "2024-05-09", "2024-12-25", "2024-12-26"):
        assert not (calls.dt.normalize() == day).any(), day
        assert not (tickets.dt.normalize() == day).any(), day
    assert calls.dt.day_of_week.max() <= 4
    hours = calls.dt.hour + calls.dt.minute / 60
    assert hours.min() >= 8 and hours.max() < 17
    late = tickets[tickets.dt.hour >= 17]
    assert len(late) > 1_000 and (late.dt.day_of_week == 3).all()  # Thursday evening only


def test_closed_on_kings_day_with_catch_up_next_day():
    sim = simulate_municipality(seed=8, start="2023-04-17", end="2023-04-28")  # 27 Apr = Thu
    calls = _daily_calls(sim)
    assert pd.Timestamp("2023-04-27") not in calls.index
    tickets = sim.desk_tickets["ticket_time"].dt.normalize()
    assert not (tickets == "2023-04-27").any()
    # Friday after Koningsdag carries the lost Thursday: busier than the Friday before.
    assert calls[pd.Timestamp("2023-04-28")] > 1.15 * calls[pd.Timestamp("2023-04-21")]


def test_truth_is_zero_exactly_when_closed(year):
    truth = year.truth
    for channel in ("phone", "desk"):
        part = truth[truth["unique_id"].str.endswith(f"/{channel}")]
        is_open = year.opening_hours[channel].is_open(part["ds"], freq="30min")
        assert (part.loc[~is_open, "y"] == 0).all()
        assert (part.loc[is_open, "y"] > 0).all()
    web = truth[truth["unique_id"] == "website/web"]
    assert (web["y"] > 0).all()


def test_no_events_in_the_skipped_march_hour(year):
    calls, visits = year.phone_calls["call_start"], year.web_visits["timestamp"]
    skipped = (visits >= "2024-03-31 02:00") & (visits < "2024-03-31 03:00")
    assert not skipped.any()
    assert ((visits >= "2024-10-27 02:00") & (visits < "2024-10-27 03:00")).sum() == 2
    assert calls.is_monotonic_increasing


def test_catch_up_after_easter_and_school_holiday_dip(year):
    phone = _channel_truth(year, "phone")
    phone_day = phone.groupby(phone.index.date).sum()
    # Tuesday after Easter Monday vs the Tuesday a week before.
    assert phone_day[dt.date(2024, 4, 2)] > 1.2 * phone_day[dt.date(2024, 3, 26)]
    desk = _channel_truth(year, "desk")
    desk_day = desk.groupby(desk.index.date).sum()
    autumn = sum(desk_day[dt.date(2024, 10, 28) + dt.timedelta(d)] for d in range(5))
    before = sum(desk_day[dt.date(2024, 10, 14) + dt.timedelta(d)] for d in range(5))
    assert 0.75 < autumn / before < 0.92


def test_passport_wave_rises_through_the_year(year):
    tickets = year.desk_tickets
    passport = tickets["product"].isin(["paspoort", "id-kaart"])
    month = tickets["ticket_time"].dt.month
    early = passport[month.isin([1, 2])].mean()
    late = passport[month.isin([11, 12])].mean()
    assert late > early + 0.05
    flat = simulate_municipality(seed=0, start="2024-11-04", end="2024-11-15",
                                 passport_wave=False)  # fmt: skip
    assert flat.desk_tickets["product"].isin(["paspoort", "id-kaart"]).mean() < late - 0.05


# --------------------------------------------------------------------------- signals


def test_tax_letters_raise_phone_demand(year):
    mailings = year.mailings
    tax = mailings[mailings["name"] == "aanslag gemeentelijke belastingen"]
    assert tax["date"].tolist() == [pd.Timestamp("2024-02-29")]  # last weekday of February
    assert (tax["letters"] >= 40_000).all()
    reminder = mailings[mailings["name"] == "herinnering"]["date"].iloc[0]
    assert pd.Timedelta(weeks=5) < reminder - tax["date"].iloc[0] < pd.Timedelta(weeks=7)

    after = [pd.Timestamp(d) for d in ("2024-03-01", "2024-03-04", "2024-03-05")]
    month_before = [d - pd.Timedelta(weeks=4) for d in after]
    calls = _daily_calls(year)
    assert calls[after].sum() > 1.5 * calls[month_before].sum()
    phone = _channel_truth(year, "phone")
    truth_day = phone.groupby(phone.index.tz_localize(None).normalize()).sum()
    assert truth_day[after].sum() > 1.5 * truth_day[month_before].sum()
    # The response is over within a week and a half.
    later = [d + pd.Timedelta(weeks=2) for d in after]
    assert truth_day[later].sum() < 1.2 * truth_day[month_before].sum()
    assert calls[after].sum() / len(after) > 2_000


def test_social_spikes_lead_phone_demand(year, year_without_spikes):
    spikes = year.events[year.events["kind"] == "social_spike"]
    assert 2 <= len(spikes) <= 12
    base = _hourly(_channel_truth(year_without_spikes, "phone"))
    mentions = year.social.set_index("timestamp")["mentions"]
    mentions.index = mentions.index.tz_convert("UTC")
    x = mentions.reindex(base.index).to_numpy(float)

    def peak_lag(y: np.ndarray) -> int:
        lags = np.arange(-24, 49)
        n = len(x)
        corr = [
            np.corrcoef(x[max(0, -k) : n - max(0, k)], y[max(0, k) : n - max(0, -k)])[0, 1]
            for k in lags
        ]
        return int(lags[int(np.argmax(corr))])

    excess_truth = (_hourly(_channel_truth(year, "phone")) - base).to_numpy()
    assert 3 <= peak_lag(excess_truth) <= 30
    ds = year.phone_calls["call_start"].dt.tz_localize(TZ, ambiguous="NaT", nonexistent="NaT")
    counts = ds.dt.tz_convert("UTC").dt.floor("h").value_counts().reindex(base.index, fill_value=0)
    assert peak_lag((counts - base).to_numpy(float)) > 0
    # Web reacts within hours, before phone.
    web_base = _hourly(_channel_truth(year_without_spikes, "web"))
    web_excess = (_hourly(_channel_truth(year, "web")) - web_base).to_numpy()
    assert 0 <= peak_lag(web_excess) <= 3


def test_regressors_and_roles(year):
    X = year.regressors("D")
    assert X.columns.tolist() == ["ds", "mailing_letters", "social_mentions"]
    assert len(X) == 366 and str(X["ds"].dt.tz) == TZ
    assert year.roles == {"mailing_letters": "future", "social_mentions": "past"}
    sent = X.loc[X["mailing_letters"] > 0, "ds"].dt.tz_localize(None).tolist()
    assert sent == year.mailings["date"].tolist()
    assert X["social_mentions"].sum() == year.social["mentions"].sum()
    fine = year.regressors("15min")
    assert len(fine) == 366 * 96 and fine["social_mentions"].sum() == pytest.approx(
        year.social["mentions"].sum()
    )
    # every quarter hour of the send date carries the letters (96 a day, no DST in Feb/Apr)
    per_day = fine.groupby(fine["ds"].dt.date)["mailing_letters"].max()
    assert per_day[per_day > 0].tolist() == year.mailings["letters"].tolist()
    assert fine["mailing_letters"].sum() == 96 * year.mailings["letters"].sum()


@pytest.mark.parametrize("freq", ["h", "D", "15min"])
def test_truth_at_other_frequencies_adds_up(freq):
    kw = {"seed": 2, "start": "2024-10-21", "end": "2024-11-03", "locations": ("x",)}
    fine = simulate_municipality(**kw)
    other = simulate_municipality(**kw, freq=freq)
    totals = other.truth.groupby("unique_id")["y"].sum()
    # 15-minute steps discretise the social lag kernel a little differently.
    rel = 1e-3 if freq == "15min" else 1e-9
    assert totals.to_numpy() == pytest.approx(fine.truth.groupby("unique_id")["y"].sum(), rel=rel)
    per_day = {"h": 24, "D": 1, "15min": 96}[freq]
    assert len(other.truth) == 3 * (14 * per_day + per_day // 24)  # 27 Oct has 25 hours
    if freq != "15min":  # coarser truth, same 30-minute draws underneath
        pd.testing.assert_frame_equal(other.phone_calls, fine.phone_calls)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    start=st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 1)),
    days=st.integers(1, 10),
    scale=st.floats(0.1, 3.0),
)
def test_any_short_run_is_consistent(seed, start, days, scale):
    sim = simulate_municipality(seed, start, start + dt.timedelta(days=days - 1), scale=scale)
    truth = sim.truth
    assert np.isfinite(truth["y"]).all() and (truth["y"] >= 0).all()
    assert truth["ds"].dt.date.min() == start
    calls = sim.phone_calls["call_start"]
    assert calls.empty or sim.opening_hours["phone"].is_open(calls.dt.floor("30min")).all()
    assert len(sim.social) == len(sim.web_visits)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"freq": "20min"}, "freq"),
        ({"freq": "banana"}, "freq"),
        ({"start": "2024-05-01", "end": "2024-04-01"}, "end"),
        ({"locations": ("a", "a")}, "locations"),
        ({"locations": ("a/b",)}, "locations"),
        ({"region": "oost"}, "region"),
        ({"scale": 0}, "scale"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_parameters_are_named(kwargs, word):
    with pytest.raises(ConfigError, match=word):
        simulate_municipality(**kwargs)


# --------------------------------------------------------------------------- loaders


def _loader(name: str):
    loaders = pytest.importorskip("demandcast.loaders")
    if not hasattr(loaders, name):
        pytest.skip(f"demandcast.loaders.{name} is not there yet")


def test_frame_phone_matches_the_call_log():
    _loader("load_phone")
    sim = simulate_municipality(seed=1, start="2024-02-26", end="2024-03-10")
    df = sim.frame("phone", freq="D")
    assert sorted(df["unique_id"].unique()) == ["centrum/phone", "noord/phone", "zuid/phone"]
    assert df["y"].sum() == len(sim.phone_calls)
    truth = sim.truth[sim.truth["unique_id"].str.endswith("/phone")]
    assert df["y"].sum() == pytest.approx(truth["y"].sum(), rel=0.05)
    with pytest.raises(ConfigError, match="channel"):
        sim.frame("fax")


def test_frame_all_channels():
    for name in ("load_phone", "load_desk", "load_web"):
        _loader(name)
    sim = simulate_municipality(seed=1, start="2024-03-04", end="2024-03-10")
    df = sim.frame(freq="D")
    assert set(df["unique_id"]) == set(sim.truth["unique_id"])
    web = df[df["unique_id"] == "website/web"]
    assert web["y"].sum() == sim.web_visits["visits"].sum()
