"""Shared fixtures: where the real data lives.

Tests look for a file first in ``tests/data/`` (small copies kept in the repository,
sources in ``tests/data/README.md``) and then in ``../shared/data/`` beside the
repository; when neither has it the test is skipped, never failed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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


@pytest.fixture
def bank_30min(data_file):
    """Bank calls summed to 30-minute intervals, starts 07:00-20:30 (28 a weekday)."""
    raw = pd.read_csv(data_file("bank_calls_5min.csv"))
    ts = pd.to_datetime(raw["timestamp"])
    start = ts.dt.floor("30min")
    keep = (start.dt.hour * 60 + start.dt.minute) <= 20 * 60 + 30
    df = (
        pd.DataFrame({"ds": start[keep], "y": raw.loc[keep, "count"].astype(float)})
        .groupby("ds", as_index=False)["y"]
        .sum()
    )
    df.insert(0, "unique_id", "na_bank_calls")
    assert len(df) == 164 * 28
    return df
