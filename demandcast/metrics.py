"""Forecast accuracy: point, interval and significance metrics on arrays.

Pure numpy/scipy functions, a leaf module that any model may import. The array
metrics share one signature, ``metric(y, yhat, *, mask=None)``, and one exclusion
rule: a position counts only when every array involved has a number there (NaN
means *missing*) and ``mask`` is not ``False`` there (``False`` means the channel
was *closed*). Closed intervals are therefore never scored, and neither are missing
actuals. When no position is left, a metric is NaN. Scoring whole forecast frames
(:func:`~demandcast.scoring.evaluate`, :func:`~demandcast.scoring.compare_forecasts`)
lives in :mod:`demandcast.scoring`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from demandcast._text import examples
from demandcast.exceptions import ConfigError, InvalidFrameError
from demandcast.forecast_frame import normalise_level

__all__ = [
    "DMResult",
    "bias",
    "coverage",
    "diebold_mariano",
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


def _seasonal_scale(
    y_train: ArrayLike, season: int, train_mask: ArrayLike | None, loss: Callable[..., Any]
) -> float:
    """Mean ``loss(seasonal difference)`` over the training part; NaN when none is usable."""
    season = _check_season(season)
    yt = _as_float(y_train, "y_train")
    if train_mask is not None:
        yt = np.where(_as_mask(train_mask, len(yt)), yt, np.nan)
    diffs = yt[season:] - yt[:-season] if len(yt) > season else np.empty(0)
    diffs = diffs[~np.isnan(diffs)]
    return float(np.mean(loss(diffs))) if len(diffs) else float("nan")


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
    scale = _seasonal_scale(y_train, season, train_mask, np.abs)
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
    scale = _seasonal_scale(y_train, season, train_mask, np.square)
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
    alpha = 1.0 - normalise_level(float(level))[0] / 100.0
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


def _counts(lam: ArrayLike) -> np.ndarray:
    lam_ = _as_float(lam, "lam")
    if np.any(lam_ < 0):
        raise InvalidFrameError(
            f"lam: expected counts must be >= 0, got {examples(lam_[lam_ < 0])}. "
            "Fix: pass the expected number of arrivals per interval."
        )
    return lam_


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

    lam_ = _counts(lam)
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
    lam_ = _counts(lam)
    lam_ = lam_[~np.isnan(lam_)]
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
