"""Forecaster names: a static built-in table plus third-party plugins.

Built-ins sit in :data:`BUILTIN_FORECASTERS`, a greppable ``name -> "module:Class"``
table imported lazily, so ``import demandcast`` never imports statsmodels or
prophet. Third-party packages register forecasters through the entry-point group
``demandcast.forecasters``::

    [project.entry-points."demandcast.forecasters"]
    my_model = "my_package.models:MyModel"

A plugin whose name clashes with a built-in is ignored with a warning; a plugin that
fails to import raises only when it is requested by name.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import warnings
from typing import Any

from demandcast.exceptions import MissingDependencyError, UnknownForecasterError

__all__ = [
    "BUILTIN_FORECASTERS",
    "ENTRY_POINT_GROUP",
    "get_forecaster",
    "get_forecaster_class",
    "list_forecasters",
]

#: Built-in forecasters: registry name -> "module:Class".
BUILTIN_FORECASTERS: dict[str, str] = {
    "seasonal_naive": "demandcast.forecasters.naive:SeasonalNaive",
    "historical_average": "demandcast.forecasters.naive:HistoricalAverage",
    "sarima": "demandcast.forecasters.sarima:SARIMA",
    "prophet": "demandcast.forecasters.prophet:Prophet",
    "gbm": "demandcast.forecasters.gbm:GBM",
    "ensemble": "demandcast.forecasters.ensemble:Ensemble",
    "auto": "demandcast.forecasters.ensemble:AutoSelect",
}

#: Entry-point group third-party forecasters register under.
ENTRY_POINT_GROUP = "demandcast.forecasters"


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _plugins() -> dict[str, importlib.metadata.EntryPoint]:
    """Entry points of the plugin group by name, built-in clashes dropped with a warning."""
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = _normalise(ep.name)
        if key in BUILTIN_FORECASTERS:
            warnings.warn(
                f"forecaster plugin {ep.name!r} ({ep.value}) is ignored: the name is taken by "
                f"the built-in {BUILTIN_FORECASTERS[key]}; register it under another name",
                UserWarning,
                stacklevel=3,
            )
            continue
        found.setdefault(key, ep)
    return found


def list_forecasters() -> list[str]:
    """Sorted names of every forecaster: built-ins and installed plugins.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from demandcast.forecasters.registry import list_forecasters
    >>> [n for n in list_forecasters() if n in ("seasonal_naive", "historical_average")]
    ['historical_average', 'seasonal_naive']
    """
    return sorted(set(BUILTIN_FORECASTERS) | set(_plugins()))


def _unknown(name: str, known: list[str]) -> UnknownForecasterError:
    close = difflib.get_close_matches(_normalise(str(name)), known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return UnknownForecasterError(
        f"no forecaster named {name!r}{hint} Known forecasters: {', '.join(known)}. "
        "Third-party models register through the entry-point group "
        f"{ENTRY_POINT_GROUP!r}."
    )


def _import_target(target: str, name: str) -> type:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        missing = err.name or ""
        if missing and not missing.startswith("demandcast"):
            raise MissingDependencyError(missing.split(".")[0]) from err
        raise ImportError(
            f"forecaster {name!r} is registered as {target!r} but its module cannot be "
            f"imported: {err}"
        ) from err
    try:
        return getattr(module, attr)
    except AttributeError as err:
        raise ImportError(
            f"forecaster {name!r} is registered as {target!r} but {module_name} has no "
            f"attribute {attr!r}"
        ) from err


def get_forecaster_class(name: str) -> type:
    """The class registered under ``name`` (imported on first use).

    Parameters
    ----------
    name : str
        A name from :func:`list_forecasters` (case and ``-``/``_`` are forgiven).

    Returns
    -------
    type

    Raises
    ------
    UnknownForecasterError
        For an unknown name; lists the known names and the closest match.
    MissingDependencyError
        When the model needs a package that is not installed.
    ImportError
        When a plugin is registered but fails to import.

    Examples
    --------
    >>> get_forecaster_class("seasonal_naive").__name__
    'SeasonalNaive'
    """
    if not isinstance(name, str):
        raise UnknownForecasterError(
            f"forecaster name must be a string, got {name!r}; "
            f"known: {', '.join(list_forecasters())}"
        )
    key = _normalise(name)
    if key in BUILTIN_FORECASTERS:
        return _import_target(BUILTIN_FORECASTERS[key], key)
    plugins = _plugins()
    if key in plugins:
        ep = plugins[key]
        try:
            return ep.load()
        except Exception as err:
            raise ImportError(
                f"forecaster plugin {ep.name!r} ({ep.value}) failed to import: "
                f"{type(err).__name__}: {err}; fix or uninstall the package that provides it"
            ) from err
    raise _unknown(name, sorted(set(BUILTIN_FORECASTERS) | set(plugins)))


def get_forecaster(name: str, **params: Any) -> Any:
    """Create the forecaster registered under ``name`` with ``params``.

    Parameters
    ----------
    name : str
        A name from :func:`list_forecasters`.
    **params
        Keyword parameters of the forecaster's ``__init__``.

    Returns
    -------
    BaseForecaster
        A new, unfitted forecaster.

    Raises
    ------
    UnknownForecasterError
        For an unknown name; lists the known names and the closest match.

    Examples
    --------
    >>> from demandcast.forecasters.registry import get_forecaster
    >>> get_forecaster("historical_average", k_weeks=6)
    HistoricalAverage(k_weeks=6)
    """
    cls = get_forecaster_class(name)
    try:
        return cls(**params)
    except TypeError as err:
        from demandcast.exceptions import ConfigError

        raise ConfigError(
            f"forecaster {name!r} does not accept parameters {sorted(params)}: {err}"
        ) from err
