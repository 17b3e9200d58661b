"""Staffing from forecasts: Erlang B/C, Erlang A (caller patience) and walk-in desks.

The queueing formulas behind a roster:

- **Erlang C** (M/M/n): offered load ``A = calls * AHT / interval``; the chance a call
  waits is ``C(n, A)``; the service level ``SL(t) = 1 - C(n, A) exp(-(n - A) t / AHT)``;
  it needs ``n > A``. ``C`` is computed from the Erlang B recursion
  ``B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))`` (no factorials, stable for thousands
  of agents).
- **Erlang A** (M/M/n+M, Palm's queue): callers hang up after an exponential patience.
  Exact formulas of Mandelbaum & Zeltyn ("The M/M/n+G queue: summary of performance
  measures") with the incomplete gamma function, evaluated in log space. Because
  callers leave, Erlang A needs fewer agents than Erlang C for the same target at
  realistic patience (minutes); only when patience is far below the answer-time
  target can it need more, as callers who hang up count as missed.
- **Walk-in desks** (:func:`desk_staff`): the same M/M/c queue with the wait target in
  minutes.

:func:`required_staff` turns a forecast frame into agents per interval, optionally
staffing to an upper quantile of the forecast (an ``-hi-<level>`` column), because
under-forecasting costs far more than over-forecasting.

Service level definition used everywhere: the fraction of *all offered* calls that
are answered within the target time (for Erlang A, calls that hang up count as not
answered within the target, whenever they hang up).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import examples, short
from demandcast.exceptions import ConfigError, InvalidFrameError
from demandcast.forecast_frame import ForecastColumns, validate_forecast

__all__ = [
    "ErlangAResult",
    "agents_for_service_level",
    "asa",
    "average_speed_of_answer",
    "desk_staff",
    "erlang_a",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "offered_load",
    "required_staff",
    "service_level",
]

ArrayLike = Any  # a number, a sequence of numbers or a numpy array
Number = float | int

# comparisons against targets tolerate float round-off of this size
_TOL = 1e-12


# --------------------------------------------------------------------------- validation


def _float_array(name: str, value: ArrayLike) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{name} must be a number or an array of numbers, got {short(value)}. "
            f"Fix: pass numeric values."
        ) from exc
    return arr


def _check(name: str, arr: np.ndarray, bad: np.ndarray, rule: str, fix: str) -> None:
    if np.any(bad):
        offending = np.atleast_1d(arr)[np.atleast_1d(bad)]
        raise ConfigError(
            f"{name} must be {rule}; offending values: {examples(offending)}. Fix: {fix}."
        )


def _nonnegative(name: str, value: ArrayLike) -> np.ndarray:
    arr = _float_array(name, value)
    _check(name, arr, ~np.isfinite(arr) | (arr < 0), "finite and >= 0", f"pass {name} >= 0")
    return arr


def _positive(name: str, value: ArrayLike) -> np.ndarray:
    arr = _float_array(name, value)
    _check(name, arr, ~np.isfinite(arr) | (arr <= 0), "finite and > 0", f"pass {name} > 0")
    return arr


def _agents_array(value: ArrayLike) -> np.ndarray:
    arr = _float_array("n", value)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    _check("n", arr, bad, "a whole number of agents >= 0", "pass integers such as 12")
    return arr.astype("int64")


def _fraction(name: str, value: Any, *, low_open: bool = True, high_open: bool = True) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a number, got {short(value)}.") from exc
    too_low = x <= 0 if low_open else x < 0
    too_high = x >= 1 if high_open else x > 1
    if not math.isfinite(x) or too_low or too_high:
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        raise ConfigError(
            f"{name} must lie in {lo}0, 1{hi}, got {short(value)}. "
            f"Fix: give a fraction, e.g. 0.8 for 80 %."
        )
    return x


def _target(target: Any) -> tuple[float, float]:
    """Validate ``(fraction, seconds)`` and return it as floats."""
    if not isinstance(target, (tuple, list)) or len(target) != 2:
        raise ConfigError(
            f"target must be a pair (fraction, seconds) such as (0.8, 20), got {short(target)}. "
            f"Fix: pass target=(0.8, 20) for 80 % answered within 20 seconds."
        )
    fraction = _fraction("target[0] (service-level fraction)", target[0])
    try:
        seconds = float(target[1])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"target[1] (seconds) must be a number, got {short(target[1])}.") from exc
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(
            f"target[1] (answer-time target) must be finite and >= 0, got {short(target[1])}. "
            f"Fix: give seconds, e.g. 20."
        )
    return fraction, seconds


def _optional_fraction(name: str, value: Any) -> float | None:
    if value is None:
        return None
    return _fraction(name, value, high_open=False)


def _patience(value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"patience must be a number of seconds, got {short(value)}.") from exc
    if math.isnan(x) or x <= 0:
        raise ConfigError(
            f"patience (mean seconds a caller waits before hanging up) must be > 0, "
            f"got {short(value)}. Fix: pass e.g. patience=180; use np.inf for Erlang C."
        )
    return x


def _out(arr: np.ndarray) -> Any:
    """A Python scalar for 0-d results, the array otherwise."""
    return arr.item() if arr.ndim == 0 else arr


# --------------------------------------------------------------------------- Erlang B / C


def offered_load(calls: ArrayLike, aht_seconds: ArrayLike, interval_seconds: ArrayLike) -> Any:
    """Offered load in Erlangs: ``calls * aht_seconds / interval_seconds``.

    Parameters
    ----------
    calls : float or array-like
        Calls (or visitors) offered in the interval, >= 0.
    aht_seconds : float or array-like
        Average handle time in seconds, > 0.
    interval_seconds : float or array-like
        Interval length in seconds, > 0.

    Returns
    -------
    float or numpy.ndarray
        The load (the number of agents that would be busy all the time).

    Examples
    --------
    >>> offered_load(66, 240, 1800)
    8.8
    """
    c = _nonnegative("calls", calls)
    h = _positive("aht_seconds", aht_seconds)
    length = _positive("interval_seconds", interval_seconds)
    return _out(np.asarray(c * h / length))


def _erlang_b_scalar(n: int, a: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_b(n: ArrayLike, a: ArrayLike) -> Any:
    """Erlang B blocking probability of ``n`` servers offered ``a`` Erlangs.

    Computed with the recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``,
    which never forms factorials or powers and is stable for thousands of servers.

    Parameters
    ----------
    n : int or array-like of int
        Number of servers (agents), >= 0.
    a : float or array-like
        Offered load in Erlangs, >= 0. Broadcast against ``n``.

    Returns
    -------
    float or numpy.ndarray
        ``B(n, a)`` in [0, 1].

    Examples
    --------
    >>> round(erlang_b(10, 5.0), 5)
    0.01838
    >>> erlang_b([0, 1], 1.0).tolist()
    [1.0, 0.5]
    """
    n_arr, a_arr = np.broadcast_arrays(_agents_array(n), _nonnegative("a", a))
    if n_arr.ndim == 0:
        return _erlang_b_scalar(int(n_arr), float(a_arr))
    b = np.ones(n_arr.shape)
    for k in range(1, int(n_arr.max(initial=0)) + 1):
        b = np.where(k <= n_arr, a_arr * b / (k + a_arr * b), b)
    return b


def erlang_c(n: ArrayLike, a: ArrayLike) -> Any:
    """Erlang C: probability that a call has to wait (M/M/n queue).

    ``C = n B / (n - a (1 - B))`` with ``B`` the Erlang B value; 1.0 when
    ``n <= a`` (the queue grows without bound).

    Parameters
    ----------
    n : int or array-like of int
        Number of agents, >= 0.
    a : float or array-like
        Offered load in Erlangs, >= 0.

    Returns
    -------
    float or numpy.ndarray
        ``C(n, a)`` in [0, 1].

    Examples
    --------
    >>> round(erlang_c(3, 2.0), 4)
    0.4444
    >>> round(erlang_c(12, 10.0), 4)
    0.4494
    >>> erlang_c(5, 6.0)
    1.0
    """
    n_arr, a_arr = np.broadcast_arrays(_agents_array(n), _nonnegative("a", a))
    b = np.asarray(erlang_b(n_arr, a_arr))
    stable = n_arr > a_arr
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n_arr * b / (n_arr - a_arr * (1.0 - b)), 1.0)
    return _out(np.clip(c, 0.0, 1.0))


def service_level(n: ArrayLike, a: ArrayLike, aht: ArrayLike, target_seconds: ArrayLike) -> Any:
    """Erlang C service level: fraction of calls answered within ``target_seconds``.

    ``SL = 1 - C(n, a) exp(-(n - a) t / aht)`` for ``n > a``; 0 when ``n <= a``;
    1 when there is no load (``a == 0``).

    Parameters
    ----------
    n : int or array-like of int
        Number of agents.
    a : float or array-like
        Offered load in Erlangs.
    aht : float or array-like
        Average handle time (seconds, or any unit shared with ``target_seconds``).
    target_seconds : float or array-like
        The answer-time target ``t`` (same unit as ``aht``), >= 0.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    The worked example: 66 calls per half hour, AHT 4 minutes, 12 agents.

    >>> round(service_level(12, offered_load(66, 240, 1800), 240, 20), 2)
    0.82
    """
    n_arr = _agents_array(n)
    a_arr = _nonnegative("a", a)
    h = _positive("aht", aht)
    t = _nonnegative("target_seconds", target_seconds)
    n_arr, a_arr, h, t = np.broadcast_arrays(n_arr, a_arr, h, t)
    c = np.asarray(erlang_c(n_arr, a_arr))
    with np.errstate(over="ignore", invalid="ignore"):
        sl = np.where(n_arr > a_arr, 1.0 - c * np.exp(-(n_arr - a_arr) * t / h), 0.0)
    sl = np.where(a_arr == 0, 1.0, sl)
    return _out(np.clip(sl, 0.0, 1.0))


def average_speed_of_answer(n: ArrayLike, a: ArrayLike, aht: ArrayLike) -> Any:
    """Erlang C average speed of answer (mean wait over all calls).

    ``ASA = C(n, a) * aht / (n - a)``; ``inf`` when ``n <= a``; 0 without load.

    Parameters
    ----------
    n : int or array-like of int
        Number of agents.
    a : float or array-like
        Offered load in Erlangs.
    aht : float or array-like
        Average handle time; the result has the same unit.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(average_speed_of_answer(12, 8.8, 240), 1)
    17.7
    """
    n_arr = _agents_array(n)
    a_arr = _nonnegative("a", a)
    h = _positive("aht", aht)
    n_arr, a_arr, h = np.broadcast_arrays(n_arr, a_arr, h)
    c = np.asarray(erlang_c(n_arr, a_arr))
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n_arr > a_arr, c * h / (n_arr - a_arr), np.inf)
    return _out(np.where(a_arr == 0, 0.0, w))


asa = average_speed_of_answer


def occupancy(n: ArrayLike, a: ArrayLike) -> Any:
    """Agent occupancy ``a / n`` (Erlang C: every call is answered), capped at 1.

    0 without load; NaN for ``n == 0`` with load (no agents to be busy).

    Parameters
    ----------
    n : int or array-like of int
        Number of agents.
    a : float or array-like
        Offered load in Erlangs.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(occupancy(12, 8.8), 3)
    0.733
    """
    n_arr, a_arr = np.broadcast_arrays(_agents_array(n), _nonnegative("a", a))
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n_arr > 0, np.minimum(a_arr / np.maximum(n_arr, 1), 1.0), np.nan)
    return _out(np.where(a_arr == 0, 0.0, occ))


def _agents_erlang_c(
    a: float, aht: float, fraction: float, seconds: float, max_occupancy: float | None
) -> int:
    """Smallest n with SL >= fraction and a / n <= max_occupancy (one pass of the recursion)."""
    if a <= 0:
        return 0
    n_occ = math.ceil(a / max_occupancy - 1e-9) if max_occupancy is not None else 0
    n = math.floor(a) + 1
    b = _erlang_b_scalar(n, a)
    while True:
        if n >= n_occ:
            c = n * b / (n - a * (1.0 - b))
            if 1.0 - c * math.exp(-(n - a) * seconds / aht) >= fraction - _TOL:
                return n
        n += 1
        b = a * b / (n + a * b)


# --------------------------------------------------------------------------- Erlang A


@dataclass(frozen=True)
class ErlangAResult:
    """Performance of an M/M/n+M (Erlang A) queue.

    Attributes
    ----------
    p_wait : float or numpy.ndarray
        Probability that a call has to wait (finds all agents busy).
    service_level : float or numpy.ndarray
        Fraction of all offered calls answered within the target time.
    abandonment : float or numpy.ndarray
        Fraction of offered calls that hang up before being answered.
    asa : float or numpy.ndarray
        Average speed of answer: mean wait of the *answered* calls (seconds).
    occupancy : float or numpy.ndarray
        Fraction of agent time spent handling calls (answered load / n).
    """

    p_wait: Any
    service_level: Any
    abandonment: Any
    asa: Any
    occupancy: Any


_STIRLERR = (1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188)


def _stirlerr(x: float) -> float:
    """``log Gamma(x + 1) - (x + 1/2) log x + x - log sqrt(2 pi)`` without cancellation."""
    if x <= 15.0:
        from scipy.special import gammaln

        return float(gammaln(x + 1.0)) - (x + 0.5) * math.log(x) + x - 0.5 * math.log(2 * math.pi)
    s0, s1, s2, s3, s4 = _STIRLERR
    xx = x * x
    return (s0 - (s1 - (s2 - (s3 - s4 / xx) / xx) / xx) / xx) / x


def _bd0(x: float, m: float) -> float:
    """``x log(x / m) + m - x``, accurate when x is close to m (Loader 2000)."""
    if abs(x - m) < 0.1 * (x + m):
        v = (x - m) / (x + m)
        s = (x - m) * v
        ej = 2.0 * x * v
        j = 1
        while True:
            ej *= v * v
            s_next = s + ej / (2 * j + 1)
            if s_next == s:
                return s
            s, j = s_next, j + 1
    return x * math.log(x / m) + m - x


def _log_poisson_density(x: float, y: float) -> float:
    """``log(y^x e^-y / Gamma(x + 1))`` for real x > 0, stable for x, y in the millions."""
    return -_stirlerr(x) - _bd0(x, y) - 0.5 * math.log(2 * math.pi * x)


def _log_a(x: float, y: float) -> float:
    """log of ``A(x, y) = x e^y y^-x gamma_lower(x, y) = sum_j y^j / prod_{k<=j} (x + k)``."""
    from scipy.special import gammainc

    if y <= 0.0:
        return 0.0
    p = gammainc(x, y)  # >= ~1/2 when y >= x; underflows only deep in the left tail
    if p > 1e-250:
        return math.log(p) - _log_poisson_density(x, y)
    # deep left tail: sum the series in log space; its terms fall at least like (y/x)^j
    total, last, start, chunk = 0.0, 0.0, 1, 4096
    log_y = math.log(y)
    while True:
        k = np.arange(start, start + chunk, dtype="float64")
        log_terms = last + np.cumsum(log_y - np.log(x + k))
        total = float(np.logaddexp(total, np.logaddexp.reduce(log_terms)))
        last = float(log_terms[-1])
        if last < total - 40.0:
            return total
        start += chunk


def _erlang_a_scalar(
    n: int, lam: float, mu: float, theta: float, t: float
) -> tuple[float, float, float, float, float]:
    """(p_wait, service level, abandonment, ASA of answered calls, occupancy)."""
    a = lam / mu
    if lam == 0.0:
        return 0.0, 1.0, 0.0, 0.0, 0.0
    if n == 0:
        return 1.0, 0.0, 1.0, math.nan, math.nan
    if theta == 0.0:  # infinite patience: Erlang C
        if n <= a:
            return 1.0, 0.0, 0.0, math.inf, 1.0
        c = n * (b := _erlang_b_scalar(n, a)) / (n - a * (1.0 - b))
        return c, 1.0 - c * math.exp(-(n - a) * t * mu), 0.0, c / (n * mu - lam), a / n
    from scipy.integrate import quad

    x, y = n * mu / theta, lam / theta
    e = _erlang_b_scalar(n, a)
    if e == 0.0:  # so many agents that nobody waits
        return 0.0, 1.0, 0.0, 0.0, a / n
    log_a0, log_a1 = _log_a(x, y), _log_a(x + 1.0, y)
    # pi_n: probability an arrival finds all agents busy and nobody queueing
    log_pi = math.log(e) - float(np.logaddexp(math.log1p(-e), math.log(e) + log_a0))
    p_wait = min(math.exp(log_pi + log_a0), 1.0)
    log_ratio = math.log(x / (x + 1.0))
    served_after_wait = math.exp(log_pi + log_ratio + log_a1)
    abandonment = min(max(p_wait - served_after_wait, 0.0), 1.0)
    answered = 1.0 - abandonment
    if t > 0:
        q_log = -theta * t
        late = math.exp(
            log_pi
            + log_ratio
            + _log_a(x + 1.0, y * math.exp(q_log))
            - y * math.expm1(q_log)
            + (x + 1.0) * q_log
        )
    else:
        late = served_after_wait
    sl = min(max((1.0 - p_wait) + (served_after_wait - late), 0.0), 1.0)

    # mean wait of answered calls: the density of "answered after s" is pi_n n mu e^g(s)
    rate = n * mu + theta

    def g(s: float) -> float:
        return -rate * s - y * math.expm1(-theta * s)

    s_peak = math.log(lam / rate) / theta if lam > rate else 0.0
    g_peak = g(s_peak)
    scale = 1.0 / max(rate - lam * math.exp(-theta * s_peak), math.sqrt(theta * rate))

    def h(u: float) -> float:
        s = s_peak + scale * u
        return s * math.exp(g(s) - g_peak)

    integral = quad(h, 0.0, np.inf, limit=200)[0]
    if s_peak > 0:
        integral += quad(h, -s_peak / scale, 0.0, limit=200)[0]
    wait_answered = math.exp(log_pi + math.log(n * mu) + g_peak) * scale * integral
    asa_value = wait_answered / answered if answered > 0 else math.nan
    return p_wait, sl, abandonment, asa_value, min(a * answered / n, 1.0)


def erlang_a_metrics(
    n: ArrayLike,
    calls_per_interval: ArrayLike,
    aht: ArrayLike,
    patience: float,
    interval_seconds: float,
    target_seconds: float,
) -> ErlangAResult:
    """Erlang A (M/M/n+M): a queue whose callers hang up after an exponential patience.

    Exact formulas (Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of performance
    measures"): with arrival rate ``lam``, service rate ``mu = 1/aht``, abandonment
    rate ``theta = 1/patience``, ``x = n mu / theta``, ``y = lam / theta`` and
    ``A(x, y) = x e^y y^-x gamma(x, y)`` (lower incomplete gamma),
    ``P(wait) = A E / (1 + (A - 1) E)`` with ``E`` the Erlang B value, and
    ``P(abandon | wait) = 1 / (rho A) + 1 - 1 / rho`` with ``rho = lam / (n mu)``.
    The service level is the fraction of **all offered** calls answered within
    ``target_seconds`` (a caller who hangs up counts as a miss); ``asa`` is the mean
    wait of the answered calls. Everything is evaluated in log space, so it stays
    finite for hundreds of agents and for very patient callers (as ``patience``
    grows the results converge to Erlang C; ``patience=np.inf`` gives Erlang C).

    Parameters
    ----------
    n : int or array-like of int
        Number of agents.
    calls_per_interval : float or array-like
        Calls offered per interval, >= 0.
    aht : float or array-like
        Average handle time, seconds.
    patience : float
        Mean patience of callers, seconds (> 0; ``np.inf`` for none abandoning).
    interval_seconds : float
        Interval length, seconds.
    target_seconds : float
        Answer-time target, seconds.

    Returns
    -------
    ErlangAResult
        Scalars for scalar input, arrays (broadcast shape) otherwise.

    Examples
    --------
    >>> r = erlang_a_metrics(12, 66, 240, patience=120, interval_seconds=1800,
    ...                      target_seconds=20)
    >>> round(r.service_level, 2), round(r.abandonment, 3)
    (0.9, 0.038)
    >>> r.service_level > service_level(12, 8.8, 240, 20)
    True
    """
    n_arr = _agents_array(n)
    calls = _nonnegative("calls_per_interval", calls_per_interval)
    h = _positive("aht", aht)
    theta = 1.0 / _patience(patience)
    length = float(_positive("interval_seconds", interval_seconds))
    t = float(_nonnegative("target_seconds", target_seconds))
    n_arr, calls, h = np.broadcast_arrays(n_arr, calls, h)
    flat = [
        _erlang_a_scalar(int(k), c / length, 1.0 / s, theta, t)
        for k, c, s in zip(n_arr.ravel(), calls.ravel(), h.ravel(), strict=True)
    ]
    cols = np.array(flat, dtype="float64").reshape((*n_arr.shape, 5))
    return ErlangAResult(*(_out(cols[..., i]) for i in range(5)))


erlang_a = erlang_a_metrics


def _agents_erlang_a(
    a: float,
    aht: float,
    fraction: float,
    seconds: float,
    max_occupancy: float | None,
    patience: float,
    max_abandonment: float | None,
) -> int:
    """Smallest n meeting every target under Erlang A (bisection: all are monotone in n)."""
    if a <= 0:
        return 0
    lam, mu, theta = a / aht, 1.0 / aht, 1.0 / patience

    def ok(n: int) -> bool:
        _, sl, ab, _, occ = _erlang_a_scalar(n, lam, mu, theta, seconds)
        return (
            sl >= fraction - _TOL
            and (max_occupancy is None or occ <= max_occupancy + _TOL)
            and (max_abandonment is None or ab <= max_abandonment + _TOL)
        )

    hi = max(_agents_erlang_c(a, aht, fraction, seconds, max_occupancy), 1)
    while not ok(hi):
        hi *= 2
    lo = 0  # never enough: nobody is answered
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def agents_for_service_level(
    a: ArrayLike,
    aht: ArrayLike,
    target: tuple[float, float] = (0.8, 20),
    max_occupancy: float | None = None,
    *,
    patience: float | None = None,
    max_abandonment: float | None = None,
) -> Any:
    """Smallest number of agents that meets a service-level target.

    Parameters
    ----------
    a : float or array-like
        Offered load in Erlangs.
    aht : float or array-like
        Average handle time (seconds, or the unit of ``target[1]``).
    target : (float, float)
        ``(fraction, seconds)``: e.g. ``(0.8, 20)`` is 80 % answered within 20 s.
    max_occupancy : float, optional
        Add agents until occupancy is at most this (e.g. 0.85).
    patience : float, optional
        Mean caller patience in seconds: use Erlang A instead of Erlang C.
    max_abandonment : float, optional
        Erlang A only: also keep the abandonment fraction at most this.

    Returns
    -------
    int or numpy.ndarray of int
        Agents (net, before shrinkage); 0 where the load is 0.

    Examples
    --------
    >>> agents_for_service_level(8.8, 240, target=(0.8, 20))
    12
    >>> agents_for_service_level(8.8, 240, target=(0.8, 20), max_occupancy=0.7)
    13
    >>> agents_for_service_level(8.8, 240, target=(0.8, 20), patience=120)
    11
    """
    fraction, seconds = _target(target)
    max_occ = _optional_fraction("max_occupancy", max_occupancy)
    max_ab = _optional_fraction("max_abandonment", max_abandonment)
    a_arr, h = np.broadcast_arrays(_nonnegative("a", a), _positive("aht", aht))
    if patience is None:
        if max_ab is not None:
            raise ConfigError(
                "max_abandonment needs patience: Erlang C has no abandonment. "
                "Fix: pass patience=<mean seconds before hanging up> or drop max_abandonment."
            )
        pat = None
    else:
        pat = _patience(patience)
    cache: dict[tuple[float, float], int] = {}
    out = np.empty(a_arr.shape, dtype="int64")
    for idx, (load, handle) in enumerate(zip(a_arr.ravel(), h.ravel(), strict=True)):
        key = (float(load), float(handle))
        if key not in cache:
            if pat is None or math.isinf(pat):
                cache[key] = _agents_erlang_c(key[0], key[1], fraction, seconds, max_occ)
            else:
                cache[key] = _agents_erlang_a(
                    key[0], key[1], fraction, seconds, max_occ, pat, max_ab
                )
        out.flat[idx] = cache[key]
    return _out(out)


# --------------------------------------------------------------------------- desks


def desk_staff(
    arrivals_per_interval: ArrayLike,
    service_minutes: ArrayLike,
    interval_minutes: float,
    max_wait_minutes: float = 15,
    target: float = 0.8,
    max_occupancy: float | None = None,
) -> Any:
    """Desks needed for walk-in visitors (M/M/c queue, wait target in minutes).

    The desk is an Erlang C queue: visitors arrive at random (Poisson) and service
    times are assumed exponential, so the result is a planning estimate; real desk
    service times vary less, which makes it slightly conservative. Appointment desks
    are capacity-planned from the booked slots instead, not with this queue.

    Parameters
    ----------
    arrivals_per_interval : float or array-like
        Walk-in visitors expected per interval.
    service_minutes : float or array-like
        Average service time at the desk, minutes.
    interval_minutes : float
        Interval length, minutes.
    max_wait_minutes : float, default 15
        Wait target (the walk-in norm is at most 15 minutes).
    target : float, default 0.8
        Fraction of visitors who must be served within ``max_wait_minutes``.
    max_occupancy : float, optional
        Add desks until occupancy is at most this.

    Returns
    -------
    int or numpy.ndarray of int
        Desks (staffed counters) needed per interval.

    Examples
    --------
    >>> desk_staff(20, 12, 60)
    5
    >>> desk_staff(20, 12, 60, max_wait_minutes=5)
    6
    """
    load = offered_load(arrivals_per_interval, service_minutes, interval_minutes)
    if not math.isfinite(float(max_wait_minutes)) or float(max_wait_minutes) < 0:
        raise ConfigError(
            f"max_wait_minutes must be finite and >= 0, got {short(max_wait_minutes)}. "
            f"Fix: pass e.g. max_wait_minutes=15."
        )
    fraction = _fraction("target", target)
    return agents_for_service_level(
        load,
        service_minutes,
        target=(fraction, float(max_wait_minutes)),
        max_occupancy=max_occupancy,
    )


# --------------------------------------------------------------------------- forecasts


def _point_column(
    df: pd.DataFrame, value_col: str | None, reserved: set[str], layout: ForecastColumns
) -> str:
    if value_col is not None:
        if value_col not in df.columns:
            raise InvalidFrameError(
                f"value_col {value_col!r} is not a column of the forecast; columns: "
                f"{examples(list(df.columns), 20)}. Fix: pass one of them."
            )
        return value_col
    bases = sorted({iv.alias for iv in layout.intervals})
    if len(bases) == 1:
        return bases[0]
    if len(bases) > 1:
        raise InvalidFrameError(
            f"the forecast has several model columns {bases}; staffing needs one. "
            f"Fix: pass value_col=<one of {bases}>."
        )
    if "y" in df.columns and "cutoff" not in df.columns:  # in a backtest frame y is the actual
        return "y"
    numeric = [
        str(c)
        for c in df.columns
        if c not in reserved and pd.api.types.is_numeric_dtype(df[c].dtype)
    ]
    if len(numeric) == 1:
        return numeric[0]
    raise InvalidFrameError(
        f"cannot tell which column holds the forecast: candidates {numeric or 'none'}. "
        f"Fix: pass value_col=<column>, or give a forecast frame "
        f"(unique_id, ds, <model>, <model>-lo-80, ...) or a long frame with 'y'."
    )


def _quantile_column(layout: ForecastColumns, point: str, quantile: float | None) -> str:
    if quantile is None:
        return point
    q = _fraction("quantile", quantile)
    available: dict[float, str] = {0.5: point}
    for c, _, side, level in (iv for iv in layout.intervals if iv.alias == point):
        available[round(0.5 + (level if side == "hi" else -level) / 200.0, 10)] = c
    for qq, col in available.items():
        if abs(qq - q) < 1e-9:
            return col
    choices = ", ".join(f"{qq:g} ({available[qq]})" for qq in sorted(available))
    raise InvalidFrameError(
        f"quantile={short(quantile)} has no column for {point!r}: level L gives the "
        f"(50 + L/2) % quantile in '{point}-hi-L' (e.g. hi-80 is the 0.9 quantile). "
        f"Available quantiles: {choices}. Fix: pick one of them or forecast with that level."
    )


def _span_seconds(value: Any, name: str) -> float:
    """A time span parameter (alias, Timedelta or seconds) in seconds, > 0."""
    try:
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            seconds = float(value)
        else:
            try:  # a time span ("00:30:00", a Timedelta) first, then a frequency alias
                delta = pd.Timedelta(value)
            except ValueError:
                delta = _time.step(value) or pd.Timedelta(value)
            seconds = delta.total_seconds()
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{name}={short(value)} is not a time span. Fix: pass a pandas "
            f"frequency such as '30min' or '15min', a Timedelta, or seconds."
        ) from exc
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{name} must be a positive time span, got {short(value)}.")
    return seconds


def _check_max_interval(length: float, max_interval: Any, given: bool) -> None:
    """Erlang assumes calls arrive evenly within an interval: refuse long intervals."""
    if max_interval is None:
        return
    limit = _span_seconds(max_interval, "max_interval")
    if length <= limit:
        return
    span, cap = pd.Timedelta(seconds=length), pd.Timedelta(seconds=limit)
    where = "interval=" if given else "the forecast's interval (its ds step)"
    error = ConfigError if given else InvalidFrameError
    raise error(
        f"{where} {span} is longer than max_interval={cap}: Erlang staffing over a whole "
        "day (or any long interval) assumes calls spread evenly over it and understaffs "
        "the peaks. Fix: split the day first, e.g. demandcast.intraday.split(forecast, "
        "profiles, freq='30min') with profiles = demandcast.intraday.intraday_profiles("
        "interval_history), and staff the result; or raise max_interval if you mean it."
    )


def _interval_seconds(df: pd.DataFrame, interval: Any) -> float:
    if interval is not None:
        return _span_seconds(interval, "interval")
    ds = df["ds"]
    if not pd.api.types.is_datetime64_any_dtype(ds.dtype):
        raise InvalidFrameError(
            f"column 'ds' must hold timestamps, got dtype {ds.dtype}. "
            f"Fix: convert with pd.to_datetime or pass interval='30min'."
        )
    order = df.sort_values(["unique_id", "ds"])
    diffs = order.groupby("unique_id", sort=False)["ds"].diff().dropna()
    diffs = diffs[diffs > pd.Timedelta(0)]
    if diffs.empty:
        raise InvalidFrameError(
            "cannot infer the interval length: no series has two timestamps. "
            "Fix: pass interval='30min' (or the length of your intervals)."
        )
    return float(diffs.min().total_seconds())


def _aht_values(df: pd.DataFrame, aht: Any) -> np.ndarray:
    if isinstance(aht, str):
        if aht not in df.columns:
            raise InvalidFrameError(
                f"aht={aht!r} is neither a number nor a column of the forecast. "
                f"Fix: pass seconds (e.g. aht=240), a column name or a mapping "
                f"unique_id -> seconds."
            )
        values = pd.to_numeric(df[aht], errors="coerce").to_numpy(dtype="float64")
        where = f"column {aht!r}"
    elif isinstance(aht, Mapping):
        ids = df["unique_id"].astype(str)
        missing = sorted(set(ids) - {str(k) for k in aht})
        if missing:
            raise ConfigError(
                f"aht mapping has no handle time for series {examples(missing)}. "
                f"Fix: add those unique_id keys (seconds)."
            )
        lookup = {str(k): v for k, v in aht.items()}
        values = _float_array("aht", [lookup[i] for i in ids])
        where = "aht mapping"
    else:
        value = float(_float_array("aht", aht))
        values = np.full(len(df), value)
        where = "aht"
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        rows = df.loc[bad, ["unique_id", "ds"]].head(5).astype(str).values.tolist()
        raise ConfigError(
            f"{where}: average handle time must be finite seconds > 0; "
            f"{int(bad.sum())} rows break it, e.g. {examples(values[bad])} at {rows}. "
            f"Fix: give positive handle times in seconds."
        )
    return values


def required_staff(
    forecast: pd.DataFrame,
    aht: float | str | Mapping[str, float],
    *,
    target: tuple[float, float] = (0.8, 25),
    shrinkage: float = 0.3,
    max_occupancy: float | None = 0.85,
    quantile: float | None = None,
    interval: str | pd.Timedelta | float | None = None,
    model: Literal["erlang_c", "erlang_a"] = "erlang_c",
    patience: float | None = None,
    value_col: str | None = None,
    max_abandonment: float | None = None,
    max_interval: str | pd.Timedelta | float | None = "1h",
) -> pd.DataFrame:
    """Agents needed per interval to meet a service level on a forecast.

    Parameters
    ----------
    forecast : pandas.DataFrame
        A forecast frame (``unique_id, ds, <alias>, <alias>-lo-80, <alias>-hi-80, ...``)
        or a long frame with ``y``. The point column is ``value_col`` when given,
        else the one model column with interval columns, else ``y`` (except in a
        backtest frame, which has ``cutoff`` and where ``y`` is the actual), else the
        single numeric column; anything ambiguous raises with the choices.
    aht : float, str or mapping
        Average handle time in seconds: a number, the name of a column of
        ``forecast``, or a mapping ``unique_id -> seconds``.
    target : (float, float), default (0.8, 25)
        Fraction answered within seconds; the municipal norm is 80 % within 25 s.
    shrinkage : float, default 0.3
        Share of paid time not available for calls (breaks, training, absence):
        ``gross_agents = ceil(agents / (1 - shrinkage))``. In [0, 1).
    max_occupancy : float or None, default 0.85
        Agents are added until occupancy is at most this; None for no cap.
    quantile : float, optional
        Staff to this quantile of the forecast instead of the point forecast. Level
        ``L`` intervals give the ``0.5 + L/200`` quantile: ``hi-80`` is 0.9,
        ``hi-95`` is 0.975.
    interval : str, Timedelta or float, optional
        Interval length (``"30min"``, a Timedelta, or seconds); inferred from the
        smallest ``ds`` step of the series when omitted.
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
        Erlang A needs ``patience`` and adds an ``abandonment`` column.
    patience : float, optional
        Mean caller patience in seconds (Erlang A).
    value_col : str, optional
        The forecast column to staff (required when there are several models).
    max_abandonment : float, optional
        Erlang A only: also keep abandonment at most this (e.g. 0.05).
    max_interval : str, Timedelta or float, default "1h"
        The longest interval Erlang is run over (an alias, a Timedelta or seconds);
        None for no limit. Erlang assumes calls arrive evenly within an interval, so
        a daily forecast is refused: split the day first with
        :func:`demandcast.intraday.split`.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, calls, aht, load, agents, gross_agents, service_level, asa,
        occupancy`` (+ ``abandonment`` for Erlang A), in the order of ``forecast``.
        ``agents`` is net (on the phone); ``service_level``, ``asa`` (seconds) and
        ``occupancy`` are those reached with ``agents``. Intervals without calls get
        0 agents, service level 1, ASA 0 and occupancy 0; so do rows flagged
        ``is_open == False`` (their value may be NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> fc = pd.DataFrame({
    ...     "unique_id": "utrecht/phone",
    ...     "ds": pd.date_range("2025-03-03 09:00", periods=3, freq="30min",
    ...                         tz="Europe/Amsterdam"),
    ...     "sarima": [66.0, 80.0, 0.0],
    ...     "sarima-lo-80": [55.0, 67.0, 0.0],
    ...     "sarima-hi-80": [78.0, 94.0, 0.0],
    ... })
    >>> required_staff(fc, aht=240, target=(0.8, 20))["agents"].tolist()
    [12, 14, 0]
    >>> required_staff(fc, aht=240, target=(0.8, 20), quantile=0.9)["agents"].tolist()
    [14, 17, 0]
    >>> required_staff(fc, aht=240, target=(0.8, 20))["gross_agents"].tolist()
    [18, 20, 0]
    >>> required_staff(fc, aht=240, interval="D")
    Traceback (most recent call last):
    ...
    demandcast.exceptions.ConfigError: interval= 1 days 00:00:00 is longer than ...
    """
    layout = validate_forecast(forecast)
    if model not in ("erlang_c", "erlang_a"):
        raise ConfigError(
            f"model={model!r} is not known; choices: 'erlang_a', 'erlang_c'. "
            f"Fix: pass model='erlang_c' or model='erlang_a' (with patience)."
        )
    fraction, seconds = _target(target)
    shrink = _fraction("shrinkage", shrinkage, low_open=False)
    max_occ = _optional_fraction("max_occupancy", max_occupancy)
    max_ab = _optional_fraction("max_abandonment", max_abandonment)
    if model == "erlang_a":
        if patience is None:
            raise ConfigError(
                "model='erlang_a' needs patience (mean seconds before a caller hangs up). "
                "Fix: pass e.g. patience=180."
            )
        pat = _patience(patience)
    else:
        if patience is not None or max_ab is not None:
            raise ConfigError(
                "patience and max_abandonment apply to model='erlang_a' only. "
                "Fix: pass model='erlang_a' or drop them."
            )
        pat = None

    df = forecast.reset_index(drop=True)
    reserved = {"unique_id", "ds", "cutoff", "step", "is_open"}
    if "cutoff" in df.columns:
        reserved.add("y")
    if isinstance(aht, str):
        reserved.add(aht)
    column = _quantile_column(layout, _point_column(df, value_col, reserved, layout), quantile)
    calls = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype="float64")
    if "is_open" in df.columns:  # closed intervals need nobody, whatever they hold
        closed = ~df["is_open"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        calls = np.where(closed, 0.0, calls)
    bad = ~np.isfinite(calls) | (calls < 0)
    if bad.any():
        rows = df.loc[bad, ["unique_id", "ds"]].head(5).astype(str).values.tolist()
        raise InvalidFrameError(
            f"column {column!r}: calls must be finite and >= 0; {int(bad.sum())} rows "
            f"break it, e.g. {examples(calls[bad])} at {rows}. "
            f"Fix: fill or drop missing forecasts and clip negatives before staffing."
        )
    handle = _aht_values(df, aht)
    length = _interval_seconds(df, interval)
    _check_max_interval(length, max_interval, interval is not None)
    load = calls * handle / length

    agents = np.asarray(
        agents_for_service_level(
            load,
            handle,
            target=(fraction, seconds),
            max_occupancy=max_occ,
            patience=pat,
            max_abandonment=max_ab,
        ),
        dtype="int64",
    ).reshape(len(df))
    out = pd.DataFrame(
        {
            "unique_id": df["unique_id"],
            "ds": df["ds"],
            "calls": calls,
            "aht": handle,
            "load": load,
            "agents": agents,
            "gross_agents": np.ceil(agents / (1.0 - shrink) - 1e-9).astype("int64"),
        }
    )
    if pat is None:
        out["service_level"] = np.asarray(service_level(agents, load, handle, seconds))
        out["asa"] = np.asarray(average_speed_of_answer(agents, load, handle))
        out["occupancy"] = np.asarray(occupancy(agents, load))
    else:
        res = erlang_a_metrics(agents, calls, handle, pat, length, seconds)
        out["service_level"] = np.asarray(res.service_level)
        out["asa"] = np.asarray(res.asa)
        out["occupancy"] = np.asarray(res.occupancy)
        out["abandonment"] = np.asarray(res.abandonment)
    return out
