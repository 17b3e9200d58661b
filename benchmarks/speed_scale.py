"""Speed and scale of demandcast backtests against peers, as ratios from one run.

The workload: daily counts of simulated locations x (desk, phone, web) over three
years (100 locations = 300 series by default), ``h=28``, 4 windows, ``step=28``.
Each target of the issue is measured in this run against its baseline:

- harness overhead: ``seasonal_naive`` backtest vs statsforecast SeasonalNaive CV;
- ``gbm`` backtest vs mlforecast CV with the same HistGradientBoostingRegressor;
- ``sarima`` with ``refit=4`` vs ``refit=1`` (time and WAPE), and the ceiling of that
  ratio: 4 x the mean cold fit over the windows / the first fit (on 30 series);
- ``prophet`` backtest vs default Prophet fitted at every cutoff, one series at a time;
- ``engine="dask"`` on a 2-worker LocalCluster vs ``n_jobs=1`` (``sarima``, ``refit=4``);
- peak memory of a ``gbm`` backtest of 10x the series (3,000), in a fresh process.

Every run is in its own child process with a time limit; a model still being
written or too slow is reported, not fatal. Peers are skipped when not installed.
Prints a markdown table and writes ``benchmarks/results/speed_scale[_quick].csv``.

Usage::

    python benchmarks/speed_scale.py            # full workload (300 series)
    python benchmarks/speed_scale.py --quick    # 30 series, 300 in the memory run
    python benchmarks/speed_scale.py --only harness sarima
    python benchmarks/speed_scale.py --repeat 3   # each target: the median of 3 runs

Examples
--------
>>> import sys; sys.path.insert(0, "benchmarks")
>>> from speed_scale import parse_args
>>> a = parse_args(["--quick"])
>>> a.n_locations, a.memory_copies
(10, 10)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as cm
import _peers as pe

H, N_WINDOWS, STEP = 28, 4, 28
SECTIONS = ("harness", "gbm", "sarima", "prophet", "dask", "memory")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 locations (30 series)")
    ap.add_argument("--n-locations", type=int, default=None, help="default 100 (quick: 10)")
    ap.add_argument(
        "--local-series",
        type=int,
        default=None,
        help="series for the sarima/prophet/dask runs (default: all, the issue's workload; "
        "e.g. 60 for a run 3x shorter)",
    )
    ap.add_argument("--memory-copies", type=int, default=10, help="panel copies in the memory run")
    ap.add_argument("--memory-windows", type=int, default=1, help="windows in the memory run")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    ap.add_argument("--timeout", type=float, default=None, help="seconds per run (1800; quick 600)")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the timed sections this many times; each target reports its median run",
    )
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.n_locations is None:
        args.n_locations = 10 if args.quick else 100
    if args.timeout is None:
        args.timeout = 600.0 if args.quick else 1800.0
    return args


# ---------------------------------------------------------------------------
# runs (each in a child process)
# ---------------------------------------------------------------------------


def _backtest(model: Any, df: pd.DataFrame, **kwargs: Any) -> dict[str, Any]:
    from demandcast.backtest import backtest

    cm.quiet()
    res = backtest(model, df, h=H, n_windows=N_WINDOWS, step=STEP, level=cm.LEVEL, **kwargs)
    return {"forecasts": res.forecasts, "train_scale": res.train_scale, "alias": res.models[0]}


def _backtest_dask(model: Any, df: pd.DataFrame, **kwargs: Any) -> dict[str, Any]:
    import time

    from distributed import Client, LocalCluster

    cm.quiet()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(cm.preimport)
        start = time.perf_counter()
        out = _backtest(model, df, engine="dask", client=client, **kwargs)
        out["inner_seconds"] = time.perf_counter() - start
    return out


def _wape(out: dict[str, Any] | None) -> float:
    if out is None:
        return float("nan")
    table = cm.score(out["forecasts"], [out["alias"]], out["train_scale"])
    return float(table["wape"].iloc[0])


def _peer_wape(table: pd.DataFrame, alias: str, base: dict[str, Any] | None) -> float:
    """WAPE of a peer's table on the rows of a demandcast backtest (open rows only)."""
    if base is None:
        return float("nan")
    fc = base["forecasts"]
    rows = fc[["unique_id", "ds", "cutoff", "y", *(["is_open"] if "is_open" in fc else [])]]
    merged = rows.merge(table, on=["unique_id", "ds", "cutoff"], how="left")
    return float(cm.score(merged, [alias], base["train_scale"])["wape"].iloc[0])


def _point_wape(table: pd.DataFrame, alias: str, base: dict[str, Any]) -> float:
    """WAPE of a peer's point forecasts (no intervals) on a backtest's open rows."""
    fc = base["forecasts"]
    rows = fc[fc["is_open"].astype(bool)] if "is_open" in fc.columns else fc
    merged = rows[["unique_id", "ds", "cutoff", "y"]].merge(
        table, on=["unique_id", "ds", "cutoff"], how="left"
    )
    err = (merged["y"] - merged[alias]).abs().sum(min_count=1)
    return float(err / merged["y"].abs().sum()) if merged[alias].notna().all() else float("nan")


def _to_frame_time(table: pd.DataFrame, tz: Any) -> pd.DataFrame:
    out = table.copy()
    for col in ("ds", "cutoff"):
        out[col] = pd.DatetimeIndex(out[col]).tz_localize(tz)
    out["unique_id"] = out["unique_id"].astype(str)
    return out


class Report:
    """Rows of the result table: one per target."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        target: str,
        goal: str,
        ours: float,
        base: float,
        ratio: float,
        met: Any,
        note: str = "",
    ) -> None:
        self.rows.append(
            {
                "target": target,
                "goal": goal,
                "demandcast": ours,
                "baseline": base,
                "ratio": ratio,
                "met": met,
                "note": note,
            }
        )
        print(
            f"  {target}: ratio {ratio:.3f} ({goal}) met={met} {note}", file=sys.stderr, flush=True
        )


def _run(label: str, fn: Any, *args: Any, timeout: float, **kwargs: Any) -> tuple[Any, float, str]:
    status, out, seconds, msg = cm.run_isolated(fn, *args, timeout=timeout, **kwargs)
    print(f"  run {label}: {status} {seconds:.1f}s {msg}", file=sys.stderr, flush=True)
    return (
        (out if status == "ok" else None),
        seconds,
        ("" if status == "ok" else f"{label} {status} {msg}"),
    )


def _met(ok: bool, *values: float) -> Any:
    return bool(ok) if all(np.isfinite(v) for v in values) else None


def harness(panel: pd.DataFrame, rep: Report, args: argparse.Namespace) -> None:
    ours, t_ours, note = _run(
        "seasonal_naive", _backtest, "seasonal_naive", panel, n_jobs=1, timeout=args.timeout
    )
    t_sf, w_sf = float("nan"), float("nan")
    if cm.has_module("statsforecast"):
        from statsforecast.models import SeasonalNaive

        pe.warm_up_statsforecast((7,))
        pf = cm.peer_frame(panel, integer_ds=False, fill_season=7)
        out, _, msg = _run(
            "sf SeasonalNaive",
            pe.statsforecast_cv,
            pf,
            SeasonalNaive(7),
            "sf_sn",
            freq="D",
            h=H,
            step=STEP,
            n_windows=N_WINDOWS,
            timeout=args.timeout,
        )
        if out is not None:
            t_sf = out[1]
            w_sf = _peer_wape(_to_frame_time(out[0], panel["ds"].dt.tz), "sf_sn", ours)
        note = "; ".join(x for x in (note, msg) if x)
    else:
        note = (note + "; " if note else "") + "statsforecast not installed"
    ratio = t_ours / t_sf if np.isfinite(t_sf) else float("nan")
    rep.add(
        "harness: seasonal_naive vs statsforecast SeasonalNaive CV",
        "ratio <= 2",
        t_ours,
        t_sf,
        ratio,
        _met(ratio <= 2, ratio),
        note or f"WAPE {_wape(ours):.3f} vs {w_sf:.3f}; n_jobs=1 both",
    )


def gbm(panel: pd.DataFrame, rep: Report, args: argparse.Namespace) -> None:
    ours, t_ours, note = _run("gbm", _backtest, "gbm", panel, n_jobs=1, timeout=args.timeout)
    w_ours = _wape(ours)
    t_mlf, w_mlf = float("nan"), float("nan")
    if cm.has_module("mlforecast"):
        pf = cm.peer_frame(panel, integer_ds=False, fill_season=7)
        out, _, msg = _run(
            "mlforecast",
            pe.mlforecast_cv,
            pf,
            freq="D",
            season=7,
            grid=None,
            daily=True,
            h=H,
            step=STEP,
            n_windows=N_WINDOWS,
            timeout=args.timeout,
        )
        if out is not None:
            t_mlf = out[1]
            w_mlf = _peer_wape(_to_frame_time(out[0], panel["ds"].dt.tz), "mlf_hgb", ours)
        note = "; ".join(x for x in (note, msg) if x)
    else:
        note = (note + "; " if note else "") + "mlforecast not installed"
    ratio = t_ours / t_mlf if np.isfinite(t_mlf) else float("nan")
    rep.add(
        "gbm vs mlforecast CV (time)",
        "ratio <= 1",
        t_ours,
        t_mlf,
        ratio,
        _met(ratio <= 1, ratio),
        note,
    )
    wr = w_ours / w_mlf if np.isfinite(w_mlf) and w_mlf > 0 else float("nan")
    rep.add(
        "gbm vs mlforecast CV (WAPE)",
        "ratio <= 1",
        w_ours,
        w_mlf,
        wr,
        _met(wr <= 1, wr),
        "both with 80 % conformal intervals",
    )
    once, t_once, note = _run(
        "gbm refit=4", _backtest, "gbm", panel, n_jobs=1, refit=N_WINDOWS, timeout=args.timeout
    )
    speed = t_ours / t_once if once is not None else float("nan")
    rep.add("gbm refit=4 vs refit=1 (speed-up)", "info", t_once, t_ours, speed, None, note)
    w_once = _wape(once)
    rep.add(
        "gbm refit=4 vs refit=1 (WAPE)",
        "info",
        w_once,
        w_ours,
        w_once / w_ours if w_ours > 0 else float("nan"),
        None,
        "one global model, updated with each window's new days",
    )


def local_subset(panel: pd.DataFrame, n: int | None) -> pd.DataFrame:
    """The first ``n`` series in location order, whole locations (all channels) first."""
    if n is None:
        return panel
    ids = sorted(panel["unique_id"].unique())[:n]
    return panel[panel["unique_id"].isin(ids)].reset_index(drop=True)


def _sarima_fit_seconds(sub: pd.DataFrame, every: int) -> list[float]:
    """Mean seconds of one cold ``sarima`` fit per window (the backtest's cutoffs), on
    every ``every``-th series: what ``refit=1`` pays at each window."""
    import time

    from demandcast.forecasters.sarima import SARIMA

    cm.quiet()
    ids = sorted(sub["unique_id"].unique())[::every]
    last = sub["ds"].max()
    cutoffs = [last - pd.Timedelta(days=STEP * (N_WINDOWS - k)) for k in range(N_WINDOWS)]
    seconds = np.zeros(N_WINDOWS)
    for uid in ids:
        one = sub[sub["unique_id"] == uid]
        for k, cutoff in enumerate(cutoffs):
            start = time.perf_counter()
            SARIMA().fit(one[one["ds"] <= cutoff])
            seconds[k] += time.perf_counter() - start
    return list(seconds / len(ids))


def sarima(sub: pd.DataFrame, rep: Report, args: argparse.Namespace, cache: dict) -> None:
    n = sub["unique_id"].nunique()
    every = max(1, n // 30)
    fits, _, note = _run(
        "sarima fit per window", _sarima_fit_seconds, sub, every, timeout=args.timeout
    )
    r1, t1, n1 = _run(
        "sarima refit=1", _backtest, "sarima", sub, n_jobs=1, refit=1, timeout=args.timeout
    )
    r4, t4, n4 = _run(
        "sarima refit=4", _backtest, "sarima", sub, n_jobs=1, refit=4, timeout=args.timeout
    )
    cache["sarima_refit4"] = (r4, t4, n4)
    ratio = t1 / t4 if np.isfinite(t1) and np.isfinite(t4) else float("nan")
    rep.add(
        "sarima refit=4 vs refit=1 (speed-up)",
        "ratio >= 4",
        t4,
        t1,
        ratio,
        _met(ratio >= 4, ratio),
        "; ".join(x for x in (n1, n4) if x) or f"{n} series, n_jobs=1",
    )
    w1, w4 = _wape(r1), _wape(r4)
    wr = w4 / w1 if np.isfinite(w1) and w1 > 0 else float("nan")
    rep.add(
        "sarima refit=4 vs refit=1 (WAPE)", "within 3 %", w4, w1, wr, _met(abs(wr - 1) <= 0.03, wr)
    )
    if fits:
        ceiling = N_WINDOWS * float(np.mean(fits)) / fits[0]
        rep.add(
            "sarima refit=4 vs refit=1: ceiling if updates and forecasts were free",
            "info: the most refit=4 can reach",
            fits[0],
            float(np.mean(fits)),
            ceiling,
            None,
            f"{N_WINDOWS} x mean cold fit / first fit, seconds per fit at the windows: "
            + ", ".join(f"{x:.3f}" for x in fits)
            + ("; all series" if every == 1 else f"; one series in {every}"),
        )
    elif note:
        print(f"  {note}", file=sys.stderr, flush=True)


def _fast_prophet() -> Any:
    from demandcast.forecasters.prophet import Prophet

    return Prophet(optimizer="scipy")


def _prophet_backtest(fast: bool, sub: pd.DataFrame) -> dict[str, Any]:
    if fast:  # the fast paths: in-process MAP fit, warm-started updates between refits
        return _backtest(_fast_prophet(), sub, n_jobs=1, refit=4)
    return _backtest("prophet", sub, n_jobs=1)


def prophet(sub: pd.DataFrame, rep: Report, args: argparse.Namespace) -> None:
    fast, t_fast, n_fast = _run(
        "prophet (scipy, refit=4)", _prophet_backtest, True, sub, timeout=args.timeout
    )
    default, t_def, n_def = _run(
        "prophet (defaults)", _prophet_backtest, False, sub, timeout=args.timeout
    )
    base = fast if fast is not None else default
    t_raw, w_raw, note = float("nan"), float("nan"), ""
    if base is not None:
        fc = base["forecasts"]
        open_ = fc["is_open"].astype(bool) if "is_open" in fc.columns else True
        tests = fc.loc[open_, ["unique_id", "cutoff", "ds"]].copy()
        for col in ("cutoff", "ds"):
            tests[col] = pd.DatetimeIndex(tests[col]).tz_localize(None)
        out, _, note = _run(
            "Prophet loop", pe.prophet_loop, pe.prophet_frame(sub), tests, timeout=args.timeout
        )
        if out is not None:
            t_raw = out[1]
            w_raw = _point_wape(_to_frame_time(out[0], sub["ds"].dt.tz), "prophet_raw", base)
    n = sub["unique_id"].nunique()
    for label, t_ours, res, msg in (
        ("optimizer='scipy', refit=4", t_fast, fast, n_fast),
        ("defaults: cmdstan, refit at every cutoff", t_def, default, n_def),
    ):
        ratio = t_raw / t_ours if np.isfinite(t_raw) and np.isfinite(t_ours) else float("nan")
        rep.add(
            f"prophet backtest ({label}) vs Prophet per series and cutoff",
            "ratio >= 3",
            t_ours,
            t_raw,
            ratio,
            _met(ratio >= 3, ratio),
            "; ".join(x for x in (msg, note) if x)
            or f"{n} series; WAPE {_wape(res):.3f} vs Prophet loop {w_raw:.3f}",
        )


def dask(sub: pd.DataFrame, rep: Report, args: argparse.Namespace, cache: dict) -> None:
    if not cm.has_module("distributed"):
        rep.add(
            "dask 2 workers vs n_jobs=1 (sarima)",
            "ratio >= 1.6",
            np.nan,
            np.nan,
            np.nan,
            None,
            "dask[distributed] not installed",
        )
        return
    if "sarima_refit4" in cache:
        _, t1, n1 = cache["sarima_refit4"]
    else:
        _, t1, n1 = _run(
            "sarima refit=4", _backtest, "sarima", sub, n_jobs=1, refit=4, timeout=args.timeout
        )
    out, _, nd = _run("sarima dask", _backtest_dask, "sarima", sub, refit=4, timeout=args.timeout)
    td = out["inner_seconds"] if out is not None else float("nan")
    ratio = t1 / td if np.isfinite(t1) and np.isfinite(td) else float("nan")
    rep.add(
        "dask 2 workers vs n_jobs=1 (sarima)",
        "ratio >= 1.6",
        td,
        t1,
        ratio,
        _met(ratio >= 1.6, ratio),
        "; ".join(x for x in (n1, nd) if x) or "refit=4; cluster start not timed",
    )


def memory(rep: Report, args: argparse.Namespace) -> None:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--memory-child",
        "--n-locations",
        str(args.n_locations),
        "--memory-copies",
        str(args.memory_copies),
        "--memory-windows",
        str(args.memory_windows),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        line = [x for x in done.stdout.splitlines() if x.startswith("{")]
        res = json.loads(line[-1]) if line else {}
        note = "" if res else f"child failed: {done.stderr.strip().splitlines()[-1:]}"
    except subprocess.TimeoutExpired:
        res, note = {}, f"timeout > {args.timeout:.0f} s"
    mb = float(res.get("peak_rss_mb", np.nan))
    rep.add(
        f"gbm backtest peak memory, {res.get('series', '?')} series",
        "< 2048 MB",
        mb,
        2048.0,
        mb / 2048.0,
        _met(mb < 2048, mb),
        note
        or f"{args.memory_windows} window(s), {res.get('seconds', np.nan):.0f} s, "
        "fresh process (ru_maxrss)",
    )


def memory_child(args: argparse.Namespace) -> int:
    import time

    from demandcast.backtest import backtest

    cm.preimport()
    panel = cm.tile_panel(cm.simulated_panel(args.n_locations, n_jobs=1), args.memory_copies)
    start = time.perf_counter()
    backtest("gbm", panel, h=H, n_windows=args.memory_windows, step=STEP, level=cm.LEVEL)
    print(
        json.dumps(
            {
                "series": int(panel["unique_id"].nunique()),
                "rows": len(panel),
                "seconds": time.perf_counter() - start,
                "peak_rss_mb": cm.peak_rss_mb(),
            }
        )
    )
    return 0


def median_runs(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per target: the run with the median ratio, noting the range when repeated.

    Examples
    --------
    >>> rows = pd.DataFrame({"target": ["t"] * 3, "ratio": [1.2, 0.9, 1.0], "note": ""})
    >>> median_runs(rows)[["ratio", "note"]].to_dict("records")
    [{'ratio': 1.0, 'note': 'median of 3 runs (ratios 0.900-1.200)'}]
    """
    out = []
    for _, runs in rows.groupby("target", sort=False):
        if len(runs) == 1:
            out.append(runs.iloc[0])
            continue
        ordered = runs.sort_values("ratio", na_position="last")
        row = ordered.iloc[(ordered["ratio"].notna().sum() - 1) // 2].copy()
        low, high = runs["ratio"].min(), runs["ratio"].max()
        span = f"median of {len(runs)} runs (ratios {low:.3f}-{high:.3f})"
        row["note"] = "; ".join(x for x in (span, str(row["note"] or "")) if x)
        out.append(row)
    return pd.DataFrame(out).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child:
        return memory_child(args)
    cm.preimport()
    print(f"# speed_scale{' --quick' if args.quick else ''}: {cm.environment_line()}\n", flush=True)
    panel, t_sim = cm.timed(cm.simulated_panel, args.n_locations)
    sub = local_subset(panel, args.local_series)
    print(
        f"workload: {panel['unique_id'].nunique()} series, {len(panel):,} rows "
        f"({t_sim:.0f} s to simulate or read the cache); sarima/prophet/dask on "
        f"{sub['unique_id'].nunique()} series; h={H}, {N_WINDOWS} windows, step {STEP}\n",
        flush=True,
    )
    rep = Report()
    for _ in range(max(1, args.repeat)):
        cache: dict = {}
        if "harness" in args.only:
            harness(panel, rep, args)
        if "gbm" in args.only:
            gbm(panel, rep, args)
        if "sarima" in args.only:
            sarima(sub, rep, args, cache)
        if "prophet" in args.only:
            prophet(sub, rep, args)
        if "dask" in args.only:
            dask(sub, rep, args, cache)
    if "memory" in args.only:
        memory(rep, args)
    table = median_runs(pd.DataFrame(rep.rows))
    env = cm.environment_line().split("; ")
    table["measured"] = f"{env[0]}, {env[2]}"
    print(cm.markdown_table(table, 3))
    name = f"speed_scale{'_quick' if args.quick else ''}.csv"
    path = cm.write_csv(cm.replace_rows(table, name, "target", table["target"]), name)
    print(f"\nwritten {path}; {cm.environment_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
