"""The model template: parameters, tags, fit/update/predict validation, forecast frame.

Every model subclasses :class:`BaseForecaster` (or :class:`LocalForecaster` for one
model per series) and writes only the private hooks; the public ``fit``, ``update``
and ``predict`` here validate the input, align regressors, build the future grid and
enforce the forecast-frame rules (non-negative, nested intervals, zero where closed,
fixed column order). :class:`BaseForecaster` states the contract of each hook.

Conventions, following scikit-learn:

- ``__init__`` only stores its keyword parameters, each under its own name;
  ``get_params``/``set_params``/:func:`clone` are derived from the signature.
- Learned state lives in attributes ending in ``_``; ``freq_`` marks a fitted model.
- Capability tags (:data:`DEFAULT_TAGS`) are declared on the class; subclasses list
  only the tags they change and inherit the rest. Everyone reads them through
  :func:`tags_of`, which also serves plugin classes that do not subclass the base.
- Each model takes ``alias`` (the output column name, default the registry ``name``).
  Models that can fail on a series take ``fallback`` (a registry name such as
  ``"seasonal_naive"``) and use :meth:`BaseForecaster._fit_with_fallback`.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import logging
import numbers
import os
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import examples
from demandcast.exceptions import (
    ConfigError,
    ForecasterFitError,
    InvalidFrameError,
    NotFittedError,
    UnsupportedRegressorError,
)
from demandcast.forecast_frame import interval_columns, normalise_level
from demandcast.signals import ROLES

__all__ = [
    "DEFAULT_TAGS",
    "HORIZON_BUCKETS",
    "N_JOBS_ENV",
    "SIDE_MEASURES",
    "BaseForecaster",
    "FitInputs",
    "LocalForecaster",
    "check_is_fitted",
    "clone",
    "default_season_length",
    "has_update",
    "horizon_bucket",
    "resolve_n_jobs",
    "tags_of",
    "thread_limit",
    "usable_cores",
]

logger = logging.getLogger("demandcast")

#: Capability tags every forecaster carries; subclasses override what differs.
DEFAULT_TAGS: dict[str, bool] = {
    "future_regressors": False,  # uses regressors known ahead (X_future)
    "past_regressors": False,  # uses observed-only regressors, lagged >= horizon
    "intervals": True,  # predict(level=...) gives prediction intervals
    "intraday": True,  # works on sub-daily grids
    "global_model": False,  # one model across all series
    "handles_missing": False,  # copes with NaN y itself (else the base fills them)
    "requires_regular": False,  # needs every interval of the grid present
    "deterministic": False,  # output identical without a random_state
    "supports_update": False,  # _update takes new observations without re-estimation
    "warm_start": False,  # can start a refit from its previous fit (the warm_start parameter)
    "backtest_fast": False,  # _backtest_fast gives all backtest windows at once (not inherited)
}

_KEYS = ["unique_id", "ds"]

#: Numeric side measures the loaders add beside ``y`` (phone, desk and web counts):
#: kept in ``df`` for staffing and reports, never taken as regressors.
SIDE_MEASURES: frozenset[str] = frozenset(
    {
        "answered",
        "abandoned",
        "handle_seconds",
        "wait_seconds",
        "repeat_contacts",
        "served",
        "service_seconds",
        "visits",
        "pageviews",
    }
)


@dataclass(frozen=True, eq=False)
class FitInputs:
    """What ``_fit`` and ``_update`` receive: validated and aligned by the public method.

    Attributes
    ----------
    df : DataFrame
        The validated frame: ``unique_id, ds, y, is_open`` sorted by series and time,
        index ``0..n-1``; closed rows flagged ``False``, never zero demand; ``y`` NaN
        only with the tag ``handles_missing``. For ``update``: only the new rows.
    X : DataFrame or None
        The regressors aligned row by row with ``df``: ``unique_id, ds`` and one
        column per regressor of ``roles``; None without regressors.
    roles : dict
        Regressor column -> ``"future"`` or ``"past"``.
    freq : str
        The frame's grid (pandas offset alias).
    X_given : DataFrame or None
        The regressor frame as the caller gave it (all its rows), for past-role
        signals observed on rows that ``df`` leaves out (closed days).
    """

    df: pd.DataFrame
    X: pd.DataFrame | None
    roles: dict[str, str]
    freq: str
    X_given: pd.DataFrame | None = None


class _ClassOrInstanceMethod:
    """Bind a method to the instance when called on one, else to the class."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: Any, objtype: type | None = None) -> Callable[..., Any]:
        return types.MethodType(self.func, obj if obj is not None else objtype)


def tags_of(forecaster: Any) -> dict[str, bool]:
    """The capability tags of a forecaster class or instance: the one way to read them.

    Reads ``get_tags()`` where the object has it (every :class:`BaseForecaster`, whose
    instances may narrow their class's tags), else a ``tags`` mapping (a plugin class
    that does not subclass the base); :data:`DEFAULT_TAGS` fill what is not declared.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> tags_of(SeasonalNaive)["backtest_fast"], tags_of(SeasonalNaive())["supports_update"]
    (True, False)
    >>> class Plugin:
    ...     tags = {"future_regressors": True}
    >>> tags_of(Plugin)["future_regressors"], tags_of(Plugin())["intervals"]
    (True, True)
    """
    get = getattr(forecaster, "get_tags", None)
    declared = get() if callable(get) else getattr(forecaster, "tags", None) or {}
    return {**DEFAULT_TAGS, **{k: bool(v) for k, v in dict(declared).items()}}


#: The environment variable that sets the threads of every model in a process (cron).
N_JOBS_ENV = "DEMANDCAST_N_JOBS"

_THREADS: dict[str, Any] = {}  # threadpoolctl's controller and the modules loaded for it
_ACTIVE = threading.local()  # the thread count of the fit/update/predict running now


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity, else ``os.cpu_count()``.

    Examples
    --------
    >>> 1 <= usable_cores() <= (os.cpu_count() or 1)
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_n_jobs(n_jobs: Any = None) -> int:
    """The number of threads a model uses for ``n_jobs``: the one thread setting.

    ``None`` reads :data:`N_JOBS_ENV` (``DEMANDCAST_N_JOBS``, for cron jobs) and
    otherwise takes :func:`usable_cores`; ``-1`` (also in the variable) means every
    usable core; a positive whole number is taken as it is. The default never gives
    more threads than the process may use.

    Raises
    ------
    ConfigError
        For any other value, naming the parameter or the variable.

    Examples
    --------
    >>> resolve_n_jobs(2), resolve_n_jobs(-1) == usable_cores()
    (2, True)
    """
    where = "n_jobs"
    if n_jobs is None:
        raw = os.environ.get(N_JOBS_ENV, "").strip()
        if not raw:
            return usable_cores()
        where = f"the environment variable {N_JOBS_ENV}"
        try:
            n_jobs = int(raw)
        except ValueError:
            raise ConfigError(
                f"{where}={raw!r} is not allowed: give a positive whole number of threads "
                "or -1 for all cores"
            ) from None
    if isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool):
        if n_jobs == -1:
            return usable_cores()
        if n_jobs >= 1:
            return int(n_jobs)
    raise ConfigError(
        f"{where}={n_jobs!r} is not allowed: give a positive whole number of threads, -1 "
        f"for all cores, or None (the default: {N_JOBS_ENV} or the usable cores)"
    )


def _controller(modules: Iterable[str] = ()) -> Any:
    """threadpoolctl's controller over every native thread pool loaded (None without it).

    threadpoolctl limits only the libraries loaded when it scans, so the modules a
    model's hooks will load (scikit-learn's OpenMP, scipy's BLAS) are imported first;
    the scan (a few ms) is made again only when that brings in new modules.
    """
    want = {"scipy.linalg", *modules}  # scipy brings its own BLAS: limit it too
    loaded = _THREADS.get("modules", frozenset())
    if "controller" in _THREADS and want <= loaded:
        return _THREADS["controller"]
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        _THREADS.update(controller=None, modules=frozenset(want) | loaded)
        return None
    for name in sorted(want - loaded):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    _THREADS.update(controller=ThreadpoolController(), modules=frozenset(want) | loaded)
    return _THREADS["controller"]


@contextlib.contextmanager
def thread_limit(n_jobs: Any = None, modules: Iterable[str] = ()) -> Iterator[int]:
    """Limit OpenMP and BLAS alike to the threads of ``n_jobs`` (:func:`resolve_n_jobs`).

    The base wraps every ``_fit``, ``_update`` and ``_predict`` in it with the model's
    ``n_jobs`` parameter (None where it has none) and its ``thread_modules``. Inside
    a running limit (a member of ``ensemble`` or ``auto``), ``n_jobs=None`` keeps the
    outer setting, so a combination's setting holds for its members.

    Examples
    --------
    >>> with thread_limit(1) as n:
    ...     with thread_limit(None) as inner:
    ...         print(n, inner)
    1 1
    """
    outer = getattr(_ACTIVE, "n", None)
    # set again even when kept: a member may load a pool (OpenMP) the outer scan missed
    n = outer if n_jobs is None and outer is not None else resolve_n_jobs(n_jobs)
    controller = _controller(modules)
    _ACTIVE.n = n
    try:
        with contextlib.nullcontext() if controller is None else controller.limit(limits=n):
            yield n
    finally:
        _ACTIVE.n = outer


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread while fitting small models (state-space, L-BFGS).

    Their matrices are tiny, and OpenBLAS threads make a fit up to ten times slower
    on a busy machine. threadpoolctl is optional (only a speed-up); the controller is
    the one of :func:`thread_limit`, made after scipy's BLAS is loaded.
    """
    controller = _controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


#: First horizon (steps ahead) of each bucket in which models calibrate their intervals:
#: 1, 2-3, 4-7, 8-14, 15-28 and 29 or more steps.
HORIZON_BUCKETS = np.array([1, 2, 4, 8, 15, 29])


def horizon_bucket(steps: np.ndarray) -> np.ndarray:
    """Index into :data:`HORIZON_BUCKETS` of each horizon (steps below 1 count as 1).

    Examples
    --------
    >>> horizon_bucket(np.array([0, 1, 3, 7, 14, 28, 90])).tolist()
    [0, 0, 1, 2, 3, 4, 5]
    """
    return np.searchsorted(HORIZON_BUCKETS, np.maximum(steps, 1), side="right") - 1


def default_season_length(freq: str) -> int:
    """Number of intervals in one week at ``freq`` (7 for daily data).

    Parameters
    ----------
    freq : str
        A pandas offset alias such as ``"D"``, ``"h"``, ``"30min"``.

    Returns
    -------
    int
        7 for ``"D"``; ``7 * intervals per day`` for sub-daily grids (336 for
        ``"30min"``); 52 for weekly, 12 for monthly data.  On intraday grids with
        closed intervals absent, a season in *rows* is irregular: models should step
        back in time (same weekday and time of day), not in row offsets.

    Examples
    --------
    >>> default_season_length("D"), default_season_length("30min"), default_season_length("h")
    (7, 336, 168)
    """
    offset = _time.offset(freq)
    name = str(getattr(offset, "rule_code", offset.freqstr)).upper()
    step = _time.step(offset)  # "D" is 24 wall-clock hours
    day = pd.Timedelta(days=1)
    if step is not None and step <= day and day % step == pd.Timedelta(0):
        return int(pd.Timedelta(days=7) / step)
    if name.startswith("W"):
        return 52
    if name.startswith(("M", "ME", "MS")):
        return 12
    if name.startswith(("Q", "QE", "QS")):
        return 4
    raise ConfigError(
        f"freq={freq!r}: no default season length for this frequency; give season_length explicitly"
    )


def finish_values(values: np.ndarray, n_levels: int, is_open: np.ndarray | None) -> np.ndarray:
    """What every forecast gets last: clipped at 0, intervals nested around the point
    (each wider level contains the narrower one) and 0 on closed intervals.

    ``values`` holds the point forecast in column 0 and then ``lo, hi`` of each level
    from narrow to wide (the order of :func:`interval_columns`).

    Examples
    --------
    >>> v = np.array([[5.0, 6.0, 4.0], [-1.0, -2.0, 3.0]])
    >>> finish_values(v, 1, np.array([True, False])).tolist()
    [[5.0, 5.0, 5.0], [0.0, 0.0, 0.0]]
    """
    values = np.clip(values, 0.0, None)
    lo_prev = hi_prev = values[:, 0]
    for i in range(n_levels):
        lo = np.minimum(values[:, 1 + 2 * i], lo_prev)
        hi = np.maximum(values[:, 2 + 2 * i], hi_prev)
        values[:, 1 + 2 * i], values[:, 2 + 2 * i] = lo, hi
        lo_prev, hi_prev = lo, hi
    if is_open is not None:
        values[~np.asarray(is_open, dtype=bool)] = 0.0
    return values


def check_is_fitted(forecaster: BaseForecaster) -> None:
    """Raise :class:`NotFittedError` unless ``forecaster`` has been fitted.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> try:
    ...     check_is_fitted(SeasonalNaive())
    ... except Exception as err:
    ...     print(type(err).__name__)
    NotFittedError
    """
    if not hasattr(forecaster, "freq_"):
        raise NotFittedError(
            f"this {type(forecaster).__name__} is not fitted yet: call fit(df) before "
            "predict or using learned attributes"
        )


def has_update(model: Any) -> bool:
    """Whether ``model`` takes new observations with ``update`` (the tag ``supports_update``).

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> has_update(SeasonalNaive())
    False
    """
    return tags_of(model)["supports_update"]


def clone(forecaster: Any, *, safe: bool = True) -> Any:
    """Return an unfitted copy of ``forecaster`` with the same parameters.

    Nested forecasters (also inside lists, tuples and dicts) are cloned too; other
    parameter values are deep-copied, so the clone shares no state with the original.

    Parameters
    ----------
    forecaster : BaseForecaster or list/tuple/dict of them
        What to clone.
    safe : bool, default True
        When False, objects that are not forecasters are deep-copied instead of
        raising.

    Examples
    --------
    >>> from demandcast.forecasters.naive import HistoricalAverage
    >>> clone(HistoricalAverage(k_weeks=6)).get_params()["k_weeks"]
    6
    """
    if isinstance(forecaster, (list, tuple, set, frozenset)):
        return type(forecaster)(clone(f, safe=safe) for f in forecaster)
    if isinstance(forecaster, dict):
        return {k: clone(v, safe=safe) for k, v in forecaster.items()}
    if not isinstance(forecaster, BaseForecaster):
        if safe:
            raise TypeError(
                f"cannot clone {forecaster!r} of type {type(forecaster).__name__}: "
                "it is not a demandcast forecaster"
            )
        return copy.deepcopy(forecaster)
    params = forecaster.get_params(deep=False)
    new = {name: clone(value, safe=False) for name, value in params.items()}
    return type(forecaster)(**new)


# ---------------------------------------------------------------------------
# the base class
# ---------------------------------------------------------------------------


class BaseForecaster:
    """Base class of every demandcast forecaster: the one statement of the model template.

    Subclasses set ``name`` (the registry key), declare ``tags`` where they differ
    from :data:`DEFAULT_TAGS`, take only keyword parameters in ``__init__`` (stored
    unchanged under their own name, including ``alias=None``) and write only the
    private hooks; they never override ``fit`` or ``update``:

    ``_fit(inputs)``
        Learn from a :class:`FitInputs`: the validated frame, the regressors aligned
        with it, their roles and the grid. The base has already reset the learned
        state and set ``freq_``, ``tz_``, ``series_``, ``last_ds_``, ``roles_`` and
        ``regressors_``; store what is learned in attributes ending in ``_``, never
        other state on ``self``. A failure leaves the model unfitted.
    ``_predict(h, X_future, level)``
        Returns the forecast frame for the grid of :meth:`future_ds` with columns
        :func:`interval_columns` ``(self.alias_, level)``. ``X_future`` is None or
        aligned row by row with ``self.future_ds(h)`` and holds the future-role
        regressors. The base then clips at zero, nests the intervals, zeroes closed
        intervals and orders rows and columns.
    ``_update(inputs)`` (with the tag ``supports_update``)
        Take the new rows of a :class:`FitInputs` (checked by :meth:`update`) without
        re-estimating; the base then moves ``last_ds_`` on. Leave the model as it was
        when raising.
    ``_backtest_fast(frame, splits, tests, level)`` (with the tag ``backtest_fast``)
        Optional: every backtest window at once, exactly what fitting at each cutoff
        gives, or None when it does not apply. The tag is not inherited: a subclass
        may change what fit and predict do, so it declares the tag again to keep it.

    The tag ``warm_start`` says the class can start a refit from its previous fit;
    on an instance it follows the ``warm_start`` parameter (the backtest then gives
    every window of a series to one task).

    Closed intervals at predict time come from an ``is_open`` column of
    ``X_future`` (per ``unique_id`` or shared by all series) or, when absent, from
    the model's ``opening_hours`` parameter if it has one (an
    :class:`~demandcast.calendar.OpeningHours` or a dict ``unique_id`` or channel ->
    OpeningHours). The forecaster learns nothing about closures from the past.

    Interval nesting rule: the point forecast is kept; each lower bound is lowered to
    at most the point and the next narrower lower bound, each upper bound raised to at
    least the point and the next narrower upper bound, so that
    ``lo-95 <= lo-80 <= point <= hi-80 <= hi-95`` always holds.

    Examples
    --------
    A model that forecasts each series' mean and takes new rows without a refit:

    >>> import pandas as pd
    >>> class Mean(BaseForecaster):
    ...     name = "mean"
    ...     tags = {"intervals": False, "supports_update": True}
    ...
    ...     def __init__(self, alias=None):
    ...         self.alias = alias
    ...
    ...     def _fit(self, inputs):
    ...         self.sums_ = inputs.df.groupby("unique_id")["y"].agg(["sum", "count"])
    ...
    ...     def _update(self, inputs):
    ...         new = inputs.df.groupby("unique_id")["y"].agg(["sum", "count"])
    ...         self.sums_ = self.sums_.add(new, fill_value=0)
    ...
    ...     def _predict(self, h, X_future, level):
    ...         grid = self.future_ds(h)
    ...         mean = self.sums_["sum"] / self.sums_["count"]
    ...         return grid.assign(**{self.alias_: grid["unique_id"].map(mean).to_numpy()})
    >>> ds = pd.date_range("2024-01-01", periods=4, freq="D", tz="Europe/Amsterdam")
    >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 2.0, 3.0, 6.0]})
    >>> f = Mean().fit(df.iloc[:3])
    >>> f.predict(1)["mean"].tolist(), f.update(df.iloc[3:]).predict(1)["mean"].tolist()
    ([2.0], [3.0])
    """

    name: ClassVar[str] = "base"
    tags: ClassVar[dict[str, bool]] = dict(DEFAULT_TAGS)
    #: Modules with native thread pools that the hooks load (imported before the
    #: thread limit is set, so it reaches them from the first fit in a process).
    thread_modules: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # the shortcut is the declaring class's own: a subclass may fit and predict otherwise
        fast = bool(cls.__dict__.get("tags", {}).get("backtest_fast", False))
        merged: dict[str, bool] = {}
        for klass in reversed(cls.__mro__):
            merged.update(klass.__dict__.get("tags", {}))
        unknown = sorted(set(merged) - set(DEFAULT_TAGS))
        if unknown:
            raise TypeError(
                f"{cls.__name__}.tags has unknown keys {unknown}; allowed: {sorted(DEFAULT_TAGS)}"
            )
        cls.tags = {key: bool(merged.get(key, DEFAULT_TAGS[key])) for key in DEFAULT_TAGS}
        cls.tags["backtest_fast"] = fast

    # -- parameters ---------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ takes *args/**kwargs; forecasters must list "
                    "their parameters explicitly"
                )
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this forecaster as given to ``__init__``.

        Parameters
        ----------
        deep : bool, default True
            Also list the parameters of nested forecasters as ``<param>__<name>``.

        Examples
        --------
        >>> from demandcast.forecasters.naive import HistoricalAverage
        >>> HistoricalAverage(k_weeks=3).get_params()
        {'alias': None, 'k_weeks': 3}
        """
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and isinstance(value, BaseForecaster):
                for sub, sub_value in value.get_params(deep=True).items():
                    out[f"{name}__{sub}"] = sub_value
        return out

    def set_params(self, **params: Any) -> BaseForecaster:
        """Set parameters (``<param>__<name>`` reaches nested forecasters); returns self.

        Raises
        ------
        ConfigError
            When a name is not a parameter; the message lists the valid ones.

        Examples
        --------
        >>> from demandcast.forecasters.naive import HistoricalAverage
        >>> HistoricalAverage().set_params(k_weeks=8).k_weeks
        8
        """
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            head, _, rest = key.partition("__")
            if head not in valid:
                raise ConfigError(
                    f"{type(self).__name__} has no parameter {head!r}; valid parameters: {valid}"
                )
            if rest:
                nested.setdefault(head, {})[rest] = value
            else:
                setattr(self, head, value)
        for head, sub in nested.items():
            inner = getattr(self, head)
            if not isinstance(inner, BaseForecaster):
                raise ConfigError(
                    f"parameter {head!r} of {type(self).__name__} is not a forecaster, so "
                    f"{sorted(sub)} cannot be set on it"
                )
            inner.set_params(**sub)
        return self

    def clone(self) -> BaseForecaster:
        """Return an unfitted copy with the same parameters (see :func:`clone`)."""
        return clone(self)

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            value = getattr(self, name, None)
            default = sig.parameters[name].default
            try:
                same = default is not inspect.Parameter.empty and bool(value == default)
            except (ValueError, TypeError):
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @_ClassOrInstanceMethod
    def get_tags(self_or_cls: Any) -> dict[str, bool]:  # noqa: N805
        """A copy of the capability tags: of the class, or as this instance's parameters set them.

        Examples
        --------
        >>> from demandcast.forecasters.sarima import SARIMA
        >>> SARIMA.get_tags()["warm_start"], SARIMA().get_tags()["warm_start"]
        (True, False)
        """
        tags = dict(self_or_cls.tags)
        if tags.get("warm_start") and not isinstance(self_or_cls, type):
            tags["warm_start"] = bool(getattr(self_or_cls, "warm_start", False))
        return tags

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Cheap parameters for the conformance suite (:mod:`demandcast.testing`): none."""
        return {}

    def _threads(self) -> contextlib.AbstractContextManager:
        """:func:`thread_limit` with this model's ``n_jobs`` (None without the parameter)."""
        return thread_limit(getattr(self, "n_jobs", None), type(self).thread_modules)

    @property
    def alias_(self) -> str:
        """Output column name: the ``alias`` parameter or the registry name."""
        return getattr(self, "alias", None) or self.name

    # -- fit ------------------------------------------------------------------

    def fit(
        self,
        df: pd.DataFrame,
        X: pd.DataFrame | None = None,
        roles: Mapping[str, str] | None = None,
    ) -> BaseForecaster:
        """Learn from the long frame ``df`` (and regressors ``X``); returns self.

        Parameters
        ----------
        df : DataFrame
            Long frame ``unique_id, ds, y`` (optional ``is_open``), see
            :func:`demandcast.frame.validate_frame`. Never mutated.
        X : DataFrame, optional
            Regressors: ``ds``, optional ``unique_id`` (absent = shared by all
            series) and one column per regressor, covering every row of ``df``.
        roles : dict, optional
            Column -> ``"future"`` (known ahead, the default) or ``"past"``
            (observed only).

        Returns
        -------
        self

        Raises
        ------
        InvalidFrameError
            When ``df`` or ``X`` break the frame rules (missing rows, NaN).
        UnsupportedRegressorError
            When the model cannot use a regressor with the given role, or ``df``
            holds a numeric column that is neither a regressor named in ``roles``
            nor a known side measure (:data:`SIDE_MEASURES`): see
            :func:`regressors_in_frame`.
        ForecasterFitError
            When the model fails on a series and no ``fallback`` is set.
        """
        from demandcast.frame import infer_freq, validate_frame

        # keep the caller's time zone; naive times get the library default
        aware = isinstance(df, pd.DataFrame) and "ds" in df.columns and _is_tz_aware(df["ds"])
        frame = validate_frame(df, tz=str(df["ds"].dt.tz)) if aware else validate_frame(df)
        X, roles = regressors_in_frame(frame, X, roles, model=self.name)
        # a column taken as a regressor lives in X only (members see it there)
        frame = frame.drop(columns=[c for c in roles or {} if c in frame.columns])
        return self._fit_validated(frame, frame.attrs.get("freq") or infer_freq(frame), X, roles)

    def _fit_validated(
        self,
        frame: pd.DataFrame,
        freq: str,
        X: pd.DataFrame | None = None,
        roles: Mapping[str, str] | None = None,
    ) -> BaseForecaster:
        """:meth:`fit` on a frame the caller validated itself (the backtest's slices).

        ``frame`` holds rows of a :func:`~demandcast.frame.validate_frame` result
        (sorted, normalised ``unique_id, ds, y`` and optional ``is_open``) on the grid
        ``freq``; it is not checked again. The regressors are checked as in ``fit``.
        """
        frame = frame.reset_index(drop=True)
        frame["is_open"] = frame["is_open"].astype(bool) if "is_open" in frame.columns else True

        roles_ = self._check_roles(X, roles)
        X_aligned = None
        if X is not None:
            X_aligned = _align_regressors(X, frame[_KEYS], list(roles_), what="X")
            if "is_open" in X_aligned.columns:  # closure flags given with the regressors
                frame["is_open"] = frame["is_open"].to_numpy() & X_aligned.pop("is_open").to_numpy(
                    dtype=bool
                )

        if not self.tags["handles_missing"] and frame["y"].isna().any():
            from demandcast.frame import fill_missing

            frame = fill_missing(frame).reset_index(drop=True)

        last = frame.groupby("unique_id", sort=True)["ds"].max()
        # reset learned state before fitting, so a refit never mixes old and new
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("__")]:
            delattr(self, attr)
        self.freq_ = str(freq)
        self.tz_ = frame["ds"].dt.tz
        self.series_ = [str(u) for u in last.index]
        self.last_ds_ = {str(u): ts for u, ts in last.items()}
        self.roles_ = dict(roles_)
        self.regressors_ = list(roles_)
        try:
            with self._threads():
                self._fit(FitInputs(frame, X_aligned, dict(roles_), self.freq_, X))
        except Exception:
            del self.freq_  # a failed fit leaves the model unfitted
            raise
        return self

    def _check_roles(
        self, X: pd.DataFrame | None, roles: Mapping[str, str] | None
    ) -> dict[str, str]:
        if X is None:
            if roles:
                raise ConfigError(
                    f"roles={dict(roles)!r} given without X: pass the regressor frame X "
                    "or drop roles"
                )
            return {}
        if not isinstance(X, pd.DataFrame):
            raise InvalidFrameError(
                f"X must be a DataFrame with columns ds, optional unique_id and regressors; "
                f"got {type(X).__name__}"
            )
        if "ds" not in X.columns:
            raise InvalidFrameError(
                f"X has no 'ds' column (columns: {examples(X.columns)}): add the interval "
                "start of each regressor row"
            )
        columns = [c for c in X.columns if c not in ("unique_id", "ds", "is_open")]
        roles = dict(roles or {})
        unknown = [c for c in roles if c not in columns]
        if unknown:
            raise ConfigError(
                f"roles name columns that are not regressors in X: {examples(unknown)}; "
                f"regressor columns are {examples(columns)}"
            )
        bad = {c: r for c, r in roles.items() if r not in ROLES}
        if bad:
            raise ConfigError(
                f"roles may only be 'future' or 'past'; offending {bad!r}: use 'future' for "
                "values known ahead and 'past' for observed-only signals"
            )
        out = {c: roles.get(c, "future") for c in columns}
        for column, role in out.items():
            if not self.tags[f"{role}_regressors"]:
                raise UnsupportedRegressorError(
                    f"model {self.name!r} cannot use {role} regressor {column!r}: it does not "
                    f"support {role} regressors; drop the column from X or pick a model with "
                    f"the tag '{role}_regressors' (e.g. 'gbm')"
                )
        return out

    def _fit(self, inputs: FitInputs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _fit(inputs)")

    def _fit_with_fallback(
        self, series_id: str, fn: Callable[[], Any], df: pd.DataFrame | None = None
    ) -> Any:
        """Run ``fn()`` for one series; on failure use the ``fallback`` model or raise.

        Parameters
        ----------
        series_id : str
            The series being fitted (named in errors and warnings).
        fn : callable
            Fits the series and returns its state.
        df : DataFrame, optional
            The frame of this series only; the fallback model is fitted on it
            (required when ``fallback`` is set).

        Returns
        -------
        Whatever ``fn`` returns, or a :class:`FallbackState` holding the fitted
        fallback model.

        Raises
        ------
        ForecasterFitError
            Naming the model and the series, chained to the original error, when no
            ``fallback`` is set.
        """
        try:
            return fn()
        except Exception as err:
            fallback = getattr(self, "fallback", None)
            reason = f"{type(err).__name__}: {err}"
            if not fallback or df is None:
                raise ForecasterFitError(self.name, series_id, reason) from err
            from demandcast.forecasters.registry import get_forecaster

            logger.warning(
                "model %r failed on series %r (%s); using fallback %r for this series",
                self.name,
                series_id,
                reason,
                fallback,
            )
            model = get_forecaster(fallback)
            try:
                model.fit(df)
            except Exception as err2:
                raise ForecasterFitError(
                    self.name, series_id, f"{reason}; fallback {fallback!r} failed too: {err2}"
                ) from err2
            return FallbackState(model)

    # -- update -------------------------------------------------------------------

    def update(self, df_new: pd.DataFrame, X_new: pd.DataFrame | None = None) -> BaseForecaster:
        """Take new observations without re-estimating (models with ``supports_update``).

        What stays fixed and what is recomputed is each model's own (see its class);
        the next forecasts start after the new rows. Backtests with ``refit=k`` call
        this between refits.

        Parameters
        ----------
        df_new : DataFrame
            Long frame of observations after each series' last ``ds`` (series may be
            left out; optional ``is_open``), on the fitted grid.
        X_new : DataFrame, optional
            The regressors used in fit, for every row of ``df_new`` (an ``is_open``
            column closes the rows it flags); past-role signals may also hold rows
            ``df_new`` leaves out (closed days), which models that read them use.

        Returns
        -------
        self

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ConfigError
            When the model cannot update (no ``supports_update`` tag): refit it.
        InvalidFrameError
            A row not after its series' last ``ds``, a series not seen in fit, or
            regressors missing.
        ForecasterFitError
            A series the model cannot update (e.g. one its fallback serves); refit
            with :meth:`fit`.

        Examples
        --------
        >>> from demandcast.forecasters.naive import SeasonalNaive  # refitted instead
        >>> SeasonalNaive.tags["supports_update"]
        False
        """
        check_is_fitted(self)
        if not self.tags["supports_update"]:
            raise ConfigError(
                f"model {self.name!r} cannot take new observations with update: refit it "
                "with fit() on the longer history"
            )
        inputs = self._update_inputs(df_new, X_new)
        with self._threads():
            self._update(inputs)
        self.last_ds_ = self._advanced_last_ds(inputs.df)
        return self

    def _update(self, inputs: FitInputs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _update(inputs)")

    def _update_inputs(self, df_new: pd.DataFrame, X_new: pd.DataFrame | None) -> FitInputs:
        """The checks of :meth:`update`: ``df_new`` validated on the fitted grid, only
        series seen in fit and only rows after each series' last ``ds``; ``X_new``
        aligned to its rows with the regressors of fit (its ``is_open`` closes rows)."""
        from demandcast.frame import validate_frame

        frame = validate_frame(df_new, freq=self.freq_, tz=str(self.tz_)).reset_index(drop=True)
        frame["is_open"] = frame["is_open"].astype(bool) if "is_open" in frame.columns else True
        unknown = sorted(set(frame["unique_id"]) - set(self.series_))
        if unknown:
            raise InvalidFrameError(
                f"df_new has series {unknown[:5]} that were not in fit: update only extends "
                "fitted series; refit with fit() to add series"
            )
        for uid, idx in frame.groupby("unique_id", sort=True).indices.items():
            part = frame.iloc[idx]
            early = part["ds"] <= self.last_ds_[str(uid)]
            if early.any():
                shown = part.loc[early, "ds"].astype(str).head(5).tolist()
                raise InvalidFrameError(
                    f"df_new: series {str(uid)!r} has rows at or before its last fitted ds "
                    f"{self.last_ds_[str(uid)]}, e.g. {shown}: pass only newer observations"
                )
        if not self.roles_:
            return FitInputs(frame, None, {}, self.freq_, X_new)
        if X_new is None:
            raise InvalidFrameError(
                f"update needs X_new with the regressors {list(self.roles_)[:5]} used in "
                "fit, for every row of df_new"
            )
        X_aligned = _align_regressors(X_new, frame[_KEYS], list(self.roles_), what="X_new")
        if "is_open" in X_aligned.columns:
            flags = X_aligned.pop("is_open").to_numpy(dtype=bool)
            frame["is_open"] = frame["is_open"].to_numpy() & flags
        return FitInputs(frame, X_aligned, dict(self.roles_), self.freq_, X_new)

    def _advanced_last_ds(self, frame: pd.DataFrame) -> dict[str, pd.Timestamp]:
        """``last_ds_`` moved on to the last ``ds`` of each series in ``frame``."""
        last = dict(self.last_ds_)
        for uid, ds in frame.groupby("unique_id", sort=True)["ds"].max().items():
            last[str(uid)] = ds
        return last

    # -- predict ----------------------------------------------------------------

    def future_ds(self, h: int) -> pd.DataFrame:
        """The forecast grid: for each series the next ``h`` intervals after its last ``ds``.

        Returns
        -------
        DataFrame
            ``unique_id``, ``ds`` sorted by series then time (``h`` rows per series).
        """
        check_is_fitted(self)
        lasts = tuple((self.last_ds_[u], str(self.last_ds_[u].tz)) for u in self.series_)
        key = (type(h), h, self.freq_, tuple(self.series_), lasts)
        cached = getattr(self, "_future_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1].copy()
        out = self._build_future_ds(h)
        self._future_cache = (key, out)
        return out.copy()

    def _build_future_ds(self, h: int) -> pd.DataFrame:

        # series mostly share their last ds: build each distinct index once
        lasts = [(self.last_ds_[uid], str(self.last_ds_[uid].tz)) for uid in self.series_]
        distinct: dict[Any, int] = {}
        codes = np.fromiter((distinct.setdefault(t, len(distinct)) for t in lasts), "int64")
        indices = [_time.future_index(t, h, self.freq_) for t, _ in distinct]
        pooled = indices[0].append(indices[1:]) if len(indices) > 1 else indices[0]
        positions = (codes[:, None] * h + np.arange(h)[None, :]).ravel()
        ids = np.repeat(np.asarray(self.series_, dtype=object), h)
        out = pd.DataFrame({"unique_id": ids, "ds": pooled.take(positions)})
        out["unique_id"] = out["unique_id"].astype(str)
        return out

    def predict(
        self,
        h: int,
        X_future: pd.DataFrame | None = None,
        level: Iterable[float] | None = None,
    ) -> pd.DataFrame:
        """Forecast the next ``h`` intervals of every series.

        Parameters
        ----------
        h : int
            Number of intervals ahead (on the series' grid, closed ones included).
        X_future : DataFrame, optional
            The future-role regressors for exactly those intervals (``ds``, optional
            ``unique_id``) and/or an ``is_open`` column marking closed intervals.
        level : iterable of float, optional
            Interval coverage in percent, e.g. ``(80, 95)``.

        Returns
        -------
        DataFrame
            ``unique_id, ds, <alias>`` and ``<alias>-lo-<l>, <alias>-hi-<l>`` per level.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InvalidFrameError
            When a future regressor is missing, short or NaN for some rows.
        """
        check_is_fitted(self)
        if isinstance(h, bool) or not isinstance(h, numbers.Integral) or h < 1:
            raise ConfigError(f"h={h!r} is not allowed: give a positive whole number of intervals")
        h = int(h)
        levels = normalise_level(level)
        if levels and not self.tags["intervals"]:
            raise ConfigError(
                f"model {self.name!r} gives no prediction intervals: call predict with level=None"
            )
        grid = self.future_ds(h)
        future_cols = [c for c, r in self.roles_.items() if r == "future"]
        X_aligned, is_open = self._check_future(X_future, grid, future_cols)
        if is_open is None:
            is_open = self._opening_mask(grid)
        with self._threads():
            out = self._predict(h, X_aligned, levels)
        return self._finish(out, grid, levels, is_open)

    def _check_future(
        self, X_future: pd.DataFrame | None, grid: pd.DataFrame, future_cols: list[str]
    ) -> tuple[pd.DataFrame | None, np.ndarray | None]:
        if X_future is None:
            if future_cols:
                first = grid.groupby("unique_id")["ds"].min()
                raise InvalidFrameError(
                    f"future regressors {examples(future_cols)} were used in fit but X_future is "
                    f"None; pass X_future with their values for the next {len(grid) // len(first)}"
                    f" intervals (from {examples(first.astype(str).unique())})"
                )
            return None, None
        if not isinstance(X_future, pd.DataFrame) or "ds" not in X_future.columns:
            raise InvalidFrameError(
                "X_future must be a DataFrame with a 'ds' column (and optional unique_id)"
            )
        past = [c for c in X_future.columns if self.roles_.get(c) == "past"]
        if past:
            raise InvalidFrameError(
                f"X_future holds past regressors {examples(past)}: past regressors are observed "
                "only, the model uses them lagged from the training data; drop them from "
                "X_future"
            )
        unknown = [
            c
            for c in X_future.columns
            if c not in ("unique_id", "ds", "is_open") and c not in self.roles_
        ]
        if unknown:
            raise UnsupportedRegressorError(
                f"X_future has columns {examples(unknown)} that were not regressors in fit; "
                f"model {self.name!r} was fitted "
                + (f"with {examples(list(self.roles_))}" if self.roles_ else "without regressors")
                + ": drop them or refit with them in X"
            )
        missing = [c for c in future_cols if c not in X_future.columns]
        if missing:
            raise InvalidFrameError(
                f"X_future lacks future regressor column(s) {examples(missing)} used in fit: add "
                "their values for the forecast horizon"
            )
        cols = list(future_cols)
        if "is_open" in X_future.columns:
            cols.append("is_open")
        aligned = _same_rows(X_future, grid, cols)
        if aligned is None:
            aligned = _align_regressors(X_future, grid, cols, what="X_future")
        is_open = None
        if "is_open" in aligned.columns:
            is_open = aligned.pop("is_open").to_numpy(dtype=bool)
        return (aligned if future_cols else None), is_open

    def _opening_mask(self, grid: pd.DataFrame) -> np.ndarray | None:
        hours = getattr(self, "opening_hours", None)
        if hours is None:
            return None
        mask = np.ones(len(grid), dtype=bool)
        for uid, idx in grid.groupby("unique_id", sort=False).indices.items():
            rule = hours
            if isinstance(hours, Mapping):
                rule = hours.get(uid, hours.get(str(uid).rsplit("/", 1)[-1]))
                if rule is None:
                    continue
            ds = pd.DatetimeIndex(grid["ds"].iloc[idx])
            mask[idx] = np.asarray(rule.is_open(ds, freq=self.freq_), dtype=bool)
        return mask

    def _predict(self, h: int, X_future: pd.DataFrame | None, level: tuple) -> pd.DataFrame:
        raise NotImplementedError(
            f"{type(self).__name__} must implement _predict(h, X_future, level)"
        )

    def _finish(
        self,
        out: pd.DataFrame,
        grid: pd.DataFrame,
        levels: tuple,
        is_open: np.ndarray | None,
    ) -> pd.DataFrame:
        alias = self.alias_
        cols = interval_columns(alias, levels)
        missing = [c for c in [*_KEYS, *cols] if c not in out.columns]
        if missing:
            raise ForecasterFitError(
                self.name, None, f"_predict returned no column(s) {missing} (a model bug)"
            )
        out = out[[*_KEYS, *cols]].copy()
        out["unique_id"] = out["unique_id"].astype(str)
        out = out.sort_values(_KEYS, kind="stable").reset_index(drop=True)
        same = len(out) == len(grid) and (
            (out["unique_id"].to_numpy() == grid["unique_id"].to_numpy()).all()
            and (pd.DatetimeIndex(out["ds"]) == pd.DatetimeIndex(grid["ds"])).all()
        )
        if not same:
            raise ForecasterFitError(
                self.name,
                None,
                f"_predict returned {len(out)} rows that do not match the forecast grid of "
                f"{len(grid)} rows (a model bug)",
            )
        values = out[cols].to_numpy(dtype="float64", copy=True)
        bad = ~np.isfinite(values)
        if bad.any():
            rows = out.loc[bad.any(axis=1), _KEYS].head(5).to_dict("records")
            raise ForecasterFitError(
                self.name, None, f"_predict returned NaN or infinite values, e.g. at {rows}"
            )
        values = finish_values(values, len(levels), is_open)
        result = grid.copy()
        for j, col in enumerate(cols):
            result[col] = values[:, j]
        return result


class FallbackState:
    """State of a series that the fallback model took over (see ``_fit_with_fallback``)."""

    def __init__(self, model: BaseForecaster) -> None:
        self.model = model

    def predict(self, h: int, level: tuple) -> dict[str, np.ndarray]:
        fc = self.model.predict(h, level=level or None)
        keys = ["mean", *(f"{side}-{lv}" for lv in level for side in ("lo", "hi"))]
        values = fc[interval_columns(self.model.alias_, level)].to_numpy().T
        return dict(zip(keys, values, strict=True))


class LocalForecaster(BaseForecaster):
    """A forecaster that fits one independent model per series.

    Subclasses implement:

    ``_fit_one(uid, y, ds, X_one) -> state``
        ``uid`` is the series id; ``y`` (float array) and ``ds`` (tz-aware
        DatetimeIndex) hold the *open* intervals of that series (closed rows dropped;
        NaN only with the tag ``handles_missing``); ``X_one`` is None or the aligned
        regressor frame of those rows. A model that needs inputs of the whole fit
        writes ``_fit`` as ``self.states_ = self._fit_each(inputs, fit_one)`` with
        its own ``fit_one`` of the same signature.
    ``_predict_one(state, h, ds_future, X_future_one, level) -> dict``
        Arrays of length ``h``: ``"mean"`` and ``"lo-<l>"``/``"hi-<l>"`` per level.

    Exceptions raised by ``_fit_one`` become :class:`ForecasterFitError` naming the
    model and series, or, if the model has a ``fallback`` parameter set, the fallback
    model takes over that series with a logged warning. Fitted states are in
    ``self.states_`` (series id -> state).
    """

    def _fit(self, inputs: FitInputs) -> None:
        self.states_ = self._fit_each(inputs, self._fit_one)

    def _fit_each(
        self,
        inputs: FitInputs,
        fit_one: Callable[[str, np.ndarray, pd.DatetimeIndex, pd.DataFrame | None], Any],
    ) -> dict[str, Any]:
        """``fit_one(uid, y, ds, X_one)`` per series (through the fallback); the states."""
        df, X = inputs.df, inputs.X
        states: dict[str, Any] = {}
        y_all = df["y"].to_numpy(dtype="float64")
        ds_all = pd.DatetimeIndex(df["ds"])
        open_all = df["is_open"].to_numpy(dtype=bool)
        positions = np.arange(len(df))
        use_fallback = bool(getattr(self, "fallback", None))
        for uid, idx in _series_rows(df["unique_id"]):
            rows = positions[idx][open_all[idx]]
            X_one = None if X is None else X.iloc[rows].reset_index(drop=True)

            def fit(uid=uid, y=y_all[rows], ds=ds_all[rows], X_one=X_one):
                return fit_one(uid, y, ds, X_one)

            # the series' own frame is only needed to fit a fallback model
            part = df.iloc[idx] if use_fallback else None
            states[uid] = self._fit_with_fallback(uid, fit, part)
        return states

    def _predict(self, h: int, X_future: pd.DataFrame | None, level: tuple) -> pd.DataFrame:
        grid = self.future_ds(h)
        cols = interval_columns(self.alias_, level)
        values = np.empty((len(grid), len(cols)))
        keys = ["mean"] + [f"{side}-{lv}" for lv in level for side in ("lo", "hi")]
        ds_all = pd.DatetimeIndex(grid["ds"])
        # future_ds gives h rows per series, in the order of self.series_
        for i, uid in enumerate(self.series_):
            idx = slice(i * h, (i + 1) * h)
            state = self.states_[uid]
            if isinstance(state, FallbackState):
                res = state.predict(h, level)
            else:
                X_one = None if X_future is None else X_future.iloc[idx].reset_index(drop=True)
                res = self._predict_one(state, h, ds_all[idx], X_one, level)
            for j, key in enumerate(keys):
                values[idx, j] = np.asarray(res[key], dtype="float64")
        out = grid.copy()
        for j, col in enumerate(cols):
            out[col] = values[:, j]
        return out

    def _fit_one(
        self, uid: str, y: np.ndarray, ds: pd.DatetimeIndex, X_one: pd.DataFrame | None
    ) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement _fit_one")

    def _predict_one(
        self,
        state: Any,
        h: int,
        ds_future: pd.DatetimeIndex,
        X_future_one: pd.DataFrame | None,
        level: tuple,
    ) -> dict[str, np.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} must implement _predict_one")


def _series_rows(uid: pd.Series) -> list[tuple[str, slice | np.ndarray]]:
    """``(series id, rows)`` per series, sorted by id: slices when rows are contiguous."""
    codes, uniques = pd.factorize(uid, sort=True)
    if len(codes) and (np.diff(codes) >= 0).all():
        bounds = np.flatnonzero(np.diff(codes)) + 1
        starts = np.r_[0, bounds]
        stops = np.r_[bounds, len(codes)]
        return [
            (str(uniques[c]), slice(int(a), int(b)))
            for c, a, b in zip(codes[starts], starts, stops, strict=True)
        ]
    groups = uid.groupby(uid.to_numpy(), sort=True).indices
    return [(str(u), idx) for u, idx in groups.items()]


# ---------------------------------------------------------------------------
# regressor alignment
# ---------------------------------------------------------------------------


def regressors_in_frame(
    frame: pd.DataFrame,
    X: pd.DataFrame | None,
    roles: Mapping[str, str] | None,
    *,
    model: str | None = None,
) -> tuple[pd.DataFrame | None, dict[str, str] | None]:
    """The regressors ``X`` and ``roles`` with the numeric columns of ``frame`` decided.

    Nothing in ``df`` is ignored silently: a numeric column of the long frame other
    than ``unique_id, ds, y, is_open`` and the loaders' :data:`SIDE_MEASURES` is used
    as a regressor when ``roles`` names it (its values join ``X``), else refused.
    Text and boolean columns (labels, ``<col>_suppressed`` flags) are left alone.

    Parameters
    ----------
    frame : DataFrame
        A :func:`~demandcast.frame.validate_frame` result (it keeps extra columns).
    X : DataFrame, optional
        The regressor frame given beside ``df``.
    roles : mapping, optional
        Column -> ``"future"`` or ``"past"``.
    model : str, optional
        The model named in the error.

    Returns
    -------
    X, roles
        Unchanged when ``frame`` holds no declared regressor; else ``X`` aligned with
        ``frame`` (``unique_id, ds``, the columns of ``X`` and the declared ones).

    Raises
    ------
    UnsupportedRegressorError
        Naming the undeclared columns and the two fixes: pass them in ``X`` with
        ``roles``, or drop them from ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.date_range("2024-01-01", periods=2, freq="D", tz="Europe/Amsterdam")
    >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 2.0], "temp": [3.0, 4.0]})
    >>> X, roles = regressors_in_frame(df, None, {"temp": "future"})
    >>> list(X.columns), roles
    (['unique_id', 'ds', 'temp'], {'temp': 'future'})
    >>> try:
    ...     regressors_in_frame(df, None, None, model="gbm")
    ... except Exception as err:
    ...     print(type(err).__name__)
    UnsupportedRegressorError
    """
    in_x = set(X.columns) if isinstance(X, pd.DataFrame) else set()
    named = dict(roles or {})
    extra = [
        c
        for c in frame.columns
        if c not in (*_KEYS, "y", "is_open")
        and c not in in_x
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and (c in named or c not in SIDE_MEASURES)
    ]
    declared = [c for c in extra if c in named]
    undeclared = [c for c in extra if c not in named]
    if undeclared:
        who = f"model {model!r}" if model else "the models"
        cols = ", ".join(repr(c) for c in ["unique_id", "ds", *undeclared[:2]])
        raise UnsupportedRegressorError(
            f"df has numeric column(s) {examples(undeclared)} that are not regressors: "
            f"{who} would ignore them. To use them, pass them in X with roles, e.g. "
            f"X=df[[{cols}]], roles={{{undeclared[0]!r}: 'future'}} ('past' for values "
            "observed only), or name them in roles; otherwise drop them from df "
            f"(df.drop(columns=[{', '.join(repr(c) for c in undeclared[:2])}]))"
        )
    if not declared:
        return X, roles
    own = frame[[*_KEYS, *declared]].reset_index(drop=True)
    if X is None:
        return own, named
    if not isinstance(X, pd.DataFrame) or "ds" not in X.columns:
        return X, roles  # the checks of fit name what is wrong with X
    given = [c for c in X.columns if c not in _KEYS]
    aligned = _align_regressors(X, own[_KEYS], given, what="X")
    for column in declared:
        aligned[column] = own[column].to_numpy()
    return aligned, named


def _is_tz_aware(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.DatetimeTZDtype)


def _same_rows(X: pd.DataFrame, keys: pd.DataFrame, columns: list[str]) -> pd.DataFrame | None:
    """``X[columns]`` on ``keys`` when ``X`` already has exactly those rows, without NaN.

    The shortcut of :func:`_align_regressors` for a frame built on the forecast grid
    (as the backtest does); None sends the caller down the checking path.
    """
    if "unique_id" not in X.columns or len(X) != len(keys) or X["ds"].dtype != keys["ds"].dtype:
        return None
    if X[columns].isna().to_numpy().any():
        return None
    same_ds = np.array_equal(pd.DatetimeIndex(X["ds"]).asi8, pd.DatetimeIndex(keys["ds"]).asi8)
    if (
        not same_ds
        or not (X["unique_id"].astype(str).to_numpy() == keys["unique_id"].to_numpy()).all()
    ):
        return None
    out = keys[_KEYS].reset_index(drop=True)
    for column in columns:
        out[column] = X[column].reset_index(drop=True)
    return out


def _align_regressors(
    X: pd.DataFrame, keys: pd.DataFrame, columns: list[str], *, what: str
) -> pd.DataFrame:
    """Return ``X[columns]`` aligned row by row with ``keys`` (unique_id, ds).

    Raises InvalidFrameError naming the column, the series and the first uncovered
    dates when ``X`` misses rows or holds NaN.
    """
    tz = keys["ds"].dt.tz
    X = X.copy()
    X["ds"] = _time.to_local(pd.to_datetime(X["ds"]), tz, by=X.get("unique_id"))
    shared = "unique_id" not in X.columns
    on = ["ds"] if shared else _KEYS
    if not shared:
        X["unique_id"] = X["unique_id"].astype(str)
    dup = X.duplicated(on)
    if dup.any():
        rows = X.loc[dup, on].head(5).astype(str).to_dict("records")
        raise InvalidFrameError(
            f"{what} has duplicate rows for {on}, e.g. {rows}: keep one row per "
            f"{'interval' if shared else 'series and interval'}"
        )
    merged = keys.merge(
        X[[*on, *columns]].assign(_present=True), on=on, how="left", validate="many_to_one"
    )
    for column in ["_present", *columns]:
        gap = merged[column].isna()
        if not gap.any():
            continue
        where = merged.loc[gap]
        series = where["unique_id"].unique()
        first = where.groupby("unique_id")["ds"].min()
        dates = [f"{u}: {first[u]}" for u in series[:5]]
        name = f"regressor(s) {examples(columns)}" if column == "_present" else repr(column)
        rule = "has no rows" if column == "_present" else "is NaN or missing"
        raise InvalidFrameError(
            f"{what} {rule} for {name} at {int(gap.sum())} interval(s) of {len(series)} "
            f"series {examples(series)}; first uncovered dates {dates}: give a value for every "
            f"interval of every series"
            + (" in the forecast horizon" if what == "X_future" else " in df")
        )
    out = merged[[*_KEYS, *columns]]
    return out.reset_index(drop=True)
