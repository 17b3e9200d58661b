"""A data scientist's model comparison: which forecaster should the planners use?

Rolling-origin backtests (:func:`demandcast.backtest`) of every built-in model that
fits in a couple of minutes, on two data sets:

1. a simulated municipality (:func:`demandcast.datasets.simulate_municipality`):
   daily phone and desk demand of three locations over two years, closed days
   flagged (weekends, public holidays) so that a step is a calendar day and the
   4-week horizon is the planners' rostering horizon;
2. the real call-centre data ``bank_calls_5min.csv`` (a North American bank), at
   30 minutes, when it is found in ``../shared/data/`` beside the repository (or
   given with ``--bank``): one week ahead = 140 half-hours.

For each it prints:

- the leaderboard (``res.leaderboard()``: WAPE, MASE, bias, gain over seasonal naive);
- the error by horizon, from ``res.metrics(by=("model", "step"))`` summed per week
  (per day for the intraday data), which shows where the baselines catch up;
- interval coverage of the 80 % and 95 % intervals against their nominal level;
- the Poisson floor (:func:`demandcast.poisson_floor_wape`): the WAPE that even the
  true mean would score, so a model at 1.2 x the floor has little left to gain;
- a Diebold-Mariano test of ``gbm`` against ``seasonal_naive`` (``res.compare``),
  in plain language.

Models: ``seasonal_naive``, ``historical_average``, ``sarima``, ``gbm`` and
``ensemble`` (the median of the first three); ``prophet`` too with ``--with-prophet``
(slow: one Stan fit per series and window).

Run::

    python examples/model_comparison.py            # about 1-2 minutes
    python examples/model_comparison.py --quick    # CI smoke: shorter data, 2 windows
    python examples/model_comparison.py --with-prophet --n-jobs -1
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import demandcast
from demandcast.exceptions import DataWarning

LEVELS = (80, 95)
BANK_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank_calls_5min.csv"


@dataclass(frozen=True)
class Setup:
    """One comparison: data, windows and how to group the horizon."""

    title: str
    df: pd.DataFrame
    h: int
    n_windows: int
    step: int
    bucket: int  # steps per row of the horizon table
    bucket_name: str  # "week" or "day"
    truth: pd.DataFrame | None = None  # true means (simulator only)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


def simulated(quick: bool) -> Setup:
    """Daily phone + desk demand of three locations, closed days flagged."""
    start, end, scale = (
        ("2024-01-01", "2024-09-30", 0.5) if quick else ("2023-01-01", "2024-12-31", 1.0)
    )
    sim = demandcast.simulate_municipality(seed=7, start=start, end=end, freq="D", scale=scale)
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # a few contacts just after closing time
        for channel in ("phone", "desk"):
            hours = sim.opening_hours[channel]
            raw = sim.frame(channel, freq="D")[["unique_id", "ds", "y"]]
            # weekends and holidays back in as closed days: a step is then a calendar day
            parts.append(
                demandcast.regularise(
                    raw, freq="D", is_open=lambda ds, oh=hours: oh.is_open(ds, freq="D")
                )
            )
    df = pd.concat(parts, ignore_index=True).sort_values(["unique_id", "ds"], ignore_index=True)
    years = "9 months" if quick else "2 years"
    return Setup(
        title=f"simulated municipality: daily phone + desk, 3 locations, {years}",
        df=df,
        h=28,
        n_windows=2 if quick else 6,
        step=28 if quick else 14,
        bucket=7,
        bucket_name="week",
        truth=sim.truth,
    )


def bank_calls(path: Path, quick: bool) -> Setup:
    """Real bank calls at 30 minutes, Monday to Friday 07:00-21:00 local time."""
    df = demandcast.load_counts(path, freq="30min", tz="America/New_York")
    wall = df["ds"].dt.tz_localize(None)
    minutes = wall.dt.hour * 60 + wall.dt.minute
    # the last 5 minutes (21:00-21:05) make no full half hour: 28 half-hours a day
    df = df[(minutes >= 7 * 60) & (minutes <= 20 * 60 + 30)].reset_index(drop=True)
    return Setup(
        title="real bank calls (bank_calls_5min.csv) at 30 minutes, one week ahead",
        df=df,
        h=140,  # 5 weekdays x 28 half-hours
        n_windows=2 if quick else 4,
        step=140,
        bucket=28,
        bucket_name="day",
    )


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------


def models(setup: Setup, quick: bool, with_prophet: bool) -> dict[str, demandcast.BaseForecaster]:
    """The contenders, keyed by the column name they get in the backtest."""
    horizon_days = 7 if setup.bucket_name == "day" else setup.h
    contenders = {
        "seasonal_naive": demandcast.get_forecaster("seasonal_naive"),
        "historical_average": demandcast.get_forecaster("historical_average", k_weeks=4),
        "sarima": demandcast.get_forecaster("sarima"),
        # one thread: the backtest parallelises over tasks (n_jobs), not inside a fit
        "gbm": demandcast.get_forecaster(
            "gbm", max_iter=50 if quick else 100, horizon_days=horizon_days, n_jobs=1
        ),
        "ensemble": demandcast.get_forecaster(
            "ensemble", members=("seasonal_naive", "historical_average", "sarima")
        ),
    }
    if with_prophet:
        contenders["prophet"] = demandcast.get_forecaster("prophet", uncertainty_samples=200)
    return contenders


# ---------------------------------------------------------------------------
# summaries
# ---------------------------------------------------------------------------


def pct(x: float) -> str:
    return "   n/a" if not np.isfinite(x) else f"{100 * x:5.1f}%"


def leaderboard(res: demandcast.BacktestResult) -> pd.DataFrame:
    """WAPE-ranked table with the columns a planner reads."""
    lb = res.leaderboard("wape")
    cols = ["rank", "model", "wape", "mase", "relative_bias", "vs_seasonal_naive"]
    out = lb[cols].copy()
    for col in ("wape", "relative_bias", "vs_seasonal_naive"):
        out[col] = out[col].map(pct)
    out["mase"] = out["mase"].map(lambda v: f"{v:.3f}")
    return out.rename(columns={"relative_bias": "bias", "vs_seasonal_naive": "gain_vs_snaive"})


def error_by_horizon(res: demandcast.BacktestResult, bucket: int, name: str) -> pd.DataFrame:
    """WAPE per week (or day) ahead, pooled from the per-step metrics.

    WAPE = sum |error| / sum actual; per step ``mae * n`` is the summed absolute
    error and ``mae * n / wape`` the summed actual, so buckets pool exactly.
    """
    per_step = res.metrics(by=("model", "step"), metrics=("n", "mae", "wape"))
    abs_err = per_step["mae"] * per_step["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        actual = np.where(per_step["wape"] > 0, abs_err / per_step["wape"], np.nan)
    table = per_step.assign(
        **{name: (per_step["step"] - 1) // bucket + 1}, abs_err=abs_err, actual=actual
    )
    sums = table.groupby(["model", name])[["abs_err", "actual"]].sum()
    wide = (sums["abs_err"] / sums["actual"]).unstack(name)
    wide = wide.loc[res.models]
    wide.columns = [f"{name} {c}" for c in wide.columns]
    return wide.apply(lambda col: col.map(pct))  # DataFrame.map needs pandas >= 2.1


def coverage(res: demandcast.BacktestResult) -> pd.DataFrame:
    """Share of actuals inside each interval, and the mean width, per model."""
    table = res.metrics(by="model").set_index("model").loc[res.models]
    out = pd.DataFrame(index=table.index)
    for lv in res.level:
        tag = f"{lv:g}"
        out[f"inside {tag}%"] = table[f"coverage_{tag}"].map(pct)
        out[f"width {tag}%"] = table[f"width_{tag}"].map(lambda v: f"{v:9.1f}")
    return out


def poisson_floor(res: demandcast.BacktestResult, truth: pd.DataFrame | None) -> str:
    """The count-noise floor of WAPE for the scored intervals, in words."""
    fc = res.forecasts
    scored = fc["y"].notna() & fc.get("is_open", pd.Series(True, index=fc.index)).astype(bool)
    fc = fc[scored]
    best = res.leaderboard("wape").iloc[0]
    if truth is not None:
        lam = fc[["unique_id", "ds"]].merge(truth, on=["unique_id", "ds"], how="left")["y"]
        floor = demandcast.poisson_floor_wape(lam.to_numpy())
        oracle = demandcast.wape(fc["y"].to_numpy(), lam.to_numpy())
        return (
            f"Poisson floor from the simulator's true means: {pct(floor).strip()}; the true "
            f"mean itself scores {pct(oracle).strip()} (the simulator adds day-to-day "
            f"noise on top of Poisson). Best model: {best['model']} at "
            f"{pct(best['wape']).strip()}."
        )
    floor = demandcast.poisson_floor_wape(fc["y"].to_numpy())
    return (
        f"Poisson floor (actual counts as stand-in for the true means): "
        f"{pct(floor).strip()}. Best model: {best['model']} at {pct(best['wape']).strip()}, "
        f"{best['wape'] / floor:.1f} x the floor."
    )


def dm_sentence(res: demandcast.BacktestResult, a: str, b: str, alpha: float = 0.05) -> str:
    """The pooled Diebold-Mariano test of ``a`` against ``b``, as one sentence."""
    table = res.compare(a, b)
    pooled = table[table["scope"] == "pooled"].iloc[0]
    per_series = table[table["scope"] == "series"]
    p, stat = float(pooled["p_value"]), float(pooled["statistic"])
    a_txt, b_txt = a.replace("_", " "), b.replace("_", " ")
    if not np.isfinite(p):
        return f"too few forecasts to compare {a_txt} and {b_txt}"
    p_txt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    if p < alpha:
        better, worse = (a_txt, b_txt) if stat < 0 else (b_txt, a_txt)
        sentence = f"{better} is significantly more accurate than {worse}, {p_txt}"
    else:
        sentence = f"no significant difference in accuracy between {a_txt} and {b_txt}, {p_txt}"
    wins = int(((per_series["p_value"] < alpha) & (per_series["statistic"] < 0)).sum())
    losses = int(((per_series["p_value"] < alpha) & (per_series["statistic"] > 0)).sum())
    return (
        f"{sentence} (Diebold-Mariano, squared error, all series pooled; per series: "
        f"{a_txt} significantly better on {wins}, worse on {losses} of {len(per_series)})"
    )


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------


def compare(setup: Setup, contenders: Mapping[str, demandcast.BaseForecaster], n_jobs: int) -> None:
    """Backtest the contenders on one data set and print every summary."""
    df = setup.df
    print(f"\n=== {setup.title} ===")
    print(
        f"{df['unique_id'].nunique()} series, {df['ds'].min().date()} .. {df['ds'].max().date()}; "
        f"{setup.n_windows} windows of h={setup.h} steps, cutoffs {setup.step} steps apart"
    )
    started = time.perf_counter()
    res = demandcast.backtest(
        dict(contenders), df, h=setup.h, n_windows=setup.n_windows, step=setup.step,
        level=LEVELS, n_jobs=n_jobs,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    print(f"backtest: {len(res.forecasts):,} forecasts per model in {seconds:.0f} s")

    print("\nLeaderboard (WAPE over all series, windows and steps; bias = relative bias)")
    print(leaderboard(res).to_string(index=False))
    print(f"\nError by horizon: WAPE per {setup.bucket_name} ahead")
    print(error_by_horizon(res, setup.bucket, setup.bucket_name).to_string())
    print("\nInterval coverage (nominal 80 % and 95 %) and mean width")
    print(coverage(res).to_string())
    print("\n" + poisson_floor(res, setup.truth))
    if "gbm" in res.models and "seasonal_naive" in res.models:
        print("\n" + dm_sentence(res, "gbm", "seasonal_naive") + ".")


def _load_openmp_first() -> None:
    # gbm limits its threads around each fit; scikit-learn's OpenMP runtime must be
    # loaded before that limit can apply, or the first fit runs unlimited threads
    with contextlib.suppress(ImportError):
        import sklearn.ensemble  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="CI smoke run: shorter data, 2 windows"
    )
    parser.add_argument("--with-prophet", action="store_true", help="add prophet (slow)")
    parser.add_argument("--bank", type=Path, default=BANK_FILE, help="path of bank_calls_5min.csv")
    parser.add_argument("--no-bank", action="store_true", help="skip the real bank calls")
    parser.add_argument("--n-jobs", type=int, default=1, help="backtest processes (-1: all cores)")
    args = parser.parse_args(argv)

    _load_openmp_first()
    started = time.perf_counter()
    sim = simulated(args.quick)
    compare(sim, models(sim, args.quick, args.with_prophet), args.n_jobs)
    if args.no_bank:
        print("\n(real bank calls skipped: --no-bank)")
    elif args.bank.exists():
        bank = bank_calls(args.bank, args.quick)
        compare(bank, models(bank, args.quick, args.with_prophet), args.n_jobs)
    else:
        print(f"\n(real bank calls skipped: {args.bank} not found)")
    print(f"\ndone in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
