"""Aggregated counts loader: tidy ``series_id, timestamp, count`` files -> long frame."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError, DataWarning, InputFileError

from ._bucket import _DAY, _tick, bucket_times, check_freq
from ._columns import resolve
from ._events import DEFAULT_TZ, validate
from ._parse import _parse_dates, check_errors, localise_events, parse_numbers, report_rows
from ._read import read_table
from .privacy import is_personal_column

__all__ = ["load_counts"]


def load_counts(
    source,
    *,
    id_col: str | None = "series_id",
    time_col: str = "timestamp",
    value_col: str = "count",
    freq: str | None = None,
    tz: str = DEFAULT_TZ,
    min_count: int | None = None,
    date_format: str | None = None,
    unique_id: str = "series",
    errors: str = "warn",
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
) -> pd.DataFrame:
    """Load a table of aggregated counts (one row per series and interval).

    Rows are kept as they are: gaps stay absent (never zero-filled), so the output
    has one row per input row unless ``freq`` re-aggregates.

    Parameters
    ----------
    source : path or DataFrame
        CSV/TSV, Excel, Parquet or a DataFrame.
    id_col, time_col, value_col : str
        Series id, interval start (local wall-clock time or date) and count columns.
        ``id_col=None``: one series named ``unique_id``.
    freq : str, optional
        Re-aggregate to this coarser interval by summing (e.g. 5-minute -> ``"30min"``).
        ``None`` keeps the file's own interval.
    tz : str, default "Europe/Amsterdam"
        Time zone of the timestamps (dates become local midnight).
    min_count : int, optional
        Fine intervals a coarse interval needs to get a value. Default: all expected
        fine intervals. Expected are, for intraday data, the fine intervals within the
        daily span observed on that weekday on days that have data; for daily data,
        every day between the series' first and last day. A coarse interval with
        fewer is NaN (missing), never a partial sum.
    date_format : str, optional
        ``strptime`` format of ``time_col``.
    unique_id : str, default "series"
        Series name when ``id_col=None``.
    errors : {"warn", "raise"}
        Unparseable times and non-numeric or negative counts: dropped with a
        ``DataWarning`` (counts set to missing) or ``InputFileError``.
    sep, decimal, encoding, sheet_name : optional
        Passed to :func:`demandcast.loaders.read_table`.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, y`` and the other (numeric or text) columns of the file,
        except personal columns (dropped with a ``DataWarning``). With ``freq``,
        extra numeric columns are summed and text columns dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"series_id": "calls", "count": [1, 2, 3, 4, 5, 6],
    ...     "timestamp": pd.date_range("2024-01-08 09:00", periods=6, freq="10min")})
    >>> load_counts(raw, freq="30min")["y"].tolist()
    [6.0, 15.0]
    """
    check_errors(errors)
    if freq is not None:
        check_freq(freq)
    if min_count is not None and (not isinstance(min_count, (int, np.integer)) or min_count < 1):
        raise ConfigError(f"min_count={min_count!r} must be a positive integer or None")
    raw = read_table(source, sep=sep, decimal=decimal, encoding=encoding, sheet_name=sheet_name)
    is_text = not isinstance(source, pd.DataFrame) and str(source).lower().endswith(
        (".csv", ".tsv", ".txt")
    )
    row_word = "line" if is_text else "row"
    tcol = resolve(raw, "time_col", time_col, None)
    vcol = resolve(raw, "value_col", value_col, None)
    icol = resolve(raw, "id_col", id_col, None) if id_col is not None else None
    if icol is not None and is_personal_column(icol):
        raise ConfigError(
            f"id_col={icol!r} is a personal column (its name matches "
            "demandcast.loaders.PERSONAL_COLUMN_PATTERNS): its values would become series "
            "ids in the store, the CSVs and the report. Replace them with keyed pseudonyms "
            "first (df['series_id'] = demandcast.loaders.pseudonymize(df[col], key)) and "
            "pass that column as id_col"
        )

    times = _parse_dates(raw[tcol], date_format, with_time=True)
    bad = times.isna().to_numpy()
    if bad.all():
        raise InputFileError(
            f"no value of time_col={tcol!r} could be read as a date/time; first values: "
            f"{raw[tcol].head(3).tolist()}. Pass date_format= or map another column"
        )
    report_rows(
        bad,
        raw.index,
        f"a missing or unparseable time in column {tcol!r}",
        errors=errors,
        row_word=row_word,
    )
    raw, times = raw[~bad], times[~bad]
    ds = localise_events(times, tz, index=raw.index, row_word=row_word)
    y = parse_numbers(raw[vcol], raw.attrs.get("decimal", decimal or "."))
    wrong = ((y.isna() & raw[vcol].notna()) | (y < 0)).to_numpy()
    report_rows(
        wrong,
        raw.index,
        f"a non-numeric or negative count in column {vcol!r}",
        errors=errors,
        row_word=row_word,
        action="set to missing",
    )
    y = y.mask(wrong)

    out = pd.DataFrame(
        {
            "unique_id": raw[icol].astype(str).to_numpy() if icol else unique_id,
            "ds": pd.DatetimeIndex(ds),
            "y": y.to_numpy(dtype=float),
        }
    )
    extras = [c for c in raw.columns if c not in {tcol, vcol, icol}]
    personal = [c for c in extras if is_personal_column(c)]
    if personal:
        warnings.warn(
            f"dropped personal columns {personal[:5]} (privacy: loaders never output "
            "personal data)",
            DataWarning,
            stacklevel=2,
        )
    for c in extras:
        if c not in personal and c not in out.columns:
            out[c] = raw[c].to_numpy()
    dup = out.duplicated(["unique_id", "ds"], keep=False).to_numpy()
    if dup.any():
        ex = [f"{u} {d}" for u, d in out.loc[dup, ["unique_id", "ds"]].head(5).values]
        raise InputFileError(
            f"{int(dup.sum())} rows share a (series, time) pair with another row, e.g. {ex}; "
            "each series may have one count per interval: remove the duplicates or sum them"
        )
    out = out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    fine = _fine_freq(out)
    if freq is None:
        return validate(out, freq=fine, tz=tz)
    if _length(freq) < _length(fine):
        raise ConfigError(
            f"freq={freq!r} is finer than the data ({fine!r}): counts can only be summed "
            f"to a coarser interval; use freq=None or a multiple of {fine!r}"
        )
    if _length(freq) == _length(fine):
        return validate(out, freq=freq, tz=tz)
    return validate(_reaggregate(out, fine, freq, min_count), freq=freq, tz=tz)


def _length(freq: str) -> pd.Timedelta:
    td = _tick(freq)
    if td is not None:
        return td
    off = _time.offset(freq)
    # calendar offsets (W, MS, ...): a nominal length, enough to order them
    return pd.Timedelta(days=7) if off.freqstr.startswith("W") else pd.Timedelta(days=28)


def _fine_freq(df: pd.DataFrame) -> str:
    """The smallest step between consecutive rows of a series (the data's interval)."""
    steps = df.groupby("unique_id")["ds"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        return "D"
    step = steps.min()
    if step >= pd.Timedelta(hours=23):  # a daily series across a DST change
        return "D"
    return _time.offset(step).freqstr


def _expected_fine(part: pd.DataFrame, fine: str) -> pd.DatetimeIndex:
    first, last = part["ds"].min(), part["ds"].max()
    grid = _time.local_range(first, last, fine, tz=str(first.tz))
    if _length(fine) >= _DAY:
        return grid
    wall = _time.wall(part["ds"])
    minute = wall.dt.hour * 60 + wall.dt.minute
    span = minute.groupby(wall.dt.day_of_week).agg(["min", "max"])
    g = _time.wall(pd.Series(grid))
    gmin = (g.dt.hour * 60 + g.dt.minute).to_numpy()
    lo = g.dt.day_of_week.map(span["min"]).to_numpy(dtype=float)
    hi = g.dt.day_of_week.map(span["max"]).to_numpy(dtype=float)
    keep = g.dt.normalize().isin(set(wall.dt.normalize())).to_numpy() & (gmin >= lo) & (gmin <= hi)
    return grid[keep]


def _reaggregate(df: pd.DataFrame, fine: str, freq: str, min_count: int | None) -> pd.DataFrame:
    numeric = [
        c
        for c in df.columns
        if c not in ("unique_id", "ds") and pd.api.types.is_numeric_dtype(df[c])
    ]
    dropped = [c for c in df.columns if c not in ("unique_id", "ds", *numeric)]
    if dropped:
        warnings.warn(
            f"columns {dropped[:5]} are not numeric and cannot be summed to freq={freq!r}: "
            "left out",
            DataWarning,
            stacklevel=3,
        )
    pieces = []
    for uid, part in df.groupby("unique_id", sort=True):
        b = bucket_times(part["ds"], freq)
        sums = part[numeric].groupby(b.to_numpy()).sum(min_count=1)
        present = part["y"].notna().groupby(b.to_numpy()).sum()
        expected_grid = pd.Series(_expected_fine(part, fine))
        expected = expected_grid.groupby(bucket_times(expected_grid, freq).to_numpy()).size()
        need = expected.reindex(sums.index).fillna(0) if min_count is None else min_count
        ok = present.reindex(sums.index).to_numpy() >= np.asarray(need)
        sums["y"] = sums["y"].where(ok)
        sums.index = pd.DatetimeIndex(sums.index, name="ds")
        sums = sums.reset_index()
        sums.insert(0, "unique_id", uid)
        pieces.append(sums)
    return pd.concat(pieces, ignore_index=True)
