"""Where backtest tasks run: in-process, joblib processes or a dask cluster.

The backtest plans its work as picklable tasks and a function that runs one task
on a frame; this module only executes them and reports progress. Results come
back in task order whatever the engine, so the output does not depend on it.

Scheduling
    The parallel engines start the most expensive tasks first (rows of the task's
    series times its windows), so the short ones fill the gaps at the end. The dask
    engine keeps exactly one task per worker thread in flight and submits the next
    when one finishes: a worker never holds a queued task that another, idle worker
    could run. Results are fetched as tasks finish.

Memory allocator on dask workers
    A dask nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which
    also fixes glibc's mmap threshold at 128 KiB: every array above that is then a
    fresh ``mmap`` and page faults, and a SARIMA backtest costs about 20 % more CPU.
    While a task runs, the worker's allocator keeps freed memory (trim threshold
    128 MiB, mmap threshold 32 MiB); afterwards the worker's own settings are put
    back, so glibc returns the memory at the next ``free`` as dask intends (an
    explicit ``malloc_trim`` after every task cost more than it saved). Processes
    started without that variable (joblib, a plain Python) are left alone.

Running on a cluster
    How to start a scheduler and workers and pass ``client=``: see
    :mod:`demandcast.backtest`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import itertools
import math
import numbers
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from demandcast.exceptions import ConfigError, MissingDependencyError

__all__ = [
    "dask_client",
    "dask_workers",
    "longest_first",
    "n_workers",
    "progress_bar",
    "run_dask",
    "run_local",
    "run_on_worker",
    "series_chunks",
    "show_progress",
    "task_costs",
]

R = TypeVar("R")


def show_progress(progress: bool | None) -> bool:
    if progress is None:
        try:
            return bool(sys.stderr.isatty())
        except (AttributeError, ValueError):
            return False
    return bool(progress)


class _NoBar:
    """Stands in for a hidden progress bar, so tqdm is imported only when shown."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, show: bool) -> Any:
    if not show:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="backtest", unit="task", disable=not show, file=sys.stderr)


def run_local(
    run: Callable[[Any, pd.DataFrame, pd.DataFrame | None], R],
    payload: Callable[[Any, pd.DataFrame, pd.DataFrame | None], tuple[Any, Any]],
    tasks: Sequence[Any],
    df: pd.DataFrame,
    X: pd.DataFrame | None,
    n_jobs: int,
    show: bool,
) -> list[R]:
    """``run(task, df, X)`` for every task, in order; with joblib when ``n_jobs > 1``.

    ``payload(task, df, X)`` cuts the rows a task needs, so worker processes are sent
    no more than that. joblib gets the tasks longest first; results come back in
    task order.
    """
    bar = progress_bar(len(tasks), show)
    results: list[R] = []
    try:
        if n_jobs == 1:
            for task in tasks:
                results.append(run(task, df, X))
                bar.update(1)
        else:
            from joblib import Parallel, delayed

            order = longest_first(tasks, df)
            jobs = (delayed(run)(tasks[i], *payload(tasks[i], df, X)) for i in order)
            done: list[Any] = [None] * len(tasks)
            gen = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
            for i, res in zip(order, gen, strict=True):
                done[i] = res
                bar.update(1)
            results = done
    finally:
        bar.close()
    return results


def dask_client(client: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` and whether we opened it (and must close it)."""
    try:
        import distributed
    except ImportError as err:
        raise MissingDependencyError("dask", extra="dask") from err
    if client is None:
        try:
            return distributed.get_client(), False
        except ValueError:
            raise ConfigError(
                "engine='dask' needs a cluster: pass client='tcp://<scheduler>:8786' or a "
                "distributed.Client (e.g. Client(LocalCluster())), or create a default Client"
            ) from None
    if isinstance(client, str):
        return distributed.Client(client), True
    if isinstance(client, distributed.Client):
        return client, False
    raise ConfigError(
        f"client={client!r} is not allowed: give a scheduler address such as "
        "'tcp://scheduler:8786' or a distributed.Client"
    )


def dask_workers(client: Any) -> int:
    try:
        return max(1, int(sum(client.nthreads().values())))
    except Exception:  # a client that cannot report its workers: no series split
        return 1


def task_costs(tasks: Sequence[Any], df: pd.DataFrame) -> np.ndarray:
    """Expected relative cost of each task: rows of its series x its windows.

    A task without a ``series`` attribute, or with ``series=None``, covers every
    series of ``df``; one without ``windows`` counts as one window.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "a", "b"], "y": 1.0})
    >>> task_costs([T(series=["b"], windows=[{}]), T(series=None, windows=[{}, {}])], df)
    array([1., 8.])
    """
    rows = df["unique_id"].value_counts(sort=False) if "unique_id" in df.columns else None
    total = float(len(df))
    out = np.empty(len(tasks), dtype="float64")
    for i, task in enumerate(tasks):
        series = getattr(task, "series", None)
        if series is None or rows is None:
            n = total
        else:
            n = float(rows.reindex(list(series), fill_value=0).sum())
        out[i] = n * max(1, len(getattr(task, "windows", None) or [None]))
    return out


def longest_first(tasks: Sequence[Any], df: pd.DataFrame) -> list[int]:
    """Task positions by expected cost, largest first (ties keep plan order).

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> df = pd.DataFrame({"unique_id": ["a", "b", "b", "c"]})
    >>> longest_first([T(series=["a"]), T(series=["b"]), T(series=["c"])], df)
    [1, 0, 2]
    """
    costs = task_costs(tasks, df)
    return [int(i) for i in np.argsort(-costs, kind="stable")]


_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_ROOMY_TRIM = 128 * 1024 * 1024
_ROOMY_MMAP = 32 * 1024 * 1024
_GLIBC_MMAP_DEFAULT = 128 * 1024


class _Allocator:
    """glibc's trim and mmap thresholds, raised while tasks run (reference-counted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._libc: Any = None
        self._loaded = False

    def _load(self) -> Any:
        if not self._loaded:
            self._loaded = True
            if sys.platform.startswith("linux"):
                with contextlib.suppress(OSError, AttributeError):
                    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
                    self._libc = libc
        return self._libc

    @staticmethod
    def _env_bytes(name: str, default: int) -> int | None:
        value = os.environ.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            return default

    def _configured(self) -> tuple[int, int] | None:
        """The process's own thresholds when set by environment, else None."""
        trim = self._env_bytes("MALLOC_TRIM_THRESHOLD_", _GLIBC_MMAP_DEFAULT)
        if trim is None:
            return None
        mmap = self._env_bytes("MALLOC_MMAP_THRESHOLD_", _GLIBC_MMAP_DEFAULT)
        return trim, _GLIBC_MMAP_DEFAULT if mmap is None else mmap

    @contextlib.contextmanager
    def roomy(self) -> Iterator[None]:
        configured = self._configured()
        libc = self._load() if configured is not None else None
        if libc is None:
            yield
            return
        with self._lock:
            self._active += 1
            if self._active == 1:
                libc.mallopt(_M_TRIM_THRESHOLD, _ROOMY_TRIM)
                libc.mallopt(_M_MMAP_THRESHOLD, _ROOMY_MMAP)
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    libc.mallopt(_M_TRIM_THRESHOLD, configured[0])
                    libc.mallopt(_M_MMAP_THRESHOLD, configured[1])


_ALLOCATOR = _Allocator()


def run_on_worker(
    run: Callable[[Any, pd.DataFrame, pd.DataFrame | None], R],
    task: Any,
    df: pd.DataFrame,
    X: pd.DataFrame | None,
) -> R:
    """``run(task, df, X)`` on a dask worker, with room in the memory allocator.

    Where the process was started with ``MALLOC_TRIM_THRESHOLD_`` (dask's nanny does
    this), glibc's trim and mmap thresholds are raised for the task and put back
    afterwards; elsewhere this is ``run(task, df, X)``.

    Examples
    --------
    >>> run_on_worker(lambda t, df, X: t + 1, 1, pd.DataFrame(), None)
    2
    """
    with _ALLOCATOR.roomy():
        return run(task, df, X)


def run_dask(
    run: Callable[[Any, pd.DataFrame, pd.DataFrame | None], R],
    tasks: Sequence[Any],
    df: pd.DataFrame,
    X: pd.DataFrame | None,
    client: Any,
    show: bool,
) -> list[R]:
    """``run(task, df, X)`` for every task on a dask cluster; results in task order.

    The frame and regressors are scattered to every worker once. Tasks are
    submitted longest first, one per worker thread at a time, the next one as soon
    as one finishes, so no worker idles while another holds queued work.
    """
    from distributed import as_completed

    # own keys (hash=False): another run scattering the same frame must not share them
    df_f = client.scatter(df, broadcast=True, hash=False)
    X_f = client.scatter(X, broadcast=True, hash=False) if X is not None else None
    slots = dask_workers(client)
    pending = iter(longest_first(tasks, df))
    token = uuid.uuid4().hex[:8]
    live: dict[Any, tuple[int, Any]] = {}

    def submit(i: int) -> Any:
        fut = client.submit(
            run_on_worker, run, tasks[i], df_f, X_f, key=f"backtest-task-{i}-{token}", pure=False
        )
        live[fut.key] = (i, fut)
        return fut

    results: list[Any] = [None] * len(tasks)
    bar = progress_bar(len(tasks), show)
    try:
        running = as_completed(
            [submit(i) for i in itertools.islice(pending, slots)], with_results=True
        )
        for fut, res in running:
            results[live.pop(fut.key)[0]] = res
            fut.release()
            bar.update(1)
            nxt = next(pending, None)
            if nxt is not None:
                running.add(submit(nxt))
        return results
    finally:
        bar.close()
        if live:  # a task failed: stop the others
            client.cancel([f for _, f in live.values()])
        for f in (df_f, X_f):
            if f is not None:
                f.release()


def n_workers(n_jobs: Any) -> int:
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ConfigError(
            f"n_jobs={n_jobs!r} is not allowed: give 1 (no parallelism), a number of "
            "processes, or -1 for all cores"
        )
    if n_jobs == 1:
        return 1
    from joblib import effective_n_jobs

    return int(effective_n_jobs(int(n_jobs)))


def series_chunks(series: list[str], workers: int, n_groups: int) -> list[list[str] | None]:
    """Split the series so ``workers`` have about four tasks each.

    ``n_groups`` is the number of (model, window group) tasks already planned; with
    one worker (or a global model, passed as ``workers=1``) nothing is split and the
    single chunk ``None`` means "all series".

    Examples
    --------
    >>> series_chunks(["a", "b", "c"], 1, 4)
    [None]
    >>> series_chunks(["a", "b", "c", "d"], 2, 4)
    [['a', 'b'], ['c', 'd']]
    """
    if workers <= 1:
        return [None]
    n = min(len(series), max(1, math.ceil(4 * workers / max(1, n_groups))))
    if n <= 1:
        return [None]
    return [list(part) for part in np.array_split(np.asarray(series, dtype=object), n)]
