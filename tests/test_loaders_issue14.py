"""Issue 14, loader items: UTC offsets across DST (1), rows wider than the header (2),
monthly frequencies (3), nothing left after cleaning (15), personal grouping columns and
free text in warnings (11)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import demandcast as dc
from demandcast.exceptions import ConfigError, DataWarning, InputFileError
from demandcast.loaders import load_counts, load_desk, load_phone, load_web, read_table


def _write(tmp_path, text: str, name: str = "export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- item 1


def test_offsets_changing_across_dst_are_instants(tmp_path):
    path = _write(
        tmp_path,
        "Begintijd;Locatie\n2024-03-30T09:00:00+01:00;noord\n2024-04-02T09:00:00+02:00;noord\n",
    )
    df = load_phone(path, freq="D")
    assert df["unique_id"].unique().tolist() == ["noord/phone"]
    assert [str(t) for t in df["ds"]] == [
        "2024-03-30 00:00:00+01:00",
        "2024-04-02 00:00:00+02:00",
    ]
    assert df["y"].tolist() == [1.0, 1.0]


def test_offsets_are_converted_to_the_loader_zone(tmp_path):
    # a web export in UTC ("Z") and +02:00 read in Amsterdam: 07:30Z is 09:30 local
    path = _write(
        tmp_path,
        "datum,bezoeken\n2024-04-02T07:30:00Z,5\n2024-04-02T10:15:00+02:00,7\n",
    )
    df = load_web(path, freq="h")
    assert [t.strftime("%H:%M%z") for t in df["ds"]] == ["09:00+0200", "10:00+0200"]
    assert df["y"].tolist() == [5.0, 7.0]
    tokyo = load_web(path, freq="h", tz="Asia/Tokyo")
    assert [t.strftime("%H:%M%z") for t in tokyo["ds"]] == ["16:00+0900", "17:00+0900"]


def test_offsets_in_counts_and_desk(tmp_path):
    path = _write(
        tmp_path,
        "series_id;timestamp;count\n"
        "a;2024-10-26T00:00:00+02:00;3\na;2024-10-27T00:00:00+02:00;4\n"
        "a;2024-10-28T00:00:00+01:00;5\n",
    )
    df = load_counts(path)
    assert df["y"].tolist() == [3.0, 4.0, 5.0]
    assert [t.hour for t in df["ds"]] == [0, 0, 0]
    desk = _write(
        tmp_path,
        "ticket_time;location\n2024-10-26T10:05:00+02:00;centrum\n"
        "2024-10-28T10:05:00+01:00;centrum\n",
        "desk.csv",
    )
    assert load_desk(desk, freq="h")["y"].tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- item 2


def test_trailing_separator_is_no_field(tmp_path):
    path = _write(tmp_path, "Begintijd;Locatie\n08-01-2024 08:05:00;noord;\n")
    df = read_table(path)
    assert list(df.columns) == ["Begintijd", "Locatie"]
    assert df.index.tolist() == [2]
    assert df["Locatie"].tolist() == ["noord"]
    calls = load_phone(path, freq="h")
    assert calls["unique_id"].tolist() == ["noord/phone"]


def test_trailing_separator_on_every_line_and_header(tmp_path):
    path = _write(
        tmp_path, "call_start;queue;wait;\n2024-01-08 09:00;a;12;\n\n2024-01-08 09:40;a;3;;\n"
    )
    df = read_table(path)
    assert list(df.columns) == ["call_start", "queue", "wait"]
    assert df.index.tolist() == [2, 4]  # the blank line 3 keeps the numbering
    assert df["wait"].tolist() == [12, 3]


def test_ragged_rows_are_refused_by_line_number(tmp_path):
    path = _write(tmp_path, "datum,wachttijd\n2024-01-08,12\n2024-01-08,12,5\n2024-01-09,8,25\n")
    with pytest.raises(InputFileError, match=r"2 rows have more fields .* lines 3, 4") as exc:
        read_table(path)
    assert "decimal comma" in str(exc.value)
    assert "12,5" not in str(exc.value)  # line numbers and counts, never the content


# ---------------------------------------------------------------- item 3


@pytest.mark.parametrize("freq", ["MS", "QS", "YS"])
def test_monthly_freq_is_refused_at_the_check(freq):
    calls = pd.DataFrame({"call_start": pd.to_datetime(["2024-01-08 09:00", "2024-02-08 09:00"])})
    with pytest.raises(ConfigError, match=r"calendar frequency .* freq='D'"):
        load_phone(calls, freq=freq)
    with pytest.raises(ConfigError, match="calendar frequency"):
        load_counts(
            pd.DataFrame({"series_id": ["a"], "timestamp": ["2024-01-08"], "count": [1]}),
            freq=freq,
        )


# ---------------------------------------------------------------- item 15


def test_only_row_dropped_is_an_input_file_error():
    calls = pd.DataFrame({"call_start": [pd.Timestamp("2024-01-08 09:00")], "wait_seconds": [-4]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(
            InputFileError, match=r"all 1 rows read were dropped \(1 with a negative wait time\)"
        ):
            dc.load_phone(calls)


def test_nothing_left_names_every_reason(tmp_path):
    path = _write(
        tmp_path,
        "call_start;outcome;wait\nnonsense;answered;1\n2024-01-08 09:00;PHANTOM;2\n"
        "2024-01-08 09:10;answered;-3\n",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(InputFileError) as exc:
            load_phone(path)
    msg = str(exc.value)
    assert "all 3 lines" in msg
    assert "1 with a missing or unparseable time" in msg
    assert "1 with an excluded outcome" in msg
    assert "1 with a negative wait time" in msg


# ---------------------------------------------------------------- item 11

_PEOPLE = pd.DataFrame(
    {
        "call_start": pd.to_datetime(["2024-01-08 09:00", "2024-01-08 09:10"]),
        "Naam": ["Jan Jansen", "Piet de Vries"],
        "BSN": ["123456782", "987654321"],
    }
)


@pytest.mark.parametrize(
    ("loader", "kw"),
    [
        (load_phone, {"by": "Naam"}),
        (load_phone, {"location_col": "BSN"}),
        (load_desk, {"by": "Naam"}),
        (load_web, {"by": "Naam"}),
    ],
)
def test_personal_grouping_columns_are_refused(loader, kw):
    df = _PEOPLE.assign(visits=1)
    with pytest.raises(ConfigError, match=r"personal column .* pseudonymize=") as exc:
        loader(df, freq="h", **kw)
    assert "Jan" not in str(exc.value)


def test_personal_grouping_with_a_key_gives_pseudonyms():
    df = load_phone(_PEOPLE, freq="h", by="Naam", location_col="BSN", pseudonymize=b"secret")
    ids = df["unique_id"].tolist()
    assert len(set(ids)) == 2
    assert not any("Jan" in u or "123456782" in u for u in ids)
    again = load_phone(_PEOPLE, freq="h", by="Naam", location_col="BSN", pseudonymize=b"secret")
    assert again["unique_id"].tolist() == ids  # stable with the same key


def test_personal_id_col_of_counts_is_refused():
    df = pd.DataFrame({"klantnummer": ["1"], "timestamp": ["2024-01-08"], "count": [1]})
    with pytest.raises(ConfigError, match=r"personal column .*pseudonymize\("):
        load_counts(df, id_col="klantnummer")


def test_outcome_warning_never_echoes_free_text():
    calls = pd.DataFrame(
        {
            "call_start": pd.to_datetime(["2024-01-08 09:00"] * 3),
            "outcome": ["answered", "mevrouw Jansen belde over haar uitkering", "PHANTOM"],
        }
    )
    with pytest.warns(DataWarning) as rec:
        df = load_phone(calls, location="x")
    text = " ".join(str(w.message) for w in rec)
    assert "Jansen" not in text and "uitkering" not in text
    assert "neither answered nor abandoned for 1 row" in text
    assert "'phantom': 1" in text  # a known code is shown with its count
    assert df["y"].sum() == 2


# ---------------------------------------------------------------- found by the fuzzer


def test_times_of_day_without_a_date_column(tmp_path):
    path = _write(tmp_path, "call_start;location\n0:00;noord\n8:30;noord\n")
    with pytest.raises(InputFileError, match=r"times of day without a date.*date_col="):
        load_phone(path)
