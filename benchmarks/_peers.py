"""Peer libraries on the same folds: statsforecast, mlforecast, Prophet's own CV.

Each runner takes the peers' frame (:func:`_common.peer_frame`) and returns a long
table ``unique_id, ds, cutoff, <alias>[, <alias>-lo-80, <alias>-hi-80]`` in the
peers' time (naive wall clock or integer grid position) plus the wall seconds of the
library call alone. The scripts map ``ds``/``cutoff`` back to the frame's grid and
merge on the test rows of the demandcast backtest, so every model is scored on the
same rows. The peers are optional (``pip install -e ".[bench]"``); callers check
:func:`_common.has_module` first.

Examples
--------
>>> import sys; sys.path.insert(0, "benchmarks")
>>> from _peers import MLF_PARAMS
>>> MLF_PARAMS["max_iter"]
300
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

# HistGradientBoostingRegressor settings shared with demandcast's gbm defaults.
MLF_PARAMS: dict[str, Any] = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 20,
    "l2_regularization": 0.0,
    "early_stopping": False,  # as gbm: all 300 rounds (sklearn's "auto" holds out 10 %)
    "random_state": 0,
}


def _rename(cv: pd.DataFrame, src: str, alias: str, level: tuple) -> pd.DataFrame:
    cols = {src: alias}
    for lv in level:
        cols[f"{src}-lo-{lv}"] = f"{alias}-lo-{lv}"
        cols[f"{src}-hi-{lv}"] = f"{alias}-hi-{lv}"
    keep = ["unique_id", "ds", "cutoff", *[c for c in cols if c in cv.columns]]
    return cv[keep].rename(columns=cols)


def statsforecast_models(seasons: tuple[int, ...]) -> dict[str, Any]:
    """alias -> statsforecast model: SeasonalNaive (long season), AutoETS, MSTL."""
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    return {
        "sf_seasonal_naive": SeasonalNaive(season_length=seasons[-1]),
        "sf_autoets": AutoETS(season_length=seasons[0]),
        "sf_mstl": MSTL(season_length=list(seasons)),
    }


def statsforecast_cv(
    pf: pd.DataFrame,
    model: Any,
    alias: str,
    *,
    freq: Any,
    h: int,
    step: int,
    n_windows: int,
    level: tuple = (80,),
    n_jobs: int = 1,
) -> tuple[pd.DataFrame, float]:
    """statsforecast ``cross_validation`` of one model; (table, seconds)."""
    from statsforecast import StatsForecast

    sf = StatsForecast(models=[model], freq=freq, n_jobs=n_jobs)
    start = time.perf_counter()
    cv = sf.cross_validation(h=h, df=pf, n_windows=n_windows, step_size=step, level=list(level))
    seconds = time.perf_counter() - start
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    return _rename(cv, repr(model), alias, level), seconds


def warm_up_statsforecast(seasons: tuple[int, ...]) -> None:
    """Compile statsforecast's numba code once, so no timing includes compilation."""
    n = 3 * max(seasons) + 10
    pf = pd.DataFrame({"unique_id": "w", "ds": np.arange(n), "y": 10 + np.arange(n) % 7})
    for alias, model in statsforecast_models(seasons).items():
        statsforecast_cv(pf, model, alias, freq=1, h=3, step=3, n_windows=1)


def _grid_feature(name: str, values: np.ndarray) -> Any:
    """An mlforecast date feature for integer ``ds``: a lookup on the time grid."""

    def feature(ds: Any) -> np.ndarray:
        pos = np.clip(np.asarray(ds, dtype="int64"), 0, len(values) - 1)
        return values[pos]

    feature.__name__ = name
    return feature


def mlforecast_setup(
    season: int, grid: pd.DatetimeIndex | None, daily: bool, history: int | None = None
) -> dict[str, Any]:
    """Features like demandcast's gbm: weekday x slot averages over 1-8 weeks, calendar.

    Lags of one step, one day and one week; seasonal rolling means of the same slot
    over the last 4 and 8 weeks (the historical-average features); rolling means of
    the last day and week; weekday, month, day of year (daily) or slot of day and
    weekday (intraday, from the integer grid). Recursive forecasts, a local standard
    scaler on the target. When ``history`` (rows before the first training cutoff) is
    shorter than the 9 seasons the 8-week mean needs, the seasonal means take the weeks
    there are (``min_samples=1``), as demandcast's gbm does; otherwise every training
    row would be dropped.
    """
    from mlforecast.lag_transforms import RollingMean, SeasonalRollingMean
    from mlforecast.target_transforms import LocalStandardScaler

    day = 1 if daily else max(1, season // 5)
    lags = sorted({1, day, season})
    short = history is not None and history < 9 * season
    lag_transforms = {
        1: [RollingMean(window_size=season)],
        season: [
            SeasonalRollingMean(
                season_length=season, window_size=w, min_samples=1 if short else None
            )
            for w in (4, 8)
        ],
    }
    if daily:
        date_features: list[Any] = ["dayofweek", "month", "dayofyear"]
    else:
        local = pd.DatetimeIndex(grid).tz_localize(None)
        slot = (local.hour * 60 + local.minute).to_numpy()
        date_features = [
            _grid_feature("slot_of_day", slot),
            _grid_feature("weekday", local.dayofweek.to_numpy()),
        ]
    return {
        "lags": lags,
        "lag_transforms": lag_transforms,
        "date_features": date_features,
        "target_transforms": [LocalStandardScaler()],
    }


def mlforecast_cv(
    pf: pd.DataFrame,
    *,
    freq: Any,
    season: int,
    grid: pd.DatetimeIndex | None,
    daily: bool,
    h: int,
    step: int,
    n_windows: int,
    level: tuple = (80,),
    alias: str = "mlf_hgb",
) -> tuple[pd.DataFrame, float]:
    """mlforecast ``cross_validation`` with HistGradientBoosting and conformal intervals."""
    from mlforecast import MLForecast
    from mlforecast.utils import PredictionIntervals
    from sklearn.ensemble import HistGradientBoostingRegressor

    # the conformal calibration fits two more windows of h before the first cutoff
    history = int(pf.groupby("unique_id").size().min()) - (n_windows - 1) * step - 3 * h
    setup = mlforecast_setup(season, grid, daily, history)
    mlf = MLForecast(
        models={alias: HistGradientBoostingRegressor(**MLF_PARAMS)}, freq=freq, **setup
    )
    start = time.perf_counter()
    cv = mlf.cross_validation(
        pf,
        n_windows=n_windows,
        h=h,
        step_size=step,
        prediction_intervals=PredictionIntervals(n_windows=2, h=h),
        level=list(level),
    )
    seconds = time.perf_counter() - start
    return _rename(cv, alias, alias, level), seconds


def prophet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Open rows with a value, ``ds`` as naive wall-clock time (Prophet rejects zones)."""
    ok = df["y"].notna()
    if "is_open" in df.columns:
        ok &= df["is_open"].astype(bool)
    out = df.loc[ok, ["unique_id", "ds", "y"]].copy()
    out["ds"] = pd.DatetimeIndex(out["ds"]).tz_localize(None)
    return out.reset_index(drop=True)


def _quiet_prophet() -> None:
    import logging

    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        log = logging.getLogger(name)
        log.setLevel(logging.ERROR)
        log.disabled = True  # cmdstanpy re-adds an INFO handler on first use


def prophet_cv(
    pdf: pd.DataFrame, horizons: dict[pd.Timestamp, pd.Timedelta], alias: str = "prophet_cv"
) -> tuple[pd.DataFrame, float]:
    """Prophet's own ``cross_validation`` (default model) per series at our cutoffs.

    ``horizons``: cutoff -> time span of its test rows (spans differ on grids with
    nights and weekends left out, and Prophet wants ``cutoff + horizon`` inside the
    data, so each cutoff is one call). Times only the ``cross_validation`` calls,
    not the initial full-data fit it needs.
    """
    from prophet import Prophet
    from prophet.diagnostics import cross_validation

    _quiet_prophet()
    parts, seconds = [], 0.0
    for uid, one in pdf.groupby("unique_id", sort=True):
        model = Prophet().fit(one[["ds", "y"]])
        start = time.perf_counter()
        cv = pd.concat(
            [
                cross_validation(model, horizon=span, cutoffs=[cut], disable_tqdm=True)
                for cut, span in sorted(horizons.items())
            ],
            ignore_index=True,
        )
        seconds += time.perf_counter() - start
        parts.append(
            pd.DataFrame(
                {
                    "unique_id": str(uid),
                    "ds": cv["ds"],
                    "cutoff": cv["cutoff"],
                    alias: cv["yhat"],
                    f"{alias}-lo-80": cv["yhat_lower"],
                    f"{alias}-hi-80": cv["yhat_upper"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True), seconds


def prophet_loop(
    pdf: pd.DataFrame, tests: pd.DataFrame, alias: str = "prophet_raw"
) -> tuple[pd.DataFrame, float]:
    """Prophet with default settings fitted at every cutoff, one series at a time.

    ``tests``: ``unique_id, cutoff, ds`` (naive wall clock) of the rows to forecast.
    Each fit sees the series' rows up to the cutoff and predicts the test rows.
    """
    from prophet import Prophet

    _quiet_prophet()
    parts = []
    start = time.perf_counter()
    for (uid, cutoff), rows in tests.groupby(["unique_id", "cutoff"], sort=True):
        one = pdf[(pdf["unique_id"] == uid) & (pdf["ds"] <= cutoff)]
        model = Prophet().fit(one[["ds", "y"]])
        fc = model.predict(rows[["ds"]].reset_index(drop=True))
        parts.append(
            pd.DataFrame({"unique_id": uid, "ds": fc["ds"], "cutoff": cutoff, alias: fc["yhat"]})
        )
    seconds = time.perf_counter() - start
    return pd.concat(parts, ignore_index=True), seconds
