"""Read a source table (CSV/TSV, Excel, Parquet or a DataFrame) with sniffing.

Files get an index of 1-based line (or spreadsheet row) numbers, so that loaders
can name the offending lines of a file in their warnings and errors.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from os import PathLike
from pathlib import Path

import pandas as pd

from demandcast.exceptions import InputFileError

__all__ = ["SEPARATORS", "read_table"]

SEPARATORS: tuple[str, ...] = (";", ",", "\t", "|")
_SEP_NAMES = {";": "';'", ",": "','", "\t": "tab", "|": "'|'"}
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
_THOUSANDS_DOT = re.compile(r"^\s*-?\d{1,3}(\.\d{3})+\s*$")  # Dutch "1.200"
_SNIFF_LINES = 50


def read_table(
    source: str | PathLike[str] | pd.DataFrame,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    dtype: type | str | None = None,
) -> pd.DataFrame:
    """Read a table from a file or pass a DataFrame through as a copy.

    Parameters
    ----------
    source : str, path or DataFrame
        A CSV/TSV/TXT file, an Excel workbook (``.xlsx``/``.xls``), a Parquet file,
        or a DataFrame (returned as a copy).
    sep : str, optional
        Field separator; sniffed from ``;``, ``,``, tab and ``|`` when omitted.
    decimal : str, optional
        Decimal mark; ``","`` is chosen when the file is ``;``-separated and holds
        numbers such as ``12,5`` or ``1.200`` (Dutch thousands dot).
    encoding : str, optional
        Text encoding; tried in the order ``utf-8-sig`` (UTF-8 with or without BOM),
        then ``latin-1`` when omitted.
    sheet_name : str or int, default 0
        Excel sheet to read.
    dtype : type or str, optional
        Passed to the reader for CSV and Excel files (``str`` keeps leading zeros).

    Returns
    -------
    pandas.DataFrame
        For files the index holds the 1-based line number of each record in the
        file (the header is line 1); ``attrs`` records ``sep``, ``decimal`` and
        ``encoding`` of CSV files.

    Raises
    ------
    InputFileError
        Missing or empty file, only a header, a single column (probably the wrong
        separator), or duplicate column names.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "calls.csv")
    >>> with open(path, "w", encoding="latin-1") as fh:
    ...     _ = fh.write("datum;wachttijd\\n2024-01-02;12,5\\n2024-01-02;3\\n")
    >>> df = read_table(path)
    >>> df["wachttijd"].tolist(), df.index.tolist(), df.attrs["sep"]
    ([12.5, 3.0], [2, 3], ';')
    """
    if isinstance(source, pd.DataFrame):
        _check_columns(list(source.columns), "the DataFrame")
        return source.copy()
    if not isinstance(source, (str, PathLike)):
        raise InputFileError(
            f"source must be a file path or a pandas DataFrame, got {type(source).__name__}"
        )
    path = Path(source)
    if not path.exists():
        raise InputFileError(f"file not found: {str(path)!r}; check the path")
    if path.is_dir():
        raise InputFileError(f"{str(path)!r} is a folder, not a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"file {path.name!r} is empty (0 bytes): nothing to load")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return _read_excel(path, sheet_name, dtype)
    if suffix in {".parquet", ".pq"}:
        return _read_parquet(path)
    return _read_text(path, sep=sep, decimal=decimal, encoding=encoding, dtype=dtype)


def _check_columns(columns: list, where: str) -> None:
    names = [str(c).strip() for c in columns]
    dups = [name for name, n in Counter(names).items() if n > 1]
    if dups:
        raise InputFileError(
            f"{where} has duplicate column names {dups[:5]}: every column needs a "
            "unique header; rename or remove the duplicates"
        )


def _finish(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    if df.shape[1] == 0 or len(df) == 0:
        raise InputFileError(
            f"file {path.name!r} has only a header row and no records: nothing to load"
        )
    return df


def _read_excel(path: Path, sheet_name: str | int, dtype) -> pd.DataFrame:
    try:
        raw = pd.read_excel(path, sheet_name=sheet_name, header=None, dtype=dtype)
    except (ValueError, KeyError, OSError) as exc:
        raise InputFileError(f"cannot read Excel file {path.name!r}: {exc}") from exc
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise InputFileError(f"Excel file {path.name!r} (sheet {sheet_name!r}) is empty")
    header = [str(c).strip() for c in raw.iloc[0].tolist()]
    _check_columns(header, f"Excel file {path.name!r}")
    df = raw.iloc[1:].copy()
    df.columns = header
    df.index = df.index + 1  # spreadsheet row numbers are 1-based
    _finish(df, path)
    # cells read with header=None are object; let pandas infer proper dtypes again
    if dtype is None:
        df = df.infer_objects()
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several unrelated types
        raise InputFileError(f"cannot read Parquet file {path.name!r}: {exc}") from exc
    _check_columns(names, f"Parquet file {path.name!r}")
    df = pd.read_parquet(path).reset_index(drop=True)
    df.index = df.index + 1
    return _finish(df, path)


def _decode(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    tried = [encoding] if encoding else ["utf-8-sig", "latin-1"]
    for enc in tried:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputFileError(
        f"cannot decode {path.name!r} with encoding {tried}; pass encoding= (e.g. 'cp1252')"
    )


def _field_counts(lines: list[str], sep: str) -> list[int]:
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)
    return [len(row) for row in reader if row]


def _trim(fields: list[str]) -> list[str]:
    """Fields without the empty ones a trailing separator leaves at the end of a line."""
    end = len(fields)
    while end > 0 and not fields[end - 1].strip():
        end -= 1
    return fields[:end]


def _fit_rows(text: str, sep: str, width: int, path: Path) -> tuple[str, list[int]]:
    """The records of ``text`` cut to the header's ``width`` fields, and their line numbers.

    Empty fields beyond the header (a trailing separator) are no fields. A record that
    still has more fields than the header is refused, naming its line numbers.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    numbers, ragged, counts = [], [], []
    first = True
    for row in reader:
        if not any(f.strip() for f in row):
            continue  # blank line (dropped as in the plain read)
        if len(row) > width:
            row = row[:width] + _trim(row[width:])
        if first:
            row, first = row[:width], False
        elif len(row) > width:
            ragged.append(reader.line_num)
            counts.append(len(row))
            continue
        else:
            numbers.append(reader.line_num)
        writer.writerow(row)
    if ragged:
        lines = ", ".join(str(n) for n in ragged[:5]) + (", ..." if len(ragged) > 5 else "")
        decimal = (
            " (a decimal comma in a ','-separated file? Export with ';' as separator, or "
            "quote the numbers)"
            if sep == ","
            else ""
        )
        raise InputFileError(
            f"file {path.name!r}: {len(ragged)} row{'s' if len(ragged) > 1 else ''} "
            f"{'have' if len(ragged) > 1 else 'has'} more fields than the header's {width} "
            f"(up to {max(counts)} with sep={sep!r}): line{'s' if len(ragged) > 1 else ''} "
            f"{lines}{decimal}. Fix these lines or the separator (sep=)"
        )
    return out.getvalue(), numbers


def _sniff_sep(lines: list[str]) -> str | None:
    best, best_cols = None, 1
    for sep in SEPARATORS:
        counts = _field_counts(lines, sep)
        if counts and len(set(counts)) == 1 and counts[0] > best_cols:
            best, best_cols = sep, counts[0]
    if best is None:
        # tolerate ragged lines: the separator giving the most common count > 1
        for sep in SEPARATORS:
            counts = _field_counts(lines, sep)
            if counts and counts[0] > 1 and Counter(counts).most_common(1)[0][0] > best_cols:
                best, best_cols = sep, counts[0]
    return best


def _read_text(
    path: Path, *, sep: str | None, decimal: str | None, encoding: str | None, dtype
) -> pd.DataFrame:
    text, enc = _decode(path.read_bytes(), encoding, path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InputFileError(f"file {path.name!r} holds only blank lines: nothing to load")
    sample = lines[:_SNIFF_LINES]
    if sep is None:
        sep = _sniff_sep(sample)
        if sep is None:
            tried = ", ".join(_SEP_NAMES[s] for s in SEPARATORS)
            raise InputFileError(
                f"file {path.name!r} reads as a single column with every separator tried "
                f"({tried}); first line: {lines[0][:80]!r}. Pass sep= with the right separator"
            )
    header = _trim(next(csv.reader([lines[0]], delimiter=sep)))
    if len(header) < 2:
        raise InputFileError(
            f"file {path.name!r} has a single column with sep={sep!r} (header "
            f"{lines[0][:80]!r}): probably the wrong separator; try one of "
            f"{', '.join(_SEP_NAMES[s] for s in SEPARATORS)}"
        )
    _check_columns(header, f"file {path.name!r}")
    if len(lines) == 1:
        raise InputFileError(
            f"file {path.name!r} has only a header row and no records: nothing to load"
        )
    if decimal is None:
        decimal = "."
        if sep == ";":
            fields = (f for ln in sample[1:] for f in next(csv.reader([ln], delimiter=sep)))
            if any(_DECIMAL_COMMA.match(f) or _THOUSANDS_DOT.match(f) for f in fields):
                decimal = ","
    options = {
        "sep": sep,
        "decimal": decimal,
        "thousands": "." if decimal == "," else None,
        "dtype": dtype,
        "keep_default_na": True,
    }
    line_numbers = None
    try:
        df = pd.read_csv(io.StringIO(text), skip_blank_lines=False, **options)
    except pd.errors.ParserError:
        df = None  # a row with more fields than the header: read through _fit_rows
    except ValueError as exc:
        raise InputFileError(
            f"cannot parse {path.name!r} as {sep!r}-separated text: {exc}. "
            "Check the separator (sep=) and quoting"
        ) from exc
    if df is None or not isinstance(df.index, pd.RangeIndex) or df.shape[1] != len(header):
        # pandas takes extra fields as index columns, or names an empty header field
        # "Unnamed: 2": read the records again, trailing empty fields dropped
        fitted, line_numbers = _fit_rows(text, sep, len(header), path)
        try:
            df = pd.read_csv(io.StringIO(fitted), **options)
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputFileError(
                f"cannot parse {path.name!r} as {sep!r}-separated text: {exc}. "
                "Check the separator (sep=) and quoting"
            ) from exc
    df.columns = [str(c).strip() for c in df.columns]
    if line_numbers is None:
        df.index = df.index + 2  # header is line 1
    else:
        df.index = pd.Index(line_numbers[: len(df)])
    df = df.dropna(how="all")  # blank lines
    df.attrs.update(sep=sep, decimal=decimal, encoding=enc)
    return _finish(df, path)
