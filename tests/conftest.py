"""Shared fixtures: where the real data lives.

Tests look for a file first in ``tests/data/`` (small copies kept in the repository,
sources in ``tests/data/README.md``) and then in ``../shared/data/`` beside the
repository; when neither has it the test is skipped, never failed.
"""

from __future__ import annotations

import os
import uuid
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


@pytest.fixture
def postgres_url():
    """A fresh schema on the PostgreSQL test server: its URL, dropped afterwards.

    Skips when ``DEMANDCAST_TEST_POSTGRES_URL`` is not set (``eval $(bash .ci/postgres.sh)``).
    """
    base = os.environ.get("DEMANDCAST_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("DEMANDCAST_TEST_POSTGRES_URL is not set: run `eval $(bash .ci/postgres.sh)`")
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
