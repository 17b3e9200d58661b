"""Where backtest tasks run: in-process, joblib processes or a dask cluster.

The backtest plans its work as picklable tasks and a function that runs one task
on a frame; this module only executes them and reports progress. Results come
back in task order whatever the engine, so the output does not depend on it.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from demandcast.exceptions import ConfigError, MissingDependencyError

__all__ = [
    "dask_client",
    "dask_workers",
    "n_workers",
    "progress_bar",
    "run_dask",
    "run_local",
    "series_chunks",
    "show_progress",
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
    no more than that.
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

            jobs = (delayed(run)(t, *payload(t, df, X)) for t in tasks)
            for res in Parallel(n_jobs=n_jobs, return_as="generator")(jobs):
                results.append(res)
                bar.update(1)
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


def run_dask(
    run: Callable[[Any, pd.DataFrame, pd.DataFrame | None], R],
    tasks: Sequence[Any],
    df: pd.DataFrame,
    X: pd.DataFrame | None,
    client: Any,
    show: bool,
) -> list[R]:
    """``run(task, df, X)`` for every task on a dask cluster; results in task order.

    The frame and regressors are scattered to every worker once.
    """
    from distributed import as_completed

    df_f = client.scatter(df, broadcast=True)
    X_f = client.scatter(X, broadcast=True) if X is not None else None
    futures = [client.submit(run, t, df_f, X_f, pure=False) for t in tasks]
    bar = progress_bar(len(tasks), show)
    try:
        for _ in as_completed(futures):
            bar.update(1)
        return [f.result() for f in futures]
    finally:
        bar.close()
        for f in futures:
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
