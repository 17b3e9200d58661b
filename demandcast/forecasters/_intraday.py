"""Intraday profiles: weekday-specific shares of the day, and spreading daily forecasts.

A daily model forecasts the day's total; :func:`spread` divides it over the day's
intervals with the shares of :func:`weekday_profiles` (per local weekday and time of
day, summing to 1 over the intervals open on that weekday). Interval variance is
``share^2 x daily variance + dispersion x share x daily mean``: the uncertainty of
the day's total plus the count noise of the interval (Poisson when ``dispersion`` is
1, overdispersed above), estimated by :func:`count_dispersion`.

Weekdays with the same intraday shape ("day types": Sunday-Thursday in Israel,
Monday-Friday at many Dutch desks) can share one profile: :func:`pool_day_types`
averages the profile of each weekday with those of the weekdays whose shape does
not differ beyond count noise (a chi-square test on the Hellinger distance), which
divides the sampling noise of a profile built from a few weeks by the number of
days pooled.

Everything works in local wall-clock time (slot = minutes after local midnight), so
DST days and grids with closed intervals absent need no row arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast import _time

__all__ = [
    "DAY_TYPE_ALPHA",
    "count_dispersion",
    "daily_totals",
    "local_parts",
    "pool_day_types",
    "profile_distances",
    "spread",
    "weekday_profiles",
]

#: Default significance level of the test that keeps two weekdays' profiles apart
#: (:func:`pool_day_types`).
DAY_TYPE_ALPHA = 0.01


def local_parts(ds: pd.DatetimeIndex | pd.Series) -> pd.DataFrame:
    """Local date (naive midnight), weekday (Monday 0) and slot (minutes after midnight).

    Examples
    --------
    >>> ds = pd.DatetimeIndex(["2024-03-04 08:30"], tz="Europe/Amsterdam")
    >>> local_parts(ds)[["weekday", "slot"]].to_numpy().tolist()
    [[0, 510]]
    """
    ds = pd.DatetimeIndex(ds)
    wall = _time.wall(ds)
    return pd.DataFrame(
        {
            "date": wall.normalize(),
            "weekday": np.asarray(wall.day_of_week, dtype="int64"),
            "slot": np.asarray(wall.hour * 60 + wall.minute, dtype="int64"),
        }
    )


def weekday_profiles(df: pd.DataFrame, k_weeks: int = 8) -> pd.DataFrame:
    """Share of each weekday's total per time of day, from the last ``k_weeks`` weeks.

    Parameters
    ----------
    df : DataFrame
        One series: ``ds`` (tz-aware interval starts of *open* intervals) and ``y``
        (NaN allowed: skipped).
    k_weeks : int, default 8
        Weeks of history before the last ``ds`` to use. A weekday without data in
        that window takes its shares from the whole history.

    Returns
    -------
    DataFrame
        ``weekday``, ``slot`` (minutes after local midnight) and ``share``: the mean
        count of the slot divided by the sum of the slot means of that weekday, so
        shares sum to 1 per weekday; ``n``: the counts behind the weekday's profile
        (its sum of ``y`` in the window used). A weekday never open has no rows.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-04 08:00", periods=3, freq="h", tz="Europe/Amsterdam")
    >>> weekday_profiles(pd.DataFrame({"ds": ds, "y": [1.0, 2.0, 1.0]}))["share"].tolist()
    [0.25, 0.5, 0.25]
    """
    parts = local_parts(df["ds"])
    parts["y"] = np.asarray(df["y"], dtype="float64")
    parts = parts[np.isfinite(parts["y"].to_numpy())]
    if parts.empty:
        return pd.DataFrame({"weekday": [], "slot": [], "share": [], "n": []}).astype(
            {"weekday": "int64", "slot": "int64", "share": "float64", "n": "float64"}
        )
    cutoff = parts["date"].max() - pd.Timedelta(weeks=int(k_weeks))
    recent = parts[parts["date"] > cutoff]
    old_days = sorted(set(parts["weekday"]) - set(recent["weekday"]))
    use = pd.concat([recent, parts[parts["weekday"].isin(old_days)]], ignore_index=True)
    means = use.groupby(["weekday", "slot"], sort=True)["y"].mean().reset_index()
    totals = means.groupby("weekday")["y"].transform("sum").to_numpy()
    n_slots = means.groupby("weekday")["y"].transform("size").to_numpy()
    # a weekday with zero counts throughout: spread evenly over its slots
    share = np.where(
        totals > 0, means["y"].to_numpy() / np.where(totals > 0, totals, 1), 1 / n_slots
    )
    n = use.groupby("weekday")["y"].sum().reindex(means["weekday"]).to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "weekday": means["weekday"],
            "slot": means["slot"],
            "share": share.astype("float64"),
            "n": n,
        }
    )


def profile_distances(profiles: pd.DataFrame) -> pd.DataFrame:
    """Hellinger distance between the intraday shapes of every pair of weekdays.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`weekday_profiles`.

    Returns
    -------
    DataFrame
        Weekday x weekday (the weekdays present), values in [0, 1]: 0 for identical
        shares, 1 for shapes without a common slot. Weekdays with different sets of
        open slots are at distance 1 (they never pool: a late Thursday keeps its own
        evening).

    Examples
    --------
    >>> prof = pd.DataFrame(
    ...     {"weekday": [0, 0, 1, 1], "slot": [480, 540, 480, 540], "share": [0.5, 0.5, 0.5, 0.5]}
    ... )
    >>> profile_distances(prof).to_numpy().tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    table = profiles.pivot(index="slot", columns="weekday", values="share")
    open_slots = table.notna().to_numpy()
    root = np.sqrt(np.clip(table.fillna(0.0).to_numpy(dtype="float64"), 0.0, None))
    diff = root[:, :, None] - root[:, None, :]
    dist = np.sqrt(np.clip(0.5 * (diff**2).sum(axis=0), 0.0, 1.0))
    same_slots = (open_slots[:, :, None] == open_slots[:, None, :]).all(axis=0)
    dist = np.where(same_slots, dist, 1.0)
    return pd.DataFrame(dist, index=table.columns, columns=table.columns)


def pool_day_types(
    profiles: pd.DataFrame, *, dispersion: float = 1.0, alpha: float | None = DAY_TYPE_ALPHA
) -> pd.DataFrame:
    """Share one profile among weekdays whose intraday shapes do not differ (day types).

    Two weekdays with the same open slots are one day type when their shapes are
    within count noise: with ``H`` their Hellinger distance
    (:func:`profile_distances`), ``n_a`` and ``n_b`` the counts behind their
    profiles and ``K`` the number of slots, ``8 H^2 / (1/n_a + 1/n_b) / dispersion``
    is about chi-square with ``K - 1`` degrees of freedom when the true shapes are
    equal; they pool when it stays below the ``1 - alpha`` quantile. The shares of a
    weekday become the mean of its own and those of every weekday it pools with.
    Scarce data (a few weeks, a small desk) pools more; a weekday with a shape of its
    own (a short Friday, an evening-only Saturday) or a long history that tells the
    weekdays apart keeps its profile.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`weekday_profiles` (its ``n`` column gives the counts).
    dispersion : float, default 1.0
        Count dispersion (:func:`count_dispersion`; 1 = Poisson).
    alpha : float or None, default DAY_TYPE_ALPHA
        Significance level of the test; None returns the profiles unchanged.

    Returns
    -------
    DataFrame
        The input with ``share`` pooled (still summing to 1 per weekday).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ds = pd.date_range("2024-03-04", periods=21 * 24, freq="h", tz="UTC")
    >>> shape = np.exp(-(((ds.hour - 12) / 4.0) ** 2))  # one daytime shape
    >>> weekend = ds.day_of_week >= 5
    >>> shape = np.where(weekend, np.exp(-(((ds.hour - 20) / 2.0) ** 2)), shape)
    >>> df = pd.DataFrame({"ds": ds, "y": rng.poisson(30 * shape).astype(float)})
    >>> prof = pool_day_types(weekday_profiles(df))
    >>> table = prof.pivot(index="slot", columns="weekday", values="share")
    >>> bool(np.allclose(table[0], table[4])), bool(np.allclose(table[0], table[5]))
    (True, False)
    """
    if alpha is None or profiles.empty or "n" not in profiles.columns:
        return profiles
    from scipy.stats import chi2

    dist = profile_distances(profiles)
    table = profiles.pivot(index="slot", columns="weekday", values="share")
    n = profiles.groupby("weekday")["n"].first().reindex(dist.index).to_numpy(dtype="float64")
    k = profiles.groupby("weekday").size().reindex(dist.index).to_numpy()
    inv = 1.0 / np.maximum(n, 1e-9)
    stat = 8.0 * dist.to_numpy() ** 2 / np.add.outer(inv, inv) / max(float(dispersion), 1e-6)
    limit = chi2.ppf(1.0 - float(alpha), np.maximum(k - 1, 1))
    near = (dist.to_numpy() < 1.0) & (stat < limit[None, :])
    near = near & near.T
    pooled = table.fillna(0.0).to_numpy(dtype="float64") @ near / near.sum(axis=0)
    pooled = pd.DataFrame(pooled, index=table.index, columns=table.columns)
    key = pd.MultiIndex.from_arrays([profiles["slot"], profiles["weekday"]])
    values = pooled.stack().reindex(key).to_numpy(dtype="float64")
    return profiles.assign(share=values).reset_index(drop=True)


def _shares(profiles: pd.DataFrame, parts: pd.DataFrame) -> np.ndarray:
    table = profiles.set_index(["weekday", "slot"])["share"]
    key = pd.MultiIndex.from_arrays([parts["weekday"], parts["slot"]])
    return np.nan_to_num(table.reindex(key).to_numpy(dtype="float64"), nan=0.0)


def daily_totals(
    df: pd.DataFrame, profiles: pd.DataFrame, *, min_share: float = 0.5
) -> pd.DataFrame:
    """Daily totals of one series, scaled up over missing intervals.

    A day's total is the sum of its observed intervals divided by the profile share of
    those intervals; a day whose observed share is below ``min_share`` is missing
    (NaN). Days without any open interval are absent.

    Parameters
    ----------
    df : DataFrame
        ``ds`` (open intervals) and ``y``.
    profiles : DataFrame
        From :func:`weekday_profiles`.
    min_share : float, default 0.5
        Smallest observed share of a day that still gives a total.

    Returns
    -------
    DataFrame
        ``date`` (naive local midnight), ``y`` (total or NaN), ``observed_share``.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-04 08:00", periods=3, freq="h", tz="Europe/Amsterdam")
    >>> part = pd.DataFrame({"ds": ds, "y": [1.0, 2.0, 1.0]})
    >>> prof = weekday_profiles(part)
    >>> daily_totals(part.assign(y=[1.0, float("nan"), 1.0]), prof)["y"].tolist()
    [4.0]
    >>> daily_totals(part.assign(y=[1.0, float("nan"), float("nan")]), prof)["y"].tolist()
    [nan]
    """
    parts = local_parts(df["ds"])
    y = np.asarray(df["y"], dtype="float64")
    ok = np.isfinite(y)
    parts["share"] = np.where(ok, _shares(profiles, parts), 0.0)
    parts["y"] = np.where(ok, y, 0.0)
    out = parts.groupby("date", sort=True).agg(y=("y", "sum"), observed_share=("share", "sum"))
    share = out["observed_share"].to_numpy()
    total = np.where(share >= min_share, out["y"].to_numpy() / np.maximum(share, 1e-12), np.nan)
    return pd.DataFrame({"date": out.index, "y": total, "observed_share": share}).reset_index(
        drop=True
    )


def count_dispersion(df: pd.DataFrame, profiles: pd.DataFrame, k_weeks: int = 8) -> float:
    """Dispersion of interval counts around ``share x daily total`` (1 = Poisson).

    The mean of ``(y - share x total)^2 / (share x total)`` over the intervals of
    the last ``k_weeks`` weeks with complete days; the day's own total is used, so it
    measures only the within-day count noise. At least 1e-6; 1.0 without data.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ds = pd.date_range("2024-03-04 08:00", periods=8, freq="h", tz="Europe/Amsterdam")
    >>> ds = ds.append([ds + pd.Timedelta(days=7 * k) for k in range(1, 20)])
    >>> df = pd.DataFrame({"ds": ds, "y": rng.poisson(50.0, len(ds)).astype(float)})
    >>> bool(0.6 < count_dispersion(df, weekday_profiles(df, 20), 20) < 1.4)
    True
    """
    parts = local_parts(df["ds"])
    y = np.asarray(df["y"], dtype="float64")
    parts["y"] = y
    parts["share"] = _shares(profiles, parts)
    cutoff = parts["date"].max() - pd.Timedelta(weeks=int(k_weeks))
    parts = parts[parts["date"] > cutoff]
    complete = parts.groupby("date")["y"].transform(lambda s: bool(np.isfinite(s).all()))
    parts = parts[complete.astype(bool)]
    if parts.empty:
        return 1.0
    day_share = parts.groupby("date")["share"].transform("sum").to_numpy()
    total = parts.groupby("date")["y"].transform("sum").to_numpy()
    expect = parts["share"].to_numpy() / np.maximum(day_share, 1e-12) * total
    keep = expect > 0.5
    if keep.sum() < 10:
        return 1.0
    ratio = (parts["y"].to_numpy()[keep] - expect[keep]) ** 2 / expect[keep]
    return float(max(np.mean(ratio), 1e-6))


def spread(
    daily_fc: pd.DataFrame,
    profiles: pd.DataFrame,
    grid_ds: pd.DatetimeIndex | pd.Series,
    is_open: np.ndarray | None = None,
    *,
    dispersion: float = 0.0,
) -> pd.DataFrame:
    """Spread daily forecasts over intervals with the weekday profiles.

    Parameters
    ----------
    daily_fc : DataFrame
        ``date`` (naive local midnight), ``mean`` and optional ``var`` (variance of the
        day's total; 0 when absent), one row per date of ``grid_ds``.
    profiles : DataFrame
        From :func:`weekday_profiles`.
    grid_ds : DatetimeIndex or Series
        Interval starts to forecast (tz-aware).
    is_open : array of bool, optional
        Open flags of ``grid_ds``. Closed intervals get share 0 and the day's other
        intervals are renormalised: each share is divided by ``1 - `` the profile
        share of the closed intervals of that date (intervals of the date outside
        ``grid_ds`` count as open), so a day with shorter opening hours keeps its
        total.
    dispersion : float, default 0.0
        Count-noise factor (see :func:`count_dispersion`); 0 gives only the spread
        share of the daily variance.

    Returns
    -------
    DataFrame
        ``ds``, ``share``, ``mean`` (share x daily mean) and ``var``
        (share^2 x daily var + dispersion x mean), aligned with ``grid_ds``.

    Examples
    --------
    >>> ds = pd.date_range("2024-03-11 08:00", periods=3, freq="h", tz="Europe/Amsterdam")
    >>> prof = pd.DataFrame(
    ...     {"weekday": [0, 0, 0], "slot": [480, 540, 600], "share": [0.25, 0.5, 0.25]}
    ... )
    >>> fc = pd.DataFrame({"date": [pd.Timestamp("2024-03-11")], "mean": [100.0]})
    >>> spread(fc, prof, ds)["mean"].tolist()
    [25.0, 50.0, 25.0]
    >>> spread(fc, prof, ds, is_open=np.array([True, False, True]))["mean"].tolist()
    [50.0, 0.0, 50.0]
    """
    grid_ds = pd.DatetimeIndex(grid_ds)
    parts = local_parts(grid_ds)
    share = _shares(profiles, parts)
    if is_open is not None:
        closed = ~np.asarray(is_open, dtype=bool)
        lost = pd.Series(np.where(closed, share, 0.0)).groupby(parts["date"].to_numpy()).sum()
        keep = 1.0 - lost.reindex(parts["date"]).to_numpy()
        share = np.where(closed, 0.0, share / np.where(keep > 1e-9, keep, 1.0))
        share = np.where(keep > 1e-9, share, 0.0)
    fc = daily_fc.set_index("date")
    mean_day = fc["mean"].reindex(parts["date"]).to_numpy(dtype="float64")
    var_day = (
        fc["var"].reindex(parts["date"]).to_numpy(dtype="float64")
        if "var" in fc.columns
        else np.zeros(len(parts))
    )
    mean = share * np.clip(mean_day, 0.0, None)
    # a slot with share 0 gets no variance, even from a day the model never saw
    var = np.where(share > 0, share**2 * np.nan_to_num(var_day, posinf=0.0), 0.0)
    var = var + dispersion * mean
    return pd.DataFrame({"ds": grid_ds, "share": share, "mean": mean, "var": var})
