"""Bucket event times into intervals and zero-fill the intervals the channel was open.

Zero-fill rule (documented in every loader):

- With ``opening_hours``: each series covers its full local grid from its first to
  its last bucket. Open intervals without contacts get 0 and ``is_open=True``;
  closed intervals are absent, except closed intervals that did receive contacts:
  those are kept with their count and flagged ``is_open=True`` (contacts did
  arrive), with a ``DataWarning`` naming them, so nothing is dropped.
- Without ``opening_hours``: the hours are learnt from the data of each
  location/channel. A bucket is filled with 0 only on a day with at least one record
  for that location/channel, and only within the span from the earliest to the
  latest bucket-of-day observed on that weekday. Days without any record are absent,
  never zeros: the data cannot tell a closed day from a lost export.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError

__all__ = ["bucket_times", "check_freq", "fill_grid"]

_DAY = _time.DAY


def check_freq(freq: str) -> str:
    """Validate a bucket frequency alias and return it.

    Examples
    --------
    Only the frequencies a long frame may have pass (see
    :func:`demandcast._time.parse_freq`): calendar months, quarters and years
    (``"MS"``, ``"M"``, ``"QS"``, ``"YS"``) and multi-day steps are refused here, since
    the frame and the models work in whole minutes, days or weeks.

    Examples
    --------
    >>> check_freq("30min")
    '30min'
    >>> check_freq("MS")
    Traceback (most recent call last):
    ...
    demandcast.exceptions.ConfigError: freq='MS' is a calendar frequency ...
    """
    try:
        off = _time.offset(freq)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"freq={freq!r} is not a pandas frequency: use e.g. '15min', '30min', 'h' or 'D'"
        ) from exc
    if _time.step(off) is None and not off.freqstr.startswith("W"):
        raise ConfigError(
            f"freq={freq!r} is a calendar frequency (months, quarters, years, business "
            "days): the loaders bucket into intervals of whole minutes ('15min', '30min', "
            "'h'), days ('D') or weeks ('W-MON'). Load with freq='D' and sum the days to "
            "months afterwards"
        )
    try:
        _time.parse_freq(off, "freq")
    except InvalidFrameError as exc:
        raise ConfigError(
            f"freq={freq!r} is not a frequency of the long frame: use e.g. '15min', "
            "'30min', 'h', '2h', 'D' or 'W-MON' (one day or week, whole minutes)"
        ) from exc
    td = _tick(freq)
    if td is not None and (td <= pd.Timedelta(0) or (td < _DAY and _DAY % td != pd.Timedelta(0))):
        raise ConfigError(
            f"freq={freq!r} does not divide a day into whole intervals: use e.g. "
            "'15min', '30min', 'h', '2h' or 'D'"
        )
    return freq


def _tick(freq: str) -> pd.Timedelta | None:
    """Fixed length of a frequency shorter than or equal to a day, else None."""
    td = _time.step(freq)
    return td if td is not None and td <= _DAY else None


def bucket_times(times: pd.Series, freq: str) -> pd.Series:
    """Floor tz-aware event times to the start of their local-time interval.

    The floor is taken on the local wall clock and the result keeps the event's own
    UTC offset, so the two 02:00 hours of the night DST ends stay apart.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2024-10-27 00:40", "2024-10-27 01:40"], utc=True))
    >>> t = t.dt.tz_convert("Europe/Amsterdam")
    >>> [str(x) for x in bucket_times(t, "h")]
    ['2024-10-27 02:00:00+02:00', '2024-10-27 02:00:00+01:00']
    """
    tz = times.dt.tz
    wall = _time.wall(times)
    td = _tick(freq)
    if td is not None and td < _DAY:
        return times - (wall - wall.dt.floor(freq))
    off = _time.offset(freq)
    if td == _DAY:
        start = wall.dt.normalize()
    elif off.freqstr.startswith("W"):
        # "W-MON": weeks that start on Monday (the demandcast.frame convention)
        anchor = _time.WEEKDAYS.index(off.freqstr[2:5] if "-" in off.freqstr else "SUN")
        back = (wall.dt.day_of_week - anchor) % 7
        start = wall.dt.normalize() - pd.to_timedelta(back, unit="D")
    else:
        start = wall.dt.to_period(freq).dt.start_time
    return _time.to_local(start, tz)


def _is_open_for(
    opening_hours, uid: str, location: str, channel: str
) -> Callable[[pd.DatetimeIndex], np.ndarray] | None:
    hours = opening_hours
    if isinstance(opening_hours, Mapping):
        hours = None
        for key in (uid, location, channel):
            if key in opening_hours:
                hours = opening_hours[key]
                break
        if hours is None:
            raise ConfigError(
                f"opening_hours has no entry for series {uid!r}: give a key for the "
                f"unique_id, the location {location!r} or the channel {channel!r} "
                f"(keys given: {list(opening_hours)[:5]})"
            )
    if hasattr(hours, "is_open"):
        return hours.is_open
    if callable(hours):
        return hours
    raise ConfigError(
        f"opening_hours must be an OpeningHours (demandcast.calendar), a callable "
        f"ds -> bool array, or a dict of those; got {type(hours).__name__}"
    )


def fill_grid(
    agg: pd.DataFrame,
    *,
    freq: str,
    channel: str,
    opening_hours=None,
    fill_cols: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Zero-fill aggregated counts on each series' grid (rule in the module docstring).

    ``agg`` has columns ``unique_id``, ``_base`` (location/channel), ``_location``,
    ``ds`` (tz-aware bucket starts) and the value columns in ``fill_cols``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.DatetimeIndex(["2024-01-01 09:00", "2024-01-01 11:00"], tz="UTC")
    >>> agg = pd.DataFrame({"unique_id": "a/phone", "_base": "a/phone",
    ...                     "_location": "a", "ds": ds, "y": [3, 1]})
    >>> fill_grid(agg, freq="h", channel="phone", fill_cols=("y",))["y"].tolist()
    [3.0, 0.0, 1.0]
    """
    td = _tick(freq)
    intraday = td is not None and td < _DAY
    pieces = []
    for base, part in agg.groupby("_base", sort=True):
        wall = _time.wall(part["ds"])
        days = set(wall.dt.normalize())
        if intraday:
            minute = wall.dt.hour * 60 + wall.dt.minute
            span = minute.groupby(wall.dt.day_of_week).agg(["min", "max"])
        for uid, rows in part.groupby("unique_id", sort=True):
            location = rows["_location"].iloc[0]
            first, last = rows["ds"].min(), rows["ds"].max()
            grid = _time.local_range(first, last, freq, tz=str(first.tz))
            frame = pd.DataFrame({"ds": grid})
            seen = frame["ds"].isin(rows["ds"])
            if opening_hours is not None:
                is_open = _is_open_for(opening_hours, uid, location, channel)
                open_ = np.asarray(
                    is_open(grid, freq=freq) if _takes_freq(is_open) else is_open(grid)
                )
                open_ = open_.astype(bool)
                odd = ~open_ & seen.to_numpy()
                if odd.any():
                    when = [str(t) for t in frame["ds"][odd][:5]]
                    warnings.warn(
                        f"series {uid!r}: {int(odd.sum())} intervals outside the opening "
                        f"hours had contacts (e.g. {', '.join(when)}): kept and flagged "
                        "is_open=True, since contacts arrived. Check the opening hours",
                        DataWarning,
                        stacklevel=5,
                    )
                frame["is_open"] = open_ | odd
                frame = frame[frame["is_open"].to_numpy()]
            else:
                gwall = _time.wall(frame["ds"])
                keep = gwall.dt.normalize().isin(days)
                if intraday:
                    gmin = gwall.dt.hour * 60 + gwall.dt.minute
                    wd = gwall.dt.day_of_week
                    lo = wd.map(span["min"]).to_numpy(dtype=float)
                    hi = wd.map(span["max"]).to_numpy(dtype=float)
                    keep &= (gmin.to_numpy() >= lo) & (gmin.to_numpy() <= hi)
                frame = frame[keep.to_numpy() | seen.to_numpy()]
            frame = frame.merge(
                rows.drop(columns=["unique_id", "_base", "_location"]), on="ds", how="left"
            )
            for col in fill_cols:
                frame[col] = frame[col].fillna(0)
            frame.insert(0, "unique_id", uid)
            pieces.append(frame)
        del base
    out = pd.concat(pieces, ignore_index=True)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def _takes_freq(func: Callable) -> bool:
    import inspect

    try:
        return "freq" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
