"""Apply new observations to a fitted SARIMAX by filtering only the new rows.

statsmodels' ``results.append(..., refit=False)`` re-filters the whole history at
every update. :class:`Filtered` keeps the fitted results and the rows added since;
a forecast filters only the rows not yet filtered, followed by the forecast steps,
in one small model started from the last predicted state (a backtest window costs
one short filter instead of a filter of the whole history plus an extension model).
With ``concentrate_scale=True`` the scale is the mean squared standardized
innovation over all observed (not burned) steps: it is carried as a running sum
and count, and variances are rescaled to it. Forecasts and variances equal those of
``append`` followed by ``get_prediction`` up to rounding.

Nothing here imports statsmodels at module import time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Filtered", "horizon_errors"]


def _observed(endog: Any) -> np.ndarray:
    return np.isfinite(np.asarray(endog, dtype="float64").reshape(-1))


@dataclass(frozen=True)
class _Anchor:
    """Filter state before step ``pos`` given all earlier observations."""

    pos: int
    state: np.ndarray
    cov: np.ndarray  # in units of the fit's scale
    sq_sum: float  # sum of squared standardized innovations (scale units x count)
    count: int  # observations in that sum


class Filtered:
    """Fitted SARIMAX results plus the observations added since, parameters fixed.

    Parameters
    ----------
    fitted : statsmodels MLEResults
        Results of a SARIMAX fitted with ``concentrate_scale=True``.

    Attributes
    ----------
    fitted : MLEResults
        The estimated results (parameters, scale of the fit).
    nobs : int
        Steps of the model grid so far (fit and updates).
    chunks : tuple of (ndarray, ndarray or None)
        ``endog`` and ``exog`` of each :meth:`extend`, in order.
    anchor : int
        First step that the next forecast filters (``fitted.nobs`` until a forecast
        after an update has filtered the new rows).

    Examples
    --------
    >>> import numpy as np
    >>> from statsmodels.tsa.statespace.sarimax import SARIMAX
    >>> y = 50 + np.random.default_rng(0).normal(0, 3, 140)
    >>> res = SARIMAX(y[:112], order=(1, 0, 0), concentrate_scale=True).fit(disp=False)
    >>> f = Filtered(res).extend(y[112:])
    >>> f.nobs
    140
    >>> ref = res.append(y[112:])
    >>> mean, var = f.predict(140, 146)
    >>> bool(np.allclose(mean, ref.forecast(7)))
    True
    >>> bool(np.isclose(f.scale, ref.scale))
    True
    """

    def __init__(self, fitted: Any) -> None:
        self.fitted = fitted
        self.nobs = int(fitted.nobs)
        self.chunks: tuple[tuple[np.ndarray, np.ndarray | None], ...] = ()
        filt = fitted.filter_results
        burn = max(int(fitted.loglikelihood_burn), int(getattr(filt, "nobs_diffuse", 0) or 0))
        count = int(_observed(fitted.model.endog)[burn:].sum())
        self._anchor = _Anchor(
            pos=self.nobs,
            state=np.asarray(fitted.predicted_state)[:, -1],
            cov=np.asarray(fitted.predicted_state_cov)[:, :, -1],
            sq_sum=float(fitted.scale) * count,
            count=count,
        )
        self._settled: _Anchor | None = self._anchor  # anchor after the pending rows
        self._full: Any = fitted
        self._inspected: Any = None

    @property
    def anchor(self) -> int:
        return self._anchor.pos

    def _pending(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Chunks after the anchor (not yet filtered)."""
        out, pos = [], self.nobs
        for chunk in reversed(self.chunks):
            if pos <= self._anchor.pos:
                break
            out.append(chunk)
            pos -= len(chunk[0])
        return out[::-1]

    @property
    def scale(self) -> float:
        """Mean squared standardized innovation over all steps (what ``append`` gives)."""
        end = self._settle()
        return end.sq_sum / end.count if end.count else float(self.fitted.scale)

    def extend(self, endog: np.ndarray, exog: np.ndarray | None = None) -> Filtered:
        """A new :class:`Filtered` with ``endog`` (and ``exog``) after the last step.

        Nothing is filtered yet: the next forecast (or :attr:`scale`) filters the rows
        added since the last forecast, NaN rows (closed days) skipped. ``self`` is
        left unchanged.

        Examples
        --------
        >>> import numpy as np
        >>> from statsmodels.tsa.statespace.sarimax import SARIMAX
        >>> y = 10 + np.random.default_rng(1).normal(0, 1, 60)
        >>> res = SARIMAX(y[:40], order=(1, 0, 0), concentrate_scale=True).fit(disp=False)
        >>> f = Filtered(res).extend(y[40:50]).extend(np.full(10, np.nan))
        >>> f.nobs, bool(np.isclose(f.scale, res.append(y[40:50]).scale, rtol=1e-12))
        (60, True)
        """
        endog = np.asarray(endog, dtype="float64").reshape(-1)
        if len(endog) == 0:
            return self
        out = Filtered.__new__(Filtered)
        out.fitted = self.fitted
        out.nobs = self.nobs + len(endog)
        out.chunks = (*self.chunks, (endog, None if exog is None else np.asarray(exog)))
        out._anchor = self._settled if self._settled is not None else self._anchor
        out._settled = None
        out._full = None
        out._inspected = None
        return out

    def _filter(self, n_future: int, exog_future: np.ndarray | None) -> Any:
        """statsmodels FilterResults of the pending rows then ``n_future`` NaN steps.

        Covariances are in units of the fit's scale. Settles the anchor after the
        pending rows (a cache: what the next :meth:`extend` starts from).
        """
        from statsmodels.tsa.statespace.initialization import Initialization

        pending = self._pending()
        model = self.fitted.model
        k_exog = int(getattr(model, "k_exog", 0) or 0)
        endog = np.concatenate([c[0] for c in pending] + [np.full(n_future, np.nan)])
        exog = None
        if k_exog:
            rows = [c[1] for c in pending]
            if n_future:
                rows.append(np.asarray(exog_future, dtype="float64").reshape(n_future, k_exog))
            exog = np.vstack(rows)
        kwargs: dict[str, Any] = {"loglikelihood_burn": 0, "validate_specification": False}
        if getattr(model, "k_trend", 0) > 0:
            kwargs["trend_offset"] = int(model.trend_offset) + self._anchor.pos
        scale0 = float(self.fitted.scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod = model.clone(endog, exog=exog, **kwargs)
            mod.ssm.initialization = Initialization(
                mod.k_states, "known", constant=self._anchor.state, stationary_cov=self._anchor.cov
            )
            # covariances stay in units of the fit's scale (also without observations)
            with mod.ssm.fixed_scale(scale0):
                filt = mod.filter(self.fitted.params, return_ssm=True)
        if self._settled is None:
            n = len(endog) - n_future
            seen = _observed(endog[:n])
            err = np.asarray(filt.forecasts_error)[0, :n][seen]
            cov = np.asarray(filt.forecasts_error_cov)[0, 0, :n][seen]
            self._settled = _Anchor(
                pos=self.nobs,
                state=np.array(filt.predicted_state[:, n]),
                cov=np.array(filt.predicted_state_cov[:, :, n]),
                sq_sum=self._anchor.sq_sum + scale0 * float(np.sum(err**2 / cov)),
                count=self._anchor.count + int(seen.sum()),
            )
        return filt

    def _settle(self) -> _Anchor:
        if self._settled is None:
            self._filter(0, None)
        return self._settled  # type: ignore[return-value]

    def _appended(self, res: Any) -> Any:
        """``res`` with the added rows appended, parameters fixed (re-filters all)."""
        if not self.chunks:
            return res
        endog = np.concatenate([c[0] for c in self.chunks])
        exog = None
        if self.chunks[0][1] is not None:
            exog = np.concatenate([c[1] for c in self.chunks])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return res.append(endog, exog=exog, refit=False)

    def full(self) -> Any:
        """statsmodels results over all steps (fitted, then appended with fixed params).

        Built on first use with ``append(..., refit=False)``, which re-filters the
        whole history: for in-sample predictions before :attr:`anchor`, not for the
        update path.
        """
        if self._full is None:
            self._full = self._appended(self.fitted)
        return self._full

    def inspect(self) -> Any:
        """statsmodels results over all steps for inspection: smoothed states and the
        parameters' covariance (OPG, statsmodels' default), which forecasts never need.

        A fit may skip both (``ssm.memory_no_smoothing`` and ``cov_type="none"``, as
        :class:`~demandcast.forecasters.sarima.SARIMA` does); they are computed here
        on first use, then the added rows are appended with the parameters fixed.

        Examples
        --------
        >>> import numpy as np
        >>> from statsmodels.tsa.statespace.sarimax import SARIMAX
        >>> y = 20 + np.random.default_rng(2).normal(0, 2, 80)
        >>> mod = SARIMAX(y[:70], order=(1, 0, 0), trend="c", concentrate_scale=True)
        >>> mod.ssm.memory_no_smoothing = True
        >>> res = mod.fit(disp=False, cov_type="none")
        >>> full = Filtered(res).extend(y[70:]).inspect()
        >>> full.nobs, bool(np.isfinite(full.bse).all()), full.smoothed_state.shape[1]
        (80, True, 80)
        """
        if self._inspected is None:
            res = self.fitted
            if res.smoothed_state is None or res.cov_type == "none":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res.model.ssm.memory_no_smoothing = False
                    res = res.model.smooth(self.fitted.params, cov_type="opg")
                for name in ("mlefit", "mle_retvals", "mle_settings"):
                    if hasattr(self.fitted, name):
                        setattr(res._results, name, getattr(self.fitted, name))
            self._inspected = self._appended(res)
        return self._inspected

    def predict(
        self, start: int, end: int, exog: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of predictions at steps ``start..end`` (0 = first fitted step).

        Steps up to :attr:`nobs` - 1 are in-sample one-step predictions, later ones
        forecasts (``exog`` gives their regressors), as statsmodels'
        ``get_prediction(start, end, exog=exog)`` on :meth:`full` gives them.
        """
        if not self.chunks or start < self.anchor:
            res = self.full()  # the fitted results when nothing was added
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pred = res.get_prediction(start=start, end=end, exog=exog)
            mean = np.asarray(pred.predicted_mean, dtype="float64").reshape(-1)
            return mean, np.asarray(pred.var_pred_mean, dtype="float64").reshape(len(mean))
        n_future = max(end + 1 - self.nobs, 0)
        filt = self._filter(n_future, exog)
        rows = slice(start - self.anchor, end + 1 - self.anchor)
        mean = np.asarray(filt.forecasts, dtype="float64")[0, rows]
        var = np.asarray(filt.forecasts_error_cov, dtype="float64")[0, 0, rows]
        return mean, var * (self.scale / float(self.fitted.scale))


def horizon_errors(fitted: Any, horizon: int, origins: int = 365) -> np.ndarray:
    """Standardized absolute errors of the fitted model's own forecasts from past origins.

    From each of the last ``origins`` steps of the fit (after the burn-in), the model
    forecasts 1 to ``horizon`` steps ahead with its fitted parameters and the data up
    to that origin (the filter's predicted state), and each error is divided by the
    model's standard deviation for that horizon: ``|y[t+h] - yhat| / sqrt(var)``.
    Their spread shows how far the model's Gaussian intervals are off at each horizon
    (heavy tails, a fit that underrates drift), which calibrated intervals correct.

    Parameters
    ----------
    fitted : statsmodels MLEResults
        A fitted SARIMAX (time-invariant system matrices; intercepts may vary in time).
    horizon : int
        Steps ahead, at least 1.
    origins : int, default 365
        Forecast origins, the last ones of the fit.

    Returns
    -------
    ndarray
        Shape ``(horizon, n_origins)``; NaN where ``t + h`` is past the fit or ``y``
        is missing there.

    Examples
    --------
    >>> import numpy as np
    >>> from statsmodels.tsa.statespace.sarimax import SARIMAX
    >>> y = 50 + np.random.default_rng(3).normal(0, 3, 400)
    >>> res = SARIMAX(y, order=(1, 0, 0), trend="c", concentrate_scale=True).fit(disp=False)
    >>> err = horizon_errors(res, 3, origins=200)
    >>> err.shape, int(np.isnan(err[2]).sum())  # 3 steps ahead: the last 2 origins lack y
    ((3, 200), 2)
    >>> bool(0.6 < np.nanmedian(err[0]) < 0.8)  # |N(0, 1)| has median 0.674
    True
    """
    filt = fitted.filter_results
    n = int(fitted.nobs)
    y = np.asarray(fitted.model.endog, dtype="float64").reshape(-1)
    burn = max(int(fitted.loglikelihood_burn), int(getattr(filt, "nobs_diffuse", 0) or 0))
    first = max(burn, n - 1 - int(origins))
    t = np.arange(first, n - 1)  # origins: data up to t, so a_{t+1|t} starts the forecast
    out = np.full((int(horizon), len(t)), np.nan)
    if len(t) == 0:
        return out
    transition = np.asarray(filt.transition[:, :, 0])
    design = np.asarray(filt.design[0, :, 0])
    selection = np.asarray(filt.selection[:, :, 0])
    # the results' covariances are in the scale of the fit already
    shock = selection @ np.asarray(filt.state_cov[:, :, 0]) @ selection.T
    state_intercept = np.asarray(filt.state_intercept)
    obs_intercept = np.asarray(filt.obs_intercept)[0]
    state = np.asarray(filt.predicted_state)[:, t + 1].T  # (origins, k)
    cov = np.moveaxis(np.asarray(filt.predicted_state_cov)[:, :, t + 1], 2, 0)
    # var at h = (Z T^(h-1)) P (Z T^(h-1))' + sum over j < h-1 of (Z T^j) RQR' (Z T^j)':
    # quadratic forms in P, so no covariance matrix is propagated per origin
    loading, added = design.copy(), 0.0
    for h in range(1, int(horizon) + 1):
        target = t + h
        inside = target < n
        if not inside.any():
            break
        at = np.minimum(target, n - 1)
        intercept = obs_intercept[0] if len(obs_intercept) == 1 else obs_intercept[at]
        mean = state @ design + intercept
        var = np.einsum("i,oij,j->o", loading, cov, loading) + added
        actual = y[at]
        ok = inside & np.isfinite(actual) & (var > 0)
        out[h - 1, ok] = np.abs(actual[ok] - mean[ok]) / np.sqrt(var[ok])
        drift = state_intercept[:, 0] if state_intercept.shape[1] == 1 else state_intercept[:, at].T
        state = state @ transition.T + drift
        added += float(loading @ shock @ loading)
        loading = loading @ transition
    return out
