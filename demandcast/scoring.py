"""Frame-level scoring: forecast frames beside actuals, scored per model and group.

Built on :mod:`demandcast.metrics` (closed rows and missing actuals or forecasts are
never scored): :func:`evaluate` (every metric per model and group),
:func:`seasonal_scale` (MASE/RMSSE scales), :func:`compare_forecasts` (Diebold-Mariano
per series and pooled) and :func:`score_forecast_vs_actual` (the store's accuracy).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from demandcast._text import examples
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError
from demandcast.forecast_frame import bound_levels, bound_names, interval_columns, normalise_level
from demandcast.frame import open_flags, require_columns
from demandcast.metrics import (
    DMResult,
    _as_float,
    _check_h_alternative,
    _check_season,
    _dm_from_differential,
    _loss_function,
)

__all__ = ["compare_forecasts", "evaluate", "score_forecast_vs_actual", "seasonal_scale"]

_SCALE_KEYS = ("unique_id", "cutoff")
_METRIC_COLUMNS = ("n", "mae", "rmse", "mase", "rmsse", "wape", "smape", "bias", "relative_bias")
# a model's column names: point forecast, and (lo, hi) per interval level
_Columns = tuple[str, dict[float, tuple[str, str]]]


def _column_float(df: pd.DataFrame, col: str) -> np.ndarray:
    return _as_float(df[col], f"column {col!r}")


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    return [] if x is None else [x] if isinstance(x, str) else list(x)


def seasonal_scale(
    train: pd.DataFrame,
    season: int,
    *,
    cutoffs: pd.DataFrame | Sequence[Any] | None = None,
    y_col: str = "y",
    mask_col: str | None = "is_open",
) -> pd.DataFrame:
    """MASE and RMSSE scales: in-sample seasonal-naive errors of each training part.

    For each series the seasonal difference ``y[t] - y[t - season]`` is taken by
    position in ``ds`` order (so on a frame whose closed intervals are absent,
    ``season`` counts open intervals: 5 weekdays x 28 half-hours = 140). Pairs with
    a NaN or a closed interval (``mask_col`` False) on either side are skipped.

    Parameters
    ----------
    train : DataFrame
        Long frame with ``unique_id``, ``ds``, ``y_col`` and optionally ``cutoff``:
        with a ``cutoff`` column, each (series, cutoff) group *is* its training part.
    season : int
        Seasonal period in intervals (positions).
    cutoffs : DataFrame or sequence of timestamps, optional
        Without a ``cutoff`` column in ``train``: the training part for cutoff c is
        every row with ``ds <= c``. A frame gives (``unique_id``, ``cutoff``) pairs,
        a sequence applies the same cutoffs to every series. ``None``: one scale per
        series from all its rows.
    y_col, mask_col : str
        Column names of the counts and of the open flag.

    Returns
    -------
    DataFrame
        ``unique_id``, ``cutoff`` (when there are cutoffs), ``mae_scale`` (mean
        absolute seasonal difference), ``mse_scale`` (mean squared one) and
        ``n_scale`` (pairs used). A scale is NaN when no pair is usable and 0 when
        the series repeats itself exactly; :func:`evaluate` leaves both out of
        MASE/RMSSE with a :class:`~demandcast.exceptions.DataWarning`.

    Examples
    --------
    >>> train = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=5),
    ...                       "y": [10.0, 12, 11, 13, 17]})
    >>> seasonal_scale(train, 2)
      unique_id  mae_scale  mse_scale  n_scale
    0         a   2.666667  12.666667        3
    >>> seasonal_scale(train, 2, cutoffs=[pd.Timestamp("2024-01-04")])
      unique_id     cutoff  mae_scale  mse_scale  n_scale
    0         a 2024-01-04        1.0        1.0        2
    """
    season = _check_season(season)
    fix = "pass the training history as a long frame (unique_id, ds, y)."
    require_columns(train, ["unique_id", "ds", y_col], "train", fix)
    has_cut = "cutoff" in train.columns
    keys = ["unique_id", "cutoff"] if has_cut else ["unique_id"]
    is_open = open_flags(train, mask_col, missing_open=True)
    y = np.where(is_open, _column_float(train, y_col), np.nan)
    df = pd.DataFrame({k: train[k].reset_index(drop=True) for k in [*keys, "ds"]})
    df["_y"] = y
    df = df.sort_values([*keys, "ds"], kind="stable", ignore_index=True)
    diff = df["_y"] - df.groupby(keys, sort=False, dropna=False)["_y"].shift(season)
    df["_abs"] = diff.abs()
    df["_sq"] = diff**2

    if has_cut or cutoffs is None:
        out = (
            df.groupby(keys, sort=True, dropna=False)
            .agg(mae_scale=("_abs", "mean"), mse_scale=("_sq", "mean"), n_scale=("_abs", "count"))
            .reset_index()
        )
        out["n_scale"] = out["n_scale"].astype("int64")
        return out

    if isinstance(cutoffs, pd.DataFrame):
        require_columns(cutoffs, list(_SCALE_KEYS), "cutoffs", "pass (unique_id, cutoff) pairs.")
        pairs = cutoffs[list(_SCALE_KEYS)].drop_duplicates()
    else:
        cut_values = pd.Series(pd.to_datetime(pd.Series(list(cutoffs))).unique())
        uids = pd.Series(df["unique_id"].unique())
        pairs = pd.DataFrame(
            {
                "unique_id": np.repeat(uids.to_numpy(), len(cut_values)),
                "cutoff": np.tile(cut_values.to_numpy(), len(uids)),
            }
        )
    df["_n"] = df["_abs"].notna().astype("int64")
    df["_abs"] = df["_abs"].fillna(0.0)
    df["_sq"] = df["_sq"].fillna(0.0)
    cum = df.groupby("unique_id", sort=False)[["_abs", "_sq", "_n"]].cumsum()
    cum.insert(0, "ds", df["ds"])
    cum.insert(0, "unique_id", df["unique_id"])
    left = pairs.reset_index(drop=True)
    try:
        left["_cut"] = left["cutoff"].astype(cum["ds"].dtype)
    except (TypeError, ValueError) as exc:
        raise InvalidFrameError(
            f"cutoff: cannot compare cutoffs ({left['cutoff'].dtype}) with train ds "
            f"({cum['ds'].dtype}): {exc}. Fix: give both the same time zone."
        ) from exc
    merged = pd.merge_asof(
        left.sort_values("_cut", kind="stable"),
        cum.sort_values("ds", kind="stable"),
        left_on="_cut",
        right_on="ds",
        by="unique_id",
        direction="backward",
    )
    n = merged["_n"].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "unique_id": merged["unique_id"],
                "cutoff": merged["cutoff"],
                "mae_scale": np.where(n > 0, merged["_abs"] / n, np.nan),
                "mse_scale": np.where(n > 0, merged["_sq"] / n, np.nan),
                "n_scale": n,
            }
        )
    return out.sort_values(list(_SCALE_KEYS), kind="stable", ignore_index=True)


def _pinball_name(q: float) -> str:
    return f"pinball_q{100.0 * q:g}"


def _resolve_scales(
    frame: pd.DataFrame,
    train: pd.DataFrame | pd.Series | Mapping[Any, float] | None,
    season: int | None,
    y_col: str,
    mask_col: str | None,
) -> pd.DataFrame | None:
    """The (unique_id[, cutoff]) -> mae_scale, mse_scale table for ``evaluate``."""
    if train is None:
        return None
    if isinstance(train, pd.DataFrame) and "mae_scale" in train.columns:
        scales = train.copy()
    elif isinstance(train, (pd.Series, Mapping)):
        series = pd.Series(train, dtype="float64") if isinstance(train, Mapping) else train
        scales = series.rename("mae_scale").to_frame()
        if isinstance(scales.index, pd.MultiIndex):
            scales.index.names = list(_SCALE_KEYS[: scales.index.nlevels])
        else:
            scales.index.name = "unique_id"
        scales = scales.reset_index()
    else:
        if season is None:
            raise ConfigError(
                "season: required to compute MASE/RMSSE scales from `train`. Fix: pass "
                "the seasonal period in intervals, e.g. season=7 for daily data, or "
                "pass precomputed scales from seasonal_scale()."
            )
        cutoffs = None
        if "cutoff" in frame.columns and "cutoff" not in train.columns:
            cutoffs = frame[list(_SCALE_KEYS)].drop_duplicates()
        scales = seasonal_scale(train, season, cutoffs=cutoffs, y_col=y_col, mask_col=mask_col)
    keys = [k for k in _SCALE_KEYS if k in scales.columns]
    if "unique_id" not in keys:
        raise InvalidFrameError(
            "train: the scale table has no unique_id column. Fix: pass the output of "
            "seasonal_scale() or a mapping unique_id -> scale."
        )
    require_columns(frame, keys, "frame", "evaluate with the same keys as the scales.")
    if "mse_scale" not in scales.columns:
        scales["mse_scale"] = np.nan
    return scales[[*keys, "mae_scale", "mse_scale"]]


def evaluate(
    frame: pd.DataFrame,
    models: str | Sequence[str],
    *,
    y_col: str = "y",
    by: str | Sequence[str] | None = None,
    levels: Sequence[float] = (),
    train: pd.DataFrame | pd.Series | Mapping[Any, float] | None = None,
    season: int | None = None,
    mask_col: str | None = "is_open",
) -> pd.DataFrame:
    """Every accuracy metric for each model and group of a forecast frame.

    Parameters
    ----------
    frame : DataFrame
        Forecasts beside actuals, e.g. ``BacktestResult.forecasts``: ``y_col``, one
        column per model, interval columns ``<model>-lo-<level>`` and
        ``<model>-hi-<level>``, and the ``by`` columns (``unique_id``, ``step``,
        ``cutoff`` ...). Rows where ``mask_col`` is False (closed) or the actual or
        the model's forecast is NaN are left out, per model.
    models : str or sequence of str
        Model columns to score.
    by : str or sequence of str, optional
        Grouping columns; ``"model"`` may be among them and is always in the output.
    levels : sequence of float
        Interval levels in percent to score (coverage, width, pinball, interval score).
    train : DataFrame, Series or mapping, optional
        For MASE and RMSSE: the training history as a long frame (``unique_id``,
        ``ds``, ``y`` and optionally ``cutoff``; see :func:`seasonal_scale`), or
        precomputed scales (the output of :func:`seasonal_scale`, or a mapping from
        ``unique_id`` or ``(unique_id, cutoff)`` to the MAE scale). Without it the
        ``mase`` and ``rmsse`` columns are NaN.
    season : int, optional
        Seasonal period in intervals; needed when ``train`` is a history.
    y_col, mask_col : str
        Column names of the actuals and of the open flag.

    Returns
    -------
    DataFrame
        One row per model and group: ``model``, the ``by`` columns, ``n`` (points
        scored), ``mae``, ``rmse``, ``mase``, ``rmsse``, ``wape``, ``smape``,
        ``bias``, ``relative_bias`` and, per level l with quantiles a/2 and 1 - a/2,
        ``coverage_<l>``, ``width_<l>``, ``interval_score_<l>``,
        ``pinball_q<100 a/2>`` and ``pinball_q<100 (1 - a/2)>`` (80 -> ``pinball_q10``,
        ``pinball_q90``). Rates as in the array functions: ``wape``,
        ``relative_bias`` and ``coverage`` are fractions, ``smape`` is 0..200.

    Notes
    -----
    Everything except MASE/RMSSE is pooled over the rows of a group (``wape`` is
    ``sum|e| / sum y`` of the group). MASE is the mean over the (series, cutoff)
    pairs in the group of ``MAE / mae_scale``, each with the scale of its own
    training part; RMSSE likewise with ``sqrt(MSE / mse_scale)``. Pairs whose
    scale is 0 or unknown are left out of that mean and reported with a
    :class:`~demandcast.exceptions.DataWarning`.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "a", "step": [1, 2, 1, 2],
    ...                    "y": [10.0, 20, 30, 40], "naive": [12.0, 18, 30, 50],
    ...                    "naive-lo-80": [8.0, 15, 25, 45], "naive-hi-80": [14.0, 21, 35, 55]})
    >>> evaluate(fc, "naive", by="step", levels=[80])[["model", "step", "mae", "wape",
    ...                                                 "coverage_80"]]
       model  step  mae  wape  coverage_80
    0  naive     1  1.0  0.05          1.0
    1  naive     2  6.0  0.20          0.5
    """
    model_list = _as_list(models)
    if not model_list:
        raise ConfigError("models: no model given. Fix: pass one or more model column names.")
    group_cols = [c for c in _as_list(by) if c != "model"]
    columns: dict[str, _Columns] = {
        m: (m, {lv: tuple(interval_columns(m, [lv])[1:]) for lv in normalise_level(levels)})
        for m in model_list
    }
    interval_cols = [c for _, bounds in columns.values() for pair in bounds.values() for c in pair]
    require_columns(
        frame,
        [y_col, *model_list, *group_cols, *interval_cols],
        "frame",
        "pass the forecast frame with actuals (e.g. BacktestResult.forecasts) and "
        "model/by/level names that exist in it.",
    )
    return _score(frame, columns, group_cols, train, season, y_col, mask_col)


def _score(
    frame: pd.DataFrame,
    columns: Mapping[str, _Columns],
    group_cols: list[str],
    train: pd.DataFrame | pd.Series | Mapping[Any, float] | None,
    season: int | None,
    y_col: str,
    mask_col: str | None,
) -> pd.DataFrame:
    """The metrics of :func:`evaluate` for each model's point and interval columns."""
    scales = _resolve_scales(frame, train, season, y_col, mask_col)
    scale_keys = [c for c in scales.columns if c in _SCALE_KEYS] if scales is not None else []
    # MASE averages over (series, cutoff) pairs, whatever the scale table is keyed by
    sub_keys = group_cols + [
        k for k in _SCALE_KEYS if scales is not None and k in frame.columns and k not in group_cols
    ]

    y = _column_float(frame, y_col)
    base_ok = ~np.isnan(y) & open_flags(frame, mask_col, missing_open=True)
    groups = _Groups(frame, group_cols)
    subs = _Groups(frame, sub_keys) if scales is not None else None
    results, bad_pairs = [], []
    for model, (point, bounds) in columns.items():
        f = _column_float(frame, point)
        ok = base_ok & ~np.isnan(f)
        err = np.where(ok, f - y, 0.0)
        den = np.abs(y) + np.abs(f)
        with np.errstate(divide="ignore", invalid="ignore"):
            smape_t = np.where(ok & (den > 0), 200.0 * np.abs(err) / den, 0.0)
        n = groups.sum(ok)
        abs_sum, sq_sum = groups.sum(np.abs(err)), groups.sum(err**2)
        y_sum, err_sum = groups.sum(np.where(ok, y, 0.0)), groups.sum(err)
        out = groups.keys.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["n"] = n.astype("int64")
            out["mae"] = abs_sum / n
            out["rmse"] = np.sqrt(sq_sum / n)
            out["mase"] = np.nan
            out["rmsse"] = np.nan
            out["wape"] = _safe_div(abs_sum, y_sum)
            out["smape"] = groups.sum(smape_t) / n
            out["bias"] = err_sum / n
            out["relative_bias"] = _safe_div(err_sum, y_sum)
            for lv, (lo, hi) in bounds.items():
                out = out.assign(**_interval_metrics(frame, lo, hi, lv, y, base_ok, groups))
        if subs is not None and scales is not None:
            scaled = _scaled_errors(subs, groups, ok, np.abs(err), err**2, scale_keys, scales)
            out["mase"], out["rmsse"], bad = scaled
            bad_pairs.extend(bad)
        out.insert(0, "model", model)
        results.append(out)
    if bad_pairs:
        bad_unique = list(dict.fromkeys(bad_pairs))
        warnings.warn(
            f"mase/rmsse: {len(bad_unique)} (series, cutoff) pair(s) have a seasonal scale "
            f"of 0 or none (too little training data) and were left out of the mean, e.g. "
            f"{examples(bad_unique)}. Fix: give more training history or a shorter season.",
            DataWarning,
            stacklevel=3,
        )
    return pd.concat(results, ignore_index=True)


class _Groups:
    """Integer group codes of a frame's key columns, for fast ``np.bincount`` sums."""

    def __init__(self, frame: pd.DataFrame, keys: list[str]) -> None:
        if keys:
            grouped = frame.groupby(keys, sort=True, dropna=False, observed=True)
            self.codes = grouped.ngroup().to_numpy()
            self.size = int(grouped.ngroups)
            _, first = np.unique(self.codes, return_index=True)
            self.first = first
            self.keys = frame[keys].iloc[first].reset_index(drop=True)
        else:
            self.codes = np.zeros(len(frame), dtype="int64")
            self.size = 1
            self.first = np.zeros(1, dtype="int64")
            self.keys = pd.DataFrame(index=pd.RangeIndex(1))

    def sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=values, minlength=self.size)


def _interval_metrics(
    frame: pd.DataFrame,
    lo_col: str,
    hi_col: str,
    level: float,
    y: np.ndarray,
    base_ok: np.ndarray,
    groups: _Groups,
) -> dict[str, np.ndarray]:
    name = f"{level:g}"
    lo, hi = _column_float(frame, lo_col), _column_float(frame, hi_col)
    ok = base_ok & ~np.isnan(lo) & ~np.isnan(hi)
    lo0, hi0, y0 = (np.where(ok, a, 0.0) for a in (lo, hi, y))
    alpha = 1.0 - level / 100.0
    q_lo, q_hi = alpha / 2.0, 1.0 - alpha / 2.0
    d_lo, d_hi = y0 - lo0, y0 - hi0
    score = (
        (hi0 - lo0)
        + 2.0 / alpha * np.clip(-d_lo, 0.0, None)
        + 2.0 / alpha * np.clip(d_hi, 0.0, None)
    )
    n = groups.sum(ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            f"coverage_{name}": groups.sum(ok & (lo0 <= y0) & (y0 <= hi0)) / n,
            f"width_{name}": groups.sum(hi0 - lo0) / n,
            f"interval_score_{name}": groups.sum(score) / n,
            _pinball_name(q_lo): groups.sum(np.maximum(q_lo * d_lo, (q_lo - 1.0) * d_lo)) / n,
            _pinball_name(q_hi): groups.sum(np.maximum(q_hi * d_hi, (q_hi - 1.0) * d_hi)) / n,
        }


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def _scaled_errors(
    subs: _Groups,
    groups: _Groups,
    ok: np.ndarray,
    abs_err: np.ndarray,
    sq_err: np.ndarray,
    scale_keys: list[str],
    scales: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, list[tuple[Any, ...]]]:
    """MASE and RMSSE: mean over (series, cutoff) sub-groups of the scaled errors."""
    n = subs.sum(ok)
    table = subs.keys[scale_keys].merge(scales, on=scale_keys, how="left", validate="many_to_one")
    mae_scale = table["mae_scale"].to_numpy(dtype=float)
    mse_scale = table["mse_scale"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_mase = np.where(mae_scale > 0, subs.sum(abs_err) / n / mae_scale, np.nan)
        q_rmsse = np.where(mse_scale > 0, np.sqrt(subs.sum(sq_err) / n / mse_scale), np.nan)
    scored = n > 0
    bad = scored & ~(mae_scale > 0)
    bad_list = list(table.loc[bad, scale_keys].drop_duplicates().itertuples(index=False, name=None))
    parent = groups.codes[subs.first]  # the output group each sub-group belongs to

    def group_mean(q: np.ndarray) -> np.ndarray:
        use = scored & np.isfinite(q)
        total = np.bincount(parent, weights=np.where(use, q, 0.0), minlength=groups.size)
        count = np.bincount(parent, weights=use.astype(float), minlength=groups.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)

    return group_mean(q_mase), group_mean(q_rmsse), bad_list


def compare_forecasts(
    frame: pd.DataFrame,
    model_a: str,
    model_b: str,
    *,
    y_col: str = "y",
    by: str | None = "unique_id",
    h: int | None = None,
    loss: str | Callable[[np.ndarray], np.ndarray] = "squared",
    alternative: str = "two-sided",
    harvey_correction: bool = True,
    mask_col: str | None = "is_open",
) -> pd.DataFrame:
    """Diebold-Mariano tests of ``model_a`` against ``model_b``, per series and pooled.

    The loss differential ``d = L(y - a) - L(y - b)`` is taken per row (closed rows
    and rows with a NaN actual or forecast dropped) and put in time order: by
    ``cutoff`` (when present), then ``ds``. Each series is tested on its own
    differentials; the pooled test uses the mean differential over series at each
    (cutoff, ds), which keeps the time dependence and the correlation between
    series in the variance.

    Parameters
    ----------
    frame : DataFrame
        Forecasts beside actuals with ``ds``, e.g. ``BacktestResult.forecasts``.
    model_a, model_b : str
        The two model columns; a negative statistic means ``model_a`` has the
        smaller loss.
    by : str or None, default "unique_id"
        Column that defines a series; ``None`` gives only the pooled test.
    h : int, optional
        Horizon for the long-run variance; default the largest ``step`` in the
        frame (the length of one forecast path) or 1 without a ``step`` column.
    loss, alternative, harvey_correction
        As in :func:`diebold_mariano`.
    y_col, mask_col : str
        Column names of the actuals and of the open flag.

    Returns
    -------
    DataFrame
        ``scope`` ("series" or "pooled"), the ``by`` column (missing for the pooled
        row), then the :class:`DMResult` fields. A series with too few points gets
        NaN statistic and p-value rather than an error.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> y = rng.poisson(50, 200).astype(float)
    >>> fc = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 100),
    ...                    "ds": np.tile(pd.date_range("2024-01-01", periods=100), 2),
    ...                    "y": y, "good": np.full(200, 50.0), "bad": np.full(200, 60.0)})
    >>> res = compare_forecasts(fc, "good", "bad")
    >>> res[["scope", "unique_id", "n"]]
        scope unique_id    n
    0  series         a  100
    1  series         b  100
    2  pooled       NaN  100
    >>> bool((res["p_value"] < 0.01).all() and (res["statistic"] < 0).all())
    True
    """
    by_cols = _as_list(by)
    time_cols = [c for c in ("cutoff", "ds") if c in frame.columns]
    require_columns(
        frame,
        [y_col, model_a, model_b, "ds", *by_cols],
        "frame",
        "pass the forecast frame with actuals and a ds column (e.g. BacktestResult.forecasts).",
    )
    if h is None:
        h = int(pd.to_numeric(frame["step"]).max()) if "step" in frame.columns else 1
    h = _check_h_alternative(h, alternative)
    loss_fn = _loss_function(loss)

    y = _column_float(frame, y_col)
    a = _column_float(frame, model_a)
    b = _column_float(frame, model_b)
    ok = ~(np.isnan(y) | np.isnan(a) | np.isnan(b)) & open_flags(frame, mask_col, missing_open=True)
    d = np.asarray(loss_fn(y - a), dtype=float) - np.asarray(loss_fn(y - b), dtype=float)
    tab = pd.DataFrame(
        {c: frame[c].reset_index(drop=True) for c in dict.fromkeys([*by_cols, *time_cols])}
    )
    tab["_d"] = d
    tab["_ok"] = ok
    tab = tab.sort_values([*by_cols, *time_cols], kind="stable")

    def run(diffs: np.ndarray) -> dict[str, Any]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = _dm_from_differential(
                    diffs, h=h, harvey_correction=harvey_correction, alternative=alternative
                )
            return res.to_dict()
        except InvalidFrameError:
            nan = float("nan")
            mean = float(np.mean(diffs)) if len(diffs) else nan
            return DMResult(nan, nan, mean, len(diffs), h, alternative, "none").to_dict()

    rows: list[dict[str, Any]] = []
    if by_cols:
        for key, grp in tab.groupby(by_cols, sort=True, dropna=False):
            ids = dict(zip(by_cols, key if isinstance(key, tuple) else (key,), strict=True))
            rows.append({"scope": "series", **ids, **run(grp.loc[grp["_ok"], "_d"].to_numpy())})
    pooled = tab[tab["_ok"]].groupby(time_cols, sort=True)["_d"].mean().to_numpy()
    rows.append({"scope": "pooled", **run(pooled)})
    return pd.DataFrame(rows, columns=["scope", *by_cols, *DMResult.__dataclass_fields__])


def score_forecast_vs_actual(
    joined: pd.DataFrame,
    by: Sequence[str],
    *,
    train: pd.DataFrame | None = None,
    season: int | None = None,
) -> pd.DataFrame:
    """Accuracy of stored forecasts against actuals, each model scored as in :func:`evaluate`.

    ``joined`` is what :meth:`~demandcast.store.ForecastStore.forecast_vs_actual`
    returns (``model``, ``y``, ``forecast``, ``lo-<level>``/``hi-<level>``, ``as_of``
    and the ``by`` columns). With ``train`` (the actuals) and ``season``, MASE and RMSSE
    are scaled by each series' history up to the run's ``as_of``. Returns ``model``
    and the ``by`` columns, then the :func:`evaluate` metrics, sorted.

    Examples
    --------
    >>> joined = pd.DataFrame({"model": "m", "y": [4.0, 8.0], "forecast": [5.0, 6.0]})
    >>> score_forecast_vs_actual(joined, ["model"])[["model", "n", "mae", "wape", "bias"]]
      model  n  mae  wape  bias
    0     m  2  1.5  0.25  -0.5
    """
    keys = list(by) if "model" in by else ["model", *by]
    group_cols = [k for k in by if k != "model"]
    require_columns(joined, ["y", "forecast", *keys], "joined", "see forecast_vs_actual().")
    bounds = bound_names(bound_levels(joined))
    if train is not None:
        joined = joined.assign(cutoff=joined["as_of"])
    scored = [
        _score(part, {str(model): ("forecast", bounds)}, group_cols, train, season, "y", None)
        for model, part in joined.groupby("model", sort=True)
    ]
    if not scored:
        return pd.DataFrame(columns=[*keys, *_METRIC_COLUMNS])
    out = pd.concat(scored, ignore_index=True)
    out = out[keys + [c for c in out.columns if c not in keys]]
    return out.sort_values(keys, ignore_index=True)
