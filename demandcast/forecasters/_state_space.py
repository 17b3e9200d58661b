"""Apply new observations to a fitted SARIMAX by filtering only the new rows.

statsmodels' ``results.append(..., refit=False)`` re-filters the whole history at
every update. :class:`Filtered` keeps the fitted results and, per update, a small
model on the new rows only, started from the last predicted state of the previous
results. With ``concentrate_scale=True`` the scale is the mean squared standardized
innovation over all observed (not burned) steps: it is carried as a running sum and
count, and forecast variances are rescaled to it. Forecasts and their variances
equal those of ``append`` up to rounding.

Nothing here imports statsmodels at module import time.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["Filtered"]


def _observed(endog: Any) -> np.ndarray:
    return np.isfinite(np.asarray(endog, dtype="float64").reshape(-1))


class Filtered:
    """Fitted SARIMAX results plus the observations filtered since, parameters fixed.

    Parameters
    ----------
    fitted : statsmodels MLEResults
        Results of a SARIMAX fitted with ``concentrate_scale=True``.

    Attributes
    ----------
    fitted : MLEResults
        The estimated results (parameters, scale of the fit).
    current : MLEResults
        Results whose last predicted state is the latest: ``fitted`` before any
        update, else the filter of the last update's rows only.
    nobs : int
        Steps of the model grid filtered so far (fit and updates).
    scale : float
        Scale over all observations filtered so far (what ``append`` would give).

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
        self.current = fitted
        self.nobs = int(fitted.nobs)
        self.chunks: tuple[tuple[np.ndarray, np.ndarray | None], ...] = ()
        filt = fitted.filter_results
        burn = max(int(fitted.loglikelihood_burn), int(getattr(filt, "nobs_diffuse", 0) or 0))
        self._count = int(_observed(fitted.model.endog)[burn:].sum())
        self._sum = float(fitted.scale) * self._count
        self._full: Any = fitted

    @property
    def scale(self) -> float:
        """Mean squared standardized innovation over all filtered observations."""
        return self._sum / self._count if self._count else float(self.fitted.scale)

    def extend(self, endog: np.ndarray, exog: np.ndarray | None = None) -> Filtered:
        """A new :class:`Filtered` with ``endog`` (and ``exog``) filtered after the last step.

        Only the new rows are filtered, from the last predicted state and covariance
        of :attr:`current`; NaN rows are skipped by the filter (closed days). Time
        trends continue (``trend_offset``). ``self`` is left unchanged.

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
        from statsmodels.tsa.statespace.initialization import Initialization

        endog = np.asarray(endog, dtype="float64").reshape(-1)
        if len(endog) == 0:
            return self
        prev = self.current
        model = prev.model
        kwargs: dict[str, Any] = {"loglikelihood_burn": 0, "validate_specification": False}
        if getattr(model, "k_trend", 0) > 0:
            kwargs["trend_offset"] = int(model.trend_offset) + int(prev.nobs)
        scale0 = float(self.fitted.scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod = model.clone(endog, exog=exog, **kwargs)
            mod.ssm.initialization = Initialization(
                mod.k_states,
                "known",
                constant=prev.predicted_state[:, -1],
                stationary_cov=prev.predicted_state_cov[:, :, -1],
            )
            # all covariances stay in units of the fit's scale (also with no observation)
            with mod.ssm.fixed_scale(scale0):
                res = mod.filter(self.fitted.params, cov_type="none")
        filt = res.filter_results
        seen = _observed(endog)
        err = np.asarray(filt.forecasts_error)[0, seen]
        cov = np.asarray(filt.forecasts_error_cov)[0, 0, seen]
        out = Filtered.__new__(Filtered)
        out.fitted = self.fitted
        out.current = res
        out.nobs = self.nobs + len(endog)
        out.chunks = (*self.chunks, (endog, None if exog is None else np.asarray(exog)))
        out._count = self._count + int(seen.sum())
        out._sum = self._sum + scale0 * float(np.sum(err**2 / cov))
        out._full = None
        return out

    def full(self) -> Any:
        """statsmodels results over all steps (fitted, then appended with fixed params).

        Built on first use with ``append(..., refit=False)``, which re-filters the
        whole history: for inspection (``results_``), not for the update path.
        """
        if self._full is None:
            endog = np.concatenate([c[0] for c in self.chunks])
            exog = None
            if self.chunks[0][1] is not None:
                exog = np.concatenate([c[1] for c in self.chunks])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._full = self.fitted.append(endog, exog=exog, refit=False)
        return self._full

    def predict(
        self, start: int, end: int, exog: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of predictions at steps ``start..end`` (0 = first fitted step).

        Steps up to :attr:`nobs` - 1 are in-sample one-step predictions, later ones
        forecasts (``exog`` gives their regressors), as in statsmodels'
        ``get_prediction(start, end, exog=exog)`` on :meth:`full`.
        """
        res, offset, factor = self.current, self.nobs - int(self.current.nobs), 1.0
        if self.current is not self.fitted:
            factor = self.scale / float(self.fitted.scale)
        if start < offset:  # reaches before the last update's rows
            res, offset, factor = self.full(), 0, 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = res.get_prediction(start=start - offset, end=end - offset, exog=exog)
        mean = np.asarray(pred.predicted_mean, dtype="float64").reshape(-1)
        var = np.asarray(pred.var_pred_mean, dtype="float64").reshape(len(mean)) * factor
        return mean, var
