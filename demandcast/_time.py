"""The one home of time: frequencies, step lengths, local-time grids and the DST policy.

Every module reads frequencies, converts instants to local time and builds local grids
through this module; nobody else calls ``tz_localize``/``tz_convert`` or parses a
frequency string.

Frequencies are pandas aliases. :func:`parse_freq` accepts the ones a long frame may
have: ``"D"``, ``"W-MON"`` (..``"W-SUN"``), ``"h"``, ``"30min"``, ``"15min"`` and other
whole minutes/hours. Daily and weekly grids step in local calendar days (a day is 23 or
25 hours long across DST); sub-daily grids step in absolute time (29 March 2026 has 23
hourly intervals, 25 October 2026 has 25). :func:`step` is the fixed length of any
alias, for code that only needs a duration.

DST policy (the one rule, used everywhere)
------------------------------------------
* An *instant* (a tz-aware value) is converted exactly: it keeps its moment in time
  and is shown in the local zone.
* A *wall-clock* (naive) value is read as local time in the zone:

  - a time in the repeated hour on the last Sunday of October is *ambiguous*: its
    first occurrence (per series, in the order of the rows) is summer time (DST) and
    a repeat of the same wall-clock time is standard time; a time that occurs once is
    summer time;
  - a time in the skipped hour on the last Sunday of March does *not exist*: it moves
    forward to the first valid instant (02:30 -> 03:00), unless the caller asks for it
    to be reported (``nonexistent="NaT"``; :func:`demandcast.validate_frame` raises).

* Local dates and times of day are the wall-clock values of the local instants.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from demandcast.exceptions import InvalidFrameError

__all__ = [
    "DEFAULT_TZ",
    "Freq",
    "check_tz",
    "from_utc_i8",
    "future_index",
    "local_dates",
    "local_range",
    "localize",
    "offset",
    "parse_freq",
    "step",
    "step_minutes",
    "to_local",
    "to_ns",
    "wall",
    "wall_i8",
]

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
    return InvalidFrameError(f"parameter {name}={value!r} {rule}. Fix: {fix}")


# -------------------------------------------------------------------- frequencies


def offset(freq: Any) -> pd.DateOffset:
    """The pandas offset of an alias (raises ``ValueError``/``TypeError`` as pandas does).

    Examples
    --------
    >>> offset("W-MON").rule_code
    'W-MON'
    """
    return to_offset(freq)


def step(freq: Any) -> pd.Timedelta | None:
    """The fixed length of one interval of ``freq``; None when it has none.

    None for ``None``, for text that is not a pandas alias and for calendar offsets
    without a fixed length (weeks, months). ``"D"`` is one day (24 hours).

    Examples
    --------
    >>> step("30min"), step("D"), step("W-MON"), step("nonsense")
    (Timedelta('0 days 00:30:00'), Timedelta('1 days 00:00:00'), None, None)
    """
    if freq is None:
        return None
    try:
        return pd.Timedelta(to_offset(freq))
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
        raise _param_error(
            "tz",
            tz,
            "is not a known time zone",
            "pass an IANA zone name such as 'Europe/Amsterdam'",
        ) from None
    return tz


def to_ns(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The index at nanosecond resolution."""
    return index.as_unit("ns") if hasattr(index, "as_unit") else index


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
    return to_ns(wall(index)).asi8


def from_utc_i8(values: np.ndarray, tz: str, unit: str = "ns") -> pd.DatetimeIndex:
    """UTC epoch integers (in ``unit``) to a tz-aware index in ``tz``."""
    return pd.DatetimeIndex(values.astype(f"datetime64[{unit}]")).tz_localize("UTC").tz_convert(tz)


def localize(
    naive: pd.DatetimeIndex, tz: str, *, by: Any = None, nonexistent: str = "shift_forward"
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Wall-clock times as instants in ``tz`` under the DST policy of this module.

    Parameters
    ----------
    naive : pandas.DatetimeIndex
        Naive local wall-clock times (NaT stays NaT).
    tz : str
    by : array-like, optional
        Series keys: a repeated ambiguous time is standard time only within its series
        (rows in order). Default: all rows are one series.
    nonexistent : {"shift_forward", "NaT"}
        What a time in the skipped hour becomes.

    Returns
    -------
    (pandas.DatetimeIndex, numpy.ndarray, numpy.ndarray)
        The aware times, and bool masks of the ambiguous and the non-existent rows.

    Examples
    --------
    >>> t = pd.DatetimeIndex(["2026-10-25 02:30", "2026-10-25 02:30", "2026-03-29 02:30"])
    >>> out, ambiguous, gap = localize(t, "Europe/Amsterdam")
    >>> out.strftime("%H:%M%z").tolist(), ambiguous.tolist(), gap.tolist()
    (['02:30+0200', '02:30+0100', '03:00+0200'], [True, True, False], [False, False, True])
    """
    n = len(naive)
    out = naive.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    odd = np.flatnonzero(out.isna() & ~naive.isna())
    ambiguous, gap = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
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
        keys = np.zeros(len(odd), dtype=np.int64) if by is None else np.asarray(by)[odd]
        pairs = pd.DataFrame({"u": keys[~in_gap], "t": sub[~in_gap].asi8})
        first = (pairs.groupby(["u", "t"], sort=False).cumcount() == 0).to_numpy()
        values[odd[~in_gap]] = sub[~in_gap].tz_localize(tz, ambiguous=first).asi8
    local = from_utc_i8(values, tz, out.unit)
    return pd.DatetimeIndex(local, name=naive.name), ambiguous, gap


def to_local(values: Any, tz: Any, *, by: Any = None) -> Any:
    """Timestamps in ``tz``: instants converted, wall-clock values read by the policy.

    Parameters
    ----------
    values : Timestamp, DatetimeIndex or Series of datetimes
        Aware values are converted; naive values are local wall-clock in ``tz``.
    tz : str
    by : array-like, optional
        Series keys for repeated ambiguous times (see :func:`localize`).

    Returns
    -------
    The same kind as ``values`` (a Series keeps its index and name).

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
        if values.dt.tz is not None:
            return values.dt.tz_convert(tz)
        local = localize(pd.DatetimeIndex(values), tz, by=by)[0]
        return pd.Series(local, index=values.index, name=values.name)
    index = pd.DatetimeIndex(values)
    return index.tz_convert(tz) if index.tz is not None else localize(index, tz, by=by)[0]


def _is_date_only(value: Any) -> bool:
    if isinstance(value, str):
        return re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value) is not None
    return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)


def to_local_scalar(value: Any, tz: str, name: str) -> pd.Timestamp:
    """A scalar parameter as a Timestamp in ``tz`` (``InvalidFrameError`` naming it)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise _param_error(
            name, value, "is not a timestamp", "pass an ISO date/time string, a date or a Timestamp"
        ) from None
    if pd.isna(ts):
        raise InvalidFrameError(f"parameter {name} is missing (NaT). Fix: pass a timestamp")
    return to_local(ts, tz)


# ----------------------------------------------------------------------- grids


def localize_wall_i8(values: np.ndarray, tz: str) -> pd.DatetimeIndex:
    """Wall-clock nanoseconds of calendar grid points (local midnights) in ``tz``."""
    naive = pd.DatetimeIndex(values.astype("datetime64[ns]"))
    return to_ns(naive.tz_localize(tz, ambiguous=True, nonexistent="shift_forward"))


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

    Sub-daily grids step in absolute time from ``start``, so a day has 23 or 25
    hourly intervals across DST. A naive ``start``/``end`` inside the repeated hour
    reads as summer time; inside the skipped hour it moves forward to 03:00.

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
        days = pd.date_range(
            wall(first).normalize(),
            wall(last).normalize(),
            freq="D" if spec.anchor is None else spec.alias,
        )
        return pd.DatetimeIndex(localize_wall_i8(to_ns(days).asi8, tz), name="ds")
    inclusive = "left" if _is_date_only(end) else "both"
    index = pd.date_range(
        first.tz_convert("UTC"),
        last.tz_convert("UTC"),
        freq=pd.Timedelta(spec.step_ns, "ns"),
        inclusive=inclusive,
    )
    return to_ns(pd.DatetimeIndex(index.tz_convert(tz), name="ds"))


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
            f"parameter h={h!r} must be a positive integer (number of intervals). "
            "Fix: pass h as an int >= 1, e.g. h=28"
        )
    spec = parse_freq(freq)
    if tz is None:
        stamp = pd.Timestamp(last_ds) if not isinstance(last_ds, pd.Timestamp) else last_ds
        tz = str(stamp.tz) if stamp.tzinfo is not None else DEFAULT_TZ
    last = to_local_scalar(last_ds, check_tz(tz), "last_ds")
    k = np.arange(1, int(h) + 1, dtype=np.int64)
    if spec.calendar:
        base = to_ns(pd.DatetimeIndex([wall(last).normalize()])).asi8[0]
        return pd.DatetimeIndex(localize_wall_i8(base + k * spec.step_ns, tz), name="ds")
    utc = to_ns(pd.DatetimeIndex([last.tz_convert("UTC")])).asi8[0]
    return pd.DatetimeIndex(from_utc_i8(utc + k * spec.step_ns, tz), name="ds")
