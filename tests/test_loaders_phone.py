"""load_phone on the real Anonymous Bank call log and on synthetic Dutch exports."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from demandcast.exceptions import DataWarning, InputFileError
from demandcast.loaders import load_phone

BANK_SLICE = "anonymous_bank_calls_1999-09-01_03.tsv"
BANK_FULL = "anonymous_bank_calls_1999-09.tsv"
TZ = "Asia/Jerusalem"


def _expected(path, freq: str) -> pd.DataFrame:
    """Direct pandas count of the raw log: PHANTOM excluded, per type and bucket."""
    raw = pd.read_csv(path, sep="\t", dtype={"date": str})
    raw = raw[raw["outcome"] != "PHANTOM"]
    wall = pd.to_datetime(raw["date"], format="%y%m%d") + pd.to_timedelta(raw["vru_entry"])
    out = pd.DataFrame(
        {
            "type": raw["type"].to_numpy(),
            "day": wall.dt.normalize().to_numpy(),
            "y": 1,
            "answered": (raw["outcome"] == "AGENT").to_numpy(),
            "abandoned": (raw["outcome"] == "HANG").to_numpy(),
            "handle": np.where(raw["outcome"] == "AGENT", raw["ser_time"], 0),
        }
    )
    return out.groupby(["type", "day"]).sum()


def _load(path, freq):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_phone(path, tz=TZ, location="anonymous-bank", by="type", freq=freq)


@pytest.mark.parametrize("freq", ["h", "30min"])
def test_bank_slice_totals_per_type_and_day(data_file, freq):
    path = data_file(BANK_SLICE)
    df = _load(path, freq)
    exp = _expected(path, freq)
    got = df.assign(
        type=df["unique_id"].str.split("/").str[-1],
        day=df["ds"].dt.tz_localize(None).dt.normalize(),
    )
    got = got.groupby(["type", "day"])[["y", "answered", "abandoned", "handle_seconds"]].sum()
    got = got[got["y"] > 0]
    assert got.index.tolist() == exp.index.tolist()
    np.testing.assert_array_equal(got["y"], exp["y"])
    np.testing.assert_array_equal(got["answered"], exp["answered"])
    np.testing.assert_array_equal(got["abandoned"], exp["abandoned"])
    np.testing.assert_array_equal(got["handle_seconds"], exp["handle"])


def test_bank_hourly_counts_match_direct_count_per_hour(data_file):
    path = data_file(BANK_SLICE)
    df = _load(path, "h")
    raw = pd.read_csv(path, sep="\t", dtype={"date": str})
    raw = raw[(raw["outcome"] != "PHANTOM") & (raw["type"] == "PS")]
    wall = pd.to_datetime(raw["date"], format="%y%m%d") + pd.to_timedelta(raw["vru_entry"])
    exp = wall.dt.floor("h").value_counts().sort_index()
    ps = df[df["unique_id"] == "anonymous-bank/phone/PS"]
    got = ps.groupby(ps["ds"].dt.tz_localize(None))["y"].sum()
    got = got[got > 0]
    pd.testing.assert_series_equal(
        got.astype(int), exp.astype(int), check_names=False, check_index_type=False
    )
    assert set(df["unique_id"]) >= {"anonymous-bank/phone/PS", "anonymous-bank/phone/NW"}


def test_bank_explicit_mapping_equals_auto_detection(data_file):
    path = data_file(BANK_SLICE)
    auto = _load(path, "30min")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        mapped = load_phone(
            path,
            tz=TZ,
            location="anonymous-bank",
            by="type",
            freq="30min",
            date_col="date",
            time_col="vru_entry",
            outcome_col="outcome",
            handle_col="ser_time",
            wait_col="q_time",
            caller_col="customer_id",
            date_format="%y%m%d",
        )
    pd.testing.assert_frame_equal(auto, mapped)


def test_bank_phantom_and_dst_are_reported(data_file):
    path = data_file(BANK_SLICE)
    with pytest.warns(DataWarning) as rec:
        load_phone(path, tz=TZ, location="anonymous-bank", freq="h")
    messages = " | ".join(str(w.message) for w in rec)
    n_phantom = (pd.read_csv(path, sep="\t")["outcome"] == "PHANTOM").sum()
    assert f"excluded {n_phantom} rows" in messages
    assert "summer time" in messages


def test_bank_dst_end_repeated_hour_is_on_the_grid_twice(data_file):
    df = _load(data_file(BANK_SLICE), "h")
    ps = df[df["unique_id"] == "anonymous-bank/phone/PS"]
    day = ps[ps["ds"].dt.tz_localize(None).dt.normalize() == pd.Timestamp("1999-09-03")]
    one_am = day[day["ds"].dt.hour == 1]
    # Israel left summer time at 02:00 -> 01:00 on 1999-09-03: two 01:00 hours
    assert [str(t) for t in one_am["ds"]] == [
        "1999-09-03 01:00:00+03:00",
        "1999-09-03 01:00:00+02:00",
    ]
    assert one_am["y"].iloc[0] > 0 and one_am["y"].iloc[1] == 0  # read as summer time
    assert ps["ds"].is_unique


def test_bank_full_month_totals(data_file):
    path = data_file(BANK_FULL)
    df = _load(path, "h")
    raw = pd.read_csv(path, sep="\t")
    real = raw[raw["outcome"] != "PHANTOM"]
    assert df["y"].sum() == len(real) == 31208
    assert df["answered"].sum() == (real["outcome"] == "AGENT").sum()
    assert df["abandoned"].sum() == (real["outcome"] == "HANG").sum()
    assert df["handle_seconds"].sum() == real.loc[real["outcome"] == "AGENT", "ser_time"].sum()
    assert df["wait_seconds"].sum() == real["q_time"].sum()
    customer_ids = {str(v) for v in raw["customer_id"].astype("int64") if v != 0}
    cells = {str(v) for c in df.columns for v in df[c].astype(str)}
    assert not customer_ids & cells


def _dutch_calls(tmp_path, name="calls.csv", encoding="latin-1", **csv_kw):
    df = pd.DataFrame(
        {
            "Datum": ["08-01-2024"] * 5 + ["09-01-2024"] * 2,
            "Tijd": ["08:05", "08:20", "08:40", "09:55", "10:10", "08:00", "08:31"],
            "Locatie": ["Stadhuis"] * 4 + ["Wijkpost Zuid"] * 3,
            "Uitkomst": [
                "beantwoord",
                "opgehangen",
                "beantwoord",
                "beantwoord",
                "beantwoord",
                "opgehangen",
                "beantwoord",
            ],
            "Wachttijd": ["12,5", "40", "0:01:05", "3", "0", "80", "1"],
            "Gesprekstijd": ["190", "0", "2:00", "60", "30", "0", "45"],
            "Beller": [
                "0612345678",
                "0612345678",
                "0687654321",
                "0612345678",
                "0611111111",
                "0622222222",
                "0622222222",
            ],
            "Opmerking": ["boos, wil terugbellen"] + [""] * 6,
        }
    )
    path = tmp_path / name
    df.to_csv(path, sep=";", index=False, encoding=encoding, **csv_kw)
    return path


def test_dutch_semicolon_latin1_export(tmp_path):
    path = _dutch_calls(tmp_path)
    df = load_phone(path, freq="h", pseudonymize="geheim")
    assert df["y"].sum() == 7
    centrum = df[df["unique_id"] == "Stadhuis/phone"].set_index(
        df["ds"].dt.hour[df["unique_id"] == "Stadhuis/phone"]
    )
    assert centrum.loc[8, "y"] == 3 and centrum.loc[8, "answered"] == 2
    assert centrum.loc[8, "handle_seconds"] == 190 + 120
    assert centrum.loc[8, "wait_seconds"] == 12.5 + 40 + 65
    assert centrum.loc[8, "repeat_contacts"] == 1  # same caller twice in the 08 hour
    assert centrum.loc[9, "repeat_contacts"] == 1  # and again at 09:55
    assert str(df["ds"].dt.tz) == "Europe/Amsterdam"
    for col in df.columns:
        assert col in {
            "unique_id",
            "ds",
            "y",
            "answered",
            "abandoned",
            "handle_seconds",
            "wait_seconds",
            "repeat_contacts",
        }
    assert "0612345678" not in df.to_string()


def test_zero_fill_within_observed_hours_only(tmp_path):
    df = load_phone(_dutch_calls(tmp_path), freq="h")
    stadhuis = df[df["unique_id"] == "Stadhuis/phone"]
    # Monday 08:00-09:00 observed: 08 and 09 rows; no invented day for Tuesday
    assert stadhuis["ds"].dt.hour.tolist() == [8, 9]
    zuid = df[df["unique_id"] == "Wijkpost Zuid/phone"]
    # Monday 10:00 call, Tuesday 08:00-08:31 -> Tuesday grid 08 only, Monday 10 only
    assert zuid["y"].tolist() == [1.0, 2.0]


def test_opening_hours_flag_and_fill():
    from demandcast.calendar import OpeningHours

    calls = pd.DataFrame(
        {
            "call_start": pd.to_datetime(
                ["2024-01-08 09:10", "2024-01-08 11:50", "2024-01-08 19:00"]
            ),
            "outcome": ["answered"] * 3,
        }
    )
    hours = OpeningHours.from_dict({"mon-fri": "09:00-12:00"})
    with pytest.warns(DataWarning, match="1 intervals outside the opening hours"):
        df = load_phone(calls, freq="h", location="x", opening_hours={"phone": hours})
    assert df["ds"].dt.hour.tolist() == [9, 10, 11, 19]
    assert df["y"].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert df["is_open"].all()


def test_unparseable_times_warn_with_line_numbers(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "call_start,outcome\n2024-01-08 09:00,answered\nnot a time,answered\n"
        "2024-01-08 09:10,abandoned\n,answered\n",
        encoding="utf-8",
    )
    with pytest.warns(DataWarning, match=r"dropped 2 rows .*lines 3, 5"):
        df = load_phone(path, freq="h", location="x")
    assert df["y"].sum() == 2
    with pytest.raises(InputFileError, match="lines 3, 5"):
        load_phone(path, freq="h", location="x", errors="raise")


def test_all_times_unparseable_is_an_error():
    calls = pd.DataFrame({"call_start": ["x", "y"], "outcome": ["answered"] * 2})
    with pytest.raises(InputFileError, match="no row has a parseable time"):
        load_phone(calls)


def test_negative_durations_dropped_or_raise():
    calls = pd.DataFrame(
        {
            "call_start": pd.to_datetime(["2024-01-08 09:00"] * 3),
            "handle_seconds": [10, -5, 20],
            "outcome": ["answered"] * 3,
        }
    )
    with pytest.warns(DataWarning, match="dropped 1 row with a negative handle time"):
        df = load_phone(calls, location="x")
    assert df["y"].sum() == 2 and df["handle_seconds"].sum() == 30
    with pytest.raises(InputFileError, match="negative handle time"):
        load_phone(calls, location="x", errors="raise")


def test_missing_mapped_column_names_closest_match():
    calls = pd.DataFrame({"call_start": pd.to_datetime(["2024-01-08 09:00"]), "wachttijd": [3]})
    with pytest.raises(InputFileError, match=r"wait_col='wachtijd'.*closest match: 'wachttijd'"):
        load_phone(calls, wait_col="wachtijd")


def test_interval_report_is_summed(tmp_path):
    report = pd.DataFrame(
        {
            "interval": pd.date_range("2024-01-08 08:00", periods=4, freq="15min"),
            "offered": [5, 7, 0, 2],
            "answered": [5, 6, 0, 1],
        }
    )
    df = load_phone(report, time_col="interval", freq="30min", location="kcc")
    assert df["y"].tolist() == [12.0, 2.0]
    assert df["answered"].tolist() == [11.0, 1.0]


def test_unknown_outcomes_are_reported():
    calls = pd.DataFrame(
        {
            "call_start": pd.to_datetime(["2024-01-08 09:00"] * 2),
            "outcome": ["answered", "transferred"],
        }
    )
    # issue 14 item 11: counted, never echoed (an unknown value may be free text)
    with pytest.warns(DataWarning, match="neither answered nor abandoned for 1 row") as rec:
        df = load_phone(calls, location="x")
    assert df["y"].sum() == 2 and df["answered"].sum() == 1
    assert not any("transferred" in str(w.message) for w in rec)


def test_simulated_phone_calls_totals():
    from demandcast.datasets import simulate_municipality

    sim = simulate_municipality(seed=3, start="2024-03-25", end="2024-04-07")
    calls = sim.phone_calls
    df = load_phone(calls, freq="30min", by="queue", opening_hours=sim.opening_hours["phone"])
    assert df["y"].sum() == len(calls)
    assert df["answered"].sum() == (calls["outcome"] == "answered").sum()
    per_loc = df.groupby(df["unique_id"].str.split("/").str[0])["y"].sum()
    assert per_loc.to_dict() == calls["location"].value_counts().astype(float).to_dict()
    assert not set(calls["caller_id"].astype(str)) & set(df.astype(str).stack())


def _hms(sec: int) -> str:
    return f"{sec // 3600}:{sec // 60 % 60:02d}:{sec % 60:02d}"


def test_mixed_duration_texts_and_excel_times_in_one_column(tmp_path):
    """Seconds, h:mm:ss, mm:ss and Excel times mixed in a column, values repeating."""
    import datetime

    rng = np.random.default_rng(7)
    n = 3000
    handle = rng.integers(0, 1200, n)
    wait = rng.integers(0, 300, n)
    hms = rng.random(n) < 0.4
    calls = pd.DataFrame(
        {
            "call_start": pd.date_range("2024-01-08 08:00", periods=n, freq="37s").astype(str),
            "outcome": np.where(rng.random(n) < 0.9, "answered", "abandoned"),
            "handle_seconds": [_hms(s) if h else str(s) for s, h in zip(handle, hms, strict=True)],
            "wait_seconds": [
                f"{s // 60}:{s % 60:02d}" if h else str(s) for s, h in zip(wait, hms, strict=True)
            ],
        }
    )
    calls.loc[[10, 2000], "handle_seconds"] = ["ca. 3 min", "ca. 3 min"]
    calls.loc[500, "handle_seconds"] = ""
    calls.loc[1500, "wait_seconds"] = "-0:00:05"
    answered = (calls["outcome"] == "answered").to_numpy()
    good = np.ones(n, dtype=bool)
    good[[10, 500, 2000]] = False
    kept = np.ones(n, dtype=bool)
    kept[1500] = False
    path = tmp_path / "calls.csv"
    calls.to_csv(path, index=False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load_phone(path, freq="D", location="kcc")
    msgs = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any("dropped 1 row with a negative wait time" in m and "line 1502" in m for m in msgs)
    assert any("kept 2 rows with an unparseable handle time" in m for m in msgs)
    assert any("lines 12, 2002" in m for m in msgs)
    assert df["y"].sum() == n - 1
    assert df["handle_seconds"].sum() == handle[answered & good & kept].sum()
    assert df["wait_seconds"].sum() == wait[kept].sum()

    # the same log as an Excel sheet would give it: time-of-day objects next to numbers
    excel = calls.drop(index=[10, 500, 1500, 2000]).astype({"handle_seconds": object})
    as_time = excel["handle_seconds"].str.contains(":").to_numpy()
    excel.loc[as_time, "handle_seconds"] = [
        datetime.time(s // 3600, s // 60 % 60, s % 60) for s in handle[excel.index[as_time]]
    ]
    excel.loc[~as_time, "handle_seconds"] = handle[excel.index[~as_time]].tolist()
    df2 = load_phone(excel, freq="D", location="kcc")
    keep = excel.index.to_numpy()
    assert df2["handle_seconds"].sum() == handle[keep][answered[keep]].sum()


def test_unknown_callers_are_never_repeats_after_pseudonymising():
    """'onbekend', 0 and blank ids are hashed like any text, but count as nobody's repeat."""
    times = pd.date_range("2025-03-03 09:00", periods=7, freq="5min")
    calls = pd.DataFrame(
        {
            "call_start": times.strftime("%Y-%m-%d %H:%M:%S"),
            "location": "Stadhuis",
            "outcome": "answered",
            "wait_seconds": 30,
            "handle_seconds": 120,
            "caller_id": ["onbekend", "Onbekend", "0", "", "0612345678", "0612345678", "0"],
        }
    )
    df = load_phone(calls, freq="h", pseudonymize="geheim")
    assert df["y"].sum() == 7
    assert df["repeat_contacts"].sum() == 1  # only the known caller's second call
