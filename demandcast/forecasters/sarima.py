"""SARIMA with future regressors: statsmodels' state-space SARIMAX, one model per series.

Daily (and coarser) series are modelled on their full grid: closed and missing days
enter the model as NaN, which the Kalman filter skips, so a closure is never taken
for zero demand. Weekdays without any open day in the last ``k_weeks_profile`` weeks
(weekends of an office) are forecast as 0.

Intraday series are *not* modelled with a seasonal polynomial of 336 lags: the open
intervals are summed to local daily totals, a daily SARIMA (season 7) forecasts the
totals, and weekday-specific intraday profiles from the last ``k_weeks_profile`` weeks
spread them over the intervals (:mod:`demandcast.forecasters._intraday`). Weekdays
with the same intraday shape (day types: Monday-Friday at a Dutch desk,
Sunday-Thursday in Israel) share one profile when their shapes do not differ beyond
count noise (``day_type_alpha``), which cuts the noise of profiles built from a few
weeks.
Interval-level variance = ``share^2 x daily forecast variance + phi x share x daily
mean``, where ``phi`` is the count dispersion of the in-sample intervals around
their share of the day's actual total (1 = Poisson), so an 80 % interval holds about
80 % of interval actuals.

Intervals are calibrated (``intervals="calibrated"``, the default): the model's own
forecasts from the last 365 steps of the fit, with the fitted parameters, give the
quantile of ``|error| / model standard deviation`` per horizon bucket
(:func:`~demandcast.forecasters._state_space.horizon_errors`), which replaces the
normal quantile. Gaussian bands were too wide where errors are heavy-tailed (80 %
bands held 97-100 % of web and Wikipedia days) and too narrow where the model
underrates drift; calibrated, their interval score was better on every daily
benchmark set and simulated channel, by 0.4 % (desk) to 99 % (NYC 311), and 2 % on
the bank calls' 30-minute intervals. ``intervals="normal"`` keeps the Gaussian bands.

Future regressors enter as ``exog`` (regression with SARIMA errors). On intraday data
a regressor enters the daily model as its mean over the day's open intervals. A
regressor constant over a series' training data cannot be estimated: it is dropped
for that series with a :class:`~demandcast.exceptions.DataWarning` and recorded in
``dropped_regressors_``.

Past-role regressors (observed only: social-media mentions, web visits) enter as
exog lagged by ``past_lag`` model steps (days for daily and intraday data), built
with :func:`demandcast.signals.lag_past_regressors` on the training grid and with
:func:`demandcast.signals.past_regressors_ahead` at predict time, so a forecast never
reads a value observed after the cutoff. The past signal is read from every row of
``X`` up to the series' last ``ds``, closed days included (a Sunday spike drives
Monday's calls), and averaged per model step like the future regressors. Lagged
values that reach before the signal starts or into a gap are filled with the
column's median over the training rows (kept for prediction and :meth:`SARIMA.update`).
A forecast more than ``past_lag`` steps ahead would need unknown future values of
the signal and raises :class:`~demandcast.exceptions.UnsupportedRegressorError`.
With ``past_lag=None`` the lag is :data:`DEFAULT_PAST_LAG` days (one planning
horizon), with a logged warning: set it to the horizon you forecast (1 for
next-day forecasts), since an old signal rarely helps.

Between refits (backtests with ``refit=k``), :meth:`SARIMA.update` applies new
observations with the fitted parameters fixed; ``warm_start=True`` starts a refit
from the previous parameters of the same series.
"""

from __future__ import annotations

import functools
import logging
import numbers
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import (
    ConfigError,
    DataWarning,
    ForecasterFitError,
    InvalidFrameError,
    UnsupportedRegressorError,
)
from demandcast.forecast_frame import interval_columns
from demandcast.forecasters import _intraday
from demandcast.forecasters._state_space import Filtered, horizon_errors
from demandcast.forecasters.base import (
    HORIZON_BUCKETS,
    FallbackState,
    FitInputs,
    LocalForecaster,
    _one_blas_thread,
    check_is_fitted,
    default_season_length,
    horizon_bucket,
)

__all__ = ["DEFAULT_PAST_LAG", "SARIMA"]

logger = logging.getLogger("demandcast")

TRANSFORMS = ("none", "log1p")
INTRADAY_MODES = ("daily_profile",)
INTERVAL_METHODS = ("calibrated", "normal")
#: Forecast origins (the last model steps of a fit) that calibrate the intervals.
CALIBRATION_ORIGINS = 365
# a horizon bucket with fewer errors or origins keeps the normal quantile
_MIN_CALIBRATION_ERRORS = 50
_MIN_CALIBRATION_ORIGINS = 30
_QUANTILE_GRID = np.arange(1, 200) / 200  # 0.005 ... 0.995
_DAY = pd.Timedelta(days=1)

#: Lag (model steps) of past regressors when ``past_lag`` is None: four weeks of days.
DEFAULT_PAST_LAG = 28


@dataclass
class SeriesFit:
    """What SARIMA keeps per series (in ``SARIMA.states_``).

    Attributes
    ----------
    filtered : Filtered
        The fitted state-space results and the model-grid steps added since by
        :meth:`SARIMA.update` (filtered with the parameters fixed, only the new steps:
        :class:`~demandcast.forecasters._state_space.Filtered`); the model grid is the
        series' local days (or its own grid when coarser).
    last : Timestamp
        Last step of the model grid (naive local date for daily/intraday data,
        naive wall-clock time for coarser grids).
    exog_cols : list of str
        Regressors in the model (after dropping constant ones).
    open_days : DatetimeIndex
        Dates with an open interval (daily data: to find never-open weekdays).
    history : DataFrame or None
        Intraday only: ``ds, y`` of the open intervals of the last weeks (profiles).
    profiles : DataFrame or None
        Intraday only: :func:`~demandcast.forecasters._intraday.weekday_profiles`.
    dispersion : float
        Intraday only: count dispersion of intervals around their share of the day.
    past_signal : DataFrame or None
        The tail of the past-role signal per model-grid key (naive local date), up to
        ``last``: what the lagged columns of the next ``past_lag`` steps read.
    past_fill : dict
        Lagged past column -> value that fills NaN (its median over the training rows).
    calibration : tuple of (int, ndarray) or None
        ``intervals="calibrated"``: the horizon covered and the quantiles (at
        ``_QUANTILE_GRID``) of the fit's standardized absolute errors per horizon
        bucket (rows; NaN where too few), built by the first forecast with intervals.
    """

    filtered: Filtered
    last: pd.Timestamp
    exog_cols: list[str]
    open_days: pd.DatetimeIndex
    history: pd.DataFrame | None = None
    profiles: pd.DataFrame | None = None
    dispersion: float = 1.0
    warnings: list[str] = field(default_factory=list)
    past_signal: pd.DataFrame | None = None
    past_fill: dict[str, float] = field(default_factory=dict)
    calibration: tuple[int, np.ndarray] | None = None

    @property
    def results(self) -> Any:
        """statsmodels results over the whole model grid, smoothed, with the parameters'
        covariance (built on first use)."""
        return self.filtered.inspect()


class _LazyResults(Mapping):
    """Series id -> statsmodels results, each built only when it is looked up."""

    def __init__(self, states: dict[str, Any]) -> None:
        self._states = {u: s for u, s in states.items() if isinstance(s, SeriesFit)}

    def __getitem__(self, uid: str) -> Any:
        return self._states[uid].results

    def __iter__(self) -> Iterator[str]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)


def _is_int(value: Any, low: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and int(value) >= low


def _triple(value: Any, name: str, example: str) -> tuple[int, int, int]:
    ok = isinstance(value, (tuple, list)) and len(value) == 3 and all(_is_int(v, 0) for v in value)
    if not ok:
        raise ConfigError(
            f"{name}={value!r} is not allowed: give three non-negative whole numbers, "
            f"e.g. {name}={example}"
        )
    return tuple(int(v) for v in value)  # type: ignore[return-value]


@functools.lru_cache(maxsize=64)
def _daily_freq(freq: str) -> bool:
    return _time.offset(freq).freqstr == "D"


class SARIMA(LocalForecaster):
    """Seasonal ARIMA with regressors (statsmodels SARIMAX), one model per series.

    Parameters
    ----------
    order : tuple of int, default (1, 0, 1)
        Non-seasonal ``(p, d, q)``.
    seasonal_order : tuple of int, default (0, 1, 1)
        Seasonal ``(P, D, Q)``; the period is ``season_length``.
    season_length : int, optional
        Seasonal period in steps of the *model* grid. Default: one week (7 for daily
        data and for intraday data, which is modelled per day; 52 for weekly data).
    trend : str, optional
        statsmodels trend term (``"c"``, ``"t"``, ``"ct"``) or None.
    transform : {"none", "log1p"}, default "none"
        Model ``log(1 + y)``: for series with multiplicative spikes (web traffic).
        Forecasts are back-transformed medians.
    intraday : {"daily_profile"}, default "daily_profile"
        How sub-daily data is modelled: daily SARIMA spread by weekday profiles.
    k_weeks_profile : int, default 8
        Weeks of history for the intraday profiles and for detecting never-open
        weekdays.
    day_type_alpha : float or None, default 0.01
        Intraday only: weekdays whose profiles (same open slots) do not differ at
        this significance level (chi-square test on their Hellinger distance, count
        dispersion included) share their mean profile
        (:func:`~demandcast.forecasters._intraday.pool_day_types`); None keeps one
        profile per weekday.
    intervals : {"calibrated", "normal"}, default "calibrated"
        How wide the prediction intervals are. ``"normal"``: the model's Gaussian
        standard deviation times the normal quantile. ``"calibrated"``: the quantile is
        taken from the fit's own forecasts instead: from each of the last
        ``CALIBRATION_ORIGINS`` (365) steps the model forecasts ahead with its fitted
        parameters, and the errors, divided by the model's standard deviation,
        give the quantile per horizon bucket (1, 2-3, 4-7, 8-14, 15-28, 29+ steps;
        29+ from horizons 29-56), so intervals follow heavy tails (narrower on
        normal days) and drift the model underrates (wider far ahead). Buckets with
        fewer than 50 errors or 30 origins (short histories) keep the normal
        quantile. Intraday series calibrate the daily total; the count noise of
        intervals stays as it is.
    warm_start : bool, default False
        On a refit, start the optimiser from the previous parameters of each series.
    fallback : str, optional
        Registry name of a model that takes over a series whose fit fails (with a
        logged warning), e.g. ``"seasonal_naive"``. Default: raise
        :class:`~demandcast.exceptions.ForecasterFitError`.
    alias : str, optional
        Name of the forecast column; default ``"sarima"``.
    maxiter : int, default 50
        Optimiser iterations.
    method : str, default "lbfgs"
        statsmodels optimiser.
    past_lag : int, optional
        Lag of past-role regressors in model steps (days for daily and intraday
        data; 1 = yesterday's mentions). Forecasts may reach at most ``past_lag``
        steps ahead when the model has past regressors. None: ``DEFAULT_PAST_LAG``
        (28) days with a logged warning.

    Attributes
    ----------
    states_ : dict
        Series id -> :class:`SeriesFit` (or the fallback's state).
    results_ : Mapping
        Series id -> statsmodels results over the series' whole model grid, updates
        included, smoothed and with standard errors, built on look-up (series served
        by the fallback are absent).
    convergence_ : dict
        Series id -> ``{"converged": bool, "warnings": [messages]}``; statsmodels'
        convergence warnings are logged at DEBUG level and kept here.
    dropped_regressors_ : dict
        Series id -> regressors dropped because they were constant in its training data.
    past_lag_ : int or None
        The lag the past regressors entered with (None without past regressors); the
        model columns are named ``<column>_lag<past_lag_>``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2024-01-01", periods=140, freq="D", tz="Europe/Amsterdam")
    >>> y = 100 + 20 * (ds.day_of_week == 0) + np.random.default_rng(0).normal(0, 5, 140)
    >>> df = pd.DataFrame({"unique_id": "a/phone", "ds": ds, "y": y})
    >>> fc = SARIMA().fit(df).predict(7, level=(80, 95))
    >>> fc.columns.tolist()[2:4]
    ['sarima', 'sarima-lo-80']
    >>> bool(fc["sarima"].iloc[0] > fc["sarima"].iloc[1])  # Mondays are busier
    True

    Yesterday's social-media mentions as a past regressor, for next-day forecasts:

    >>> m = np.random.default_rng(2).poisson(20, 140).astype(float)
    >>> df["y"] += 3 * np.roll(m, 1)
    >>> X = pd.DataFrame({"ds": ds, "mentions": m})
    >>> f = SARIMA(past_lag=1).fit(df, X, roles={"mentions": "past"})
    >>> f.states_["a/phone"].exog_cols
    ['mentions_lag1']
    >>> len(f.predict(1))
    1
    >>> try:  # two days ahead would need today's mentions, not yet observed
    ...     f.predict(2)
    ... except Exception as err:
    ...     print(type(err).__name__)
    UnsupportedRegressorError
    """

    name: ClassVar[str] = "sarima"
    tags: ClassVar[dict[str, bool]] = {
        "future_regressors": True,
        "past_regressors": True,
        "handles_missing": True,
        "deterministic": True,
        "supports_update": True,
        "warm_start": True,
    }

    def __init__(
        self,
        order: tuple[int, int, int] = (1, 0, 1),
        seasonal_order: tuple[int, int, int] = (0, 1, 1),
        season_length: int | None = None,
        trend: str | None = None,
        transform: str = "none",
        intraday: str = "daily_profile",
        k_weeks_profile: int = 8,
        day_type_alpha: float | None = _intraday.DAY_TYPE_ALPHA,
        intervals: str = "calibrated",
        warm_start: bool = False,
        fallback: str | None = None,
        alias: str | None = None,
        maxiter: int = 50,
        method: str = "lbfgs",
        past_lag: int | None = None,
    ) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.season_length = season_length
        self.trend = trend
        self.transform = transform
        self.intraday = intraday
        self.k_weeks_profile = k_weeks_profile
        self.day_type_alpha = day_type_alpha
        self.intervals = intervals
        self.warm_start = warm_start
        self.fallback = fallback
        self.alias = alias
        self.maxiter = maxiter
        self.method = method
        self.past_lag = past_lag

    # -- configuration --------------------------------------------------------

    @property
    def results_(self) -> Mapping[str, Any]:
        """Series id -> statsmodels results (fallback series are absent).

        A series' results are built on first look-up: fits skip the smoother and the
        parameters' covariance, which forecasts never need, so the look-up smooths and
        computes the covariance (OPG, statsmodels' default); after :meth:`update` it
        also re-filters the whole grid (``append(..., refit=False)``).
        """
        check_is_fitted(self)
        return _LazyResults(self.states_)

    def _is_intraday(self) -> bool:
        return (_time.step(self.freq_) or _DAY) < _DAY

    def _is_daily(self) -> bool:
        return _daily_freq(str(self.freq_))

    def _check_params(self) -> dict[str, Any]:
        order = _triple(self.order, "order", "(1, 0, 1)")
        seasonal = _triple(self.seasonal_order, "seasonal_order", "(0, 1, 1)")
        if self.transform not in TRANSFORMS:
            raise ConfigError(
                f"transform={self.transform!r} is not allowed: choose one of {list(TRANSFORMS)}"
            )
        if self.intervals not in INTERVAL_METHODS:
            raise ConfigError(
                f"intervals={self.intervals!r} is not allowed: choose one of "
                f"{list(INTERVAL_METHODS)}"
            )
        if self.intraday not in INTRADAY_MODES:
            raise ConfigError(
                f"intraday={self.intraday!r} is not allowed: choose one of {list(INTRADAY_MODES)}"
            )
        for name in ("k_weeks_profile", "maxiter"):
            if not _is_int(getattr(self, name), 1):
                raise ConfigError(
                    f"{name}={getattr(self, name)!r} is not allowed: give a positive whole number"
                )
        alpha = self.day_type_alpha
        if alpha is not None and (
            isinstance(alpha, bool)
            or not isinstance(alpha, numbers.Real)
            or not 0.0 < float(alpha) < 1.0
        ):
            raise ConfigError(
                f"day_type_alpha={alpha!r} is not allowed: give a significance level "
                "between 0 and 1 (e.g. 0.01) or None for one profile per weekday"
            )
        if self.trend not in (None, "n", "c", "t", "ct"):
            raise ConfigError(f"trend={self.trend!r} is not allowed: use None, 'c', 't' or 'ct'")
        s = self.season_length
        if s is None:
            s = 7 if self._is_intraday() else default_season_length(self.freq_)
        if not _is_int(s, 2):
            raise ConfigError(
                f"season_length={self.season_length!r} is not allowed: give a whole number "
                ">= 2 (e.g. 7 for a week of days) or None for one week"
            )
        if any(seasonal) and s > 60:
            raise ConfigError(
                f"season_length={s}: a seasonal polynomial of {s} lags is too slow; model "
                "daily data (intraday series are modelled per day automatically) or set "
                "seasonal_order=(0, 0, 0)"
            )
        if self.fallback is not None and not isinstance(self.fallback, str):
            raise ConfigError(
                f"fallback={self.fallback!r} is not allowed: give a registry name such as "
                "'seasonal_naive' or None"
            )
        return {"order": order, "seasonal": (*seasonal, int(s) if any(seasonal) else 0)}

    # -- fit ------------------------------------------------------------------

    def _fit(self, inputs: FitInputs) -> None:
        """One SARIMAX per series. Past-role columns are read on all rows of the ``X``
        given (closed days too) up to each series' last ``ds``, lagged by ``past_lag``."""
        self.spec_ = self._check_params()
        self.intraday_ = self._is_intraday()
        self.convergence_: dict[str, dict[str, Any]] = {}
        self.dropped_regressors_: dict[str, list[str]] = {}
        self.past_lag_ = self._check_past_lag()
        past_raw = None
        if self.past_lag_ is not None:
            past_raw = self._past_frame(inputs.X_given, what="X")
        with _one_blas_thread():
            self.states_ = self._fit_each(
                inputs, lambda uid, y, ds, X_one: self._fit_series(uid, y, ds, X_one, past_raw)
            )
        self._warm_params = {
            u: np.asarray(s.filtered.fitted.params)
            for u, s in self.states_.items()
            if isinstance(s, SeriesFit)
        }
        dropped = {u: c for u, c in self.dropped_regressors_.items() if c}
        if dropped:
            shown = list(dropped.items())[:5]
            warnings.warn(
                f"sarima: regressors constant over the training data cannot be estimated and "
                f"were dropped for {len(dropped)} series, e.g. {shown}; they are listed in "
                "dropped_regressors_ (give them variation in the training window to use them)",
                DataWarning,
                stacklevel=4,
            )

    # -- past regressors --------------------------------------------------------

    def _past_cols(self) -> list[str]:
        return [c for c, r in self.roles_.items() if r == "past"]

    def _check_past_lag(self) -> int | None:
        past = self._past_cols()
        lag = self.past_lag
        if lag is not None and not _is_int(lag, 1):
            raise ConfigError(
                f"past_lag={lag!r} is not allowed: give a positive whole number of model "
                "steps (days for daily and intraday data), e.g. past_lag=1, or None"
            )
        if not past:
            return None
        if lag is None:
            logger.warning(
                "sarima: past_lag is not set, so the past regressors %s enter lagged by %d "
                "days and forecasts may reach %d days ahead; a signal that old rarely "
                "helps: set past_lag to the horizon you forecast (past_lag=1 for next-day "
                "forecasts)",
                past[:5],
                DEFAULT_PAST_LAG,
                DEFAULT_PAST_LAG,
            )
            return DEFAULT_PAST_LAG
        return int(lag)

    def _model_freq(self) -> str:
        return "D" if (self.intraday_ or self._is_daily()) else str(self.freq_)

    def _past_frame(self, X: pd.DataFrame | None, *, what: str) -> pd.DataFrame:
        """The raw past columns of ``X`` (``ds`` in the model's zone, optional unique_id)."""
        past = self._past_cols()
        if X is None or any(c not in X.columns for c in past):
            given = [] if X is None else [c for c in past if c in X.columns]
            raise InvalidFrameError(
                f"{what} lacks the past regressor column(s) "
                f"{[c for c in past if c not in given][:5]} used in fit: pass {what} with "
                "their observed values"
            )
        keys = [k for k in ("unique_id", "ds") if k in X.columns]
        out = X[[*keys, *past]].copy()
        out["ds"] = _time.to_local(pd.to_datetime(out["ds"]), self.tz_, by=out.get("unique_id"))
        if "unique_id" in out.columns:
            out["unique_id"] = out["unique_id"].astype(str)
        for c in past:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
        return out.dropna(subset=["ds"]).reset_index(drop=True)

    def _past_signal(self, raw: pd.DataFrame | None, uid: str, last_ds: pd.Timestamp):
        """Past columns of series ``uid`` per model-grid key, observed up to ``last_ds``."""
        past = self._past_cols()
        if raw is None:
            return pd.DataFrame(columns=past, dtype="float64")
        part = raw[raw["unique_id"] == uid] if "unique_id" in raw.columns else raw
        part = part[part["ds"] <= last_ds]  # never a value observed after the cutoff
        keys = self._keys(pd.DatetimeIndex(part["ds"]))
        return part[past].set_axis(keys).groupby(level=0).mean()

    def _lagged(self, signal: pd.DataFrame, target: pd.DatetimeIndex, *, ahead: bool):
        """Lagged past columns at the model-grid keys ``target`` (NaN where unknown)."""
        from demandcast.signals import lag_past_regressors, past_regressors_ahead

        past = self._past_cols()
        lag = int(self.past_lag_)
        names = [f"{c}_lag{lag}" for c in past]
        if len(signal) == 0:
            return pd.DataFrame(np.nan, index=target, columns=names)
        hist = signal.reset_index(drop=True).astype("float64")
        hist.insert(0, "ds", _time.to_local(signal.index, self.tz_))
        hist = hist.dropna(subset=["ds"])
        roles = dict.fromkeys(past, "past")
        kw = {"lag": lag, "freq": self._model_freq()}
        fut = _time.to_local(target, self.tz_)
        if ahead:
            out = past_regressors_ahead(hist, roles, future_ds=fut, **kw)
        else:
            out = lag_past_regressors(hist, roles, target_ds=fut, **kw)
        return out[names].set_axis(target)

    def _check_reach(self, state: SeriesFit, uid: str, steps_ahead: int) -> None:
        lag = self.past_lag_
        if lag is None or steps_ahead <= lag:
            return
        unit = "day(s)" if self._model_freq() == "D" else f"step(s) of {self.freq_}"
        known = state.last + lag * _time.offset(self._model_freq())
        raise UnsupportedRegressorError(
            f"sarima: past regressor(s) {self._past_cols()[:5]} enter lagged by "
            f"past_lag={lag} {unit}, so they are known only until {known} for series "
            f"{uid!r}; this forecast reaches {steps_ahead} {unit} past its last observation "
            f"({state.last}) and would need values not observed yet: forecast at most "
            f"{lag} {unit} ahead, or refit with past_lag >= {steps_ahead}"
        )

    def _keys(self, ds: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Model-grid keys of interval starts: local dates, or wall-clock times."""
        wall = _time.wall(ds)
        return wall.normalize() if (self.intraday_ or self._is_daily()) else wall

    def _grid(self, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
        if self.intraday_ or self._is_daily():
            return pd.date_range(first, last, freq="D")
        tz = str(self.tz_)
        first, last = _time.to_local(first, tz), _time.to_local(last, tz)
        grid = _time.local_range(first, last, self.freq_, tz=tz)
        return _time.wall(grid)

    def _transform(self, y: np.ndarray) -> np.ndarray:
        if self.transform == "log1p":
            return np.log1p(np.clip(y, 0.0, None))
        return y

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        if self.transform == "log1p":
            return np.expm1(np.clip(z, None, 50.0))
        return z

    def _observations(
        self,
        y: np.ndarray,
        ds: pd.DatetimeIndex,
        X_one: pd.DataFrame | None,
        profiles: pd.DataFrame | None,
    ) -> tuple[pd.Series, pd.DataFrame | None]:
        """Observations and regressors per model-grid key (not yet on the full grid)."""
        keys = self._keys(ds)
        unique = keys.is_unique  # one interval per model step: nothing to average
        if self.intraday_:
            totals = _intraday.daily_totals(pd.DataFrame({"ds": ds, "y": y}), profiles)
            obs = pd.Series(totals["y"].to_numpy(), index=pd.DatetimeIndex(totals["date"]))
        else:
            obs = pd.Series(y, index=keys)
            obs = obs if unique else obs.groupby(level=0).mean()
        exog = None
        if X_one is not None:
            cols = [c for c in X_one.columns if c not in ("unique_id", "ds")]
            if cols:
                exog = X_one[cols].astype("float64").set_axis(keys)
                exog = exog if unique else exog.groupby(level=0).mean()
        return obs, exog

    def _profiles(self, history: pd.DataFrame, k: int) -> tuple[pd.DataFrame, float]:
        """Weekday profiles pooled into day types, and the count dispersion around them.

        The test that pools weekdays reads the dispersion around the weekday's own
        profiles; the dispersion kept for intervals is measured around the pooled ones.
        """
        profiles = _intraday.weekday_profiles(history, k)
        own = _intraday.count_dispersion(history, profiles, k)
        pooled = _intraday.pool_day_types(profiles, dispersion=own, alpha=self.day_type_alpha)
        if pooled is profiles:
            return profiles, own
        return pooled, _intraday.count_dispersion(history, pooled, k)

    def _fit_series(
        self,
        uid: str,
        y: np.ndarray,
        ds: pd.DatetimeIndex,
        X_one: pd.DataFrame | None,
        past_raw: pd.DataFrame | None,
    ) -> Any:
        if len(ds) == 0 or not np.isfinite(y).any():
            raise ValueError("the series has no open interval with a value (all NaN or closed)")
        k = int(self.k_weeks_profile)
        profiles = history = None
        dispersion = 1.0
        if self.intraday_:
            history = pd.DataFrame({"ds": ds, "y": y})
            profiles, dispersion = self._profiles(history, k)
            keep_from = _time.wall(ds).max() - pd.Timedelta(weeks=k + 1)
            history = history[_time.wall(ds) > keep_from].reset_index(drop=True)
        past = self._past_cols()
        if X_one is not None and past:
            X_one = X_one.drop(columns=past)
        obs, exog = self._observations(y, ds, X_one, profiles)
        last = self._keys(pd.DatetimeIndex([self.last_ds_[uid]]))[0]
        grid = self._grid(obs.index.min(), max(last, obs.index.max()))
        endog = self._transform(obs.reindex(grid).to_numpy(dtype="float64"))
        cols: list[str] = []
        exog_arr = None
        if exog is not None:
            exog = exog.reindex(grid).fillna(0.0)
        past_signal, past_fill = None, {}
        if self.past_lag_ is not None:
            signal = self._past_signal(past_raw, uid, self.last_ds_[uid])
            lagged = self._lagged(signal, grid, ahead=False)
            past_fill = {
                c: float(np.nanmedian(v)) if np.isfinite(v).any() else 0.0
                for c, v in lagged.items()
            }
            lagged = lagged.fillna(past_fill)
            exog = lagged if exog is None else pd.concat([exog, lagged], axis=1)
            past_signal = self._signal_tail(signal, grid[-1])
        if exog is not None:
            seen = np.isfinite(endog)
            varying = [c for c in exog.columns if np.ptp(exog[c].to_numpy()[seen]) > 0]
            self.dropped_regressors_[uid] = [c for c in exog.columns if c not in varying]
            cols = varying
            exog_arr = exog[cols].to_numpy() if cols else None
        self._check_length(endog)
        results, notes = self._estimate(endog, exog_arr, uid)
        self.convergence_[uid] = {
            "converged": bool(results.mle_retvals.get("converged", True))
            if isinstance(getattr(results, "mle_retvals", None), dict)
            else True,
            "warnings": notes,
        }
        open_days = pd.DatetimeIndex(sorted(set(_time.wall(ds).normalize())))
        return SeriesFit(
            filtered=Filtered(results),
            last=grid[-1],
            exog_cols=cols,
            open_days=open_days,
            history=history,
            profiles=profiles,
            dispersion=dispersion,
            warnings=notes,
            past_signal=past_signal,
            past_fill=past_fill,
        )

    def _signal_tail(self, signal: pd.DataFrame, last: pd.Timestamp) -> pd.DataFrame:
        """The past signal on the last ``past_lag + 7`` model steps up to ``last``."""
        keys = pd.date_range(end=last, periods=int(self.past_lag_) + 7, freq=self._model_freq())
        return signal.reindex(keys)

    def _check_length(self, endog: np.ndarray) -> None:
        p, d, q = self.spec_["order"]
        P, D, Q, s = self.spec_["seasonal"]
        need = d + D * s + p + q + P + Q + 2
        have = int(np.isfinite(endog).sum())
        if have < need:
            raise ValueError(
                f"only {have} observed steps on the model grid; SARIMA{(p, d, q)}"
                f"{(P, D, Q, s)} needs at least {need}: use a longer history or a smaller order"
            )

    def _model(self, endog: np.ndarray, exog: np.ndarray | None) -> Any:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(
            endog,
            exog=exog,
            order=self.spec_["order"],
            seasonal_order=self.spec_["seasonal"],
            trend=self.trend,
            concentrate_scale=True,
            simple_differencing=False,
        )

    def _estimate(self, endog: np.ndarray, exog: np.ndarray | None, uid: str) -> tuple[Any, list]:
        start = None
        previous = getattr(self, "_warm_params", None) if self.warm_start else None
        if previous is not None and uid in previous:
            start = previous[uid]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = self._model(endog, exog)
            if start is not None and len(start) != len(model.start_params):
                start = None
            # forecasts need the filter only: no smoother, no parameter covariance
            # (12-16 % of a backtest); results_ adds both on look-up (Filtered.inspect)
            model.ssm.memory_no_smoothing = True
            results = model.fit(
                start_params=start,
                disp=False,
                maxiter=int(self.maxiter),
                method=self.method,
                cov_type="none",
            )
        notes = [f"{w.category.__name__}: {w.message}" for w in caught]
        for note in notes:
            logger.debug("sarima on series %r: %s", uid, note)
        if not np.all(np.isfinite(results.params)) or not np.isfinite(results.llf):
            raise ValueError(
                f"the estimated parameters or likelihood are not finite ({results.params})"
            )
        return results, notes

    # -- update ---------------------------------------------------------------

    def _update(self, inputs: FitInputs) -> None:
        """New observations with the fitted parameters fixed (no re-estimation).

        Only the new steps of each series are filtered, from the last predicted state
        (:class:`~demandcast.forecasters._state_space.Filtered`): forecasts and
        intervals are those of filtering all data with the fitted parameters
        (statsmodels' ``results.append(..., refit=False)``). Intraday data must start
        on a new local day; intraday profiles and the count dispersion are recomputed
        from the last ``k_weeks_profile`` weeks (data summaries, not parameters). Past
        regressors in ``X_new`` extend the stored signal; new lagged values are filled
        with the medians kept from fit.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> ds = pd.date_range("2024-01-01", periods=84, freq="D", tz="Europe/Amsterdam")
        >>> y = 50 + 10 * (ds.day_of_week == 0) + np.random.default_rng(1).normal(0, 3, 84)
        >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y})
        >>> f = SARIMA().fit(df.iloc[:77])
        >>> params = f.results_["a"].params.copy()
        >>> f.update(df.iloc[77:]).last_ds_["a"] == ds[-1]
        True
        >>> bool((f.results_["a"].params == params).all())
        True
        """
        future = [c for c, r in inputs.roles.items() if r == "future"]
        X_aligned = None if not future else inputs.X[["unique_id", "ds", *future]]
        past_raw = self._past_frame(inputs.X_given, what="X_new") if self._past_cols() else None
        new_states = dict(self.states_)
        with _one_blas_thread():
            for uid, idx in inputs.df.groupby("unique_id", sort=True).indices.items():
                uid, part = str(uid), inputs.df.iloc[idx]
                state = self.states_[uid]
                if not isinstance(state, SeriesFit):
                    raise ForecasterFitError(
                        self.name,
                        uid,
                        "the series is served by the fallback model, which cannot be updated "
                        "with fixed parameters; refit with fit()",
                    )
                open_rows = part["is_open"].to_numpy()
                X_one = None if X_aligned is None else X_aligned.iloc[idx][open_rows]
                new_states[uid] = self._update_one(
                    uid, state, part[open_rows], X_one, part["ds"].max(), past_raw
                )
        self.states_ = new_states

    def _update_one(
        self,
        uid: str,
        state: SeriesFit,
        sub: pd.DataFrame,
        X_one: pd.DataFrame | None,
        last_ds: pd.Timestamp,
        past_raw: pd.DataFrame | None = None,
    ) -> SeriesFit:
        y = sub["y"].to_numpy(dtype="float64")
        ds = pd.DatetimeIndex(sub["ds"])
        profiles, history, dispersion = state.profiles, state.history, state.dispersion
        if self.intraday_:
            early = self._keys(ds) <= state.last
            if early.any():
                raise InvalidFrameError(
                    f"df_new: series {uid!r} has intervals on {state.last.date()}, a day "
                    "already in the model; update intraday models with whole new days"
                )
            k = int(self.k_weeks_profile)
            history = pd.concat([history, pd.DataFrame({"ds": ds, "y": y})], ignore_index=True)
            wall = _time.wall(pd.DatetimeIndex(history["ds"]))
            history = history[wall > wall.max() - pd.Timedelta(weeks=k + 1)]
            history = history.reset_index(drop=True)
            profiles, dispersion = self._profiles(history, k)
        obs, exog = self._observations(y, ds, X_one, profiles)
        last = self._keys(pd.DatetimeIndex([last_ds]))[0]
        grid = self._grid(state.last, last)[1:]
        if len(grid) == 0:
            return state
        endog = self._transform(obs.reindex(grid).to_numpy(dtype="float64"))
        parts = [] if exog is None else [exog.reindex(grid).fillna(0.0)]
        past_signal = state.past_signal
        if past_signal is not None:
            new_signal = self._past_signal(past_raw, uid, last_ds)
            signal = past_signal.combine_first(new_signal)  # fill gaps, add new steps
            parts.append(self._lagged(signal, grid, ahead=False).fillna(state.past_fill))
            past_signal = self._signal_tail(signal, grid[-1])
        exog_arr = None
        if state.exog_cols:
            exog_arr = pd.concat(parts, axis=1)[state.exog_cols].to_numpy(dtype="float64")
        filtered = state.filtered.extend(endog, exog_arr)
        open_days = state.open_days.append(pd.DatetimeIndex(sorted(set(_time.local_dates(ds)))))
        return SeriesFit(
            filtered=filtered,
            last=grid[-1],
            exog_cols=state.exog_cols,
            open_days=open_days,
            history=history,
            profiles=profiles,
            dispersion=dispersion,
            warnings=state.warnings,
            past_signal=past_signal,
            past_fill=state.past_fill,
            calibration=state.calibration,  # a property of the fit, which update keeps
        )

    # -- predict --------------------------------------------------------------

    def _check_future(
        self, X_future: pd.DataFrame | None, grid: pd.DataFrame, future_cols: list[str]
    ) -> tuple[pd.DataFrame | None, np.ndarray | None]:
        # keep the open flags of the horizon: intraday shares renormalise over them
        X_aligned, is_open = super()._check_future(X_future, grid, future_cols)
        self._future_open = is_open
        return X_aligned, is_open

    def predict(
        self,
        h: int,
        X_future: pd.DataFrame | None = None,
        level: Any = None,
    ) -> pd.DataFrame:
        """Forecast the next ``h`` intervals of every series (see the base class).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> ds = pd.date_range("2024-01-01", periods=84, freq="D", tz="Europe/Amsterdam")
        >>> y = 50 + 10 * (ds.day_of_week == 0) + np.random.default_rng(1).normal(0, 3, 84)
        >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y})
        >>> len(SARIMA().fit(df).predict(14, level=(80,)))
        14
        """
        self._future_open = None
        try:
            with _one_blas_thread():
                return super().predict(h, X_future=X_future, level=level)
        finally:
            self.__dict__.pop("_future_open", None)

    def _predict(self, h: int, X_future: pd.DataFrame | None, level: tuple) -> pd.DataFrame:
        grid = self.future_ds(h)
        mask = getattr(self, "_future_open", None)
        cols = interval_columns(self.alias_, level)
        keys = ["mean"] + [f"{side}-{lv}" for lv in level for side in ("lo", "hi")]
        values = np.empty((len(grid), len(cols)))
        ds_all = pd.DatetimeIndex(grid["ds"])
        keys_all = self._keys(ds_all)
        for uid, idx in grid.groupby("unique_id", sort=False).indices.items():
            state = self.states_[uid]
            if isinstance(state, FallbackState):
                res = state.predict(h, level)
            else:
                X_one = None if X_future is None else X_future.iloc[idx].reset_index(drop=True)
                is_open = None if mask is None else mask[idx]
                res = self._forecast_series(
                    state, ds_all[idx], X_one, is_open, level, uid, keys=keys_all[idx]
                )
            for j, key in enumerate(keys):
                values[idx, j] = np.asarray(res[key], dtype="float64")
        out = grid.copy()
        for j, col in enumerate(cols):
            out[col] = values[:, j]
        return out

    def _predict_one(
        self,
        state: SeriesFit,
        h: int,
        ds_future: pd.DatetimeIndex,
        X_future_one: pd.DataFrame | None,
        level: tuple,
    ) -> dict[str, np.ndarray]:
        return self._forecast_series(state, ds_future, X_future_one, None, level)

    def _steps(self, state: SeriesFit, keys: pd.DatetimeIndex) -> np.ndarray:
        if self.intraday_ or self._is_daily():
            return np.asarray((keys - state.last) / _DAY, dtype="int64")
        ahead = self._grid(state.last, keys.max())
        return np.asarray(ahead.get_indexer(keys), dtype="int64")

    def _model_forecast(
        self, state: SeriesFit, steps: np.ndarray, exog: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (model scale) at model steps (<= 0: in-sample one-step)."""
        n = state.filtered.nobs
        first = min(int(steps.min()), 1)
        last = max(int(steps.max()), 0)
        mean, var = state.filtered.predict(
            n - 1 + first, n - 1 + last, exog=exog if last > 0 else None
        )
        pos = steps - first
        return mean[pos], np.clip(var[pos], 0.0, None)

    def _future_exog(
        self,
        state: SeriesFit,
        keys: pd.DatetimeIndex,
        X_one: pd.DataFrame | None,
        weight: np.ndarray,
        n_steps: int,
    ) -> np.ndarray | None:
        if not state.exog_cols:
            return None
        ahead = self._grid(state.last, keys.max())[1 : n_steps + 1]
        future = [c for c in state.exog_cols if c not in state.past_fill]
        parts = []
        if future:
            values = X_one[future].astype("float64")
            w = pd.Series(weight, dtype="float64")
            # mean over the open intervals of each key (all intervals if none is open)
            num = values.mul(w.to_numpy(), axis=0).groupby(keys.to_numpy()).sum()
            den = w.groupby(keys.to_numpy()).sum()
            plain = values.groupby(keys.to_numpy()).mean()
            per_key = num.div(den.where(den > 0), axis=0).fillna(plain)
            parts.append(per_key.reindex(ahead).fillna(0.0))
        if len(future) < len(state.exog_cols) and len(ahead):
            lagged = self._lagged(state.past_signal, ahead, ahead=True)
            parts.append(lagged.fillna(state.past_fill))
        if not parts:
            return np.empty((0, len(state.exog_cols)))
        return pd.concat(parts, axis=1)[state.exog_cols].to_numpy(dtype="float64")

    def _forecast_series(
        self,
        state: SeriesFit,
        ds_future: pd.DatetimeIndex,
        X_one: pd.DataFrame | None,
        is_open: np.ndarray | None,
        level: tuple,
        uid: str = "",
        keys: pd.DatetimeIndex | None = None,
    ) -> dict[str, np.ndarray]:
        keys = self._keys(ds_future) if keys is None else keys
        if self.intraday_:
            parts = _intraday.local_parts(ds_future)
            table = state.profiles.set_index(["weekday", "slot"])["share"]
            known = table.reindex(pd.MultiIndex.from_arrays([parts["weekday"], parts["slot"]]))
            weight = np.nan_to_num(known.to_numpy(dtype="float64"), nan=0.0) > 0
        else:
            weight = np.ones(len(ds_future), dtype=bool)
        if is_open is not None:
            weight = weight & np.asarray(is_open, dtype=bool)
        uniq = pd.DatetimeIndex(keys.unique())
        steps = self._steps(state, uniq)
        if state.past_signal is not None:
            self._check_reach(state, uid, int(steps.max()))
        exog = self._future_exog(state, keys, X_one, weight.astype(float), int(max(steps.max(), 0)))
        mu, var = self._model_forecast(state, steps, exog)
        sd = np.sqrt(var)
        z = {lv: NormalDist().inv_cdf((100 + lv) / 200) for lv in level}
        widen = self._interval_factors(state, steps, z)
        pos = uniq.get_indexer(keys)
        if not self.intraday_:
            out = {"mean": self._inverse(mu[pos])}
            for lv in level:
                half = z[lv] * (widen[lv] * sd)[pos]
                out[f"lo-{lv}"] = self._inverse(mu[pos] - half)
                out[f"hi-{lv}"] = self._inverse(mu[pos] + half)
            if self._is_daily():
                recent = state.open_days[
                    state.open_days > state.last - pd.Timedelta(weeks=int(self.k_weeks_profile))
                ]
                days = recent if len(recent) else state.open_days
                never = ~np.isin(keys.day_of_week, np.unique(days.day_of_week))
                for key in out:
                    out[key] = np.where(never, 0.0, out[key])
            return out
        mean_day = np.expm1(np.clip(mu, None, 50.0)) if self.transform == "log1p" else mu
        var_day = self._day_variance(mu, sd)
        daily = pd.DataFrame({"date": uniq, "mean": mean_day, "var": var_day})
        spread = _intraday.spread(
            daily, state.profiles, ds_future, is_open, dispersion=state.dispersion
        )
        mean = spread["mean"].to_numpy()
        share2 = spread["share"].to_numpy() ** 2
        out = {"mean": mean}
        for lv in level:
            # the calibrated daily variance replaces the model's in each interval's share
            extra = (self._day_variance(mu, widen[lv] * sd) - var_day)[pos]
            sd_i = np.sqrt(np.clip(spread["var"].to_numpy() + share2 * extra, 0.0, None))
            out[f"lo-{lv}"] = mean - z[lv] * sd_i
            out[f"hi-{lv}"] = mean + z[lv] * sd_i
        return out

    def _day_variance(self, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
        """Variance of daily totals from the model-scale mean and standard deviation."""
        if self.transform != "log1p":
            return sd**2
        s2 = np.clip(sd**2, None, 25.0)
        return np.expm1(s2) * np.exp(np.clip(2 * mu + s2, None, 100.0))

    def _interval_factors(
        self, state: SeriesFit, steps: np.ndarray, z: Mapping[float, float]
    ) -> dict[float, np.ndarray]:
        """Per level, the factor on the model's standard deviation at each step: the
        calibrated quantile over the normal one ``z`` (1 with ``intervals="normal"``
        and in buckets with too few past errors)."""
        if self.intervals == "normal" or not z:
            return {lv: np.ones(len(steps)) for lv in z}
        # the horizons of whole buckets, so a forecast never depends on earlier ones
        horizon = 28 if int(steps.max()) <= 28 else 56
        if state.calibration is None or state.calibration[0] < horizon:
            errors = horizon_errors(state.filtered.fitted, horizon, CALIBRATION_ORIGINS)
            bucket = horizon_bucket(np.arange(1, horizon + 1))
            table = np.full((len(HORIZON_BUCKETS), len(_QUANTILE_GRID)), np.nan)
            for b in np.unique(bucket):
                part = errors[bucket == b]
                values = part[np.isfinite(part)]
                origins = int(np.isfinite(part).any(axis=0).sum())
                if len(values) >= _MIN_CALIBRATION_ERRORS and origins >= _MIN_CALIBRATION_ORIGINS:
                    table[b] = np.quantile(values, _QUANTILE_GRID)
            state.calibration = (horizon, table)
        table = state.calibration[1]
        rows = horizon_bucket(steps)
        out = {}
        for lv, z_lv in z.items():
            per_bucket = np.array([np.interp(lv / 100, _QUANTILE_GRID, row) for row in table])
            factor = np.where(np.isfinite(per_bucket), per_bucket / z_lv, 1.0)
            out[lv] = factor[rows]
        return out
