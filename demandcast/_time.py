"""The one home of time: frequencies, step lengths, local-time grids and the DST policy.

Nobody else calls ``tz_localize``/``tz_convert`` or parses a frequency string.
:func:`parse_freq` reads the frequencies a long frame may have (``"D"``, ``"W-MON"``,
``"h"``, ``"30min"``, other whole minutes); :func:`step` is the fixed length of any
pandas alias. Daily and weekly grids step in local calendar days (23 or 25 hours across
DST), sub-daily grids in absolute time (29 March 2026 has 23 hourly intervals, 25
October 2026 has 25).

DST policy, the one rule everywhere: an *instant* (tz-aware) converts exactly. A
*wall-clock* (naive) value is local time in the zone; in the repeated hour of the last
Sunday of October its first occurrence (per series, in row order) is summer time and a
repeat of the same wall-clock time is standard time; in the skipped hour of the last
Sunday of March it moves forward to the first valid instant (02:30 -> 03:00), or is
reported where the caller asks (``validate_frame`` raises). Local dates and times of
day are the wall-clock values of the local instants.

Zone policy (:func:`frame_zone`): an aware frame keeps its own zone unless the caller
asks for another (then its instants are converted); naive values are read in the zone
asked for, default :data:`DEFAULT_TZ`. Instants that carry only UTC offsets (ISO text
with ``+01:00``) or several zones have no zone of their own and take that zone too.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from demandcast._text import short
from demandcast.exceptions import InvalidFrameError

DEFAULT_TZ: str = "Europe/Amsterdam"

SECOND_NS = 1_000_000_000
MINUTE_NS = 60 * SECOND_NS
HOUR_NS = 60 * MINUTE_NS
DAY_NS = 24 * HOUR_NS
DAY = pd.Timedelta(days=1)
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_FREQ_RE = re.compile(r"^\s*(\d*)\s*(D|W(?:-[A-Za-z]{3})?|h|H|min|T|s|S)\s*$")
_UNIT_NS = {"h": HOUR_NS, "H": HOUR_NS, "min": MINUTE_NS, "T": MINUTE_NS}
_UNIT_NS.update({"s": SECOND_NS, "S": SECOND_NS})


def _param_error(name: str, value: Any, rule: str, fix: str) -> InvalidFrameError:
    return InvalidFrameError(f"parameter {name}={short(value)} {rule}. Fix: {fix}")


# -------------------------------------------------------------------- frequencies


def offset(freq: Any) -> pd.DateOffset:
    """The pandas offset of an alias (raises ``ValueError``/``TypeError`` as pandas does)."""
    return to_offset(freq)


def step(freq: Any) -> pd.Timedelta | None:
    """The fixed length of one interval of ``freq`` (``"D"``: 24 hours); None when it has
    none: ``None``, not a pandas alias, or weeks and months (no fixed length).

    Examples
    --------
    >>> step("30min"), step("D"), step("W-MON"), step("nonsense")
    (Timedelta('0 days 00:30:00'), Timedelta('1 days 00:00:00'), None, None)
    """
    try:
        return None if freq is None else pd.Timedelta(to_offset(freq))
    except (TypeError, ValueError):
        return None


def step_minutes(freq: Any) -> float | None:
    """The fixed length of ``freq`` in minutes; None when it has none (see :func:`step`).

    Examples
    --------
    >>> step_minutes("15min"), step_minutes("h"), step_minutes("W")
    (15.0, 60.0, None)
    """
    length = step(freq)
    return None if length is None else length / pd.Timedelta(minutes=1)


class Freq(NamedTuple):
    """A parsed frequency: calendar days/weeks (local) or an absolute tick."""

    alias: str
    step_ns: int
    calendar: bool  # True: step in local wall-clock days (D, W); False: absolute time
    anchor: int | None = None  # weekday (0 = Monday) of a weekly grid


def tick_alias(step_ns: int) -> str | None:
    """The alias of a step of whole hours, minutes or seconds (``3600e9`` -> ``"h"``)."""
    for unit_ns, unit in ((HOUR_NS, "h"), (MINUTE_NS, "min"), (SECOND_NS, "s")):
        if step_ns % unit_ns == 0:
            n = step_ns // unit_ns
            return unit if n == 1 else f"{n}{unit}"
    return None


def tick(step_ns: int) -> Freq:
    """The sub-daily frequency of ``step_ns`` (``ValueError`` when not one)."""
    alias = tick_alias(step_ns)
    if alias is None or step_ns <= 0 or step_ns >= DAY_NS:
        raise ValueError(step_ns)
    return Freq(alias, step_ns, False)


def week(anchor: int) -> Freq:
    """The weekly frequency anchored on weekday ``anchor`` (0 = Monday)."""
    return Freq(f"W-{WEEKDAYS[anchor]}", 7 * DAY_NS, True, anchor)


DAILY = Freq("D", DAY_NS, True)


def parse_freq(freq: Any, name: str = "freq") -> Freq:
    """Parse a pandas alias, DateOffset or Timedelta into a supported frequency.

    Raises
    ------
    InvalidFrameError
        Naming the parameter ``name`` when ``freq`` is not a supported frequency.

    Examples
    --------
    >>> parse_freq("30min")
    Freq(alias='30min', step_ns=1800000000000, calendar=False, anchor=None)
    >>> parse_freq("W").alias
    'W-SUN'
    """
    fix = (
        f"pass {name} as 'D', 'W-MON', 'h', '30min', '15min' or '5min' "
        "(sub-daily steps in whole minutes)"
    )
    if isinstance(freq, Freq):
        return freq
    if isinstance(freq, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        ns = int(pd.Timedelta(freq).value)
        try:
            return DAILY if ns == DAY_NS else tick(ns)
        except ValueError:
            raise _param_error(name, freq, "is not a supported step", fix) from None
    if isinstance(freq, pd.offsets.BaseOffset):
        freq = freq.freqstr
    match = _FREQ_RE.match(freq) if isinstance(freq, str) else None
    if match is None:
        raise _param_error(name, freq, "is not a supported frequency", fix)
    n, unit = int(match.group(1) or 1), match.group(2)
    if unit.startswith("W"):
        day = unit[2:].upper() or "SUN"
        if n != 1 or day not in WEEKDAYS:
            raise _param_error(name, freq, "is not a supported weekly frequency", fix)
        return week(WEEKDAYS.index(day))
    if unit == "D":
        if n != 1:
            raise InvalidFrameError(
                f"parameter {name}={freq!r}: multi-day steps are not supported. Fix: {fix}"
            )
        return DAILY
    try:
        return tick(n * _UNIT_NS[unit])
    except ValueError:
        raise _param_error(name, freq, "is not a supported step", fix) from None


# ------------------------------------------------------------------ time zones


def check_tz(tz: Any) -> str:
    """``tz`` when it is a known zone, else ``InvalidFrameError`` naming the parameter."""
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception:
        fix = "pass an IANA zone name such as 'Europe/Amsterdam'"
        raise _param_error("tz", tz, "is not a known time zone", fix) from None
    return tz


def frame_zone(found: str | None, asked: str | None) -> str:
    """The zone of a validated frame: ``asked`` when given, else the zone the values
    carry (``found``; None for naive values or bare UTC offsets), else
    :data:`DEFAULT_TZ`. Unknown zones raise ``InvalidFrameError`` naming ``tz``.

    Examples
    --------
    >>> frame_zone("Asia/Tokyo", None), frame_zone(None, None), frame_zone("UTC", "Asia/Tokyo")
    ('Asia/Tokyo', 'Europe/Amsterdam', 'Asia/Tokyo')
    """
    return check_tz(asked if asked is not None else found if found is not None else DEFAULT_TZ)


def wall(values: Any) -> Any:
    """Local wall-clock time of aware values (naive values are returned unchanged).

    Examples
    --------
    >>> wall(pd.Timestamp("2026-03-29 03:00", tz="Europe/Amsterdam"))
    Timestamp('2026-03-29 03:00:00')
    """
    if isinstance(values, pd.Series):
        return values.dt.tz_localize(None) if values.dt.tz is not None else values
    return values.tz_localize(None) if values.tz is not None else values


def local_dates(values: Any) -> Any:
    """Local dates (wall-clock midnights, naive) of timestamps.

    Examples
    --------
    >>> local_dates(pd.Series(pd.to_datetime(["2026-10-25 23:30+01:00"]))).tolist()
    [Timestamp('2026-10-25 00:00:00')]
    """
    local = wall(values)
    return local.dt.normalize() if isinstance(local, pd.Series) else local.normalize()


def wall_i8(index: pd.DatetimeIndex) -> np.ndarray:
    """Local wall-clock nanoseconds (naive local time as integers)."""
    return wall(index).as_unit("ns").asi8


def floor(values: Any, freq: Any) -> Any:
    """Aware timestamps floored to a sub-daily ``freq`` in UTC, kept in their own zone (a
    local floor for whole-hour offsets, without the repeated hour's ambiguity).

    Examples
    --------
    >>> t = pd.DatetimeIndex(["2026-10-25 00:40"], tz="UTC").tz_convert("Europe/Amsterdam")
    >>> floor(t, "30min").strftime("%H:%M%z").tolist()
    ['02:30+0200']
    """
    if isinstance(values, pd.Series):
        return values.dt.tz_convert("UTC").dt.floor(freq).dt.tz_convert(values.dt.tz)
    return values.tz_convert("UTC").floor(freq).tz_convert(values.tz)


def from_utc_i8(values: np.ndarray, tz: str, unit: str = "ns") -> pd.DatetimeIndex:
    """UTC epoch integers (in ``unit``) to a tz-aware index in ``tz``."""
    return pd.DatetimeIndex(values.astype(f"datetime64[{unit}]")).tz_localize("UTC").tz_convert(tz)


def localize(
    naive: pd.DatetimeIndex, tz: str, *, by: Any = None, nonexistent: str = "shift_forward"
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Naive wall-clock times (NaT stays NaT) as instants in ``tz`` by the DST policy.

    ``by`` holds series keys (a repeat is counted within its series; default: one
    series); ``nonexistent="NaT"`` leaves skipped-hour times NaT instead of moving them.
    Returns the aware times and bool masks of the ambiguous and the non-existent rows.

    Examples
    --------
    >>> t = pd.DatetimeIndex(["2026-10-25 02:30", "2026-10-25 02:30", "2026-03-29 02:30"])
    >>> out, ambiguous, gap = localize(t, "Europe/Amsterdam")
    >>> out.strftime("%H:%M%z").tolist(), ambiguous.tolist(), gap.tolist()
    (['02:30+0200', '02:30+0100', '03:00+0200'], [True, True, False], [False, False, True])
    """
    out = naive.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    odd = np.flatnonzero(out.isna() & ~naive.isna())
    ambiguous, gap = np.zeros(len(naive), dtype=bool), np.zeros(len(naive), dtype=bool)
    if not len(odd):
        return out, ambiguous, gap
    sub = naive[odd]
    as_dst = sub.tz_localize(tz, ambiguous=np.ones(len(sub), dtype=bool), nonexistent="NaT")
    in_gap = np.asarray(as_dst.isna())
    gap[odd[in_gap]] = True
    ambiguous[odd[~in_gap]] = True
    values = out.asi8.copy()
    if in_gap.any() and nonexistent == "shift_forward":
        shifted = sub[in_gap].tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
        values[odd[in_gap]] = shifted.as_unit(out.unit).asi8
    if (~in_gap).any():
        keys = np.zeros(len(odd), np.int64) if by is None else pd.Series(by).iloc[odd].to_numpy()
        pairs = pd.DataFrame({"u": keys[~in_gap], "t": sub[~in_gap].asi8})
        first = (pairs.groupby(["u", "t"], sort=False).cumcount() == 0).to_numpy()
        values[odd[~in_gap]] = sub[~in_gap].tz_localize(tz, ambiguous=first).asi8
    local = from_utc_i8(values, tz, out.unit)
    return pd.DatetimeIndex(local, name=naive.name), ambiguous, gap


def to_local(values: Any, tz: Any, *, by: Any = None) -> Any:
    """A Timestamp, DatetimeIndex or Series in ``tz``: instants converted, wall-clock
    values read by the DST policy (``by``: series keys, see :func:`localize`). Returns the
    same kind as ``values``; a Series keeps its index and name.

    Examples
    --------
    >>> to_local(pd.Timestamp("2026-03-29 02:30"), "Europe/Amsterdam")
    Timestamp('2026-03-29 03:00:00+0200', tz='Europe/Amsterdam')
    >>> to_local(pd.Timestamp("2026-03-29 01:30", tz="UTC"), "Europe/Amsterdam")
    Timestamp('2026-03-29 03:30:00+0200', tz='Europe/Amsterdam')
    """
    if isinstance(values, pd.Timestamp):
        if values.tzinfo is not None:
            return values.tz_convert(tz)
        return values.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    if isinstance(values, pd.Series):
        local = to_local(pd.DatetimeIndex(values), tz, by=by)
        return pd.Series(local, index=values.index, name=values.name)
    index = pd.DatetimeIndex(values)
    return index.tz_convert(tz) if index.tz is not None else localize(index, tz, by=by)[0]


#: A time of day followed by a UTC offset: "09:00+01:00", "09:00:00.5 -0500", "09:00Z".
UTC_OFFSET_RE = r"(?i)\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)\s*$"


def has_utc_offset(text: pd.Series) -> np.ndarray:
    """Which values of a text Series end in a UTC offset (``+01:00``, ``-0500``, ``Z``).

    Missing values are False.

    Examples
    --------
    >>> t = pd.Series(["2024-03-30T09:00+01:00", "2024-03-30 09:00", "2024-03-30", None])
    >>> has_utc_offset(t).tolist()
    [True, False, False, False]
    """
    found = text.astype("string").str.strip().str.contains(UTC_OFFSET_RE, regex=True)
    return found.fillna(False).to_numpy(dtype=bool)


def parse_instants(text: pd.Series) -> pd.Series:
    """ISO 8601 times that carry a UTC offset, as instants (tz-aware UTC; bad -> NaT).

    Each value keeps its own offset, so a column whose offset changes across a DST
    switch (``+01:00`` in winter, ``+02:00`` in summer) reads as one exact series of
    instants; convert them to a zone with :func:`to_local`.

    Examples
    --------
    >>> t = parse_instants(pd.Series(["2024-03-30T09:00:00+01:00", "2024-04-02T09:00:00+02:00"]))
    >>> [str(x) for x in to_local(t, "Europe/Amsterdam")]
    ['2024-03-30 09:00:00+01:00', '2024-04-02 09:00:00+02:00']
    """
    out = pd.to_datetime(
        text.astype("string").str.strip(), format="ISO8601", utc=True, errors="coerce"
    )
    return pd.Series(out, index=text.index, name=text.name)


def _is_date_only(value: Any) -> bool:
    if isinstance(value, str):
        return re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value) is not None
    return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)


def to_local_scalar(value: Any, tz: str, name: str) -> pd.Timestamp:
    """A scalar parameter as a Timestamp in ``tz`` (``InvalidFrameError`` naming it)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        fix = "pass an ISO date/time string, a date or a pandas Timestamp"
        raise _param_error(name, value, "is not a timestamp", fix) from None
    if pd.isna(ts):
        raise InvalidFrameError(f"parameter {name} is missing (NaT). Fix: pass a timestamp")
    return to_local(ts, tz)


# ----------------------------------------------------------------------- grids


def localize_wall_i8(values: np.ndarray, tz: str) -> pd.DatetimeIndex:
    """Wall-clock nanoseconds of calendar grid points (local midnights) in ``tz``."""
    naive = pd.DatetimeIndex(values.astype("datetime64[ns]"))
    return naive.tz_localize(tz, ambiguous=True, nonexistent="shift_forward").as_unit("ns")


def local_range(start: Any, end: Any, freq: Any, tz: str = DEFAULT_TZ) -> pd.DatetimeIndex:
    """A DST-correct grid of interval starts in local time.

    Parameters
    ----------
    start, end : str, datetime.date, datetime or pandas.Timestamp
        Naive values are local wall-clock times in ``tz``; tz-aware values are
        converted to ``tz``.
    freq : str
        ``"D"`` or ``"W-<DAY>"`` (local midnights), or a sub-daily step such as
        ``"h"``, ``"30min"``, ``"15min"``.
    tz : str, default ``"Europe/Amsterdam"``
        The local time zone of the grid.

    Returns
    -------
    pandas.DatetimeIndex
        tz-aware, named ``ds``.

    Notes
    -----
    Inclusive or exclusive ``end``:

    * daily and weekly ``freq``: both ``start`` and ``end`` are *dates* and both
      are included (``local_range("2026-01-01", "2026-01-07", "D")`` has 7 days);
    * sub-daily ``freq`` with ``end`` a *date* (a ``datetime.date`` or a
      ``"YYYY-MM-DD"`` string): the grid stops before local midnight of that date,
      so ``end`` is *exclusive* and ``local_range(day, next_day, "h")`` is one whole
      day;
    * sub-daily ``freq`` with ``end`` a *timestamp* (has a time, or is a
      ``Timestamp``/``datetime``): ``end`` is the last interval start and is
      *included* when it lies on the grid.

    Sub-daily grids step in absolute time from ``start`` (23 or 25 hourly intervals on
    the DST days); a naive ``start``/``end`` follows the DST policy of this module.

    Examples
    --------
    >>> len(local_range("2026-03-29", "2026-03-30", "h"))
    23
    >>> len(local_range("2026-10-25", "2026-10-26", "h"))
    25
    >>> local_range("2026-03-28", "2026-03-30", "D").hour.tolist()
    [0, 0, 0]
    """
    tz = check_tz(tz)
    spec = parse_freq(freq)
    first = to_local_scalar(start, tz, "start")
    last = to_local_scalar(end, tz, "end")
    if spec.calendar:
        every = "D" if spec.anchor is None else spec.alias
        days = pd.date_range(wall(first).normalize(), wall(last).normalize(), freq=every)
        return pd.DatetimeIndex(localize_wall_i8(days.as_unit("ns").asi8, tz), name="ds")
    utc = [t.tz_convert("UTC") for t in (first, last)]
    inclusive = "left" if _is_date_only(end) else "both"
    index = pd.date_range(*utc, freq=pd.Timedelta(spec.step_ns, "ns"), inclusive=inclusive)
    return pd.DatetimeIndex(index.tz_convert(tz), name="ds").as_unit("ns")


def future_index(last_ds: Any, h: int, freq: Any, tz: str | None = None) -> pd.DatetimeIndex:
    """The ``h`` interval starts that follow ``last_ds``.

    Parameters
    ----------
    last_ds : pandas.Timestamp or str
        The last observed interval start. Naive values are local wall-clock in
        ``tz``.
    h : int
        Number of future intervals, a positive integer.
    freq : str
        Frequency alias (see :func:`local_range`).
    tz : str, optional
        Zone of the result; default the zone of ``last_ds``, or
        ``"Europe/Amsterdam"`` when ``last_ds`` is naive.

    Returns
    -------
    pandas.DatetimeIndex
        tz-aware, named ``ds``: local midnights for daily/weekly ``freq``, absolute
        steps for sub-daily ``freq``.

    Examples
    --------
    >>> future_index(pd.Timestamp("2026-03-28", tz="Europe/Amsterdam"), 2, "D").hour.tolist()
    [0, 0]
    >>> idx = future_index(pd.Timestamp("2026-03-29 01:00", tz="Europe/Amsterdam"), 2, "h")
    >>> idx.strftime("%H:%M").tolist()
    ['03:00', '04:00']
    """
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, (int, np.integer)) or h < 1:
        raise InvalidFrameError(
            f"parameter h={short(h)} must be a positive integer (number of intervals). "
            "Fix: pass h as an int >= 1, e.g. h=28"
        )
    spec = parse_freq(freq)
    if tz is None:
        stamp = pd.Timestamp(last_ds) if not isinstance(last_ds, pd.Timestamp) else last_ds
        tz = str(stamp.tz) if stamp.tzinfo is not None else DEFAULT_TZ
    last = to_local_scalar(last_ds, check_tz(tz), "last_ds")
    k = np.arange(1, int(h) + 1, dtype=np.int64)
    if spec.calendar:
        base = wall(last).normalize().value  # wall-clock ns of the local midnight
        return pd.DatetimeIndex(localize_wall_i8(base + k * spec.step_ns, tz), name="ds")
    return pd.DatetimeIndex(from_utc_i8(last.value + k * spec.step_ns, tz), name="ds")
