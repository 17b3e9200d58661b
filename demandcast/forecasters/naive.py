"""The benchmarks every model must beat: seasonal naive and the historical average.

Both work in local wall-clock *time*, not in row offsets: "a week earlier" means the
same weekday and time of day seven days before, so intraday series whose closed
intervals (nights, weekends, holidays) are absent, and DST days with 23 or 25
hours, are handled without counting rows. NaN and closed history is skipped.

Prediction intervals come from each model's own in-sample errors of the same
procedure. Count noise grows with the level, so the errors are first divided by
``sqrt(point + 1)`` (a Poisson-like variance stabiliser); the interval for level
``l`` is ``point + q * sqrt(point + 1) * s`` with ``q`` the empirical
``(100 - l) / 2`` and ``(100 + l) / 2`` percent quantiles of those scaled errors and
``s`` a horizon factor (see each class). With fewer than 10 in-sample errors the
quantiles of the standard normal are used instead.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError
from demandcast.forecasters.base import (
    FitInputs,
    LocalForecaster,
    default_season_length,
    finish_values,
)

__all__ = ["HistoricalAverage", "SeasonalNaive"]

_MIN_RESIDUALS = 10
_TAGS = {"handles_missing": True, "deterministic": True, "backtest_fast": True}
_MAX_SEASONS_BACK = 60


def _step(freq: str) -> pd.Timedelta:
    step = _time.step(freq)
    if step is None:
        raise ConfigError(
            f"freq={freq!r}: the naive models need a fixed-length grid (D, h, 30min, ...); "
            "resample the series to days or shorter intervals"
        )
    return step


def _scaled_quantiles(z: np.ndarray, level: tuple) -> dict[Any, tuple[float, float]]:
    z = z[np.isfinite(z)]
    out = {}
    for lv in level:
        lo_p, hi_p = (100 - lv) / 200, (100 + lv) / 200
        if len(z) >= _MIN_RESIDUALS:
            out[lv] = (float(np.quantile(z, lo_p)), float(np.quantile(z, hi_p)))
        else:
            norm = NormalDist()
            out[lv] = (norm.inv_cdf(lo_p), norm.inv_cdf(hi_p))
    return out


def _bounds(point: np.ndarray, quantiles: dict, level: tuple, factor: np.ndarray) -> dict:
    out = {"mean": point}
    scale = np.sqrt(np.clip(point, 0, None) + 1.0) * factor
    for lv in level:
        q_lo, q_hi = quantiles[lv]
        out[f"lo-{lv}"] = point + q_lo * scale
        out[f"hi-{lv}"] = point + q_hi * scale
    return out


def _history(y: np.ndarray, ds: pd.DatetimeIndex) -> pd.Series:
    """Valid observations indexed by wall-clock time (duplicates from DST averaged)."""
    keep = np.isfinite(y)
    hist = pd.Series(y[keep], index=_time.wall(ds)[keep], dtype="float64")
    if hist.index.is_monotonic_increasing and hist.index.is_unique:
        return hist  # the usual case: no DST fall-back hour, already in order
    if not hist.index.is_unique:
        hist = hist.groupby(level=0).mean()
    return hist.sort_index()


def _lookup(times: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values`` at the sorted int64 ``times`` equal to ``wanted``; NaN where absent."""
    pos = np.clip(np.searchsorted(times, wanted), 0, len(times) - 1)
    return np.where(times[pos] == wanted, values[pos], np.nan)


def _window_quantiles(
    z: np.ndarray, code: np.ndarray, needed: np.ndarray, n_series: int, level: tuple
) -> np.ndarray:
    """``_scaled_quantiles`` of each series' errors (``z`` grouped by sorted ``code``).

    Series with the same number of errors share one ``np.quantile(..., axis=1)`` call,
    which gives each row exactly what the call on that row alone gives.
    """
    out = np.full((n_series, 2 * len(level)), np.nan)
    counts = np.bincount(code, minlength=n_series)
    starts = np.searchsorted(code, np.arange(n_series))
    norm = NormalDist()
    for n_obs in np.unique(counts[needed]):
        group = needed[counts[needed] == n_obs]
        if n_obs >= _MIN_RESIDUALS:
            block = z[starts[group][:, None] + np.arange(n_obs)[None, :]]
        for i, lv in enumerate(level):
            lo_p, hi_p = (100 - lv) / 200, (100 + lv) / 200
            if n_obs >= _MIN_RESIDUALS:
                out[group, 2 * i] = np.quantile(block, lo_p, axis=1)
                out[group, 2 * i + 1] = np.quantile(block, hi_p, axis=1)
            else:
                out[group, 2 * i] = norm.inv_cdf(lo_p)
                out[group, 2 * i + 1] = norm.inv_cdf(hi_p)
    return out


class _Panel:
    """Open observations with a value of every series (what ``_fit_one`` keeps), as
    arrays in frame order, and the test rows of a backtest mapped onto them."""

    def __init__(self, frame: pd.DataFrame, tests: pd.DataFrame) -> None:
        codes, uniques = pd.factorize(frame["unique_id"], sort=True)
        self.n_series = len(uniques)
        y = frame["y"].to_numpy(dtype="float64")
        ds = pd.DatetimeIndex(frame["ds"]).as_unit("ns")
        ok = frame["is_open"].to_numpy(dtype=bool) & np.isfinite(y)
        self.code, self.y = codes[ok].astype("int64"), y[ok]
        self.wall = _time.wall(ds).asi8[ok]  # ns, local wall-clock time
        self.real = ds.asi8[ok]
        self.tcode = pd.Index(uniques).get_indexer(tests["unique_id"])
        self.twall = _time.wall(pd.DatetimeIndex(tests["ds"]).as_unit("ns")).asi8
        self.tcut = pd.DatetimeIndex(tests["cutoff"]).as_unit("ns").asi8
        self.topen = tests["is_open"].to_numpy(dtype=bool)

    def usable(self) -> bool:
        """Rows sorted by series and time, wall-clock times strictly increasing per
        series (no repeated DST hour, which the per-window fit averages) and every
        tested series known."""
        if len(self.code) == 0 or (self.tcode < 0).any():
            return False
        same = np.diff(self.code) == 0
        return not (
            (np.diff(self.code) < 0).any()
            or (np.diff(self.wall)[same] <= 0).any()
            or (np.diff(self.real)[same] <= 0).any()
        )

    def window(self, first: Any, cutoff: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of the training part ``first <= ds <= cutoff``, and per series the
        position of its first and last such row (-1: none)."""
        inw = (self.real >= pd.Timestamp(first).value) & (self.real <= pd.Timestamp(cutoff).value)
        idx = np.flatnonzero(inw)
        start = np.full(self.n_series, -1, dtype="int64")
        end = np.full(self.n_series, -1, dtype="int64")
        if len(idx):
            bounds = np.flatnonzero(np.diff(self.code[idx])) + 1
            heads, tails = np.r_[0, bounds], np.r_[bounds, len(idx)] - 1
            start[self.code[idx[heads]]] = idx[heads]
            end[self.code[idx[tails]]] = idx[tails]
        return inw, start, end

    def windows(self, splits: pd.DataFrame) -> list[tuple[np.ndarray, ...]] | None:
        """Per backtest window with test rows: ``(rows, inw, start, end, needed)``,
        the test rows, :meth:`window` of its training part and the tested series.
        None when a tested series has no training row (the per-window path decides)."""
        plan = []
        for w in splits.itertuples(index=False):
            rows = np.flatnonzero(self.tcut == pd.Timestamp(w.cutoff).value)
            if not len(rows):
                continue
            inw, start, end = self.window(w.train_first, w.cutoff)
            needed = np.unique(self.tcode[rows])
            if (end[needed] < 0).any():
                return None
            plan.append((rows, inw, start, end, needed))
        return plan


def _finish_rows(
    out: np.ndarray, rows: np.ndarray, point: np.ndarray, quant: np.ndarray,
    code: np.ndarray, factor: np.ndarray, is_open: np.ndarray, n_levels: int,
) -> bool:  # fmt: skip
    """``_bounds`` then ``finish_values`` into ``out[rows]``; False on a non-finite value."""
    scale = np.sqrt(np.clip(point, 0, None) + 1.0) * factor
    values = np.empty((len(rows), out.shape[1]))
    values[:, 0] = point
    for i in range(n_levels):
        values[:, 1 + 2 * i] = point + quant[code, 2 * i] * scale
        values[:, 2 + 2 * i] = point + quant[code, 2 * i + 1] * scale
    if not np.isfinite(values).all():
        return False  # the per-window path names the rows
    out[rows] = finish_values(values, n_levels, is_open)
    return True


def _seasonal_naive_windows(
    frame: pd.DataFrame,
    splits: pd.DataFrame,
    tests: pd.DataFrame,
    level: tuple,
    offset: pd.Timedelta,
) -> np.ndarray | None:
    """:meth:`SeasonalNaive._backtest_fast` for all series and windows at once.

    The history of each (series, window) is a contiguous run of the series' open
    observations with a value; one sorted key (series, wall-clock time) serves every
    lookup. None when :meth:`_Panel.usable` says no or the keys would not fit in 64
    bits.
    """
    pn = _Panel(frame, tests)
    if not pn.usable():
        return None
    vc, vy, vt = pn.code, pn.y, pn.wall
    # one int64 key per (series, wall-clock time), in units of the common divisor
    step = int(offset.value)
    base = int(vt.min())
    unit = int(np.gcd.reduce(np.concatenate([vt - base, pn.twall - base, [step]])))
    span = int((vt.max() - base) // unit) + 1
    if pn.n_series * span >= 2**62:
        return None
    vkey = vc * span + (vt - base) // unit

    def find(code: np.ndarray, wall: np.ndarray) -> np.ndarray:
        rel = wall - base
        inside = (rel >= 0) & (rel // unit < span)
        key = code * span + np.where(inside, rel, 0) // unit
        pos = np.clip(np.searchsorted(vkey, key), 0, len(vkey) - 1)
        return np.where(inside & (vkey[pos] == key), pos, -1)

    # in-sample errors of every observation against the one a season earlier
    prev = find(vc, vt - step)
    fitted = np.where(prev >= 0, vy[prev], np.nan)
    z = (vy - fitted) / np.sqrt(np.clip(fitted, 0, None) + 1.0)
    finite = np.isfinite(z)

    out = np.full((len(tests), 1 + 2 * len(level)), np.nan)
    plan = pn.windows(splits)
    if plan is None:
        return None
    for rows, inw, start, end, needed in plan:
        zi = np.flatnonzero(inw & finite & (prev >= start[vc]) & (prev >= 0))
        quant = _window_quantiles(z[zi], vc[zi], needed, pn.n_series, level)
        c, t = pn.tcode[rows], pn.twall[rows]
        ahead = (t - vt[end[c]]).astype("m8[ns]") / np.timedelta64(step, "ns")
        first = np.maximum(np.ceil(np.asarray(ahead, dtype="float64")).astype("int64"), 1)
        # first, first + 1, ... seasons back: each row keeps the first one observed
        point = np.full(len(rows), np.nan)
        seasons = first.astype("float64")
        todo = np.arange(len(rows))
        for k in range(_MAX_SEASONS_BACK):
            back = first[todo] + k
            pos = find(c[todo], t[todo] - back * step)
            hit = (pos >= 0) & (pos >= start[c[todo]])
            point[todo[hit]] = vy[pos[hit]]
            seasons[todo[hit]] = back[hit]
            todo = todo[~hit]
            if not len(todo):
                break
        point = np.nan_to_num(point, nan=0.0)
        if not _finish_rows(
            out, rows, point, quant, c, np.sqrt(seasons), pn.topen[rows], len(level)
        ):
            return None
    if np.isnan(out).any():
        return None
    return out


_SLOTS = 7 * 1440  # slot numbers (minute of the week) are below this


def _historical_average_windows(
    frame: pd.DataFrame, splits: pd.DataFrame, tests: pd.DataFrame, level: tuple, k_weeks: int
) -> np.ndarray | None:
    """:meth:`HistoricalAverage._backtest_fast` for all series and windows at once.

    The rolling slot means behind the in-sample errors are taken once over the whole
    history: each value depends only on earlier rows of its (series, slot), so a
    window's errors are a prefix of them. That holds for expanding windows only;
    sliding ones (and what :meth:`_Panel.usable` refuses) give None.
    """
    pn = _Panel(frame, tests)
    if not pn.usable():
        return None
    if (pd.DatetimeIndex(splits["train_first"]).as_unit("ns").asi8 > pn.real.min()).any():
        return None
    vc, vy, vt = pn.code, pn.y, pn.wall
    t = pd.DatetimeIndex(vt)
    slot = HistoricalAverage._slot(t)
    hist = pd.DataFrame({"c": vc, "slot": slot, "t": t, "y": vy})
    rolled = (
        hist.groupby(["c", "slot"], sort=False)
        .rolling(f"{7 * int(k_weeks)}D", on="t", closed="left")["y"]
        .mean()
        .reset_index(level=1, drop=True)  # (series, time): unique, in frame order once sorted
        .sort_index()
    )
    fitted = rolled.to_numpy()
    z = (vy - fitted) / np.sqrt(np.clip(fitted, 0, None) + 1.0)
    finite = np.isfinite(z)
    group = vc * _SLOTS + slot
    by_group = np.argsort(group, kind="stable")  # each (series, slot) in time order
    sorted_group = group[by_group]
    weeks = pd.Timedelta(weeks=int(k_weeks)).value

    out = np.full((len(tests), 1 + 2 * len(level)), np.nan)
    plan = pn.windows(splits)
    if plan is None:
        return None
    for rows, inw, _, end, needed in plan:
        zi = np.flatnonzero(inw & finite)
        quant = _window_quantiles(z[zi], vc[zi], needed, pn.n_series, level)
        # mean of each slot over the last k weeks up to the series' last observation
        recent = np.flatnonzero(inw & (vt > vt[end[vc]] - weeks))
        means = pd.Series(vy[recent]).groupby(group[recent]).mean()
        keys = means.index.to_numpy(dtype="int64")
        c = pn.tcode[rows]
        want = c * _SLOTS + HistoricalAverage._slot(pd.DatetimeIndex(pn.twall[rows]))
        pos = np.clip(np.searchsorted(keys, want), 0, max(len(keys) - 1, 0))
        found = (keys[pos] == want) if len(keys) else np.zeros(len(rows), dtype=bool)
        point = np.where(found, means.to_numpy()[pos] if len(keys) else np.nan, np.nan)
        # slots without a recent value: the k most recent of that slot
        lack = np.unique(want[~found])
        if len(lack):
            take, label = [], []
            for g in lack:
                lo, hi = np.searchsorted(sorted_group, [g, g + 1])
                part = by_group[lo:hi]
                part = part[: np.searchsorted(part, end[g // _SLOTS], side="right")]
                take.append(part[-int(k_weeks) :])
                label.append(np.full(len(take[-1]), g))
            older = pd.Series(vy[np.concatenate(take)]).groupby(np.concatenate(label)).mean()
            fill = older.reindex(want[~found]).to_numpy(dtype="float64")
            point[~found] = fill
        point = np.nan_to_num(point, nan=0.0)
        if not _finish_rows(
            out, rows, point, quant, c, np.ones(len(rows)), pn.topen[rows], len(level)
        ):
            return None
    if np.isnan(out).any():
        return None
    return out


class SeasonalNaive(LocalForecaster):
    """Seasonal naive: each interval repeats the value one season earlier.

    The value is looked up in local wall-clock time ``season_length`` intervals
    back; for horizons longer than a season the last observed season repeats. If the
    interval one season back was closed or missing, the model steps back one more
    season (up to 60) and predicts 0 when the time slot was never open.

    Intervals: the in-sample errors ``y_t - y_{t - season}`` (variance-stabilised,
    see the module docstring) give the quantiles; for a point ``m`` seasons ahead of
    the last observation the width grows with ``sqrt(m)``, as for a seasonal random
    walk.

    Parameters
    ----------
    season_length : int, optional
        Season in intervals of the series' frequency. Default: one week (7 for daily
        data, 336 for 30-minute data). E.g. ``season_length=364`` on daily data
        repeats the same weekday a year earlier.
    alias : str, optional
        Name of the forecast column; default ``"seasonal_naive"``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.date_range("2024-03-04", periods=21, freq="D", tz="Europe/Amsterdam")
    >>> df = pd.DataFrame({"unique_id": "a/desk", "ds": ds, "y": [float(d.weekday()) for d in ds]})
    >>> fc = SeasonalNaive().fit(df).predict(7, level=(80,))
    >>> fc["seasonal_naive"].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    """

    name: ClassVar[str] = "seasonal_naive"
    tags: ClassVar[dict[str, bool]] = _TAGS

    def __init__(self, season_length: int | None = None, alias: str | None = None) -> None:
        self.season_length = season_length
        self.alias = alias

    def _offset(self, freq: str | None = None) -> pd.Timedelta:
        freq = self.freq_ if freq is None else freq
        n = self.season_length
        if n is None:
            n = default_season_length(freq)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(
                f"season_length={self.season_length!r} is not allowed: give a positive whole "
                "number of intervals (e.g. 7 for a week of days) or None for one week"
            )
        return int(n) * _step(freq)

    def _fit(self, inputs: FitInputs) -> None:
        self.offset_ = self._offset()  # checked once, before looping over series
        super()._fit(inputs)

    def _fit_one(self, uid: str, y: np.ndarray, ds: pd.DatetimeIndex, X_one: Any) -> dict:
        hist = _history(y, ds)
        if hist.empty:
            raise ValueError("the series has no open interval with a value (all NaN or closed)")
        times = pd.DatetimeIndex(hist.index).as_unit("ns").asi8
        values = hist.to_numpy()
        prev = _lookup(times, values, times - self.offset_.value)
        fitted = np.where(np.isfinite(prev), prev, np.nan)
        z = (values - fitted) / np.sqrt(np.clip(fitted, 0, None) + 1.0)
        return {
            "hist": hist,
            "times": times,
            "last": hist.index.max(),
            "z": z[np.isfinite(z)],
        }

    def _predict_one(
        self, state: dict, h: int, ds_future: pd.DatetimeIndex, X_future_one: Any, level: tuple
    ) -> dict:
        hist: pd.Series = state["hist"]
        future = _time.wall(ds_future)
        offset = self.offset_
        # seasons back needed to land on or before the last observation
        first = np.ceil(np.asarray((future - state["last"]) / offset, dtype="float64"))
        first = np.maximum(first.astype("int64"), 1)
        # candidates first, first + 1, ... seasons back; take the first observed one
        back = first[:, None] + np.arange(_MAX_SEASONS_BACK)[None, :]
        cand = future.as_unit("ns").asi8[:, None] - back * offset.value
        times = state["times"]
        pos = np.clip(np.searchsorted(times, cand), 0, len(times) - 1)
        hit = times[pos] == cand
        any_hit = hit.any(axis=1)
        j = hit.argmax(axis=1)
        rows = np.arange(len(future))
        point = np.where(any_hit, hist.to_numpy()[pos[rows, j]], np.nan)
        seasons = np.where(any_hit, back[rows, j], first).astype("float64")
        point = np.nan_to_num(point, nan=0.0)  # slot never open in the history
        quantiles = _scaled_quantiles(state["z"], level)
        return _bounds(point, quantiles, level, np.sqrt(seasons))

    def _backtest_fast(
        self, frame: pd.DataFrame, splits: pd.DataFrame, tests: pd.DataFrame, level: tuple
    ) -> np.ndarray | None:
        """Every window's forecasts of the test rows at once (the backtest's shortcut).

        Gives exactly what fitting a clone at each cutoff and predicting would give
        on the rows of ``tests``, with all series and windows handled together. None
        when the shortcut does not apply (then the backtest fits per window, which
        also raises any error with its context).

        Parameters
        ----------
        frame : DataFrame
            The backtest's validated frame: ``unique_id, ds, y, is_open`` sorted by
            series and time, ``attrs["freq"]`` set.
        splits : DataFrame
            :meth:`BacktestWindows.split` of the frame.
        tests : DataFrame
            The scored rows: ``unique_id, ds, cutoff, is_open``.
        level : tuple
            Normalised interval levels.

        Returns
        -------
        ndarray or None
            One row per row of ``tests``, columns as :func:`interval_columns`.
        """
        try:
            offset = self._offset(str(frame.attrs["freq"]))
        except (ConfigError, KeyError):
            return None
        return _seasonal_naive_windows(frame, splits, tests, level, offset)


class HistoricalAverage(LocalForecaster):
    """Historical average: mean of the same weekday x time of day over the last k weeks.

    The classic call-centre benchmark, hard to beat at horizons of two weeks and
    more. For each future interval the model averages the observations at the same
    local weekday and time of day (same weekday for daily data) in the ``k_weeks``
    weeks up to the last observation, skipping closed and missing intervals. When
    that window has none, it averages the ``k_weeks`` most recent observations of that
    slot in the whole history; a slot never open predicts 0.

    Intervals: the in-sample errors of the same procedure (each observation against
    the mean of its slot over the ``k_weeks`` weeks before it), variance-stabilised
    as in the module docstring; the width does not grow with the horizon, since the
    average does not wander like a random walk.

    Parameters
    ----------
    k_weeks : int, default 4
        Number of weeks of history to average.
    alias : str, optional
        Name of the forecast column; default ``"historical_average"``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.date_range("2024-03-04", periods=14, freq="D", tz="Europe/Amsterdam")
    >>> df = pd.DataFrame({"unique_id": "a/phone", "ds": ds, "y": [10.0] * 7 + [20.0] * 7})
    >>> HistoricalAverage(k_weeks=2).fit(df).predict(2)["historical_average"].tolist()
    [15.0, 15.0]
    """

    name: ClassVar[str] = "historical_average"
    tags: ClassVar[dict[str, bool]] = _TAGS

    def __init__(self, k_weeks: int = 4, alias: str | None = None) -> None:
        self.k_weeks = k_weeks
        self.alias = alias

    @staticmethod
    def _slot(t: pd.DatetimeIndex) -> np.ndarray:
        return np.asarray(t.day_of_week * 1440 + t.hour * 60 + t.minute, dtype="int64")

    def _fit(self, inputs: FitInputs) -> None:
        k = self.k_weeks
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ConfigError(
                f"k_weeks={k!r} is not allowed: give a positive whole number of weeks, e.g. 4"
            )
        super()._fit(inputs)

    def _fit_one(self, uid: str, y: np.ndarray, ds: pd.DatetimeIndex, X_one: Any) -> dict:
        hist = _history(y, ds)
        if hist.empty:
            raise ValueError("the series has no open interval with a value (all NaN or closed)")
        frame = pd.DataFrame({"t": hist.index, "slot": self._slot(hist.index), "y": hist.values})
        window = f"{7 * int(self.k_weeks)}D"
        rolled = (
            frame.groupby("slot", sort=False)
            .rolling(window, on="t", closed="left")["y"]
            .mean()
            .reset_index(level=0, drop=True)
            .sort_index()
        )
        fitted = rolled.to_numpy()
        z = (frame["y"].to_numpy() - fitted) / np.sqrt(np.clip(fitted, 0, None) + 1.0)
        last = hist.index.max()
        recent = frame[frame["t"] > last - pd.Timedelta(weeks=int(self.k_weeks))]
        means = recent.groupby("slot")["y"].mean()
        older = frame.groupby("slot").tail(int(self.k_weeks)).groupby("slot")["y"].mean()
        means = means.combine_first(older)
        return {"means": means, "z": z[np.isfinite(z)]}

    def _backtest_fast(
        self, frame: pd.DataFrame, splits: pd.DataFrame, tests: pd.DataFrame, level: tuple
    ) -> np.ndarray | None:
        """Every window's forecasts of the test rows at once (the backtest's shortcut).

        As :meth:`SeasonalNaive._backtest_fast`: exactly the per-window fits' values on
        the rows of ``tests``, or None when the shortcut does not apply.
        """
        k = self.k_weeks
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            return None  # the per-window fit raises the ConfigError
        return _historical_average_windows(frame, splits, tests, level, int(k))

    def _predict_one(
        self, state: dict, h: int, ds_future: pd.DatetimeIndex, X_future_one: Any, level: tuple
    ) -> dict:
        slots = self._slot(_time.wall(ds_future))
        point = state["means"].reindex(slots).to_numpy(dtype="float64")
        point = np.nan_to_num(point, nan=0.0)  # slot never open in the history
        quantiles = _scaled_quantiles(state["z"], level)
        return _bounds(point, quantiles, level, np.ones(len(point)))
