"""The package surface: public names, light import, exception tree."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import demandcast
from demandcast import exceptions


def test_all_lists_every_lazy_name_and_every_exception():
    expected = set(demandcast._LAZY) | set(exceptions.__all__) | {"__version__"}
    assert set(demandcast.__all__) == expected
    assert len(demandcast.__all__) == len(set(demandcast.__all__))


@pytest.mark.parametrize("name", sorted(demandcast._LAZY))
def test_every_public_name_resolves(name):
    assert getattr(demandcast, name) is not None


def test_the_type_stub_is_the_public_list():
    """``__init__.pyi`` (what type checkers read) is the list ``__init__.py`` imports from.

    Every entry re-exports a name as itself from the module that defines it, so type
    checkers and the lazy imports agree; ``__version__`` is the only other name.
    """
    stub = ast.parse(Path(demandcast.__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    exported: dict[str, str] = {}
    for node in stub.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                assert alias.asname == alias.name, f"{alias.name}: re-export it as itself"
                assert alias.name not in exported, f"{alias.name} is listed twice"
                exported[alias.name] = str(node.module)
        else:
            assert isinstance(node, (ast.Expr, ast.AnnAssign)), ast.unparse(node)
    assert exported == demandcast._LAZY
    annotated = [ast.unparse(n.target) for n in stub.body if isinstance(n, ast.AnnAssign)]
    assert annotated == ["__version__"]
    for name, module in exported.items():
        assert getattr(demandcast, name) is getattr(importlib.import_module(module), name)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        demandcast.nope  # noqa: B018


def test_import_is_light():
    code = (
        "import sys, demandcast\n"
        "heavy = [m for m in ('statsmodels', 'prophet', 'sklearn', 'sqlalchemy', "
        "'matplotlib', 'dask', 'scipy') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_exception_tree_follows_design():
    assert issubclass(exceptions.InvalidFrameError, ValueError)
    assert issubclass(exceptions.UnknownForecasterError, LookupError)
    assert issubclass(exceptions.NotFittedError, AttributeError)
    assert issubclass(exceptions.NotFittedError, ValueError)
    assert issubclass(exceptions.MissingDependencyError, ImportError)
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        if name != "DataWarning":
            assert issubclass(cls, exceptions.DemandcastError), name
    err = exceptions.ForecasterFitError("sarima", "utrecht/phone", "singular")
    assert "sarima" in str(err) and "utrecht/phone" in str(err)
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)


def test_backtest_is_callable_after_importing_the_submodule():
    code = (
        "import demandcast.backtest\n"
        "import demandcast\n"
        "res = demandcast.backtest('seasonal_naive', demandcast.simulate_municipality("
        "start='2024-01-01', end='2024-03-31').frame('phone', freq='D'), h=7, n_windows=2)\n"
        "print(sorted(res.models))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "seasonal_naive" in out.stdout


def test_backtest_is_the_function_whatever_imported_the_submodule():
    """``demandcast.backtest`` stays the function after modules import ``demandcast.backtest``.

    Run in a fresh interpreter for both orders: the submodule imported before and after
    the package attribute is first read.
    """
    code = (
        "import inspect, sys\n"
        "import demandcast\n"
        "assert 'pandas' not in sys.modules  # the submodule is registered, not run\n"
        "first = demandcast.backtest if sys.argv[1] == 'root-first' else None\n"
        "import demandcast.backtest\n"
        "from demandcast.backtest import BacktestResult, backtest\n"
        "import demandcast.pipeline, demandcast.report  # modules importing the submodule\n"
        "module = sys.modules['demandcast.backtest']\n"
        "assert inspect.isfunction(demandcast.backtest), type(demandcast.backtest)\n"
        "assert demandcast.backtest is backtest is module.backtest\n"
        "assert first in (None, backtest)\n"
        "assert demandcast.BacktestResult is BacktestResult is module.BacktestResult\n"
        "assert type(module).__name__ == 'module', type(module)\n"
        "print('OK')"
    )
    for order in ("root-first", "submodule-first"):
        out = subprocess.run(
            [sys.executable, "-c", code, order], capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, (order, out.stderr[-2000:])
        assert out.stdout.strip() == "OK"
