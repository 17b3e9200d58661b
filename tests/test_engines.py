"""Engines: series split, longest-first order, the dask engine's scheduling and allocator."""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from demandcast import _engines
from demandcast.backtest import backtest


@pytest.fixture(scope="module")
def daily():
    """Desk, phone and web of two simulated locations, daily (as the benchmark)."""
    from demandcast.datasets import simulate_municipality

    sim = simulate_municipality(
        seed=3, start="2023-06-01", end="2024-05-31", locations=("centrum", "noord"), freq="D"
    )
    return sim.frame(freq="D")


# --------------------------------------------------------------------------- planning


@given(
    n=st.integers(min_value=1, max_value=60),
    workers=st.integers(min_value=1, max_value=8),
    groups=st.integers(min_value=1, max_value=6),
)
def test_series_chunks_partition_the_series_in_order(n, workers, groups):
    series = [f"s{i:03d}" for i in range(n)]
    chunks = _engines.series_chunks(series, workers, groups)
    if chunks == [None]:
        return
    assert [s for c in chunks for s in c] == series  # every series once, in order
    sizes = [len(c) for c in chunks]
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1


def test_longest_first_orders_by_rows_times_windows(daily):
    from types import SimpleNamespace as T

    web = sorted(u for u in daily["unique_id"].unique() if "web" in u)
    desk = sorted(u for u in daily["unique_id"].unique() if "desk" in u)
    tasks = [T(series=desk[:1], windows=[1]), T(series=web, windows=[1]), T(series=None)]
    tasks.append(T(series=web[:1], windows=[1, 2, 3]))
    rows = daily["unique_id"].value_counts()
    costs = _engines.task_costs(tasks, daily)
    assert costs[0] == rows[desk[0]] and costs[2] == len(daily)
    assert costs[3] == 3 * rows[web[0]]
    assert rows[web[0]] > rows[desk[0]]  # web is open every day, the desk is not
    assert _engines.longest_first(tasks, daily) == [2, 3, 1, 0]


# --------------------------------------------------------------------------- allocator


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1


def test_allocator_is_raised_while_tasks_run_and_put_back(monkeypatch):
    alloc = _engines._Allocator()
    fake = FakeLibc()
    alloc._libc, alloc._loaded = fake, True
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    with alloc.roomy():
        with alloc.roomy():  # a second task on another thread of the same worker
            pass
        assert fake.calls == [(-1, 128 * 1024 * 1024), (-3, 32 * 1024 * 1024)]
    # the worker's own trim threshold and glibc's fixed mmap threshold again
    assert fake.calls[2:] == [(-1, 65536), (-3, 128 * 1024)]
    fake.calls.clear()
    with pytest.raises(ZeroDivisionError), alloc.roomy():
        raise ZeroDivisionError
    assert fake.calls[-2:] == [(-1, 65536), (-3, 128 * 1024)]  # restored on errors too


def test_allocator_leaves_a_process_without_the_variable_alone(monkeypatch):
    alloc = _engines._Allocator()
    fake = FakeLibc()
    alloc._libc, alloc._loaded = fake, True
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with alloc.roomy():
        pass
    assert fake.calls == []  # glibc keeps its dynamic thresholds


# --------------------------------------------------------------------------- joblib


def test_joblib_gives_the_in_process_results_for_sarima(daily):
    kwargs = {"h": 14, "n_windows": 2, "step": 14, "refit": 2, "level": (80,)}
    sub = daily[daily["unique_id"].str.startswith("centrum")]
    one = backtest("sarima", sub, n_jobs=1, **kwargs)
    two = backtest("sarima", sub, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    assert one.forecasts["sarima"].notna().all()


# --------------------------------------------------------------------------- dask


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_dask_gives_the_in_process_results_for_sarima(daily, client):
    kwargs = {"h": 14, "n_windows": 2, "step": 14, "refit": 2, "level": (80,)}
    local = backtest("sarima", daily, **kwargs)
    remote = backtest("sarima", daily, engine="dask", client=client, **kwargs)
    pd.testing.assert_frame_equal(local.forecasts, remote.forecasts)
    assert remote.forecasts["unique_id"].nunique() == 5  # desk, phone x 2; one website


def _timed(task, df, X):
    import os

    start = time.time()
    time.sleep(task.sleep)
    return {"task": task.id, "pid": os.getpid(), "start": start, "stop": time.time()}


def test_dask_runs_one_task_per_worker_longest_first(daily, client):
    from types import SimpleNamespace as T

    ids = sorted(daily["unique_id"].unique())
    # task i covers i + 1 series: the last is the most expensive
    tasks = [T(id=i, series=ids[: i + 1], windows=[0], sleep=0.3) for i in range(6)]
    out = _engines.run_dask(_timed, tasks, daily, None, client, show=False)
    assert [r["task"] for r in out] == list(range(6))  # task order, whatever ran first
    by_start = sorted(out, key=lambda r: r["start"])
    assert {r["task"] for r in by_start[:2]} == {5, 4}
    assert {r["task"] for r in by_start[-2:]} == {1, 0}
    events = sorted([(r["start"], 1) for r in out] + [(r["stop"], -1) for r in out])
    assert max(np.cumsum([e for _, e in events])) <= 2  # never more than one per worker
    assert len({r["pid"] for r in out}) == 2


def _fails_on_two(task, df, X):
    if task == 2:
        raise ValueError("task 2 broke")
    return task


def test_dask_raises_the_task_error_and_stays_usable(daily, client):
    with pytest.raises(ValueError, match="task 2 broke"):
        _engines.run_dask(_fails_on_two, list(range(6)), daily, None, client, show=False)
    assert _engines.run_dask(_fails_on_two, [0, 1], daily, None, client, show=False) == [0, 1]
