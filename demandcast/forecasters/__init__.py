"""Forecasters: the base class, the registry and the built-in models.

Model classes are imported on first use (``demandcast.forecasters.SARIMA`` imports
statsmodels only then), so importing this package stays light.

Examples
--------
>>> import demandcast.forecasters as fc
>>> fc.SeasonalNaive().name
'seasonal_naive'
"""

from __future__ import annotations

import importlib
from typing import Any

from demandcast.forecasters.base import (
    DEFAULT_TAGS,
    BaseForecaster,
    LocalForecaster,
    check_is_fitted,
    clone,
    default_season_length,
)
from demandcast.forecasters.registry import (
    BUILTIN_FORECASTERS,
    get_forecaster,
    get_forecaster_class,
    list_forecasters,
)

# class name -> "module:Class", from the registry table
_LAZY: dict[str, str] = {
    target.partition(":")[2]: target for target in BUILTIN_FORECASTERS.values()
}

__all__ = [
    "BUILTIN_FORECASTERS",
    "DEFAULT_TAGS",
    "BaseForecaster",
    "LocalForecaster",
    "check_is_fitted",
    "clone",
    "default_season_length",
    "get_forecaster",
    "get_forecaster_class",
    "list_forecasters",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'demandcast.forecasters' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
