"""Leak-free features for the global gradient-boosting forecaster (``gbm``).

Every series is laid out as a dense *panel* ``(series, day, slot)`` in local
wall-clock time: one row per calendar day, one column per interval of the day (one
column for daily data). Closed and missing intervals are NaN, so they never count
as demand. Features of a target (series ``i``, day ``d``, slot ``s``) forecast from
a cutoff at the end of day ``c < d`` use only panel values on days ``<= c``:

``h_days``
    days ahead, ``d - c``.
``ha_<k>``
    the historical average: mean of the same weekday and slot over the ``k`` most
    recent weeks up to the cutoff (days ``d - 7j <= c``), divided by ``scale``.
``last_same``
    the most recent value of the same weekday and slot up to the cutoff
    (seasonal naive, stepping back over missing weeks), divided by ``scale``.
``last_day``
    the same slot on the last day with data up to the cutoff, divided by ``scale``.
``level_7``, ``surprise_last``
    the level of the last 7 days relative to ``scale``, and how far the last day
    with data ran above or below its own 4-week historical average.
``log_scale``
    ``log1p(scale)``, where ``scale`` is the mean of the valid values of the last 28
    days before the cutoff (all history when those are missing), at least 1. The
    model predicts ``y / scale``, so series of any size share one model.
calendar
    the :data:`CALENDAR_COLUMNS` of :func:`demandcast.calendar.calendar_features` at
    the target interval.

future regressors
    the value at the target interval and daily totals of the target day and the
    7 days before it (a mailing answered over the following days).
past regressors
    daily totals of the cutoff day and the day before, the mean of the last 7
    days, and the ratio of the cutoff day to that mean: lags of at least the
    distance to the cutoff, never values from the horizon.

:func:`response_features` builds the inputs of the model's *linear* response
stage, where magnitudes must scale beyond what training saw (a mailing twice as
large as any before): each future regressor's daily total on the target day and on
the days 1 to 7 *open days* before it (a letter sent on Friday is answered on
Monday, one open day later), and each past regressor's excess over its own weekly
median on the cutoff day and the day before, separately for 1, 2 and 3 days ahead.

Tree fitting dominates the cost and grows with the number of columns, so columns
that add nothing are left out. Tried by dropping each column, then groups, on 300
simulated daily series (4 windows, h=28), the bank calls (6 windows, h=140
half-hours), NYC 311 after the 2012 shock and Wikipedia page views (6 windows,
h=28 days each). Left out: the 1-week average (``last_same`` is the same value
unless that week is missing), the surprise of the last 7 days (``surprise_last``
and ``level_7`` carry it), ``days_since_month_start`` (``days_to_month_end`` and
``day_of_year`` carry it) and ``is_public_holiday`` (``is_closed_day`` and the
closure columns carry it). WAPE with all columns / without these: simulator
10.91 % / 10.96 %, bank calls 6.34 % / 6.40 %, NYC 311 114.5 % / 114.5 %,
Wikipedia 63.5 % / 69.4 % (that single spiky series moves between 63 and 82 %
with any change of columns), at 85 % of the fitting time. Dropping more cost WAPE:
``h_days``, ``ha_8``, ``weekday``, ``day_of_year``, ``is_school_holiday`` and
``days_to_month_end`` on the simulator (+0.2 to +2.1 points); ``last_day``,
``level_7``, ``is_closed_day`` or the closure columns on NYC 311 (+1.2 to +2.6
points); the 2-week average on Wikipedia.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import DataWarning

__all__ = [
    "Panel",
    "build_panel",
    "calendar_table",
    "feature_names",
    "make_features",
    "open_day_count",
    "response_features",
]

CALENDAR_COLUMNS = (
    "weekday",
    "interval_of_day",
    "day_of_year",
    "is_school_holiday",
    "is_closed_day",
    "day_before_closure",
    "day_after_closure",
    "closed_days_before",
    "days_to_month_end",
)
SCALE_DAYS = 28
FUTURE_LAGS = tuple(range(8))  # daily totals of the target day and the 7 days before
OPEN_LAGS = 7  # response stage: open days after a future regressor's day
BASE_FLOOR = 1.0  # smallest baseline: below one contact the target turns additive
PAST_AHEAD = 3  # response stage: days ahead a past spike is carried
_EPOCH = np.datetime64("1970-01-01", "D")


def slots_per_day(freq: str) -> tuple[int, int]:
    """Intervals per day and minutes per interval for ``freq`` (``(1, 1440)`` for days).

    Examples
    --------
    >>> slots_per_day("D"), slots_per_day("30min")
    ((1, 1440), (48, 30))
    """
    minutes = int(_time.step_minutes(freq))
    if minutes >= 1440:
        return 1, 1440
    return 1440 // minutes, minutes


def wall_position(ds: pd.Series | pd.DatetimeIndex, tz, step_minutes: int):
    """Local calendar day (days since 1970-01-01) and slot of each timestamp."""
    index = pd.DatetimeIndex(ds)
    index = _time.wall(_time.to_local(index, tz) if index.tz is not None else index)
    wall = index.to_numpy().astype("datetime64[m]")
    day = wall.astype("datetime64[D]")
    minute = (wall - day).astype(np.int64)
    return (day - _EPOCH).astype(np.int64), minute // step_minutes


def _rolling_weeks(a: np.ndarray, k: int) -> np.ndarray:
    """Mean of the valid values at the same weekday/slot over the last ``k`` weeks."""
    n, days, p = a.shape
    weeks = -(-days // 7)
    pad = np.full((n, weeks * 7, p), np.nan)
    pad[:, :days] = a
    w = pad.reshape(n, weeks, 7, p)
    ok = np.isfinite(w)
    s = np.cumsum(np.where(ok, w, 0.0), axis=1)
    c = np.cumsum(ok, axis=1, dtype=np.int64)
    if k < weeks:
        s[:, k:] -= s[:, :-k].copy()
        c[:, k:] -= c[:, :-k].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(c > 0, s / np.maximum(c, 1), np.nan)
    return out.reshape(n, weeks * 7, p)[:, :days]


def _last_valid_same_slot(a: np.ndarray) -> np.ndarray:
    """Forward fill along weeks: the latest valid value of the weekday/slot so far."""
    n, days, p = a.shape
    weeks = -(-days // 7)
    pad = np.full((n, weeks * 7, p), np.nan)
    pad[:, :days] = a
    w = pad.reshape(n, weeks, 7, p)
    idx = np.where(np.isfinite(w), np.arange(weeks)[None, :, None, None], -1)
    idx = np.maximum.accumulate(idx, axis=1)
    filled = np.take_along_axis(w, np.maximum(idx, 0), axis=1)
    filled[idx < 0] = np.nan
    return filled.reshape(n, weeks * 7, p)[:, :days]


def _window(cum: np.ndarray, width: int) -> np.ndarray:
    """Sum over the last ``width`` days (inclusive) from a cumulative sum along axis 1."""
    out = cum.copy()
    out[:, width:] -= cum[:, :-width]
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@dataclass
class Panel:
    """Dense history of all series, plus the per-cutoff level features.

    Arrays are indexed ``[series, day - day0(, slot)]``; ``per_cutoff`` arrays give
    the value known at the end of each day.
    """

    y: np.ndarray  # (n, days, p): valid values, NaN elsewhere
    day0: int
    p: int
    step_minutes: int
    k_weeks: tuple[int, ...]
    rolling: dict[int, np.ndarray] = field(default_factory=dict)
    last_same: np.ndarray | None = None
    per_cutoff: dict[str, np.ndarray] = field(default_factory=dict)
    last_day: np.ndarray | None = None  # (n, days): last day <= c with data, -1 if none
    reg: dict[str, np.ndarray] = field(default_factory=dict)  # regressor values (n, days, p)

    @property
    def n_days(self) -> int:
        return self.y.shape[1]


def build_panel(
    uid_codes: np.ndarray,
    day: np.ndarray,
    slot: np.ndarray,
    y: np.ndarray,
    valid: np.ndarray,
    n_series: int,
    p: int,
    step_minutes: int,
    k_weeks: tuple[int, ...],
    regressors: dict[str, np.ndarray] | None = None,
) -> Panel:
    """Lay the long frame out as a panel and precompute the baseline features.

    Parameters
    ----------
    uid_codes, day, slot : int arrays
        Series code, local day number and slot of every row.
    y : float array
        Target values; only rows with ``valid`` count as demand.
    valid : bool array
        Open and not missing.
    n_series, p, step_minutes : int
        Number of series, slots per day, minutes per slot.
    k_weeks : tuple of int
        Windows of the historical-average features.
    regressors : dict, optional
        Column -> values aligned with the rows (closed rows included).

    Returns
    -------
    Panel

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.zeros(14, dtype=int)
    >>> days = np.arange(14)
    >>> pan = build_panel(codes, days, np.zeros(14, dtype=int), np.arange(14.0),
    ...                   np.ones(14, bool), 1, 1, 1440, (1, 2))
    >>> float(pan.rolling[2][0, 13, 0])   # days 6 and 13
    9.5
    """
    day0 = int(day.min())
    n_days = int(day.max()) - day0 + 1
    pos = (uid_codes * n_days + (day - day0)) * p + slot
    size = n_series * n_days * p
    sums = np.bincount(pos[valid], weights=y[valid], minlength=size)
    counts = np.bincount(pos[valid], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        dense = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)  # DST: mean
    a = dense.reshape(n_series, n_days, p)
    pan = Panel(y=a, day0=day0, p=p, step_minutes=step_minutes, k_weeks=tuple(k_weeks))
    for k in sorted(set(pan.k_weeks) | {4}):
        pan.rolling[k] = _rolling_weeks(a, k)
    pan.last_same = _last_valid_same_slot(a)

    ok = np.isfinite(a)
    day_sum = np.where(ok, a, 0.0).sum(axis=2)
    day_cnt = ok.sum(axis=2).astype(np.float64)
    cum_s, cum_c = np.cumsum(day_sum, axis=1), np.cumsum(day_cnt, axis=1)
    recent = _ratio(_window(cum_s, SCALE_DAYS), _window(cum_c, SCALE_DAYS))
    scale = np.where(np.isfinite(recent), recent, _ratio(cum_s, cum_c))
    scale = np.where(np.isfinite(scale), np.maximum(scale, 1.0), np.nan)
    level_7 = _ratio(_window(cum_s, 7), _window(cum_c, 7)) / scale

    # each day against its own 4-week average of the weeks before it
    expected = np.full_like(a, np.nan)
    expected[:, 7:] = pan.rolling[4][:, :-7]
    both = ok & np.isfinite(expected)
    s_num = np.where(both, a, 0.0).sum(axis=2)
    s_den = np.where(both, expected, 0.0).sum(axis=2)
    has = s_den > 0
    idx = np.maximum.accumulate(np.where(has, np.arange(n_days)[None, :], -1), axis=1)
    surprise_last = np.take_along_axis(_ratio(s_num, s_den), np.maximum(idx, 0), axis=1)
    surprise_last[idx < 0] = np.nan
    pan.last_day = np.maximum.accumulate(
        np.where(day_cnt > 0, np.arange(n_days)[None, :], -1), axis=1
    )
    pan.per_cutoff = {"scale": scale, "level_7": level_7, "surprise_last": surprise_last}
    for name, values in (regressors or {}).items():
        present = np.isfinite(values)
        r_sum = np.bincount(pos[present], weights=values[present], minlength=size)
        r_cnt = np.bincount(pos[present], minlength=size)
        pan.reg[name] = np.where(r_cnt > 0, r_sum, np.nan).reshape(n_series, n_days, p)
    return pan


def extend_panel(
    pan: Panel,
    uid_codes: np.ndarray,
    day: np.ndarray,
    slot: np.ndarray,
    y: np.ndarray,
    valid: np.ndarray,
    regressors: dict[str, np.ndarray] | None = None,
) -> Panel:
    """The panel of ``pan``'s history plus new rows, as :func:`build_panel` lays
    out all the rows at once.

    Every cell of the old panel that holds a value or a regressor is given again as
    a row (plus the first cell, which fixes the first day), so the averaged duplicate
    slots (DST) and the regressor sums come out the same as from the original rows.

    Parameters
    ----------
    pan : Panel
        The panel built so far.
    uid_codes, day, slot, y, valid, regressors
        The new rows, as in :func:`build_panel` (the same regressor names).

    Returns
    -------
    Panel
        A new panel; ``pan`` is left as it was.

    Examples
    --------
    >>> import numpy as np
    >>> codes, slots, ones = np.zeros(14, dtype=int), np.zeros(14, dtype=int), np.ones(14, bool)
    >>> old = build_panel(codes[:10], np.arange(10), slots[:10], np.arange(10.0), ones[:10],
    ...                   1, 1, 1440, (1, 2))
    >>> new = extend_panel(old, codes[10:], np.arange(10, 14), slots[10:],
    ...                    np.arange(10.0, 14.0), ones[10:])
    >>> float(new.rolling[2][0, 13, 0]), old.n_days
    (9.5, 10)
    """
    regressors = regressors or {}
    names = set(pan.reg) | set(regressors)
    missing = names - set(pan.reg) or names - set(regressors)
    if missing:
        raise ValueError(f"regressors {sorted(missing)} are not in both the panel and the rows")
    keep = np.isfinite(pan.y)
    for values in pan.reg.values():
        keep |= np.isfinite(values)
    keep[0, 0, 0] = True
    cell_code, cell_day, cell_slot = np.nonzero(keep)
    old_y = pan.y[keep]
    return build_panel(
        np.concatenate([cell_code, uid_codes]),
        np.concatenate([cell_day + pan.day0, day]),
        np.concatenate([cell_slot, slot]),
        np.concatenate([old_y, y]),
        np.concatenate([np.isfinite(old_y), valid]),
        pan.y.shape[0],
        pan.p,
        pan.step_minutes,
        pan.k_weeks,
        {r: np.concatenate([pan.reg[r][keep], regressors[r]]) for r in sorted(names)},
    )


def calendar_table(
    first_day: int, last_day: int, p: int, step_minutes: int, region: str | None
) -> np.ndarray:
    """Calendar features for every (day, slot) from ``first_day`` to ``last_day``.

    Returns an array ``(days * p, len(CALENDAR_COLUMNS))`` indexed by
    ``(day - first_day) * p + slot``.
    """
    from demandcast.calendar import calendar_features

    days = np.arange(first_day, last_day + 1).astype("datetime64[D]")
    minutes = np.arange(p) * step_minutes
    wall = (
        days.astype("datetime64[m]")[:, None] + minutes.astype("timedelta64[m]")[None, :]
    ).ravel()
    freq = "D" if p == 1 else f"{step_minutes}min"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # school-holiday gaps in far years
        cal = calendar_features(pd.DatetimeIndex(wall), region=region, freq=freq)
    return cal[list(CALENDAR_COLUMNS)].to_numpy(dtype=np.float32)


def _calendar_keep(p: int, yearly: bool) -> list[int]:
    drop = {"interval_of_day"} if p == 1 else set()
    if not yearly:
        drop.add("day_of_year")
    return [j for j, name in enumerate(CALENDAR_COLUMNS) if name not in drop]


def feature_names(
    k_weeks: tuple[int, ...],
    future: list[str],
    past: list[str],
    p: int,
    ids: list[str],
    yearly: bool = True,
) -> list[str]:
    """Column names of :func:`make_features`, in order."""
    names = ["h_days", *(f"ha_{k}" for k in k_weeks), "last_same", "last_day"]
    names += ["level_7", "surprise_last", "log_scale"]
    names += [CALENDAR_COLUMNS[j] for j in _calendar_keep(p, yearly)]
    for r in future:
        if p > 1:
            names.append(f"{r}")
        names += [f"{r}_day_lag{lag}" for lag in FUTURE_LAGS]
    for r in past:
        names += [f"{r}_cutoff_day", f"{r}_day_before", f"{r}_week_mean", f"{r}_cutoff_ratio"]
    names += ids
    return names


def _take(arr: np.ndarray, i: np.ndarray, d: np.ndarray, s: np.ndarray | None = None):
    """``arr[i, d(, s)]`` with NaN where ``d`` falls outside the array."""
    inside = (d >= 0) & (d < arr.shape[1])
    dd = np.clip(d, 0, arr.shape[1] - 1)
    out = arr[i, dd] if s is None else arr[i, dd, s]
    return np.where(inside, out, np.nan)


def make_features(
    pan: Panel,
    i: np.ndarray,
    d: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    *,
    calendar: np.ndarray,
    cal_day0: int,
    future: dict[str, np.ndarray],
    past: list[str],
    ids: np.ndarray,
    yearly: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix (float32) and baseline for targets ``(i, d, s)`` from cutoffs ``c``.

    ``d`` and ``c`` are day positions relative to ``pan.day0``; every panel value
    read sits on a day ``<= c``. ``future`` holds each future regressor as an array
    ``(n, days, p)`` over history and horizon; ``ids`` the identity columns
    ``(n, n_ids)``; ``yearly`` keeps ``day_of_year`` (worth it from two years of
    history on). The baseline, which the model's target is divided by, is the
    4-week historical average (else the longest one, else the last same-slot
    value), at least a tenth of ``scale`` and at least ``BASE_FLOOR`` (one contact:
    on a near-empty series the target is then ``y`` itself, not a ratio blown up by
    a tiny average); NaN when the series has no history.
    """
    keep = _calendar_keep(pan.p, yearly)
    n_base = 6 + len(pan.k_weeks)
    n_reg = len(future) * (len(FUTURE_LAGS) + (pan.p > 1)) + 4 * len(past)
    X = np.empty((len(i), n_base + len(keep) + n_reg + ids.shape[1]), dtype=np.float32)
    col = iter(range(X.shape[1]))

    def put(values: np.ndarray) -> None:  # one float32 column at a time: no float64 copy
        X[:, next(col)] = values

    h = d - c
    back = d - 7 * np.maximum(1, -(-h // 7))  # latest same weekday at or before the cutoff
    scale = _take(pan.per_cutoff["scale"], i, c)
    put(h)
    for k in pan.k_weeks:
        put(_take(pan.rolling[k], i, back, s) / scale)
    same = _take(pan.last_same, i, back, s)
    put(same / scale)
    base = _take(pan.rolling[4], i, back, s)
    for alt in (_take(pan.rolling[max(pan.k_weeks)], i, back, s), same):
        base = np.where(np.isfinite(base), base, alt)
    del same
    floor = np.maximum(0.1 * scale, BASE_FLOOR)  # near-zero averages: y itself, not y / 0.1
    base = np.where(np.isfinite(base), np.maximum(base, floor), floor)
    last = _take(pan.last_day.astype(np.float64), i, c)
    last = np.where(np.isfinite(last), last, -1).astype(np.int64)
    put(np.where(last >= 0, _take(pan.y, i, last, s), np.nan) / scale)
    del last
    for name in ("level_7", "surprise_last"):
        put(_take(pan.per_cutoff[name], i, c))
    put(np.log1p(scale))
    cal_rows = (d + pan.day0 - cal_day0) * pan.p + s
    for j in keep:
        put(calendar[cal_rows, j])
    for arr in future.values():
        daily = np.where(np.isfinite(arr), arr, 0.0).sum(axis=2)
        daily[~np.isfinite(arr).any(axis=2)] = np.nan
        if pan.p > 1:
            put(_take(arr, i, d, s))
        for lag in FUTURE_LAGS:
            put(_take(daily, i, d - lag))
    for name in past:
        arr = pan.reg[name]
        daily = np.where(np.isfinite(arr), arr, 0.0).sum(axis=2)
        daily[~np.isfinite(arr).any(axis=2)] = np.nan
        today, before = _take(daily, i, c), _take(daily, i, c - 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # weeks without any value
            week = np.nanmean(np.stack([_take(daily, i, c - lag) for lag in range(7)]), axis=0)
        for values in (today, before, week, _ratio(today, week)):
            put(values)
    for j in range(ids.shape[1]):
        put(ids[i, j])
    return X, base


def daily_totals(arr: np.ndarray) -> np.ndarray:
    """Sum over the slots of a ``(n, days, p)`` array; NaN where a day has no value."""
    daily = np.where(np.isfinite(arr), arr, 0.0).sum(axis=2)
    daily[~np.isfinite(arr).any(axis=2)] = np.nan
    return daily


def open_day_count(weekday_open: np.ndarray, first_day: int, n_days: int) -> np.ndarray:
    """Running count of open days, ``(n, n_days)``, from a weekday pattern.

    ``weekday_open`` is ``(n, 7)`` bool (Monday first): the weekdays a series was ever
    open. Only the weekly schedule is read, never whether a day had data, so the
    count is known ahead for any future day.

    Examples
    --------
    >>> import numpy as np
    >>> week = np.array([[True] * 5 + [False] * 2])   # Monday to Friday
    >>> open_day_count(week, 4, 7)[0].tolist()        # day 4 is Monday 1970-01-05
    [1, 2, 3, 4, 5, 5, 5]
    """
    weekday = (np.arange(first_day, first_day + n_days) + 3) % 7  # 1970-01-01 a Thursday
    return np.cumsum(weekday_open[:, weekday], axis=1)


def response_features(
    i: np.ndarray,
    d: np.ndarray,
    c: np.ndarray,
    *,
    future_daily: list[np.ndarray],
    open_count: np.ndarray,
    past_daily: list[np.ndarray],
) -> np.ndarray:
    """Inputs of the linear response stage for targets ``(i, d)`` from cutoffs ``c``.

    Parameters
    ----------
    i, d, c : int arrays
        Series, target day and cutoff day (positions in the daily arrays).
    future_daily : list of arrays ``(n, days)``
        Daily totals of each future regressor over history and horizon.
    open_count : int array ``(n, days)``
        :func:`open_day_count` over the same days.
    past_daily : list of arrays ``(n, days)``
        Daily totals of each past regressor; only days ``<= c`` are read.

    Returns
    -------
    numpy.ndarray
        ``(len(i), len(future_daily) * (OPEN_LAGS + 1) + len(past_daily) * 2 * PAST_AHEAD)``,
        float64, zeros where nothing applies.

    Examples
    --------
    >>> import numpy as np
    >>> letters = np.zeros((1, 14)); letters[0, 4] = 1000.0        # sent on a Friday
    >>> count = open_day_count(np.array([[True] * 5 + [False] * 2]), 4, 14)  # from a Monday
    >>> f = response_features(np.array([0]), np.array([7]), np.array([3]),
    ...                       future_daily=[letters], open_count=count, past_daily=[])
    >>> f[0, :3].tolist()                                         # Monday: 1 open day later
    [0.0, 1000.0, 0.0]
    """
    cols: list[np.ndarray] = []
    n, days = open_count.shape
    k_target = open_count[i, np.clip(d, 0, days - 1)]
    for arr in future_daily:
        vals = np.nan_to_num(arr[:, :days], nan=0.0)
        cols.append(_take(vals, i, d))
        # letters per open-day count: L[series, k] = sum over days whose count is k
        width = int(open_count.max()) + 1
        per_count = np.zeros(n * width)
        np.add.at(per_count, (np.arange(n)[:, None] * width + open_count).ravel(), vals.ravel())
        per_count = per_count.reshape(n, width)
        for lag in range(1, OPEN_LAGS + 1):
            k = k_target - lag
            cols.append(np.where(k >= 0, per_count[i, np.maximum(k, 0)], 0.0))
    h = d - c
    for arr in past_daily:
        days_p = arr.shape[1]
        week = np.stack([_take(arr, i, c - 1 - lag) for lag in range(7)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            usual = np.nanmedian(week, axis=0)
        for back in (0, 1):
            ahead = c - back
            excess = np.where(ahead < days_p, _take(arr, i, ahead), np.nan) - usual
            excess = np.nan_to_num(np.maximum(excess, 0.0), nan=0.0)
            cols += [np.where(h == a, excess, 0.0) for a in range(1, PAST_AHEAD + 1)]
    if not cols:
        return np.zeros((len(i), 0))
    return np.column_stack(cols).astype(np.float64)
