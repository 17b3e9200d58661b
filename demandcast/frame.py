"""The long-frame contract: validation, regularise and fill (time grids: demandcast._time).

Every demandcast function speaks one table layout, the *long frame*:

``unique_id``
    str, the series (e.g. ``"utrecht-centrum/phone"``).
``ds``
    interval start, timezone-aware (an aware frame keeps its zone; naive times are read
    in ``Europe/Amsterdam`` unless ``tz`` says otherwise); daily data at local midnight.
``y``
    float count >= 0; NaN means *missing data*.
``is_open`` (optional)
    bool; ``False`` marks a *closed* interval, whose ``y`` is 0.0. Closed is never
    missing: closed intervals are either absent or flagged, missing ones are NaN.

Any other column is a regressor or a side measure and is kept as it is.

Times follow the one DST policy of :mod:`demandcast._time` (naive times are local
wall-clock in ``tz``; a repeated October time is summer time first, standard time on
its repeat, per series); a time in the skipped March hour raises
:class:`~demandcast.exceptions.InvalidFrameError` unless ``nonexistent="shift_forward"``.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import MAX_EXAMPLES, examples, kind_of, short
from demandcast._time import DEFAULT_TZ, future_index, local_range
from demandcast.exceptions import DataWarning, InvalidFrameError

__all__ = [
    "DEFAULT_TZ",
    "REQUIRED_COLUMNS",
    "fill_missing",
    "future_index",
    "infer_freq",
    "local_range",
    "open_flags",
    "regularise",
    "require_columns",
    "validate_frame",
]

REQUIRED_COLUMNS: tuple[str, str, str] = ("unique_id", "ds", "y")


# Column names seen in real exports, mapped to the contract name they usually mean.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "unique_id": ("series_id", "series", "id", "uid", "key", "channel", "location"),
    "ds": ("timestamp", "time", "date", "datetime", "period", "interval", "start", "dt"),
    "y": ("count", "counts", "value", "volume", "calls", "visits", "n", "target", "demand"),
}
_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "open", "1.0"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "closed", "0.0"})
_OFFSET_RE = _time.UTC_OFFSET_RE


# --------------------------------------------------------------------------- errors


def _fail(column: str, rule: str, examples: str, fix: str) -> InvalidFrameError:
    """Build the one error format: column (or parameter), rule, offending values, fix."""
    if column:
        where = f"column {column!r}: "
    elif rule.startswith("parameter "):
        where = ""
    else:
        where = "frame: "
    detail = f": {examples}" if examples else ""
    return InvalidFrameError(f"{where}{rule}{detail}. Fix: {fix}")


def _describe_rows(df: pd.DataFrame, positions: np.ndarray, columns: Sequence[str]) -> str:
    """Up to five offending rows of the *input* frame as 'row <position> (col=value, ...)'
    (positions count from 0; the index label is added when it is not the position)."""
    positions = np.asarray(positions)
    total = len(positions)
    shown = []
    cols = [c for c in columns if c in df.columns]
    labelled = not df.index.equals(pd.RangeIndex(len(df)))
    for pos in positions[:MAX_EXAMPLES]:
        values = ", ".join(f"{c}={short(df[c].iloc[int(pos)])}" for c in cols)
        label = f", index {short(df.index[int(pos)])}" if labelled else ""
        shown.append(f"row {int(pos)} ({values}{label})")
    more = f" and {total - MAX_EXAMPLES} more" if total > MAX_EXAMPLES else ""
    return f"{total} row(s), e.g. " + "; ".join(shown) + more


def require_columns(df: Any, columns: Sequence[str], what: str, fix: str) -> None:
    """Raise :class:`InvalidFrameError` unless ``df`` is a DataFrame with ``columns``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"ds": []}), ["ds", "y"], "extra", "add y.")
    Traceback (most recent call last):
    ...
    demandcast.exceptions.InvalidFrameError: extra: missing column(s) 'y'; it has 'ds'. Fix: add y.
    """
    if not isinstance(df, pd.DataFrame):
        raise InvalidFrameError(
            f"{what}: expected a pandas DataFrame, got {type(df).__name__}. Fix: {fix}"
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InvalidFrameError(
            f"{what}: missing column(s) {examples(missing)}; it has "
            f"{examples(list(df.columns), 10)}. Fix: {fix}"
        )


# ------------------------------------------------------------ validation: pieces


def _check_columns(df: pd.DataFrame, required: Sequence[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise _fail(
            "",
            f"expected a pandas DataFrame, got {kind_of(df)}",
            "",
            "pass a long frame with columns unique_id, ds, y",
        )
    if len(df) == 0:
        raise _fail(
            "",
            "the frame is empty (0 rows)",
            f"columns {list(df.columns)!r}",
            "pass at least two rows per series with columns unique_id, ds, y",
        )
    dup = [c for c in required if (df.columns == c).sum() > 1]
    if dup:
        raise _fail(
            dup[0],
            "column name appears more than once",
            examples(dup),
            "drop or rename the duplicate columns",
        )
    missing = [c for c in required if c not in df.columns]
    if not missing:
        return
    present = [str(c) for c in df.columns]
    lower = {p.lower(): p for p in present}
    renames: dict[str, str] = {}  # existing column -> contract name
    for col in missing:
        close = difflib.get_close_matches(col, present, n=1, cutoff=0.6)
        close += [lower[s] for s in _SYNONYMS.get(col, ()) if s in lower]
        close = [c for c in close if c not in renames and c not in REQUIRED_COLUMNS]
        if close:
            renames[close[0]] = col
    if renames:
        fix = f"rename, e.g. df.rename(columns={renames!r})"
        if "unique_id" in missing and "unique_id" not in renames.values():
            fix += '; for a single series add an id, e.g. df.assign(unique_id="utrecht/phone")'
    elif missing == ["unique_id"]:
        fix = 'for a single series add one, e.g. df.assign(unique_id="utrecht/phone")'
    elif "ds" in missing and isinstance(df.index, pd.DatetimeIndex):
        fix = "the timestamps are in the index: df.rename_axis('ds').reset_index()"
    else:
        fix = "provide the columns unique_id (series), ds (interval start) and y (count)"
    raise _fail(missing[0], f"required column(s) {missing!r} missing", f"found {present!r}", fix)


def _unique_ids(df: pd.DataFrame) -> pd.Series:
    uid = df["unique_id"]
    bad = np.flatnonzero(uid.isna().to_numpy())
    if len(bad):
        raise _fail(
            "unique_id",
            "missing series identifiers",
            _describe_rows(df, bad, ["unique_id", "ds", "y"]),
            "fill them, e.g. df['unique_id'] = df['unique_id'].fillna('unknown')",
        )
    if _is_text_dtype(uid.dtype):
        return uid
    return uid.astype(str)


def _is_text_dtype(dtype: Any) -> bool:
    """A dedicated string dtype (pandas 3 ``str``, ``string``), not object."""
    return pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)


_MISSING_WORDS = frozenset({"", "nat", "nan", "none", "null", "na", "<na>"})
_MISSING_FIX = (
    "drop or fill those rows before validating, e.g. "
    "df = df[pd.to_datetime(df['ds'], errors='coerce').notna()]"
)


def _missing_ds(df: pd.DataFrame, bad: np.ndarray) -> InvalidFrameError:
    return _fail(
        "ds",
        "missing timestamps (NaT, None, empty or unparseable text)",
        _describe_rows(df, bad, ["unique_id", "ds"]),
        _MISSING_FIX,
    )


def _parse_ds(df: pd.DataFrame) -> tuple[pd.DatetimeIndex, bool, str | None]:
    """Parse ``ds``; returns the index, whether it is naive (wall-clock) and the zone the
    values carry (None when naive, or for bare UTC offsets and mixed zones)."""
    s = df["ds"]
    cols = ["unique_id", "ds"]
    null = np.flatnonzero(s.isna().to_numpy())
    if len(null):
        raise _missing_ds(df, null)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(s), False, str(s.dt.tz)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return pd.DatetimeIndex(s), True, None
    if (
        pd.api.types.is_numeric_dtype(s.dtype)
        or pd.api.types.is_bool_dtype(s.dtype)
        or pd.api.types.is_timedelta64_dtype(s.dtype)
    ):
        raise _fail(
            "ds",
            f"must hold timestamps, found dtype {s.dtype}",
            _describe_rows(df, np.arange(min(len(s), MAX_EXAMPLES)), cols),
            "convert, e.g. pd.to_datetime(df['ds'], unit='s') for epoch seconds",
        )
    obj = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
    kind = pd.api.types.infer_dtype(obj, skipna=True)
    zoned = False
    if kind == "string":
        text = obj.astype(str)
        blank = np.flatnonzero(text.str.strip().str.lower().isin(_MISSING_WORDS).to_numpy(bool))
        if len(blank):
            raise _missing_ds(df, blank)
        parsed = _parse_text_ds(df, text)
        iso = {"format": "ISO8601", "utc": True}
    else:
        text = obj
        iso = {"format": "mixed", "utc": True}
        parsed = _try_datetime(obj)
        zoned = parsed is not None
        if parsed is None:
            aware = obj.map(lambda v: getattr(v, "tzinfo", None) is not None).to_numpy(bool)
            if aware.all():
                parsed = _try_datetime(obj, utc=True)
            elif aware.any():
                raise _mixed_error(df, aware)
    if parsed is None:
        # blame the rows that do not parse in the format the frame uses (ISO for text)
        coerced = _try_datetime(text, errors="coerce", **iso)
        bad = np.flatnonzero(coerced.isna().to_numpy()) if coerced is not None else []
        raise _fail(
            "ds",
            "timestamps that cannot be parsed"
            + (" (mixed date formats: these rows are not ISO-8601)" if kind == "string" else ""),
            _describe_rows(df, bad if len(bad) else np.arange(1), cols),
            "use ISO-8601 ('2026-03-29' or '2026-03-29T08:30:00'), or parse first, "
            "e.g. pd.to_datetime(df['ds'], format='%d-%m-%Y %H:%M')",
        )
    index = pd.DatetimeIndex(parsed)
    bad = np.flatnonzero(index.isna())
    if len(bad):
        raise _missing_ds(df, bad)
    found = str(index.tz) if zoned and index.tz is not None else None
    return index, index.tz is None, found


def _try_datetime(values: pd.Series, **kwargs: Any) -> pd.Series | None:
    """pd.to_datetime or None when pandas refuses (or returns objects, pandas 2)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = pd.to_datetime(values, **kwargs)
    except (ValueError, TypeError, OverflowError):
        return None
    if not (
        pd.api.types.is_datetime64_dtype(out.dtype) or isinstance(out.dtype, pd.DatetimeTZDtype)
    ):
        return None
    return out


def _parse_text_ds(df: pd.DataFrame, text: pd.Series) -> pd.Series | None:
    """ISO text: all with a UTC offset (parsed via UTC), none (naive), or an error."""
    tail = text.str.slice(10)  # the time part of ISO 'YYYY-MM-DD...'
    has_offset = (
        tail.str.contains("+", regex=False)
        | tail.str.contains("-", regex=False)
        | tail.str.upper().str.endswith("Z")
    ).to_numpy(bool)
    if has_offset.all():
        return _try_datetime(text, utc=True, format="ISO8601")
    if has_offset.any():
        has_offset = text.str.contains(_OFFSET_RE, regex=True).to_numpy(bool)
        if has_offset.any() and not has_offset.all():
            raise _mixed_error(df, has_offset)
        return None
    return _try_datetime(text, format="ISO8601")


def _mixed_error(df: pd.DataFrame, aware: np.ndarray) -> InvalidFrameError:
    minority = aware if aware.sum() <= (~aware).sum() else ~aware
    what = "with" if minority is aware else "without"
    return _fail(
        "ds",
        f"mixes timestamps with and without a UTC offset; rows {what} an offset",
        _describe_rows(df, np.flatnonzero(minority), ["unique_id", "ds"]),
        "give every timestamp an offset (e.g. '+01:00') or none (local wall-clock)",
    )


def _numeric_y(df: pd.DataFrame, allow_missing: bool) -> np.ndarray:
    y = df["y"]
    cols = ["unique_id", "ds", "y"]
    if pd.api.types.is_bool_dtype(y.dtype) or pd.api.types.is_numeric_dtype(y.dtype):
        values = y.to_numpy(dtype="float64", na_value=np.nan)
    else:
        obj = y.astype(object)
        kind = pd.api.types.infer_dtype(obj, skipna=True)
        if kind in ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"):
            values = pd.to_numeric(obj).to_numpy(dtype="float64", na_value=np.nan)
        else:
            text = obj.map(lambda v: not (isinstance(v, (int, float, np.number)) or pd.isna(v)))
            bad = np.flatnonzero(text.to_numpy(bool))
            raise _fail(
                "y",
                "must be numeric counts, found text or other values "
                "(decimal commas such as '12,5' are not parsed here)",
                _describe_rows(df, bad, cols),
                "read files with demandcast.loaders (they handle ';' and decimal "
                "commas), or convert, e.g. df['y'] = pd.to_numeric(df['y'].str."
                "replace(',', '.'))",
            )
    inf = np.flatnonzero(np.isinf(values))
    if len(inf):
        raise _fail(
            "y",
            "must be finite, found infinite values",
            _describe_rows(df, inf, cols),
            "replace them with NaN (missing) or a count",
        )
    neg = np.flatnonzero(values < 0)
    if len(neg):
        raise _fail(
            "y",
            "must be >= 0 (a count), found negative values",
            _describe_rows(df, neg, cols),
            "fix the source, or set them to NaN if they mean 'unknown'",
        )
    if not allow_missing:
        nan = np.flatnonzero(np.isnan(values))
        if len(nan):
            raise _fail(
                "y",
                "missing values (NaN) are not allowed with allow_missing=False",
                _describe_rows(df, nan, cols),
                "pass allow_missing=True, or impute with demandcast.frame.fill_missing",
            )
    return values


def open_flags(
    df: pd.DataFrame, column: str | None = "is_open", *, missing_open: bool = False
) -> np.ndarray:
    """The open flag ``df[column]`` as a bool array; all True without that column.

    Reads True/False, 1/0 and the words open/closed, yes/no, true/false. A missing
    flag counts as open with ``missing_open``; otherwise it is an offending value.

    Examples
    --------
    >>> open_flags(pd.DataFrame({"is_open": ["open", "closed", None]}), missing_open=True)
    array([ True, False,  True])
    """
    if column is None or column not in df.columns:
        return np.ones(len(df), dtype=bool)
    codes, uniques = pd.factorize(df[column])  # a missing flag gets code -1: the last entry
    words = [str(v).strip().lower() for v in uniques]
    is_true = np.array([w in _TRUE_WORDS for w in words] + [missing_open])
    known = np.array([w in _TRUE_WORDS or w in _FALSE_WORDS for w in words] + [missing_open])
    bad = ~known[codes]
    if bad.any():
        raise _fail(
            column,
            "must be boolean-like (True/False or 1/0), found",
            _describe_rows(df, np.flatnonzero(bad), ["unique_id", "ds", "y", column]),
            f"convert it to bool, e.g. df[{column!r}] = df[{column!r}].astype(bool)",
        )
    return is_true[codes]


def _sort_order(codes: np.ndarray, t: np.ndarray) -> np.ndarray | None:
    """Row order sorting by (series, time); None when already sorted."""
    if len(codes) < 2:
        return None
    dc = np.diff(codes)
    if (dc >= 0).all() and ((dc > 0) | (np.diff(t) > 0)).all():
        return None
    by_time = np.argsort(t, kind="stable")
    small = codes.astype(np.int32 if codes.max() >= 2**15 else np.int16)
    return by_time[np.argsort(small[by_time], kind="stable")]


def _modes(codes: np.ndarray, diffs: np.ndarray) -> pd.Series:
    """Most common diff per series code (smallest wins a tie)."""
    dcodes, values = pd.factorize(diffs, sort=True)
    n_codes = int(codes.max()) + 1 if len(codes) else 0
    if n_codes * len(values) <= 20_000_000:
        table = np.bincount(codes * len(values) + dcodes, minlength=n_codes * len(values))
        table = table.reshape(n_codes, len(values))
        present = np.flatnonzero(table.sum(axis=1) > 0)
        return pd.Series(values[table[present].argmax(axis=1)], index=present)
    counts = pd.DataFrame({"c": codes, "d": diffs}).value_counts(sort=False).reset_index()
    counts.columns = ["c", "d", "n"]
    counts = counts.sort_values(["c", "n", "d"], ascending=[True, False, True])
    first = counts.drop_duplicates("c")
    return pd.Series(first["d"].to_numpy(), index=first["c"].to_numpy())


def _midnights_in(ds: pd.DatetimeIndex, zone: str) -> bool:
    return bool((_time.wall_i8(ds.tz_convert(zone)) % _time.DAY_NS == 0).all())


def _off_midnight(
    df: pd.DataFrame, rows: np.ndarray, ds: pd.DatetimeIndex, spec: _time.Freq, found: str | None
) -> InvalidFrameError:
    """Daily/weekly data off local midnight: name the zone asked for, the zone found, and
    the fix that fits (keep the frame's zone, read UTC dates as dates, or normalise)."""
    tz = str(ds.tz)
    rule = f"{spec.alias} data must be at local midnight in {tz}, found times of day"
    if found is not None and found != tz:
        rule += f" (ds was given in {found}, converted to {tz})"
    if found is not None and found != tz and _midnights_in(ds, found):
        fix = (
            f"the times are midnights in {found}: keep the frame's own zone "
            f"(leave tz out, or pass tz={found!r})"
        )
    elif _midnights_in(ds, "UTC"):
        fix = (
            "the times are midnights in UTC: keep tz='UTC', or read them as local dates "
            f"with df['ds'] = df['ds'].dt.tz_convert('UTC').dt.tz_localize(None) (then in {tz})"
        )
    else:
        fix = (
            "normalise to local dates, e.g. df['ds'] = df['ds'].dt.normalize(), or pass "
            "the sub-daily freq the times are on"
        )
    return _fail("ds", rule, _describe_rows(df, rows, ["unique_id", "ds"]), fix)


def _resolve_freq(
    df: pd.DataFrame,
    pos: np.ndarray,
    codes: np.ndarray,
    uniques: np.ndarray,
    ds: pd.DatetimeIndex,
    freq: Any,
    zone_found: str | None = None,
) -> _time.Freq:
    """Infer (or check) one frequency for all series; ``ds``/``codes`` sorted, ``pos`` maps
    sorted rows to input positions, ``zone_found`` is the zone the input carried."""
    abs_i8 = ds.asi8
    wall = _time.wall_i8(ds)
    same = codes[1:] == codes[:-1]
    prev, nxt = np.flatnonzero(same), np.flatnonzero(same) + 1
    d_abs = abs_i8[nxt] - abs_i8[prev]
    d_wall = wall[nxt] - wall[prev]
    d_codes = codes[nxt]
    n_series = len(uniques)
    cols = ["unique_id", "ds"]

    if freq is not None:
        spec = _time.parse_freq(freq)
        per_series = None
    else:
        counts = np.bincount(codes, minlength=n_series)
        single = np.flatnonzero(counts == 1)
        if len(single):
            raise _fail(
                "ds",
                "a series with one row has no frequency to infer",
                f"series {examples(uniques[single])}",
                "drop those series, add more history, or pass freq= explicitly",
            )
        wall_mode = _modes(d_codes, d_wall)
        daily = wall_mode >= _time.DAY_NS
        sub_mode = (
            _modes(d_codes, d_abs).reindex(wall_mode.index[~daily.to_numpy()])
            if (~daily).any()
            else pd.Series(dtype="int64")
        )
        steps = pd.concat([wall_mode[daily], sub_mode]).sort_index()
        first_wd = ds[np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])].day_of_week
        per_series = {}
        for code, step in steps.items():
            step = int(step)
            if step == _time.DAY_NS:
                alias = _time.DAILY
            elif step == 7 * _time.DAY_NS:
                alias = _time.week(int(first_wd[code]))
            elif step < _time.DAY_NS and _time.tick_alias(step) is not None:
                alias = _time.tick(step)
            else:
                alias = None
            per_series[code] = alias
        unsupported = [c for c, a in per_series.items() if a is None]
        if unsupported:
            shown = ", ".join(
                f"{uniques[c]!r} ({pd.Timedelta(int(steps[c]), 'ns')})"
                for c in unsupported[:MAX_EXAMPLES]
            )
            if len(unsupported) > MAX_EXAMPLES:
                shown += f" and {len(unsupported) - MAX_EXAMPLES} more"
            raise _fail(
                "ds",
                "most common spacing is not a supported frequency",
                f"series {shown}",
                "resample to 'D', 'W', 'h' or whole minutes (e.g. '30min'), or pass "
                "freq= when most intervals are absent (e.g. freq='D' for a desk open "
                "twice a week); event logs go through demandcast.loaders",
            )
        found: dict[str, list[str]] = {}
        for code, spec_ in per_series.items():
            found.setdefault(spec_.alias, []).append(str(uniques[code]))
        if len(found) > 1:
            shown = "; ".join(f"{a!r}: {examples(ids)}" for a, ids in found.items())
            raise _fail(
                "ds",
                "series have different frequencies, one frame needs one",
                shown,
                "split the frame by frequency, or resample to a common one",
            )
        spec = next(iter(per_series.values()))

    if spec.calendar:
        off_midnight = np.flatnonzero(wall % _time.DAY_NS != 0)
        if len(off_midnight):
            raise _off_midnight(df, pos[off_midnight], ds, spec, zone_found)
        if spec.anchor is not None:
            wrong = np.flatnonzero(ds.day_of_week != spec.anchor)
            if len(wrong):
                raise _fail(
                    "ds",
                    f"weekly data must all fall on {_time.WEEKDAYS[spec.anchor]}",
                    _describe_rows(df, pos[wrong], cols),
                    "pass the matching freq, e.g. freq='W-MON'",
                )
        diffs = d_wall
    else:
        diffs = d_abs
    irregular = np.flatnonzero(diffs % spec.step_ns != 0)
    if len(irregular):
        rows = pos[nxt[irregular]]
        how = "passed" if freq is not None else "inferred"
        raise _fail(
            "ds",
            f"irregular spacing: gaps that are not a multiple of the {how} "
            f"frequency {spec.alias!r}",
            _describe_rows(df, rows, cols),
            "drop or correct those rows, or resample to a regular grid "
            "(pass freq= to check against the frequency you expect)",
        )
    return spec


# ---------------------------------------------------------------- public: validate


def validate_frame(
    df: pd.DataFrame,
    *,
    freq: str | None = None,
    tz: str | None = None,
    allow_missing: bool = True,
    nonexistent: Literal["raise", "shift_forward"] = "raise",
) -> pd.DataFrame:
    """Check a long frame against the contract and return a normalised copy.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``unique_id``, ``ds``, ``y``, optionally ``is_open`` and any side
        columns. ``ds`` may be datetime64 (naive = local wall-clock in ``tz``, or
        tz-aware in any zone), ISO-8601 text with or without UTC offsets (offsets
        may differ, e.g. +01:00/+02:00 across DST; all rows need one or none), or
        ``datetime.date`` objects.
    freq : str, optional
        Expected frequency (``"D"``, ``"W-MON"``, ``"h"``, ``"30min"``, ...). When
        given, every gap must be a multiple of it and one-row series are allowed;
        when omitted it is inferred per series and all series must agree.
    tz : str, optional
        Zone of the output ``ds`` when the caller asks for one (aware input is
        converted to it, naive input read in it). By default an aware frame keeps its
        own zone and naive times (and bare UTC offsets) are read in
        ``Europe/Amsterdam``.
    allow_missing : bool, default True
        Whether NaN ``y`` (missing data) is accepted.
    nonexistent : {"raise", "shift_forward"}, default "raise"
        What to do with naive local times that fall in the skipped DST hour.

    Returns
    -------
    pandas.DataFrame
        A new frame with a fresh RangeIndex, sorted by (``unique_id``, ``ds``):
        ``unique_id`` str, ``ds`` tz-aware (ns) in ``tz``, ``y`` float64,
        ``is_open`` bool when present (closed rows get ``y = 0.0``), other columns
        unchanged. ``out.attrs["freq"]`` holds the frequency alias.

    Raises
    ------
    InvalidFrameError
        Naming the column, the rule, up to five offending rows and the fix, for:
        an empty frame, missing columns, missing ids, unparseable, missing or
        mixed offset/no-offset timestamps, non-existent local times, non-numeric,
        infinite or negative ``y``, NaN ``y`` with ``allow_missing=False``, a
        non-boolean ``is_open`` or counts on closed rows, duplicate
        (``unique_id``, ``ds``), one-row series, daily data off midnight,
        irregular spacing, or series with different frequencies.

    Notes
    -----
    Naive times in the repeated October hour are read in input order per series:
    first occurrence summer time, second standard time; a single occurrence is
    summer time. The input frame is never modified.

    Examples
    --------
    >>> raw = pd.DataFrame({"unique_id": "desk", "ds": ["2026-03-28", "2026-03-29",
    ...                     "2026-03-30"], "y": [3, 0, 5]})
    >>> out = validate_frame(raw)
    >>> out.attrs["freq"], str(out["ds"].dt.tz), out["y"].dtype.name
    ('D', 'Europe/Amsterdam', 'float64')
    >>> validate_frame(raw.assign(y=[3, -1, 5]))
    Traceback (most recent call last):
    ...
    demandcast.exceptions.InvalidFrameError: column 'y': must be >= 0 ...
    """
    if nonexistent not in ("raise", "shift_forward"):
        raise _fail(
            "",
            f"parameter nonexistent={nonexistent!r} is not allowed",
            "",
            "pass 'raise' or 'shift_forward'",
        )
    _check_columns(df, REQUIRED_COLUMNS)
    spec_given = _time.parse_freq(freq) if freq is not None else None
    uid = _unique_ids(df)
    index, naive, found = _parse_ds(df)
    y = _numeric_y(df, allow_missing)
    flags = open_flags(df) if "is_open" in df.columns else None
    if flags is not None:
        closed_with_y = np.flatnonzero(~flags & (y > 0))
        if len(closed_with_y):
            raise _fail(
                "is_open",
                "closed rows (is_open == False) must have y 0 or NaN, found counts",
                _describe_rows(df, closed_with_y, ["unique_id", "ds", "y", "is_open"]),
                "mark those intervals open, or check the opening hours behind is_open",
            )
        closed_nan = np.flatnonzero(~flags & np.isnan(y))
        if len(closed_nan):
            rows = _describe_rows(df, closed_nan, ["unique_id", "ds"])
            warnings.warn(
                "validate_frame: y set to 0.0 on closed rows (is_open == False) that held "
                f"NaN; closed is not missing: {rows}",
                DataWarning,
                stacklevel=2,
            )
        y = np.where(flags, y, 0.0)

    tz = _time.frame_zone(found, tz)
    try:
        index = index.as_unit("ns")
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        raise _fail(
            "ds",
            "timestamps outside the years 1678-2261",
            "",
            "check the source for wrong dates (e.g. year 9999)",
        ) from None
    if naive:  # wall-clock times by the one DST policy; skipped-hour times raise or shift
        index, _, gap = _time.localize(index, tz, by=uid)
        if gap.any() and nonexistent != "shift_forward":
            raise _fail(
                "ds",
                f"local times that do not exist in {tz} (skipped at the start of summer time)",
                _describe_rows(df, np.flatnonzero(gap), ["unique_id", "ds"]),
                "check the source system's clock, or pass nonexistent='shift_forward' "
                "to move them to the first valid time",
            )
    else:
        index = _time.to_local(index, tz)

    codes, uniques = pd.factorize(uid, sort=True)
    uniques = np.asarray(uniques, dtype=object)
    t = index.asi8
    order = _sort_order(codes, t)
    pos = np.arange(len(df)) if order is None else order
    if order is not None:
        codes, t, index = codes[order], t[order], index[order]

    dup = np.flatnonzero((codes[1:] == codes[:-1]) & (t[1:] == t[:-1]))
    if len(dup):
        rows = np.unique(np.r_[pos[dup], pos[dup + 1]])
        raise _fail(
            "ds",
            "duplicate (unique_id, ds) pairs",
            _describe_rows(df, rows, ["unique_id", "ds", "y"]),
            "aggregate them, e.g. df.groupby(['unique_id', 'ds'], as_index=False)"
            "['y'].sum(), or drop repeated exports",
        )

    spec = _resolve_freq(df, pos, codes, uniques, index, spec_given, found)

    # take() and copy() give new arrays, so assigning below never touches ``df``.
    out = df.take(order) if order is not None else df.copy()
    out = out.reset_index(drop=True)
    if not _is_text_dtype(df["unique_id"].dtype):
        out["unique_id"] = pd.Series(uniques).astype(str).take(codes).to_numpy()
    out["ds"] = pd.Series(index, index=out.index)
    out["y"] = y if order is None else y[order]
    if flags is not None:
        out["is_open"] = flags if order is None else flags[order]
    out.attrs = {**df.attrs, "freq": spec.alias}
    return out


def infer_freq(df: pd.DataFrame | pd.Series | pd.DatetimeIndex) -> str:
    """The one frequency alias of a long frame (checked per series).

    Parameters
    ----------
    df : pandas.DataFrame, Series or DatetimeIndex
        A long frame, or the ``ds`` values of a single series.

    Returns
    -------
    str
        ``"D"``, ``"W-<DAY>"``, ``"h"``, ``"30min"``, ...

    Raises
    ------
    InvalidFrameError
        When a series is irregular, has one row, or series disagree.

    Examples
    --------
    >>> infer_freq(local_range("2026-10-25", "2026-10-26", "30min"))
    '30min'
    >>> infer_freq(pd.Series(pd.date_range("2026-03-20", periods=20, freq="D")))
    'D'
    """
    if isinstance(df, (pd.DatetimeIndex, pd.Series)):
        ds = pd.Series(df).reset_index(drop=True)
        df = pd.DataFrame({"unique_id": "series", "ds": ds})
    _check_columns(df, ("unique_id", "ds"))
    frame = df[["unique_id", "ds"]].assign(y=0.0)
    return validate_frame(frame, tz=None).attrs["freq"]


# ----------------------------------------------------------------- regularise


def _grid(lo: np.ndarray, n: np.ndarray, spec: _time.Freq, tz: str) -> pd.DatetimeIndex:
    """Vectorised local grids: ``n[i]`` steps from ``lo[i]`` (wall-clock ns for calendar
    frequencies, UTC ns for sub-daily ones), concatenated."""
    which = np.repeat(np.arange(len(n)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    values = lo[which] + offset * spec.step_ns
    return _time.localize_wall_i8(values, tz) if spec.calendar else _time.from_utc_i8(values, tz)


def regularise(
    df: pd.DataFrame,
    *,
    freq: str | None = None,
    is_open: Callable[[pd.DatetimeIndex], Any] | None = None,
) -> pd.DataFrame:
    """Put every series on its full local-time grid, keeping missing and closed apart.

    Parameters
    ----------
    df : pandas.DataFrame
        A long frame (validated first with ``tz=None``).
    freq : str, optional
        Grid frequency; inferred when omitted.
    is_open : callable, optional
        ``is_open(ds: DatetimeIndex) -> bool array``, e.g. ``OpeningHours.is_open``.

    Returns
    -------
    pandas.DataFrame
        Each series from its first to its last ``ds`` with no interval absent.
        Added *open* intervals have ``y = NaN`` (missing data). Closed intervals
        (``is_open`` callable returns False, or the frame's ``is_open`` column says
        so) have ``is_open = False`` and ``y = 0.0``. Side columns are NaN on added
        rows. An ``is_open`` column exists in the result when the input had one or
        ``is_open`` was passed; added rows without a callable count as open. The
        result passes :func:`validate_frame`.

    Warns
    -----
    DataWarning
        When the callable says closed but the frame has counts (y > 0) there: those
        rows are kept open, as the data shows contact happened.

    Examples
    --------
    >>> raw = pd.DataFrame({"unique_id": "desk", "y": [4.0, 6.0],
    ...                     "ds": pd.to_datetime(["2026-03-27", "2026-03-30"])})
    >>> out = regularise(raw, freq="D", is_open=lambda ds: ds.day_of_week < 5)
    >>> out[["y", "is_open"]].to_dict("list")
    {'y': [4.0, 0.0, 0.0, 6.0], 'is_open': [True, False, False, True]}
    >>> int(regularise(raw, freq="D")["y"].isna().sum())
    2
    """
    base = validate_frame(df, freq=freq, tz=None)
    spec = _time.parse_freq(base.attrs["freq"])
    tz = str(base["ds"].dt.tz)
    codes, uniques = pd.factorize(base["unique_id"], sort=True)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(base)] - 1
    stamps = pd.DatetimeIndex(base["ds"])
    t = _time.wall_i8(stamps) if spec.calendar else stamps.asi8
    lo = t[starts]
    n = (t[ends] - lo) // spec.step_ns + 1
    first_row = np.cumsum(n) - n
    # base is validated (sorted, on the grid), so each row's grid slot is arithmetic
    slot = first_row[codes] + (t - lo[codes]) // spec.step_ns
    total = int(n.sum())
    out = base.set_axis(slot).reindex(np.arange(total)).reset_index(drop=True)
    added = np.ones(total, dtype=bool)
    added[slot] = False
    which = np.repeat(np.arange(len(n)), n)
    out["unique_id"] = pd.Series(uniques.take(which), index=out.index)
    out["ds"] = pd.Series(_grid(lo, n, spec, tz), index=out.index)

    if "is_open" in base.columns or is_open is not None:
        if "is_open" in base.columns:
            flags = out["is_open"].to_numpy(dtype=object)
            flags = np.where(added, True, flags).astype(bool)
        else:
            flags = np.ones(len(out), dtype=bool)
        if is_open is not None:
            called = np.asarray(is_open(pd.DatetimeIndex(out["ds"])), dtype=bool)
            if called.shape != (len(out),):
                raise _fail(
                    "is_open",
                    f"the callable returned shape {called.shape}, expected ({len(out)},)",
                    "",
                    "return one bool per timestamp",
                )
            y = out["y"].to_numpy()
            conflict = ~called & (y > 0)
            if conflict.any():
                idx = np.flatnonzero(conflict)
                ex = examples(
                    [
                        f"{u} {d}"
                        for u, d in zip(
                            out["unique_id"].iloc[idx[:5]], out["ds"].iloc[idx[:5]], strict=True
                        )
                    ]
                )
                warnings.warn(
                    f"regularise: {len(idx)} row(s) have counts although is_open "
                    f"says closed; kept as open, e.g. {ex}",
                    DataWarning,
                    stacklevel=2,
                )
            flags = flags & (called | conflict)
        out["is_open"] = flags
        out["y"] = np.where(flags, out["y"].to_numpy(), 0.0)
    out.attrs = dict(base.attrs)
    return out


# --------------------------------------------------------------- fill_missing


def fill_missing(
    df: pd.DataFrame,
    method: Literal["seasonal", "zero", "interpolate"] = "seasonal",
    season: int | None = None,
) -> pd.DataFrame:
    """Fill missing ``y`` (NaN on open rows) for models that cannot take NaN.

    Parameters
    ----------
    df : pandas.DataFrame
        A long frame, usually the output of :func:`regularise`.
    method : {"seasonal", "zero", "interpolate"}, default "seasonal"
        ``"seasonal"``: the value one season earlier at the same local wall-clock
        time (repeated for longer gaps), else the series' median for the same
        weekday and time of day, else the series' median. ``"zero"``: 0.0.
        ``"interpolate"``: linear along each series (edges take the nearest value).
    season : int, optional
        Season length in intervals; default one week (7 for ``"D"``, 336 for
        ``"30min"``, 52 for weekly data).

    Returns
    -------
    pandas.DataFrame
        A validated copy with no NaN ``y`` on open rows and a bool column
        ``y_imputed`` marking the filled rows. Closed rows are never imputed.

    Raises
    ------
    InvalidFrameError
        For an unknown ``method``, a bad ``season``, or a series with no observed
        value to fill from.

    Examples
    --------
    >>> raw = pd.DataFrame({"unique_id": "phone", "y": [5.0] * 7 + [np.nan] + [6.0] * 6,
    ...                     "ds": pd.date_range("2026-01-05", periods=14, freq="D")})
    >>> out = fill_missing(raw)
    >>> float(out["y"].iloc[7]), bool(out["y_imputed"].iloc[7])
    (5.0, True)
    """
    if method not in ("seasonal", "zero", "interpolate"):
        raise _fail(
            "",
            f"parameter method={method!r} is not known",
            "",
            "pass 'seasonal', 'zero' or 'interpolate'",
        )
    out = validate_frame(df, tz=None)
    spec = _time.parse_freq(out.attrs["freq"])
    y = out["y"].to_numpy(dtype="float64", copy=True)
    is_open = out["is_open"].to_numpy(bool) if "is_open" in out.columns else np.ones(len(y), bool)
    target = np.isnan(y) & is_open
    if target.any():
        if method == "zero":
            y[target] = 0.0
        elif method == "interpolate":
            y = _interpolate(out, y, is_open)
        else:
            y = _seasonal_fill(out, y, is_open, spec, season)
        left = np.flatnonzero(np.isnan(y) & target)
        if len(left):
            ids = pd.unique(out["unique_id"].to_numpy()[left])
            raise _fail(
                "y",
                "series with no observed value to fill from",
                f"series {examples(ids)}",
                "drop those series, or use method='zero'",
            )
    out["y"] = y
    out["y_imputed"] = target
    return out


def _interpolate(out: pd.DataFrame, y: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    # Closed rows (y == 0) are not anchors: interpolate between open observations only.
    observed = pd.Series(np.where(is_open, y, np.nan), index=out.index)
    filled = observed.groupby(out["unique_id"].to_numpy(), sort=False).transform(
        lambda g: g.interpolate(method="linear", limit_direction="both")
    )
    return np.where(np.isnan(y) & is_open, filled.to_numpy(), y)


def _seasonal_fill(
    out: pd.DataFrame, y: np.ndarray, is_open: np.ndarray, spec: _time.Freq, season: int | None
) -> np.ndarray:
    if season is None:
        season = 52 if spec.anchor is not None else max(1, 7 * _time.DAY_NS // spec.step_ns)
    if (
        isinstance(season, (bool, np.bool_))
        or not isinstance(season, (int, np.integer))
        or season < 1
    ):
        raise _fail(
            "",
            f"parameter season={short(season)} must be a positive integer",
            "",
            "pass the season length in intervals, e.g. 7 for daily data",
        )
    lag = int(season) * spec.step_ns
    codes, _ = pd.factorize(out["unique_id"])
    wall = _time.wall_i8(pd.DatetimeIndex(out["ds"]))
    # one int64 key per (series, wall-clock second); the repeated October hour keeps its
    # first occurrence as the source
    seconds = (wall - wall.min()) // _time.SECOND_NS
    span = int(seconds.max()) + lag // _time.SECOND_NS + 1
    key = codes.astype(np.int64) * span + seconds
    first_seen = ~pd.Index(key).duplicated()
    src = pd.Index(key[first_seen]).get_indexer(key - lag // _time.SECOND_NS)
    src = np.where(src >= 0, np.flatnonzero(first_seen)[src], -1).astype(float)
    src[src < 0] = np.nan
    has_src = ~np.isnan(src)
    src_pos = np.where(has_src, src, 0).astype(np.int64)
    # Closed rows are not a source: they relay the value from a season before them.
    observed = np.where(is_open, y, np.nan)
    work = observed.copy()
    while True:
        todo = np.isnan(work) & has_src & ~np.isnan(work[src_pos])
        if not todo.any():
            break
        work[todo] = work[src_pos[todo]]
    if np.isnan(work).any():
        slot = (wall % _time.DAY_NS) if not spec.calendar else np.zeros(len(y), np.int64)
        weekday = pd.DatetimeIndex(out["ds"]).day_of_week.to_numpy()
        frame = pd.DataFrame({"c": codes, "w": weekday, "s": slot, "y": observed})
        med = frame.groupby(["c", "w", "s"])["y"].transform("median").to_numpy()
        series_med = frame.groupby("c")["y"].transform("median").to_numpy()
        work = np.where(np.isnan(work), np.where(np.isnan(med), series_med, med), work)
    return np.where(np.isnan(y) & is_open, work, y)
