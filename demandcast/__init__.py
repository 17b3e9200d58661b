"""demandcast: demand forecasting for the contact channels of Dutch municipalities.

Load desk, phone and web exports into one long frame, forecast them with baselines,
SARIMA, Prophet, gradient boosting or ensembles, backtest the models the way planners
need, and turn forecasts into staffing.

Public names are imported lazily: ``import demandcast`` loads no model library
(statsmodels, prophet, scikit-learn) until a name that needs one is used. The one list
of them is the type stub ``__init__.pyi``: type checkers read it, and this module reads
it for ``__all__`` and the lazy imports.

Examples
--------
>>> import demandcast
>>> "seasonal_naive" in demandcast.list_forecasters()
True
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

__version__ = "0.1.0.dev0"


def _public_names() -> dict[str, str]:
    """Public name -> the module that defines it, read from ``__init__.pyi``.

    The stub is the one public list: every ``from M import N as N`` in it is what type
    checkers see as ``demandcast.N`` and what :func:`__getattr__` imports from ``M`` on
    first use (the pattern of Scientific Python's SPEC 1, ``lazy_loader.attach_stub``).
    A public name is added there and nowhere else.
    """
    stub = ast.parse(Path(__file__).with_name("__init__.pyi").read_text(encoding="utf-8"))
    return {
        alias.name: node.module
        for node in stub.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


_LAZY: dict[str, str] = _public_names()

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
    """Put the submodule ``name`` in ``sys.modules`` now, unexecuted, to run on first use.

    ``demandcast.backtest`` is a submodule and, at the package root, its function
    ``backtest``. Python binds a submodule to its package's attribute when it first loads
    it, hiding the function; a submodule already in ``sys.modules`` is never bound again,
    so this (:class:`importlib.util.LazyLoader`) keeps ``demandcast.backtest`` the function
    whatever is imported later, and ``import demandcast`` light.
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
