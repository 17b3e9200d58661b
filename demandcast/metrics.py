"""Forecast accuracy: point, interval and significance metrics.

Pure numpy/pandas/scipy functions. The array metrics share one signature,
``metric(y, yhat, *, mask=None)``, and one exclusion rule: a position counts only
when every array involved has a number there (NaN means *missing*) and ``mask``
is not ``False`` there (``False`` means the channel was *closed*). Closed
intervals are therefore never scored, and neither are missing actuals. When no
position is left, a metric is NaN.

Frame-level helpers used by the backtest, the store and the report:

- :func:`evaluate`: every metric per model and group (step, series, cutoff).
- :func:`seasonal_scale`: the MASE/RMSSE scale of each (series, cutoff).
- :func:`compare_forecasts`: Diebold-Mariano tests per series and pooled.
- :func:`poisson_floor_wape`: the WAPE that count noise alone forces.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from demandcast._text import examples
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError

__all__ = [
    "DMResult",
    "bias",
    "compare_forecasts",
    "coverage",
    "diebold_mariano",
    "evaluate",
    "interval_score",
    "interval_width",
    "mae",
    "mase",
    "pinball",
    "poisson_floor_wape",
    "poisson_mean_absolute_deviation",
    "relative_bias",
    "rmse",
    "rmsse",
    "seasonal_scale",
    "smape",
    "wape",
]

ArrayLike = Any  # numpy array, pandas Series, list of numbers


# --------------------------------------------------------------------------- helpers


def _as_float(x: ArrayLike, name: str) -> np.ndarray:
    """A 1-D float64 array; pandas NA becomes NaN."""
    try:
        if isinstance(x, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
            arr = pd.Series(x).to_numpy(dtype="float64", na_value=np.nan)
        else:
            arr = np.asarray(x, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise InvalidFrameError(
            f"{name}: values must be numbers (NaN for missing); could not convert "
            f"({exc}). Fix: convert the column with pd.to_numeric first."
        ) from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InvalidFrameError(
            f"{name}: expected a 1-D array, got shape {arr.shape}. Fix: pass one column "
            "or flatten the array."
        )
    return arr


def _as_mask(mask: ArrayLike, n: int) -> np.ndarray:
    """Boolean keep-array; a missing (NA) flag counts as open."""
    m = pd.array(np.asarray(mask) if not isinstance(mask, pd.Series) else mask, dtype="boolean")
    if len(m) != n:
        raise InvalidFrameError(
            f"mask: length {len(m)} differs from the data length {n}. Fix: pass one "
            "is_open flag per value."
        )
    return m.fillna(True).to_numpy(dtype=bool)


def _select(mask: ArrayLike | None, **arrays: ArrayLike) -> list[np.ndarray]:
    """Align the arrays and keep positions that are numbers everywhere and open."""
    names = list(arrays)
    values = [_as_float(arrays[name], name) for name in names]
    lengths = {name: len(v) for name, v in zip(names, values, strict=True)}
    if len(set(lengths.values())) > 1:
        raise InvalidFrameError(
            f"{', '.join(names)}: lengths differ ({lengths}). Fix: pass arrays of the "
            "same length, aligned on the same intervals."
        )
    keep = np.ones(len(values[0]), dtype=bool)
    for v in values:
        keep &= ~np.isnan(v)
    if mask is not None:
        keep &= _as_mask(mask, len(keep))
    return [v[keep] for v in values]


def _ratio(num: float, den: float) -> float:
    with np.errstate(over="ignore"):
        return float(np.float64(num) / den) if den != 0 else float("nan")


def _check_quantile(quantile: float) -> float:
    q = float(quantile)
    if not 0.0 < q < 1.0:
        raise ConfigError(
            f"quantile: must lie strictly between 0 and 1, got {quantile!r}. Fix: pass "
            "e.g. 0.9 for the 90 % quantile (not 90)."
        )
    return q


def _check_level(level: float) -> float:
    lv = float(level)
    if not 1.0 <= lv < 100.0:
        raise ConfigError(
            f"level: must be a percentage from 1 up to (not including) 100, got {level!r}. "
            "Fix: pass e.g. 80 for an 80 % interval (not 0.8)."
        )
    return lv


def _check_season(season: Any) -> int:
    if isinstance(season, bool) or not isinstance(season, (int, np.integer)) or season < 1:
        raise ConfigError(
            f"season: must be a positive whole number of intervals, got {season!r}. "
            "Fix: e.g. 7 for daily data with a weekly rhythm, 28 * 5 for 28 open "
            "half-hours a weekday."
        )
    return int(season)


# --------------------------------------------------------------------------- point metrics


def mae(y: ArrayLike, yhat: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Mean absolute error, ``mean(|y - yhat|)``.

    Parameters
    ----------
    y, yhat : array-like
        Actuals and forecasts, aligned. NaN in either excludes the position.
    mask : array-like of bool, optional
        ``False`` where the channel was closed; those positions are excluded.

    Returns
    -------
    float
        NaN when no position is left.

    Examples
    --------
    >>> mae([10, 20, 30], [12, 20, 27])
    1.6666666666666667
    >>> mae([10, 20, 30], [12, 20, 27], mask=[True, True, False])
    1.0
    """
    y_, f = _select(mask, y=y, yhat=yhat)
    return float(np.mean(np.abs(y_ - f))) if len(y_) else float("nan")


def rmse(y: ArrayLike, yhat: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Root mean squared error, ``sqrt(mean((y - yhat)**2))``.

    Same exclusion rules as :func:`mae`.

    Examples
    --------
    >>> rmse([10, 20, 30], [13, 20, 26])
    2.886751345948129
    """
    y_, f = _select(mask, y=y, yhat=yhat)
    return float(np.sqrt(np.mean((y_ - f) ** 2))) if len(y_) else float("nan")


def wape(y: ArrayLike, yhat: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Weighted absolute percentage error, ``sum|y - yhat| / sum y`` (a fraction).

    Pooled over all positions given, as in BENCHMARKS.md: busy intervals weigh more
    than quiet ones, and zero actuals do not blow it up. Multiply by 100 for percent.

    Returns
    -------
    float
        NaN when the actuals sum to 0 (the ratio is undefined) or nothing is left.

    Examples
    --------
    >>> wape([10, 20, 30], [12, 20, 27])
    0.08333333333333333
    >>> wape([0, 0], [1, 2])
    nan
    """
    y_, f = _select(mask, y=y, yhat=yhat)
    return _ratio(np.sum(np.abs(y_ - f)), np.sum(y_))


def smape(y: ArrayLike, yhat: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Symmetric MAPE on the 0..200 scale, ``mean(200 |y - yhat| / (|y| + |yhat|))``.

    A position where both actual and forecast are 0 is a perfect forecast and counts
    as 0 (not NaN).

    Examples
    --------
    >>> smape([10, 0, 0], [30, 0, 5])
    100.0
    """
    y_, f = _select(mask, y=y, yhat=yhat)
    if not len(y_):
        return float("nan")
    den = np.abs(y_) + np.abs(f)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(den > 0, 200.0 * np.abs(y_ - f) / den, 0.0)
    return float(np.mean(terms))


def bias(y: ArrayLike, yhat: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Mean forecast error ``mean(yhat - y)``: positive means over-forecasting.

    Examples
    --------
    >>> bias([10, 20, 30], [12, 20, 27])
    -0.3333333333333333
    """
    y_, f = _select(mask, y=y, yhat=yhat)
    return float(np.mean(f - y_)) if len(y_) else float("nan")


def relative_bias(y: ArrayLike, yhat: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Bias relative to volume, ``sum(yhat - y) / sum y`` (NaN when ``sum y == 0``).

    Examples
    --------
    >>> relative_bias([10, 20, 30], [12, 20, 34])
    0.1
    """
    y_, f = _select(mask, y=y, yhat=yhat)
    return _ratio(np.sum(f - y_), np.sum(y_))


def _seasonal_diffs(y_train: ArrayLike, season: int, train_mask: ArrayLike | None) -> np.ndarray:
    yt = _as_float(y_train, "y_train")
    if train_mask is not None:
        yt = np.where(_as_mask(train_mask, len(yt)), yt, np.nan)
    diffs = yt[season:] - yt[:-season] if len(yt) > season else np.empty(0)
    return diffs[~np.isnan(diffs)]


def mase(
    y: ArrayLike,
    yhat: ArrayLike,
    y_train: ArrayLike,
    season: int = 1,
    *,
    mask: ArrayLike | None = None,
    train_mask: ArrayLike | None = None,
) -> float:
    """Mean absolute scaled error: MAE divided by the in-sample seasonal-naive MAE.

    The scale is ``mean |y_train[t] - y_train[t - season]|`` over the training part,
    by position; pairs with a NaN or a closed interval (``train_mask == False``) on
    either side are skipped. Below 1 the forecast beats the seasonal naive in sample.

    Returns
    -------
    float
        NaN when the scale is 0 (the training part repeats itself exactly every
        season, so any error is infinitely worse than the naive) or cannot be
        computed (fewer than ``season + 1`` usable training values), and when no
        test position is left.

    Examples
    --------
    >>> mase([12, 14], [11, 16], y_train=[10, 12, 11, 13], season=2)
    1.5
    """
    season = _check_season(season)
    diffs = _seasonal_diffs(y_train, season, train_mask)
    scale = float(np.mean(np.abs(diffs))) if len(diffs) else float("nan")
    if not scale > 0:
        return float("nan")
    return mae(y, yhat, mask=mask) / scale


def rmsse(
    y: ArrayLike,
    yhat: ArrayLike,
    y_train: ArrayLike,
    season: int = 1,
    *,
    mask: ArrayLike | None = None,
    train_mask: ArrayLike | None = None,
) -> float:
    """Root mean squared scaled error (M5): ``sqrt(MSE / mean(seasonal diff**2))``.

    Scale, exclusions and NaN cases as in :func:`mase`.

    Examples
    --------
    >>> rmsse([12, 14], [11, 16], y_train=[10, 12, 11, 13], season=2)
    1.5811388300841898
    """
    season = _check_season(season)
    diffs = _seasonal_diffs(y_train, season, train_mask)
    scale = float(np.mean(diffs**2)) if len(diffs) else float("nan")
    if not scale > 0:
        return float("nan")
    return float(np.sqrt(rmse(y, yhat, mask=mask) ** 2 / scale))


# --------------------------------------------------------------------------- intervals


def pinball(
    y: ArrayLike, q_pred: ArrayLike, quantile: float, *, mask: ArrayLike | None = None
) -> float:
    """Pinball (quantile) loss of a quantile forecast, averaged over positions.

    ``q * (y - q_pred)`` when the actual is above the forecast, ``(1 - q) *
    (q_pred - y)`` when below. The lower bound of an 80 % interval is the 0.1
    quantile, the upper bound the 0.9 quantile.

    Examples
    --------
    >>> pinball([10, 20], [12, 15], quantile=0.9)
    2.35
    """
    q = _check_quantile(quantile)
    y_, p = _select(mask, y=y, q_pred=q_pred)
    if not len(y_):
        return float("nan")
    diff = y_ - p
    return float(np.mean(np.maximum(q * diff, (q - 1.0) * diff)))


def coverage(y: ArrayLike, lo: ArrayLike, hi: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Share of actuals inside the closed interval ``[lo, hi]`` (0..1).

    An 80 % interval should cover about 0.8.

    Examples
    --------
    >>> coverage([10, 20, 30, 40], [8, 21, 25, 30], [12, 25, 30, 39])
    0.5
    """
    y_, lo_, hi_ = _select(mask, y=y, lo=lo, hi=hi)
    if not len(y_):
        return float("nan")
    return float(np.mean((lo_ <= y_) & (y_ <= hi_)))


def interval_width(lo: ArrayLike, hi: ArrayLike, *, mask: ArrayLike | None = None) -> float:
    """Mean width ``mean(hi - lo)`` of the intervals.

    Examples
    --------
    >>> interval_width([8, 21], [12, 25])
    4.0
    """
    lo_, hi_ = _select(mask, lo=lo, hi=hi)
    return float(np.mean(hi_ - lo_)) if len(lo_) else float("nan")


def interval_score(
    y: ArrayLike,
    lo: ArrayLike,
    hi: ArrayLike,
    level: float,
    *,
    mask: ArrayLike | None = None,
) -> float:
    """Winkler / Gneiting-Raftery interval score, averaged (lower is better).

    ``(hi - lo) + 2/a * (lo - y) * [y < lo] + 2/a * (y - hi) * [y > hi]`` with
    ``a = 1 - level / 100``: width plus a penalty for every miss.

    Parameters
    ----------
    level : float
        Nominal coverage in percent, e.g. 80.

    Examples
    --------
    >>> round(interval_score([10, 30], [8, 20], [12, 25], level=80), 6)
    29.5
    """
    alpha = 1.0 - _check_level(level) / 100.0
    y_, lo_, hi_ = _select(mask, y=y, lo=lo, hi=hi)
    if not len(y_):
        return float("nan")
    score = (
        (hi_ - lo_)
        + 2.0 / alpha * np.clip(lo_ - y_, 0.0, None)
        + 2.0 / alpha * np.clip(y_ - hi_, 0.0, None)
    )
    return float(np.mean(score))


# --------------------------------------------------------------------------- Poisson floor


def poisson_mean_absolute_deviation(lam: ArrayLike) -> np.ndarray:
    """Exact mean absolute deviation ``E|Y - lam|`` of ``Y ~ Poisson(lam)``.

    ``E|Y - lam| = 2 e^-lam lam^(k+1) / k!`` with ``k = floor(lam)``, computed in
    log space (``scipy.special.gammaln``) so it is stable for large lam.

    Examples
    --------
    >>> poisson_mean_absolute_deviation([0.0, 1.0, 100.0]).round(4)
    array([0.    , 0.7358, 7.9722])
    """
    from scipy.special import gammaln

    lam_ = _as_float(lam, "lam")
    if np.any(lam_ < 0):
        raise InvalidFrameError(
            f"lam: expected counts must be >= 0, got {examples(lam_[lam_ < 0])}. "
            "Fix: pass the expected number of arrivals per interval."
        )
    k = np.floor(lam_)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mad = np.log(2.0) - lam_ + (k + 1.0) * np.log(lam_) - gammaln(k + 1.0)
    out = np.exp(log_mad)
    out[lam_ == 0] = 0.0
    return out


def poisson_floor_wape(lam: ArrayLike, *, exact: bool | None = None) -> float:
    """The lowest WAPE the true mean achieves when arrivals are Poisson counts.

    Even a forecast equal to the true expected count ``lam`` misses by the count
    noise, ``E|Y - lam|``. Read model WAPEs against this floor: a model at 6 % on
    intervals with a floor of 2.3 % has room to improve; one at 17 % on intervals
    of 25 expected arrivals (floor about 16 %) has almost none.

    Parameters
    ----------
    lam : float or array-like
        Expected arrivals per interval. NaN entries (missing, closed) are left out.
    exact : bool, optional
        ``False``: the large-lam approximation ``sqrt(2 / (pi lam))`` (for an array,
        ``sum sqrt(2 lam / pi) / sum lam``). ``True``: the exact pooled floor
        ``sum E|Y - lam| / sum lam`` with the Poisson mean absolute deviation from
        :func:`poisson_mean_absolute_deviation`. ``None`` (default): the
        approximation for a single number (the DOMAIN.md rule of thumb) and the
        exact pooled floor for an array. The two agree within 1 % of the value for
        lam >= 10; for lam near 1 the approximation is about 10 % too low.

    Returns
    -------
    float
        A fraction (0.16 = 16 %); NaN when the lambdas sum to 0.

    Notes
    -----
    The floor is for forecasting the mean. A forecast of the median can score a
    marginally lower absolute error, so treat the floor as "about the best possible".

    Examples
    --------
    >>> [round(poisson_floor_wape(x), 3) for x in (25, 100, 250)]
    [0.16, 0.08, 0.05]
    >>> round(poisson_floor_wape([25.0, 100.0, 250.0]), 4)
    0.0655
    """
    scalar = np.ndim(lam) == 0
    lam_ = _as_float(lam, "lam")
    lam_ = lam_[~np.isnan(lam_)]
    if np.any(lam_ < 0):
        raise InvalidFrameError(
            f"lam: expected counts must be >= 0, got {examples(lam_[lam_ < 0])}. "
            "Fix: pass the expected number of arrivals per interval."
        )
    total = float(np.sum(lam_))
    if not total > 0:
        return float("nan")
    use_exact = (not scalar) if exact is None else bool(exact)
    if use_exact:
        return float(np.sum(poisson_mean_absolute_deviation(lam_)) / total)
    return float(np.sum(np.sqrt(2.0 * lam_ / math.pi)) / total)


# --------------------------------------------------------------------------- Diebold-Mariano

_ALTERNATIVES = ("two-sided", "less", "greater")
_LOSSES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "squared": np.square,
    "absolute": np.abs,
}


@dataclass(frozen=True)
class DMResult:
    """Outcome of a Diebold-Mariano test (see :func:`diebold_mariano`).

    Attributes
    ----------
    statistic : float
        The (HLN-corrected) DM statistic; negative when the first forecast has the
        smaller loss.
    p_value : float
        From Student-t with ``n - 1`` df (HLN) or the standard normal (original DM).
    mean_loss_difference : float
        ``mean(L(e1) - L(e2))``.
    n : int
        Number of error pairs used.
    h : int
        Forecast horizon used for the long-run variance.
    alternative : str
        ``"two-sided"``, ``"less"`` or ``"greater"``.
    variance : str
        ``"rectangular"`` (the original DM estimator), ``"bartlett"`` (fallback when
        the rectangular estimate is not positive) or ``"zero"`` (constant loss
        differential).
    """

    statistic: float
    p_value: float
    mean_loss_difference: float
    n: int
    h: int
    alternative: str = "two-sided"
    variance: str = "rectangular"

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (for tables and the store)."""
        return asdict(self)


def _autocov(d: np.ndarray, max_lag: int) -> np.ndarray:
    """gamma_k = (1/n) sum_{t>=k} (d_t - mean)(d_{t-k} - mean), k = 0..max_lag."""
    n = len(d)
    c = d - d.mean()
    return np.array([np.dot(c[k:], c[: n - k]) / n for k in range(max_lag + 1)])


def diebold_mariano(
    e1: ArrayLike,
    e2: ArrayLike,
    *,
    h: int = 1,
    loss: str | Callable[[np.ndarray], np.ndarray] = "squared",
    harvey_correction: bool = True,
    alternative: str = "two-sided",
    mask: ArrayLike | None = None,
) -> DMResult:
    """Diebold-Mariano test of equal accuracy, with the Harvey-Leybourne-Newbold correction.

    The loss differential ``d = L(e1) - L(e2)`` is tested for mean zero. Its
    long-run variance uses the autocovariances up to lag ``h - 1`` with equal
    (rectangular) weights, as in Diebold & Mariano (1995): errors of h-step
    forecasts are at most MA(h - 1). With ``harvey_correction`` the statistic is
    multiplied by ``sqrt((n + 1 - 2h + h(h - 1)/n) / n)`` and compared with
    Student-t on ``n - 1`` df (Harvey, Leybourne & Newbold 1997), as R's
    ``forecast::dm.test`` does.

    Parameters
    ----------
    e1, e2 : array-like
        Forecast errors (actual - forecast) of the two forecasts on the same
        intervals, in time order. Pairs with a NaN on either side, or where
        ``mask`` is ``False`` (closed), are dropped.
    h : int, default 1
        Forecast horizon.
    loss : {"squared", "absolute"} or callable
        Loss applied elementwise to the errors.
    harvey_correction : bool, default True
        Apply the small-sample correction and the t distribution; ``False`` gives
        the original DM statistic against the standard normal.
    alternative : {"two-sided", "less", "greater"}
        ``"less"``: forecast 1 is more accurate (smaller expected loss);
        ``"greater"``: forecast 2 is more accurate.
    mask : array-like of bool, optional
        ``False`` where the channel was closed.

    Returns
    -------
    DMResult

    Raises
    ------
    InvalidFrameError
        When fewer than ``max(2, h + 1)`` pairs are left.
    ConfigError
        For an unknown ``loss`` or ``alternative`` or a non-positive ``h``.

    Notes
    -----
    - If the rectangular variance is not positive (possible for h > 1), Bartlett
      weights ``1 - k/h`` are used instead (always >= 0) and a ``RuntimeWarning``
      says so; ``DMResult.variance`` records which estimator was used.
    - If ``d`` is constant the variance is 0: with ``mean(d) == 0`` the forecasts
      are equally accurate (statistic NaN, p-value 1); otherwise one forecast is
      better at every interval and the statistic is +/-inf with p-value 0 (1 for
      the one-sided alternative pointing the other way).

    Examples
    --------
    >>> e1 = [1.0, -2.0, 0.5, 1.5, -1.0, 0.8]
    >>> e2 = [2.0, -2.5, 1.5, 2.0, -1.5, 1.0]
    >>> r = diebold_mariano(e1, e2)
    >>> round(r.statistic, 3), round(r.p_value, 4), r.n
    (-4.81, 0.0048, 6)
    """
    h = _check_h_alternative(h, alternative)
    loss_fn = _loss_function(loss)
    a, b = _select(mask, e1=e1, e2=e2)
    d = np.asarray(loss_fn(a), dtype=float) - np.asarray(loss_fn(b), dtype=float)
    return _dm_from_differential(
        d, h=h, harvey_correction=harvey_correction, alternative=alternative
    )


def _loss_function(
    loss: str | Callable[[np.ndarray], np.ndarray],
) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(loss, str):
        if loss not in _LOSSES:
            raise ConfigError(
                f"loss: got {loss!r}; choose one of {sorted(_LOSSES)} or pass a function "
                "that maps an error array to a loss array."
            )
        return _LOSSES[loss]
    if callable(loss):
        return loss
    raise ConfigError(f"loss: expected a name or a callable, got {type(loss).__name__}.")


def _check_h_alternative(h: Any, alternative: str) -> int:
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise ConfigError(
            f"h: must be a positive whole number of steps, got {h!r}. Fix: pass the "
            "forecast horizon, e.g. h=1 for one-step-ahead errors."
        )
    if alternative not in _ALTERNATIVES:
        raise ConfigError(f"alternative: got {alternative!r}; choose one of {_ALTERNATIVES}.")
    return int(h)


def _dm_from_differential(
    d: np.ndarray, *, h: int, harvey_correction: bool, alternative: str
) -> DMResult:
    """The DM test on a loss differential already cleaned of NaN, in time order."""
    n = len(d)
    if n < max(2, h + 1):
        raise InvalidFrameError(
            f"e1, e2: the Diebold-Mariano test needs at least {max(2, h + 1)} error pairs "
            f"for h={h} after dropping NaN and closed intervals, got {n}. Fix: evaluate "
            "more intervals (more windows or a longer test period), or lower h."
        )
    dbar = float(np.mean(d))
    gamma = _autocov(d, h - 1)
    method = "rectangular"
    var = (gamma[0] + 2.0 * np.sum(gamma[1:])) / n
    if np.ptp(d) == 0:
        method, var = "zero", 0.0
    elif not var > 0:
        weights = 1.0 - np.arange(1, h) / h
        var = (gamma[0] + 2.0 * np.sum(weights * gamma[1:])) / n
        method = "bartlett"
        warnings.warn(
            f"Diebold-Mariano: the rectangular long-run variance for h={h} is not "
            "positive; used Bartlett weights instead.",
            RuntimeWarning,
            stacklevel=3,
        )

    if method == "zero":
        if dbar == 0:
            return DMResult(float("nan"), 1.0, dbar, n, h, alternative, method)
        stat = math.copysign(math.inf, dbar)
    else:
        stat = dbar / math.sqrt(var)
        if harvey_correction:
            stat *= math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)

    from scipy import special  # lighter to import than scipy.stats

    def cdf(x: float) -> float:
        return float(special.stdtr(n - 1, x) if harvey_correction else special.ndtr(x))

    if alternative == "two-sided":
        p = 2.0 * cdf(-abs(stat))
    elif alternative == "less":
        p = cdf(stat)
    else:
        p = cdf(-stat)
    return DMResult(float(stat), float(min(p, 1.0)), dbar, n, h, alternative, method)


# --------------------------------------------------------------------------- frames

_SCALE_KEYS = ("unique_id", "cutoff")


def _require_columns(df: pd.DataFrame, columns: Sequence[str], what: str, fix: str) -> None:
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


def _column_float(df: pd.DataFrame, col: str) -> np.ndarray:
    return _as_float(df[col], f"column {col!r}")


def _open_flags(df: pd.DataFrame, mask_col: str | None) -> np.ndarray:
    if mask_col is None or mask_col not in df.columns:
        return np.ones(len(df), dtype=bool)
    return _as_mask(df[mask_col], len(df))


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def seasonal_scale(
    train: pd.DataFrame,
    season: int,
    *,
    cutoffs: pd.DataFrame | Sequence[Any] | None = None,
    y_col: str = "y",
    mask_col: str | None = "is_open",
) -> pd.DataFrame:
    """MASE and RMSSE scales: in-sample seasonal-naive errors of each training part.

    For each series the seasonal difference ``y[t] - y[t - season]`` is taken by
    position in ``ds`` order (so on a frame whose closed intervals are absent,
    ``season`` counts open intervals: 5 weekdays x 28 half-hours = 140). Pairs with
    a NaN or a closed interval (``mask_col`` False) on either side are skipped.

    Parameters
    ----------
    train : DataFrame
        Long frame with ``unique_id``, ``ds``, ``y_col`` and optionally ``cutoff``:
        with a ``cutoff`` column, each (series, cutoff) group *is* its training part.
    season : int
        Seasonal period in intervals (positions).
    cutoffs : DataFrame or sequence of timestamps, optional
        Without a ``cutoff`` column in ``train``: the training part for cutoff c is
        every row with ``ds <= c``. A frame gives (``unique_id``, ``cutoff``) pairs,
        a sequence applies the same cutoffs to every series. ``None``: one scale per
        series from all its rows.
    y_col, mask_col : str
        Column names of the counts and of the open flag.

    Returns
    -------
    DataFrame
        ``unique_id``, ``cutoff`` (when there are cutoffs), ``mae_scale`` (mean
        absolute seasonal difference), ``mse_scale`` (mean squared one) and
        ``n_scale`` (pairs used). A scale is NaN when no pair is usable and 0 when
        the series repeats itself exactly; :func:`evaluate` leaves both out of
        MASE/RMSSE with a :class:`~demandcast.exceptions.DataWarning`.

    Examples
    --------
    >>> train = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=5),
    ...                       "y": [10.0, 12, 11, 13, 17]})
    >>> seasonal_scale(train, 2)
      unique_id  mae_scale  mse_scale  n_scale
    0         a   2.666667  12.666667        3
    >>> seasonal_scale(train, 2, cutoffs=[pd.Timestamp("2024-01-04")])
      unique_id     cutoff  mae_scale  mse_scale  n_scale
    0         a 2024-01-04        1.0        1.0        2
    """
    season = _check_season(season)
    fix = "pass the training history as a long frame (unique_id, ds, y)."
    _require_columns(train, ["unique_id", "ds", y_col], "train", fix)
    has_cut = "cutoff" in train.columns
    keys = ["unique_id", "cutoff"] if has_cut else ["unique_id"]
    y = np.where(_open_flags(train, mask_col), _column_float(train, y_col), np.nan)
    df = pd.DataFrame({k: train[k].reset_index(drop=True) for k in [*keys, "ds"]})
    df["_y"] = y
    df = df.sort_values([*keys, "ds"], kind="stable", ignore_index=True)
    diff = df["_y"] - df.groupby(keys, sort=False, dropna=False)["_y"].shift(season)
    df["_abs"] = diff.abs()
    df["_sq"] = diff**2

    if has_cut or cutoffs is None:
        out = (
            df.groupby(keys, sort=True, dropna=False)
            .agg(mae_scale=("_abs", "mean"), mse_scale=("_sq", "mean"), n_scale=("_abs", "count"))
            .reset_index()
        )
        out["n_scale"] = out["n_scale"].astype("int64")
        return out

    if isinstance(cutoffs, pd.DataFrame):
        _require_columns(cutoffs, list(_SCALE_KEYS), "cutoffs", "pass (unique_id, cutoff) pairs.")
        pairs = cutoffs[list(_SCALE_KEYS)].drop_duplicates()
    else:
        cut_values = pd.Series(pd.to_datetime(pd.Series(list(cutoffs))).unique())
        uids = pd.Series(df["unique_id"].unique())
        pairs = pd.DataFrame(
            {
                "unique_id": np.repeat(uids.to_numpy(), len(cut_values)),
                "cutoff": np.tile(cut_values.to_numpy(), len(uids)),
            }
        )
    df["_n"] = df["_abs"].notna().astype("int64")
    df["_abs"] = df["_abs"].fillna(0.0)
    df["_sq"] = df["_sq"].fillna(0.0)
    cum = df.groupby("unique_id", sort=False)[["_abs", "_sq", "_n"]].cumsum()
    cum.insert(0, "ds", df["ds"])
    cum.insert(0, "unique_id", df["unique_id"])
    left = pairs.reset_index(drop=True)
    try:
        left["_cut"] = left["cutoff"].astype(cum["ds"].dtype)
    except (TypeError, ValueError) as exc:
        raise InvalidFrameError(
            f"cutoff: cannot compare cutoffs ({left['cutoff'].dtype}) with train ds "
            f"({cum['ds'].dtype}): {exc}. Fix: give both the same time zone."
        ) from exc
    merged = pd.merge_asof(
        left.sort_values("_cut", kind="stable"),
        cum.sort_values("ds", kind="stable"),
        left_on="_cut",
        right_on="ds",
        by="unique_id",
        direction="backward",
    )
    n = merged["_n"].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "unique_id": merged["unique_id"],
                "cutoff": merged["cutoff"],
                "mae_scale": np.where(n > 0, merged["_abs"] / n, np.nan),
                "mse_scale": np.where(n > 0, merged["_sq"] / n, np.nan),
                "n_scale": n,
            }
        )
    return out.sort_values(list(_SCALE_KEYS), kind="stable", ignore_index=True)


def _level_quantiles(level: float) -> tuple[float, float]:
    alpha = 1.0 - _check_level(level) / 100.0
    return alpha / 2.0, 1.0 - alpha / 2.0


def _level_name(level: float) -> str:
    return f"{float(level):g}"


def _pinball_name(q: float) -> str:
    return f"pinball_q{100.0 * q:g}"


def _resolve_scales(
    frame: pd.DataFrame,
    train: pd.DataFrame | pd.Series | Mapping[Any, float] | None,
    season: int | None,
    y_col: str,
    mask_col: str | None,
) -> pd.DataFrame | None:
    """The (unique_id[, cutoff]) -> mae_scale, mse_scale table for ``evaluate``."""
    if train is None:
        return None
    if isinstance(train, pd.DataFrame) and "mae_scale" in train.columns:
        scales = train.copy()
    elif isinstance(train, (pd.Series, Mapping)):
        series = pd.Series(train, dtype="float64") if isinstance(train, Mapping) else train
        scales = series.rename("mae_scale").to_frame()
        if isinstance(scales.index, pd.MultiIndex):
            scales.index.names = list(_SCALE_KEYS[: scales.index.nlevels])
        else:
            scales.index.name = "unique_id"
        scales = scales.reset_index()
    else:
        if season is None:
            raise ConfigError(
                "season: required to compute MASE/RMSSE scales from `train`. Fix: pass "
                "the seasonal period in intervals, e.g. season=7 for daily data, or "
                "pass precomputed scales from seasonal_scale()."
            )
        cutoffs = None
        if "cutoff" in frame.columns and "cutoff" not in train.columns:
            cutoffs = frame[list(_SCALE_KEYS)].drop_duplicates()
        scales = seasonal_scale(train, season, cutoffs=cutoffs, y_col=y_col, mask_col=mask_col)
    keys = [k for k in _SCALE_KEYS if k in scales.columns]
    if "unique_id" not in keys:
        raise InvalidFrameError(
            "train: the scale table has no unique_id column. Fix: pass the output of "
            "seasonal_scale() or a mapping unique_id -> scale."
        )
    _require_columns(frame, keys, "frame", "evaluate with the same keys as the scales.")
    if "mse_scale" not in scales.columns:
        scales["mse_scale"] = np.nan
    return scales[[*keys, "mae_scale", "mse_scale"]]


def evaluate(
    frame: pd.DataFrame,
    models: str | Sequence[str],
    *,
    y_col: str = "y",
    by: str | Sequence[str] | None = None,
    levels: Sequence[float] = (),
    train: pd.DataFrame | pd.Series | Mapping[Any, float] | None = None,
    season: int | None = None,
    mask_col: str | None = "is_open",
) -> pd.DataFrame:
    """Every accuracy metric for each model and group of a forecast frame.

    Parameters
    ----------
    frame : DataFrame
        Forecasts beside actuals, e.g. ``BacktestResult.forecasts``: ``y_col``, one
        column per model, interval columns ``<model>-lo-<level>`` and
        ``<model>-hi-<level>``, and the ``by`` columns (``unique_id``, ``step``,
        ``cutoff`` ...). Rows where ``mask_col`` is False (closed) or the actual or
        the model's forecast is NaN are left out, per model.
    models : str or sequence of str
        Model columns to score.
    by : str or sequence of str, optional
        Grouping columns; ``"model"`` may be among them and is always in the output.
    levels : sequence of float
        Interval levels in percent to score (coverage, width, pinball, interval score).
    train : DataFrame, Series or mapping, optional
        For MASE and RMSSE: the training history as a long frame (``unique_id``,
        ``ds``, ``y`` and optionally ``cutoff``; see :func:`seasonal_scale`), or
        precomputed scales (the output of :func:`seasonal_scale`, or a mapping from
        ``unique_id`` or ``(unique_id, cutoff)`` to the MAE scale). Without it the
        ``mase`` and ``rmsse`` columns are NaN.
    season : int, optional
        Seasonal period in intervals; needed when ``train`` is a history.
    y_col, mask_col : str
        Column names of the actuals and of the open flag.

    Returns
    -------
    DataFrame
        One row per model and group: ``model``, the ``by`` columns, ``n`` (points
        scored), ``mae``, ``rmse``, ``mase``, ``rmsse``, ``wape``, ``smape``,
        ``bias``, ``relative_bias`` and, per level l with quantiles a/2 and 1 - a/2,
        ``coverage_<l>``, ``width_<l>``, ``interval_score_<l>``,
        ``pinball_q<100 a/2>`` and ``pinball_q<100 (1 - a/2)>`` (80 -> ``pinball_q10``,
        ``pinball_q90``). Rates as in the array functions: ``wape``,
        ``relative_bias`` and ``coverage`` are fractions, ``smape`` is 0..200.

    Notes
    -----
    Everything except MASE/RMSSE is pooled over the rows of a group (``wape`` is
    ``sum|e| / sum y`` of the group). MASE is the mean over the (series, cutoff)
    pairs in the group of ``MAE / mae_scale``, each with the scale of its own
    training part; RMSSE likewise with ``sqrt(MSE / mse_scale)``. Pairs whose
    scale is 0 or unknown are left out of that mean and reported with a
    :class:`~demandcast.exceptions.DataWarning`.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "a", "step": [1, 2, 1, 2],
    ...                    "y": [10.0, 20, 30, 40], "naive": [12.0, 18, 30, 50],
    ...                    "naive-lo-80": [8.0, 15, 25, 45], "naive-hi-80": [14.0, 21, 35, 55]})
    >>> evaluate(fc, "naive", by="step", levels=[80])[["model", "step", "mae", "wape",
    ...                                                 "coverage_80"]]
       model  step  mae  wape  coverage_80
    0  naive     1  1.0  0.05          1.0
    1  naive     2  6.0  0.20          0.5
    """
    model_list = _as_list(models)
    if not model_list:
        raise ConfigError("models: no model given. Fix: pass one or more model column names.")
    group_cols = [c for c in _as_list(by) if c != "model"]
    level_list = [float(_check_level(lv)) for lv in levels]
    interval_cols = [
        f"{m}-{side}-{_level_name(lv)}"
        for m in model_list
        for lv in level_list
        for side in ("lo", "hi")
    ]
    _require_columns(
        frame,
        [y_col, *model_list, *group_cols, *interval_cols],
        "frame",
        "pass the forecast frame with actuals (e.g. BacktestResult.forecasts) and "
        "model/by/level names that exist in it.",
    )
    scales = _resolve_scales(frame, train, season, y_col, mask_col)
    scale_keys = [c for c in scales.columns if c in _SCALE_KEYS] if scales is not None else []
    # MASE averages over (series, cutoff) pairs, whatever the scale table is keyed by
    sub_keys = group_cols + [
        k for k in _SCALE_KEYS if scales is not None and k in frame.columns and k not in group_cols
    ]

    y = _column_float(frame, y_col)
    base_ok = ~np.isnan(y) & _open_flags(frame, mask_col)
    groups = _Groups(frame, group_cols)
    subs = _Groups(frame, sub_keys) if scales is not None else None
    results, bad_pairs = [], []
    for model in model_list:
        f = _column_float(frame, model)
        ok = base_ok & ~np.isnan(f)
        err = np.where(ok, f - y, 0.0)
        den = np.abs(y) + np.abs(f)
        with np.errstate(divide="ignore", invalid="ignore"):
            smape_t = np.where(ok & (den > 0), 200.0 * np.abs(err) / den, 0.0)
        n = groups.sum(ok)
        abs_sum, sq_sum = groups.sum(np.abs(err)), groups.sum(err**2)
        y_sum, err_sum = groups.sum(np.where(ok, y, 0.0)), groups.sum(err)
        out = groups.keys.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["n"] = n.astype("int64")
            out["mae"] = abs_sum / n
            out["rmse"] = np.sqrt(sq_sum / n)
            out["mase"] = np.nan
            out["rmsse"] = np.nan
            out["wape"] = _safe_div(abs_sum, y_sum)
            out["smape"] = groups.sum(smape_t) / n
            out["bias"] = err_sum / n
            out["relative_bias"] = _safe_div(err_sum, y_sum)
            for lv in level_list:
                out = out.assign(**_interval_metrics(frame, model, lv, y, base_ok, groups))
        if subs is not None and scales is not None:
            mase_, rmsse_, bad = _scaled_errors(
                subs, groups, ok, np.abs(err), err**2, scale_keys, scales
            )
            out["mase"], out["rmsse"] = mase_, rmsse_
            bad_pairs.extend(bad)
        out.insert(0, "model", model)
        results.append(out)
    if bad_pairs:
        bad_unique = list(dict.fromkeys(bad_pairs))
        warnings.warn(
            f"mase/rmsse: {len(bad_unique)} (series, cutoff) pair(s) have a seasonal scale "
            f"of 0 or none (too little training data) and were left out of the mean, e.g. "
            f"{examples(bad_unique)}. Fix: give more training history or a shorter season.",
            DataWarning,
            stacklevel=2,
        )
    return pd.concat(results, ignore_index=True)


class _Groups:
    """Integer group codes of a frame's key columns, for fast ``np.bincount`` sums."""

    def __init__(self, frame: pd.DataFrame, keys: list[str]) -> None:
        if keys:
            grouped = frame.groupby(keys, sort=True, dropna=False, observed=True)
            self.codes = grouped.ngroup().to_numpy()
            self.size = int(grouped.ngroups)
            _, first = np.unique(self.codes, return_index=True)
            self.first = first
            self.keys = frame[keys].iloc[first].reset_index(drop=True)
        else:
            self.codes = np.zeros(len(frame), dtype="int64")
            self.size = 1
            self.first = np.zeros(1, dtype="int64")
            self.keys = pd.DataFrame(index=pd.RangeIndex(1))

    def sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=values, minlength=self.size)


def _interval_metrics(
    frame: pd.DataFrame,
    model: str,
    level: float,
    y: np.ndarray,
    base_ok: np.ndarray,
    groups: _Groups,
) -> dict[str, np.ndarray]:
    name = _level_name(level)
    lo = _column_float(frame, f"{model}-lo-{name}")
    hi = _column_float(frame, f"{model}-hi-{name}")
    ok = base_ok & ~np.isnan(lo) & ~np.isnan(hi)
    lo0, hi0, y0 = (np.where(ok, a, 0.0) for a in (lo, hi, y))
    q_lo, q_hi = _level_quantiles(level)
    alpha = 1.0 - level / 100.0
    d_lo, d_hi = y0 - lo0, y0 - hi0
    score = (
        (hi0 - lo0)
        + 2.0 / alpha * np.clip(-d_lo, 0.0, None)
        + 2.0 / alpha * np.clip(d_hi, 0.0, None)
    )
    n = groups.sum(ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            f"coverage_{name}": groups.sum(ok & (lo0 <= y0) & (y0 <= hi0)) / n,
            f"width_{name}": groups.sum(hi0 - lo0) / n,
            f"interval_score_{name}": groups.sum(score) / n,
            _pinball_name(q_lo): groups.sum(np.maximum(q_lo * d_lo, (q_lo - 1.0) * d_lo)) / n,
            _pinball_name(q_hi): groups.sum(np.maximum(q_hi * d_hi, (q_hi - 1.0) * d_hi)) / n,
        }


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def _scaled_errors(
    subs: _Groups,
    groups: _Groups,
    ok: np.ndarray,
    abs_err: np.ndarray,
    sq_err: np.ndarray,
    scale_keys: list[str],
    scales: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, list[tuple[Any, ...]]]:
    """MASE and RMSSE: mean over (series, cutoff) sub-groups of the scaled errors."""
    n = subs.sum(ok)
    table = subs.keys[scale_keys].merge(scales, on=scale_keys, how="left", validate="many_to_one")
    mae_scale = table["mae_scale"].to_numpy(dtype=float)
    mse_scale = table["mse_scale"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_mase = np.where(mae_scale > 0, subs.sum(abs_err) / n / mae_scale, np.nan)
        q_rmsse = np.where(mse_scale > 0, np.sqrt(subs.sum(sq_err) / n / mse_scale), np.nan)
    scored = n > 0
    bad = scored & ~(mae_scale > 0)
    bad_list = list(table.loc[bad, scale_keys].drop_duplicates().itertuples(index=False, name=None))
    parent = groups.codes[subs.first]  # the output group each sub-group belongs to

    def group_mean(q: np.ndarray) -> np.ndarray:
        use = scored & np.isfinite(q)
        total = np.bincount(parent, weights=np.where(use, q, 0.0), minlength=groups.size)
        count = np.bincount(parent, weights=use.astype(float), minlength=groups.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)

    return group_mean(q_mase), group_mean(q_rmsse), bad_list


def compare_forecasts(
    frame: pd.DataFrame,
    model_a: str,
    model_b: str,
    *,
    y_col: str = "y",
    by: str | None = "unique_id",
    h: int | None = None,
    loss: str | Callable[[np.ndarray], np.ndarray] = "squared",
    alternative: str = "two-sided",
    harvey_correction: bool = True,
    mask_col: str | None = "is_open",
) -> pd.DataFrame:
    """Diebold-Mariano tests of ``model_a`` against ``model_b``, per series and pooled.

    The loss differential ``d = L(y - a) - L(y - b)`` is taken per row (closed rows
    and rows with a NaN actual or forecast dropped) and put in time order: by
    ``cutoff`` (when present), then ``ds``. Each series is tested on its own
    differentials; the pooled test uses the mean differential over series at each
    (cutoff, ds), which keeps the time dependence and the correlation between
    series in the variance.

    Parameters
    ----------
    frame : DataFrame
        Forecasts beside actuals with ``ds``, e.g. ``BacktestResult.forecasts``.
    model_a, model_b : str
        The two model columns; a negative statistic means ``model_a`` has the
        smaller loss.
    by : str or None, default "unique_id"
        Column that defines a series; ``None`` gives only the pooled test.
    h : int, optional
        Horizon for the long-run variance; default the largest ``step`` in the
        frame (the length of one forecast path) or 1 without a ``step`` column.
    loss, alternative, harvey_correction
        As in :func:`diebold_mariano`.
    y_col, mask_col : str
        Column names of the actuals and of the open flag.

    Returns
    -------
    DataFrame
        ``scope`` ("series" or "pooled"), the ``by`` column (missing for the pooled
        row), then the :class:`DMResult` fields. A series with too few points gets
        NaN statistic and p-value rather than an error.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> y = rng.poisson(50, 200).astype(float)
    >>> fc = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 100),
    ...                    "ds": np.tile(pd.date_range("2024-01-01", periods=100), 2),
    ...                    "y": y, "good": np.full(200, 50.0), "bad": np.full(200, 60.0)})
    >>> res = compare_forecasts(fc, "good", "bad")
    >>> res[["scope", "unique_id", "n"]]
        scope unique_id    n
    0  series         a  100
    1  series         b  100
    2  pooled       NaN  100
    >>> bool((res["p_value"] < 0.01).all() and (res["statistic"] < 0).all())
    True
    """
    by_cols = _as_list(by)
    time_cols = [c for c in ("cutoff", "ds") if c in frame.columns]
    _require_columns(
        frame,
        [y_col, model_a, model_b, "ds", *by_cols],
        "frame",
        "pass the forecast frame with actuals and a ds column (e.g. BacktestResult.forecasts).",
    )
    if h is None:
        h = int(pd.to_numeric(frame["step"]).max()) if "step" in frame.columns else 1
    h = _check_h_alternative(h, alternative)
    loss_fn = _loss_function(loss)

    y = _column_float(frame, y_col)
    a = _column_float(frame, model_a)
    b = _column_float(frame, model_b)
    ok = ~(np.isnan(y) | np.isnan(a) | np.isnan(b)) & _open_flags(frame, mask_col)
    d = np.asarray(loss_fn(y - a), dtype=float) - np.asarray(loss_fn(y - b), dtype=float)
    tab = pd.DataFrame(
        {c: frame[c].reset_index(drop=True) for c in dict.fromkeys([*by_cols, *time_cols])}
    )
    tab["_d"] = d
    tab["_ok"] = ok
    tab = tab.sort_values([*by_cols, *time_cols], kind="stable")

    def run(diffs: np.ndarray) -> dict[str, Any]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = _dm_from_differential(
                    diffs, h=h, harvey_correction=harvey_correction, alternative=alternative
                )
            return res.to_dict()
        except InvalidFrameError:
            nan = float("nan")
            return DMResult(
                nan,
                nan,
                float(np.mean(diffs)) if len(diffs) else nan,
                len(diffs),
                h,
                alternative,
                "none",
            ).to_dict()

    rows: list[dict[str, Any]] = []
    if by_cols:
        for key, grp in tab.groupby(by_cols, sort=True, dropna=False):
            key_t = key if isinstance(key, tuple) else (key,)
            rows.append(
                {
                    "scope": "series",
                    **dict(zip(by_cols, key_t, strict=True)),
                    **run(grp.loc[grp["_ok"], "_d"].to_numpy()),
                }
            )
    pooled = tab[tab["_ok"]].groupby(time_cols, sort=True)["_d"].mean().to_numpy()
    rows.append({"scope": "pooled", **run(pooled)})
    return pd.DataFrame(rows, columns=["scope", *by_cols, *DMResult.__dataclass_fields__])
