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
from typing import TYPE_CHECKING, Any

from demandcast.exceptions import (
    BacktestError,
    ConfigError,
    DataWarning,
    DemandcastError,
    ForecasterFitError,
    InputFileError,
    InvalidFrameError,
    LockHeldError,
    MissingDependencyError,
    NoModelLeftError,
    NotFittedError,
    StoreError,
    UnknownForecasterError,
    UnsupportedRegressorError,
)

__version__ = "0.1.0.dev0"

# public name -> module that defines it; imported on first use
_LAZY: dict[str, str] = {
    # the long frame
    "DEFAULT_TZ": "demandcast.frame",
    "REQUIRED_COLUMNS": "demandcast.frame",
    "validate_frame": "demandcast.frame",
    "infer_freq": "demandcast.frame",
    "regularise": "demandcast.frame",
    "fill_missing": "demandcast.frame",
    "local_range": "demandcast.frame",
    "future_index": "demandcast.frame",
    "validate_forecast": "demandcast.forecast_frame",
    "interval_columns": "demandcast.forecast_frame",
    # calendar
    "OpeningHours": "demandcast.calendar",
    "dutch_holidays": "demandcast.calendar",
    "closure_days": "demandcast.calendar",
    "calendar_features": "demandcast.calendar",
    "dst_transition_days": "demandcast.calendar",
    # loaders and privacy
    "load_phone": "demandcast.loaders",
    "load_desk": "demandcast.loaders",
    "load_web": "demandcast.loaders",
    "load_counts": "demandcast.loaders",
    "pseudonymize": "demandcast.loaders",
    "suppress_small_counts": "demandcast.loaders",
    "read_table": "demandcast.loaders",
    "PERSONAL_COLUMN_PATTERNS": "demandcast.loaders",
    # simulated data
    "simulate_municipality": "demandcast.datasets",
    "SimulatedMunicipality": "demandcast.datasets",
    # forecasters
    "BaseForecaster": "demandcast.forecasters.base",
    "get_forecaster": "demandcast.forecasters.registry",
    "list_forecasters": "demandcast.forecasters.registry",
    "get_forecaster_class": "demandcast.forecasters.registry",
    "LocalForecaster": "demandcast.forecasters.base",
    "SeasonalNaive": "demandcast.forecasters.naive",
    "HistoricalAverage": "demandcast.forecasters.naive",
    "SARIMA": "demandcast.forecasters.sarima",
    "Prophet": "demandcast.forecasters.prophet",
    "GBM": "demandcast.forecasters.gbm",
    "Ensemble": "demandcast.forecasters.ensemble",
    "AutoSelect": "demandcast.forecasters.ensemble",
    "clone": "demandcast.forecasters.base",
    # backtests
    "backtest": "demandcast.backtest",
    "BacktestResult": "demandcast.backtest",
    "BacktestWindows": "demandcast.backtest",
    # intraday
    "IntradayProfiles": "demandcast.intraday",
    "intraday_profiles": "demandcast.intraday",
    "split_daily": "demandcast.intraday",
    "coherence_check": "demandcast.intraday",
    # staffing
    "required_staff": "demandcast.staffing",
    "desk_staff": "demandcast.staffing",
    "erlang_c": "demandcast.staffing",
    "service_level": "demandcast.staffing",
    "agents_for_service_level": "demandcast.staffing",
    "erlang_b": "demandcast.staffing",
    "erlang_a_metrics": "demandcast.staffing",
    "average_speed_of_answer": "demandcast.staffing",
    "occupancy": "demandcast.staffing",
    "offered_load": "demandcast.staffing",
    "ErlangAResult": "demandcast.staffing",
    # external signals
    "detect_spikes": "demandcast.signals",
    "lead_lag": "demandcast.signals",
    "lag_past_regressors": "demandcast.signals",
    "events_to_regressors": "demandcast.signals",
    "mailing": "demandcast.signals",
    "scenario": "demandcast.signals",
    # metrics
    "evaluate": "demandcast.metrics",
    "diebold_mariano": "demandcast.metrics",
    "poisson_floor_wape": "demandcast.metrics",
    "wape": "demandcast.metrics",
    "mase": "demandcast.metrics",
    "rmse": "demandcast.metrics",
    "mae": "demandcast.metrics",
    "smape": "demandcast.metrics",
    "bias": "demandcast.metrics",
    "relative_bias": "demandcast.metrics",
    "rmsse": "demandcast.metrics",
    "pinball": "demandcast.metrics",
    "coverage": "demandcast.metrics",
    "interval_width": "demandcast.metrics",
    "interval_score": "demandcast.metrics",
    "seasonal_scale": "demandcast.metrics",
    "compare_forecasts": "demandcast.metrics",
    "DMResult": "demandcast.metrics",
    "poisson_mean_absolute_deviation": "demandcast.metrics",
    # operations
    "load_config": "demandcast.config",
    "DemandcastConfig": "demandcast.config",
    "run_forecast": "demandcast.pipeline",
    "RunSummary": "demandcast.pipeline",
    # report
    "render_report": "demandcast.report",
    "write_report": "demandcast.report",
    # store
    "ForecastStore": "demandcast.store",
}

__all__ = [
    "DEFAULT_TZ",
    "GBM",
    "PERSONAL_COLUMN_PATTERNS",
    "REQUIRED_COLUMNS",
    "SARIMA",
    "AutoSelect",
    "BacktestError",
    "BacktestResult",
    "BacktestWindows",
    "BaseForecaster",
    "ConfigError",
    "DMResult",
    "DataWarning",
    "DemandcastConfig",
    "DemandcastError",
    "Ensemble",
    "ErlangAResult",
    "ForecastStore",
    "ForecasterFitError",
    "HistoricalAverage",
    "InputFileError",
    "IntradayProfiles",
    "InvalidFrameError",
    "LocalForecaster",
    "LockHeldError",
    "MissingDependencyError",
    "NoModelLeftError",
    "NotFittedError",
    "OpeningHours",
    "Prophet",
    "RunSummary",
    "SeasonalNaive",
    "SimulatedMunicipality",
    "StoreError",
    "UnknownForecasterError",
    "UnsupportedRegressorError",
    "__version__",
    "agents_for_service_level",
    "average_speed_of_answer",
    "backtest",
    "bias",
    "calendar_features",
    "clone",
    "closure_days",
    "coherence_check",
    "compare_forecasts",
    "coverage",
    "desk_staff",
    "detect_spikes",
    "diebold_mariano",
    "dst_transition_days",
    "dutch_holidays",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "evaluate",
    "events_to_regressors",
    "fill_missing",
    "future_index",
    "get_forecaster",
    "get_forecaster_class",
    "infer_freq",
    "interval_columns",
    "interval_score",
    "interval_width",
    "intraday_profiles",
    "lag_past_regressors",
    "lead_lag",
    "list_forecasters",
    "load_config",
    "load_counts",
    "load_desk",
    "load_phone",
    "load_web",
    "local_range",
    "mae",
    "mailing",
    "mase",
    "occupancy",
    "offered_load",
    "pinball",
    "poisson_floor_wape",
    "poisson_mean_absolute_deviation",
    "pseudonymize",
    "read_table",
    "regularise",
    "relative_bias",
    "render_report",
    "required_staff",
    "rmse",
    "rmsse",
    "run_forecast",
    "scenario",
    "seasonal_scale",
    "service_level",
    "simulate_municipality",
    "smape",
    "split_daily",
    "suppress_small_counts",
    "validate_forecast",
    "validate_frame",
    "wape",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'demandcast' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from demandcast.backtest import BacktestResult, BacktestWindows, backtest
    from demandcast.calendar import (
        OpeningHours,
        calendar_features,
        closure_days,
        dst_transition_days,
        dutch_holidays,
    )
    from demandcast.config import DemandcastConfig, load_config
    from demandcast.datasets import SimulatedMunicipality, simulate_municipality
    from demandcast.forecast_frame import interval_columns, validate_forecast
    from demandcast.forecasters.base import BaseForecaster, LocalForecaster, clone
    from demandcast.forecasters.ensemble import AutoSelect, Ensemble
    from demandcast.forecasters.gbm import GBM
    from demandcast.forecasters.naive import HistoricalAverage, SeasonalNaive
    from demandcast.forecasters.prophet import Prophet
    from demandcast.forecasters.registry import (
        get_forecaster,
        get_forecaster_class,
        list_forecasters,
    )
    from demandcast.forecasters.sarima import SARIMA
    from demandcast.frame import (
        DEFAULT_TZ,
        REQUIRED_COLUMNS,
        fill_missing,
        future_index,
        infer_freq,
        local_range,
        regularise,
        validate_frame,
    )
    from demandcast.intraday import (
        IntradayProfiles,
        coherence_check,
        intraday_profiles,
        split_daily,
    )
    from demandcast.loaders import (
        PERSONAL_COLUMN_PATTERNS,
        load_counts,
        load_desk,
        load_phone,
        load_web,
        pseudonymize,
        read_table,
        suppress_small_counts,
    )
    from demandcast.metrics import (
        DMResult,
        bias,
        compare_forecasts,
        coverage,
        diebold_mariano,
        evaluate,
        interval_score,
        interval_width,
        mae,
        mase,
        pinball,
        poisson_floor_wape,
        poisson_mean_absolute_deviation,
        relative_bias,
        rmse,
        rmsse,
        seasonal_scale,
        smape,
        wape,
    )
    from demandcast.pipeline import RunSummary, run_forecast
    from demandcast.report import render_report, write_report
    from demandcast.signals import (
        detect_spikes,
        events_to_regressors,
        lag_past_regressors,
        lead_lag,
        mailing,
        scenario,
    )
    from demandcast.staffing import (
        ErlangAResult,
        agents_for_service_level,
        average_speed_of_answer,
        desk_staff,
        erlang_a_metrics,
        erlang_b,
        erlang_c,
        occupancy,
        offered_load,
        required_staff,
        service_level,
    )
    from demandcast.store import ForecastStore
