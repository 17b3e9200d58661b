"""Shared helpers of the benchmark scripts: data, protocol, timing, scoring, tables.

Not part of the library and not a test: the scripts in this folder import it as
``_common`` (run them as ``python benchmarks/<script>.py`` from the repository root).

The real data sets live in ``../shared/data`` beside the repository (override with
the environment variable ``DEMANDCAST_DATA``); the simulated panel is built with
:func:`demandcast.datasets.simulate_municipality` and cached as Parquet under
``benchmarks/results/cache/``.

Examples
--------
>>> import sys; sys.path.insert(0, "benchmarks")
>>> from _common import PROTOCOLS, markdown_table
>>> PROTOCOLS["wikipedia"].test_steps
168
>>> import pandas as pd
>>> print(markdown_table(pd.DataFrame({"model": ["a"], "wape": [0.1234]})))
| model | wape |
|---|---|
| a | 0.1234 |
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import importlib.metadata
import logging
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CACHE = RESULTS / "cache"
LEVEL = (80,)

logger = logging.getLogger("demandcast.benchmarks")


def data_dir() -> Path:
    """Folder of the shared real data (``$DEMANDCAST_DATA`` or ``../shared/data``)."""
    env = os.environ.get("DEMANDCAST_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def quiet() -> None:
    """Silence the chatty loggers and warnings of the model libraries."""
    warnings.simplefilter("ignore")
    for name in ("cmdstanpy", "prophet", "demandcast", "distributed", "statsforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)


# ---------------------------------------------------------------------------
# protocol and real data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Protocol:
    """One data set's rolling-origin protocol (BENCHMARKS.md).

    The folds are the last ``n_windows * step + (h - step)`` steps of the time grid.
    ``seasons`` are in rows of the peers' grid; the first is the short season
    (AutoETS, mlforecast), the last the long one (peer seasonal naive). ``sn_season``
    is demandcast's protocol seasonal naive: intervals back in wall-clock time.
    ``country`` is the ``holidays`` country code of the data (its local public
    holidays, for the protocol variant that gives demandcast models the calendar);
    None where the models know the calendar already (the Dutch simulator).
    """

    name: str
    file: str
    freq: str
    h: int
    step: int
    n_windows: int
    seasons: tuple[int, ...]
    sn_season: int | None
    description: str
    country: str | None

    @property
    def test_steps(self) -> int:
        return self.n_windows * self.step + (self.h - self.step)


PROTOCOLS: dict[str, Protocol] = {
    "bank_calls": Protocol(
        "bank_calls",
        "bank_calls_5min.csv",
        "30min",
        140,
        140,
        6,
        (28, 140),
        None,
        "bank calls, 5-min summed to 30-min, Mon-Fri 07:00-20:30 starts (28 a day)",
        "US",
    ),
    "wikipedia": Protocol(
        "wikipedia",
        "wikipedia_pageviews_daily.csv",
        "D",
        28,
        28,
        6,
        (7, 365),
        365,
        "Wikipedia page views (Peyton Manning), daily",
        "US",
    ),
    "nyc311_total": Protocol(
        "nyc311_total",
        "nyc311_sandy_daily.csv",
        "D",
        28,
        28,
        6,
        (7, 365),
        365,
        "NYC 311 Sandy calls, all-agency total, daily",
        "US",
    ),
    "anonymous_bank": Protocol(
        "anonymous_bank",
        "anonymous_bank_calls_1999-09.tsv",
        "h",
        24,
        24,
        6,
        (24, 168),
        None,
        "Anonymous Bank call log, September 1999, offered calls per hour (24/7 VRU)",
        "IL",
    ),
    "simulator": Protocol(
        "simulator",
        "",
        "D",
        28,
        28,
        4,
        (7, 365),
        None,
        "simulated municipalities (desk, phone, web), daily, 2022-2024, the speed "
        "workload's first locations",
        None,
    ),
}
SIMULATOR_LOCATIONS = 20


def load_dataset(name: str, sim_locations: int = SIMULATOR_LOCATIONS) -> pd.DataFrame:
    """The long frame of a protocol's data set: :func:`load_real`, or for
    ``"simulator"`` the first ``sim_locations`` locations of :func:`simulated_panel`
    (3 series each; closed days of desk and phone absent)."""
    if name != "simulator":
        return load_real(name)
    df = simulated_panel(sim_locations)
    return df[["unique_id", "ds", "y"]].reset_index(drop=True)


def load_real(name: str) -> pd.DataFrame:
    """The long frame of one real data set, as the protocol defines it.

    Loaded with the demandcast loaders. Daily series get their full calendar grid
    (missing days as NaN), so the time grid counts calendar days.
    """
    import demandcast as dc

    p = PROTOCOLS[name]
    path = data_dir() / p.file
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: set DEMANDCAST_DATA to the data folder")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dc.DataWarning)
        if name == "bank_calls":
            df = dc.load_counts(path, freq="30min", tz="America/New_York")
            wall = df["ds"].dt.strftime("%H:%M")
            df = df[(wall >= "07:00") & (wall <= "20:30")]
        elif name == "anonymous_bank":
            df = dc.load_phone(path, freq="h", tz="Asia/Jerusalem")
        else:
            df = dc.load_counts(path, tz="America/New_York")
            if name == "nyc311_total":
                df = df[df["unique_id"] == "nyc311_sandy_total"]
            df = dc.regularise(df[["unique_id", "ds", "y"]], freq="D")
    return df[["unique_id", "ds", "y"]].reset_index(drop=True)


def local_holidays(df: pd.DataFrame, country: str) -> pd.DataFrame:
    """Future regressor ``is_public_holiday``: 1.0 on the public holidays of ``country``.

    One row per row of ``df`` (``unique_id``, ``ds``), read on each row's local date,
    from the ``holidays`` package's public category.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.date_range("1999-09-19", periods=3, freq="D", tz="Asia/Jerusalem")
    >>> df = pd.DataFrame({"unique_id": "calls", "ds": ds, "y": 1.0})
    >>> local_holidays(df, "IL")["is_public_holiday"].tolist()  # Yom Kippur on the 20th
    [0.0, 1.0, 0.0]
    """
    import holidays

    day = pd.DatetimeIndex(df["ds"]).date
    years = sorted({d.year for d in day})
    public = holidays.country_holidays(country, years=years, categories=("public",))
    flag = np.fromiter((d in public for d in day), dtype="float64", count=len(day))
    return pd.DataFrame(
        {"unique_id": df["unique_id"].to_numpy(), "ds": df["ds"], "is_public_holiday": flag}
    )


# ---------------------------------------------------------------------------
# simulated panel
# ---------------------------------------------------------------------------


def _one_location(i: int, start: str, end: str, seed: int) -> pd.DataFrame:
    import demandcast as dc

    quiet()
    rng = np.random.default_rng([seed, i])
    loc = f"loc{i:03d}"
    sim = dc.simulate_municipality(
        seed=seed * 1000 + i,
        start=start,
        end=end,
        locations=(loc,),
        freq="D",
        scale=float(rng.uniform(0.1, 0.3)),
        region=("noord", "midden", "zuid")[i % 3],
    )
    df = sim.frame(freq="D")
    cols = ["unique_id", "ds", "y", *(["is_open"] if "is_open" in df.columns else [])]
    df = df[cols].copy()
    df["unique_id"] = df["unique_id"].astype(str).str.replace("website/", f"{loc}/", regex=False)
    if "is_open" in df.columns:
        df["is_open"] = df["is_open"].astype("boolean").fillna(True).astype(bool)
    return df


def simulated_panel(
    n_locations: int = 100,
    start: str = "2022-01-01",
    end: str = "2024-12-31",
    seed: int = 0,
    n_jobs: int = -1,
) -> pd.DataFrame:
    """Daily counts of ``n_locations`` simulated locations x (desk, phone, web).

    Each location is its own simulated municipality (seed, size between 0.1 and 0.3
    of the default volumes, school region rotating), loaded through the demandcast
    loaders; its web series is renamed ``<location>/web``. Closed days (weekends,
    holidays) of desk and phone are absent, as the loaders leave them out. Cached.
    """
    from joblib import Parallel, delayed

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"sim_{n_locations}_{start}_{end}_{seed}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    parts = Parallel(n_jobs=n_jobs)(
        delayed(_one_location)(i, start, end, seed) for i in range(n_locations)
    )
    df = pd.concat(parts, ignore_index=True).sort_values(["unique_id", "ds"], ignore_index=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    df.to_parquet(partial)
    partial.replace(path)  # atomic: parallel runs never read a half-written cache
    return df


def tile_panel(df: pd.DataFrame, copies: int, seed: int = 0) -> pd.DataFrame:
    """``copies`` Poisson redraws of a panel under new ids (``<id>#<k>``).

    Each copy draws ``y ~ Poisson(original y)``: same shapes and calendars, new noise.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(copies):
        part = df.copy()
        y = part["y"].to_numpy(dtype="float64")
        ok = np.isfinite(y)
        y[ok] = rng.poisson(y[ok]).astype("float64")
        part["y"] = y
        part["unique_id"] = part["unique_id"].astype(str) + f"#{k}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------
# frames for the peers
# ---------------------------------------------------------------------------


def grid_positions(df: pd.DataFrame) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The frame's time grid (sorted distinct ``ds``) and each row's position on it."""
    grid = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(df["ds"]))).sort_values()
    return grid, grid.searchsorted(pd.DatetimeIndex(df["ds"]))


def peer_frame(df: pd.DataFrame, *, integer_ds: bool, fill_season: int) -> pd.DataFrame:
    """The frame as the peers take it: every series on the full time grid, no NaN.

    Rows absent for a series (closed days) become 0; missing values (NaN) take the
    value ``fill_season`` grid steps earlier (then later, then 0), as in
    BENCHMARKS.md. ``ds`` becomes naive wall-clock time, or the integer grid
    position when ``integer_ds`` (intraday grids with nights left out).
    """
    grid, _ = grid_positions(df)
    parts = []
    for uid, one in df.groupby("unique_id", sort=True):
        y = pd.Series(one["y"].to_numpy(dtype="float64"), index=pd.DatetimeIndex(one["ds"]))
        first = grid.searchsorted(y.index.min())
        full = y.reindex(grid[first:])
        present = full.index.isin(y.index)
        vals = full.to_numpy().copy()
        vals[~present] = 0.0
        for _ in range(60):
            miss = np.isnan(vals)
            if not miss.any():
                break
            back = np.roll(vals, fill_season)
            back[:fill_season] = np.nan
            vals = np.where(miss, back, vals)
        nan = np.isnan(vals)
        if nan.any():
            fwd = np.roll(vals, -fill_season)
            fwd[-fill_season:] = np.nan
            vals = np.where(nan, fwd, vals)
        vals = np.nan_to_num(vals, nan=0.0)
        ds = (
            np.arange(first, len(grid), dtype="int64")
            if integer_ds
            else full.index.tz_localize(None)
        )
        parts.append(pd.DataFrame({"unique_id": str(uid), "ds": ds, "y": vals}))
    return pd.concat(parts, ignore_index=True)


def to_grid_time(ds: Any, grid: pd.DatetimeIndex, integer_ds: bool) -> pd.Series:
    """Peer ``ds``/``cutoff`` values back on the frame's tz-aware time grid."""
    values = pd.Series(ds)
    if integer_ds:
        return pd.Series(grid[values.to_numpy(dtype="int64")], index=values.index)
    local = pd.DatetimeIndex(values).tz_localize(grid.tz, ambiguous="NaT", nonexistent="NaT")
    return pd.Series(local, index=values.index)


# ---------------------------------------------------------------------------
# timing, memory, environment
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def timer() -> Iterator[dict[str, float]]:
    """``with timer() as t: ...`` then ``t["seconds"]`` (wall time)."""
    out: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield out
    finally:
        out["seconds"] = time.perf_counter() - start


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``fn`` and return ``(result, wall seconds)``."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def _child(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        conn.send(("ok", result, time.perf_counter() - start, ""))
    except BaseException as err:  # reported to the parent, which decides
        conn.send(("error", None, float("nan"), f"{type(err).__name__}: {err}"[:300]))
    finally:
        conn.close()


def run_isolated(
    fn: Callable[..., Any], *args: Any, timeout: float | None = None, **kwargs: Any
) -> tuple[str, Any, float, str]:
    """Run ``fn`` in a forked child with a time limit.

    Returns ``(status, result, seconds, message)``: status ``"ok"``, ``"error"`` or
    ``"timeout"``; seconds are measured in the child around ``fn`` alone. A child
    past its limit is terminated (only that child), so one slow or failing model
    cannot stop a benchmark run.
    """
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    # not a daemon: the child may start processes of its own (joblib, dask workers)
    proc = ctx.Process(target=_child, args=(child, fn, args, kwargs))
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            status, result, seconds, message = parent.recv()
        else:
            status, result, seconds, message = "timeout", None, float("nan"), f"> {timeout:.0f} s"
    except EOFError:
        status, result, seconds, message = "error", None, float("nan"), "child died"
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(5)
        parent.close()
    return status, result, seconds, message


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux ``ru_maxrss``)."""
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 if sys.platform != "darwin" else rss / 1024.0**2


def preimport() -> None:
    """Import the model libraries once, so no timed run pays for an import.

    Run in the parent before the children fork, and on dask workers.
    """
    quiet()
    for name in (
        "statsmodels.tsa.statespace.sarimax",
        "sklearn.ensemble",
        "prophet",
        "demandcast.backtest",
        "demandcast.forecasters.sarima",
        "demandcast.forecasters.prophet",
        "demandcast.forecasters.gbm",
        "demandcast.forecasters.ensemble",
    ):
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    quiet()


def has_module(name: str) -> bool:
    """Whether ``name`` imports (peers are optional: the ``bench`` extra)."""
    try:
        importlib.import_module(name)
    except Exception:
        return False
    return True


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "demandcast",
        "pandas",
        "numpy",
        "scikit-learn",
        "statsmodels",
        "prophet",
        "statsforecast",
        "mlforecast",
        "dask",
        "distributed",
    ):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[pkg] = importlib.metadata.version(pkg)
    return out


def utc_now() -> str:
    """The time now, to the minute, e.g. ``"2026-11-28 21:19 UTC"``."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def environment_line() -> str:
    """One line: date, cores, load average, package versions."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    v = ", ".join(f"{k} {val}" for k, val in versions().items())
    return f"{utc_now()}; {os.cpu_count()} cores; load average {load[0]:.1f}; {v}"


def registered_models() -> tuple[list[str], dict[str, str]]:
    """Names in ``demandcast.list_forecasters()`` that import, and why the others do not."""
    import demandcast as dc

    ok, failed = [], {}
    for name in dc.list_forecasters():
        try:
            dc.get_forecaster(name)
        except Exception as err:  # a model still being written must not stop the run
            failed[name] = f"{type(err).__name__}: {err}"
        else:
            ok.append(name)
    return ok, failed


# ---------------------------------------------------------------------------
# scoring and output
# ---------------------------------------------------------------------------


def score(
    table: pd.DataFrame, models: list[str], train_scale: pd.DataFrame, by: tuple = ("model",)
) -> pd.DataFrame:
    """demandcast's metrics for every model column of a combined forecast table."""
    from demandcast.scoring import evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate(table, models, by=list(by), levels=LEVEL, train=train_scale)


def fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(df: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub markdown table of ``df`` (no extra dependency)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(fmt(v, digits) for v in row) + " |")
    return "\n".join(lines)


def replace_rows(table: pd.DataFrame, name: str, column: str, replaced: Any) -> pd.DataFrame:
    """``table`` plus the rows of the earlier CSV ``name`` whose ``column`` is not in
    ``replaced``: a run of some targets or data sets updates their rows and keeps the
    others (each row records when it was measured)."""
    path = RESULTS / name
    if not path.exists():
        return table
    old = pd.read_csv(path)
    if column not in old.columns:
        return table
    kept = old[~old[column].isin(list(replaced))]
    return pd.concat([kept, table], ignore_index=True) if len(kept) else table


def write_csv(df: pd.DataFrame, name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    df.to_csv(path, index=False)
    return path
