"""Tests for the one home of time (demandcast._time): frequencies, grids, the DST policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandcast import _time
from demandcast.exceptions import InvalidFrameError

TZ = "Europe/Amsterdam"


def test_default_zone_is_one_object_everywhere():
    import demandcast
    from demandcast import frame

    assert _time.DEFAULT_TZ == frame.DEFAULT_TZ == demandcast.DEFAULT_TZ == TZ
    assert frame.local_range is _time.local_range and frame.future_index is _time.future_index


@pytest.mark.parametrize(
    ("freq", "alias", "minutes", "calendar"),
    [
        ("D", "D", 1440, True),
        ("W", "W-SUN", 7 * 1440, True),
        ("W-MON", "W-MON", 7 * 1440, True),
        ("h", "h", 60, False),
        ("H", "h", 60, False),
        ("30min", "30min", 30, False),
        ("30T", "30min", 30, False),
        ("15min", "15min", 15, False),
        (pd.Timedelta("30min"), "30min", 30, False),
        (pd.offsets.Minute(30), "30min", 30, False),
    ],
)
def test_parse_freq(freq, alias, minutes, calendar):
    spec = _time.parse_freq(freq)
    assert (spec.alias, spec.step_ns // _time.MINUTE_NS, spec.calendar) == (
        alias,
        minutes,
        calendar,
    )


@pytest.mark.parametrize("freq", ["3D", "W-XYZ", "2W", "MS", "nonsense", 30, "25h"])
def test_parse_freq_refuses_unsupported_naming_the_parameter(freq):
    with pytest.raises(InvalidFrameError, match=r"^parameter horizon_freq.*Fix:"):
        _time.parse_freq(freq, "horizon_freq")


def test_step_lengths():
    assert _time.step("30min") == pd.Timedelta(minutes=30)
    assert _time.step("D") == pd.Timedelta(days=1)
    assert _time.step("h") == pd.Timedelta(hours=1)
    assert _time.step("W-MON") is None  # a calendar week has no fixed length
    assert _time.step("MS") is None
    assert _time.step("not a freq") is None
    assert _time.step(None) is None
    assert _time.step_minutes("30min") == 30.0
    assert _time.step_minutes("15min") == 15.0
    assert _time.step_minutes("W") is None
    assert _time.offset("W-MON") == pd.offsets.Week(weekday=0)


def test_last_sunday_of_march_has_23_hourly_intervals():
    grid = _time.local_range("2026-03-29", "2026-03-30", "h", tz=TZ)
    assert len(grid) == 23
    assert 2 not in set(grid.hour)
    assert grid.name == "ds" and str(grid.tz) == TZ
    assert (np.diff(grid.asi8) == _time.HOUR_NS).all()  # absolute steps


def test_last_sunday_of_october_has_25_hourly_intervals():
    grid = _time.local_range("2026-10-25", "2026-10-26", "h", tz=TZ)
    assert len(grid) == 25
    assert list(grid.hour).count(2) == 2
    assert [str(t.utcoffset()) for t in grid[grid.hour == 2]] == ["2:00:00", "1:00:00"]


def test_30_minute_steps_across_both_changes():
    assert len(_time.local_range("2026-03-29", "2026-03-30", "30min", tz=TZ)) == 46
    assert len(_time.local_range("2026-10-25", "2026-10-26", "30min", tz=TZ)) == 50
    fut = _time.future_index(pd.Timestamp("2026-03-29 01:30", tz=TZ), 3, "30min")
    assert fut.strftime("%H:%M").tolist() == ["03:00", "03:30", "04:00"]
    fut = _time.future_index(pd.Timestamp("2026-10-25 00:30", tz="UTC"), 2, "30min", tz=TZ)
    assert fut.strftime("%H:%M%z").tolist() == ["02:00+0100", "02:30+0100"]


def test_daily_grids_are_local_midnights_across_dst():
    days = _time.local_range("2026-03-27", "2026-04-01", "D", tz=TZ)
    assert len(days) == 6 and set(days.hour) == {0} and set(days.minute) == {0}
    # a calendar day, not 24 hours: the DST day is 23 hours long
    assert pd.Timedelta(days[3] - days[2]) == pd.Timedelta(hours=23)
    fut = _time.future_index(pd.Timestamp("2026-10-24", tz=TZ), 3, "D")
    assert set(fut.hour) == {0} and fut.day.tolist() == [25, 26, 27]
    weeks = _time.future_index(pd.Timestamp("2026-03-23", tz=TZ), 2, "W-MON")
    assert weeks.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-03-30 00:00", "2026-04-06 00:00"]


def test_ambiguous_times_read_in_order_first_summer_then_standard():
    naive = pd.DatetimeIndex(["2026-10-25 01:30", "2026-10-25 02:30", "2026-10-25 02:30"])
    out, ambiguous, gap = _time.localize(naive, TZ)
    assert out.strftime("%H:%M%z").tolist() == ["01:30+0200", "02:30+0200", "02:30+0100"]
    assert ambiguous.tolist() == [False, True, True] and not gap.any()
    # per series: each series' first 02:30 is summer time
    out, _, _ = _time.localize(naive[1:], TZ, by=np.array(["a", "b"]))
    assert out.strftime("%z").tolist() == ["+0200", "+0200"]
    # a single ambiguous value is summer time
    assert _time.to_local(pd.Timestamp("2026-10-25 02:30"), TZ).utcoffset() == pd.Timedelta("2h")


def test_nonexistent_times_move_forward_or_are_reported():
    naive = pd.DatetimeIndex(["2026-03-29 01:30", "2026-03-29 02:30", "2026-03-29 03:30"])
    out, ambiguous, gap = _time.localize(naive, TZ)
    assert out.strftime("%H:%M").tolist() == ["01:30", "03:00", "03:30"]
    assert gap.tolist() == [False, True, False] and not ambiguous.any()
    out, _, _ = _time.localize(naive, TZ, nonexistent="NaT")
    assert out.isna().tolist() == [False, True, False]


def test_to_local_converts_instants_and_keeps_series_shape():
    utc = pd.Series(
        pd.to_datetime(["2026-10-25 00:30", "2026-10-25 01:30"], utc=True), index=[7, 9]
    )
    local = _time.to_local(utc, TZ)
    assert local.index.tolist() == [7, 9]
    assert local.dt.strftime("%H:%M%z").tolist() == ["02:30+0200", "02:30+0100"]
    naive = pd.Series(pd.to_datetime(["2026-03-29 02:15", None]), name="ds")
    out = _time.to_local(naive, TZ)
    assert out.name == "ds" and str(out.dt.tz) == TZ
    assert out.iloc[0] == pd.Timestamp("2026-03-29 03:00", tz=TZ) and pd.isna(out.iloc[1])


def test_wall_clock_and_local_dates():
    ds = pd.Series(pd.date_range("2026-10-25 01:00", periods=4, freq="h", tz=TZ))
    assert _time.wall(ds).dt.hour.tolist() == [1, 2, 2, 3]
    assert _time.local_dates(ds).nunique() == 1
    utc_late = pd.Series(pd.to_datetime(["2026-03-28 23:30"], utc=True))
    assert _time.local_dates(_time.to_local(utc_late, TZ)).dt.day.tolist() == [29]
    naive = pd.DatetimeIndex(["2026-01-01 08:00"])
    assert _time.wall(naive) is naive
    assert _time.wall_i8(pd.DatetimeIndex(["1970-01-01 01:00"], tz=TZ)).tolist() == [_time.HOUR_NS]


def test_check_tz():
    assert _time.check_tz(TZ) == TZ
    with pytest.raises(InvalidFrameError, match=r"^parameter tz='Mars/Olympus'"):
        _time.check_tz("Mars/Olympus")
