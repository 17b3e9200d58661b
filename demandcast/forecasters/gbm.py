"""``gbm``: one global gradient-boosting model across all series.

A scikit-learn :class:`~sklearn.ensemble.HistGradientBoostingRegressor` learns
``y / baseline`` for every series at once (the baseline is the 4-week historical
average of the same weekday and time of day as known at the cutoff), *directly* for
each horizon: training examples are cut from the history at many pseudo-cutoffs,
and every feature of a target uses only data up to its cutoff (see
:mod:`demandcast.forecasters._features`).
So the model learns how the future relates to what is known at the cutoff, at each
distance, and the same features are built at predict time from the real cutoff.

Design decisions:

- Cutoffs are the ends of local days. Every day with at least 7 days of history
  before it is a candidate; when ``n_cutoffs`` is None the model uses as many as fit
  in its row budget, evenly spaced back from the last day (never a whole number of
  weeks apart, so cutoffs fall on every weekday). Each cutoff contributes its
  targets up to ``horizon_days`` ahead. The budget is ``rows_per_obs`` rows per
  observed value, at least 100,000 and at most ``max_train_rows``: every cutoff
  repeats each value at up to ``horizon_days`` distances, and fitting on all of
  them cost 28 times the rows for 1-2 % lower WAPE on large panels (300 simulated
  daily series: 0.5 rows per value 10.6-10.9 %, 1 row 10.5 %, mlforecast with the
  same trees 11.1 %). The floor keeps every row of short histories: one series
  (Wikipedia page views) lost 5-15 % WAPE at 25,000-50,000 rows.
- Loss: squared error on ``y / baseline``, unweighted (scikit-learn's
  ``sample_weight`` path is about ten times slower). Predicting a correction of the
  historical average beat predicting ``y / series level`` on the bank calls
  (6.3 % against 10.2 % WAPE on the last 5 days). ``day_of_year`` is a feature only
  from two years of history on (before, it overfits dates it never sees again).
- Regressors enter twice. A *linear response stage* comes first: per series, a
  ridge regression of the target on each future regressor's daily total on the
  target day and 1-7 open days before it, and on each past regressor's excess over
  its weekly median on the cutoff day and the day before (1-3 days ahead), with
  every series' slopes shrunk towards the pooled ones. The trees then model the
  rest, ``target - response``, and still see the regressor features. Trees cannot
  extrapolate: a mailing four times larger than any in training got the response
  of the largest one (16 % lower WAPE after events on the simulator against 53 %
  with the response stage).
- The baseline is at least one contact (``BASE_FLOOR``): on a near-empty series
  (the tail of a shock) the target is ``y`` itself, not ``y`` over a tiny average.
- Closed (``is_open == False``) and missing intervals are never targets nor part of
  any baseline; a weekday x time slot never open in a series' history forecasts 0.
- Intervals (``quantile_method="conformal"``, default): split-conformal. A second
  model is fitted on the targets up to ``T`` (``T`` = the last day minus
  ``min(2 * horizon_days, days // 3)``) and predicts the targets of the cutoffs after
  ``T``; its errors, divided by ``sqrt(point + 1)`` and by a per-series dispersion
  factor (shrunk to the pooled value), give empirical quantiles per horizon bucket
  (1, 2-3, 4-7, 8-14, 15-28, 29+ days). The second model boosts an eighth of the
  rounds at eight times the learning rate: an eighth of the cost, and errors a
  little larger than the final model's, so the bands err on the wide side (80 %
  coverage with a quarter of the rounds / an eighth, fewer columns: simulator 0.771 /
  0.770, bank calls 0.760 / 0.760). Too
  short a history for that: the final model's in-sample errors are used
  (narrower). ``quantile_method="quantile"`` fits quantile-loss models for the
  levels 80 and 95 instead.
- Series identity is a categorical feature when there are 2 to 250 series. The
  channel (the part of ``unique_id`` after the last ``/``) is not: on 300 simulated
  series of three channels it did not lower WAPE, and every column costs fitting
  time (see :mod:`demandcast.forecasters._features` for the columns left out).
- A series without any open value or with less than 7 days of history cannot be
  fitted: :class:`~demandcast.exceptions.ForecasterFitError` names it, or with
  ``fallback`` set that model takes over the series with a logged warning.
- Output is bit-identical for the same inputs and ``random_state`` (it seeds the bin
  thresholds that scikit-learn draws from a subsample of large training sets); the
  thread count ``n_jobs`` does not change it.
"""

from __future__ import annotations

import logging
import math
import numbers
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import positive_int
from demandcast.exceptions import ConfigError, ForecasterFitError
from demandcast.forecast_frame import interval_columns
from demandcast.forecasters import _features as feat
from demandcast.forecasters.base import (
    HORIZON_BUCKETS,
    BaseForecaster,
    FallbackState,
    FitInputs,
    horizon_bucket,
)

__all__ = ["GBM"]

logger = logging.getLogger("demandcast")

_MIN_HISTORY_DAYS = 7
_MIN_BUCKET = 50
_SHRINK = 50.0
_MAX_CATEGORIES = 250
_QUANTILE_LEVELS = (80, 95)
_MIN_ITER, _ROWS_PER_ITER = 60, 20  # small training sets: fewer boosting rounds
_CAL_SPEEDUP = 8  # the calibration model: an eighth of the rounds, 8x the learning rate
_MIN_ROWS = 100_000  # training rows kept at least (short histories keep them all)
_RIDGE = 1.0  # penalty of the response slopes (inputs scaled to at most 1)


def _group_medians(values: np.ndarray, groups: np.ndarray, n: int, empty: float) -> np.ndarray:
    """Median of ``values`` per group ``0..n-1`` (``empty`` for a group without any).

    Examples
    --------
    >>> _group_medians(np.array([1.0, 5.0, 2.0, 4.0]), np.array([0, 0, 0, 2]), 3, -1.0)
    array([ 2., -1.,  4.])
    """
    order = np.lexsort((values, groups))
    v = values[order]
    counts = np.bincount(groups, minlength=n)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    lo = start + (counts - 1) // 2
    hi = start + counts // 2
    has = counts > 0
    out = np.full(n, float(empty))
    out[has] = (v[lo[has]] + v[hi[has]]) / 2
    return out


class GBM(BaseForecaster):
    """Global gradient boosting (scikit-learn HistGradientBoosting) across all series.

    Parameters
    ----------
    max_iter : int, default 300
        Most boosting rounds. Small training sets use fewer: ``max(60, rows // 20)``
        (the number used is ``n_iter_``), which keeps fits on short histories quick.
    learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.
    k_weeks : tuple of int, default (2, 4, 8)
        Windows (weeks) of the historical-average features (the 4-week one is
        always the baseline; a 1-week window repeats the last same-weekday value).
    horizon_days : int, default 28
        Days ahead each training cutoff covers; forecasts further ahead use the
        features of the furthest trained distance.
    n_cutoffs : int, optional
        Number of training cutoffs; default as many as ``max_train_rows`` allows.
    max_train_rows : int, default 1_000_000
        Bound on the training rows (memory: about 200 bytes per row).
    rows_per_obs : float, default 0.5
        Training rows per observed value (see the module docstring), at least
        100,000 rows; the fit time grows with it.
    quantile_method : {"conformal", "quantile"}, default "conformal"
        How intervals are made (see the module docstring).
    region : {"noord", "midden", "zuid"} or None, default "midden"
        School-holiday region of the calendar features.
    random_state : int, default 0
        Seed; same inputs and seed give bit-identical forecasts.
    fallback : str, optional
        Registry name of a model (e.g. ``"seasonal_naive"``) that takes over a series
        this model cannot fit.
    alias : str, optional
        Name of the forecast column; default ``"gbm"``.
    n_jobs : int, optional
        Threads for OpenMP and BLAS during fit, update and predict (-1: every usable
        core). None: the ``DEMANDCAST_N_JOBS`` environment variable, else the cores
        this process may use, or the setting of the ``ensemble``/``auto`` it is a
        member of (see :func:`~demandcast.forecasters.base.thread_limit`).

    Examples
    --------
    >>> from demandcast.testing import example_data
    >>> df = example_data("D")
    >>> fc = GBM(max_iter=50).fit(df).predict(7, level=(80,))
    >>> list(fc.columns)
    ['unique_id', 'ds', 'gbm', 'gbm-lo-80', 'gbm-hi-80']
    >>> bool((fc["gbm-lo-80"] <= fc["gbm"]).all() and (fc["gbm"] >= 0).all())
    True
    """

    name: ClassVar[str] = "gbm"
    tags: ClassVar[dict[str, bool]] = {
        "future_regressors": True,
        "past_regressors": True,
        "global_model": True,
        "handles_missing": True,
        "intervals": True,
        "intraday": True,
        "supports_update": True,
    }
    thread_modules: ClassVar[tuple[str, ...]] = ("sklearn.ensemble",)  # its OpenMP

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Fewer boosting iterations: the suite checks the contract, not accuracy."""
        return {"max_iter": 40}

    def __init__(
        self,
        max_iter: int = 300,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        k_weeks: tuple[int, ...] = (2, 4, 8),
        horizon_days: int = 28,
        n_cutoffs: int | None = None,
        max_train_rows: int = 1_000_000,
        rows_per_obs: float = 0.5,
        quantile_method: str = "conformal",
        region: str | None = "midden",
        random_state: int | None = 0,
        fallback: str | None = None,
        alias: str | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.k_weeks = k_weeks
        self.horizon_days = horizon_days
        self.n_cutoffs = n_cutoffs
        self.max_train_rows = max_train_rows
        self.rows_per_obs = rows_per_obs
        self.quantile_method = quantile_method
        self.region = region
        self.random_state = random_state
        self.fallback = fallback
        self.alias = alias
        self.n_jobs = n_jobs

    # -- parameters -------------------------------------------------------------

    def _check_params(self) -> tuple[tuple[int, ...], int]:
        k = self.k_weeks
        if isinstance(k, numbers.Integral) and not isinstance(k, bool):
            k = (k,)
        try:
            ks = tuple(sorted({positive_int(v, "k_weeks", "e.g. (2, 4, 8)") for v in k}))
        except TypeError:
            raise ConfigError(
                f"k_weeks={self.k_weeks!r} is not allowed: give positive whole numbers of "
                "weeks, e.g. (2, 4, 8)"
            ) from None
        if not ks:
            raise ConfigError("k_weeks=() is not allowed: give at least one window, e.g. (4,)")
        horizon = positive_int(self.horizon_days, "horizon_days", "e.g. 28")
        if self.n_cutoffs is not None:
            positive_int(self.n_cutoffs, "n_cutoffs", "e.g. 100, or None for automatic")
        positive_int(self.max_train_rows, "max_train_rows", "e.g. 1_000_000")
        r = self.rows_per_obs
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not math.isfinite(r) or r <= 0:
            raise ConfigError(
                f"rows_per_obs={r!r} is not allowed: give a positive number of training "
                "rows per observed value, e.g. 0.5 (more is slower, rarely more accurate)"
            )
        if self.quantile_method not in ("conformal", "quantile"):
            raise ConfigError(
                f"quantile_method={self.quantile_method!r} is not allowed: use 'conformal' "
                "or 'quantile'"
            )
        return ks, horizon

    def _hgb(self, speedup: int = 1, **loss: Any):
        from sklearn.ensemble import HistGradientBoostingRegressor

        n_iter = max(1, -(-self.n_iter_ // speedup))
        return HistGradientBoostingRegressor(
            max_iter=n_iter,
            learning_rate=min(1.0, self.learning_rate * self.n_iter_ / n_iter),
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=self.categorical_ or None,
            early_stopping=False,
            random_state=self.random_state,
            **loss,
        )

    # -- fit ----------------------------------------------------------------------

    def _fit(self, inputs: FitInputs) -> None:
        df, X = inputs.df, inputs.X
        k_weeks, horizon = self._check_params()
        try:
            p, step = feat.slots_per_day(self.freq_)
            if p == 1 and _time.step(self.freq_) != pd.Timedelta(days=1):
                raise ValueError
        except (TypeError, ValueError):
            raise ConfigError(
                f"freq={self.freq_!r}: model 'gbm' works on daily or intraday grids (D, h, "
                "30min, ...); resample the series to days"
            ) from None
        codes = pd.Categorical(df["unique_id"], categories=self.series_).codes.astype(np.int64)
        day, slot = feat.wall_position(df["ds"], self.tz_, step)
        y = df["y"].to_numpy(dtype="float64")
        valid = df["is_open"].to_numpy(dtype=bool) & np.isfinite(y)

        self.fallbacks_: dict[str, FallbackState] = {}
        for uid, idx in df.groupby("unique_id", sort=True).indices.items():
            uid = str(uid)
            ok_days = day[idx][valid[idx]]
            reason = None
            if len(ok_days) == 0:
                reason = "the series has no open interval with a value (all NaN or closed)"
            elif day[idx].max() - day[idx].min() + 1 < _MIN_HISTORY_DAYS:
                reason = (
                    f"the series spans {day[idx].max() - day[idx].min() + 1} day(s); the "
                    f"weekday baselines need at least {_MIN_HISTORY_DAYS}"
                )
            if reason is not None:

                def fail(reason=reason):
                    raise ValueError(reason)

                state = self._fit_with_fallback(uid, fail, df.iloc[idx])
                self.fallbacks_[uid] = state
        usable = ~np.isin(codes, [self.series_.index(u) for u in self.fallbacks_])
        valid &= usable

        self.future_ = [c for c, r in self.roles_.items() if r == "future"]
        self.past_ = [c for c, r in self.roles_.items() if r == "past"]
        regs = {} if X is None else {c: X[c].to_numpy(dtype="float64") for c in self.roles_}
        pan = feat.build_panel(
            codes, day, slot, y, valid, len(self.series_), p, step, k_weeks, regs
        )
        self.panel_ = pan
        self.p_, self.step_ = p, step
        self.horizon_ = horizon
        self._set_cutoffs(self.last_ds_)
        self.yearly_ = pan.n_days >= 730
        self._identity()

        i, d, s, c = self._examples(pan, valid, codes, day - pan.day0, slot)
        if len(i) == 0:
            return self._fail_all(df, "no training example: every series is shorter than 8 days")
        calendar = feat.calendar_table(pan.day0, pan.day0 + pan.n_days - 1, p, step, self.region)
        future = {r: pan.reg[r] for r in self.future_}
        Xtr, base = feat.make_features(
            pan,
            i,
            d,
            s,
            c,
            calendar=calendar,
            cal_day0=pan.day0,
            future=future,
            past=self.past_,
            ids=self.ids_,
            yearly=self.yearly_,
        )
        keep = np.isfinite(base)
        Xtr, base, i, d, c = Xtr[keep], base[keep], i[keep], d[keep], c[keep]
        target = pan.y[i, d, s[keep]] / base
        self.n_train_rows_ = len(target)
        self.n_iter_ = min(
            positive_int(self.max_iter, "max_iter", "e.g. 300"),
            max(_MIN_ITER, self.n_train_rows_ // _ROWS_PER_ITER),
        )
        self.weekday_open_ = np.stack(
            [
                np.isfinite(pan.y[:, (np.arange(pan.n_days) + pan.day0 + 3) % 7 == w]).any(
                    axis=(1, 2)
                )
                for w in range(7)
            ],
            axis=1,
        )
        L = self._response_inputs(i, d, c, future, pan.n_days)
        try:
            self.response_ = self._fit_response(L, target, i)
            resid = target - self._response(L, i, self.response_)
            self.model_ = self._hgb().fit(Xtr, resid)
            if self.quantile_method == "quantile":
                self.quantile_models_ = {
                    q: self._hgb(loss="quantile", quantile=q).fit(Xtr, resid)
                    for lv in _QUANTILE_LEVELS
                    for q in ((100 - lv) / 200, (100 + lv) / 200)
                }
            else:
                self._conformal(Xtr, L, target, base, i, d, c)
        except Exception as err:  # the global fit failed: all series at once
            return self._fail_all(df, f"{type(err).__name__}: {err}", err)

    def _set_cutoffs(self, last_ds: dict[str, pd.Timestamp]) -> None:
        """Each series' cutoff: the panel day of its last ``ds``."""
        self.cutoff_ = {
            u: int(feat.wall_position(pd.DatetimeIndex([t]), self.tz_, self.step_)[0][0])
            - self.panel_.day0
            for u, t in last_ds.items()
        }

    # -- update -------------------------------------------------------------------

    def _update(self, inputs: FitInputs) -> None:
        """New observations without re-training.

        The trees, the response slopes and the interval residuals stay as fitted; the
        history grows, so the next forecasts start after the new observations and
        their features (historical averages, last values, level, regressor lags) are
        computed from it, as at a real cutoff: one global model per refit.

        Examples
        --------
        >>> from demandcast.testing import example_data
        >>> df = example_data("D")
        >>> cut = df["ds"].max() - pd.Timedelta(days=7)
        >>> model = GBM(max_iter=50).fit(df[df["ds"] <= cut])
        >>> trees = model.model_
        >>> model.update(df[df["ds"] > cut]).model_ is trees  # not re-trained
        True
        >>> bool(model.predict(7)["ds"].min() > df["ds"].max())
        True
        """
        frame, X_aligned = inputs.df, inputs.X
        served = sorted(set(frame["unique_id"].astype(str)) & set(self.fallbacks_))
        if served:
            raise ForecasterFitError(
                self.name,
                served[0],
                "the series is served by the fallback model, which cannot be updated "
                "without re-training; refit with fit()",
            )
        codes = pd.Categorical(frame["unique_id"], categories=self.series_).codes.astype(np.int64)
        day, slot = feat.wall_position(frame["ds"], self.tz_, self.step_)
        y = frame["y"].to_numpy(dtype="float64")
        valid = frame["is_open"].to_numpy(dtype=bool) & np.isfinite(y)
        regs = (
            {}
            if X_aligned is None
            else {c: X_aligned[c].to_numpy(dtype="float64") for c in self.roles_}
        )
        self.panel_ = feat.extend_panel(self.panel_, codes, day, slot, y, valid, regs)
        self._set_cutoffs(self._advanced_last_ds(frame))

    # -- linear response stage -------------------------------------------------------

    def _response_inputs(self, i, d, c, future: dict, n_days: int) -> np.ndarray:
        """Response-stage inputs of targets ``(i, d)`` from cutoffs ``c`` (see _features)."""
        if not self.future_ and not self.past_:
            return np.zeros((len(i), 0))
        count = feat.open_day_count(self.weekday_open_, self.panel_.day0, n_days)
        return feat.response_features(
            i,
            d,
            c,
            future_daily=[feat.daily_totals(future[r]) for r in self.future_],
            open_count=count,
            past_daily=[feat.daily_totals(self.panel_.reg[r]) for r in self.past_],
        )

    def _fit_response(self, L: np.ndarray, target: np.ndarray, i: np.ndarray) -> np.ndarray:
        """Per-series ridge slopes of the target on the response inputs.

        Each series' slopes shrink towards the pooled ones, so a series that never
        saw a mailing borrows from those that did. Returns ``(n_series, n_inputs)``
        slopes on inputs divided by their largest training value.
        """
        n = len(self.series_)
        if L.shape[1] == 0:
            return np.zeros((n, 0))
        top = np.abs(L).max(axis=0)
        top = np.where(top > 0, top, 1.0)
        Z = L / top
        active = np.flatnonzero((Z != 0).any(axis=1))
        k = Z.shape[1]

        def solve(rows_all: np.ndarray, rows_nz: np.ndarray, prior: np.ndarray) -> np.ndarray:
            # [1, Z] normal equations; rows without any input only touch the intercept
            A = np.zeros((k + 1, k + 1))
            b = np.zeros(k + 1)
            A[0, 0] = len(rows_all)
            b[0] = target[rows_all].sum()
            Zn, tn = Z[rows_nz], target[rows_nz]
            A[0, 1:] = A[1:, 0] = Zn.sum(axis=0)
            A[1:, 1:] = Zn.T @ Zn
            b[1:] = Zn.T @ tn
            penalty = np.diag(np.r_[1e-9, np.full(k, _RIDGE)])
            return np.linalg.solve(A + penalty, b + penalty @ np.r_[0.0, prior])[1:]

        pooled = solve(np.arange(len(target)), active, np.zeros(k))
        slopes = np.tile(pooled, (n, 1))
        by_series = np.split(
            np.argsort(i, kind="stable"), np.cumsum(np.bincount(i, minlength=n))[:-1]
        )
        for g, rows in enumerate(by_series):
            nz = rows[(Z[rows] != 0).any(axis=1)]
            if len(nz):
                slopes[g] = solve(rows, nz, pooled)
        return slopes / top

    @staticmethod
    def _response(L: np.ndarray, i: np.ndarray, slopes: np.ndarray) -> np.ndarray:
        if L.shape[1] == 0:
            return np.zeros(len(i))
        return np.einsum("ij,ij->i", L, slopes[i])

    def _identity(self) -> None:
        n = len(self.series_)
        cols, names = [], []
        if 1 < n <= _MAX_CATEGORIES:
            cols.append(np.arange(n))
            names.append("series")
        self.ids_ = np.column_stack(cols) if cols else np.empty((n, 0))
        self.feature_names_ = feat.feature_names(
            self.panel_.k_weeks, self.future_, self.past_, self.p_, names, self.yearly_
        )
        self.categorical_ = [name == "series" for name in self.feature_names_]
        if not any(self.categorical_):
            self.categorical_ = []

    def _fail_all(self, df: pd.DataFrame, reason: str, err: Exception | None = None) -> None:
        if not self.fallback:
            failing = [u for u in self.series_ if u not in self.fallbacks_]
            shown = ", ".join(repr(u) for u in failing[:5])
            raise ForecasterFitError(
                self.name, failing[0] if len(failing) == 1 else None, f"{reason} (series {shown})"
            ) from err
        self.model_ = None
        for uid, idx in df.groupby("unique_id", sort=True).indices.items():
            if str(uid) not in self.fallbacks_:

                def fail(reason=reason):
                    raise ValueError(reason)

                self.fallbacks_[str(uid)] = self._fit_with_fallback(str(uid), fail, df.iloc[idx])

    def _examples(self, pan, valid, codes, day, slot):
        """Target rows (series, day, slot, cutoff) of the training cutoffs."""
        order = np.argsort(day[valid], kind="stable")
        ti, td, ts = codes[valid][order], day[valid][order], slot[valid][order]
        last = pan.n_days - 1
        candidates = np.arange(last - 1, _MIN_HISTORY_DAYS - 2, -1)  # newest first
        if len(candidates) == 0 or len(td) == 0:
            return (np.empty(0, np.int64),) * 4
        lo = np.searchsorted(td, candidates, side="right")
        hi = np.searchsorted(td, candidates + self.horizon_, side="right")
        rows = hi - lo
        budget = self._row_budget(len(td))
        if self.n_cutoffs is not None:
            stride = max(1, len(candidates) // int(self.n_cutoffs))
        else:
            stride = max(1, math.ceil(rows.sum() / budget))
        if stride > 1 and stride % 7 == 0:
            stride += 1
        chosen = np.arange(0, len(candidates), stride)
        if self.n_cutoffs is not None:
            chosen = chosen[: int(self.n_cutoffs)]
        while rows[chosen].sum() > budget and len(chosen) > 1:
            chosen = chosen[:-1]
        take = np.concatenate([np.arange(lo[j], hi[j]) for j in chosen])
        cut = np.repeat(candidates[chosen], rows[chosen])
        return ti[take], td[take], ts[take], cut

    def _row_budget(self, n_obs: int) -> int:
        """Training rows: ``rows_per_obs`` per observed target, at least ``_MIN_ROWS``."""
        auto = max(_MIN_ROWS, math.ceil(float(self.rows_per_obs) * n_obs))
        return min(int(self.max_train_rows), auto)

    def _conformal(self, Xtr, L, target, base, i, d, c) -> None:
        last = self.panel_.n_days - 1
        span = min(2 * self.horizon_, (last + 1) // 3)
        split = last - span
        train, cal = d <= split, c >= split
        point = None
        if (
            span >= _MIN_HISTORY_DAYS
            and train.sum() > 10 * self.min_samples_leaf
            and cal.sum() >= 30
        ):
            slopes = self._fit_response(L[train], target[train], i[train])
            resid = target[train] - self._response(L[train], i[train], slopes)
            model = self._hgb(speedup=_CAL_SPEEDUP).fit(Xtr[train], resid)
            rows = cal
            ratio = model.predict(Xtr[rows]) + self._response(L[rows], i[rows], slopes)
            point = np.clip(ratio, 0, None) * base[rows]
            self.calibration_ = "split"
        else:
            rows = np.ones(len(target), dtype=bool)
            ratio = self.model_.predict(Xtr) + self._response(L, i, self.response_)
            point = np.clip(ratio, 0, None) * base
            self.calibration_ = "in-sample"
        y = target[rows] * base[rows]
        z = (y - point) / np.sqrt(point + 1.0)
        series = i[rows]
        pooled = float(np.median(np.abs(z))) or 1.0
        n = np.bincount(series, minlength=len(self.series_)).astype(float)
        med = _group_medians(np.abs(z), series, len(self.series_), pooled)
        factor = (n * med + _SHRINK * pooled) / (n + _SHRINK) / pooled
        factor = np.where(factor > 0, factor, 1.0)
        z = z / factor[series]
        bucket = horizon_bucket(d[rows] - c[rows])
        table: dict[int, np.ndarray] = {}
        for b in range(len(HORIZON_BUCKETS)):
            vals = np.sort(z[bucket == b])
            if len(vals) >= _MIN_BUCKET:
                table[b] = vals
        if not table:
            table[0] = np.sort(z)
        for b in range(len(HORIZON_BUCKETS)):  # thin buckets borrow from the nearest filled one
            if b not in table:
                near = min(table, key=lambda k, b=b: (abs(k - b), -k))
                table[b] = table[near]
        self.residuals_ = table
        self.dispersion_ = factor

    # -- predict ------------------------------------------------------------------

    def _predict(self, h: int, X_future: pd.DataFrame | None, level: tuple) -> pd.DataFrame:
        if self.quantile_method == "quantile":
            odd = [lv for lv in level if lv not in _QUANTILE_LEVELS]
            if odd:
                raise ConfigError(
                    f"level={odd!r}: with quantile_method='quantile' the model has quantile "
                    f"models for levels {_QUANTILE_LEVELS} only; use those or "
                    "quantile_method='conformal'"
                )
        grid = self.future_ds(h)
        cols = interval_columns(self.alias_, level)
        values = np.zeros((len(grid), len(cols)))
        uid = grid["unique_id"].to_numpy()
        fitted = (
            ~np.isin(uid, list(self.fallbacks_)) if self.fallbacks_ else np.ones(len(grid), bool)
        )
        if getattr(self, "model_", None) is not None and fitted.any():
            values[fitted] = self._predict_model(grid[fitted], X_future, fitted, level)
        for name, state in self.fallbacks_.items():
            rows = uid == name
            res = state.predict(h, level)
            keys = ["mean"] + [f"{side}-{lv}" for lv in level for side in ("lo", "hi")]
            for j, key in enumerate(keys):
                values[rows, j] = res[key]
        out = grid.copy()
        for j, col in enumerate(cols):
            out[col] = values[:, j]
        return out

    def _predict_model(self, grid, X_future, rows, level) -> np.ndarray:
        pan = self.panel_
        i = pd.Categorical(grid["unique_id"], categories=self.series_).codes.astype(np.int64)
        day, s = feat.wall_position(grid["ds"], self.tz_, self.step_)
        d = day - pan.day0
        c = np.array([self.cutoff_[u] for u in self.series_])[i]
        n_ext = max(pan.n_days, int(d.max()) + 1)
        future = {}
        for r in self.future_:
            arr = np.full((len(self.series_), n_ext, pan.p), np.nan)
            arr[:, : pan.n_days] = pan.reg[r]
            vals = X_future[r].to_numpy(dtype="float64")[rows]
            arr[i, d, s] = 0.0
            np.add.at(arr, (i, d, s), vals)
            future[r] = arr
        first = int(d.min())
        calendar = feat.calendar_table(
            pan.day0 + first, pan.day0 + int(d.max()), pan.p, self.step_, self.region
        )
        Xf, base = feat.make_features(
            pan,
            i,
            d,
            s,
            c,
            calendar=calendar,
            cal_day0=pan.day0 + first,
            future=future,
            past=self.past_,
            ids=self.ids_,
            yearly=self.yearly_,
        )
        L = self._response_inputs(i, d, c, future, n_ext)
        response = self._response(L, i, self.response_)
        point = np.clip(self.model_.predict(Xf) + response, 0, None) * base
        quant = {}
        if self.quantile_method == "quantile" and level:
            quant = {
                q: np.clip(m.predict(Xf) + response, 0, None) * base
                for q, m in self.quantile_models_.items()
            }
        never = ~np.isfinite(Xf[:, self.feature_names_.index("last_same")])
        point = np.where(never | ~np.isfinite(point), 0.0, point)
        out = [point]
        if level and self.quantile_method == "conformal":
            width = np.sqrt(point + 1.0) * self.dispersion_[i]
            bucket = horizon_bucket(d - c)
        for lv in level:
            if self.quantile_method == "quantile":
                lo, hi = quant[(100 - lv) / 200], quant[(100 + lv) / 200]
            else:
                lo, hi = np.empty_like(point), np.empty_like(point)
                for b in np.unique(bucket):
                    sel = bucket == b
                    z = self.residuals_[int(b)]
                    q_lo, q_hi = np.quantile(z, [(100 - lv) / 200, (100 + lv) / 200])
                    lo[sel] = point[sel] + q_lo * width[sel]
                    hi[sel] = point[sel] + q_hi * width[sel]
            out += [np.where(never, 0.0, lo), np.where(never, 0.0, hi)]
        return np.column_stack(out)
