"""Intraday profiles: spread daily forecasts over 15/30-minute intervals.

Planners roster per interval, weeks ahead; a daily model forecasts the day's total.
:func:`intraday_profiles` learns, per series and *day type* (weekday, and the first
open day after closures), the share of the day's total that falls in each local
wall-clock slot (``"HH:MM"``). :func:`split` multiplies a daily forecast by those
shares on the DST-correct local grid of each day, so the intervals of a day sum to
the day's forecast exactly; :func:`coherence_check` measures how far they do.

How a profile is built, per series and day type:

1. comparable days: the last ``k_weeks`` complete open days of that type (days
   after closures are their own type and never mix into the weekday profiles);
2. outlier days (total more than 3 scaled MADs from the median total, the scale
   being at least 5 % of the median) are trimmed;
3. slot ratio ``r_s = sum(y of slot s) / sum(day totals)`` over the days that have
   slot ``s`` (so a 23-hour DST day does not dilute the 02:00 slot, and days with
   longer opening hours do not dilute their extra slots);
4. optional smoothing with a ``(1, 2, 1)`` kernel over *adjacent* slots only;
   closed slots stay absent (share 0);
5. renormalised to sum to 1.

Interval bounds (``<model>-lo-<l>`` / ``-hi-<l>``) carry through with a rule chosen
for staffing, where planners staff to the *upper* quantile of each interval::

    mean_i = share_i x M
    hi_i   = mean_i + sqrt((share_i x (H - M))^2 + z^2 x phi x mean_i)
    lo_i   = max(0, mean_i - sqrt((share_i x (M - L))^2 + z^2 x phi x mean_i))

with ``M, L, H`` the daily point and bounds, ``z`` the normal quantile of the level
and ``phi`` the count dispersion (1 = Poisson). The first term is the daily
uncertainty scaled by the share (``share x daily bound`` when ``phi = 0``); the
second is the count noise of the interval itself (variance ``share^2 var_daily +
phi x share x mean``). The interval bounds are nested, never narrower than the
scaled daily bounds, and their sums over a day are at least as wide as the day's:
conservative, because under-staffing an interval costs far more than over-staffing.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import examples, positive_int
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError
from demandcast.forecast_frame import IntervalColumn, forecast_columns, validate_forecast
from demandcast.forecasters import _intraday
from demandcast.frame import DEFAULT_TZ, local_range, validate_frame

__all__ = [
    "AFTER_CLOSURE",
    "WEEKDAY_NAMES",
    "IntradayProfiles",
    "coherence_check",
    "intraday_profiles",
    "split",
    "split_daily",
]

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AFTER_CLOSURE = "after_closure"
ALL_DAYS = "all"
_POOLED = "pooled"  # internal fallback: mean of a series' own day-type profiles
_DAY_TYPE_MODES = ("weekday", "all")
_MAD_SCALE = 1.4826  # MAD -> standard deviation under normality
_TRIM_MADS = 3.0
_MIN_SCALE = 0.05  # robust scale floor, relative to the median day total

OpeningLike = Any  # OpeningHours, a callable ds -> bool array, or a mapping of them


# --------------------------------------------------------------------------- helpers


def _slot_label(minutes: np.ndarray) -> np.ndarray:
    minutes = np.asarray(minutes, dtype="int64")
    return np.array([f"{m // 60:02d}:{m % 60:02d}" for m in minutes], dtype=object)


def _slot_minutes(labels: Any) -> np.ndarray:
    parts = pd.Series(labels, dtype=object).astype(str).str.split(":", expand=True)
    return (parts[0].astype(int) * 60 + parts[1].astype(int)).to_numpy(dtype="int64")


def _step_minutes(freq: Any, name: str) -> tuple[int, str]:
    """Minutes of a sub-daily frequency that divides a day, and its alias."""
    fix = f"pass {name} as a sub-daily step that divides a day, e.g. '15min', '30min' or 'h'"
    minutes = _time.step_minutes(freq)
    if minutes is None:
        raise ConfigError(f"{name}={freq!r} is not a pandas frequency; {fix}")
    if minutes != int(minutes) or not 0 < minutes < 1440 or 1440 % int(minutes):
        raise ConfigError(f"{name}={freq!r}: intraday profiles need {fix}")
    return int(minutes), _time.tick_alias(int(minutes) * _time.MINUTE_NS)


def _hours_for(opening_hours: OpeningLike, uid: str) -> OpeningLike:
    if opening_hours is None:
        return None
    if isinstance(opening_hours, Mapping):
        return opening_hours.get(uid)
    return opening_hours


def _check_hours(opening_hours: OpeningLike) -> None:
    items = opening_hours.values() if isinstance(opening_hours, Mapping) else [opening_hours]
    bad = [h for h in items if h is not None and not (hasattr(h, "is_open") or callable(h))]
    if bad:
        raise ConfigError(
            f"opening_hours: {examples(type(b).__name__ for b in bad)} is not OpeningHours "
            "or a callable; pass an OpeningHours, a callable ds -> bool array, or a mapping "
            "unique_id -> one of those"
        )


def _open_mask(hours: OpeningLike, ds: pd.DatetimeIndex, freq: str) -> np.ndarray:
    flags = hours.is_open(ds, freq=freq) if hasattr(hours, "is_open") else hours(ds)
    flags = np.asarray(flags, dtype=bool)
    if flags.shape != (len(ds),):
        raise ConfigError(
            f"opening_hours returned shape {flags.shape} for {len(ds)} timestamps; "
            "return one bool per timestamp"
        )
    return flags


def _daily_open(hours: OpeningLike, dates: pd.DatetimeIndex) -> np.ndarray | None:
    """Open flag per local date from OpeningHours; None when hours cannot tell."""
    if hours is None or not hasattr(hours, "is_open"):
        return None
    return np.asarray(hours.is_open(dates, freq="D"), dtype=bool)


def _after_closure(open_day: np.ndarray, normal: np.ndarray, *, seen_open: bool) -> np.ndarray:
    """First open day after one or more closed days that are normally open."""
    out = np.zeros(len(open_day), dtype=bool)
    lost = False
    for i, (is_open, usual) in enumerate(zip(open_day, normal, strict=True)):
        if is_open:
            out[i] = seen_open and lost
            seen_open, lost = True, False
        elif usual:
            lost = True
    return out


def _smooth(slots: np.ndarray, values: np.ndarray, step: int) -> np.ndarray:
    """(1, 2, 1) kernel over adjacent slots; the kernel is cut at gaps and edges."""
    if len(values) < 2:
        return values.copy()
    joined = np.diff(slots) == step
    left = np.r_[False, joined]
    right = np.r_[joined, False]
    prev = np.r_[0.0, values[:-1]]
    nxt = np.r_[values[1:], 0.0]
    num = 2 * values + np.where(left, prev, 0.0) + np.where(right, nxt, 0.0)
    return num / (2 + left.astype(float) + right.astype(float))


def _trim(totals: np.ndarray) -> np.ndarray:
    """Keep days whose total lies within 3 robust scales of the median.

    The scale is the scaled MAD, at least 5 % of the median: with 8 days the MAD
    alone is so tight that ordinary week-to-week variation would be trimmed.
    """
    med = np.median(totals)
    mad = max(_MAD_SCALE * np.median(np.abs(totals - med)), _MIN_SCALE * med)
    if len(totals) < 4 or mad <= 0:
        return np.ones(len(totals), dtype=bool)
    return np.abs(totals - med) <= _TRIM_MADS * mad


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True, repr=False, eq=False)
class IntradayProfiles:
    """Shares of the day per series, day type and local wall-clock slot.

    Built by :func:`intraday_profiles`; consumed by :func:`split`.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy: ``unique_id``, ``day_type`` (``"mon"``..``"sun"``, ``"after_closure"``
        or ``"all"``), ``slot`` (``"HH:MM"`` local wall-clock start) and ``share``;
        shares sum to 1 per (``unique_id``, ``day_type``). Closed slots are absent.
    freq : str
        Slot length (pandas alias).
    info : pandas.DataFrame
        ``unique_id, day_type, n_days, n_trimmed, fallback``: days used and trimmed
        per profile; ``fallback`` names the profile used instead when a day type
        had fewer than ``min_days`` examples (empty string otherwise).
    dispersion : dict
        ``unique_id -> phi``, the count dispersion of interval counts around
        ``share x day total`` (1 = Poisson), used for interval bounds by :func:`split`.
    open_weekdays : dict
        ``unique_id -> tuple`` of weekdays (Monday 0) normally open in the history.
    opening_hours : OpeningHours, callable, mapping or None
        The opening hours given when building, reused by :func:`split` by default.
    tz : str
        Time zone of the history's ``ds``; :func:`split` builds grids in it when
        the daily ``ds`` are naive.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-04 08:00", periods=3, freq="h", tz="Europe/Amsterdam")
    >>> df = pd.DataFrame({"unique_id": "desk", "ds": ds, "y": [1.0, 2.0, 1.0]})
    >>> prof = intraday_profiles(df, smooth=False)
    >>> prof.to_frame().to_dict("list")
    {'unique_id': ['desk', 'desk', 'desk'], 'day_type': ['mon', 'mon', 'mon'], \
'slot': ['08:00', '09:00', '10:00'], 'share': [0.25, 0.5, 0.25]}
    >>> prof.shares("desk", "2024-03-11").tolist()
    [0.25, 0.5, 0.25]
    """

    table: pd.DataFrame
    freq: str
    info: pd.DataFrame
    dispersion: dict[str, float] = field(default_factory=dict)
    open_weekdays: dict[str, tuple[int, ...]] = field(default_factory=dict)
    opening_hours: OpeningLike = None
    tz: str = DEFAULT_TZ
    _lookup: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        lookup: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        minutes = _slot_minutes(self.table["slot"]) if len(self.table) else np.array([], int)
        frame = self.table.assign(_m=minutes)
        for (uid, kind), part in frame.groupby(["unique_id", "day_type"], sort=True):
            part = part.sort_values("_m")
            lookup[(str(uid), str(kind))] = (
                part["_m"].to_numpy(dtype="int64"),
                part["share"].to_numpy(dtype="float64"),
            )
        for uid in self.unique_ids:
            own = [v for (u, k), v in lookup.items() if u == uid and k != AFTER_CLOSURE]
            if not own:
                continue
            slots = np.unique(np.concatenate([s for s, _ in own]))
            mean = np.zeros(len(slots))
            for s, sh in own:
                mean[np.searchsorted(slots, s)] += sh / len(own)
            lookup[(uid, _POOLED)] = (slots, mean / mean.sum())
        object.__setattr__(self, "_lookup", lookup)

    def __repr__(self) -> str:
        kinds = sorted(set(self.table["day_type"]))
        return (
            f"IntradayProfiles({len(self.unique_ids)} series, freq={self.freq!r}, "
            f"day types {kinds})"
        )

    @property
    def unique_ids(self) -> list[str]:
        """The series that have profiles, sorted."""
        return sorted({str(u) for u in self.table["unique_id"]})

    def to_frame(self) -> pd.DataFrame:
        """The tidy table ``unique_id, day_type, slot, share`` (a copy).

        Examples
        --------
        >>> ds = pd.date_range("2024-03-04 08:00", periods=2, freq="h", tz="Europe/Amsterdam")
        >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 3.0]})
        >>> intraday_profiles(df, smooth=False).to_frame()["share"].tolist()
        [0.25, 0.75]
        """
        return self.table.copy()

    def _profile(self, uid: str, kind: str) -> tuple[str, np.ndarray, np.ndarray]:
        """The profile used for ``kind``, following the fallback chain."""
        chain = [kind]
        if kind == AFTER_CLOSURE:
            chain.append(self._base_kind(uid, None))
        chain.append(_POOLED)
        for k in chain:
            if k is not None and (uid, k) in self._lookup:
                return (k, *self._lookup[(uid, k)])
        return _POOLED, np.array([], dtype="int64"), np.array([], dtype="float64")

    def _base_kind(self, uid: str, weekday: int | None) -> str | None:
        kinds = {k for (u, k) in self._lookup if u == uid}
        if ALL_DAYS in kinds:
            return ALL_DAYS
        return None if weekday is None else WEEKDAY_NAMES[weekday]

    def day_type(self, unique_id: str, date: Any) -> str:
        """The day type :func:`split` uses for a local date (without forecast context).

        A date is ``"after_closure"`` when the stored opening hours close one or
        more normally open days right before it and the series has that profile.

        Examples
        --------
        >>> from demandcast.calendar import OpeningHours
        >>> ds = pd.date_range("2024-03-04 08:00", periods=2, freq="h", tz="Europe/Amsterdam")
        >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 3.0]})
        >>> intraday_profiles(df).day_type("a", "2024-04-02")
        'tue'
        """
        self._check_uid([unique_id])
        day = pd.Timestamp(pd.Timestamp(date).date())
        hours = _hours_for(self.opening_hours, str(unique_id))
        dates = pd.date_range(day - pd.Timedelta(days=7), day, freq="D")
        open_day = _daily_open(hours, dates)
        kind = self._base_kind(str(unique_id), day.day_of_week)
        if open_day is not None and (str(unique_id), AFTER_CLOSURE) in self._lookup:
            normal = np.isin(dates.day_of_week, self.open_weekdays.get(str(unique_id), ()))
            if _after_closure(open_day, normal, seen_open=True)[-1]:
                return AFTER_CLOSURE
        return str(kind)

    def shares(self, unique_id: str, date: Any, *, day_type: str | None = None) -> pd.Series:
        """Shares of one series for a local date, indexed by slot ``"HH:MM"``.

        Parameters
        ----------
        unique_id : str
            The series.
        date : date-like
            A local date; picks the day type (see :meth:`day_type`).
        day_type : str, optional
            Force a day type (``"mon"``..``"sun"``, ``"after_closure"``, ``"all"``).

        Returns
        -------
        pandas.Series
            Shares summing to 1, named ``share``; its ``attrs["day_type"]`` is the
            profile actually used (after fallbacks). No DST or opening-hours
            adjustment: :func:`split` does those on the day's grid.

        Examples
        --------
        >>> ds = pd.date_range("2024-03-04 08:00", periods=2, freq="h", tz="Europe/Amsterdam")
        >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 3.0]})
        >>> intraday_profiles(df, smooth=False).shares("a", "2024-03-11").to_dict()
        {'08:00': 0.25, '09:00': 0.75}
        """
        kind = self.day_type(unique_id, date) if day_type is None else str(day_type)
        used, slots, share = self._profile(str(unique_id), kind)
        out = pd.Series(share, index=pd.Index(_slot_label(slots), name="slot"), name="share")
        out.attrs["day_type"] = used
        return out

    def _check_uid(self, uids: Any) -> None:
        missing = sorted({str(u) for u in uids} - set(self.unique_ids))
        if missing:
            raise ConfigError(
                f"unique_id: no intraday profile for {examples(missing)}; profiles exist "
                f"for {examples(self.unique_ids)}. Fix: build the profiles from a frame "
                "that holds those series"
            )


def intraday_profiles(
    df: pd.DataFrame,
    *,
    freq: str | None = None,
    k_weeks: int = 8,
    smooth: bool = True,
    day_types: str = "weekday",
    opening_hours: OpeningLike = None,
    min_days: int = 3,
) -> IntradayProfiles:
    """Learn weekday-specific intraday profiles from an interval long frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame ``unique_id, ds, y`` at a sub-daily frequency, optionally
        ``is_open`` (rows with ``False`` are closed and left out). ``NaN`` marks
        missing data: days with a missing open interval are not used.
    freq : str, optional
        Slot length; default the frame's frequency. A multiple of it sums the
        intervals into coarser slots (5-minute data into ``"30min"`` slots).
    k_weeks : int, default 8
        Comparable days per profile: the last ``k_weeks`` days of each weekday
        (``7 x k_weeks`` days for ``day_types="all"``) and the last ``k_weeks``
        days after closures.
    smooth : bool, default True
        Smooth the slot ratios with a ``(1, 2, 1)`` kernel over adjacent open slots.
    day_types : {"weekday", "all"}, default "weekday"
        One profile per weekday (``"mon"``..``"sun"``) or one for all days
        (``"all"``); both add ``"after_closure"`` when there are enough examples.
    opening_hours : OpeningHours, callable or mapping, optional
        ``OpeningHours`` (or a callable ``ds -> bool array``, or a mapping
        ``unique_id -> either``). Intervals it closes are left out unless they hold
        counts (demand is never dropped); with ``OpeningHours`` its closure days
        (rather than days absent from the data) define the days after closures.
    min_days : int, default 3
        Fewest days after closures for an ``"after_closure"`` profile; with fewer,
        those days use the weekday profile and ``info`` records the fallback.

    Returns
    -------
    IntradayProfiles

    Raises
    ------
    InvalidFrameError
        The frame breaks the long-frame contract or is daily.
    ConfigError
        A parameter is out of range.

    Warns
    -----
    DataWarning
        When days with missing intervals are left out (count and examples).

    Notes
    -----
    Slots are local wall-clock times: a 23-hour DST day simply lacks the 02:00
    slot (it counts for neither the slot nor its share), and on a 25-hour day both
    02:00 intervals add to the 02:00 slot. Days without any open interval, or with
    a zero total, count as closed. Without ``OpeningHours`` a day after closure is
    the first open day after days absent from the data whose weekday is normally
    open (open on more than half of its dates).

    Examples
    --------
    >>> from demandcast.datasets import simulate_municipality
    >>> sim = simulate_municipality(start="2024-03-04", end="2024-04-28", locations=("noord",))
    >>> prof = intraday_profiles(sim.frame("desk", freq="30min"))
    >>> thu = prof.shares("noord/desk", "2024-05-02")
    >>> thu.index[0], thu.index[-1], round(float(thu.sum()), 6)
    ('08:30', '19:30', 1.0)
    >>> prof.shares("noord/desk", "2024-05-03").index[-1]
    '16:30'
    """
    k_weeks = positive_int(k_weeks, "k_weeks", "e.g. k_weeks=8")
    min_days = positive_int(min_days, "min_days", "e.g. min_days=8")
    if day_types not in _DAY_TYPE_MODES:
        raise ConfigError(f"day_types={day_types!r} is not known; pass 'weekday' or 'all'")
    if opening_hours is not None:
        _check_hours(opening_hours)
    base = validate_frame(df, tz=None)
    data_freq = base.attrs["freq"]
    if data_freq == "D" or str(data_freq).startswith("W"):
        raise InvalidFrameError(
            f"column 'ds': intraday profiles need sub-daily intervals, the frame is "
            f"{data_freq!r}. Fix: pass interval counts (e.g. freq='30min' from a loader)"
        )
    data_step, _ = _step_minutes(data_freq, "the frame's frequency")
    step, alias = _step_minutes(freq if freq is not None else data_freq, "freq")
    if step % data_step:
        raise ConfigError(
            f"freq={freq!r} is not a multiple of the frame's frequency {data_freq!r}; "
            f"pass a multiple of it (slots are sums of intervals) or freq=None"
        )

    cells, days = _day_cells(base, step, data_freq, opening_hours)
    rows, infos, dispersion, open_weekdays = [], [], {}, {}
    for uid, uid_days in days.groupby("unique_id", sort=True):
        uid = str(uid)
        hours = _hours_for(opening_hours, uid)
        calendar, normal = _history_calendar(uid_days, hours)
        open_weekdays[uid] = tuple(int(w) for w in np.flatnonzero(normal))
        usable = calendar[calendar["usable"]]
        uid_cells = cells[cells["unique_id"] == uid]
        kinds = _assign_kinds(usable, day_types)
        built: dict[str, pd.DataFrame] = {}
        for kind in sorted(set(kinds), key=_kind_order):
            chosen = usable[kinds == kind]
            take = 7 * k_weeks if kind == ALL_DAYS else k_weeks
            chosen = chosen.iloc[-take:]
            keep = _trim(chosen["total"].to_numpy())
            chosen = chosen[keep]
            n_trim = int((~keep).sum())
            if kind == AFTER_CLOSURE and len(chosen) < min_days:
                infos.append((uid, kind, len(chosen), n_trim, "weekday"))
                continue
            prof = _slot_shares(uid_cells, chosen, step, smooth)
            built[kind] = prof
            infos.append((uid, kind, len(chosen), n_trim, ""))
            rows.append(prof.assign(unique_id=uid, day_type=kind))
        dispersion[uid] = _dispersion(uid_cells, built, k_weeks)

    table = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame({"unique_id": [], "day_type": [], "slot": [], "share": []})
    )
    table = table.sort_values(
        ["unique_id", "day_type", "slot"],
        key=lambda s: s.map(_kind_order) if s.name == "day_type" else s,
        kind="stable",
    )
    table = pd.DataFrame(
        {
            "unique_id": table["unique_id"].astype(str).to_numpy(),
            "day_type": table["day_type"].astype(str).to_numpy(),
            "slot": _slot_label(table["slot"].to_numpy()),
            "share": table["share"].to_numpy(dtype="float64"),
        }
    )
    for col in ("unique_id", "day_type", "slot"):
        table[col] = table[col].astype(pd.Series(["x"]).dtype)
    info = pd.DataFrame(infos, columns=["unique_id", "day_type", "n_days", "n_trimmed", "fallback"])
    return IntradayProfiles(
        table=table,
        freq=alias,
        info=info,
        dispersion=dispersion,
        open_weekdays=open_weekdays,
        opening_hours=opening_hours,
        tz=str(base["ds"].dt.tz),
    )


def _kind_order(kind: Any) -> int:
    kind = str(kind)
    if kind in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(kind)
    return 7 if kind == ALL_DAYS else 8


def _day_cells(
    base: pd.DataFrame, step: int, data_freq: str, opening_hours: OpeningLike
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per (series, local date, slot) and per (series, local date)."""
    y = base["y"].to_numpy(dtype="float64")
    open_ = (
        base["is_open"].to_numpy(dtype=bool).copy()
        if "is_open" in base.columns
        else np.ones(len(base), dtype=bool)
    )
    uids = base["unique_id"].astype(str).to_numpy()
    if opening_hours is not None:
        for uid in pd.unique(uids):
            hours = _hours_for(opening_hours, uid)
            if hours is None:
                continue
            idx = np.flatnonzero(uids == uid)
            flags = _open_mask(hours, pd.DatetimeIndex(base["ds"].iloc[idx]), data_freq)
            open_[idx] &= flags | (y[idx] > 0)
    parts = _intraday.local_parts(base["ds"])
    rows = pd.DataFrame(
        {
            "unique_id": uids,
            "date": parts["date"].to_numpy(),
            "slot": parts["slot"].to_numpy() // step * step,
            "y": np.nan_to_num(y),
            "missing": np.isnan(y),
        }
    )[open_]
    cells = rows.groupby(["unique_id", "date", "slot"], sort=True, as_index=False).agg(
        y=("y", "sum"), missing=("missing", "any")
    )
    days = cells.groupby(["unique_id", "date"], sort=True, as_index=False).agg(
        total=("y", "sum"), missing=("missing", "any")
    )
    bad = days[days["missing"]]
    if len(bad):
        shown = [f"{u} {d.date()}" for u, d in zip(bad["unique_id"], bad["date"], strict=True)]
        warnings.warn(
            f"intraday_profiles: {len(bad)} day(s) with missing intervals (y NaN) are not "
            f"used for the profiles, e.g. {examples(shown)}",
            DataWarning,
            stacklevel=3,
        )
    return cells, days


def _history_calendar(days: pd.DataFrame, hours: OpeningLike) -> tuple[pd.DataFrame, np.ndarray]:
    """Every date of a series' span: open, usable, after closure; normally open weekdays."""
    span = pd.date_range(days["date"].min(), days["date"].max(), freq="D")
    table = days.set_index("date").reindex(span)
    present = table["total"].notna().to_numpy()
    total = table["total"].fillna(0.0).to_numpy()
    missing = table["missing"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    open_day = present & ((total > 0) | missing)
    weekday = np.asarray(span.day_of_week)
    by_hours = _daily_open(hours, span)
    if by_hours is not None:
        open_day = by_hours | open_day
    share_open = np.array(
        [open_day[weekday == w].mean() if (weekday == w).any() else 0.0 for w in range(7)]
    )
    normal = share_open > 0.5
    after = _after_closure(open_day, normal[weekday], seen_open=False)
    out = pd.DataFrame(
        {
            "date": span,
            "weekday": weekday,
            "total": total,
            "usable": present & ~missing & (total > 0),
            "after_closure": after,
        }
    )
    return out, normal


def _assign_kinds(usable: pd.DataFrame, day_types: str) -> np.ndarray:
    base = (
        np.array([WEEKDAY_NAMES[w] for w in usable["weekday"]], dtype=object)
        if day_types == "weekday"
        else np.full(len(usable), ALL_DAYS, dtype=object)
    )
    return np.where(usable["after_closure"].to_numpy(dtype=bool), AFTER_CLOSURE, base)


def _slot_shares(
    cells: pd.DataFrame, chosen: pd.DataFrame, step: int, smooth: bool
) -> pd.DataFrame:
    """Ratio of sums per slot over the chosen days, smoothed and renormalised."""
    part = cells[cells["date"].isin(chosen["date"])]
    part = part.merge(chosen[["date", "total"]], on="date", how="left")
    agg = part.groupby("slot", sort=True).agg(y=("y", "sum"), total=("total", "sum"))
    slots = agg.index.to_numpy(dtype="int64")
    ratio = agg["y"].to_numpy() / np.maximum(agg["total"].to_numpy(), 1e-12)
    if smooth:
        ratio = _smooth(slots, ratio, step)
    share = ratio / ratio.sum() if ratio.sum() > 0 else np.full(len(ratio), 1 / len(ratio))
    return pd.DataFrame({"slot": slots, "share": share})


def _dispersion(cells: pd.DataFrame, built: dict[str, pd.DataFrame], k_weeks: int) -> float:
    """Count dispersion around share x day total, via the forecasters' helper."""
    weekly = []
    for kind, prof in built.items():
        if kind == AFTER_CLOSURE:
            continue
        weekdays = range(7) if kind == ALL_DAYS else [WEEKDAY_NAMES.index(kind)]
        weekly.extend(prof.assign(weekday=w) for w in weekdays)
    if not weekly or cells.empty:
        return 1.0
    profiles = pd.concat(weekly, ignore_index=True)[["weekday", "slot", "share"]]
    broken = cells.groupby("date")["missing"].transform("any").to_numpy(dtype=bool)
    usable = cells[~broken]
    wall = pd.DatetimeIndex(usable["date"]) + pd.to_timedelta(usable["slot"].to_numpy(), "min")
    history = pd.DataFrame({"ds": wall, "y": usable["y"].to_numpy(dtype="float64")})
    return float(_intraday.count_dispersion(history, profiles, k_weeks))


# --------------------------------------------------------------------------- split


def _check_daily(
    df: Any, tz: str | None, name: str = "daily_forecast", default_tz: str = DEFAULT_TZ
) -> tuple[pd.DataFrame, str]:
    """A copy of a daily forecast frame with ``_date`` (naive local midnight) added."""
    validate_forecast(df, rows=True)
    ds = df["ds"]
    if not pd.api.types.is_datetime64_any_dtype(ds):
        try:
            ds = pd.to_datetime(ds)
        except (ValueError, TypeError):
            raise InvalidFrameError(
                f"column 'ds' of {name}: not dates, e.g. {examples(df['ds'].head(5))}. "
                "Fix: pass local midnights (datetime64 or ISO dates)"
            ) from None
    ds = pd.Series(pd.DatetimeIndex(ds), index=df.index)
    if ds.isna().any():
        rows = np.flatnonzero(ds.isna().to_numpy())
        raise InvalidFrameError(
            f"column 'ds' of {name}: {len(rows)} missing date(s) at rows "
            f"{examples(df.index[rows])}. Fix: drop or fill those rows"
        )
    aware = ds.dt.tz is not None
    wall = _time.wall(ds)
    off = np.flatnonzero((wall != wall.dt.normalize()).to_numpy())
    if len(off):
        shown = [f"row {df.index[i]!r} ({ds.iloc[i]})" for i in off[:5]]
        raise InvalidFrameError(
            f"column 'ds' of {name}: daily forecasts must sit at local midnight; "
            f"{len(off)} row(s) do not, e.g. {'; '.join(shown)}. Fix: pass the output of "
            "a daily model (ds = local midnight of each day)"
        )
    out = df.copy()
    out["unique_id"] = out["unique_id"].astype(str)
    out["_date"] = wall.dt.normalize().astype("datetime64[ns]").to_numpy()
    zone = str(tz) if tz is not None else (str(ds.dt.tz) if aware else default_tz)
    return out, zone


def _model_columns(df: pd.DataFrame) -> tuple[list[str], tuple[IntervalColumn, ...]]:
    """The float point columns and the interval bounds of a daily forecast."""
    cols = forecast_columns(df.columns.drop("_date", errors="ignore"))
    points = [c for c in cols.models if pd.api.types.is_float_dtype(df[c])]
    if not points:
        raise InvalidFrameError(
            f"daily_forecast: no model column (float) found among {list(df.columns)[:8]}. "
            "Fix: pass unique_id, ds and one float column per model"
        )
    return points, cols.intervals


def _expand(dates: pd.Series, alias: str, tz: str) -> dict[str, np.ndarray]:
    """The DST-correct local grid of every row's date, flattened."""
    codes, uniq = pd.factorize(dates, sort=False)
    grids = []
    for day in pd.DatetimeIndex(uniq):
        start = day.date()
        grids.append(local_range(start, start + _dt.timedelta(days=1), alias, tz))
    lens = np.array([len(g) for g in grids], dtype="int64")
    starts = np.r_[0, np.cumsum(lens)[:-1]]
    flat_i8 = np.concatenate([g.asi8 for g in grids])
    slots = [_intraday.local_parts(g)["slot"].to_numpy() for g in grids]
    flat_slot = np.concatenate(slots)
    # a 25-hour day repeats a wall-clock slot: count its occurrences
    flat_mult = np.concatenate([_occurrences(s) for s in slots])
    row_len = lens[codes]
    row_of = np.repeat(np.arange(len(codes)), row_len)
    within = np.arange(row_len.sum()) - np.repeat(np.cumsum(row_len) - row_len, row_len)
    element = starts[codes][row_of] + within
    ds = _time.from_utc_i8(flat_i8[element], tz)
    return {
        "row": row_of,
        "ds": ds,
        "slot": flat_slot[element],
        "mult": flat_mult[element].astype("float64"),
    }


def _occurrences(slots: np.ndarray) -> np.ndarray:
    _, inverse, counts = np.unique(slots, return_inverse=True, return_counts=True)
    return counts[inverse]


def _row_kinds(
    fc: pd.DataFrame,
    profiles: IntradayProfiles,
    hours_all: OpeningLike,
    day_open: np.ndarray,
) -> np.ndarray:
    """Day type per forecast row: weekday (or "all"), or after_closure."""
    kinds = np.empty(len(fc), dtype=object)
    weekday = pd.DatetimeIndex(fc["_date"]).day_of_week.to_numpy()
    for uid, idx in fc.groupby("unique_id", sort=False).indices.items():
        normal_days = profiles.open_weekdays.get(uid, ())
        base = profiles._base_kind(uid, 0) or ""
        for i in idx:
            kinds[i] = base if base == ALL_DAYS else WEEKDAY_NAMES[weekday[i]]
        if (uid, AFTER_CLOSURE) not in profiles._lookup:
            continue
        dates = pd.DatetimeIndex(fc["_date"].to_numpy()[idx])
        span = pd.date_range(dates.min() - pd.Timedelta(days=7), dates.max(), freq="D")
        normal = np.isin(span.day_of_week, normal_days)
        by_hours = _daily_open(_hours_for(hours_all, uid), span)
        open_span = normal.copy() if by_hours is None else by_hours.copy()
        known = pd.Series(day_open[idx]).groupby(dates.to_numpy()).any()
        pos = span.get_indexer(pd.DatetimeIndex(known.index))
        open_span[pos] = open_span[pos] & known.to_numpy(dtype=bool)
        after = _after_closure(open_span, normal, seen_open=True)
        hit = after[span.get_indexer(dates)]
        for i, flag in zip(idx, hit, strict=True):
            if flag:
                kinds[i] = AFTER_CLOSURE
    return kinds


def split(
    daily_forecast: pd.DataFrame,
    profiles: IntradayProfiles,
    *,
    freq: str | None = None,
    opening_hours: OpeningLike = None,
    tz: str | None = None,
    dispersion: float | None = None,
) -> pd.DataFrame:
    """Spread a daily forecast over the local intervals of each day.

    Parameters
    ----------
    daily_forecast : pandas.DataFrame
        ``unique_id``, ``ds`` (local midnight), one float column per model and
        optional bounds ``<model>-lo-<l>`` / ``<model>-hi-<l>``. Other columns
        (``cutoff``, ``step``, ...) are repeated on every interval; a ``y`` column
        (daily actuals) is left out.
    profiles : IntradayProfiles
        From :func:`intraday_profiles`; must cover every ``unique_id``.
    freq : str, optional
        Interval length; default ``profiles.freq``, or a multiple of it.
    opening_hours : OpeningHours, callable or mapping, optional
        Open intervals on the target days (default: the hours the profiles were
        built with; without any, the slots of the profile are open). Closed
        intervals get 0 and the day's shares are renormalised over the open ones,
        so a day that closes early keeps its total; closure days get 0.
    tz : str, optional
        Zone of the interval grid; default the zone of ``ds``, or when ``ds`` is
        naive the zone of the history the profiles were built from.
    dispersion : float, optional
        Count dispersion ``phi`` for the bounds (0 = bounds scale with the share
        only, 1 = Poisson); default the value estimated per series by
        :func:`intraday_profiles`.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds`` (every interval of each day on the DST-correct local
        grid: 23 or 25 hourly intervals on DST days), the carried columns, the
        model and bound columns, and ``is_open``. Points are ``share x daily
        point`` and sum to the daily point per day (see :func:`coherence_check`);
        bounds follow the module's rule (nested, non-negative, widened by count
        noise). Sorted by ``unique_id`` (``cutoff``) and ``ds``.

    Raises
    ------
    InvalidFrameError
        ``daily_forecast`` lacks columns, has dates off local midnight, or bounds
        without their model column.
    ConfigError
        Unknown series, a ``freq`` that is not a multiple of the profiles', or
        bad opening hours.

    Warns
    -----
    DataWarning
        When days with a positive daily forecast have no open interval and are
        set to zero (count and examples).

    Notes
    -----
    A weekday never open in the history is closed unless ``opening_hours`` open
    it; then the mean of the series' weekday profiles is used. Day types: a row
    is ``"after_closure"`` when the series has that profile and
    the days right before it include a normally open day that is closed (by the
    opening hours, or forecast as exactly 0). On a 25-hour day the slot of the
    repeated hour is split evenly over both intervals; on a 23-hour day the
    missing slot's share goes to the other slots.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-04 08:00", periods=3, freq="h", tz="Europe/Amsterdam")
    >>> hist = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 2.0, 1.0]})
    >>> prof = intraday_profiles(hist, smooth=False)
    >>> daily = pd.DataFrame({"unique_id": ["a"], "ds": [pd.Timestamp("2024-03-11")],
    ...                       "m": [100.0], "m-lo-80": [80.0], "m-hi-80": [120.0]})
    >>> out = split(daily, prof, dispersion=0.0)
    >>> out.loc[out["is_open"], ["m", "m-lo-80", "m-hi-80"]].to_numpy().tolist()
    [[25.0, 20.0, 30.0], [50.0, 40.0, 60.0], [25.0, 20.0, 30.0]]
    >>> len(out), float(out["m"].sum())
    (24, 100.0)
    """
    if not isinstance(profiles, IntradayProfiles):
        raise ConfigError(
            f"profiles: expected IntradayProfiles, got {type(profiles).__name__}; "
            "build them with intraday_profiles(history)"
        )
    fc, zone = _check_daily(daily_forecast, tz, default_tz=profiles.tz)
    points, bounds = _model_columns(fc)
    profiles._check_uid(fc["unique_id"])
    prof_step, prof_alias = _step_minutes(profiles.freq, "profiles.freq")
    step, alias = _step_minutes(freq if freq is not None else profiles.freq, "freq")
    if step % prof_step:
        raise ConfigError(
            f"freq={freq!r} is not a multiple of the profiles' slots ({profiles.freq!r}); "
            "pass a multiple, or build the profiles at the finer freq"
        )
    if dispersion is not None and not (np.isfinite(dispersion) and dispersion >= 0):
        raise ConfigError(f"dispersion={dispersion!r} must be >= 0 (1 = Poisson) or None")
    hours_all = profiles.opening_hours if opening_hours is None else opening_hours
    if hours_all is not None:
        _check_hours(hours_all)

    grid = _expand(fc["_date"], alias, zone)
    row_of, slot = grid["row"], grid["slot"] // step * step
    uid_el = fc["unique_id"].to_numpy()[row_of]
    n_el = len(row_of)

    hours_open = np.ones(n_el, dtype=bool)
    has_hours = np.zeros(n_el, dtype=bool)
    for uid in pd.unique(fc["unique_id"]):
        hours = _hours_for(hours_all, uid)
        if hours is not None:
            mask = uid_el == uid
            # an interval is open when any profile slot inside it is (desk 08:30 in 08:00-09:00)
            sub = [
                _open_mask(
                    hours, grid["ds"][mask] + pd.Timedelta(minutes=k * prof_step), prof_alias
                )
                for k in range(step // prof_step)
            ]
            hours_open[mask] = np.logical_or.reduce(sub)
            has_hours[mask] = True

    values = fc[points].to_numpy(dtype="float64")
    zero_fc = (values == 0).all(axis=1)
    weekday = pd.DatetimeIndex(fc["_date"]).day_of_week.to_numpy()
    usual = np.array(
        [
            w in profiles.open_weekdays.get(u, ())
            for u, w in zip(fc["unique_id"], weekday, strict=True)
        ]
    )
    any_hours = np.bincount(row_of, weights=hours_open & has_hours, minlength=len(fc)) > 0
    row_has_hours = np.bincount(row_of, weights=has_hours, minlength=len(fc)) > 0
    day_open = np.where(row_has_hours, any_hours, usual) & ~zero_fc
    kinds = _row_kinds(fc, profiles, hours_all, day_open)

    share = np.zeros(n_el)
    present = np.zeros(n_el, dtype=bool)
    combos = pd.MultiIndex.from_arrays([fc["unique_id"].to_numpy(), kinds.astype(str)])
    codes, combos = combos.factorize()
    el_code = codes[row_of]
    for c, (uid, kind) in enumerate(combos):
        used, p_slots, p_share = profiles._profile(uid, kind)
        if used == _POOLED and _hours_for(hours_all, uid) is None:
            # a weekday never open in the history, and no opening hours say otherwise
            p_slots, p_share = p_slots[:0], p_share[:0]
        coarse = p_slots // step * step
        slots_c, inv = np.unique(coarse, return_inverse=True)
        share_c = np.bincount(inv, weights=p_share, minlength=len(slots_c))
        mask = el_code == c
        pos = np.minimum(np.searchsorted(slots_c, slot[mask]), max(len(slots_c) - 1, 0))
        hit = (slots_c[pos] == slot[mask]) if len(slots_c) else np.zeros(mask.sum(), bool)
        share[mask] = np.where(hit, share_c[pos] if len(slots_c) else 0.0, 0.0)
        present[mask] = hit
    is_open = np.where(has_hours, hours_open, present)
    s = np.where(is_open & present, share / grid["mult"], 0.0)
    day_sum = np.bincount(row_of, weights=s, minlength=len(fc))
    s = np.where(day_sum[row_of] > 0, s / np.where(day_sum > 0, day_sum, 1.0)[row_of], 0.0)

    lost = (day_sum <= 0) & (np.nan_to_num(values) > 0).any(axis=1)
    if lost.any():
        shown = [
            f"{u} {d.date()}" for u, d in zip(fc["unique_id"][lost], fc["_date"][lost], strict=True)
        ]
        warnings.warn(
            f"split: {int(lost.sum())} day(s) have a positive daily forecast but no open "
            f"interval; set to zero, e.g. {examples(shown)}",
            DataWarning,
            stacklevel=2,
        )

    if dispersion is None:
        phi = np.array([profiles.dispersion.get(u, 1.0) for u in uid_el], dtype="float64")
    else:
        phi = np.full(n_el, float(dispersion))
    out = pd.DataFrame({"unique_id": uid_el, "ds": grid["ds"]})
    out["unique_id"] = out["unique_id"].astype(pd.Series(["x"]).dtype)
    value_cols = set(points) | {b.column for b in bounds}
    for col in fc.columns:
        if col in ("unique_id", "ds", "y", "_date", "is_open"):
            continue
        daily = fc[col].to_numpy()[row_of]
        if col not in value_cols:
            out[col] = daily
            continue
        daily = daily.astype("float64")
        if col in points:
            out[col] = np.where(s > 0, s * daily, 0.0)
            continue
        _, model, side, level = next(b for b in bounds if b.column == col)
        point = fc[model].to_numpy(dtype="float64")[row_of]
        mean = s * point
        z = NormalDist().inv_cdf(0.5 + level / 200)
        noise = z * z * phi * np.maximum(mean, 0.0)
        gap = np.maximum(daily - point, 0.0) if side == "hi" else np.maximum(point - daily, 0.0)
        half = np.sqrt((s * gap) ** 2 + noise)
        bound = mean + half if side == "hi" else np.maximum(mean - half, 0.0)
        out[col] = np.where(s > 0, bound, 0.0)
    out["is_open"] = is_open
    keys = ["unique_id", "cutoff", "ds"] if "cutoff" in out.columns else ["unique_id", "ds"]
    out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    out.attrs["freq"] = alias
    return out


def coherence_check(
    interval_fc: pd.DataFrame, daily_fc: pd.DataFrame, *, columns: list[str] | None = None
) -> float:
    """Largest absolute gap between a day's interval sum and its daily forecast.

    Parameters
    ----------
    interval_fc : pandas.DataFrame
        Interval forecasts (``unique_id``, tz-aware ``ds``, model columns), e.g.
        from :func:`split`.
    daily_fc : pandas.DataFrame
        The daily forecasts (``ds`` at local midnight).
    columns : list of str, optional
        Model columns to compare; default every point column of ``daily_fc`` that
        ``interval_fc`` also has (bounds are not additive and are not compared).

    Returns
    -------
    float
        ``max |sum over the day's intervals - daily value|`` over series, days (and
        ``cutoff`` when both frames have one) and columns; a day on one side only
        counts against 0. NaN values are skipped; 0.0 when nothing is compared.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-04 08:00", periods=2, freq="h", tz="Europe/Amsterdam")
    >>> hist = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 3.0]})
    >>> daily = pd.DataFrame({"unique_id": ["a"], "m": [8.0],
    ...                       "ds": [pd.Timestamp("2024-03-11", tz="Europe/Amsterdam")]})
    >>> out = split(daily, intraday_profiles(hist))
    >>> coherence_check(out, daily) < 1e-9
    True
    >>> coherence_check(out.assign(m=out["m"] * 1.5), daily)
    4.0
    """
    daily, _ = _check_daily(daily_fc, None, "daily_fc")
    ivl, _ = _check_daily(
        interval_fc.assign(ds=_wall_midnight(interval_fc, "interval_fc")), None, "interval_fc"
    )
    if columns is None:
        columns = [c for c in _model_columns(daily)[0] if c in ivl.columns]
    missing = [c for c in columns if c not in ivl.columns or c not in daily.columns]
    if missing:
        raise InvalidFrameError(
            f"columns {missing}: not in both frames. Fix: pass columns found in both "
            f"interval_fc and daily_fc"
        )
    if not columns:
        return 0.0
    keys = ["unique_id", "_date"]
    if "cutoff" in daily.columns and "cutoff" in ivl.columns:
        keys.append("cutoff")
    sums = ivl.groupby(keys, sort=False)[columns].sum(min_count=1)
    days = daily.groupby(keys, sort=False)[columns].sum(min_count=1)
    index = days.index.union(sums.index)
    a = days.reindex(index).to_numpy(dtype="float64")
    b = sums.reindex(index).to_numpy(dtype="float64")
    on_a = days.index.get_indexer(index) >= 0
    on_b = sums.index.get_indexer(index) >= 0
    a = np.where(on_a[:, None], a, 0.0)
    b = np.where(on_b[:, None], b, 0.0)
    gap = np.abs(a - b)
    return float(np.nanmax(gap)) if np.isfinite(gap).any() else 0.0


def _wall_midnight(df: pd.DataFrame, name: str) -> pd.Series:
    if not isinstance(df, pd.DataFrame) or "ds" not in df.columns:
        raise InvalidFrameError(
            f"{name}: expected a DataFrame with a 'ds' column. Fix: pass the output of split()"
        )
    ds = pd.Series(pd.DatetimeIndex(pd.to_datetime(df["ds"])), index=df.index)
    return _time.local_dates(ds)


#: ``demandcast.split_daily``: the top-level name of :func:`split`.
split_daily = split
