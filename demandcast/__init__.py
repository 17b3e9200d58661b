"""demandcast: demand forecasting for the contact channels of Dutch municipalities.

Load desk, phone and web exports into one long frame, forecast them with baselines,
SARIMA, Prophet, gradient boosting or ensembles, backtest the models the way planners
need, and turn forecasts into staffing.

Public names are imported lazily: ``import demandcast`` loads no model library
(statsmodels, prophet, scikit-learn) until a name that needs one is used.

Examples
--------
>>> import demandcast
>>> "seasonal_naive" in demandcast.list_forecasters()
True
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

from demandcast import exceptions

__version__ = "0.1.0.dev0"

# The one public list: module -> the public names it defines. The lazy imports and
# ``__all__`` come from it; ``__init__.pyi`` re-exports the same names for type
# checkers (tests/test_package.py fails until the two agree). A public name is added
# here and in the stub, nowhere else.
_PUBLIC: dict[str, tuple[str, ...]] = {
    "demandcast.exceptions": tuple(exceptions.__all__),
    # the long frame
    "demandcast.frame": (
        "DEFAULT_TZ",
        "REQUIRED_COLUMNS",
        "validate_frame",
        "infer_freq",
        "regularise",
        "fill_missing",
        "local_range",
        "future_index",
    ),
    "demandcast.forecast_frame": ("validate_forecast", "interval_columns"),
    # calendar
    "demandcast.calendar": (
        "OpeningHours",
        "dutch_holidays",
        "closure_days",
        "calendar_features",
        "dst_transition_days",
    ),
    # loaders and privacy
    "demandcast.loaders": (
        "load_phone",
        "load_desk",
        "load_web",
        "load_counts",
        "pseudonymize",
        "suppress_small_counts",
        "read_table",
        "PERSONAL_COLUMN_PATTERNS",
    ),
    # simulated data
    "demandcast.datasets": (
        "simulate_municipality",
        "SimulatedMunicipality",
    ),
    # forecasters
    "demandcast.forecasters.base": (
        "BaseForecaster",
        "LocalForecaster",
        "clone",
    ),
    "demandcast.forecasters.registry": (
        "get_forecaster",
        "list_forecasters",
        "get_forecaster_class",
    ),
    "demandcast.forecasters.naive": (
        "SeasonalNaive",
        "HistoricalAverage",
    ),
    "demandcast.forecasters.sarima": ("SARIMA",),
    "demandcast.forecasters.prophet": ("Prophet",),
    "demandcast.forecasters.gbm": ("GBM",),
    "demandcast.forecasters.ensemble": (
        "Ensemble",
        "AutoSelect",
    ),
    # backtests
    "demandcast.backtest": (
        "backtest",
        "BacktestResult",
        "BacktestWindows",
    ),
    # intraday
    "demandcast.intraday": (
        "IntradayProfiles",
        "intraday_profiles",
        "split_daily",
        "coherence_check",
    ),
    # staffing
    "demandcast.staffing": (
        "required_staff",
        "desk_staff",
        "erlang_c",
        "service_level",
        "agents_for_service_level",
        "erlang_b",
        "erlang_a_metrics",
        "average_speed_of_answer",
        "occupancy",
        "offered_load",
        "ErlangAResult",
    ),
    # external signals
    "demandcast.signals": (
        "detect_spikes",
        "lead_lag",
        "lag_past_regressors",
        "events_to_regressors",
        "mailing",
        "scenario",
    ),
    # metrics
    "demandcast.metrics": (
        "evaluate",
        "diebold_mariano",
        "poisson_floor_wape",
        "wape",
        "mase",
        "rmse",
        "mae",
        "smape",
        "bias",
        "relative_bias",
        "rmsse",
        "pinball",
        "coverage",
        "interval_width",
        "interval_score",
        "seasonal_scale",
        "compare_forecasts",
        "DMResult",
        "poisson_mean_absolute_deviation",
    ),
    # operations
    "demandcast.config": (
        "load_config",
        "DemandcastConfig",
    ),
    "demandcast.pipeline": (
        "run_forecast",
        "RunSummary",
    ),
    # report
    "demandcast.report": (
        "render_report",
        "write_report",
    ),
    # store
    "demandcast.store": ("ForecastStore",),
}

# public name -> module that defines it; imported on first use
_LAZY: dict[str, str] = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'demandcast' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def _register_unloaded(name: str) -> None:
    """Put the submodule ``name`` in ``sys.modules`` now and run it on first use.

    ``demandcast.backtest`` names both a submodule and, at the package root, the
    function :func:`demandcast.backtest.backtest` (as DESIGN.md documents it). Python
    binds a submodule to the attribute of its package when the submodule is first
    loaded, which would hide the function after any ``import demandcast.backtest``.
    A submodule that is already in ``sys.modules`` is never bound again, so
    registering it here, unexecuted (:class:`importlib.util.LazyLoader`), keeps
    ``demandcast.backtest`` the function whatever is imported later, and keeps
    ``import demandcast`` light: the module runs when one of its names is first used.
    """
    if name in sys.modules:  # importlib.reload(demandcast): keep the loaded module
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:  # pragma: no cover - broken installation
        raise ImportError(f"cannot find {name}")
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_register_unloaded("demandcast.backtest")
