"""read_table: sniffing separators, decimals and encodings; every bad-input case."""

from __future__ import annotations

import pandas as pd
import pytest

from demandcast.exceptions import InputFileError
from demandcast.loaders import load_desk, read_table


def test_semicolon_decimal_comma_latin1(tmp_path):
    path = tmp_path / "balie.csv"
    path.write_bytes("datum;locatie;wachttijd\n08-01-2024;Café Zuid;12,5\n".encode("latin-1"))
    df = read_table(path)
    assert df.attrs["sep"] == ";" and df.attrs["decimal"] == ","
    assert df["locatie"].tolist() == ["Café Zuid"] and df["wachttijd"].tolist() == [12.5]


def test_utf8_bom_and_tab(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_bytes("\ufeffdatum\tlocatie\n2024-01-08\tNoord\n".encode())
    df = read_table(path)
    assert list(df.columns) == ["datum", "locatie"] and df.attrs["sep"] == "\t"


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet_desk_export(tmp_path, suffix):
    tickets = pd.DataFrame(
        {
            "Tijdstip": pd.to_datetime(
                ["2024-01-08 09:01", "2024-01-08 09:40", "2024-01-08 11:05"]
            ),
            "Vestiging": ["Centrum"] * 3,
            "Behandeltijd": [300, 200, 100],
            "BSN": ["123456782", "123456782", "999999990"],
        }
    )
    path = tmp_path / f"tickets{suffix}"
    if suffix == ".xlsx":
        tickets.to_excel(path, index=False)
    else:
        tickets.to_parquet(path)
    df = load_desk(path, freq="h", pseudonymize=b"k")
    assert df["unique_id"].unique().tolist() == ["Centrum/desk"]
    assert df["y"].tolist() == [2.0, 0.0, 1.0]
    assert df["service_seconds"].tolist() == [500.0, 0.0, 100.0]
    assert df["repeat_contacts"].tolist() == [1.0, 0.0, 0.0]
    assert "BSN" not in df.columns and "123456782" not in df.to_string()


def test_dataframe_is_copied():
    src = pd.DataFrame({"a": [1], "b": [2]})
    out = read_table(src)
    out.loc[0, "a"] = 5
    assert src.loc[0, "a"] == 1


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"datum;tijd\n", "only a header"),
        (b"datum tijd locatie\n2024-01-08 09:00 noord\n", "single column"),
        (b"datum;tijd;datum\n2024-01-08;09:00;x\n", r"duplicate column names \['datum'\]"),
        (b"\n\n", "blank"),
    ],
)
def test_bad_files(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=match):
        read_table(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        read_table(tmp_path / "nope.csv")
