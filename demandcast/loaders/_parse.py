"""Parse times, durations and numbers from raw export columns, reporting bad rows."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError, DataWarning, InputFileError

__all__ = [
    "check_errors",
    "localise_events",
    "parse_durations",
    "parse_event_times",
    "parse_numbers",
    "report_rows",
]

_DATE_FORMATS = (
    "ISO8601",
    "%d-%m-%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%y",
    "%d/%m/%y",
    "%m/%d/%Y",
)
_TIME_PARTS = ("", " %H:%M", " %H:%M:%S")
_HHMM = re.compile(r"^\s*\d{1,2}:\d{2}\s*$")
_HMS = re.compile(r"^\s*(-?)(\d+):(\d{1,2})(?::(\d{1,2}(?:[.,]\d+)?))?\s*$")


def all_text(s: pd.Series) -> bool:
    """Whether every non-missing value of ``s`` is a string (safe to factorize as text).

    Object columns mixing 1 and True would merge those under :func:`per_distinct`.

    Examples
    --------
    >>> all_text(pd.Series(["a", None])), all_text(pd.Series(["a", 1], dtype=object))
    (True, False)
    """
    return pd.api.types.is_string_dtype(s.dtype) and pd.api.types.infer_dtype(s, skipna=True) in (
        "string",
        "empty",
    )


def per_distinct(values: pd.Series, fn: Callable[[np.ndarray], Any], missing: Any) -> np.ndarray:
    """``fn`` of the distinct values (called once), spread back to every row.

    Logs repeat the same few outcomes, ids and durations over many rows, so the work
    is done once per distinct value. Missing values get ``missing``.

    Examples
    --------
    >>> per_distinct(pd.Series(["a", "b", "a", None]), lambda u: [v.upper() for v in u], "")
    array(['A', 'B', 'A', ''], dtype=object)
    """
    codes, uniques = pd.factorize(values)
    out = np.asarray(fn(np.asarray(uniques, dtype=object)))
    table = np.empty(len(out) + 1, dtype=object if out.dtype.kind in "OUS" else out.dtype)
    table[:-1] = out
    table[-1] = missing
    return table[codes]  # code -1 (missing) takes the last entry


def check_errors(errors: str) -> None:
    """Validate the ``errors=`` argument of a loader ("warn" or "raise")."""
    if errors not in ("warn", "raise"):
        raise ConfigError(f"errors={errors!r} is not allowed: use 'warn' or 'raise'")


def report_rows(
    mask: np.ndarray | pd.Series,
    index: pd.Index,
    what: str,
    *,
    errors: str = "warn",
    row_word: str = "line",
    action: str = "dropped",
) -> int:
    """Warn (``DataWarning``) or raise about the rows in ``mask``; return their count.

    Examples
    --------
    >>> import warnings, numpy as np, pandas as pd
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     report_rows(np.array([False, True]), pd.Index([2, 3]), "unparseable entry time")
    1
    >>> str(w[0].message)
    'dropped 1 row with unparseable entry time: line 3'
    """
    mask = np.asarray(mask, dtype=bool)
    n = int(mask.sum())
    if n == 0:
        return 0
    labels = [str(v) for v in index[mask][:5]]
    more = ", ..." if n > 5 else ""
    words = f"{row_word}s" if n > 1 else row_word
    rows = f"{n} row{'s' if n > 1 else ''}"
    head = action.format(rows=rows) if "{rows}" in action else f"{action} {rows}"
    msg = f"{head} with {what}: {words} {', '.join(labels)}{more}"
    if errors == "raise":
        raise InputFileError(
            f"found {rows} with {what}: {words} {', '.join(labels)}{more}. Fix these rows, "
            "or pass errors='warn' to drop them with a warning"
        )
    warnings.warn(msg, DataWarning, stacklevel=4)
    return n


def _as_text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def _best_format(text: pd.Series, formats: list[str]) -> str:
    sample = text.dropna().iloc[:500]
    best, best_ok = formats[0], -1
    for fmt in formats:
        ok = pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()
        if ok > best_ok:
            best, best_ok = fmt, ok
        if ok == len(sample):
            break
    return best


def _parse_dates(s: pd.Series, date_format: str | None, with_time: bool) -> pd.Series:
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s):
        return s
    if pd.api.types.is_numeric_dtype(s) and date_format is None:
        ints = s.dropna()
        if len(ints) and (ints == ints.round()).all():
            width = ints.astype("int64").astype(str).str.len()
            if width.isin([5, 6]).all():  # yymmdd, leading zero lost as integer
                date_format = "%y%m%d"
            elif (width == 8).all():
                date_format = "%Y%m%d"
        if date_format is None:
            return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    text = _as_text(s)
    if date_format is None:
        offsets = _time.has_utc_offset(text)
        if offsets.any():
            # times with a UTC offset are instants, each with its own offset (they may
            # change across a DST switch); a time without one among them cannot be
            # placed and reads as unparseable
            return _time.parse_instants(text.where(offsets))
        digits = text.dropna()
        if len(digits) and digits.str.fullmatch(r"\d{6}").all():
            date_format = "%y%m%d"
        elif len(digits) and digits.str.fullmatch(r"\d{8}").all():
            date_format = "%Y%m%d"
    if date_format is not None:
        if pd.api.types.is_numeric_dtype(s):
            text = s.astype("Int64").astype("string").str.zfill(6 if "%y" in date_format else 8)
        return pd.to_datetime(text, format=date_format, errors="coerce")
    parts = _TIME_PARTS if with_time else ("",)
    formats = ["ISO8601"] + [f + p for f in _DATE_FORMATS[1:] for p in parts]
    return pd.to_datetime(text, format=_best_format(text, formats), errors="coerce")


def _parse_time_of_day(s: pd.Series) -> pd.Series:
    if pd.api.types.is_timedelta64_dtype(s):
        return s
    if pd.api.types.is_datetime64_any_dtype(s):
        return s - s.dt.normalize()
    if s.dtype == object:
        # datetime.time cells from Excel
        s = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    text = _as_text(s)
    text = text.where(~text.str.match(_HHMM).fillna(False), text + ":00")
    out = pd.to_timedelta(text, errors="coerce")
    return out.where(out >= pd.Timedelta(0))


def parse_event_times(
    df: pd.DataFrame,
    *,
    time_col: str | None,
    date_col: str | None,
    date_format: str | None = None,
) -> pd.Series:
    """Parse the event time from one datetime column or a date plus a time column.

    Returns a datetime Series (naive wall time, or tz-aware when the input was);
    unparseable values are NaT.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"date": [990901, 990902], "vru_entry": ["7:30:37", "bad"]})
    >>> parse_event_times(df, time_col="vru_entry", date_col="date").tolist()
    [Timestamp('1999-09-01 07:30:37'), NaT]
    """
    if date_col is not None and time_col is not None:
        dates = _parse_dates(df[date_col], date_format, with_time=False)
        dates = _time.wall(dates)
        return dates.dt.normalize() + _parse_time_of_day(df[time_col])
    col = time_col if time_col is not None else date_col
    return _parse_dates(df[col], date_format, with_time=True)


def localise_events(
    times: pd.Series, tz: str, *, index: pd.Index, row_word: str = "line"
) -> pd.Series:
    """Make wall-clock event times tz-aware in ``tz``, DST-correct.

    Times in the repeated hour when DST ends are read as the first (summer-time)
    occurrence; times in the skipped hour when DST starts are moved forward past the
    gap. Both are reported with a ``DataWarning``. Aware input is converted to ``tz``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2024-03-31 01:30", "2024-03-31 03:30"]))
    >>> localise_events(t, "Europe/Amsterdam", index=t.index).dt.hour.tolist()
    [1, 3]
    """
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return _time.to_local(times, tz)
    # each event stands alone (by=row): a repeated-hour time is its first occurrence
    fixed, ambiguous, gap = _time.localize(pd.DatetimeIndex(times), tz, by=np.arange(len(times)))
    report_rows(
        ambiguous,
        index,
        "a wall-clock time in the repeated hour at the end of daylight saving time",
        row_word=row_word,
        action="read {rows} as summer time (first occurrence)",
    )
    report_rows(
        gap,
        index,
        "a wall-clock time in the hour skipped at the start of daylight saving time",
        row_word=row_word,
        action="moved {rows} forward past the gap",
    )
    return pd.Series(fixed, index=times.index, name=times.name)


def parse_numbers(s: pd.Series, decimal: str = ".") -> pd.Series:
    """Parse numbers that may be text with a decimal comma; bad values -> NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> parse_numbers(pd.Series(["12,5", "3", ""]), decimal=",").tolist()
    [12.5, 3.0, nan]
    """
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    if pd.api.types.is_numeric_dtype(s):
        return pd.to_numeric(s, errors="coerce").astype("float64")
    text = _as_text(s)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def parse_durations(s: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Parse durations (seconds as numbers, or ``h:mm:ss`` / ``mm:ss`` text).

    Returns ``(seconds, bad)``: float seconds (NaN when empty or bad) and a boolean
    mask of non-empty values that could not be parsed. Text is parsed once per
    distinct value: as a number first, as ``h:mm:ss`` only where that failed.

    Examples
    --------
    >>> import pandas as pd
    >>> sec, bad = parse_durations(pd.Series(["0:01:10", "2:05", "45", "x", None]))
    >>> sec.tolist()[:3], bad.tolist()
    ([70.0, 125.0, 45.0], [False, False, False, True, False])
    """
    if pd.api.types.is_timedelta64_dtype(s):
        sec = s.dt.total_seconds()
        return sec, pd.Series(False, index=s.index)
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        sec = pd.to_numeric(s, errors="coerce").astype("float64")
        return sec, pd.Series(False, index=s.index)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) != "string":
        # datetime.time cells from Excel; mixed objects become text before factorizing,
        # so that e.g. 1 and True stay distinct values
        s = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
        s = s.astype("string")
    codes, uniques = pd.factorize(s)
    sec_u, bad_u = _durations_of_values(pd.Series(np.asarray(uniques, dtype=object)), decimal)
    known = codes >= 0
    sec = np.full(len(s), np.nan)
    sec[known] = sec_u[codes[known]]
    bad = np.zeros(len(s), dtype=bool)
    bad[known] = bad_u[codes[known]]
    return pd.Series(sec, index=s.index, name=s.name), pd.Series(bad, index=s.index, name=s.name)


def _durations_of_values(values: pd.Series, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and bad flags of distinct duration texts (see :func:`parse_durations`)."""
    text = _as_text(values)
    sec = parse_numbers(text, decimal)
    rest = (sec.isna() & text.notna()).to_numpy()
    if rest.any():
        parts = text[rest].str.extract(_HMS)
        has = parts[1].notna()
        if has.any():
            a = pd.to_numeric(parts[1], errors="coerce")
            b = pd.to_numeric(parts[2], errors="coerce")
            c = pd.to_numeric(parts[3].str.replace(",", ".", regex=False), errors="coerce")
            hms = (a * 3600 + b * 60 + c).where(c.notna(), a * 60 + b)
            hms = hms.where(parts[0] != "-", -hms).astype("float64")
            sec[hms.index[has]] = hms[has].to_numpy()
    bad = text.notna() & sec.isna()
    return sec.to_numpy(dtype="float64"), bad.fillna(False).to_numpy(dtype=bool)
