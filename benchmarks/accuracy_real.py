"""Accuracy of every registered demandcast model, and of the peers, on the real data
and on the simulator.

The BENCHMARKS.md protocol per data set: the folds are the last
``n_windows x step + (h - step)`` steps of the time grid, every fold trains on all
history before its cutoff, all models are scored on the same rows (open, with an
actual) with demandcast's metrics. Peers (statsforecast SeasonalNaive/AutoETS/MSTL,
mlforecast + HistGradientBoosting, Prophet's own cross-validation) run when
importable (``pip install -e ".[bench]"``); missing days are filled with the value a
season earlier for them, as in BENCHMARKS.md.

The simulator set is the first ``--sim-locations`` locations (desk, phone and web
each) of the speed workload (``speed_scale.py``), with its protocol: h = 28 days,
4 windows, step 28; its table adds WAPE and coverage per channel.

Two variants per data set (``--holidays``): ``blind``, every model sees only the counts
(as the peers do), and ``local``, the demandcast models that take future regressors
also get the data's local public holidays (``is_public_holiday``, aliases ending in
``_holidays``), as a planner outside the Netherlands would give them; models without
regressor support run as in ``blind``. Peers run once, calendar-blind. The simulator
has no ``local`` variant: it is Dutch, and the models use the Dutch calendar already.

Prints a markdown table per data set and the accuracy targets per variant (with a Diebold-Mariano
test, absolute errors and the HLN correction, of the best demandcast model against the
better of AutoETS/MSTL: whether a WAPE gap is more than noise), and writes
``benchmarks/results/accuracy_real.csv`` and ``accuracy_real_targets.csv`` (a run of
some data sets replaces their rows and keeps the others).

Usage::

    python benchmarks/accuracy_real.py                 # all data sets, all models
    python benchmarks/accuracy_real.py --datasets wikipedia --models seasonal_naive sarima
    python benchmarks/accuracy_real.py --no-peers --timeout 120
    python benchmarks/accuracy_real.py --holidays blind   # only the calendar-blind variant
    python benchmarks/accuracy_real.py --datasets simulator --sim-locations 100  # 300 series

Examples
--------
>>> import sys; sys.path.insert(0, "benchmarks")
>>> from accuracy_real import parse_args
>>> parse_args(["--datasets", "wikipedia", "--no-peers"]).datasets
['wikipedia']
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as cm
import _peers as pe

DEMANDCAST = "demandcast"
BLIND, LOCAL = "blind", "local_holidays"
HOLIDAY_SUFFIX = "_holidays"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+", default=list(cm.PROTOCOLS), choices=list(cm.PROTOCOLS))
    ap.add_argument("--models", nargs="+", default=None, help="demandcast names (default: all)")
    ap.add_argument("--no-peers", action="store_true", help="skip statsforecast/mlforecast/Prophet")
    ap.add_argument(
        "--timeout", type=float, default=300.0, help="seconds per model and data set (default 300)"
    )
    ap.add_argument(
        "--sim-locations",
        type=int,
        default=cm.SIMULATOR_LOCATIONS,
        help=f"simulated locations, 3 series each (default {cm.SIMULATOR_LOCATIONS})",
    )
    ap.add_argument(
        "--holidays",
        choices=["blind", "local", "both"],
        default="both",
        help="calendar-blind runs, runs with local public holidays as a regressor, or both",
    )
    return ap.parse_args(argv)


def _backtest(
    model: Any, df: pd.DataFrame, p: cm.Protocol, X: pd.DataFrame | None = None
) -> dict[str, Any]:
    from demandcast.backtest import backtest

    cm.quiet()
    res = backtest(model, df, h=p.h, n_windows=p.n_windows, step=p.step, level=cm.LEVEL, X=X)
    return {"forecasts": res.forecasts, "train_scale": res.train_scale, "alias": res.models[0]}


def demandcast_models(p: cm.Protocol, names: list[str] | None) -> tuple[dict[str, Any], dict]:
    """alias -> model (name or object): the registered models, plus the protocol's
    seasonal naive when its season differs from the default week."""
    from demandcast import get_forecaster

    ok, failed = cm.registered_models()
    if names is not None:
        failed = {n: msg for n, msg in failed.items() if n in names}
        ok = [n for n in ok if n in names]
    models: dict[str, Any] = {n: n for n in ok}
    if p.sn_season is not None and (names is None or "seasonal_naive" in names):
        alias = f"seasonal_naive_{p.sn_season}"
        models[alias] = get_forecaster("seasonal_naive", season_length=p.sn_season, alias=alias)
    return models, failed


def holiday_models(models: dict[str, Any]) -> dict[str, Any]:
    """alias -> model of the ``local`` variant: each registered model that takes future
    regressors, under its name with :data:`HOLIDAY_SUFFIX`."""
    from demandcast import get_forecaster

    out: dict[str, Any] = {}
    for name, model in models.items():
        if isinstance(model, str) and get_forecaster(name).tags["future_regressors"]:
            out[name + HOLIDAY_SUFFIX] = get_forecaster(name, alias=name + HOLIDAY_SUFFIX)
    return out


def run_dataset(name: str, args: argparse.Namespace) -> tuple[pd.DataFrame, dict[str, Any]]:
    p = cm.PROTOCOLS[name]
    df = cm.load_dataset(name, args.sim_locations)
    models, failed = demandcast_models(p, args.models)
    rows: list[dict[str, Any]] = [
        {"model": n, "library": DEMANDCAST, "variant": BLIND, "status": "import error", "note": msg}
        for n, msg in failed.items()
    ]
    runs = [(alias, model, BLIND, None) for alias, model in models.items()]
    if args.holidays in ("local", "both") and p.country is not None:
        X = cm.local_holidays(df, p.country)
        runs += [(alias, model, LOCAL, X) for alias, model in holiday_models(models).items()]
        if args.holidays == "local":  # keep the blind models that take no regressor
            local = {a.removesuffix(HOLIDAY_SUFFIX) for a, _, v, _ in runs if v == LOCAL}
            runs = [r for r in runs if r[2] == LOCAL or r[0] not in local]
    base: pd.DataFrame | None = None
    scale: pd.DataFrame | None = None
    columns: dict[str, pd.DataFrame] = {}
    for alias, model, variant, X in runs:
        status, out, seconds, msg = cm.run_isolated(
            _backtest, model, df, p, X, timeout=args.timeout
        )
        rows.append(
            {
                "model": alias,
                "library": DEMANDCAST,
                "variant": variant,
                "status": status,
                "seconds": seconds,
                "note": msg,
            }
        )
        print(f"  {name}: {alias} {status} {seconds:.1f}s {msg}", file=sys.stderr, flush=True)
        if status != "ok":
            continue
        fc = out["forecasts"]
        if base is None:
            keep = ["unique_id", "ds", "cutoff", "step", "y"]
            base = fc[keep + (["is_open"] if "is_open" in fc.columns else [])].copy()
            scale = out["train_scale"]
        cols = [c for c in fc.columns if c == alias or c.startswith(f"{alias}-")]
        columns[alias] = fc[["unique_id", "ds", "cutoff", *cols]]
    if base is None:
        return pd.DataFrame(rows).assign(dataset=name), {}

    if not args.no_peers:
        _run_peers(name, p, df, base, columns, rows, args)

    table = base
    for part in columns.values():
        table = table.merge(part, on=["unique_id", "ds", "cutoff"], how="left")
    scored = cm.score(table, list(columns), scale)
    out = pd.DataFrame(rows).merge(scored, on="model", how="left")
    out.insert(0, "dataset", name)
    out = peer_ratios(out, p)
    extra = {"floor": _poisson_floor(table), "table": table}
    if name == "simulator":
        extra["channels"] = by_channel(table, list(columns), scale)
    return out, extra


def counterparts(p: cm.Protocol) -> dict[str, str]:
    """demandcast model -> the peer that does the same job on this protocol."""
    pairs = {"gbm": "mlf_hgb", "prophet": "prophet_cv"}
    if p.sn_season is not None:
        pairs[f"seasonal_naive_{p.sn_season}"] = "sf_seasonal_naive"
    elif p.freq != "D":  # the peer's longest season is one week of intervals
        pairs["seasonal_naive"] = "sf_seasonal_naive"
    return pairs


def peer_ratios(result: pd.DataFrame, p: cm.Protocol) -> pd.DataFrame:
    """Add the side-by-side ratios of one data set's rows, from the same run.

    ``wape_vs_best_peer``: WAPE over the lowest WAPE of any peer (below 1: better
    than every peer); ``seconds_vs_counterpart``: seconds over those of the peer
    doing the same job (:func:`counterparts`; the ``_holidays`` runs too).
    """
    out = result.copy()
    if "wape" not in out.columns:  # nothing was scored
        return out.assign(wape_vs_best_peer=np.nan, seconds_vs_counterpart=np.nan)
    ok = out["status"].eq("ok") & out["wape"].notna()
    peers = out[ok & out["library"].ne(DEMANDCAST)]
    best = float(peers["wape"].min()) if len(peers) else np.nan
    out["wape_vs_best_peer"] = out["wape"] / best
    seconds = dict(zip(peers["model"], peers["seconds"], strict=True))
    pairs = counterparts(p)

    def ratio(model: str, own: float) -> float:
        base = pairs.get(model.removesuffix(HOLIDAY_SUFFIX))
        return own / seconds[base] if base in seconds and seconds[base] > 0 else np.nan

    out["seconds_vs_counterpart"] = [
        ratio(m, t) if lib == DEMANDCAST else np.nan
        for m, t, lib in zip(out["model"], out["seconds"], out["library"], strict=True)
    ]
    return out


def by_channel(table: pd.DataFrame, models: list[str], scale: pd.DataFrame) -> pd.DataFrame:
    """WAPE and 80 % coverage per model (rows) and channel (the part of ``unique_id``
    after the last ``/``), as columns ``wape_<channel>``, ``coverage_80_<channel>``."""
    table = table.assign(channel=table["unique_id"].astype(str).str.rsplit("/", n=1).str[-1])
    scored = cm.score(table, models, scale, by=("model", "channel"))
    wide = scored.pivot(index="model", columns="channel", values=["wape", "coverage_80"])
    wide.columns = [f"{metric}_{channel}" for metric, channel in wide.columns]
    return wide.reset_index()


def _poisson_floor(table: pd.DataFrame) -> float:
    from demandcast.metrics import poisson_floor_wape

    y = table["y"].to_numpy(dtype="float64")
    try:
        return float(poisson_floor_wape(y[np.isfinite(y)]))
    except Exception:  # the floor is context only
        return float("nan")


def _merge_peer(
    columns: dict[str, pd.DataFrame],
    rows: list[dict[str, Any]],
    alias: str,
    library: str,
    status: str,
    out: Any,
    seconds: float,
    msg: str,
    grid: pd.DatetimeIndex,
    integer_ds: bool,
) -> None:
    rows.append(
        {
            "model": alias,
            "library": library,
            "variant": BLIND,
            "status": status,
            "seconds": seconds,
            "note": msg,
        }
    )
    print(f"  peer {alias} {status} {seconds:.1f}s {msg}", file=sys.stderr, flush=True)
    if status != "ok":
        return
    table, _ = out
    table = table.copy()
    table["ds"] = cm.to_grid_time(table["ds"], grid, integer_ds).to_numpy()
    table["cutoff"] = cm.to_grid_time(table["cutoff"], grid, integer_ds).to_numpy()
    table["unique_id"] = table["unique_id"].astype(str)
    columns[alias] = table.dropna(subset=["ds", "cutoff"])


def _run_peers(
    name: str,
    p: cm.Protocol,
    df: pd.DataFrame,
    base: pd.DataFrame,
    columns: dict[str, pd.DataFrame],
    rows: list[dict[str, Any]],
    args: argparse.Namespace,
) -> None:
    grid, _ = cm.grid_positions(df)
    daily = p.freq == "D"
    integer_ds = not daily
    freq: Any = "D" if daily else 1
    base = base.copy()
    base["cutoff"] = pd.DatetimeIndex(base["cutoff"]).tz_convert(grid.tz)
    if cm.has_module("statsforecast"):
        pf = cm.peer_frame(df, integer_ds=integer_ds, fill_season=p.seasons[0])
        pe.warm_up_statsforecast(p.seasons)
        for alias, model in pe.statsforecast_models(p.seasons).items():
            res = cm.run_isolated(
                pe.statsforecast_cv,
                pf,
                model,
                alias,
                freq=freq,
                h=p.h,
                step=p.step,
                n_windows=p.n_windows,
                timeout=args.timeout,
            )
            status, out, _, msg = res
            seconds = out[1] if status == "ok" else float("nan")
            _merge_peer(
                columns, rows, alias, "statsforecast", status, out, seconds, msg, grid, integer_ds
            )
    if cm.has_module("mlforecast"):
        pf = cm.peer_frame(df, integer_ds=integer_ds, fill_season=p.seasons[0])
        status, out, _, msg = cm.run_isolated(
            pe.mlforecast_cv,
            pf,
            freq=freq,
            season=p.seasons[0] if daily else p.seasons[-1],
            grid=grid,
            daily=daily,
            h=p.h,
            step=p.step,
            n_windows=p.n_windows,
            timeout=args.timeout,
        )
        seconds = out[1] if status == "ok" else float("nan")
        _merge_peer(
            columns, rows, "mlf_hgb", "mlforecast", status, out, seconds, msg, grid, integer_ds
        )
    if cm.has_module("prophet"):
        pdf = pe.prophet_frame(df)
        span = pd.Series(
            pd.DatetimeIndex(base["ds"]).tz_localize(None)
            - pd.DatetimeIndex(base["cutoff"]).tz_localize(None)
        )
        cut = pd.DatetimeIndex(base["cutoff"]).tz_localize(None)
        horizons = {pd.Timestamp(c): pd.Timedelta(s) for c, s in span.groupby(cut).max().items()}
        status, out, _, msg = cm.run_isolated(pe.prophet_cv, pdf, horizons, timeout=args.timeout)
        seconds = out[1] if status == "ok" else float("nan")
        _merge_peer(columns, rows, "prophet_cv", "prophet", status, out, seconds, msg, grid, False)


def variant_models(result: pd.DataFrame, variant: str) -> pd.DataFrame:
    """The demandcast rows of one variant: in ``local_holidays``, each model's holiday
    run where it has one, else its blind run (the same models compete in both)."""
    ours = result[result["library"] == DEMANDCAST]
    if variant == BLIND:
        return ours[ours["variant"] == BLIND]
    local = ours[ours["variant"] == LOCAL]
    covered = {m.removesuffix(HOLIDAY_SUFFIX) for m in local["model"]}
    blind = ours[(ours["variant"] == BLIND) & ~ours["model"].isin(covered)]
    return pd.concat([blind, local])


def targets(result: pd.DataFrame, name: str, variant: str = BLIND) -> dict[str, Any]:
    """The issue's accuracy targets for one data set and variant, as measured."""
    head = {"dataset": name, "variant": variant}
    if "wape" not in result.columns:
        return head
    ok = result[(result["dataset"] == name) & result["wape"].notna()]
    ours = variant_models(ok, variant)
    if ours.empty or (variant == LOCAL and not (ours["variant"] == LOCAL).any()):
        return head
    best = ours.loc[ours["wape"].idxmin()]
    naive = [f"seasonal_naive_{cm.PROTOCOLS[name].sn_season}", "seasonal_naive"]
    sn = next(
        (ours.loc[ours["model"] == n, "wape"].iloc[0] for n in naive if (ours["model"] == n).any()),
        np.nan,
    )
    peers = ok[ok["model"].isin(["sf_autoets", "sf_mstl"])]
    peer_best = float(peers["wape"].min()) if len(peers) else np.nan
    gain = 1.0 - float(best["wape"]) / sn if np.isfinite(sn) and sn > 0 else np.nan
    return {
        **head,
        "best_model": best["model"],
        "best_wape": float(best["wape"]),
        "seasonal_naive_wape": sn,
        "gain_vs_seasonal_naive": gain,
        "target_gain_10pct": bool(gain >= 0.10) if np.isfinite(gain) else None,
        "best_autoets_mstl_model": (
            peers.loc[peers["wape"].idxmin(), "model"] if len(peers) else None
        ),
        "best_autoets_mstl_wape": peer_best,
        "target_no_worse_than_ets_mstl": (
            bool(float(best["wape"]) <= peer_best) if np.isfinite(peer_best) else None
        ),
    }


def significance(table: pd.DataFrame, t: dict[str, Any], h: int) -> dict[str, Any]:
    """Diebold-Mariano test (absolute errors, HLN correction) of the best demandcast
    model against the better of AutoETS/MSTL: is the WAPE gap more than noise?"""
    from demandcast.metrics import diebold_mariano

    ours, peer = t.get("best_model"), t.get("best_autoets_mstl_model")
    if ours not in table.columns or peer not in table.columns:
        return {}
    rows = table.sort_values(["unique_id", "ds"])
    y = rows["y"].to_numpy(dtype="float64")
    mask = rows["is_open"].to_numpy(dtype=bool) if "is_open" in rows.columns else None
    dm = diebold_mariano(
        y - rows[ours].to_numpy(dtype="float64"),
        y - rows[peer].to_numpy(dtype="float64"),
        h=h,
        loss="absolute",
        mask=mask,
    )
    return {"dm_statistic_vs_ets_mstl": dm.statistic, "dm_p_value_vs_ets_mstl": dm.p_value}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cm.preimport()
    print(f"# accuracy_real: {cm.environment_line()}\n")
    results, target_rows = [], []
    for name in args.datasets:
        p = cm.PROTOCOLS[name]
        print(f"## {name}: {p.description}")
        print(f"h={p.h}, step={p.step}, {p.n_windows} folds, seasons {p.seasons}\n", flush=True)
        res, extra = run_dataset(name, args)
        measured = cm.utc_now()
        res["measured"] = measured
        results.append(res)
        show = [
            "model",
            "library",
            "variant",
            "status",
            "wape",
            "mase",
            "relative_bias",
            "coverage_80",
            "seconds",
            "wape_vs_best_peer",
            "seconds_vs_counterpart",
        ]
        view = res.reindex(columns=show).sort_values("wape", na_position="last")
        print(cm.markdown_table(view, 3))
        if extra.get("floor") is not None:
            print(f"\nPoisson floor of WAPE on the test rows: {extra['floor']:.3f}")
        if "channels" in extra:
            channels = extra["channels"].sort_values(extra["channels"].columns[1])
            print(f"\nper channel:\n\n{cm.markdown_table(channels, 3)}")
            cm.write_csv(channels.assign(dataset=name), "accuracy_simulator_channels.csv")
        variants = {"blind": (BLIND,), "local": (LOCAL,), "both": (BLIND, LOCAL)}
        for variant in variants[args.holidays]:
            t = targets(res, name, variant)
            if "best_model" not in t:
                continue
            if "table" in extra:
                t.update(significance(extra["table"], t, p.h))
            t["measured"] = measured
            target_rows.append(t)
            print(f"\ntargets ({variant}): {t}", flush=True)
        print()
        # written after every data set, so a long run leaves its finished sets behind
        done = args.datasets[: args.datasets.index(name) + 1]
        for table, csv in [
            (pd.concat(results, ignore_index=True), "accuracy_real.csv"),
            (pd.DataFrame(target_rows), "accuracy_real_targets.csv"),
        ]:
            path = cm.write_csv(cm.replace_rows(table, csv, "dataset", done), csv)
    print(f"\nwritten {path.parent}/accuracy_real*.csv; {cm.environment_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
