"""The examples in the docstrings run and print what they show.

Every module of the package is imported and its docstring examples are run with
:mod:`doctest`, so an example that drifts from the code fails the test run.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import demandcast

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    found = pkgutil.walk_packages(demandcast.__path__, prefix="demandcast.")
    return sorted(name for _, name, _ in found)


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=_FLAGS, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_the_package_documents_its_api_with_examples():
    attempted = 0
    for name in MODULES:
        finder = doctest.DocTestFinder()
        module = importlib.import_module(name)
        attempted += sum(len(t.examples) for t in finder.find(module))
    assert attempted >= 300, f"only {attempted} docstring example lines in the package"
