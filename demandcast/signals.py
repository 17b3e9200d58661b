"""External signals: regressor roles, past-signal lags, spikes, lead/lag and event templates.

A regressor has a *role*:

``"future"``
    known ahead for the whole horizon: mailings, events, closures, holidays, opening
    hours. A model reads its value at the forecast time itself.
``"past"``
    observed only: social-media mentions, web visits as a leading indicator for phone
    and desk. Its value at time ``t`` is known only after ``t``, so a model forecasting
    ``h`` intervals ahead may only use it lagged by at least ``h`` intervals.
    :func:`lag_past_regressors` turns a past signal into such lagged columns, which are
    then known ahead up to the lag and can be used like future regressors.

Examples
--------
>>> import pandas as pd
>>> from demandcast.signals import lag_past_regressors
>>> ds = pd.date_range("2024-03-01", periods=5, freq="D", tz="Europe/Amsterdam")
>>> X = pd.DataFrame({"ds": ds, "mentions": [1.0, 2, 30, 4, 5]})
>>> lag_past_regressors(X, {"mentions": "past"}, lag=1)["mentions_lag1"].tolist()
[nan, 1.0, 2.0, 30.0, 4.0]
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError, InvalidFrameError, UnsupportedRegressorError
from demandcast.frame import DEFAULT_TZ, infer_freq, local_range, require_columns

__all__ = [
    "ROLES",
    "LeadLagResult",
    "detect_spikes",
    "events_to_regressors",
    "lag_past_regressors",
    "lead_lag",
    "mailing",
    "past_regressors_ahead",
    "scenario",
    "validate_roles",
]

ROLES: tuple[str, ...] = ("future", "past")
_KEYS = ("unique_id", "ds", "as_of", "is_open")


def validate_roles(roles: Mapping[str, str] | None, columns: Iterable[str]) -> dict[str, str]:
    """Return the role of every regressor column, ``"future"`` unless told otherwise.

    Parameters
    ----------
    roles : mapping of str to str or None
        Column -> ``"future"`` or ``"past"``.
    columns : iterable of str
        The regressor columns present (``unique_id``, ``ds``, ``as_of`` and ``is_open``
        are not regressors and are skipped).

    Returns
    -------
    dict
        Every regressor column with its role.

    Raises
    ------
    ConfigError
        A role other than ``"future"``/``"past"``, or a role for a column that is absent.

    Examples
    --------
    >>> validate_roles({"mentions": "past"}, ["ds", "letters", "mentions"])
    {'letters': 'future', 'mentions': 'past'}
    """
    cols = [c for c in columns if c not in _KEYS]
    roles = dict(roles or {})
    bad = {c: r for c, r in roles.items() if r not in ROLES}
    if bad:
        shown = ", ".join(f"{c}={r!r}" for c, r in list(bad.items())[:5])
        raise ConfigError(f"roles: unknown role {shown}; allowed roles are 'future' and 'past'")
    absent = [c for c in roles if c not in cols]
    if absent:
        raise ConfigError(
            f"roles: no regressor column {absent[:5]} in X (columns: {cols}); "
            "remove the role or add the column"
        )
    return {c: roles.get(c, "future") for c in cols}


def _step_offset(freq: str, n: int) -> pd.DateOffset | pd.Timedelta:
    """``n`` steps of ``freq``: calendar days for daily data (DST-proof), else absolute."""
    offset = _time.offset(freq)
    if isinstance(offset, pd.offsets.Day):
        return pd.DateOffset(days=n * offset.n)
    if isinstance(offset, pd.offsets.Week):
        return pd.DateOffset(weeks=n * offset.n)
    return _time.step(offset) * n


def _regular(X: pd.DataFrame, cols: Sequence[str], freq: str) -> pd.DataFrame:
    """Each series of ``X`` on its full grid (missing steps NaN), so rolling windows count time."""
    parts = []
    keys = ["unique_id"] if "unique_id" in X.columns else []
    groups = X.groupby(keys, sort=True) if keys else [((), X)]
    for key, part in groups:
        part = part.sort_values("ds")
        tz = str(part["ds"].dt.tz) if part["ds"].dt.tz is not None else DEFAULT_TZ
        grid = local_range(part["ds"].iloc[0], part["ds"].iloc[-1], freq, tz=tz)
        full = part.set_index("ds")[list(cols)].reindex(grid)
        full.index.name = "ds"
        full = full.reset_index()
        if keys:
            full.insert(0, "unique_id", key[0] if isinstance(key, tuple) else key)
        parts.append(full)
    return pd.concat(parts, ignore_index=True)


def lag_past_regressors(
    X: pd.DataFrame,
    roles: Mapping[str, str] | None,
    *,
    lag: int,
    windows: Sequence[int] = (),
    freq: str | None = None,
    target_ds: pd.DataFrame | pd.Series | pd.DatetimeIndex | None = None,
) -> pd.DataFrame:
    """Lag every past-role column by ``lag`` steps so it is known ``lag`` steps ahead.

    Parameters
    ----------
    X : DataFrame
        ``ds``, optionally ``unique_id``, and regressor columns.
    roles : mapping
        Column -> role; only ``"past"`` columns are lagged.
    lag : int
        Steps to lag (>= 1). A model forecasting ``h`` steps may use lags >= ``h``.
    windows : sequence of int
        Also add trailing sums over ``w`` steps ending ``lag`` steps back
        (``<col>_sum<w>_lag<lag>``): a spike that built up over a day, say.
    freq : str, optional
        Step of ``X``; inferred when omitted.
    target_ds : DataFrame, Series or DatetimeIndex, optional
        The times (and series, when a frame with ``unique_id``) to return rows for,
        e.g. the training rows or the future horizon. Defaults to ``X``'s own rows.

    Returns
    -------
    DataFrame
        ``ds`` (and ``unique_id`` when ``X`` or ``target_ds`` has it) plus
        ``<col>_lag<lag>`` and the window columns. A value is NaN where the lag reaches
        before the start of ``X`` or into a gap.

    Raises
    ------
    InvalidFrameError
        ``lag`` is not a positive integer or ``X`` has no past column.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-01", periods=4, freq="D", tz="Europe/Amsterdam")
    >>> X = pd.DataFrame({"ds": ds, "m": [1.0, 2.0, 3.0, 4.0]})
    >>> out = lag_past_regressors(X, {"m": "past"}, lag=2, windows=(2,))
    >>> out[["m_lag2", "m_sum2_lag2"]].to_numpy().tolist()
    [[nan, nan], [nan, nan], [1.0, 1.0], [2.0, 3.0]]
    """
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 1:
        raise InvalidFrameError(f"lag: must be a positive integer number of steps, got {lag!r}")
    past = [c for c, r in validate_roles(roles, X.columns).items() if r == "past"]
    if not past:
        raise InvalidFrameError(
            "roles: X has no past-role column to lag; give roles={'<column>': 'past'}"
        )
    freq = freq or infer_freq(X.assign(unique_id=X.get("unique_id", "x"), y=0.0))
    reg = _regular(X, past, freq)
    has_id = "unique_id" in reg.columns
    feats = reg[["unique_id", "ds"] if has_id else ["ds"]].copy()
    for col in past:
        feats[f"{col}_lag{lag}"] = reg[col].to_numpy(dtype=float)
        for w in windows:
            grouped = reg.groupby("unique_id")[col] if has_id else reg[col]
            rolled = grouped.rolling(int(w), min_periods=1).sum()
            if has_id:
                rolled = rolled.reset_index(level=0, drop=True).sort_index()
            feats[f"{col}_sum{w}_lag{lag}"] = rolled.to_numpy(dtype=float)
    feats["ds"] = feats["ds"] + _step_offset(freq, lag)
    if target_ds is None:
        target_ds = X[["unique_id", "ds"] if "unique_id" in X.columns else ["ds"]]
    return _align(feats, target_ds)


def _align(
    feats: pd.DataFrame, target: pd.DataFrame | pd.Series | pd.DatetimeIndex
) -> pd.DataFrame:
    if isinstance(target, pd.DataFrame):
        keys = [k for k in ("unique_id", "ds") if k in target.columns]
        left = target[keys].copy()
    else:
        left = pd.DataFrame({"ds": pd.DatetimeIndex(target)})
        keys = ["ds"]
    on = [k for k in keys if k in feats.columns]
    return left.merge(feats, on=on, how="left")


def past_regressors_ahead(
    X_hist: pd.DataFrame,
    roles: Mapping[str, str] | None,
    *,
    lag: int,
    future_ds: pd.DataFrame | pd.DatetimeIndex,
    windows: Sequence[int] = (),
    freq: str | None = None,
) -> pd.DataFrame:
    """Lagged past-signal columns for the forecast horizon, from history only.

    Parameters
    ----------
    X_hist : DataFrame
        The past signal up to the cutoff.
    roles, lag, windows, freq
        As in :func:`lag_past_regressors`.
    future_ds : DataFrame or DatetimeIndex
        The horizon's times (with ``unique_id`` when per series).

    Returns
    -------
    DataFrame
        The lagged columns at ``future_ds``.

    Raises
    ------
    UnsupportedRegressorError
        The horizon reaches further than ``lag`` steps past the last observed signal:
        the value would be an unknown future value of a past regressor.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-01", periods=4, freq="D", tz="Europe/Amsterdam")
    >>> X = pd.DataFrame({"ds": ds, "m": [1.0, 2.0, 3.0, 4.0]})
    >>> fut = pd.date_range("2024-03-05", periods=2, freq="D", tz="Europe/Amsterdam")
    >>> past_regressors_ahead(X, {"m": "past"}, lag=2, future_ds=fut)["m_lag2"].tolist()
    [3.0, 4.0]
    """
    out = lag_past_regressors(
        X_hist, roles, lag=lag, windows=windows, freq=freq, target_ds=future_ds
    )
    known_until = X_hist["ds"].max() + _step_offset(
        freq or infer_freq(X_hist.assign(unique_id=X_hist.get("unique_id", "x"), y=0.0)), lag
    )
    beyond = out["ds"] > known_until
    if beyond.any():
        first = out.loc[beyond, "ds"].min()
        raise UnsupportedRegressorError(
            f"past regressors lagged by {lag} steps are known only until {known_until}; "
            f"the forecast needs them at {first}, beyond the last observation. "
            f"Forecast at most {lag} steps ahead or lag the signal further"
        )
    return out


def detect_spikes(
    signal: pd.Series | pd.DataFrame,
    *,
    window: int = 28,
    threshold: float = 3.5,
    value_col: str | None = None,
) -> pd.DataFrame:
    """Flag spikes with a trailing median/MAD rule; no look-ahead.

    Parameters
    ----------
    signal : Series or DataFrame
        A Series indexed by time, or a long frame (``ds``, optional ``unique_id`` and
        one value column, named by ``value_col`` or the only non-key column).
    window : int
        Number of earlier observations in the trailing window (the current one excluded).
    threshold : float
        Robust z-score above which an observation is a spike.
    value_col : str, optional
        The value column of a frame.

    Returns
    -------
    DataFrame
        ``is_spike`` (bool), ``magnitude`` (robust z = (x - median) / (1.4826 MAD)) and
        ``excess`` (x - median, at least 0), aligned with the input (frame input keeps
        its key columns).

    Examples
    --------
    >>> x = pd.Series([10.0, 11, 9, 10, 12, 10, 60, 11])
    >>> detect_spikes(x, window=5)["is_spike"].tolist()
    [False, False, False, False, False, False, True, False]
    """
    if window < 3:
        raise ValueError(f"window: needs at least 3 earlier observations, got {window}")
    if isinstance(signal, pd.Series):
        out = _spikes_1d(signal.astype(float), window, threshold)
        out.index = signal.index
        return out
    keys = [k for k in ("unique_id", "ds") if k in signal.columns]
    if value_col is None:
        values = [c for c in signal.columns if c not in _KEYS]
        if len(values) != 1:
            raise InvalidFrameError(
                f"value_col: cannot tell which column is the signal among {values}; pass value_col="
            )
        value_col = values[0]
    frame = signal.sort_values(keys).reset_index(drop=True)
    groups = frame.groupby("unique_id", sort=False) if "unique_id" in keys else [(None, frame)]
    parts = []
    for _, part in groups:
        res = _spikes_1d(part[value_col].astype(float).reset_index(drop=True), window, threshold)
        res.index = part.index
        parts.append(res)
    return pd.concat([frame[keys], pd.concat(parts).sort_index()], axis=1)


def _spikes_1d(x: pd.Series, window: int, threshold: float) -> pd.DataFrame:
    past = x.shift(1)
    med = past.rolling(window, min_periods=3).median()
    mad = (past - med).abs().rolling(window, min_periods=3).median()
    scale = 1.4826 * mad
    # a flat signal has MAD 0: fall back to a Poisson-like scale so counts still work
    scale = scale.where(scale > 0, np.sqrt(med.clip(lower=1.0)))
    z = (x - med) / scale
    return pd.DataFrame(
        {
            "is_spike": (z > threshold).fillna(False).astype(bool).to_numpy(),
            "magnitude": z.to_numpy(dtype=float),
            "excess": (x - med).clip(lower=0).to_numpy(dtype=float),
        }
    )


@dataclass(frozen=True)
class LeadLagResult:
    """The outcome of :func:`lead_lag`.

    Attributes
    ----------
    best_lag : int
        Lag in steps with the highest correlation; positive means the signal leads.
    correlations : Series
        Correlation per lag (index 0..max_lag).
    n : int
        Number of paired observations at lag 0.
    """

    best_lag: int
    correlations: pd.Series
    n: int


def _deseasonalise(x: pd.Series) -> pd.Series:
    idx = pd.DatetimeIndex(x.index)
    slot = idx.day_of_week * 1440 + idx.hour * 60 + idx.minute
    return x - x.groupby(slot).transform("mean")


def lead_lag(
    signal: pd.Series,
    demand: pd.Series,
    *,
    max_lag: int,
    seasonal_period: int | None = None,
) -> LeadLagResult:
    """Choose how far a signal leads demand by cross-correlating deseasonalised series.

    Parameters
    ----------
    signal, demand : Series
        Indexed by tz-aware time on the same grid (other times are dropped).
    max_lag : int
        Largest lead to try, in steps.
    seasonal_period : int, optional
        Deseasonalise by differencing at this period; by default subtract the mean of
        the same weekday and time of day.

    Returns
    -------
    LeadLagResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ds = pd.date_range("2024-01-01", periods=300, freq="D", tz="Europe/Amsterdam")
    >>> s = pd.Series(rng.poisson(20, 300).astype(float), index=ds)
    >>> d = 100 + 2 * s.shift(3).fillna(20) + rng.normal(0, 1, 300)
    >>> lead_lag(s, d, max_lag=7).best_lag
    3
    """
    if max_lag < 0:
        raise ValueError(f"max_lag: must be >= 0, got {max_lag}")
    joined = pd.concat({"s": signal.astype(float), "d": demand.astype(float)}, axis=1).dropna()
    if len(joined) < max_lag + 10:
        raise InvalidFrameError(
            f"lead_lag: only {len(joined)} common observations for max_lag={max_lag}; "
            "need at least max_lag + 10"
        )
    if seasonal_period:
        s = joined["s"].diff(seasonal_period)
        d = joined["d"].diff(seasonal_period)
    else:
        s = _deseasonalise(joined["s"])
        d = _deseasonalise(joined["d"])
    corr = pd.Series(
        [d.corr(s.shift(lag)) for lag in range(max_lag + 1)],
        index=pd.RangeIndex(max_lag + 1, name="lag"),
        dtype=float,
    )
    best = int(corr.fillna(-np.inf).to_numpy().argmax())
    return LeadLagResult(best_lag=best, correlations=corr, n=len(joined))


def _decay_feature(days_since: np.ndarray, letters: np.ndarray, tau: float) -> np.ndarray:
    w = np.where(days_since >= 0, np.exp(-np.clip(days_since, 0, None) / tau), 0.0)
    return (w * letters).sum(axis=1)


def events_to_regressors(
    events: pd.DataFrame,
    ds: pd.DatetimeIndex | pd.Series,
    *,
    decay_days: float = 1.5,
    horizon_days: int = 14,
    prefix: str = "mailing",
    tz: str | None = None,
) -> pd.DataFrame:
    """Turn a calendar of mailings (``date``, ``letters``) into future regressor columns.

    Parameters
    ----------
    events : DataFrame
        One row per mailing: ``date`` (send date) and ``letters``; ``name`` optional.
    ds : DatetimeIndex or Series
        The grid to produce columns for (daily or intraday, tz-aware).
    decay_days : float
        Time constant of the response kernel in days.
    horizon_days : int
        Days after sending after which a mailing no longer counts.
    prefix : str
        Column prefix.
    tz : str, optional
        Zone of naive event dates (default: the grid's zone).

    Returns
    -------
    DataFrame
        ``ds``, ``<prefix>_letters`` (letters sent that local day, on every interval of
        that day) and ``<prefix>_letters_decay`` (the sum over earlier mailings of
        letters x exp(-days since sending / decay_days), for up to ``horizon_days``),
        which a linear model can use directly.

    Examples
    --------
    >>> ev = pd.DataFrame({"date": ["2024-02-29"], "letters": [45000]})
    >>> grid = pd.date_range("2024-02-28", periods=4, freq="D", tz="Europe/Amsterdam")
    >>> out = events_to_regressors(ev, grid, decay_days=1.0)
    >>> out["mailing_letters"].tolist()
    [0.0, 45000.0, 0.0, 0.0]
    >>> [round(v) for v in out["mailing_letters_decay"]]
    [0, 45000, 16555, 6090]
    """
    require_columns(events, ("date", "letters"), "events", "pass one row per mailing.")
    ds = pd.DatetimeIndex(ds)
    tz = tz or (str(ds.tz) if ds.tz is not None else DEFAULT_TZ)
    local = _time.wall(_time.to_local(ds, tz))
    day = local.normalize()
    frac = (local - day) / pd.Timedelta(days=1)
    send = _time.local_dates(pd.to_datetime(events["date"]))
    letters = pd.to_numeric(events["letters"], errors="coerce")
    if letters.isna().any() or (letters < 0).any():
        raise InvalidFrameError("events.letters: must be non-negative numbers")
    day_ns = day.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    send_ns = send.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    days_since = (day_ns[:, None] - send_ns[None, :]) / 86_400e9 + np.asarray(frac)[:, None]
    days_since = np.where(days_since <= horizon_days, days_since, -1.0)
    lets = letters.to_numpy(dtype=float)[None, :]
    same_day = (day_ns[:, None] == send_ns[None, :]) * lets
    return pd.DataFrame(
        {
            "ds": ds,
            f"{prefix}_letters": same_day.sum(axis=1),
            f"{prefix}_letters_decay": _decay_feature(days_since, lets, decay_days),
        }
    )


def mailing(
    date: str | _dt.date | pd.Timestamp,
    letters: float,
    *,
    response_rate: float = 0.11,
    decay_days: float = 1.5,
    freq: str = "D",
    horizon_days: int = 14,
    name: str = "mailing",
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """A planned mailing as future regressor columns plus its expected response.

    Parameters
    ----------
    date : date-like
        Send date (local).
    letters : float
        Number of letters.
    response_rate : float
        Expected contacts per letter over the whole response (DOMAIN: ~0.11).
    decay_days : float
        Time constant of the exponential response in days.
    freq : str
        Grid step of the output.
    horizon_days : int
        Days covered from the send date.
    name : str
        Column prefix.
    tz : str
        Time zone of the grid.

    Returns
    -------
    DataFrame
        ``ds``, ``<name>_letters``, ``<name>_letters_decay`` (as
        :func:`events_to_regressors`) and ``<name>_expected_contacts``, the template's
        response spread over the grid; it sums to ``letters x response_rate`` up to
        the part of the kernel beyond ``horizon_days``.

    Examples
    --------
    >>> m = mailing("2026-02-26", 45000, response_rate=0.11, decay_days=1.0)
    >>> round(m["mailing_expected_contacts"].sum())
    4950
    """
    if letters < 0 or not 0 <= response_rate <= 1 or decay_days <= 0:
        raise ConfigError(
            "mailing: letters must be >= 0, response_rate in [0, 1] and decay_days > 0; "
            f"got letters={letters}, response_rate={response_rate}, decay_days={decay_days}"
        )
    start = pd.Timestamp(date).normalize()
    grid = local_range(start.date(), (start + pd.Timedelta(days=horizon_days)).date(), freq, tz=tz)
    events = pd.DataFrame({"date": [start], "letters": [float(letters)]})
    out = events_to_regressors(
        events, grid, decay_days=decay_days, horizon_days=horizon_days, prefix=name, tz=tz
    )
    # expected contacts: the kernel's mass per interval (integral of the exponential)
    local = _time.wall(grid)
    t0 = ((local - start) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    step = np.diff(np.append(t0, t0[-1] + (t0[-1] - t0[-2] if len(t0) > 1 else 1.0)))
    mass = np.exp(-t0 / decay_days) - np.exp(-(t0 + step) / decay_days)
    out[f"{name}_expected_contacts"] = letters * response_rate * mass
    return out


def scenario(base_X: pd.DataFrame, extra: pd.DataFrame, *, how: str = "add") -> pd.DataFrame:
    """Add a planned event's regressor columns to a future regressor frame.

    Parameters
    ----------
    base_X : DataFrame
        The future regressors of the base forecast (``ds``, optional ``unique_id``).
    extra : DataFrame
        Columns of a planned event on the same grid, e.g. from :func:`mailing` or
        :func:`events_to_regressors` (``ds`` plus columns).
    how : {"add", "replace"}
        Add the event's values to existing columns of the same name, or replace them.

    Returns
    -------
    DataFrame
        A copy of ``base_X`` with the event applied; times absent from ``extra`` keep
        their base values.

    Examples
    --------
    >>> grid = pd.date_range("2026-02-25", periods=3, freq="D", tz="Europe/Amsterdam")
    >>> base = pd.DataFrame({"ds": grid, "mailing_letters": [0.0, 0.0, 0.0]})
    >>> plan = mailing("2026-02-26", 45000, horizon_days=1)[["ds", "mailing_letters"]]
    >>> scenario(base, plan)["mailing_letters"].tolist()
    [0.0, 45000.0, 0.0]
    """
    if how not in ("add", "replace"):
        raise ConfigError(f"how: must be 'add' or 'replace', got {how!r}")
    require_columns(extra, ("ds",), "extra", "pass the event regressors with their ds.")
    cols = [c for c in extra.columns if c not in _KEYS]
    on = [k for k in ("unique_id", "ds") if k in extra.columns and k in base_X.columns]
    merged = base_X.merge(extra[on + cols], on=on, how="left", suffixes=("", "__event"))
    for col in cols:
        event_col = f"{col}__event" if col in base_X.columns else col
        event = merged[event_col].fillna(0.0)
        if col in base_X.columns:
            merged[col] = (
                merged[col] + event
                if how == "add"
                else event.where(merged[event_col].notna(), merged[col])
            )
            merged = merged.drop(columns=event_col)
        else:
            merged[col] = event
    return merged
