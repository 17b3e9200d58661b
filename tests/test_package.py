"""The package surface: public names, light import, exception tree."""

from __future__ import annotations

import subprocess
import sys

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
