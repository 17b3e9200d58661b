"""Shared fixtures: where the real data lives.

Tests look for a file first in ``tests/data/`` (small copies kept in the repository,
sources in ``tests/data/README.md``) and then in ``../shared/data/`` beside the
repository; when neither has it the test is skipped, never failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def find_data_file(name: str) -> Path | None:
    """Return the path of a real data file, or None when it is not on this machine."""
    for folder in (TESTS_DATA, SHARED_DATA):
        path = folder / name
        if path.exists():
            return path
    return None


@pytest.fixture
def data_file():
    """Look up a real data file by name; skip the test cleanly when it is absent."""

    def _lookup(name: str) -> Path:
        path = find_data_file(name)
        if path is None:
            pytest.skip(f"data file {name!r} not found in tests/data or ../shared/data")
        return path

    return _lookup
