"""Backtests: rolling-origin evaluation of forecasters, with what was known at each cutoff.

:func:`backtest` cuts the data into windows (:class:`BacktestWindows`), fits clones
of the forecasters at each cutoff on the history up to it, forecasts the next
``gap + h`` steps and keeps the ``h`` scored ones beside the actuals. The result,
:class:`BacktestResult`, scores them (:meth:`~BacktestResult.metrics`,
:meth:`~BacktestResult.leaderboard`), tests differences
(:meth:`~BacktestResult.compare`, Diebold-Mariano with the Harvey-Leybourne-Newbold
correction) and plots them.

Information sets
    At cutoff ``c`` a model trains on rows with ``ds <= c`` and regressors for those
    rows only; past-role regressors never reach beyond ``c``; future-role regressors
    are given for the forecast horizon only (``ds <= test_last``). When ``X`` has an
    ``as_of`` column (the publication time of each value), each (series, ``ds``)
    takes its latest version with ``as_of <= c``, for training and horizon alike.

Closed intervals
    Rows with ``is_open == False`` stay in the forecasts with forecast 0 and are left
    out of the metrics. Intervals absent from the frame (nights a loader left out)
    are treated as closed when the models forecast over them; they are not scored.

Speed
    ``refit=k`` refits every k windows and in between calls the model's
    ``update(df_new, X_new)`` (models without it are refitted, with one log
    message). Work is split into tasks (model x group of windows x chunk of series;
    global models are never split by series) run in-process, with joblib
    (``n_jobs``) or on a dask cluster (``engine="dask"``). The output is sorted, so
    it does not depend on ``n_jobs`` or the engine. Without regressors, on the local
    engine, ``seasonal_naive`` and ``historical_average`` do all series and windows
    in one vectorised pass (a private ``_backtest_fast`` hook) that gives exactly the
    per-window fits' numbers.

Running on a cluster
    Start a scheduler and workers where demandcast is installed (``pip install
    'demandcast[dask]'`` on every machine), e.g. ``dask scheduler`` on one machine and
    ``dask worker tcp://scheduler:8786`` on the others, then call
    ``backtest(..., engine="dask", client="tcp://scheduler:8786")`` or pass a
    ``distributed.Client``. Without ``client`` the current default client
    (``distributed.get_client()``) is used. The frame and regressors are scattered
    to the workers once. Prefer worker processes to threads (``dask worker
    <address> --nworkers <cores> --nthreads 1``): the models spend much of their
    time in Python code that holds the GIL.
"""

from __future__ import annotations

import logging
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _engines, _time
from demandcast._text import examples, kind_of
from demandcast._windows import BacktestWindows, time_grid
from demandcast.exceptions import (
    BacktestError,
    ConfigError,
    DataWarning,
    ForecasterFitError,
    InvalidFrameError,
    MissingDependencyError,
)
from demandcast.forecast_frame import interval_columns, normalise_level
from demandcast.forecasters.base import (
    BaseForecaster,
    clone,
    default_season_length,
    regressors_in_frame,
    tags_of,
)

__all__ = ["BacktestResult", "BacktestWindows", "backtest"]

logger = logging.getLogger("demandcast")

_KEYS = ["unique_id", "ds"]
_OUT_KEYS = ["unique_id", "cutoff", "ds"]
_RESERVED = ("unique_id", "ds", "cutoff", "step", "y", "is_open", "as_of", "model")
_GROUPINGS = ("model", "step", "unique_id", "cutoff")
_NON_REGRESSORS = ("unique_id", "ds", "as_of", "is_open")
_MIN_TRAIN = 2


# ---------------------------------------------------------------------------
# inputs: models, frame, regressors
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    alias: str
    name: str
    proto: BaseForecaster


def _resolve_models(forecasters: Any) -> list[_Model]:
    """Unfitted prototypes (clones) of the forecasters, with unique aliases."""
    from demandcast.forecasters.registry import get_forecaster

    if isinstance(forecasters, (str, BaseForecaster)):
        items: list[tuple[str | None, Any]] = [(None, forecasters)]
    elif isinstance(forecasters, Mapping):
        items = [(str(k), v) for k, v in forecasters.items()]
    elif isinstance(forecasters, Iterable):
        items = [(None, f) for f in forecasters]
    else:
        items = [(None, forecasters)]
    if not items:
        raise ConfigError(
            "forecasters: none given; pass a name such as 'seasonal_naive', a forecaster "
            "object, or a list of them"
        )
    out: list[_Model] = []
    for alias, f in items:
        if isinstance(f, str):
            proto = get_forecaster(f)
        elif isinstance(f, BaseForecaster):
            proto = clone(f)
        else:
            raise ConfigError(
                f"forecasters: {f!r} ({type(f).__name__}) is neither a forecaster name nor a "
                "demandcast forecaster; pass e.g. 'sarima' or demandcast.get_forecaster('gbm')"
            )
        if alias is not None:
            if "alias" not in proto.get_params(deep=False):
                raise ConfigError(
                    f"forecasters: {type(proto).__name__} takes no 'alias' parameter, so it "
                    f"cannot be named {alias!r}; pass it in a list instead of a dict"
                )
            proto.set_params(alias=alias)
        out.append(_Model(str(proto.alias_), str(proto.name), proto))
    aliases = [m.alias for m in out]
    dup = sorted({a for a in aliases if aliases.count(a) > 1})
    if dup:
        raise ConfigError(
            f"forecasters: output column(s) {examples(dup)} would be used twice; give each "
            "model its own alias, e.g. get_forecaster('historical_average', k_weeks=8, "
            "alias='ha8') or a dict {'ha8': ...}"
        )
    bad = [a for a in aliases if a in _RESERVED]
    if bad:
        raise ConfigError(
            f"forecasters: alias(es) {examples(bad)} clash with backtest columns "
            f"{list(_RESERVED)}; choose another alias"
        )
    return out


def _prepare_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Validated ``unique_id, ds, y, is_open`` frame, and whether is_open was given."""
    frame, has_open, _, _ = _prepare_inputs(df, None, None)
    return frame, has_open


def _prepare_inputs(
    df: pd.DataFrame, X: pd.DataFrame | None, roles: Mapping[str, str] | None
) -> tuple[pd.DataFrame, bool, pd.DataFrame | None, Mapping[str, str] | None]:
    """:func:`_prepare_frame` and the regressors, with the numeric columns of ``df``
    decided by the model template (:func:`regressors_in_frame`)."""
    from demandcast.frame import validate_frame

    if not isinstance(df, pd.DataFrame):
        raise BacktestError(f"df must be a long DataFrame (unique_id, ds, y), got {kind_of(df)}")
    if len(df) == 0:
        raise BacktestError("df is empty: a backtest needs rows with unique_id, ds and y")
    aware = "ds" in df.columns and isinstance(df["ds"].dtype, pd.DatetimeTZDtype)
    frame = validate_frame(df, tz=str(df["ds"].dt.tz)) if aware else validate_frame(df)
    X, roles = regressors_in_frame(frame, X, roles)
    has_open = "is_open" in frame.columns
    out = frame[["unique_id", "ds", "y"]].copy()
    out["is_open"] = frame["is_open"].astype(bool).to_numpy() if has_open else True
    out.attrs["freq"] = frame.attrs["freq"]
    return out.reset_index(drop=True), has_open, X, roles


def _to_zone(X: pd.DataFrame, tz: Any, name: str) -> pd.Series:
    """Column ``name`` of ``X`` in ``tz`` (wall-clock values by the DST policy of _time)."""
    try:
        ds = pd.to_datetime(X[name])
    except (TypeError, ValueError) as err:
        raise InvalidFrameError(
            f"X column {name!r} cannot be read as timestamps ({err}); give datetimes"
        ) from None
    return _time.to_local(ds, tz, by=X.get("unique_id"))


def _prepare_regressors(
    X: pd.DataFrame | None, roles: Mapping[str, str] | None, tz: Any
) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """Regressors with ``ds``/``as_of`` in the frame's zone, and the role of each column."""
    from demandcast.signals import validate_roles

    if X is None:
        if roles:
            raise ConfigError(
                f"roles={dict(roles)!r} given without X: pass the regressor frame X or drop roles"
            )
        return None, {}
    if not isinstance(X, pd.DataFrame) or "ds" not in X.columns:
        raise InvalidFrameError(
            "X must be a DataFrame with a 'ds' column, optional 'unique_id' and 'as_of' "
            "(publication time) columns, and one column per regressor"
        )
    role_of = validate_roles(roles, X.columns)
    out = X.copy()
    out["ds"] = _to_zone(out, tz, "ds")
    if "unique_id" in out.columns:
        out["unique_id"] = out["unique_id"].astype(str)
    keys = [k for k in ("unique_id", "ds", "as_of") if k in out.columns]
    if "as_of" in out.columns:
        out["as_of"] = _to_zone(out, tz, "as_of")
        if out["as_of"].isna().any():
            rows = out.loc[out["as_of"].isna(), keys].head(5).astype(str).to_dict("records")
            raise InvalidFrameError(
                f"X column 'as_of' has missing publication times, e.g. {rows}: give every "
                "row the time its value became known"
            )
    dup = out.duplicated(keys)
    if dup.any():
        rows = out.loc[dup, keys].head(5).astype(str).to_dict("records")
        raise InvalidFrameError(
            f"X has duplicate rows for {keys}, e.g. {rows}: keep one row per "
            + ("version (as_of) of " if "as_of" in keys else "")
            + "series and interval"
        )
    return out.sort_values(keys, kind="stable").reset_index(drop=True), role_of


def _known_at(X: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The regressors as they were known at ``cutoff`` (latest version per key)."""
    if "as_of" not in X.columns:
        return X
    keys = [k for k in _KEYS if k in X.columns]
    known = X[X["as_of"] <= cutoff]
    known = known.sort_values("as_of", kind="stable").drop_duplicates(keys, keep="last")
    return known.drop(columns="as_of").sort_values(keys, kind="stable")


def _is_global(model: Any) -> bool:
    """Whether the model, or a forecaster nested in its parameters, is a global model.

    Such a model must see all series at once, so its work is never split by series.
    """
    if isinstance(model, BaseForecaster):
        if tags_of(model)["global_model"]:
            return True
        return any(_is_global(v) for v in model.get_params(deep=False).values())
    if isinstance(model, Mapping):
        return any(_is_global(v) for v in model.values())
    if isinstance(model, (list, tuple)):
        return any(_is_global(v) for v in model)
    return False


def _check_refit(refit: Any) -> int | None:
    """``None`` for ``refit=False`` (fit once), else refit every k windows."""
    if refit is True:
        return 1
    if refit is False:
        return None
    if isinstance(refit, numbers.Integral) and refit >= 1:
        return int(refit)
    raise ConfigError(
        f"refit={refit!r} is not allowed: give True (refit every window), False (fit once, "
        "then update) or a whole number k >= 1 (refit every k windows)"
    )


# ---------------------------------------------------------------------------
# the unit of work
# ---------------------------------------------------------------------------


@dataclass
class _Task:
    """One model over one group of windows for one chunk of series (picklable)."""

    order: tuple[int, int, int]
    alias: str
    model: BaseForecaster
    windows: list[dict[str, Any]]
    series: list[str] | None
    columns: list[str]
    roles: dict[str, str]
    level: tuple
    update: bool
    freq: str
    payload_first: pd.Timestamp = field(default=None)  # type: ignore[assignment]
    payload_last: pd.Timestamp = field(default=None)  # type: ignore[assignment]


def _rows_between(df: pd.DataFrame, first: Any, last: Any) -> np.ndarray:
    ds = df["ds"]
    mask = np.ones(len(df), dtype=bool)
    if first is not None:
        mask &= (ds >= first).to_numpy()
    if last is not None:
        mask &= (ds <= last).to_numpy()
    return mask


def _train_regressors(
    Xk: pd.DataFrame | None, task: _Task, train: pd.DataFrame, cutoff: pd.Timestamp
) -> pd.DataFrame | None:
    if Xk is None:
        return None
    cols = [*task.columns, *(["is_open"] if "is_open" in Xk.columns else [])]
    if not cols:
        return None
    keys = [k for k in _KEYS if k in Xk.columns]
    first = train["ds"].min()
    part = Xk.loc[_rows_between(Xk, first, cutoff), [*keys, *cols]]
    if "unique_id" in keys:
        part = part[part["unique_id"].isin(train["unique_id"].unique())]
    return part.reset_index(drop=True)


def _check_published(
    X_train: pd.DataFrame | None, train: pd.DataFrame, cutoff: pd.Timestamp, columns: list[str]
) -> None:
    """With ``as_of``: every training row needs a version published by the cutoff."""
    if X_train is None or not columns:
        return
    on = [k for k in _KEYS if k in X_train.columns]
    hit = train[_KEYS].merge(X_train[on].assign(_hit=True), on=on, how="left")["_hit"]
    missing = hit.isna().to_numpy()
    if missing.any():
        rows = train.loc[missing, _KEYS].head(5).astype(str).to_dict("records")
        raise BacktestError(
            f"X: {int(missing.sum())} training row(s) have no regressor values published by "
            f"the cutoff {cutoff} (as_of <= cutoff), e.g. {rows}: those values were not known "
            "then; give earlier versions in X or start the backtest later (fewer windows)"
        )


def _future_regressors(
    Xk: pd.DataFrame | None,
    task: _Task,
    grid: pd.DataFrame,
    df: pd.DataFrame,
) -> pd.DataFrame:
    """Future-role regressors and ``is_open`` on the model's forecast grid."""
    flags = grid.merge(df[[*_KEYS, "is_open"]], on=_KEYS, how="left")["is_open"]
    present = flags.notna().to_numpy()
    out = grid.copy()
    is_open = flags.astype("boolean").fillna(False).to_numpy(dtype=bool)  # absent: closed
    future = [c for c in task.columns if task.roles.get(c) == "future"]
    if Xk is not None and (future or "is_open" in Xk.columns):
        on = [k for k in _KEYS if k in Xk.columns]
        extra = [*future, *(["is_open"] if "is_open" in Xk.columns else [])]
        part = Xk.loc[Xk["ds"] <= grid["ds"].max(), [*on, *extra]]
        merged = grid.merge(part, on=on, how="left")
        for col in future:
            values = merged[col].to_numpy(dtype="float64", na_value=np.nan)
            # a closed interval absent from df: its forecast is zeroed anyway
            out[col] = np.where(np.isnan(values) & ~present, 0.0, values)
        if "is_open" in extra:
            is_open &= merged["is_open"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    out["is_open"] = is_open
    return out


def _horizon(last: pd.Timestamp, test_last: pd.Timestamp, freq: str) -> int:
    return max(1, len(_time.local_range(last, test_last, freq, tz=str(last.tz))) - 1)


def _add_note(err: Exception, note: str) -> None:
    if hasattr(err, "add_note"):  # Python >= 3.11; the cause chain stays intact
        err.add_note(note)


def _run_task(task: _Task, df: pd.DataFrame, X: pd.DataFrame | None) -> pd.DataFrame:
    """Fit, update and predict one model over its windows; the scored rows out."""
    if task.series is not None:
        df = df[df["unique_id"].isin(task.series)]
        if X is not None and "unique_id" in X.columns:
            X = X[X["unique_id"].isin(task.series)]
    df = df.reset_index(drop=True)
    cols = interval_columns(task.alias, task.level)
    parts: list[pd.DataFrame] = []
    model: BaseForecaster | None = None
    fitted: set[str] = set()
    prev_cutoff = None
    for w in task.windows:
        cutoff = w["cutoff"]
        test = df.loc[_rows_between(df, w["test_first"], w["test_last"]), _KEYS]
        if test.empty:
            continue
        uids = sorted(test["unique_id"].unique())
        Xk = None if X is None else _known_at(X, cutoff)
        where = f"backtest window {w['window']} (cutoff {cutoff}), model {task.alias!r}"
        try:
            need_fit = model is None or w["refit"] or not task.update or not set(uids) <= fitted
            if not need_fit:
                new = df[
                    (df["ds"] > prev_cutoff)
                    & (df["ds"] <= cutoff)
                    & df["unique_id"].isin(sorted(fitted))
                ]
                if len(new):
                    X_new = _train_regressors(Xk, task, new, cutoff)
                    try:
                        model.update(new.reset_index(drop=True), X_new)  # type: ignore[union-attr]
                    except ForecasterFitError as err:
                        logger.warning("%s: update failed (%s); refitting", where, err)
                        need_fit = True
            if need_fit:
                train = df[
                    df["unique_id"].isin(uids) & _rows_between(df, w["train_first"], cutoff)
                ].reset_index(drop=True)
                X_train = _train_regressors(Xk, task, train, cutoff)
                if X is not None and "as_of" in X.columns:
                    _check_published(X_train, train, cutoff, task.columns)
                if model is None or not tags_of(task.model)["warm_start"]:
                    model = clone(task.model)  # else re-fit the task's own copy, warm
                roles = {c: task.roles[c] for c in task.columns} or None
                # rows of the validated frame: fitted without validating them again
                model._fit_validated(
                    train, task.freq, X_train, roles if X_train is not None else None
                )
                fitted = set(uids)
            prev_cutoff = cutoff
            # each series forecasts from its own last row: h reaches the furthest own
            # test row (a series closed on the cutoff day needs no step past the window)
            ends = test.groupby("unique_id", sort=False)["ds"].max()
            pairs = {(model.last_ds_[str(u)], t) for u, t in ends.items()}
            h = max(_horizon(last, t, task.freq) for last, t in pairs)
            grid = model.future_ds(h)
            X_future = _future_regressors(Xk, task, grid, df)
            fc = model.predict(h, X_future, level=task.level or None)
        except Exception as err:
            _add_note(err, f"raised in {where}")
            err.backtest_model = task.alias  # type: ignore[attr-defined]  # callers drop it
            raise
        out = test.merge(fc[[*_KEYS, *cols]], on=_KEYS, how="left")
        if out[task.alias].isna().any():
            rows = out.loc[out[task.alias].isna(), _KEYS].head(5).astype(str).to_dict("records")
            raise ForecasterFitError(
                task.alias, None, f"{where}: predict gave no forecast for test rows {rows}"
            )
        out.insert(1, "cutoff", cutoff)
        parts.append(out)
    if not parts:
        return pd.DataFrame(columns=[*_OUT_KEYS, *cols])
    return pd.concat(parts, ignore_index=True)


def _fast_paths(
    models: list[_Model],
    frame: pd.DataFrame,
    splits: pd.DataFrame,
    tests: pd.DataFrame,
    X: pd.DataFrame | None,
    level: tuple,
) -> dict[int, np.ndarray]:
    """Forecasts of the models that can do all windows at once, by model position.

    A forecaster class with the tag ``backtest_fast`` defines ``_backtest_fast(frame,
    splits, tests, level)`` giving, for the rows of ``tests``, exactly what fitting at
    each cutoff and predicting gives (columns of :func:`interval_columns`), or None
    when it does not apply. It is used without regressors only (the tag is not
    inherited: a subclass may change what fit and predict do).
    """
    if X is not None:
        return {}
    out: dict[int, np.ndarray] = {}
    for i, m in enumerate(models):
        tags = tags_of(m.proto)
        if not tags["backtest_fast"]:
            continue
        lv = level if tags["intervals"] else ()
        values = m.proto._backtest_fast(frame, splits, tests, lv)  # type: ignore[attr-defined]
        if values is not None:
            out[i] = values
    return out


def _payload(
    task: _Task, df: pd.DataFrame, X: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The rows a task needs, so a worker process receives no more than that."""
    rows = _rows_between(df, task.payload_first, task.payload_last)
    if task.series is not None:
        rows &= df["unique_id"].isin(task.series).to_numpy()
    part = df[rows]
    if X is None:
        return part, None
    xrows = _rows_between(X, None, task.payload_last)
    if task.series is not None and "unique_id" in X.columns:
        xrows &= X["unique_id"].isin(task.series).to_numpy()
    return part, X[xrows]


# ---------------------------------------------------------------------------
# planning: test rows, history check, scales, tasks
# ---------------------------------------------------------------------------


def _series_codes(uid: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``unique_id`` (0, 1, ... in sorted order) and the ids, for a frame
    sorted by series: one pass over runs instead of hashing every row."""
    values = uid.to_numpy()
    if len(values):
        starts = np.r_[0, np.flatnonzero(values[1:] != values[:-1]) + 1]
        firsts = values[starts]
        if len(firsts) == 1 or bool((firsts[1:] > firsts[:-1]).all()):
            codes = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(values)]))
            return codes.astype("int64"), np.asarray(firsts, dtype=object)
    codes, uniques = pd.factorize(uid, sort=True)
    return codes.astype("int64"), np.asarray(uniques, dtype=object)


def _test_table(frame: pd.DataFrame, splits: pd.DataFrame, gap: int, h: int) -> pd.DataFrame:
    grid = time_grid(frame)
    pos = grid.searchsorted(pd.DatetimeIndex(frame["ds"]))
    rows, steps, counts = [], [], []
    for w in splits.itertuples(index=False):
        start = w.cutoff_pos + gap
        sel = np.flatnonzero((pos > start) & (pos <= start + h))
        rows.append(sel)
        steps.append(pos[sel] - start)
        counts.append(len(sel))
    take = np.concatenate(rows)
    out = frame[["unique_id", "ds", "y", "is_open"]].iloc[take].reset_index(drop=True)
    out.insert(2, "cutoff", pd.DatetimeIndex(splits["cutoff"]).repeat(counts))
    out.insert(3, "step", np.concatenate(steps).astype("int64"))
    return out


def _check_history(frame: pd.DataFrame, splits: pd.DataFrame, tests: pd.DataFrame) -> None:
    usable = (frame["y"].notna() & frame["is_open"]).to_numpy()
    codes, uniques = _series_codes(frame["unique_id"])
    tcodes = pd.Index(uniques).get_indexer(tests["unique_id"])
    tcut = pd.DatetimeIndex(tests["cutoff"])
    short: list[tuple[str, pd.Timestamp, int]] = []
    for w in splits.itertuples(index=False):
        need = np.unique(tcodes[tcut == w.cutoff])
        rows = usable & _rows_between(frame, w.train_first, w.cutoff)
        have = np.bincount(codes[rows], minlength=len(uniques))
        for c in need[have[need] < _MIN_TRAIN]:
            short.append((str(uniques[c]), w.cutoff, int(have[c])))
    if short:
        shown = [f"{u!r} has {n} up to cutoff {c}" for u, c, n in short[:5]]
        more = f" (and {len(short) - 5} more)" if len(short) > 5 else ""
        series = sorted({u for u, _, _ in short})
        raise BacktestError(
            f"not enough history: each series tested in a window needs at least {_MIN_TRAIN} "
            f"open observations with a value up to its cutoff; {'; '.join(shown)}{more}. "
            f"Drop those series (df[~df['unique_id'].isin({series[:5]})]), or use fewer "
            "windows, a smaller step or h"
        )


def _check_scored(frame: pd.DataFrame, splits: pd.DataFrame, tests: pd.DataFrame) -> None:
    """Every window must have something to score; a series scored in no window is
    named in a :class:`~demandcast.exceptions.DataWarning`."""
    scored = (tests["y"].notna() & tests["is_open"]).to_numpy()
    per_window = pd.Series(scored).groupby(pd.DatetimeIndex(tests["cutoff"])).sum()
    per_window = per_window.reindex(pd.DatetimeIndex(splits["cutoff"]), fill_value=0)
    empty = per_window.index[per_window.to_numpy() == 0]
    if len(empty):
        shown = ", ".join(str(c) for c in empty[:5])
        raise BacktestError(
            f"{len(empty)} of {len(splits)} windows have nothing to score: every interval "
            f"after cutoff(s) {shown} is closed or has no value. Move the windows (another "
            "step or n_windows) or fill in the missing data"
        )
    scored_ids = set(pd.unique(tests.loc[scored, "unique_id"]))
    never = sorted(set(pd.unique(frame["unique_id"])) - scored_ids)
    if never:
        warnings.warn(
            f"{len(never)} series {'has' if len(never) == 1 else 'have'} nothing to score "
            "in any window (closed, missing or "
            f"ended before the first test step), e.g. {never[:5]}: they are in no metric",
            DataWarning,
            stacklevel=3,
        )


def _group_means(uid: np.ndarray, d: np.ndarray) -> pd.DataFrame:
    """Mean absolute and mean squared ``d`` per series (``np.mean`` of each group in
    row order, so the figures equal a groupby-apply of it)."""
    if uid.dtype.kind in "iu" and not (np.diff(uid) < 0).any():  # sorted codes: runs
        bounds = np.flatnonzero(np.diff(uid)) + 1
        uniques = uid[np.r_[0, bounds]] if len(uid) else uid[:0]
        groups = np.split(d, bounds) if len(d) else []
    else:
        codes, uniques = pd.factorize(uid, sort=True)
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        groups = np.split(d[order], bounds) if len(d) else []
    return pd.DataFrame(
        {
            "unique_id": np.asarray(uniques, dtype=object),
            "mae_scale": np.asarray([np.mean(np.abs(g)) for g in groups], dtype="float64"),
            "mse_scale": np.asarray([np.mean(np.square(g)) for g in groups], dtype="float64"),
            "n_scale": np.asarray([len(g) for g in groups], dtype="int64"),
        }
    )


def _season_back(code: np.ndarray, wall: np.ndarray, offset: int) -> np.ndarray:
    """For each row, the first row of its series at wall-clock time ``wall - offset``
    (-1 when there is none). ``code`` is sorted; ``wall`` in ns."""
    base = int(wall.min()) if len(wall) else 0
    unit = int(np.gcd.reduce(np.r_[wall - base, offset])) or 1
    span = int((wall.max() - base) // unit) + 1 if len(wall) else 1
    if (int(code.max()) + 1 if len(code) else 1) * span >= 2**62:
        # keys too wide for int64: match the pairs with a merge instead
        left = pd.DataFrame({"c": code, "w": wall - offset})
        right = pd.DataFrame({"c": code, "w": wall, "p": np.arange(len(code))})
        right = right.drop_duplicates(["c", "w"])
        return left.merge(right, on=["c", "w"], how="left")["p"].fillna(-1).to_numpy("int64")
    key = code * span + (wall - base) // unit
    order = np.argsort(key, kind="stable")  # equal keys (a repeated DST hour): first row first
    sorted_key = key[order]
    rel = wall - offset - base
    inside = rel >= 0
    want = code * span + np.where(inside, rel, 0) // unit
    pos = np.clip(np.searchsorted(sorted_key, want), 0, len(key) - 1)
    return np.where(inside & (sorted_key[pos] == want), order[pos], -1)


def _train_scale(
    frame: pd.DataFrame, splits: pd.DataFrame, tests: pd.DataFrame, freq: str, season: int
) -> pd.DataFrame:
    """Seasonal-naive in-sample scale of each (series, cutoff), looked up in wall-clock time."""
    from demandcast.scoring import seasonal_scale

    pairs = tests[["unique_id", "cutoff"]].drop_duplicates().reset_index(drop=True)
    step = _time.step(freq)
    if step is None:  # weeks, months: no fixed length, count positions
        out = seasonal_scale(frame, season, cutoffs=pairs)
        return out[["unique_id", "cutoff", "mae_scale", "mse_scale", "n_scale"]]
    codes, uniques = _series_codes(frame["unique_id"])
    ok = (frame["y"].notna() & frame["is_open"]).to_numpy()
    ds_ok = pd.DatetimeIndex(frame["ds"])[ok]
    y_ok = frame["y"].to_numpy(dtype="float64")[ok]
    wall = _time.wall_i8(ds_ok)  # wall-clock, as seasonal_naive
    c_ok = codes[ok]
    prev = _season_back(c_ok, wall, int((season * step).value))
    has = prev >= 0
    prev = prev[has]
    diff = y_ok[has] - y_ok[prev]
    ds = ds_ok[has]
    ds_back = ds_ok[prev]
    code = c_ok[has]
    rows = []
    for w in splits.itertuples(index=False):
        sel = (ds <= w.cutoff) & (ds_back >= w.train_first)
        tab = _group_means(code[sel], diff[sel])
        tab["unique_id"] = uniques[tab["unique_id"].to_numpy(dtype="int64")]
        rows.append(tab.assign(cutoff=w.cutoff))
    table = pd.concat(rows, ignore_index=True)
    out = pairs.merge(table, on=["unique_id", "cutoff"], how="left")
    out["n_scale"] = out["n_scale"].fillna(0).astype("int64")
    return out.sort_values(["unique_id", "cutoff"], kind="stable", ignore_index=True)


def _plan(
    models: list[_Model],
    splits: pd.DataFrame,
    series: list[str],
    every: int | None,
    level: tuple,
    role_of: dict[str, str],
    freq: str,
    workers: int,
) -> list[_Task]:
    windows = splits.to_dict("records")
    tasks: list[_Task] = []
    plans = []
    for m in models:
        tags = tags_of(m.proto)
        update = tags["supports_update"]
        if every != 1 and not update:
            logger.warning(
                "model %r has no update(): refitted at every window (refit=%r asks for "
                "updates between refits), which is slower",
                m.alias,
                every if every is not None else False,
            )
        if not update or every == 1:
            groups = [[dict(w, refit=True)] for w in windows]
        else:
            k = every or len(windows)
            groups = [
                [dict(w, refit=(j == 0)) for j, w in enumerate(windows[i : i + k])]
                for i in range(0, len(windows), k)
            ]
        if tags["warm_start"]:  # each refit starts from the last: one task per chunk
            groups = [[w for group in groups for w in group]]
        columns = [c for c, r in role_of.items() if tags[f"{r}_regressors"]]
        dropped = [c for c in role_of if c not in columns]
        if dropped:
            logger.info(
                "model %r cannot use regressor(s) %s (its tags allow no %s regressors): "
                "backtested without them",
                m.alias,
                examples(dropped),
                "/".join(sorted({role_of[c] for c in dropped})),
            )
        lv = level if tags["intervals"] else ()
        if level and not lv:
            logger.info("model %r gives no intervals: its interval columns are NaN", m.alias)
        plans.append((m, update, groups, columns, lv))
    n_groups = sum(len(p[2]) for p in plans)
    for i, (m, update, groups, columns, lv) in enumerate(plans):
        chunks = _engines.series_chunks(series, 1 if _is_global(m.proto) else workers, n_groups)
        for g, group in enumerate(groups):
            for c, chunk in enumerate(chunks):
                tasks.append(
                    _Task(
                        order=(i, g, c),
                        alias=m.alias,
                        model=m.proto,
                        windows=group,
                        series=chunk,
                        columns=columns,
                        roles={c_: role_of[c_] for c_ in columns},
                        level=lv,
                        update=update,
                        freq=freq,
                        payload_first=min(w["train_first"] for w in group),
                        payload_last=max(w["test_last"] for w in group),
                    )
                )
    return tasks


# ---------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------


def backtest(
    forecasters: Any,
    df: pd.DataFrame,
    *,
    h: int | None = None,
    n_windows: int | None = None,
    step: int | None = None,
    gap: int = 0,
    window: str = "expanding",
    input_size: int | None = None,
    windows: BacktestWindows | None = None,
    refit: bool | int = True,
    X: pd.DataFrame | None = None,
    roles: Mapping[str, str] | None = None,
    level: Iterable[float] | float | None = None,
    season_length: int | None = None,
    n_jobs: int | None = 1,
    engine: str = "local",
    client: Any = None,
    dask_client: Any = None,
    progress: bool | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of one or more forecasters.

    Parameters
    ----------
    forecasters : str, forecaster, list of them, or dict alias -> forecaster
        Registry names (``"seasonal_naive"``) or forecaster objects; objects are
        cloned, never fitted or changed. A dict sets each model's ``alias``.
    df : DataFrame
        Long frame ``unique_id, ds, y`` (optional ``is_open``); other columns are
        not used (give regressors in ``X``).
    h, n_windows, step, gap, window, input_size
        The windows; see :class:`BacktestWindows` (steps count distinct ``ds`` of
        the frame). Or pass ``windows=BacktestWindows(...)`` instead.
    windows : BacktestWindows, optional
        The windows as one object (then leave ``h`` etc. unset).
    refit : bool or int, default True
        ``True``: fit at every cutoff; ``False``: fit at the first cutoff and
        ``update`` afterwards; ``k``: refit every k windows, update in between.
        Models without an ``update`` method are refitted at every window (logged).
        Updated models keep their earlier history (no sliding between refits). A
        model with ``warm_start=True`` (``sarima``, ``prophet``) starts each refit
        from its previous fit of the same series; its windows then run one after
        the other (parallel over series only).
    X : DataFrame, optional
        Regressors: ``ds``, optional ``unique_id`` (absent: shared by all series),
        optional ``as_of`` (publication time of the value; the latest version
        published by each cutoff is used), optional ``is_open`` and the regressor
        columns. Each model gets the columns whose role its tags support (others
        are left out, with a log message); ``is_open`` flags closures.
    roles : dict, optional
        Column -> ``"future"`` (default) or ``"past"``.
    level : float or sequence of float, optional
        Prediction interval levels in percent, e.g. ``(80, 95)``.
    season_length : int, optional
        Season of the MASE/RMSSE scale in intervals (default one week, as in
        ``seasonal_naive``); the scale is looked up in wall-clock time.
    n_jobs : int, default 1
        joblib processes for ``engine="local"`` (``-1``: all cores).
    engine : {"local", "dask"}
        Where tasks run.
    client, dask_client : str or distributed.Client, optional
        The dask scheduler address or client for ``engine="dask"`` (the two names
        are synonyms).
    progress : bool, optional
        Show a tqdm bar; default only when stderr is a terminal.

    Returns
    -------
    BacktestResult

    Raises
    ------
    BacktestError
        Windows cannot be built: bad ``h``/``n_windows``/``step``/``gap``, too few
        steps, an empty frame, a series with too little history, a window with
        nothing to score (every test interval closed or without a value).
    ConfigError
        Bad ``refit``, ``engine``, ``n_jobs``, forecaster names or aliases.

    Warns
    -----
    DataWarning
        A series has nothing to score in any window (it is in no metric).

    Notes
    -----
    With ``step < h`` the test periods of consecutive windows overlap on purpose
    (rolling origin: every step ahead is scored from every cutoff); windows never
    share a cutoff (``step >= 1``) and a series' empty window (a closure) simply
    scores nothing there.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = pd.date_range("2024-01-01", periods=70, freq="D", tz="Europe/Amsterdam")
    >>> y = 100.0 + 20 * (ds.day_of_week == 0) + np.arange(70) % 3
    >>> df = pd.DataFrame({"unique_id": "utrecht/phone", "ds": ds, "y": y})
    >>> res = backtest(["seasonal_naive", "historical_average"], df, h=7, n_windows=3)
    >>> res.forecasts.columns.tolist()
    ['unique_id', 'ds', 'cutoff', 'step', 'y', 'seasonal_naive', 'historical_average']
    >>> len(res.forecasts), int(res.forecasts["step"].max())
    (21, 7)
    >>> res.leaderboard()[["rank", "model"]].to_dict("list")
    {'rank': [1, 2], 'model': ['historical_average', 'seasonal_naive']}
    """
    models = _resolve_models(forecasters)
    given = {"h": h, "n_windows": n_windows, "step": step, "input_size": input_size}
    if windows is not None:
        clash = [k for k, v in given.items() if v is not None]
        if clash or gap or window != "expanding":
            raise ConfigError(
                f"windows= given together with {clash or ['gap/window']}: set the windows "
                "either as one BacktestWindows object or through h, n_windows, ..."
            )
        if not isinstance(windows, BacktestWindows):
            raise ConfigError(f"windows must be a BacktestWindows, got {type(windows).__name__}")
        win = windows
    else:
        if h is None or n_windows is None:
            raise BacktestError(
                "h and n_windows are required, e.g. backtest(models, df, h=28, n_windows=6)"
            )
        win = BacktestWindows(h, n_windows, step, gap, window, input_size)
    every = _check_refit(refit)
    if engine not in ("local", "dask"):
        raise ConfigError(f"engine={engine!r} is not allowed: choose 'local' or 'dask'")
    if client is not None and dask_client is not None:
        raise ConfigError("give the dask client once: client= or dask_client=, not both")
    levels = normalise_level(level)

    frame, has_open, X, roles = _prepare_inputs(df, X, roles)
    freq = str(frame.attrs["freq"])
    splits = win.split(frame)
    Xp, role_of = _prepare_regressors(X, roles, frame["ds"].dt.tz)
    tests = _test_table(frame, splits, win.gap, win.h)
    _check_history(frame, splits, tests)
    _check_scored(frame, splits, tests)
    season = season_length if season_length is not None else default_season_length(freq)
    scales = _train_scale(frame, splits, tests, freq, int(season))

    series = sorted(frame["unique_id"].unique())
    show = _engines.show_progress(progress)
    dask_c, opened = None, False
    if engine == "dask":
        dask_c, opened = _engines.dask_client(client if client is not None else dask_client)
        workers = _engines.dask_workers(dask_c)
    else:
        workers = _engines.n_workers(n_jobs)
    ordered = tests.sort_values(_OUT_KEYS, kind="stable", ignore_index=True)
    fast = {} if engine == "dask" else _fast_paths(models, frame, splits, ordered, Xp, levels)
    tasks = [
        t
        for t in _plan(models, splits, series, every, levels, role_of, freq, workers)
        if t.order[0] not in fast
    ]
    try:
        if engine == "dask":
            results = _engines.run_dask(_run_task, tasks, frame, Xp, dask_c, show)
        else:
            results = _engines.run_local(_run_task, _payload, tasks, frame, Xp, workers, show)
    finally:
        if opened:
            dask_c.close()

    out = ordered if has_open else ordered.drop(columns="is_open")
    for i, m in enumerate(models):
        cols = interval_columns(m.alias, levels)
        if i in fast:
            values = fast[i]
            for j, col in enumerate(cols):
                out[col] = values[:, j] if j < values.shape[1] else np.nan
            continue
        mine = [r for t, r in zip(tasks, results, strict=True) if t.order[0] == i]
        fc = pd.concat(mine, ignore_index=True) if mine else pd.DataFrame(columns=_OUT_KEYS)
        fc = fc.drop_duplicates(_OUT_KEYS)
        for col in cols:  # no interval columns from a model without intervals
            if col not in fc.columns:
                fc[col] = np.nan
        for key in ("cutoff", "ds"):
            fc[key] = _time.to_local(pd.DatetimeIndex(fc[key]), out[key].dt.tz)
        fc["unique_id"] = fc["unique_id"].astype(out["unique_id"].dtype)
        merged = out[_OUT_KEYS].merge(fc[[*_OUT_KEYS, *cols]], on=_OUT_KEYS, how="left")
        for col in cols:
            out[col] = merged[col].to_numpy(dtype="float64")
    return BacktestResult(
        forecasts=out,
        models=[m.alias for m in models],
        names={m.alias: m.name for m in models},
        level=levels,
        windows=win,
        splits=splits.drop(columns="cutoff_pos"),
        train_scale=scales,
        season_length=int(season),
        freq=freq,
    )


# ---------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------


class BacktestResult:
    """Forecasts of every window beside the actuals, with scoring and plots.

    Attributes
    ----------
    forecasts : DataFrame
        ``unique_id, ds, cutoff, step, y`` (``is_open`` when the input had it), one
        column per model and ``<model>-lo-<l>``/``<model>-hi-<l>`` per level; sorted
        by ``unique_id, cutoff, ds``. ``step`` is 1..h within each window.
    models : list of str
        The model columns (aliases), in the order given.
    level : tuple
        The interval levels.
    windows : BacktestWindows
        The window definition.
    splits : DataFrame
        Per window: ``window, cutoff, train_first, test_first, test_last``.
    train_scale : DataFrame
        ``unique_id, cutoff, mae_scale, mse_scale, n_scale``: the in-sample
        seasonal-naive errors of each training part (MASE/RMSSE denominators).
    season_length : int
        Season of that scale, in intervals.
    """

    def __init__(
        self,
        *,
        forecasts: pd.DataFrame,
        models: list[str],
        names: dict[str, str],
        level: tuple,
        windows: BacktestWindows,
        splits: pd.DataFrame,
        train_scale: pd.DataFrame,
        season_length: int,
        freq: str,
    ) -> None:
        self.forecasts = forecasts
        self.models = list(models)
        self.names = dict(names)
        self.level = tuple(level)
        self.windows = windows
        self.splits = splits
        self.train_scale = train_scale
        self.season_length = season_length
        self.freq = freq

    def __repr__(self) -> str:
        w = self.windows
        return (
            f"BacktestResult(models={self.models}, h={w.h}, n_windows={w.n_windows}, "
            f"step={w.step_}, series={self.forecasts['unique_id'].nunique()}, "
            f"rows={len(self.forecasts)})"
        )

    def _check_model(self, name: str, what: str) -> None:
        if name not in self.models:
            raise ConfigError(f"{what}={name!r} is not a model of this backtest: {self.models}")

    def metrics(
        self, by: str | Sequence[str] = ("model",), metrics: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Accuracy per model and group (via :func:`demandcast.scoring.evaluate`).

        Parameters
        ----------
        by : str or sequence of str, default ("model",)
            Any of ``"model"``, ``"step"``, ``"unique_id"``, ``"cutoff"``.
        metrics : sequence of str, optional
            Keep only these metric columns (e.g. ``("wape", "bias")``); default all:
            ``n, mae, rmse, mase, rmsse, wape, smape, bias, relative_bias`` and per
            level coverage, width, interval score and pinball losses.

        Returns
        -------
        DataFrame
            One row per model and group. Closed rows and missing actuals are left out.
        """
        from demandcast.scoring import evaluate

        group = [by] if isinstance(by, str) else list(by)
        bad = [g for g in group if g not in _GROUPINGS]
        if bad:
            raise ConfigError(
                f"by: {examples(bad)} not allowed; group by any of {list(_GROUPINGS)}"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            table = evaluate(
                self.forecasts,
                self.models,
                by=group,
                levels=self.level,
                train=self.train_scale,
            )
        if metrics is None:
            return table
        keys = ["model", *[g for g in group if g != "model"]]
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in names if m not in table.columns or m in keys]
        if unknown:
            choices = [c for c in table.columns if c not in keys]
            raise ConfigError(f"metrics: unknown {examples(unknown)}; choose from {choices}")
        return table[[*keys, *names]]

    def leaderboard(self, metric: str = "wape") -> pd.DataFrame:
        """Models ranked by one metric over all series, windows and steps.

        Lower is better; for ``bias``/``relative_bias`` the absolute value counts and
        for ``coverage_<l>`` the distance to ``l`` %. With a ``seasonal_naive`` model
        in the backtest, ``vs_seasonal_naive`` is the relative improvement over it on
        that score (0.2 = 20 % better, negative = worse). ``wape_floor`` is the
        WAPE that even the true expected counts would score on the same rows if
        arrivals are Poisson (:func:`demandcast.metrics.poisson_floor_wape`, with the
        actuals as the expected counts): a model near it has little left to gain.

        Returns
        -------
        DataFrame
            ``rank``, ``model``, every metric and ``wape_floor``, best model first.
        """
        table = self.metrics(by=("model",))
        if metric not in table.columns or metric in ("model", "n"):
            choices = [c for c in table.columns if c not in ("model", "n")]
            raise ConfigError(f"metric={metric!r} is unknown; choose from {choices}")
        table["wape_floor"] = [self._wape_floor(m) for m in table["model"]]
        values = table[metric].to_numpy(dtype="float64")
        if metric in ("bias", "relative_bias"):
            score = np.abs(values)
        elif metric.startswith("coverage_"):
            score = np.abs(values - float(metric.split("_", 1)[1]) / 100.0)
        else:
            score = values
        table = table.assign(_score=score)
        table = table.sort_values(["_score", "model"], kind="stable", na_position="last")
        table.insert(0, "rank", np.arange(1, len(table) + 1))
        naive = [a for a in self.models if self.names.get(a) == "seasonal_naive"]
        if naive:
            base = float(table.loc[table["model"] == naive[0], "_score"].iloc[0])
            with np.errstate(divide="ignore", invalid="ignore"):
                table["vs_seasonal_naive"] = 1.0 - table["_score"] / base if base > 0 else np.nan
        return table.drop(columns="_score").reset_index(drop=True)

    def _wape_floor(self, model: str) -> float:
        from demandcast.frame import open_flags
        from demandcast.metrics import poisson_floor_wape

        fc = self.forecasts
        scored = fc["y"].notna() & fc[model].notna() & open_flags(fc, missing_open=True)
        y = fc.loc[scored, "y"].to_numpy(dtype="float64")
        return float(poisson_floor_wape(np.clip(y, 0.0, None))) if len(y) else float("nan")

    def compare(
        self, a: str, b: str, loss: str = "squared", alternative: str = "two-sided"
    ) -> pd.DataFrame:
        """Diebold-Mariano test of model ``a`` against ``b``, per series and pooled.

        Uses :func:`demandcast.scoring.compare_forecasts` with the
        Harvey-Leybourne-Newbold correction and ``h`` = the backtest horizon: the
        loss differentials are put in time order (cutoff, then ``ds``) and their
        autocovariances up to lag ``h - 1`` enter the variance, since the errors of
        one window's path of ``h`` forecasts are correlated. The pooled row tests
        the mean differential over series at each (cutoff, ``ds``).

        Parameters
        ----------
        a, b : str
            Model columns. A negative statistic means ``a`` has the smaller loss.
        loss : {"squared", "absolute"}
        alternative : {"two-sided", "less", "greater"}

        Returns
        -------
        DataFrame
            ``scope`` ("series"/"pooled"), ``unique_id``, ``statistic``,
            ``p_value``, ``mean_loss_difference``, ``n``, ``h``, ...
        """
        from demandcast.scoring import compare_forecasts

        self._check_model(a, "a")
        self._check_model(b, "b")
        return compare_forecasts(
            self.forecasts, a, b, h=self.windows.h, loss=loss, alternative=alternative
        )

    def plot(self, unique_id: str | None = None, ax: Any = None) -> Any:
        """Forecasts against actuals per window, and WAPE by horizon step.

        Parameters
        ----------
        unique_id : str, optional
            The series of the top panel (default the first); the bottom panel shows
            that series too, or all series pooled when ``unique_id`` is None.
        ax : matplotlib Axes or pair of Axes, optional
            Draw into these; one Axes gets only the forecast panel.

        Returns
        -------
        matplotlib.figure.Figure
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as err:
            raise MissingDependencyError("matplotlib") from err
        fc = self.forecasts
        uid = unique_id if unique_id is not None else str(fc["unique_id"].iloc[0])
        one = fc[fc["unique_id"] == uid]
        if one.empty:
            raise ConfigError(
                f"unique_id={unique_id!r} is not in the backtest; series: "
                f"{examples(sorted(fc['unique_id'].unique()))}"
            )
        if ax is None:
            fig, axes = plt.subplots(2, 1, figsize=(10, 7), constrained_layout=True)
        else:
            axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
            fig = axes[0].figure
        top = axes[0]
        actual = one.drop_duplicates("ds").sort_values("ds")
        top.plot(actual["ds"], actual["y"], color="black", lw=1.2, label="actual")
        colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
        for i, model in enumerate(self.models):
            color = colors[i % len(colors)]
            for j, (_, part) in enumerate(one.groupby("cutoff", sort=True)):
                top.plot(
                    part["ds"], part[model], color=color, lw=1, label=model if j == 0 else None
                )
        for cut in one["cutoff"].unique():
            top.axvline(cut, color="grey", ls=":", lw=0.8)
        top.set_title(f"{uid}: forecasts per window (dotted: cutoffs)")
        top.legend(loc="upper left", fontsize="small")
        if len(axes) > 1:
            sub = self.forecasts if unique_id is None else one
            part = BacktestResult(
                forecasts=sub,
                models=self.models,
                names=self.names,
                level=(),
                windows=self.windows,
                splits=self.splits,
                train_scale=self.train_scale,
                season_length=self.season_length,
                freq=self.freq,
            ).metrics(by=("model", "step"), metrics=("wape",))
            for i, model in enumerate(self.models):
                rows = part[part["model"] == model]
                axes[1].plot(
                    rows["step"], 100 * rows["wape"], marker=".", label=model,
                    color=colors[i % len(colors)],
                )  # fmt: skip
            axes[1].set_xlabel("step ahead")
            axes[1].set_ylabel("WAPE (%)")
            axes[1].set_title("error by horizon" + ("" if unique_id is None else f" ({uid})"))
            axes[1].legend(loc="upper left", fontsize="small")
        return fig

    def to_csv(self, path: str | Path) -> Path:
        """Write :attr:`forecasts` to a CSV file (ISO times with UTC offset); returns the path."""
        path = Path(path)
        self.forecasts.to_csv(path, index=False)
        return path
