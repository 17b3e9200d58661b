"""Combinations of forecasters: :class:`Ensemble` and per-series choice :class:`AutoSelect`.

Both take other forecasters ("members"; registry names or forecaster objects, cloned
and never mutated) and fit them on the same frame. Two things they share:

Validation
    The backtest's windows on the end of the training history
    (``BacktestWindows(h=validation_h, n_windows=validation_windows).series_folds``):
    at each cutoff, per series in local wall-clock time, every member is fitted on
    the history up to it and forecasts the next ``validation_h`` intervals; the
    open, non-missing actuals of the windows are pooled per series and scored with
    ``metric``, a pure array metric (lower is better).
    Members are compared on the same windows: those in which every member that
    forecast the series at all did so (the first window may be too short for a
    seasonal model). A member that fails on a series in every window, or in all
    windows when they have none in common, gets no score there (NaN). Closed and
    missing intervals are never scored.

Regressors
    The combination supports a regressor role when at least one member does, and
    passes each regressor only to the members whose tags accept its role; the
    routing is recorded in ``regressor_members_`` (member -> columns) and logged.
    When no member can use a role, ``fit`` raises
    :class:`~demandcast.exceptions.UnsupportedRegressorError`.

Tags of an instance follow its members: ``future_regressors``, ``past_regressors``,
``global_model`` and ``requires_regular`` when any member has them; ``intervals``,
``intraday`` and ``deterministic`` only when all have them; ``handles_missing`` is
always set (each member fills gaps as its own tags require). Tags read on the class
(``Ensemble.tags``) are those of an instance with the default members.

A member that fails on a series (a :class:`~demandcast.exceptions.ForecasterFitError`
naming it, or any error of a global model) is refitted without that series, logged
as a warning and recorded in ``failures_``; configuration errors are raised.
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import examples
from demandcast._windows import BacktestWindows
from demandcast.exceptions import ConfigError, ForecasterFitError
from demandcast.forecast_frame import interval_columns
from demandcast.forecasters.base import (
    DEFAULT_TAGS,
    BaseForecaster,
    FitInputs,
    clone,
    has_update,
)
from demandcast.metrics import mae, rmse, smape, wape

__all__ = ["AutoSelect", "Ensemble", "default_validation_h"]

logger = logging.getLogger("demandcast")

_KEYS = ["unique_id", "ds"]
_METRICS = {"wape": wape, "mae": mae, "rmse": rmse, "smape": smape}  # pure array metrics
_COMBINATIONS = ("mean", "median", "weighted")
_ANY_TAGS = ("future_regressors", "past_regressors", "global_model", "requires_regular")
_ALL_TAGS = ("intervals", "intraday", "deterministic")
_FAILURE_COLUMNS = ["member", "unique_id", "stage", "reason"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def default_validation_h(freq: str) -> int:
    """Default validation horizon: 28 days of daily data, 7 days of intraday intervals.

    Parameters
    ----------
    freq : str
        Pandas offset alias of the series.

    Returns
    -------
    int
        Number of intervals (at least 1); 4 for weekly data, 3 for months and longer.

    Examples
    --------
    >>> default_validation_h("D"), default_validation_h("30min"), default_validation_h("W")
    (28, 336, 4)
    """
    step = _time.step(freq)
    if step is None or step <= pd.Timedelta(0):
        weekly = str(_time.offset(freq).rule_code).upper().startswith("W")
        return 4 if weekly else 3
    span = pd.Timedelta(days=28) if step >= pd.Timedelta(days=1) else pd.Timedelta(days=7)
    return max(1, int(np.ceil(span / step)))


def _with_unit(df: pd.DataFrame) -> pd.DataFrame:
    """Keys with ``ds`` in nanoseconds, so merges never trip over datetime units."""
    out = df.copy()
    out["ds"] = out["ds"].dt.as_unit("ns")
    out["unique_id"] = out["unique_id"].astype(str)
    return out


class _MemberTags(dict):
    """Class tags of a combination that an instance narrows to its own members.

    On the class it is the plain tag dict (those of the default members, so the
    conformance suite, which reads ``type(f).tags``, sees what ``type(f)()`` does);
    on an instance it is computed from that instance's members.
    """

    def __get__(self, obj: Any, objtype: type | None = None) -> dict[str, bool]:
        if obj is None:
            owner = objtype
            try:
                return owner()._member_tags()  # type: ignore[misc,union-attr]
            except Exception:  # a default member that cannot be resolved at all
                return dict(self)
        return obj._member_tags()


# ---------------------------------------------------------------------------
# shared machinery
# ---------------------------------------------------------------------------


class _MemberForecaster(BaseForecaster):
    """Fits members (or candidates) on one frame, validates them and routes regressors."""

    _members_param: ClassVar[str] = "members"
    _fitted_attr: ClassVar[str] = "members_"  # the fitted models that forecast
    _skip_unavailable: ClassVar[bool] = False  # AutoSelect skips candidates it cannot import
    tags: ClassVar[dict[str, bool]] = {"handles_missing": True}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.tags = _MemberTags(cls.tags)

    # -- members ------------------------------------------------------------

    def _specs(self) -> list[Any]:
        specs = getattr(self, self._members_param, None)
        if isinstance(specs, (str, BaseForecaster)) or not isinstance(specs, (list, tuple)):
            return []
        return list(specs)

    def _labelled(self) -> list[tuple[str, Any]]:
        """(label, spec) per member: the name or alias, made unique with a suffix."""
        out: list[tuple[str, Any]] = []
        seen: dict[str, int] = {}
        for spec in self._specs():
            base = spec.alias_ if isinstance(spec, BaseForecaster) else str(spec)
            seen[base] = seen.get(base, 0) + 1
            label = base if seen[base] == 1 else f"{base}_{seen[base]}"
            out.append((label, spec))
        return out

    def _check_specs(self) -> None:
        param = self._members_param
        specs = getattr(self, param, None)
        if isinstance(specs, (str, BaseForecaster)) or not isinstance(specs, (list, tuple)):
            raise ConfigError(
                f"{param}={specs!r} is not allowed: give a list or tuple of registry names "
                f"or forecaster objects, e.g. {param}=('seasonal_naive', 'historical_average')"
            )
        bad = [s for s in specs if not isinstance(s, (str, BaseForecaster))]
        if not specs or bad:
            what = f"offending values {examples(bad)}" if bad else "it is empty"
            raise ConfigError(
                f"{param} must hold registry names or forecaster objects; {what}: "
                f"e.g. {param}=('seasonal_naive', 'historical_average')"
            )

    def _resolve(self, spec: Any) -> BaseForecaster:
        """A new, unfitted forecaster for ``spec`` (never the caller's object)."""
        from demandcast.forecasters.registry import get_forecaster

        model = get_forecaster(spec) if isinstance(spec, str) else clone(spec)
        seed = getattr(self, "random_state", None)
        params = model.get_params(deep=False)
        if seed is not None and "random_state" in params and params["random_state"] is None:
            model.set_params(random_state=seed)
        return model

    def _spec_tags(self, spec: Any) -> dict[str, bool]:
        if isinstance(spec, BaseForecaster):
            return dict(spec.tags)
        from demandcast.forecasters.registry import get_forecaster_class

        return dict(get_forecaster_class(spec).tags)

    def _extra_tag_specs(self) -> list[Any]:
        return []

    def _member_tags(self) -> dict[str, bool]:
        found = []
        for spec in [*self._specs(), *self._extra_tag_specs()]:
            try:
                found.append(self._spec_tags(spec))
            except Exception:  # unknown or unavailable: fit says so
                continue
        tags = dict(DEFAULT_TAGS)
        for key in _ANY_TAGS:
            tags[key] = any(t[key] for t in found)
        for key in _ALL_TAGS:
            tags[key] = bool(found) and all(t[key] for t in found)
        tags["handles_missing"] = tags["supports_update"] = True
        return tags

    # -- parameters -------------------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters; with ``deep`` also ``<members>__<label>`` and their parameters.

        Examples
        --------
        >>> from demandcast.forecasters.naive import HistoricalAverage
        >>> e = Ensemble(members=("seasonal_naive", HistoricalAverage(k_weeks=6)))
        >>> e.get_params()["members__historical_average__k_weeks"]
        6
        """
        out = super().get_params(deep=False)
        if deep:
            param = self._members_param
            for label, spec in self._labelled():
                out[f"{param}__{label}"] = spec
                if isinstance(spec, BaseForecaster):
                    for key, value in spec.get_params(deep=True).items():
                        out[f"{param}__{label}__{key}"] = value
        return out

    def set_params(self, **params: Any) -> BaseForecaster:
        """Set parameters; ``<members>__<label>[__<param>]`` replaces or tunes one member.

        The member is replaced by a new object (a name becomes the registry model with
        that parameter); the caller's forecaster objects are never changed.

        Examples
        --------
        >>> e = Ensemble(members=("seasonal_naive", "historical_average"))
        >>> e.set_params(members__historical_average__k_weeks=8).members[1]
        HistoricalAverage(k_weeks=8)
        """
        param = self._members_param
        prefix = f"{param}__"
        nested = {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}
        super().set_params(**{k: v for k, v in params.items() if not k.startswith(prefix)})
        if not nested:
            return self
        from demandcast.forecasters.registry import get_forecaster

        original = getattr(self, param)
        specs = self._specs()
        for key, value in nested.items():
            labels = [label for label, _ in self._labelled_of(specs)]
            label, _, sub = key.partition("__")
            if label not in labels:
                raise ConfigError(
                    f"{type(self).__name__} has no member {label!r} (parameter "
                    f"{prefix}{key}); members are {labels}"
                )
            i = labels.index(label)
            if not sub:
                specs[i] = value
                continue
            spec = specs[i]
            model = get_forecaster(spec) if isinstance(spec, str) else clone(spec)
            specs[i] = model.set_params(**{sub: value})
        setattr(self, param, type(original)(specs) if isinstance(original, list) else tuple(specs))
        return self

    def _labelled_of(self, specs: list[Any]) -> list[tuple[str, Any]]:
        param = self._members_param
        saved = getattr(self, param)
        setattr(self, param, tuple(specs))
        try:
            return self._labelled()
        finally:
            setattr(self, param, saved)

    def _check_validation_params(self) -> None:
        h = self.validation_h
        if h is not None and (isinstance(h, bool) or not isinstance(h, numbers.Integral) or h < 1):
            raise ConfigError(
                f"validation_h={h!r} is not allowed: give a positive whole number of intervals "
                "or None (28 days for daily data, 7 days of intervals for intraday data)"
            )
        w = self.validation_windows
        if isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 1:
            raise ConfigError(
                f"validation_windows={w!r} is not allowed: give a positive whole number, e.g. 2"
            )
        metric = self.metric
        if not callable(metric) and metric not in _METRICS:
            raise ConfigError(
                f"metric={metric!r} is not allowed: use one of {list(_METRICS)} or a function "
                "metric(y, yhat) -> float where lower is better"
            )

    # -- fitting --------------------------------------------------------------------

    def _fit(self, inputs: FitInputs) -> None:
        """Check the parameters, resolve the members, route the regressors, combine."""
        self._check_specs()
        self._check_validation_params()
        self._check_own_params()
        templates = self._make_templates()
        self.regressor_members_ = self._routes(templates)
        self._combine(inputs.df, inputs.X, templates)

    def _combine(self, df: pd.DataFrame, X: pd.DataFrame | None, templates: list) -> None:
        """Fit (and validate) the members and set what the subclass predicts from."""
        raise NotImplementedError

    def _check_own_params(self) -> None:
        """Parameters specific to the subclass."""

    def _make_templates(self) -> list[tuple[str, BaseForecaster | None, str | None]]:
        """(label, unfitted model or None, reason it is unavailable) per member."""
        out = []
        for label, spec in self._labelled():
            try:
                out.append((label, self._resolve(spec), None))
            except ImportError as err:
                if not self._skip_unavailable:
                    raise
                reason = f"{type(err).__name__}: {err}"
                logger.warning(
                    "%s: candidate %r is unavailable (%s); it is skipped", self.name, label, reason
                )
                out.append((label, None, reason))
        return out

    def _routes(self, templates: list) -> dict[str, list[str]]:
        """Regressor columns each member receives (those whose role its tags accept)."""
        routes: dict[str, list[str]] = {}
        for label, model, _ in templates:
            if model is None:
                routes[label] = []
                continue
            tags = model.tags
            routes[label] = [c for c, r in self.roles_.items() if tags[f"{r}_regressors"]]
        if self.roles_:
            given = {label: cols for label, cols in routes.items() if cols}
            logger.info(
                "%s: regressors go only to the members that support their role: %s; "
                "members without regressors: %s",
                self.name,
                given,
                [label for label, cols in routes.items() if not cols],
            )
        return routes

    def _fit_member(
        self,
        template: BaseForecaster,
        frame: pd.DataFrame,
        X: pd.DataFrame | None,
        cols: list[str],
    ) -> tuple[BaseForecaster | None, dict[str, str]]:
        """Fit a clone of ``template``; series it fails on are dropped and returned."""
        failures: dict[str, str] = {}
        rows = np.ones(len(frame), dtype=bool)
        uids = frame["unique_id"].to_numpy()
        remaining = sorted(set(frame["unique_id"].astype(str)))
        while remaining:
            model = clone(template)
            part = frame[rows]
            X_part = None if X is None or not cols else X.loc[rows, [*_KEYS, *cols]]
            roles = {c: self.roles_[c] for c in cols} if X_part is not None else None
            try:
                model.fit(part, X_part, roles=roles)
                return model, failures
            except ConfigError:
                raise
            except ImportError as err:
                if not self._skip_unavailable:
                    raise
                reason = f"{type(err).__name__}: {err}"
            except ForecasterFitError as err:
                uid = err.unique_id
                if uid in remaining and len(remaining) > 1:
                    failures[uid] = err.reason
                    remaining.remove(uid)
                    rows &= uids != uid
                    continue
                reason = err.reason
            except Exception as err:  # a global model failing as a whole
                reason = f"{type(err).__name__}: {err}"
            for uid in remaining:
                failures[uid] = reason
            return None, failures
        return None, failures

    def _fit_all(
        self, frame: pd.DataFrame, X: pd.DataFrame | None, templates: list
    ) -> tuple[dict[str, BaseForecaster], list[dict[str, str]]]:
        """Fit every member on the full history; failures logged and returned."""
        models: dict[str, BaseForecaster] = {}
        failures: list[dict[str, str]] = []
        for label, template, unavailable in templates:
            if template is None:
                failed = dict.fromkeys(self.series_, str(unavailable))
                model = None
            else:
                model, failed = self._fit_member(template, frame, X, self.regressor_members_[label])
            for uid, reason in sorted(failed.items()):
                logger.warning(
                    "%s: member %r failed on series %r (%s); it takes no part for that series",
                    self.name,
                    label,
                    uid,
                    reason,
                )
                failures.append(
                    {"member": label, "unique_id": uid, "stage": "fit", "reason": reason}
                )
            if model is not None:
                models[label] = model
        return models, failures

    # -- validation -----------------------------------------------------------------

    def _validation_future(
        self, model: BaseForecaster, known: pd.DataFrame, cols: list[str], h: int
    ) -> pd.DataFrame | None:
        """Future regressors of a validation window, taken from the training regressors.

        Intervals absent from the history (closed or never recorded) are flagged
        closed; they are not scored, so their regressor value (0) does not matter.
        """
        future = [c for c in cols if self.roles_[c] == "future"]
        if not future:
            return None
        grid = _with_unit(model.future_ds(h))
        merged = grid.merge(known[[*_KEYS, "is_open", *future]], on=_KEYS, how="left")
        merged["is_open"] = merged["is_open"].eq(True)
        for c in future:
            merged[c] = merged[c].astype("float64").fillna(0.0)
        return merged

    def _validate(
        self, frame: pd.DataFrame, X: pd.DataFrame | None, templates: list
    ) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        """Rolling-origin scores per series (rows) and member (columns)."""
        h = self.validation_h or default_validation_h(self.freq_)
        self.validation_h_ = int(h)
        windows = BacktestWindows(h=int(h), n_windows=int(self.validation_windows))
        known = _with_unit(frame[[*_KEYS, "is_open"]])
        if X is not None:
            for c in X.columns.difference(_KEYS):
                known[c] = X[c].to_numpy()
        ok = frame["is_open"].to_numpy(dtype=bool) & frame["y"].notna().to_numpy()
        actual = _with_unit(frame.loc[ok, [*_KEYS, "y"]])
        pairs: dict[tuple[str, str], dict[int, np.ndarray]] = {}
        failed: dict[tuple[str, str], str] = {}
        failed_in: dict[tuple[str, str], set[int]] = {}
        for i, rows in windows.series_folds(frame, _time.step(self.freq_) or pd.Timedelta(days=30)):
            w = windows.n_windows - i  # counted back from the end, as messages name it
            train = frame[rows]
            X_train = None if X is None else X[rows]
            for label, template, _ in templates:
                if template is None:
                    continue
                routes = self.regressor_members_[label]
                model, bad = self._fit_member(template, train, X_train, routes)
                for uid, reason in bad.items():
                    failed.setdefault((label, uid), f"window {w}: {reason}")
                    failed_in.setdefault((label, uid), set()).add(w)
                if model is None:
                    continue
                X_future = self._validation_future(model, known, routes, int(h))
                try:
                    fc = model.predict(int(h), X_future=X_future)
                except Exception as err:
                    for uid in model.series_:
                        failed.setdefault((label, uid), f"window {w}: {type(err).__name__}: {err}")
                        failed_in.setdefault((label, uid), set()).add(w)
                    continue
                hits = _with_unit(fc).merge(actual, on=_KEYS, how="inner")
                for uid, idx in hits.groupby("unique_id", sort=True).indices.items():
                    part = hits.iloc[idx]
                    pairs.setdefault((label, str(uid)), {})[w] = np.column_stack(
                        [part["y"].to_numpy(), part[model.alias_].to_numpy()]
                    )
        metric = self.metric if callable(self.metric) else _METRICS[self.metric]
        labels = [label for label, _, _ in templates]
        scores = pd.DataFrame(
            np.nan, index=pd.Index(self.series_, name="unique_id"), columns=labels
        )
        for uid in self.series_:
            uid = str(uid)
            done = {
                label: set(pairs[label, uid]) - failed_in.get((label, uid), set())
                for label in labels
                if (label, uid) in pairs
            }
            done = {label: wins for label, wins in done.items() if wins}
            common = set.intersection(*done.values()) if done else set()
            for label, wins in done.items():
                if not common and (label, uid) in failed:
                    continue  # no window shared by all: only members that never failed
                use = sorted(common or wins)
                both = np.concatenate([pairs[label, uid][w] for w in use])
                scores.loc[uid, label] = float(metric(both[:, 0], both[:, 1]))
        failures = [
            {"member": label, "unique_id": uid, "stage": "validation", "reason": reason}
            for (label, uid), reason in sorted(failed.items())
        ]
        for row in failures:
            logger.warning(
                "%s: member %r failed on series %r in validation (%s); it gets no score there",
                self.name,
                row["member"],
                row["unique_id"],
                row["reason"],
            )
        scores.columns.name = "member"
        return scores, failures

    # -- predicting -----------------------------------------------------------------

    def _member_forecasts(
        self,
        models: Mapping[str, BaseForecaster],
        h: int,
        X_future: pd.DataFrame | None,
        level: tuple,
        grid: pd.DataFrame,
    ) -> dict[str, np.ndarray]:
        """Each member's forecast on ``grid`` (rows) x columns; NaN for series it lacks."""
        grid = _with_unit(grid)
        out = {}
        for label, model in models.items():
            future = [
                c for c in self.regressor_members_.get(label, []) if self.roles_[c] == "future"
            ]
            Xf = None if X_future is None or not future else X_future[[*_KEYS, *future]]
            fc = model.predict(h, X_future=Xf, level=level or None)
            cols = interval_columns(model.alias_, level)
            merged = grid.merge(_with_unit(fc), on=_KEYS, how="left")
            out[label] = merged[cols].to_numpy(dtype="float64")
        return out

    # -- update -------------------------------------------------------------------

    def _keep_history(self, df: pd.DataFrame, X: pd.DataFrame | None) -> None:
        """The training rows, for members that can only take new data by a refit."""
        models = getattr(self, self._fitted_attr)
        if all(has_update(m) for m in models.values()):
            self._history = None
        else:
            self._history = (df.reset_index(drop=True), X)

    def _update(self, inputs: FitInputs) -> None:
        """Give every fitted model the new observations.

        Models with the tag ``supports_update`` (``sarima``, ``gbm``, ``prophet``)
        update; the others (the baselines, whose fit only summarises the history) are
        fitted again on their history plus the new rows. The weights of an ensemble
        and the choice of ``auto`` stay as fitted. A model that cannot take the new
        rows raises, and the combination may then be partly updated: refit it.

        Examples
        --------
        >>> import pandas as pd
        >>> ds = pd.date_range("2024-03-04", periods=35, freq="D", tz="Europe/Amsterdam")
        >>> df = pd.DataFrame({"unique_id": "a/phone", "ds": ds, "y": [10.0] * 28 + [20.0] * 7})
        >>> f = Ensemble(members=("seasonal_naive", "historical_average")).fit(df.iloc[:28])
        >>> f.update(df.iloc[28:]).predict(1)["ensemble"].tolist()  # median of 20 and 12.5
        [16.25]
        """
        frame, X_aligned = inputs.df, inputs.X
        models = dict(getattr(self, self._fitted_attr))
        for label, model in models.items():
            rows = frame["unique_id"].isin(model.series_).to_numpy()
            if not rows.any():
                continue
            cols = self.regressor_members_.get(label, [])
            part = frame[rows].reset_index(drop=True)
            X_part = None
            if X_aligned is not None and cols:
                X_part = X_aligned.loc[rows, [*_KEYS, *cols]].reset_index(drop=True)
            if has_update(model):
                model.update(part, X_part)
            else:
                models[label] = self._refit_with(model, part, X_part, cols)
        setattr(self, self._fitted_attr, models)
        if self._history is not None:
            df, X = self._history
            X_all = None if X is None else pd.concat([X, X_aligned], ignore_index=True)
            self._history = (pd.concat([df, frame], ignore_index=True), X_all)

    def _refit_with(
        self,
        model: BaseForecaster,
        part: pd.DataFrame,
        X_part: pd.DataFrame | None,
        cols: list[str],
    ) -> BaseForecaster:
        """``model`` fitted again (as in fit) on its series' history plus ``part``."""
        df, X = self._history
        old = df["unique_id"].isin(model.series_).to_numpy()
        frame = pd.concat([df[old], part], ignore_index=True)
        X_all = None
        if X is not None and cols:
            X_all = pd.concat([X.loc[old, [*_KEYS, *cols]], X_part], ignore_index=True)
        fitted, failed = self._fit_member(model, frame, X_all, cols)
        if failed or fitted is None:
            uid, reason = sorted(failed.items())[0]
            raise ForecasterFitError(
                self.name, uid, f"{model.name} could not be fitted again: {reason}"
            )
        return fitted

    def _failures_frame(self, rows: list[dict[str, str]]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=_FAILURE_COLUMNS)


# ---------------------------------------------------------------------------
# Ensemble
# ---------------------------------------------------------------------------


class Ensemble(_MemberForecaster):
    """Combine the forecasts of several members: mean, median or validated weights.

    Every member is fitted on the full history. The point forecast is the median
    (default), the mean, or the weighted mean of the members' points; each interval
    bound is the same combination of the members' bounds (quantile averaging), which
    keeps the intervals nested because every member's are. The median is the
    default because one member that misreads a series (a seasonal naive copying a
    holiday week, a model slow to follow a level shift) moves it less than the mean;
    in rolling-origin backtests on real bank calls, the Anonymous Bank log and
    simulated hourly desks and phones it was more accurate than the mean.

    With ``combination="weighted"`` the weights come from the validation loop
    described in the module docstring: per series the inverse of each member's score,
    normalised to sum to 1, over the members whose score is within ``trim`` of the
    best one when ``trim`` is set (so a clearly better member is not diluted by
    clearly worse ones). Members with a zero score share all weight; a member that
    failed on the series, in validation or in the final fit, gets weight 0; a series
    without any score gets equal weights.

    Parameters
    ----------
    members : tuple of str or BaseForecaster
        Registry names or forecaster objects (cloned, never changed); default
        ``("seasonal_naive", "historical_average", "sarima")``.
    combination : {"median", "mean", "weighted"}, default "median"
        How member forecasts are combined (the median of two members is their mean).
    validation_h : int, optional
        Intervals forecast in each validation window; default 28 days for daily
        data, 7 days of intervals for intraday data. Used by ``"weighted"`` only.
    validation_windows : int, default 2
        Number of validation cutoffs at the end of the history.
    metric : {"wape", "mae", "rmse", "smape"} or callable, default "wape"
        Validation score, lower is better; a callable gets ``(y, yhat)``.
    alias : str, optional
        Name of the forecast column; default ``"ensemble"``.
    random_state : int, optional
        Given to members that take a ``random_state`` and have none set.
    trim : float or None, default None
        ``"weighted"`` only: a member whose validation score exceeds the series' best
        score by more than this fraction (0.1: 10 % worse) gets weight 0, so a
        clearly better member is not diluted; None weights every scored member.
    n_jobs : int, optional
        Threads for OpenMP and BLAS in every member's fit and predict (-1: every
        usable core); members with ``n_jobs=None`` follow it. None: the
        ``DEMANDCAST_N_JOBS`` environment variable, else the cores this process may
        use (see :func:`~demandcast.forecasters.base.thread_limit`).

    Attributes
    ----------
    members_ : dict
        Member label -> fitted member (members that failed on every series left out).
    weights_ : DataFrame
        Weight per series (rows) and member (columns); for ``"median"`` the members
        that take part, each with ``1 / n``.
    scores_ : DataFrame or None
        Validation score per series and member (``"weighted"`` only, else None).
    failures_ : DataFrame
        ``member, unique_id, stage, reason`` for every member that failed on a series.
    regressor_members_ : dict
        Member label -> regressor columns it was given.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.date_range("2024-03-04", periods=28, freq="D", tz="Europe/Amsterdam")
    >>> df = pd.DataFrame({"unique_id": "a/phone", "ds": ds, "y": [10.0] * 14 + [20.0] * 14})
    >>> f = Ensemble(members=("seasonal_naive", "historical_average")).fit(df)
    >>> f.predict(2)["ensemble"].tolist()  # median of 20 (a week back) and 15 (4-week mean)
    [17.5, 17.5]
    >>> three = ("seasonal_naive", "historical_average", "seasonal_naive")
    >>> Ensemble(members=three).fit(df).predict(1)["ensemble"].tolist()  # not dragged to 15
    [20.0]
    >>> Ensemble(members=three, combination="mean").fit(df).predict(1)["ensemble"].round(2).tolist()
    [18.33]
    """

    name: ClassVar[str] = "ensemble"
    _members_param: ClassVar[str] = "members"

    def __init__(
        self,
        members: tuple | list = ("seasonal_naive", "historical_average", "sarima"),
        combination: str = "median",
        validation_h: int | None = None,
        validation_windows: int = 2,
        metric: str | Callable[..., float] = "wape",
        alias: str | None = None,
        random_state: int | None = None,
        trim: float | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.members = members
        self.combination = combination
        self.validation_h = validation_h
        self.validation_windows = validation_windows
        self.metric = metric
        self.trim = trim
        self.alias = alias
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_own_params(self) -> None:
        if self.combination not in _COMBINATIONS:
            raise ConfigError(
                f"combination={self.combination!r} is not allowed: use one of {list(_COMBINATIONS)}"
            )
        trim = self.trim
        if trim is not None and (
            isinstance(trim, bool) or not isinstance(trim, numbers.Real) or not trim >= 0
        ):
            raise ConfigError(
                f"trim={trim!r} is not allowed: give a fraction >= 0 (0.1 keeps members at "
                "most 10 % worse than the best) or None to weight every member"
            )

    def _combine(self, df: pd.DataFrame, X: pd.DataFrame | None, templates: list) -> None:
        failures: list[dict[str, str]] = []
        scores = None
        if self.combination == "weighted":
            scores, failures = self._validate(df, X, templates)
        models, fit_failures = self._fit_all(df, X, templates)
        failures += fit_failures
        labels = [label for label, _, _ in templates]
        fitted = pd.DataFrame(False, index=pd.Index(self.series_, name="unique_id"), columns=labels)
        for label, model in models.items():
            fitted.loc[[str(u) for u in model.series_], label] = True
        lost = fitted.index[~fitted.any(axis=1)]
        if len(lost):
            uid = lost[0]
            why = "; ".join(
                f"{r['member']}: {r['reason']}" for r in fit_failures if r["unique_id"] == uid
            )
            raise ForecasterFitError(self.name, uid, f"every member failed ({why})")
        self.members_ = models
        self.scores_ = scores
        self.weights_ = self._weights(fitted, scores)
        self.failures_ = self._failures_frame(failures)
        self._keep_history(df, X)

    def _weights(self, fitted: pd.DataFrame, scores: pd.DataFrame | None) -> pd.DataFrame:
        avail = fitted.to_numpy(dtype=bool)
        weights = avail.astype("float64")
        if scores is not None:
            s = scores.reindex(index=fitted.index, columns=fitted.columns).to_numpy()
            usable = avail & np.isfinite(s) & (s >= 0)
            with np.errstate(divide="ignore"):
                inverse = np.where(usable, 1.0 / np.where(usable, s, 1.0), 0.0)
            if self.trim is not None:
                best = np.min(np.where(usable, s, np.inf), axis=1, keepdims=True)
                usable = usable & (s <= best * (1.0 + float(self.trim)))
                inverse = np.where(usable, inverse, 0.0)
            perfect = usable & (s == 0)
            inverse = np.where(perfect.any(axis=1, keepdims=True), perfect * 1.0, inverse)
            scored = usable.any(axis=1)
            weights = np.where(scored[:, None], inverse, weights)
            for uid in fitted.index[~scored]:
                logger.warning(
                    "%s: no validation score for series %r (history too short or no "
                    "actuals); its members get equal weights",
                    self.name,
                    uid,
                )
        weights = weights / weights.sum(axis=1, keepdims=True)
        out = pd.DataFrame(weights, index=fitted.index, columns=fitted.columns)
        out.columns.name = "member"
        return out

    def _predict(self, h: int, X_future: pd.DataFrame | None, level: tuple) -> pd.DataFrame:
        grid = self.future_ds(h)
        forecasts = self._member_forecasts(self.members_, h, X_future, level, grid)
        labels = list(forecasts)
        stack = np.stack([forecasts[label] for label in labels])  # member x row x column
        weights = self.weights_.reindex(index=grid["unique_id"], columns=labels).to_numpy()
        present = weights.T[:, :, None] > 0
        if self.combination == "median":
            values = np.nanmedian(np.where(present, stack, np.nan), axis=0)
        else:
            w = weights.T[:, :, None]
            values = np.where(present, np.nan_to_num(stack) * w, 0.0).sum(axis=0)
        out = grid.copy()
        for j, col in enumerate(interval_columns(self.alias_, level)):
            out[col] = values[:, j]
        return out


# ---------------------------------------------------------------------------
# AutoSelect
# ---------------------------------------------------------------------------


class AutoSelect(_MemberForecaster):
    """Per series, the candidate with the best validation score (registered as ``auto``).

    Every candidate is validated as described in the module docstring and fitted on
    the full history (global candidates such as ``gbm`` once on all series). For each
    series the candidate with the lowest score that also fitted on the full history
    is chosen (ties go to the earlier candidate); its forecast and intervals are the
    output for that series. A candidate that fails on a series, or cannot be imported,
    is skipped there with a logged warning. When no candidate is left for a series
    (all failed, or the history is too short to validate) the ``fallback`` model is
    fitted on that series, with a logged warning; without a fallback, or when it
    fails too, :class:`~demandcast.exceptions.ForecasterFitError` names the series.

    Parameters
    ----------
    candidates : tuple of str or BaseForecaster
        Registry names or forecaster objects (cloned, never changed); default
        ``("seasonal_naive", "historical_average", "sarima", "gbm")``.
    validation_h : int, optional
        Intervals forecast in each validation window; default 28 days for daily
        data, 7 days of intervals for intraday data.
    validation_windows : int, default 2
        Number of validation cutoffs at the end of the history.
    metric : {"wape", "mae", "rmse", "smape"} or callable, default "wape"
        Validation score, lower is better; a callable gets ``(y, yhat)``.
    fallback : str or None, default "seasonal_naive"
        Registry name of the model for series no candidate can serve.
    alias : str, optional
        Name of the forecast column; default ``"auto"``.
    random_state : int, optional
        Given to candidates that take a ``random_state`` and have none set.
    n_jobs : int, optional
        Threads for OpenMP and BLAS in every candidate's fit and predict (-1: every
        usable core); candidates with ``n_jobs=None`` follow it. None: the
        ``DEMANDCAST_N_JOBS`` environment variable, else the cores this process may
        use (see :func:`~demandcast.forecasters.base.thread_limit`).

    Attributes
    ----------
    choice_ : Series
        ``unique_id`` -> label of the chosen candidate (the fallback's name for
        series in ``fallback_series_``).
    scores_ : DataFrame
        Validation score per series (rows) and candidate (columns); NaN where the
        candidate failed or could not be scored.
    failures_ : DataFrame
        ``member, unique_id, stage, reason`` for every candidate that failed on a series.
    fallback_series_ : list of str
        Series served by the fallback model.
    models_ : dict
        Label -> fitted model, for the models chosen by at least one series.
    regressor_members_ : dict
        Candidate label -> regressor columns it was given.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2024-01-01", periods=70, freq="D", tz="Europe/Amsterdam")
    >>> y = np.tile([50.0, 40.0, 40.0, 45.0, 30.0, 5.0, 5.0], 10)
    >>> df = pd.DataFrame({"unique_id": "a/phone", "ds": ds, "y": y})
    >>> f = AutoSelect(candidates=("seasonal_naive", "historical_average")).fit(df)
    >>> f.choice_.to_dict()
    {'a/phone': 'seasonal_naive'}
    """

    name: ClassVar[str] = "auto"
    _members_param: ClassVar[str] = "candidates"
    _fitted_attr: ClassVar[str] = "models_"
    _skip_unavailable: ClassVar[bool] = True

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Candidates without ``gbm``: the suite checks the contract, not accuracy."""
        return {"candidates": ("seasonal_naive", "historical_average", "sarima")}

    def __init__(
        self,
        candidates: tuple | list = ("seasonal_naive", "historical_average", "sarima", "gbm"),
        validation_h: int | None = None,
        validation_windows: int = 2,
        metric: str | Callable[..., float] = "wape",
        fallback: str | None = "seasonal_naive",
        alias: str | None = None,
        random_state: int | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.candidates = candidates
        self.validation_h = validation_h
        self.validation_windows = validation_windows
        self.metric = metric
        self.fallback = fallback
        self.alias = alias
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _extra_tag_specs(self) -> list[Any]:
        return [self.fallback] if isinstance(self.fallback, str) and self.fallback else []

    def _check_own_params(self) -> None:
        fb = self.fallback
        if fb is not None and not isinstance(fb, str):
            raise ConfigError(
                f"fallback={fb!r} is not allowed: give a registry name such as "
                "'seasonal_naive', or None to raise when no candidate fits a series"
            )
        if fb:
            from demandcast.forecasters.registry import get_forecaster_class

            get_forecaster_class(fb)  # an unknown name fails now, not mid-fit

    def _combine(self, df: pd.DataFrame, X: pd.DataFrame | None, templates: list) -> None:
        scores, failures = self._validate(df, X, templates)
        models, fit_failures = self._fit_all(df, X, templates)
        failures += fit_failures
        labels = [label for label, _, _ in templates]
        choice: dict[str, str] = {}
        for uid in self.series_:
            row = scores.loc[uid]
            usable = [
                label
                for label in labels
                if label in models and uid in models[label].series_ and np.isfinite(row[label])
            ]
            if usable:  # sorted() is stable: ties go to the earlier candidate
                choice[uid] = sorted(usable, key=row.__getitem__)[0]
        orphans = [uid for uid in self.series_ if uid not in choice]
        used = {label: models[label] for label in labels if label in set(choice.values())}
        self.fallback_series_ = orphans
        if orphans:
            used[_FALLBACK] = self._fit_fallback(df, orphans, failures)
            for uid in orphans:
                choice[uid] = str(self.fallback)
        self.models_ = used
        self._route = {uid: (_FALLBACK if uid in orphans else choice[uid]) for uid in self.series_}
        self.choice_ = pd.Series(
            [choice[uid] for uid in self.series_],
            index=pd.Index(self.series_, name="unique_id"),
            name="model",
        )
        self.scores_ = scores
        self.failures_ = self._failures_frame(failures)
        self._keep_history(df, X)

    def _fit_fallback(
        self, df: pd.DataFrame, orphans: list[str], failures: list[dict[str, str]]
    ) -> BaseForecaster:
        def why(uid: str) -> str:
            reasons = [f"{r['member']}: {r['reason']}" for r in failures if r["unique_id"] == uid]
            return "; ".join(reasons) or "no candidate could be validated (history too short)"

        if not self.fallback:
            uid = orphans[0]
            raise ForecasterFitError(
                self.name, uid, f"no candidate is usable and fallback is None ({why(uid)})"
            )
        for uid in orphans:
            logger.warning(
                "%s: no candidate usable for series %r (%s); using fallback %r",
                self.name,
                uid,
                why(uid),
                self.fallback,
            )
        from demandcast.forecasters.registry import get_forecaster

        part = df[df["unique_id"].isin(orphans)]
        model = get_forecaster(self.fallback)
        try:
            return model.fit(part)
        except Exception as err:
            uid = getattr(err, "unique_id", None) or orphans[0]
            raise ForecasterFitError(
                self.name, uid, f"{why(uid)}; fallback {self.fallback!r} failed too: {err}"
            ) from err

    def _predict(self, h: int, X_future: pd.DataFrame | None, level: tuple) -> pd.DataFrame:
        grid = self.future_ds(h)
        forecasts = self._member_forecasts(self.models_, h, X_future, level, grid)
        cols = interval_columns(self.alias_, level)
        values = np.full((len(grid), len(cols)), np.nan)
        route = grid["unique_id"].map(self._route).to_numpy()
        for key, fc in forecasts.items():
            rows = route == key
            values[rows] = fc[rows]
        out = grid.copy()
        for j, col in enumerate(cols):
            out[col] = values[:, j]
        return out


_FALLBACK = "(fallback)"
