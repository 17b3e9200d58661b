"""The public jobs: what each ``demandcast`` command runs, on a validated config.

:func:`run_forecast` (``forecast``, the nightly job), :func:`run_backtest` (``backtest``),
:func:`run_validate` (``validate``, writes nothing) and :func:`run_report` (``report``)
raise the errors of :mod:`demandcast.exceptions`; the CLI maps them to exit codes.

The nightly job: load -> backtest -> forecast -> store -> staffing -> report.
:func:`run_forecast` holds the run lock of the output folder, reads every source with
the loaders, cuts the data at ``as_of`` (a rerun of a past night sees only what was
known that night), backtests the configured models, fits them, forecasts ``h`` intervals
with interval levels, saves the run in the store (replacing an earlier run of the same
night), turns the chosen model's forecast into staffing per interval and writes the
run's output files into their own folder (``runs/<name>``), then switches ``current``
to it in one step; a skipped step is logged and listed in :attr:`RunSummary.notes`.
Any error of one model (backtest, fit or predict) leaves that model out for the night
with one warning line; the next model serves, and only when none is left the run
fails with :class:`NoModelLeftError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._atomic import write_csv, write_text
from demandcast._lock import run_lock
from demandcast.config import DemandcastConfig, config_hash
from demandcast.exceptions import (
    BacktestError,
    ConfigError,
    DemandcastError,
    ForecasterFitError,
    InputFileError,
    InvalidFrameError,
    NoModelLeftError,
)

__all__ = [
    "BacktestSummary",
    "NoModelLeftError",
    "RunSummary",
    "ValidationSummary",
    "load_data",
    "load_regressors",
    "run_backtest",
    "run_forecast",
    "run_report",
    "run_validate",
]

logger = logging.getLogger("demandcast")


@dataclasses.dataclass
class RunSummary:
    """What one run did.

    Attributes
    ----------
    as_of : datetime.date
        The night of the run (data up to and including this day).
    run_id : int or None
        Id of the run in the store.
    models : list of str
        Models that produced a forecast.
    chosen : str
        The model used for staffing (best backtest score, or first in ``models.use``).
    forecast : DataFrame
        The forecast frame of all models.
    leaderboard : DataFrame or None
        Backtest ranking, when a backtest ran.
    staffing : DataFrame or None
        Agents per interval of the staffed channels.
    failed : dict
        Model -> reason, for models that failed and were left out.
    paths : dict
        Output name -> path written.
    notes : list of str
        Steps skipped and why.
    """

    as_of: dt.date
    run_id: int | None
    models: list[str]
    chosen: str
    forecast: pd.DataFrame
    leaderboard: pd.DataFrame | None = None
    staffing: pd.DataFrame | None = None
    failed: dict[str, str] = dataclasses.field(default_factory=dict)
    paths: dict[str, Path] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    n_series: int = 0


@dataclasses.dataclass
class BacktestSummary:
    """What one :func:`run_backtest` did.

    Attributes
    ----------
    as_of : datetime.date
        The last day of data the backtest used.
    result : BacktestResult
        The backtest of the models that ran; ``leaderboard`` is its
        ``leaderboard(config.backtest.metric)``, written to ``path`` (CSV).
    failed : dict
        Model -> reason, for models that failed and were left out.
    """

    as_of: dt.date
    result: Any
    leaderboard: pd.DataFrame
    failed: dict[str, str]
    path: Path


@dataclasses.dataclass
class ValidationSummary:
    """What :func:`run_validate` found: the ``config`` and the data it reads are usable.

    Attributes
    ----------
    models : list of str
        The configured models (each one built with its parameters).
    n_series : int
        Series in the data, from local date ``first`` to ``last``.
    roles : dict
        Regressor name -> role (``"future"`` or ``"past"``).
    store_url : str
        The store URL with any password replaced by ``***``.
    """

    config: DemandcastConfig
    models: list[str]
    n_series: int
    first: dt.date
    last: dt.date
    roles: dict[str, str]
    store_url: str


# ---------------------------------------------------------------------------- loading


def _data_span() -> tuple[str, str]:
    # Closure days are listed over a generous span so any data or horizon is covered.
    today = dt.date.today()
    return "2000-01-01", f"{today.year + 3}-12-31"


def load_data(config: DemandcastConfig, freq: str | None = None) -> pd.DataFrame:
    """Read every source with its loader into one long frame at ``freq``.

    Parameters
    ----------
    config : DemandcastConfig
    freq : str, optional
        Interval of the counts; default ``config.forecast.freq``.

    Returns
    -------
    DataFrame
        ``unique_id, ds, y`` (+ side columns), validated, sorted.

    Raises
    ------
    InputFileError
        A source file is missing or cannot be read (names the file and source).
    InvalidFrameError
        The loaded data breaks the long-frame rules.
    """
    from demandcast import loaders
    from demandcast.frame import validate_frame

    freq = freq or config.forecast.freq
    start, end = _data_span()
    frames = []
    for i, src in enumerate(config.sources):
        where = f"sources[{i}] ({src.channel}, {src.path})"
        if not src.path.exists():
            raise InputFileError(
                f"{where}: file not found; fix sources[{i}].path in the config "
                f"(relative paths are read from the config file's folder)"
            )
        loader = getattr(loaders, f"load_{src.channel}")
        kwargs = src.loader_kwargs()
        allowed = set(inspect.signature(loader).parameters)
        unknown = sorted(k for k in kwargs if k not in allowed)
        if unknown:
            raise ConfigError(
                f"sources[{i}]: load_{src.channel} has no option(s) {unknown}; allowed: "
                f"{sorted(allowed - {'source'})}"
            )
        if src.channel != "counts":
            hours = config.opening_hours_for(src.channel, start, end)
            if hours is not None:
                kwargs["opening_hours"] = hours
        try:
            frame = loader(src.path, freq=freq, **kwargs)
        except (InputFileError, InvalidFrameError, ConfigError) as err:
            raise type(err)(f"{where}: {err}") from err
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    dup = df.duplicated(["unique_id", "ds"])
    if dup.any():
        ids = sorted(df.loc[dup, "unique_id"].astype(str).unique())[:5]
        raise InvalidFrameError(
            f"sources: series {ids} come from more than one source (duplicate unique_id, ds); "
            "give each source its own location or channel"
        )
    return validate_frame(df)


def _cut(df: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Rows before local midnight after ``as_of``: what was known that night."""
    keep = _time.local_dates(df["ds"]) <= pd.Timestamp(as_of)
    return df.loc[keep.to_numpy()].reset_index(drop=True)


def _to_grid(ds: pd.Series, freq: str, tz: str) -> pd.Series:
    ds = _time.to_local(pd.to_datetime(ds), tz)
    if (_time.step(freq) or _time.DAY) >= _time.DAY:
        return ds.dt.normalize()
    return _time.floor(ds, freq)


def load_regressors(
    config: DemandcastConfig, freq: str, tz: str = "Europe/Amsterdam"
) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """Read the regressor files into one frame on the forecast grid.

    Returns
    -------
    (DataFrame or None, dict)
        ``ds`` plus one column per regressor (values summed, averaged or maxed into
        each interval; NaN outside the range a file covers) and the roles.

    Raises
    ------
    InputFileError
        A file is missing or lacks the named columns.
    """
    from demandcast.loaders import read_table

    if not config.regressors:
        return None, {}
    out: pd.DataFrame | None = None
    roles: dict[str, str] = {}
    for i, reg in enumerate(config.regressors):
        where = f"regressors[{i}] ({reg.name}, {reg.path})"
        if not reg.path.exists():
            raise InputFileError(f"{where}: file not found; fix regressors[{i}].path")
        table = read_table(reg.path, sep=reg.sep, decimal=reg.decimal)
        column = reg.column or reg.name
        missing = [c for c in (reg.time_col, column) if c not in table.columns]
        if missing:
            raise InputFileError(
                f"{where}: column(s) {missing} not in the file (columns: "
                f"{list(table.columns)[:8]}); set regressors[{i}].time_col / .column"
            )
        ds = _to_grid(table[reg.time_col], freq, tz)
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ds.isna()
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy())[:5] + 2).tolist()
            raise InputFileError(
                f"{where}: {int(bad.sum())} row(s) with an unreadable time or value, e.g. "
                f"lines {rows}; fix or remove them"
            )
        part = (
            pd.DataFrame({"ds": ds, reg.name: values.astype("float64")})
            .groupby("ds", sort=True)[reg.name]
            .agg(reg.aggregate)
        )
        grid = _time.local_range(part.index.min(), part.index.max(), freq, tz=tz)
        part = part.reindex(grid, fill_value=0.0).rename_axis("ds").reset_index()
        out = part if out is None else out.merge(part, on="ds", how="outer")
        roles[reg.name] = reg.role
    return out.sort_values("ds").reset_index(drop=True), roles


def _check_coverage(
    X: pd.DataFrame, roles: dict[str, str], rows: pd.DataFrame, *, what: str
) -> None:
    """Every regressor of the right role must have a value on each ``rows.ds``."""
    need = rows[["ds"]].drop_duplicates()
    merged = need.merge(X, on="ds", how="left")
    for name, role in roles.items():
        if what == "horizon" and role != "future":
            continue
        gap = merged[name].isna().to_numpy()
        if gap.any():
            missing = merged.loc[gap, "ds"].sort_values()
            shown = [str(t.date()) for t in missing.head(5)]
            raise InputFileError(
                f"regressor {name!r} ({role}) has no values for {int(gap.sum())} interval(s) of "
                f"the {what}, from {shown}; extend its file to cover "
                f"{missing.min().date()}..{missing.max().date()}"
            )


# ---------------------------------------------------------------------------- models


def _make_models(config: DemandcastConfig) -> dict[str, Any]:
    from demandcast.forecasters.registry import get_forecaster

    models = {}
    for name in config.models.use:
        params = dict(config.models.params.get(name, {}))
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        try:
            models[name] = get_forecaster(name, **params)
        except ConfigError as err:
            raise ConfigError(f"models.{name}: {err}") from err
    return models


def _usable(model: Any, roles: dict[str, str]) -> list[str]:
    from demandcast.forecasters.base import tags_of

    tags = tags_of(model)
    return [c for c, r in roles.items() if tags[f"{r}_regressors"]]


def _one_line(text: str) -> str:
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _drop_model(failed: dict[str, str], name: str, step: str, err: BaseException) -> None:
    """Leave model ``name`` out for the night: record its reason, warn in one line.

    The reason is :attr:`ForecasterFitError.reason` or ``"<ErrorType>: <message>"``; the
    warning names the model, the step (backtest, fit or predict), the series when the
    error knows it, and the reason.
    """
    if isinstance(err, ForecasterFitError):
        reason, series = _one_line(err.reason), err.unique_id
    else:
        reason, series = f"{type(err).__name__}: {_one_line(str(err))}", None
    failed[name] = reason
    where = f"{step} of series {series!r}" if series else step
    logger.warning("model %r left out for this night (%s failed): %s", name, where, reason)


def _failed_model(err: BaseException, names: Any) -> str | None:
    """The model a backtest error belongs to (``None``: not one model's error)."""
    blamed = getattr(err, "backtest_model", None)
    if blamed in names:
        return str(blamed)
    if isinstance(err, ForecasterFitError) and err.model in names:
        return err.model
    return None


def _backtest_models(
    config: DemandcastConfig,
    df: pd.DataFrame,
    X: pd.DataFrame | None = None,
    roles: dict[str, str] | None = None,
    *,
    models: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> tuple[Any, dict[str, str]]:
    """Backtest the models on ``df``; a model that fails is dropped and the rest rerun.

    Any error of one model (a :class:`DemandcastError` or another exception raised in
    its fit or predict of a window) drops that model with one warning line; a
    :class:`BacktestError` (the data cannot hold the windows) is raised as it is.

    Returns the :class:`~demandcast.backtest.BacktestResult` and model -> reason for the
    models that failed; raises :class:`NoModelLeftError` when every model failed.
    """
    from demandcast.backtest import backtest

    models = dict(models if models is not None else _make_models(config))
    roles = roles or {}
    failed: dict[str, str] = {}
    cfg = config.backtest
    while models:
        try:
            res = backtest(
                models,
                df,
                h=cfg.h or config.forecast.h,
                n_windows=cfg.n_windows,
                step=cfg.step,
                refit=cfg.refit,
                X=X,
                roles=roles or None,
                level=tuple(config.forecast.level) or None,
                n_jobs=cfg.n_jobs,
                progress=progress,
            )
            return res, failed
        except BacktestError:
            raise
        except Exception as err:
            name = _failed_model(err, models)
            if name is None:
                raise
            _drop_model(failed, name, "backtest", err)
            models.pop(name)
    raise NoModelLeftError(failed)


def _fit_predict(
    name: str,
    model: Any,
    df: pd.DataFrame,
    X: pd.DataFrame | None,
    roles: dict[str, str],
    h: int,
    level: list[float],
) -> pd.DataFrame:
    cols = _usable(model, roles) if X is not None else []
    if cols:
        use_roles = {c: roles[c] for c in cols}
        model.fit(df, X=X[["ds", *cols]], roles=use_roles)
        future = [c for c in cols if roles[c] == "future"]
        X_future = None
        if future:
            grid = model.future_ds(h)
            X_future = grid[["ds"]].drop_duplicates().merge(X[["ds", *future]], on="ds", how="left")
        fc = model.predict(h, X_future=X_future, level=level or None)
    else:
        model.fit(df)
        fc = model.predict(h, level=level or None)
    alias = model.alias_
    if alias != name:
        fc = fc.rename(
            columns={c: name + c[len(alias) :] for c in fc.columns if c.startswith(alias)}
        )
    return fc


def _rank(config: DemandcastConfig, ok: list[str], leaderboard: pd.DataFrame | None) -> list[str]:
    if config.models.select != "best":
        first = config.models.select
        return [first, *[m for m in ok if m != first]] if first in ok else ok
    if leaderboard is not None and "model" in leaderboard.columns:
        ranked = [m for m in leaderboard["model"].astype(str) if m in ok]
        return ranked + [m for m in ok if m not in ranked]
    return ok


# ---------------------------------------------------------------------------- staffing


def _channel_of(unique_id: str) -> str:
    parts = str(unique_id).split("/")
    return parts[1] if len(parts) > 1 else parts[0]


def _interval_forecast(
    config: DemandcastConfig,
    fc: pd.DataFrame,
    chosen: str,
    history: pd.DataFrame,
    notes: list[str],
) -> pd.DataFrame | None:
    """The chosen model's forecast on the staffing grid (split daily -> intervals)."""
    cols = [
        "unique_id",
        "ds",
        *[c for c in fc.columns if c == chosen or c.startswith(chosen + "-")],
    ]
    part = fc[cols]
    if (_time.step(config.forecast.freq) or _time.DAY) < _time.DAY:
        return part
    from demandcast import intraday

    start, end = _data_span()
    hours = {
        uid: config.opening_hours_for(_channel_of(uid), start, end)
        for uid in part["unique_id"].astype(str).unique()
    }
    hours = {uid: h for uid, h in hours.items() if h is not None} or None
    interval = config.staffing.interval
    try:
        history = history[history["unique_id"].isin(part["unique_id"].unique())]
        profiles = intraday.intraday_profiles(history, freq=interval, opening_hours=hours)
        return intraday.split(part, profiles, freq=interval, opening_hours=hours)
    except Exception as err:  # a split problem must not lose the stored forecast
        notes.append(f"staffing skipped: intraday split failed ({type(err).__name__}: {err})")
        return None


def _staffing(
    config: DemandcastConfig,
    fc: pd.DataFrame,
    chosen: str,
    history_loader: Any,
    notes: list[str],
) -> pd.DataFrame | None:
    from demandcast.staffing import required_staff

    channels = config.staffing.channels()
    if not channels:
        return None
    wanted = fc[fc["unique_id"].map(_channel_of).isin(list(channels))]
    if wanted.empty:
        notes.append(f"staffing skipped: no forecast series of channels {sorted(channels)}")
        return None
    history = None
    if (_time.step(config.forecast.freq) or _time.DAY) >= _time.DAY:
        history = history_loader()
    interval_fc = _interval_forecast(config, wanted, chosen, history, notes)
    if interval_fc is None:
        return None
    parts = []
    for channel, norms in channels.items():
        sub = interval_fc[interval_fc["unique_id"].map(_channel_of) == channel]
        if sub.empty:
            continue
        staff = required_staff(
            sub.reset_index(drop=True),
            aht=norms.aht_seconds,
            target=(norms.target_sl, norms.target_seconds),
            shrinkage=norms.shrinkage,
            max_occupancy=norms.max_occupancy,
            quantile=norms.quantile,
            model=norms.model,
            patience=norms.patience_seconds,
            value_col=chosen,
        )
        staff.insert(2, "channel", channel)
        parts.append(staff)
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------- outputs


#: Sub-folder of the output folder holding one folder per run, and the link to the
#: current run's folder.
RUNS_DIR, CURRENT = "runs", "current"


def _write_report(path: Path, summary: RunSummary, backtest_res: Any) -> Path | None:
    """The HTML report of the run; a failure is noted in the summary, not raised."""
    from demandcast.report import write_report

    try:
        write_report(
            path,
            history=getattr(summary, "_history", None),
            forecast=summary.forecast,
            backtest=backtest_res,
            staffing=summary.staffing,
            title=f"demandcast forecast of {summary.as_of} (run {summary.run_id})",
            model=summary.chosen,
        )
    except Exception as err:
        summary.notes.append(f"report skipped: write_report failed ({type(err).__name__}: {err})")
        logger.warning("report not written: %s: %s", type(err).__name__, err)
        return None
    return path


def _with_run_id(frame: pd.DataFrame, run_id: int | None) -> pd.DataFrame:
    out = frame.copy()
    if "ds" in out.columns:
        out["ds"] = out["ds"].astype(str)
    out.insert(0, "run_id", run_id)
    return out


def _current_as_of(folder: Path) -> dt.date | None:
    """The night of the current output set (``None``: no current set yet)."""
    path = folder / CURRENT / "summary.json"
    try:
        return dt.date.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["as_of"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_outputs(config: DemandcastConfig, summary: RunSummary, backtest_res: Any) -> None:
    """Write the run's outputs into their own folder, then make them current at once.

    The files go to ``<folder>/runs/.<name>.tmp/`` and that folder is renamed to
    ``<folder>/runs/<name>`` (``<as_of>_run<run_id>_<UTC time>``) when complete. The
    symlink ``<folder>/current`` is then switched to it in one ``os.replace``, unless
    the run is of an earlier night than the current set (a rerun of a past night
    writes its own folder only). The documented paths ``<folder>/forecasts.csv`` etc.
    are symlinks to ``current/<file>``, so they always show one complete set.
    Temporary files and folders a killed run left behind are removed first.
    """
    from demandcast._atomic import publish_dir, remove_stale, switch_link

    out = config.output
    folder = out.folder
    runs = folder / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    for stale in [*remove_stale(folder), *remove_stale(runs)]:
        logger.info("removed %s, left by an interrupted run", stale)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{summary.as_of}_run{summary.run_id}_{stamp}"
    tmp, final = runs / f".{name}.tmp", runs / name
    tmp.mkdir()
    files: dict[str, str] = {"forecasts": out.forecasts}
    write_csv(tmp / out.forecasts, _with_run_id(summary.forecast, summary.run_id))
    if summary.staffing is not None:
        write_csv(tmp / out.staffing, _with_run_id(summary.staffing, summary.run_id))
        files["staffing"] = out.staffing
    if summary.leaderboard is not None:
        write_csv(tmp / out.backtest, _with_run_id(summary.leaderboard, summary.run_id))
        files["backtest"] = out.backtest
    if out.report and _write_report(tmp / out.report, summary, backtest_res) is not None:
        files["report"] = out.report
    files["summary"] = out.summary
    previous = _current_as_of(folder)
    current = previous is None or summary.as_of >= previous
    summary.paths = {k: final / f for k, f in files.items()}
    info = {
        "as_of": str(summary.as_of),
        "run_id": summary.run_id,
        "run_folder": str(final),
        "current": current,
        "models": summary.models,
        "chosen": summary.chosen,
        "failed": summary.failed,
        "n_series": summary.n_series,
        "notes": summary.notes,
        "paths": {k: str(v) for k, v in summary.paths.items()},
    }
    write_text(tmp / out.summary, json.dumps(info, indent=2) + "\n")
    publish_dir(tmp, final)
    if not current:
        summary.notes.append(
            f"outputs written to {final} only: the current outputs are of a later night "
            f"({previous})"
        )
        logger.info(summary.notes[-1])
        return
    names = [
        out.forecasts,
        out.staffing,
        out.backtest,
        out.summary,
        *([out.report] if out.report else []),
    ]
    for file in names:  # stable links into current/: switched with it, at once
        link = folder / file
        target = f"{CURRENT}/{file}"
        if not (link.is_symlink() and os.readlink(link) == target):
            switch_link(link, target)
    switch_link(folder / CURRENT, f"{RUNS_DIR}/{name}")


# ---------------------------------------------------------------------------- the run


def _as_date(as_of: Any) -> dt.date:
    """A night: a date or timestamp as it is, text exactly as YYYY-MM-DD."""
    from demandcast.config import parse_day

    if isinstance(as_of, str):
        try:
            return parse_day(as_of)
        except ConfigError as err:
            raise ConfigError(f"as_of = {as_of!r}: not a date; give it as YYYY-MM-DD") from err
    try:
        return pd.Timestamp(as_of).date()
    except (ValueError, TypeError) as err:
        raise ConfigError(
            f"as_of = {as_of!r}: not a date; give it as YYYY-MM-DD (e.g. 2025-03-01)"
        ) from err


def _data_as_of(config: DemandcastConfig, as_of: Any) -> tuple[pd.DataFrame, dt.date]:
    """The loaded data up to the night ``as_of`` (default: the config's, else the last day)."""
    df_all = load_data(config)
    as_of = as_of if as_of is not None else config.forecast.as_of
    last = _time.local_dates(df_all["ds"]).max().date()
    as_of_date = last if as_of is None else _as_date(as_of)
    df = _cut(df_all, as_of_date)
    if df.empty:
        first = _time.local_dates(df_all["ds"]).min().date()
        raise InputFileError(
            f"as_of = {as_of_date}: no data up to that day (the data starts {first}); "
            "pick a later --as-of"
        )
    return df, as_of_date


def run_forecast(
    config: DemandcastConfig,
    as_of: Any = None,
    progress: bool | None = None,
    *,
    backtest: bool | None = None,
    lock: bool = True,
) -> RunSummary:
    """Run the nightly job once and return what it did.

    Parameters
    ----------
    config : DemandcastConfig
        From :func:`demandcast.config.load_config`.
    as_of : date or str, optional
        The night to (re)run: only data up to and including this day is used, and the
        run replaces any earlier run of that night in the store. Default
        ``config.forecast.as_of``, else the last day in the data.
    progress : bool, optional
        Progress bars (default: only when stderr is a terminal).
    backtest : bool, optional
        Override ``config.backtest.enabled``.
    lock : bool, default True
        Hold the run lock of the output folder (two runs never overlap).

    Returns
    -------
    RunSummary

    Raises
    ------
    ConfigError, InputFileError, InvalidFrameError
        Bad config or input (CLI exit code 2).
    NoModelLeftError
        Every model failed (exit code 3); recorded as a failed run in the store.
    LockHeldError
        Another run holds the lock (exit code 4).
    """
    if lock:
        with run_lock(config.output.folder):
            return run_forecast(config, as_of, progress, backtest=backtest, lock=False)

    notes: list[str] = []
    models = _make_models(config)
    df, as_of_date = _data_as_of(config, as_of)
    tz = str(df["ds"].dt.tz)
    h = config.forecast.h
    X, roles = load_regressors(config, config.forecast.freq, tz)
    if X is not None:
        past = [c for c, r in roles.items() if r == "past"]
        if past:
            after = (_time.local_dates(X["ds"]) > pd.Timestamp(as_of_date)).to_numpy()
            X.loc[after, past] = np.nan
        _check_coverage(X, roles, df, what="history")
        last = df["ds"].max()
        horizon = pd.DataFrame({"ds": _time.future_index(last, h, config.forecast.freq)})
        _check_coverage(X, roles, horizon, what="horizon")
        X = X.dropna(subset=[c for c, r in roles.items() if r == "future"]).reset_index(drop=True)

    failed: dict[str, str] = {}
    leaderboard = None
    bt_res = None
    run_bt = config.backtest.enabled if backtest is None else backtest
    if run_bt:
        try:
            bt_res, failed = _backtest_models(
                config, df, X, roles, models=models, progress=progress
            )
            leaderboard = bt_res.leaderboard(config.backtest.metric)
        except BacktestError as err:
            notes.append(f"backtest skipped: {err}")
            logger.warning("backtest skipped: %s", err)
        except NoModelLeftError as err:
            failed = dict(err.failures)

    forecasts: dict[str, pd.DataFrame] = {}
    for name, model in models.items():
        if name in failed:
            continue
        logger.info("fitting %s on %d series up to %s", name, df["unique_id"].nunique(), as_of_date)
        try:
            forecasts[name] = _fit_predict(name, model, df, X, roles, h, config.forecast.level)
        except Exception as err:  # one model's error never sinks the night
            _drop_model(failed, name, "fit/predict", err)

    from demandcast import store as store_module

    chash = config_hash(config)
    if not forecasts:
        err = NoModelLeftError(failed)
        try:
            with store_module.ForecastStore(config.store.url) as store:
                store.record_failure(as_of=as_of_date, message=str(err), config_hash=chash)
        except DemandcastError as store_err:  # keep the model error as the reason
            logger.warning("could not record the failed run: %s", store_err)
        raise err

    ok = list(forecasts)
    ranked = _rank(config, ok, leaderboard)
    chosen = ranked[0]
    fc = None
    for name in ranked:
        part = forecasts[name]
        fc = part if fc is None else fc.merge(part, on=["unique_id", "ds"], how="outer")
    fc = fc.sort_values(["unique_id", "ds"]).reset_index(drop=True)

    with store_module.ForecastStore(config.store.url) as store:
        run_id = store.save_run(fc, as_of=as_of_date, config_hash=chash, replace=True)
        store.save_actuals(df[["unique_id", "ds", "y"]].dropna(subset=["y"]))

    def history_loader() -> pd.DataFrame:
        return _cut(load_data(config, config.staffing.interval), as_of_date)

    staffing = _staffing(config, fc, chosen, history_loader, notes)
    summary = RunSummary(
        as_of=as_of_date,
        run_id=run_id,
        models=ranked,
        chosen=chosen,
        forecast=fc,
        leaderboard=leaderboard,
        staffing=staffing,
        failed=failed,
        notes=notes,
        n_series=int(fc["unique_id"].nunique()),
    )
    summary._history = df  # type: ignore[attr-defined]
    _write_outputs(config, summary, bt_res)
    for note in notes:
        logger.info(note)
    return summary


def run_backtest(
    config: DemandcastConfig,
    as_of: Any = None,
    progress: bool | None = None,
    *,
    lock: bool = True,
) -> BacktestSummary:
    """Backtest the configured models on the data up to ``as_of``; write the leaderboard.

    The job of ``demandcast backtest``: the windows, models and metric of the config's
    ``[backtest]`` and ``[models]`` tables, the regressors with their roles; a model
    that fails is left out and the others run again. Nothing is stored.

    Parameters
    ----------
    config : DemandcastConfig
        From :func:`demandcast.config.load_config`.
    as_of : date or str, optional
        Use only data up to and including this day. Default ``config.forecast.as_of``,
        else the last day in the data.
    progress : bool, optional
        Progress bars (default: only when stderr is a terminal).
    lock : bool, default True
        Hold the run lock of the output folder (a nightly run never overlaps).

    Returns
    -------
    BacktestSummary

    Raises
    ------
    ConfigError, InputFileError, InvalidFrameError, BacktestError
        Bad config or input, or too little data for the windows (CLI exit code 2).
    NoModelLeftError
        Every model failed (exit code 3).
    LockHeldError
        Another run holds the lock (exit code 4).

    Examples
    --------
    >>> from demandcast.config import load_config
    >>> from demandcast.demo import write_demo
    >>> config = load_config(write_demo("demo", quick=True))
    >>> bt = run_backtest(config, as_of="2024-05-15")
    >>> bt.as_of, sorted(bt.leaderboard["model"]), bt.failed, bt.path.name
    (datetime.date(2024, 5, 15), ['historical_average', 'seasonal_naive'], {}, 'backtest.csv')
    """
    if lock:
        with run_lock(config.output.folder):
            return run_backtest(config, as_of, progress, lock=False)
    df, as_of_date = _data_as_of(config, as_of)
    X, roles = load_regressors(config, config.forecast.freq, str(df["ds"].dt.tz))
    res, failed = _backtest_models(config, df, X, roles, progress=progress)
    board = res.leaderboard(config.backtest.metric)
    path = write_csv(config.output.folder / config.output.backtest, board)
    return BacktestSummary(
        as_of=as_of_date, result=res, leaderboard=board, failed=failed, path=path
    )


def run_validate(config: DemandcastConfig) -> ValidationSummary:
    """Check that the config's models build and its data and regressor files load.

    The job of ``demandcast validate``: it reads everything a nightly run reads, builds
    every configured model with its parameters and fits it on a short slice of the
    data (so a parameter a model cannot use fails here, not in the night), and writes
    nothing (no store, no output folder, no lock).

    Parameters
    ----------
    config : DemandcastConfig
        From :func:`demandcast.config.load_config` (which has checked the keys).

    Returns
    -------
    ValidationSummary

    Raises
    ------
    ConfigError, InputFileError, InvalidFrameError
        A model parameter, a source or regressor file or the data is not usable (the
        message names the key or the file and the fix).

    Examples
    --------
    >>> from demandcast.config import load_config
    >>> from demandcast.demo import write_demo
    >>> found = run_validate(load_config(write_demo("demo", quick=True)))
    >>> found.n_series, found.models
    (7, ['seasonal_naive', 'historical_average'])
    >>> found.first, found.last
    (datetime.date(2024, 1, 1), datetime.date(2024, 5, 31))
    >>> found.roles
    {'mailing_letters': 'future', 'social_mentions': 'past'}
    """
    from demandcast.store import mask_url

    models = _make_models(config)
    df = load_data(config)
    _try_models(models, df)
    X, roles = load_regressors(config, config.forecast.freq, str(df["ds"].dt.tz))
    if X is not None:
        _check_coverage(X, roles, df, what="history")
    dates = _time.local_dates(df["ds"])
    return ValidationSummary(
        config=config,
        models=list(models),
        n_series=int(df["unique_id"].nunique()),
        first=dates.min().date(),
        last=dates.max().date(),
        roles=roles,
        store_url=mask_url(config.store.url),
    )


def _try_models(models: dict[str, Any], df: pd.DataFrame) -> None:
    """Fit each model on the last 16 weeks of one series and forecast one step.

    A parameter a model cannot use (``[models.gbm] region = ""``) fails here as a
    :class:`ConfigError` naming ``models.<name>``, not at the night's fit; failures
    that come from the short slice itself are left to the nightly fallback.
    """
    from demandcast.forecasters.base import clone

    first = df["unique_id"].iloc[0]
    one = df[df["unique_id"] == first]
    one = one[one["ds"] > one["ds"].max() - pd.Timedelta(weeks=16)]
    one = one[[c for c in ("unique_id", "ds", "y", "is_open") if c in one.columns]]
    for name, model in models.items():
        try:
            clone(model).fit(one).predict(1)
        except Exception as err:
            cause = err if isinstance(err, (ConfigError, TypeError)) else err.__cause__
            if isinstance(cause, (ConfigError, TypeError)):
                raise ConfigError(f"models.{name}: {cause}") from err
            logger.debug("validate: %s on a 16-week slice of %s: %s", name, first, err)


def run_report(config: DemandcastConfig, run_id: int | None = None) -> Path:
    """Write the HTML report of a stored run (default: the latest) to the output folder.

    The job of ``demandcast report``: the run's forecast and the stored actuals, written
    atomically to ``config.output.report`` in the output folder.

    Parameters
    ----------
    config : DemandcastConfig
        From :func:`demandcast.config.load_config`.
    run_id : int, optional
        The stored run (default: the latest complete run).

    Returns
    -------
    pathlib.Path
        The written report.

    Raises
    ------
    ConfigError
        When the store has no such run.

    Examples
    --------
    >>> from demandcast.config import load_config
    >>> from demandcast.demo import write_demo
    >>> config = load_config(write_demo("demo", quick=True))
    >>> run = run_forecast(config, backtest=False)
    >>> path = run_report(config, run.run_id)
    >>> path.name, "<svg" in path.read_text(encoding="utf-8")
    ('report.html', True)
    """
    from demandcast.store import ForecastStore, mask_url

    with ForecastStore(config.store.url) as store:
        runs = store.runs()
        if run_id is None:
            latest = store.latest_run()
            if latest is None:
                raise ConfigError(
                    f"the store {mask_url(config.store.url)} has no complete run yet; run "
                    "'demandcast forecast' first"
                )
            run_id = int(latest["run_id"])
        if run_id not in set(runs["run_id"].tolist()):
            raise ConfigError(
                f"--run-id {run_id}: no such run; runs in the store: {runs['run_id'].tolist()[-5:]}"
            )
        fc = store.load_forecast(run_id)
        row = runs.loc[runs["run_id"] == run_id].iloc[0]
        actuals = store.load_actuals()
    from demandcast.report import write_report

    path = config.output.folder / (config.output.report or "report.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_report(
        path, history=actuals, forecast=fc, title=f"demandcast forecast of {row['as_of']}"
    )
