"""Tests for demandcast.calendar: holidays, closures, opening hours, calendar features."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandcast.calendar import (
    DEFAULT_TZ,
    OpeningHours,
    calendar_features,
    closure_days,
    dst_transition_days,
    dutch_holidays,
)
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError

D = dt.date


def local_day_grid(day: dt.date, freq: str) -> pd.DatetimeIndex:
    """Every interval start of one local day, built in local time (DST-correct)."""
    start = pd.Timestamp(day, tz=DEFAULT_TZ)
    end = pd.Timestamp(day + dt.timedelta(days=1), tz=DEFAULT_TZ)
    return pd.date_range(start, end, freq=freq, inclusive="left")


def named(frame: pd.DataFrame, name: str, kind: str = "public") -> list[dt.date]:
    rows = frame[(frame["name"] == name) & (frame["kind"] == kind)]
    return sorted(rows["date"])


def school_blocks(frame: pd.DataFrame, name: str) -> list[tuple[dt.date, dt.date]]:
    days = sorted(frame.loc[(frame["kind"] == "school") & (frame["name"] == name), "date"])
    blocks: list[list[dt.date]] = []
    for day in days:
        if blocks and (day - blocks[-1][1]).days == 1:
            blocks[-1][1] = day
        else:
            blocks.append([day, day])
    return [(a, b) for a, b in blocks]


# ----------------------------------------------------------------------------- holidays


class TestDutchHolidays:
    def test_kings_day_moves_to_saturday_when_27_april_is_a_sunday(self):
        hol = dutch_holidays("2024-01-01", "2026-12-31", school=False)
        assert named(hol, "King's Day") == [D(2024, 4, 27), D(2025, 4, 26), D(2026, 4, 27)]

    def test_christmas_easter_and_whit_monday(self):
        hol = dutch_holidays("2024-01-01", "2026-12-31", school=False)
        assert named(hol, "Christmas Day") == [D(2024, 12, 25), D(2025, 12, 25), D(2026, 12, 25)]
        assert named(hol, "Second Day of Christmas")[0] == D(2024, 12, 26)
        assert named(hol, "Easter Monday") == [D(2024, 4, 1), D(2025, 4, 21), D(2026, 4, 6)]
        assert named(hol, "Pentecost Monday") == [D(2024, 5, 20), D(2025, 6, 9), D(2026, 5, 25)]
        assert named(hol, "Ascension Day") == [D(2024, 5, 9), D(2025, 5, 29), D(2026, 5, 14)]
        assert set(hol["kind"]) == {"public"}

    def test_output_shape_and_range_is_inclusive(self):
        hol = dutch_holidays(D(2025, 12, 25), "2026-01-01", region="noord")
        assert list(hol.columns) == ["date", "name", "kind"]
        assert all(isinstance(d, dt.date) for d in hol["date"])
        assert hol["date"].min() == D(2025, 12, 25)
        assert hol["date"].max() == D(2026, 1, 1)
        assert hol["date"].is_monotonic_increasing
        assert set(hol["kind"]) == {"public", "school"}

    def test_good_friday_only_when_asked(self):
        without = dutch_holidays("2026-01-01", "2026-12-31", school=False)
        with_gf = dutch_holidays("2026-01-01", "2026-12-31", school=False, good_friday=True)
        assert D(2026, 4, 3) not in set(without["date"])
        assert named(with_gf, "Good Friday") == [D(2026, 4, 3)]
        assert len(with_gf) == len(without) + 1

    @pytest.mark.parametrize(
        ("rule", "expected"),
        [
            ("lustrum", [D(2025, 5, 5), D(2030, 5, 5)]),
            (True, [D(y, 5, 5) for y in range(2024, 2031)]),
            (False, []),
        ],
    )
    def test_liberation_day_rule(self, rule, expected):
        hol = dutch_holidays("2024-01-01", "2030-12-31", school=False, liberation_day=rule)
        assert named(hol, "Liberation Day") == expected

    def test_liberation_day_next_to_ascension_day_keeps_both(self):
        # 2016-05-05 was Ascension Day and Liberation Day at once
        lustrum = dutch_holidays("2016-05-05", "2016-05-05", school=False)
        always = dutch_holidays("2016-05-05", "2016-05-05", school=False, liberation_day=True)
        assert list(lustrum["name"]) == ["Ascension Day"]
        assert sorted(always["name"]) == ["Ascension Day", "Liberation Day"]

    def test_spring_break_2025_differs_between_regions(self):
        noord = school_blocks(
            dutch_holidays("2025-01-01", "2025-12-31", region="noord"), "Spring Break"
        )
        zuid = school_blocks(
            dutch_holidays("2025-01-01", "2025-12-31", region="Zuid"), "Spring Break"
        )
        assert noord == [(D(2025, 2, 15), D(2025, 2, 23))]
        assert zuid == [(D(2025, 2, 22), D(2025, 3, 2))]

    def test_summer_holidays_2024_are_staggered_by_region(self):
        starts = {
            region: school_blocks(
                dutch_holidays("2024-01-01", "2024-12-31", region=region), "Summer Break"
            )[0]
            for region in ("noord", "midden", "zuid")
        }
        assert starts["noord"] == (D(2024, 7, 20), D(2024, 9, 1))
        assert starts["midden"] == (D(2024, 7, 13), D(2024, 8, 25))
        assert starts["zuid"] == (D(2024, 7, 6), D(2024, 8, 18))

    def test_christmas_break_crosses_new_year(self):
        hol = dutch_holidays("2025-12-01", "2026-01-31", region="midden")
        assert school_blocks(hol, "Christmas Break") == [(D(2025, 12, 20), D(2026, 1, 4))]

    @pytest.mark.parametrize("region", ["noord", "Midden", "ZUID", " zuid "])
    def test_region_names_any_case(self, region):
        hol = dutch_holidays("2025-07-01", "2025-07-31", region=region)
        assert (hol["kind"] == "school").any()

    def test_unknown_region_lists_the_choices(self):
        with pytest.raises(ConfigError, match=r"'oost'.*'noord', 'midden', 'zuid'"):
            dutch_holidays("2025-01-01", "2025-12-31", region="oost")

    def test_region_none_or_school_false_gives_public_only(self):
        for kwargs in ({"region": None}, {"school": False}):
            hol = dutch_holidays("2025-01-01", "2025-12-31", **kwargs)
            assert set(hol["kind"]) == {"public"}

    def test_years_without_school_calendar_warn_once_and_keep_public(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hol = dutch_holidays("2012-01-01", "2013-12-31", region="midden")
        data_warnings = [w for w in caught if issubclass(w.category, DataWarning)]
        assert len(data_warnings) == 1
        assert "2012: none" in str(data_warnings[0].message)
        assert "2013: none" in str(data_warnings[0].message)
        assert set(hol["kind"]) == {"public"}
        assert D(2013, 12, 25) in set(hol["date"])

    def test_partial_school_year_names_the_missing_break(self):
        with pytest.warns(DataWarning, match="2030: no Autumn Break"):
            hol = dutch_holidays("2030-01-01", "2030-12-31", region="noord")
        assert (hol["kind"] == "school").any()

    def test_complete_years_do_not_warn(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataWarning)
            dutch_holidays("2014-01-01", "2029-12-31", region="zuid")

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"start": "2025-13-01", "end": "2025-12-31"}, "start.*not a date"),
            ({"start": "2025-12-31", "end": "2025-01-01"}, "after end"),
            (
                {"start": "2025-01-01", "end": "2025-12-31", "liberation_day": "yes"},
                "liberation_day.*'lustrum'",
            ),
        ],
    )
    def test_bad_arguments(self, kwargs, match):
        with pytest.raises(ConfigError, match=match):
            dutch_holidays(**kwargs)


class TestClosureDays:
    def test_public_holidays_and_extra_days(self):
        days = closure_days(
            "2026-01-01", "2026-12-31", extra=["2026-05-15", D(2026, 12, 24), "2027-01-02"]
        )
        assert isinstance(days, set)
        assert {D(2026, 1, 1), D(2026, 4, 6), D(2026, 4, 27), D(2026, 12, 25)} <= days
        assert {D(2026, 5, 15), D(2026, 12, 24)} <= days  # bridge day, Christmas Eve
        assert D(2027, 1, 2) not in days  # outside the range asked
        assert D(2026, 4, 3) not in days  # Good Friday off by default
        assert D(2026, 5, 5) not in days  # no lustrum year

    def test_options(self):
        days = closure_days("2026-01-01", "2026-12-31", good_friday=True, liberation_day=True)
        assert {D(2026, 4, 3), D(2026, 5, 5)} <= days
        only_extra = closure_days(
            "2026-01-01", "2026-12-31", extra="2026-05-15", include_public=False
        )
        assert only_extra == {D(2026, 5, 15)}

    def test_missing_values_in_extra_are_rejected(self):
        with pytest.raises(ConfigError, match="NaT"):
            closure_days("2026-01-01", "2026-12-31", extra=[pd.NaT])

    def test_bad_extra_strings_are_named(self):
        with pytest.raises(ConfigError, match=r"extra: 2 value.*'2026-02-30'.*'vrijdag'"):
            closure_days("2026-01-01", "2026-12-31", extra=["2026-05-15", "2026-02-30", "vrijdag"])


def test_frame_local_range_agrees_on_dst_days():
    frame = pytest.importorskip("demandcast.frame")
    if not hasattr(frame, "local_range"):
        pytest.skip("demandcast.frame.local_range not written yet")
    for day, hours in ((D(2026, 3, 29), 23), (D(2026, 10, 25), 25)):
        grid = frame.local_range(day, day + dt.timedelta(days=1), "h")
        grid = grid[grid < pd.Timestamp(day + dt.timedelta(days=1), tz=DEFAULT_TZ)]
        assert grid.equals(local_day_grid(day, "h"))
        assert len(grid) == hours
        assert OpeningHours.always().is_open(grid).sum() == hours


def test_import_stays_light():
    code = (
        "import sys, demandcast.calendar; "
        "heavy = [m for m in ('statsmodels', 'prophet', 'sklearn', 'sqlalchemy', "
        "'matplotlib', 'dask', 'holidays') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dst_transition_days():
    assert dst_transition_days(2026) == (D(2026, 3, 29), D(2026, 10, 25))
    assert dst_transition_days(2024) == (D(2024, 3, 31), D(2024, 10, 27))
    assert dst_transition_days(2026, tz="UTC") == ()


# ----------------------------------------------------------------------------- opening hours


class TestOpeningHoursConfig:
    def test_from_dict_specific_day_beats_range_in_any_order(self):
        a = OpeningHours.from_dict({"mon-fri": "08:30-17:00", "thu": "08:30-20:00"})
        b = OpeningHours.from_dict({"Thu": "08:30-20:00", "MON-FRI": "08:30-17:00"})
        assert a == b == OpeningHours.desk_default()
        assert a.windows[3] == ((dt.time(8, 30), dt.time(20, 0)),)
        assert a.windows[5] == a.windows[6] == ()

    def test_lunch_break_and_end_of_day(self):
        hours = OpeningHours.from_dict(
            {"monday-friday": ["13:00-17:00", "08:30-12:00"], "sat": "00:00-24:00"}
        )
        assert hours.windows[0] == (
            (dt.time(8, 30), dt.time(12, 0)),
            (dt.time(13, 0), dt.time(17, 0)),
        )
        assert hours.daily_open_minutes("2026-03-23") == 7 * 60 + 30
        assert hours.daily_open_minutes("2026-03-28") == 24 * 60

    @pytest.mark.parametrize(
        "hours",
        [
            OpeningHours.desk_default(),
            OpeningHours.phone_default(closures=["2026-12-24", "2026-05-15"]),
            OpeningHours.always(),
            OpeningHours.from_dict(
                {"tue": "08:30-12:00,13:00-20:00", "sat": "09:00-12:00", "sun": "00:00-24:00"}
            ),
        ],
    )
    def test_to_dict_round_trips(self, hours):
        config = hours.to_dict()
        assert OpeningHours.from_dict(config) == hours
        assert all(isinstance(v, (str, list)) for v in config.values())

    def test_immutable_hashable_picklable(self):
        hours = OpeningHours.desk_default(closures=["2026-04-27"])
        with pytest.raises(dataclasses_frozen_error()):
            hours.closures = frozenset()  # type: ignore[misc]
        clone = pickle.loads(pickle.dumps(hours))
        assert clone == hours and hash(clone) == hash(hours)
        assert len({hours, clone, OpeningHours.desk_default()}) == 2
        assert clone.is_open(local_day_grid(D(2026, 4, 28), "h")).sum() == 8  # 09:00..16:00

    def test_repr_shows_the_config(self):
        text = repr(OpeningHours.phone_default(closures=["2026-12-24"]))
        assert text.startswith("OpeningHours.from_dict({'mon-fri': '08:00-17:00'")
        assert "1 days" in text

    def test_with_closures_returns_a_copy(self):
        base = OpeningHours.phone_default()
        more = base.with_closures(["2026-05-15", D(2026, 12, 24)])
        assert base.closures == frozenset()
        assert more.closures == {D(2026, 5, 15), D(2026, 12, 24)}
        assert more.daily_open_minutes("2026-05-15") == 0
        assert more.daily_open_minutes("2026-05-14") == 9 * 60

    def test_web_is_always_open(self):
        assert OpeningHours.web() == OpeningHours.always()
        grid = pd.date_range("2026-01-01", "2026-12-31 23:45", freq="15min", tz=DEFAULT_TZ)
        assert OpeningHours.web().is_open(grid).all()

    @pytest.mark.parametrize(
        ("mapping", "match"),
        [
            ({"mon-fri": "8.30-17"}, r"'mon-fri'.*'8\.30-17'.*'HH:MM-HH:MM'"),
            ({"mon-fri": "08:30-25:00"}, "'08:30-25:00'"),
            ({"mon-fri": "17:00-08:30"}, "closes before it opens"),
            ({"mon-fri": "08:00-12:00,11:00-17:00"}, "overlap"),
            ({"mon-fri": 830}, "830"),
            ({"weekdays": "08:30-17:00"}, "'weekdays'.*'mon-fri'"),
            ({"fri-mon": "08:30-17:00"}, "'fri-mon'"),
            ({"mon-wed": "08:00-12:00", "tue-thu": "09:00-12:00"}, "'mon-wed' and 'tue-thu'"),
            ({"mon": "08:00-12:00", "closures": ["2026-02-30"]}, "closures.*'2026-02-30'"),
        ],
    )
    def test_bad_config_names_key_value_and_form(self, mapping, match):
        with pytest.raises(ConfigError, match=match):
            OpeningHours.from_dict(mapping)

    def test_bad_direct_construction(self):
        with pytest.raises(ConfigError, match="7"):
            OpeningHours(((),) * 6)
        with pytest.raises(ConfigError, match="whole minutes"):
            OpeningHours((((dt.time(8, 0, 30), dt.time(9, 0)),),) + ((),) * 6)


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


class TestIsOpen:
    desk = OpeningHours.desk_default()

    def test_spring_forward_day_has_23_hours(self):
        grid = local_day_grid(D(2026, 3, 29), "h")
        assert len(grid) == 23
        assert "02:00" not in set(grid.strftime("%H:%M"))
        assert not OpeningHours.phone_default().is_open(grid).any()  # a Sunday
        assert OpeningHours.always().is_open(grid).sum() == 23

    def test_fall_back_day_has_25_hours(self):
        grid = local_day_grid(D(2026, 10, 25), "h")
        assert len(grid) == 25
        assert list(grid.strftime("%H:%M")).count("02:00") == 2
        night = OpeningHours.from_dict({"sun": "02:00-03:00"})
        assert night.is_open(grid).sum() == 2  # both 02:00 hours are in the window

    def test_desk_30min_grid_over_dst_weeks_uses_local_wall_time(self):
        # Mon 2026-03-23 .. Sun 2026-04-05: the clock change does not shift opening hours
        grid = pd.date_range(
            pd.Timestamp("2026-03-23", tz=DEFAULT_TZ),
            pd.Timestamp("2026-04-06", tz=DEFAULT_TZ),
            freq="30min",
            inclusive="left",
        )
        assert len(grid) == 14 * 48 - 2
        is_open = self.desk.is_open(grid)
        local = grid.tz_convert(DEFAULT_TZ)
        opened = pd.Series(is_open, index=local).groupby(local.date).sum()
        expected = {0: 17, 1: 17, 2: 17, 3: 23, 4: 17, 5: 0, 6: 0}
        assert {d: int(n) for d, n in opened.items()} == {
            d: expected[d.weekday()] for d in opened.index
        }
        open_times = set(local[is_open].strftime("%H:%M"))
        assert open_times >= {"08:30", "16:30", "17:00", "19:30"}  # 17:00+ only on Thursday
        assert not open_times & {"08:00", "20:00"}
        late = local[is_open & (local.hour >= 17)]
        assert set(late.day_of_week) == {3}

    def test_utc_input_is_converted_to_local_time(self):
        # 07:30 UTC is 08:30 in winter (open) and 09:30 in summer
        utc = pd.DatetimeIndex(
            ["2026-03-27 07:15", "2026-03-27 07:30", "2026-03-30 06:15", "2026-03-30 06:30"],
            tz="UTC",
        )
        assert self.desk.is_open(utc).tolist() == [False, True, False, True]

    def test_naive_input_is_local_wall_time(self):
        naive = pd.DatetimeIndex(["2026-03-26 19:59", "2026-03-26 20:00"])
        assert self.desk.is_open(naive).tolist() == [True, False]

    def test_series_input(self):
        ds = pd.Series(local_day_grid(D(2026, 3, 26), "15min"), index=range(100, 196))
        mask = self.desk.is_open(ds)
        assert isinstance(mask, np.ndarray) and mask.dtype == bool
        assert mask.sum() == (20 * 60 - 8 * 60 - 30) // 15

    def test_closures_close_whole_days(self):
        grid = pd.date_range(
            pd.Timestamp("2026-04-02", tz=DEFAULT_TZ),
            pd.Timestamp("2026-04-08", tz=DEFAULT_TZ),
            freq="15min",
            inclusive="left",
        )
        closed = closure_days("2026-04-01", "2026-04-30", good_friday=True)
        hours = self.desk.with_closures(closed)
        opened = pd.Series(hours.is_open(grid), index=grid).groupby(grid.date).sum()
        assert opened.to_dict() == {
            D(2026, 4, 2): 46,  # Thursday until 20:00
            D(2026, 4, 3): 0,  # Good Friday
            D(2026, 4, 4): 0,
            D(2026, 4, 5): 0,
            D(2026, 4, 6): 0,  # Easter Monday
            D(2026, 4, 7): 34,
        }

    def test_daily_data(self):
        days = pd.date_range("2026-04-01", "2026-04-30", freq="D", tz=DEFAULT_TZ)
        hours = self.desk.with_closures(closure_days("2026-04-01", "2026-04-30"))
        mask = hours.is_open(days)
        assert mask.sum() == 22 - 2  # 22 weekdays, minus Easter Monday and King's Day
        assert np.array_equal(mask, hours.is_open(days, freq="D"))
        # daily timestamps stored at UTC midnight keep their own dates
        utc_days = pd.date_range("2026-04-01", "2026-04-30", freq="D", tz="UTC")
        assert np.array_equal(hours.is_open(utc_days), mask)

    def test_weekly_data_open_when_any_day_is(self):
        weeks = pd.date_range("2026-12-14", periods=4, freq="W-MON", tz=DEFAULT_TZ)
        shut = [D(2026, 12, 21) + dt.timedelta(days=k) for k in range(5)]  # a closed week
        hours = self.desk.with_closures(shut)
        assert hours.is_open(weeks, freq="W-MON").tolist() == [True, False, True, True]
        assert hours.is_open(weeks, freq="D").tolist() == [True, False, True, True]
        sundays = weeks - pd.Timedelta(days=1)
        assert hours.is_open(sundays, freq="W").tolist() == [True, False, True, True]
        assert not hours.is_open(sundays, freq="D").any()

    def test_freq_forces_intraday_reading_of_midnight(self):
        midnight = pd.DatetimeIndex(["2026-03-23 00:00"], tz=DEFAULT_TZ)
        assert self.desk.is_open(midnight).tolist() == [True]
        assert self.desk.is_open(midnight, freq="h").tolist() == [False]
        assert OpeningHours.always().is_open(midnight, freq="30min").tolist() == [True]

    def test_bad_inputs(self):
        with pytest.raises(ConfigError, match="freq"):
            self.desk.is_open(local_day_grid(D(2026, 3, 23), "h"), freq="MS")
        with pytest.raises(InvalidFrameError, match=r"NaT.*\[1\]"):
            self.desk.is_open(pd.DatetimeIndex(["2026-03-23 09:00", None], tz=DEFAULT_TZ))
        with pytest.raises(InvalidFrameError, match="ds"):
            self.desk.is_open(["not a time"])

    def test_empty_input(self):
        empty = pd.DatetimeIndex([], tz=DEFAULT_TZ)
        assert self.desk.is_open(empty).shape == (0,)

    def test_real_bank_calls_fit_their_opening_hours(self, data_file):
        calls = pd.read_csv(data_file("bank_calls_5min.csv"), parse_dates=["timestamp"])
        # weekdays 07:00-21:05 local time: every observed interval must be open
        hours = OpeningHours.from_dict({"mon-fri": "07:00-21:05"})
        ds = pd.DatetimeIndex(calls["timestamp"])
        assert hours.is_open(ds, freq="5min").all()
        # on the full 5-minute grid exactly the observed rows plus the 6 absent weekdays
        # (169 intervals each) are open
        grid = pd.date_range(ds.min().normalize(), ds.max(), freq="5min")
        assert hours.is_open(grid, freq="5min").sum() == len(calls) + 6 * 169
        absent = [
            D(2003, 4, 4),
            D(2003, 4, 7),
            D(2003, 5, 26),
            D(2003, 7, 4),
            D(2003, 9, 1),
            D(2003, 10, 14),
        ]
        with_closures = hours.with_closures(absent).is_open(grid, freq="5min")
        observed = grid.isin(ds)
        assert np.array_equal(with_closures, observed)


@st.composite
def opening_hours(draw):
    days = []
    for _ in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
        cuts = cuts[: len(cuts) // 2 * 2]
        days.append(tuple(zip(cuts[::2], cuts[1::2], strict=True)))
    closures = draw(st.frozensets(st.dates(D(2024, 1, 1), D(2026, 12, 31)), max_size=5))
    text = {}
    for name, windows in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), days, strict=True):
        if windows:
            text[name] = (
                ",".join(
                    f"{a * 15 // 60:02d}:{a * 15 % 60:02d}-{b * 15 // 60:02d}:{b * 15 % 60:02d}"
                    for a, b in windows
                    if a < b
                )
                or "closed"
            )
    return OpeningHours.from_dict(text, closures=closures)


def reference_is_open(hours: OpeningHours, stamp: pd.Timestamp) -> bool:
    local = stamp.tz_convert(DEFAULT_TZ)
    if local.date() in hours.closures:
        return False
    minute = local.hour * 60 + local.minute
    for open_t, close_t in hours.windows[local.weekday()]:
        close = close_t.hour * 60 + close_t.minute or 24 * 60
        if open_t.hour * 60 + open_t.minute <= minute < close:
            return True
    return False


@settings(max_examples=25, deadline=None)
@given(
    hours=opening_hours(),
    stamps=st.lists(
        st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2026, 12, 31)), min_size=1, max_size=30
    ),
)
def test_is_open_matches_a_per_timestamp_reference(hours, stamps):
    ds = pd.DatetimeIndex(stamps).tz_localize("UTC")
    expected = [reference_is_open(hours, ts) for ts in ds]
    assert hours.is_open(ds, freq="min").tolist() == expected
    assert OpeningHours.from_dict(hours.to_dict()) == hours


# ----------------------------------------------------------------------------- features


class TestCalendarFeatures:
    def test_known_days(self):
        days = pd.date_range("2024-02-26", "2024-04-03", freq="D", tz=DEFAULT_TZ)
        feats = calendar_features(days, region="zuid", opening_hours=OpeningHours.desk_default())
        row = feats.loc[pd.Timestamp("2024-02-27", tz=DEFAULT_TZ)]
        assert row["days_to_month_end"] == 2  # leap year: February has 29 days
        assert row["days_since_month_start"] == 26
        assert row["weekday"] == 1 and row["month"] == 2 and row["week_of_year"] == 9
        easter_monday = feats.loc[pd.Timestamp("2024-04-01", tz=DEFAULT_TZ)]
        assert easter_monday["is_public_holiday"] == 1 and easter_monday["is_closed_day"] == 1
        tuesday = feats.loc[pd.Timestamp("2024-04-02", tz=DEFAULT_TZ)]
        assert tuesday["day_after_closure"] == 1 and tuesday["closed_days_before"] == 3
        assert tuesday["is_closed_day"] == 0
        # Good Friday is open by default, so Friday (not Thursday) is the day before closure
        thursday = feats.loc[pd.Timestamp("2024-03-28", tz=DEFAULT_TZ)]
        friday = feats.loc[pd.Timestamp("2024-03-29", tz=DEFAULT_TZ)]
        assert thursday["day_before_closure"] == 0
        assert friday["day_before_closure"] == 1 and friday["is_closed_day"] == 0

    def test_school_holiday_depends_on_region(self):
        days = pd.date_range("2025-02-15", "2025-03-02", freq="D", tz=DEFAULT_TZ)
        noord = calendar_features(days, region="noord")["is_school_holiday"]
        zuid = calendar_features(days, region="zuid")["is_school_holiday"]
        assert noord.tolist() == [1] * 9 + [0] * 7
        assert zuid.tolist() == [0] * 7 + [1] * 9

    def test_intraday_dst_grid(self):
        grid = local_day_grid(D(2026, 10, 25), "30min").append(
            local_day_grid(D(2026, 10, 26), "30min")
        )
        feats = calendar_features(grid, opening_hours=OpeningHours.phone_default())
        assert len(feats) == 50 + 48
        assert feats.index.equals(grid)
        sunday = feats.iloc[:50]
        assert sunday["interval_of_day"].tolist()[:8] == [0, 1, 2, 3, 4, 5, 4, 5]
        assert sunday["hour"].max() == 23 and sunday["interval_of_day"].max() == 47
        monday = feats.iloc[50:]
        assert monday["interval_of_day"].tolist() == list(range(48))
        assert monday["is_open"].sum() == 18 and sunday["is_open"].sum() == 0
        assert (monday["day_after_closure"] == 1).all()
        assert (monday["closed_days_before"] == 2).all()

    def test_closures_argument_and_all_numeric(self):
        days = pd.Series(
            pd.date_range("2026-05-11", "2026-05-19", freq="D", tz=DEFAULT_TZ),
            index=np.arange(9) * 10,
        )
        bridge = closure_days("2026-05-01", "2026-05-31", extra=["2026-05-15"])
        feats = calendar_features(days, closures=bridge, opening_hours=OpeningHours.desk_default())
        assert feats.index.tolist() == (np.arange(9) * 10).tolist()
        assert all(np.issubdtype(t, np.integer) for t in feats.dtypes)
        closed = dict(zip(days.dt.date, feats["is_closed_day"], strict=True))
        # Ascension Thursday, bridge Friday, weekend: closed four days, Monday catches up
        assert [closed[D(2026, 5, d)] for d in range(11, 20)] == [0, 0, 0, 1, 1, 1, 1, 0, 0]
        after = dict(zip(days.dt.date, feats["closed_days_before"], strict=True))
        assert after[D(2026, 5, 18)] == 4
        assert (
            dict(zip(days.dt.date, feats["day_before_closure"], strict=True))[D(2026, 5, 13)] == 1
        )

    def test_without_opening_hours_only_closure_days_are_closed(self):
        days = pd.date_range("2026-04-03", "2026-04-07", freq="D", tz=DEFAULT_TZ)
        feats = calendar_features(days)
        assert "is_open" not in feats.columns
        assert feats["is_closed_day"].tolist() == [0, 0, 1, 1, 0]  # Easter Sunday + Monday
        assert feats["day_after_closure"].tolist() == [0, 0, 0, 0, 1]

    def test_warns_for_years_without_school_calendar(self):
        days = pd.date_range("2013-12-20", "2014-01-10", freq="D", tz=DEFAULT_TZ)
        with pytest.warns(DataWarning, match="2013: none"):
            feats = calendar_features(days)
        assert feats["is_public_holiday"].sum() == 3  # 25, 26 Dec, 1 Jan

    def test_daily_data_at_utc_midnight_keeps_its_dates(self):
        local = pd.date_range("2026-04-03", "2026-04-08", freq="D", tz=DEFAULT_TZ)
        utc = pd.date_range("2026-04-03", "2026-04-08", freq="D", tz="UTC")
        tokyo = pd.date_range("2026-04-03", "2026-04-08", freq="D", tz="Asia/Tokyo")
        expected = calendar_features(local).to_numpy()
        assert np.array_equal(calendar_features(utc).to_numpy(), expected)
        assert np.array_equal(calendar_features(tokyo).to_numpy(), expected)

    def test_empty(self):
        feats = calendar_features(pd.DatetimeIndex([], tz=DEFAULT_TZ))
        assert len(feats) == 0 and "days_to_month_end" in feats.columns

    def test_large_grid_is_computed_per_day(self):
        grid = pd.date_range("2024-01-01", periods=200_000, freq="15min", tz=DEFAULT_TZ)
        feats = calendar_features(grid, opening_hours=OpeningHours.desk_default())
        per_day = feats.groupby(grid.tz_convert(DEFAULT_TZ).date)["is_public_holiday"].nunique()
        assert (per_day == 1).all()
        assert feats["is_open"].sum() == OpeningHours.desk_default().is_open(grid).sum()
        assert feats.loc[feats["is_public_holiday"] == 1].index.normalize().nunique() >= 20


@settings(max_examples=25, deadline=None)
@given(
    start=st.dates(D(2015, 1, 1), D(2028, 12, 1)),
    n_days=st.integers(1, 60),
    extra=st.lists(st.dates(D(2015, 1, 1), D(2029, 3, 1)), max_size=8),
)
def test_feature_invariants(start, n_days, extra):
    days = pd.date_range(start, periods=n_days, freq="D", tz=DEFAULT_TZ)
    closed = closure_days(D(2014, 12, 1), D(2029, 3, 31), extra=extra)
    feats = calendar_features(days, closures=closed, opening_hours=OpeningHours.desk_default())
    local = days.date
    assert feats["is_closed_day"].tolist() == [int(d in closed or d.weekday() >= 5) for d in local]
    assert (feats["days_to_month_end"] + feats["days_since_month_start"] + 1).tolist() == [
        days.days_in_month[i] for i in range(n_days)
    ]
    after = feats["day_after_closure"] == 1
    assert (feats.loc[after, "closed_days_before"] > 0).all()
    assert (feats.loc[after, "is_closed_day"] == 0).all()
    # day_before_closure: open today, closed tomorrow (checked inside the range)
    for i in range(n_days - 1):
        expected = feats["is_closed_day"].iat[i] == 0 and feats["is_closed_day"].iat[i + 1] == 1
        assert feats["day_before_closure"].iat[i] == int(expected)
