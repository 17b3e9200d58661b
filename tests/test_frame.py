"""Tests for the long-frame contract (demandcast.frame)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demandcast.exceptions import DataWarning, InvalidFrameError
from demandcast.frame import (
    DEFAULT_TZ,
    REQUIRED_COLUMNS,
    fill_missing,
    future_index,
    infer_freq,
    local_range,
    regularise,
    validate_frame,
)

TZ = "Europe/Amsterdam"


def daily(
    n: int = 10, start: str = "2026-03-20", uid: str = "utrecht/phone", **cols
) -> pd.DataFrame:
    ds = pd.date_range(start, periods=n, freq="D")
    y = cols.pop("y", np.arange(n, dtype=float) + 10)
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y, **cols})


def raises(df: pd.DataFrame, *patterns: str, **kwargs) -> str:
    """Validate, expect InvalidFrameError, check every pattern and the fix are in the message."""
    with pytest.raises(InvalidFrameError) as info:
        validate_frame(df, **kwargs)
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in {message!r}"
    assert "Fix:" in message
    return message


def real_frame(path, **read) -> pd.DataFrame:
    raw = pd.read_csv(path, **read)
    return raw.rename(columns={"series_id": "unique_id", "timestamp": "ds", "count": "y"})


# ------------------------------------------------------------------ constants


def test_constants():
    assert DEFAULT_TZ == "Europe/Amsterdam"
    assert REQUIRED_COLUMNS == ("unique_id", "ds", "y")


# ---------------------------------------------------------- validation rules


def test_empty_frame():
    raises(pd.DataFrame(columns=["unique_id", "ds", "y"]), r"frame", r"empty")
    raises(pd.DataFrame(), r"empty")


def test_not_a_frame():
    with pytest.raises(InvalidFrameError, match="DataFrame"):
        validate_frame([1, 2, 3])


def test_missing_column_suggests_close_name():
    df = daily().rename(columns={"y": "yy", "unique_id": "unique_ids"})
    message = raises(df, r"column 'unique_id'", r"missing", r"'unique_ids'", r"rename")
    assert "'yy'" in message


def test_missing_column_suggests_export_synonyms():
    df = daily().rename(columns={"ds": "timestamp", "y": "count", "unique_id": "series_id"})
    message = raises(df, r"missing", r"'timestamp': 'ds'", r"'count': 'y'")
    assert "'series_id': 'unique_id'" in message


def test_missing_unique_id_suggests_assign():
    raises(daily().drop(columns="unique_id"), r"'unique_id'", r"missing", r"df\.assign\(unique_id=")


def test_ds_in_index_suggests_reset_index():
    df = daily().set_index("ds")
    raises(df, r"'ds'", r"reset_index")


def test_missing_unique_id_values():
    df = daily().astype({"unique_id": object})
    df.loc[3, "unique_id"] = None
    raises(df, r"column 'unique_id'", r"missing series identifiers", r"row 3")


def test_unique_id_coerced_to_str():
    df = pd.concat([daily(uid=1), daily(uid=2)])
    out = validate_frame(df)
    assert out["unique_id"].map(type).eq(str).all()
    assert list(pd.unique(out["unique_id"])) == ["1", "2"]


def test_text_y_with_decimal_comma_not_parsed():
    df = daily(4, y=["12,5", "3", "4,0", "7"])
    message = raises(df, r"column 'y'", r"numeric", r"'12,5'", r"loaders")
    assert "decimal comma" in message


def test_object_y_with_numbers_is_accepted():
    df = daily(4, y=pd.Series([1, 2.5, None, 4], dtype=object))
    out = validate_frame(df)
    assert out["y"].dtype == np.float64
    assert np.isnan(out["y"].iloc[2])


def test_nullable_integer_y():
    df = daily(4, y=pd.array([1, None, 3, 4], dtype="Int64"))
    out = validate_frame(df)
    assert out["y"].isna().tolist() == [False, True, False, False]


def test_negative_y_names_the_rows():
    y = np.arange(10.0)
    y[[2, 7]] = [-1.0, -5.0]
    message = raises(daily(y=y), r"column 'y'", r">= 0", r"2 row\(s\)", r"row 2 ", r"-5\.0")
    assert "row 7" in message


def test_infinite_y():
    y = np.arange(10.0)
    y[4] = np.inf
    raises(daily(y=y), r"column 'y'", r"finite", r"row 4", r"inf")


def test_nan_y_allowed_only_with_allow_missing():
    y = np.arange(10.0)
    y[5] = np.nan
    out = validate_frame(daily(y=y))
    assert np.isnan(out["y"].iloc[5])
    raises(daily(y=y), r"column 'y'", r"allow_missing=False", r"row 5", allow_missing=False)


def test_many_offending_rows_are_capped_at_five():
    y = -np.arange(1.0, 11.0)
    message = raises(daily(y=y), r"10 row\(s\)", r"and 5 more")
    assert message.count("row ") == 5
    assert "np.float64" not in message


def test_duplicate_keys():
    df = daily(6)
    df = pd.concat([df, df.iloc[[2]]], ignore_index=True)
    raises(df, r"column 'ds'", r"duplicate \(unique_id, ds\)", r"2026-03-22", r"groupby")


def test_same_ds_in_other_series_is_not_a_duplicate():
    df = pd.concat([daily(uid="a"), daily(uid="b")])
    assert len(validate_frame(df)) == 20


def test_unparseable_timestamps():
    df = daily(3).assign(ds=["2026-03-01", "not a date", "2026-03-03"])
    raises(df, r"column 'ds'", r"cannot be parsed", r"'not a date'", r"ISO-8601")


def test_missing_timestamps():
    df = daily(3).assign(ds=["2026-03-01", None, "2026-03-03"])
    raises(df, r"column 'ds'", r"missing timestamps", r"row 1")


def test_numeric_ds_is_refused():
    df = daily(3).assign(ds=[1, 2, 3])
    raises(df, r"column 'ds'", r"timestamps", r"int64")


def test_text_with_and_without_offset_is_refused():
    ds = ["2026-03-01T10:00:00+01:00", "2026-03-01T11:00:00", "2026-03-01T12:00:00+01:00"]
    raises(daily(3).assign(ds=ds), r"column 'ds'", r"with and without a UTC offset", r"row 1")


def test_mixed_offsets_across_dst_are_valid_instants():
    ds = [
        "2026-03-29T00:00:00+01:00",
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T04:00:00+02:00",
    ]
    out = validate_frame(daily(4).assign(ds=ds))
    assert out.attrs["freq"] == "h"
    assert out["ds"].dt.hour.tolist() == [0, 1, 3, 4]
    assert str(out["ds"].dt.tz) == TZ


def test_utc_z_suffix():
    ds = ["2026-07-01T06:00:00Z", "2026-07-01T06:30:00Z", "2026-07-01T07:00:00Z"]
    out = validate_frame(daily(3).assign(ds=ds))
    assert out["ds"].dt.hour.tolist() == [8, 8, 9]
    assert out.attrs["freq"] == "30min"


def test_aware_input_in_other_zone_is_converted_when_asked():
    # issue 14 item 5: an aware frame keeps its zone unless tz= asks for another
    ds = pd.date_range("2026-10-24 22:00", periods=6, freq="h", tz="UTC")
    out = validate_frame(daily(6).assign(ds=ds), tz=TZ)
    assert str(out["ds"].dt.tz) == TZ
    assert (out["ds"].dt.tz_convert("UTC") == ds).all()
    # the default (and tz=None) keeps the zone of tz-aware input
    assert str(validate_frame(daily(6).assign(ds=ds))["ds"].dt.tz) == "UTC"
    assert str(validate_frame(daily(6).assign(ds=ds), tz=None)["ds"].dt.tz) == "UTC"


def test_date_objects_become_local_midnight():
    dates = [dt.date(2026, 3, 28) + dt.timedelta(days=i) for i in range(4)]
    out = validate_frame(daily(4).assign(ds=dates))
    assert out["ds"].dt.hour.tolist() == [0, 0, 0, 0]
    assert out["ds"].iloc[1] == pd.Timestamp("2026-03-29", tz=TZ)
    assert out.attrs["freq"] == "D"


def test_unknown_tz():
    with pytest.raises(InvalidFrameError, match="Europe/Amsterdam"):
        validate_frame(daily(), tz="Europe/Utrecht")


def test_bad_freq_parameter():
    with pytest.raises(InvalidFrameError, match="freq='fortnightly'"):
        validate_frame(daily(), freq="fortnightly")


# ------------------------------------------------------------------- DST


def test_naive_ambiguous_hour_resolved_by_order():
    naive = pd.date_range("2026-10-25 00:00", periods=6, freq="h").tolist()
    # wall clock 00, 01, 02, 02, 03, 04: the hour 02:00 happens twice
    naive = [*naive[:3], naive[2], *naive[3:5]]
    out = validate_frame(pd.DataFrame({"unique_id": "a", "ds": naive, "y": 1.0}))
    utc = out["ds"].dt.tz_convert("UTC")
    assert (utc.diff().dropna() == pd.Timedelta("1h")).all()
    assert out["ds"].iloc[2].utcoffset() == pd.Timedelta("2h")  # first 02:00: summer time
    assert out["ds"].iloc[3].utcoffset() == pd.Timedelta("1h")  # second: standard time
    assert out.attrs["freq"] == "h"


def test_ambiguous_order_is_per_series_with_interleaved_rows():
    wall = ["2026-10-25 01:30", "2026-10-25 02:30", "2026-10-25 02:30", "2026-10-25 03:30"]
    df = pd.DataFrame({"unique_id": ["a", "b"] * 4, "ds": np.repeat(wall, 2), "y": 1.0})
    df["ds"] = pd.to_datetime(df["ds"])
    out = validate_frame(df)
    for _, part in out.groupby("unique_id"):
        assert part["ds"].dt.tz_convert("UTC").diff().dropna().eq(pd.Timedelta("1h")).all()


def test_single_ambiguous_time_reads_as_summer_time():
    wall = pd.to_datetime(["2026-10-25 01:30", "2026-10-25 02:30", "2026-10-25 04:30"])
    out = validate_frame(pd.DataFrame({"unique_id": "a", "ds": wall, "y": 1.0}), freq="h")
    assert out["ds"].iloc[1].utcoffset() == pd.Timedelta("2h")


def test_nonexistent_local_time_raises():
    wall = pd.to_datetime(["2026-03-29 01:00", "2026-03-29 02:00", "2026-03-29 03:00"])
    df = pd.DataFrame({"unique_id": "a", "ds": wall, "y": 1.0})
    raises(df, r"column 'ds'", r"do not exist", r"2026-03-29 02:00", r"shift_forward")


def test_nonexistent_shift_forward():
    wall = pd.to_datetime(["2026-03-29 00:30", "2026-03-29 01:30", "2026-03-29 02:30"])
    df = pd.DataFrame({"unique_id": "a", "ds": wall, "y": 1.0})
    out = validate_frame(df, nonexistent="shift_forward", freq="30min")
    assert out["ds"].iloc[2] == pd.Timestamp("2026-03-29 03:00", tz=TZ)
    with pytest.raises(InvalidFrameError, match="nonexistent"):
        validate_frame(df, nonexistent="NaT")


def test_daily_across_dst_is_still_daily():
    for start in ("2026-03-20", "2026-10-20"):
        out = validate_frame(daily(14, start=start))
        assert out.attrs["freq"] == "D"
        assert (out["ds"].dt.hour == 0).all()


def test_daily_from_utc_midnight_is_refused_with_hint():
    # issue 14 item 5: refused only when converted to another zone on request
    ds = pd.date_range("2026-03-20", periods=14, freq="D", tz="UTC")
    raises(
        daily(14).assign(ds=ds),
        r"column 'ds'",
        r"local midnight in Europe/Amsterdam",
        r"given in UTC",
        r"tz='UTC'",
        tz=TZ,
    )
    hourly = pd.date_range("2026-03-20 00:00", periods=14, freq="D", tz="UTC") + pd.Timedelta(
        "30min"
    )
    raises(daily(14).assign(ds=hourly), r"midnight in UTC", r"normalise", freq="D")


# ---------------------------------------------------------------- frequency


def test_gaps_are_allowed_and_irregular_rows_are_listed():
    df = daily(10).drop(index=[3, 4, 7])
    assert validate_frame(df).attrs["freq"] == "D"
    half = pd.date_range("2026-05-04 08:00", periods=12, freq="30min").tolist()
    half[5] = half[5] + pd.Timedelta("10min")
    df = pd.DataFrame({"unique_id": "a", "ds": half, "y": 1.0})
    raises(df, r"column 'ds'", r"irregular spacing", r"'30min'", r"row 5", r"10:40")


def test_series_with_one_row():
    df = pd.concat([daily(5, uid="a"), daily(1, uid="lonely")])
    raises(df, r"column 'ds'", r"one row", r"'lonely'", r"freq=")
    assert len(validate_frame(df, freq="D")) == 6


def test_series_with_different_frequencies():
    hourly = pd.DataFrame(
        {"unique_id": "b", "y": 1.0, "ds": pd.date_range("2026-03-20", periods=5, freq="h")}
    )
    raises(pd.concat([daily(uid="a"), hourly]), r"different frequencies", r"'D': 'a'", r"'h': 'b'")


def test_passed_freq_is_checked():
    assert validate_frame(daily(), freq="D").attrs["freq"] == "D"
    hourly = pd.DataFrame(
        {"unique_id": "b", "y": 1.0, "ds": pd.date_range("2026-03-20", periods=5, freq="h")}
    )
    raises(hourly, r"column 'ds'", r"local midnight", r"row 1", freq="D")
    assert validate_frame(hourly.drop(index=[2]), freq="H").attrs["freq"] == "h"
    shifted = hourly.assign(ds=hourly["ds"] + pd.Timedelta("5min") * np.arange(5))
    raises(shifted, r"irregular spacing", r"passed frequency 'h'", r"row 1", freq="h")


@pytest.mark.parametrize(
    ("freq", "alias"),
    [
        ("D", "D"),
        ("h", "h"),
        ("30min", "30min"),
        ("15min", "15min"),
        ("5min", "5min"),
        ("W-MON", "W-MON"),
        ("2h", "2h"),
    ],
)
def test_infer_freq_aliases(freq, alias):
    start = "2026-03-23" if freq == "W-MON" else "2026-03-27"
    ds = local_range(start, "2026-11-02" if freq in ("D", "W-MON") else "2026-03-31", freq)
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": 0.0})
    assert infer_freq(df) == alias
    assert infer_freq(ds) == alias
    assert validate_frame(df).attrs["freq"] == alias


def test_infer_freq_on_real_files(data_file):
    bank = real_frame(data_file("bank_calls_5min.csv"))
    assert infer_freq(bank) == "5min"
    nyc = real_frame(data_file("nyc311_sandy_daily.csv"))
    assert infer_freq(nyc) == "D"


def test_real_bank_calls_validate_in_their_zone(data_file):
    raw = real_frame(data_file("bank_calls_5min.csv"))
    out = validate_frame(raw, tz="America/New_York")
    assert len(out) == 27_716
    assert out.attrs["freq"] == "5min"
    # wall-clock times survive localisation, across the US DST change of 2003-04-06
    assert out["ds"].dt.strftime("%Y-%m-%dT%H:%M:%S").tolist() == raw["ds"].tolist()
    assert out["ds"].dt.hour.between(7, 21).all()


def test_real_daily_hierarchy(data_file):
    raw = real_frame(data_file("nyc311_sandy_daily.csv"))
    out = validate_frame(raw.sample(frac=1.0, random_state=3))
    assert out["unique_id"].nunique() == 24
    assert out.groupby("unique_id").size().eq(1783).all()
    assert out["ds"].is_monotonic_increasing is False  # sorted per series, not globally
    for _, part in out.groupby("unique_id"):
        assert part["ds"].is_monotonic_increasing
    total = out[out["unique_id"] == "nyc311_sandy_total"]["y"].to_numpy()
    parts = out[out["unique_id"] != "nyc311_sandy_total"].groupby("ds")["y"].sum().to_numpy()
    np.testing.assert_array_equal(total, parts)


# ------------------------------------------------------------- normalisation


def test_output_is_sorted_typed_and_input_untouched():
    df = pd.concat([daily(uid="b"), daily(uid="a")]).sample(frac=1.0, random_state=0)
    df["handle_seconds"] = np.linspace(100, 300, len(df))
    df.attrs["source"] = "acd"
    before = df.copy(deep=True)
    out = validate_frame(df)
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == {"source": "acd"}
    assert out.attrs == {"source": "acd", "freq": "D"}
    assert out["unique_id"].tolist() == ["a"] * 10 + ["b"] * 10
    assert out.groupby("unique_id")["ds"].apply(lambda s: s.is_monotonic_increasing).all()
    assert out["y"].dtype == np.float64
    assert list(out.columns) == list(df.columns)
    assert isinstance(out.index, pd.RangeIndex)
    # side column travels with its row
    key = df.set_index(["unique_id", "y"])["handle_seconds"]
    assert (
        out.set_index(["unique_id", "y"])["handle_seconds"]
        == key.loc[out.set_index(["unique_id", "y"]).index]
    ).all()


def test_is_open_boolean_like_and_closed_rows():
    df = daily(5, y=[3.0, np.nan, 0.0, np.nan, 2.0], is_open=["yes", "no", "0", "1", "true"])
    with pytest.warns(DataWarning, match=r"0\.0 on closed rows.*1 row\(s\), e\.g\. row 1 "):
        out = validate_frame(df)
    assert out["is_open"].dtype == bool
    assert out["is_open"].tolist() == [True, False, False, True, True]
    # closed NaN becomes 0.0; open NaN stays missing
    assert out["y"].iloc[1] == 0.0
    assert np.isnan(out["y"].iloc[3])


def test_is_open_not_boolean():
    df = daily(3, is_open=[1, 2, 0])
    raises(df, r"column 'is_open'", r"boolean-like", r"row 1", r"is_open=2")


def test_closed_rows_with_counts_are_refused():
    df = daily(3, y=[1.0, 4.0, 2.0], is_open=[True, False, True])
    raises(df, r"column 'is_open'", r"closed rows", r"row 1", r"y=4\.0")


# ------------------------------------------------------------------ grids


def test_local_range_dst_days():
    assert len(local_range("2026-03-29", "2026-03-30", "h")) == 23
    assert len(local_range("2026-10-25", "2026-10-26", "h")) == 25
    assert len(local_range("2026-10-25", "2026-10-26", "30min")) == 50
    assert len(local_range("2026-03-29", "2026-03-30", "15min")) == 92
    grid = local_range("2026-03-29", "2026-03-30", "h")
    assert 2 not in grid.hour
    assert grid.name == "ds" and str(grid.tz) == TZ


def test_local_range_daily_midnights_inclusive():
    grid = local_range("2026-03-27", dt.date(2026, 4, 2), "D")
    assert len(grid) == 7
    assert (grid.hour == 0).all()
    assert grid[-1] == pd.Timestamp("2026-04-02", tz=TZ)


def test_local_range_end_timestamp_is_inclusive():
    grid = local_range("2026-05-04 08:00", "2026-05-04 17:00", "30min")
    assert grid[0].hour == 8 and grid[-1] == pd.Timestamp("2026-05-04 17:00", tz=TZ)
    assert len(grid) == 19
    aware = local_range(
        pd.Timestamp("2026-05-04 06:00", tz="UTC"),
        pd.Timestamp("2026-05-04 15:00", tz="UTC"),
        "30min",
    )
    assert aware.equals(grid)


def test_future_index_daily_and_subdaily():
    last = pd.Timestamp("2026-03-27", tz=TZ)
    fut = future_index(last, 4, "D")
    assert fut.hour.tolist() == [0, 0, 0, 0]
    assert fut[0] == pd.Timestamp("2026-03-28", tz=TZ)
    last = pd.Timestamp("2026-10-25 01:30", tz=TZ)
    fut = future_index(last, 4, "30min")
    assert (fut.tz_convert("UTC").to_series().diff().dropna() == pd.Timedelta("30min")).all()
    assert fut.strftime("%H:%M").tolist() == ["02:00", "02:30", "02:00", "02:30"]
    assert str(future_index("2026-01-01", 1, "D").tz) == TZ


@pytest.mark.parametrize("h", [0, -3, 2.5, True, "7"])
def test_future_index_bad_h(h):
    with pytest.raises(InvalidFrameError, match=r"parameter h=.*positive integer"):
        future_index(pd.Timestamp("2026-01-01", tz=TZ), h, "D")


# --------------------------------------------------------------- regularise


def test_regularise_keeps_missing_and_closed_apart():
    # Monday-Friday desk, one Thursday missing; weekends absent
    ds = pd.bdate_range("2026-03-23", "2026-04-03")
    df = pd.DataFrame({"unique_id": "desk", "ds": ds, "y": 5.0})
    df = df[df["ds"] != pd.Timestamp("2026-03-26")]
    out = regularise(df, is_open=lambda idx: np.asarray(idx.day_of_week < 5))
    assert len(out) == 12
    weekend = out["ds"].dt.day_of_week >= 5
    assert (~out.loc[weekend, "is_open"]).all() and (out.loc[weekend, "y"] == 0.0).all()
    thursday = out["ds"] == pd.Timestamp("2026-03-26", tz=TZ)
    assert out.loc[thursday, "is_open"].item() and np.isnan(out.loc[thursday, "y"].item())
    assert out["y"].isna().sum() == 1
    assert out.attrs["freq"] == "D"
    pd.testing.assert_frame_equal(validate_frame(out), out)


def test_regularise_unsorted_multi_series_and_side_columns():
    a = daily(8, uid="b").drop(index=[5])
    b = daily(5, start="2026-10-22", uid="a").drop(index=[1, 2])
    df = pd.concat([a, b]).sample(frac=1.0, random_state=1)
    df["answered"] = np.arange(len(df))  # int side column becomes float with NaN
    out = regularise(df)
    assert out.groupby("unique_id").size().to_dict() == {"a": 5, "b": 8}
    assert out["unique_id"].tolist() == ["a"] * 5 + ["b"] * 8
    assert out["y"].isna().sum() == 3 and out["answered"].isna().sum() == 3
    assert (out["ds"].dt.hour == 0).all()  # local midnights across the October change
    pd.testing.assert_frame_equal(validate_frame(out), out)


def test_weekly_frequency_anchor():
    ds = pd.date_range("2026-01-05", periods=10, freq="W-MON")
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0})
    assert validate_frame(df).attrs["freq"] == "W-MON"
    raises(df, r"column 'ds'", r"weekly data must all fall on SUN", r"row 0", freq="W")
    assert len(regularise(df.drop(index=[3, 4]))) == 10


def test_regularise_without_opening_hours_marks_only_missing():
    df = daily(10).drop(index=[2, 3])
    df["answered"] = 1.0
    out = regularise(df)
    assert len(out) == 10 and "is_open" not in out.columns
    assert out["y"].isna().tolist() == [False, False, True, True] + [False] * 6
    assert out["answered"].isna().sum() == 2
    assert (out["unique_id"] == "utrecht/phone").all()


def test_regularise_existing_is_open_column():
    df = daily(6, y=[1.0, 0.0, 2.0, 3.0, 4.0, 5.0], is_open=[True, False, True, True, True, True])
    out = regularise(df.drop(index=[4]))
    assert out["is_open"].tolist() == [True, False, True, True, True, True]
    assert out["y"].iloc[1] == 0.0 and np.isnan(out["y"].iloc[4])


def test_regularise_counts_in_closed_hours_stay_open_with_warning():
    df = daily(5, y=[1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.warns(DataWarning, match="kept as open"):
        out = regularise(df, is_open=lambda idx: np.zeros(len(idx), dtype=bool))
    assert out["is_open"].all() and out["y"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_regularise_grid_is_local_range_per_series_across_dst():
    a = local_range("2026-10-24 22:00", "2026-10-25 06:00", "30min")
    b = local_range("2026-03-28 20:00", "2026-03-29 05:00", "30min")
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": "a", "ds": a[::3], "y": 1.0}),
            pd.DataFrame({"unique_id": "b", "ds": b[::2], "y": 1.0}),
        ]
    )
    out = regularise(df, freq="30min")
    assert pd.DatetimeIndex(out.loc[out.unique_id == "a", "ds"]).equals(
        local_range(a[::3][0], a[::3][-1], "30min").rename(None)
    )
    assert pd.DatetimeIndex(out.loc[out.unique_id == "b", "ds"]).equals(
        local_range(b[::2][0], b[::2][-1], "30min").rename(None)
    )


@pytest.fixture(scope="module")
def sim():
    datasets = pytest.importorskip("demandcast.datasets")
    return datasets.simulate_municipality(
        seed=3, start="2024-03-25", end="2024-04-07", locations=("centrum",)
    )


def test_regularise_simulated_phone_with_opening_hours(sim):
    frame = sim.frame(channel="phone", freq="30min")
    hours = sim.opening_hours["phone"]
    out = regularise(frame.drop(columns="is_open", errors="ignore"), is_open=hours.is_open)
    assert out.attrs["freq"] == "30min"
    # nights and weekends are closed, with y == 0; no invented missing values
    closed = ~out["is_open"]
    assert (out.loc[closed, "y"] == 0.0).all()
    assert (
        out.loc[closed, "ds"].dt.hour.isin([0, 1, 2, 3, 4, 5, 6, 17, 18, 19, 20, 21, 22, 23]).mean()
        > 0.8
    )
    assert not out.loc[~closed, "y"].isna().any()
    assert out["ds"].dt.tz_convert("UTC").diff().dropna().eq(pd.Timedelta("30min")).all()
    # 31 March 2024 (DST) has 46 half-hours
    assert (out["ds"].dt.date == dt.date(2024, 3, 31)).sum() == 46


# -------------------------------------------------------------- fill_missing


def test_fill_missing_seasonal_uses_one_week_earlier():
    y = np.tile([10.0, 20.0, 30.0, 40.0, 50.0, 5.0, 1.0], 4)
    y[[9, 23]] = np.nan
    out = fill_missing(daily(28, y=y))
    assert out["y"].iloc[9] == 30.0 and out["y"].iloc[23] == 30.0
    assert out["y_imputed"].sum() == 2 and out["y_imputed"].iloc[[9, 23]].all()
    assert not out["y"].isna().any()


def test_fill_missing_seasonal_falls_back_to_weekday_median():
    y = np.tile([10.0, 20.0, 30.0, 40.0, 50.0, 5.0, 1.0], 3)
    y[1] = np.nan  # no week before: median of the other Saturdays
    out = fill_missing(daily(21, start="2026-03-20", y=y))
    assert out["y"].iloc[1] == 20.0


def test_fill_missing_never_imputes_closed_rows():
    df = daily(14, y=[5.0] * 14, is_open=[True] * 14)
    df.loc[[3, 10], "is_open"] = False
    df.loc[[3, 10], "y"] = 0.0
    df.loc[[5], "y"] = np.nan
    out = fill_missing(df)
    assert out["y"].iloc[[3, 10]].tolist() == [0.0, 0.0]
    assert out["y_imputed"].tolist() == [i == 5 for i in range(14)]


def test_fill_missing_zero_and_interpolate():
    y = np.array([2.0, np.nan, 6.0, np.nan, np.nan, 12.0])
    assert fill_missing(daily(6, y=y), "zero")["y"].tolist() == [2, 0, 6, 0, 0, 12]
    assert fill_missing(daily(6, y=y), "interpolate")["y"].tolist() == [2, 4, 6, 8, 10, 12]


def test_fill_missing_interpolate_ignores_closed_rows():
    y = [4.0, 0.0, np.nan, 8.0]
    df = daily(4, y=y, is_open=[True, False, True, True])
    out = fill_missing(df, "interpolate")
    # linear in time between the open 4.0 and 8.0, not from the closed 0.0
    assert out["y"].tolist() == pytest.approx([4.0, 0.0, 4.0 + 4.0 * 2 / 3, 8.0])


def test_parameter_errors_name_the_parameter():
    with pytest.raises(InvalidFrameError, match=r"^parameter freq='3D'.*Fix:"):
        local_range("2026-01-01", "2026-02-01", "3D")
    with pytest.raises(InvalidFrameError, match=r"^parameter tz="):
        local_range("2026-01-01", "2026-02-01", "D", tz="Mars/Olympus")


def test_fill_missing_errors():
    with pytest.raises(InvalidFrameError, match="method='mean'"):
        fill_missing(daily(), "mean")
    with pytest.raises(InvalidFrameError, match="season=0"):
        fill_missing(daily(y=[np.nan] + [1.0] * 9), season=0)
    df = pd.concat([daily(uid="ok"), daily(uid="empty", y=[np.nan] * 10)])
    with pytest.raises(InvalidFrameError, match="'empty'"):
        fill_missing(df)


def test_fill_missing_intraday_same_slot_last_week(sim):
    frame = regularise(
        sim.frame(channel="phone", freq="30min").drop(columns="is_open"),
        is_open=sim.opening_hours["phone"].is_open,
    )
    gap = frame.index[(frame["ds"].dt.date == dt.date(2024, 4, 4)) & frame["is_open"]]
    holed = frame.assign(y=frame["y"].where(~frame.index.isin(gap)))
    out = fill_missing(holed)
    # same local wall-clock time one week earlier: the week before was still winter time
    by_wall = frame.set_index(frame["ds"].dt.tz_localize(None))["y"]
    wall = frame.loc[gap, "ds"].dt.tz_localize(None)
    expected = by_wall.loc[wall - pd.Timedelta("7D")].to_numpy()
    assert expected.sum() > 0 and not np.isnan(expected).any()
    np.testing.assert_array_equal(out.loc[gap, "y"].to_numpy(), expected)
    assert out["y_imputed"].sum() == len(gap) > 10


# ------------------------------------------------------------ property tests


@st.composite
def frames(draw):
    freq = draw(st.sampled_from(["D", "h", "30min"]))
    n_series = draw(st.integers(1, 3))
    parts = []
    for i in range(n_series):
        start = pd.Timestamp("2025-03-25") + pd.Timedelta(days=draw(st.integers(0, 220)))
        n = draw(st.integers(4, 40))
        grid = local_range(start, start + pd.Timedelta(days=400 if freq == "D" else 3), freq)[:n]
        n_drop = draw(st.integers(0, (n - 2) // 4))
        drop = draw(st.lists(st.integers(1, n - 2), min_size=n_drop, max_size=n_drop, unique=True))
        keep = np.setdiff1d(np.arange(len(grid)), drop)
        y = draw(
            st.lists(
                st.one_of(st.floats(0, 1e6), st.just(float("nan"))),
                min_size=len(keep),
                max_size=len(keep),
            )
        )
        parts.append(pd.DataFrame({"unique_id": f"loc{i}/phone", "ds": grid[keep], "y": y}))
    df = pd.concat(parts, ignore_index=True)
    style = draw(st.sampled_from(["aware", "utc", "text"]))
    if style == "utc":
        df["ds"] = df["ds"].dt.tz_convert("UTC") if freq != "D" else df["ds"]
    elif style == "text":
        df["ds"] = (
            df["ds"]
            .dt.strftime("%Y-%m-%dT%H:%M:%S%z")
            .str.replace(r"(\d{2})(\d{2})$", r"\1:\2", regex=True)
        )
    return freq, df


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(frames(), st.randoms(use_true_random=False))
def test_property_valid_frames_pass_idempotent_and_order_free(case, rnd):
    freq, df = case
    out = validate_frame(df)
    assert out.attrs["freq"] == freq
    again = validate_frame(out)
    pd.testing.assert_frame_equal(again, out)
    assert again.attrs == out.attrs
    order = list(range(len(df)))
    rnd.shuffle(order)
    shuffled = validate_frame(df.iloc[order])
    pd.testing.assert_frame_equal(shuffled, out)
    assert len(regularise(out)) >= len(out)


@SETTINGS
@given(frames(), st.data())
def test_property_injected_duplicate_or_negative_raises(case, data):
    _, df = case
    row = data.draw(st.integers(0, len(df) - 1))
    dup = pd.concat([df, df.iloc[[row]]], ignore_index=True)
    with pytest.raises(InvalidFrameError, match="duplicate"):
        validate_frame(dup)
    neg = df.copy()
    neg.loc[row, "y"] = -data.draw(st.floats(1e-6, 1e6))
    with pytest.raises(InvalidFrameError, match=r"'y'.*>= 0"):
        validate_frame(neg)


# ------------------------------------------------------- issue 14: items 4, 5, 12


@pytest.mark.parametrize("text", ["NaT", "", "  "])
@pytest.mark.parametrize(
    "kwargs", [{}, {"tz": "UTC", "nonexistent": "shift_forward"}, {"freq": "D"}]
)
def test_missing_text_times_are_named_as_missing(text, kwargs):
    df = daily(5).assign(ds=["2026-03-27", "2026-03-28", text, "2026-03-30", "2026-03-31"])
    message = raises(df, r"column 'ds'", r"missing timestamps", r"row 2 ", **kwargs)
    assert "does not exist" not in message and "do not exist" not in message


def test_one_row_frame_with_nat_text_is_refused():
    df = pd.DataFrame({"unique_id": "desk", "ds": ["NaT"], "y": [3.0]})
    raises(df, r"missing timestamps", r"row 0 ", tz="UTC", nonexistent="shift_forward", freq="D")


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "UTC", "America/New_York"])
def test_aware_daily_frame_keeps_its_zone(zone):
    ds = pd.date_range("2026-03-20", periods=14, freq="D", tz=zone)
    out = validate_frame(daily(14).assign(ds=ds))
    assert str(out["ds"].dt.tz) == zone and out.attrs["freq"] == "D"
    assert (out["ds"] == ds).all()


def test_loaders_tokyo_frame_passes_validate_frame(tmp_path):
    from demandcast.loaders import load_phone

    rows = [f"2024-01-{d:02d} {h:02d}:15:00;tokyo" for d in range(1, 15) for h in (9, 11, 14)]
    path = tmp_path / "calls.csv"
    path.write_text("Begintijd;Locatie\n" + "\n".join(rows) + "\n")
    frame = load_phone(path, freq="D", tz="Asia/Tokyo")
    out = validate_frame(frame)
    assert str(out["ds"].dt.tz) == "Asia/Tokyo"
    assert out["y"].tolist() == [3.0] * 14
    assert (out["ds"].dt.hour == 0).all()


def test_converted_zone_message_names_both_zones_and_the_fix():
    ds = pd.date_range("2026-03-20", periods=14, freq="D", tz="Asia/Tokyo")
    message = raises(
        daily(14).assign(ds=ds),
        r"midnight in Europe/Amsterdam",
        r"given in Asia/Tokyo",
        r"tz='Asia/Tokyo'",
        tz=TZ,
    )
    assert "normalise" not in message


def test_naive_times_are_read_in_the_zone_asked_for():
    out = validate_frame(daily(5), tz="Asia/Tokyo")
    assert str(out["ds"].dt.tz) == "Asia/Tokyo" and (out["ds"].dt.hour == 0).all()
    assert str(validate_frame(daily(5))["ds"].dt.tz) == TZ


def test_duplicate_rows_are_listed_by_position_once_each():
    df = daily(4)
    df = pd.concat([df, df.iloc[[1]]])  # a repeated export line: index label 1 twice
    message = raises(df, r"duplicate \(unique_id, ds\)", r"row 1 ", r"row 4 ")
    assert message.count("index 1") == 2 and "row 1 " in message


def test_mixed_date_formats_blame_the_row_that_is_off():
    ds = ["2026-03-20", "2026-03-21", "22-03-2026", "2026-03-23", "2026-03-24"]
    message = raises(daily(5).assign(ds=ds), r"cannot be parsed", r"row 2 ", r"22-03-2026")
    assert "row 0 " not in message
