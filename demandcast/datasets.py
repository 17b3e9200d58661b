"""A simulated municipality: event-level exports plus signals with known ground truth.

:func:`simulate_municipality` draws the raw exports a Dutch municipality would hand
over (desk tickets, phone calls, hourly web analytics), the signals that drive them
(a mailings calendar known ahead, social-media mentions observed only) and the true
expected count per interval, so that loaders, forecasters and backtests can be
checked against the truth instead of against toy data.

How the rates are built, per channel and location::

    daily volume  = level x location size x weekday x season x school holidays
                    x catch-up after closures (+ passport wave on burgerzaken / paspoort)
    interval rate = daily volume x intraday share (opening hours) + mailing response
                    + social-spike response
    counts        = Poisson(rate x Gamma day shock x Gamma interval shock)

Every random component has its own seeded stream, so switching one effect off
(``passport_wave=False``, ``social_spikes=False``) leaves the other draws unchanged.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError

__all__ = ["SimulatedMunicipality", "simulate_municipality"]

TZ = "Europe/Amsterdam"
CHANNELS = ("desk", "phone", "web")
WEB_LOCATION = "website"

# Volumes per location of size 1.0 and per day, before weekday/season effects.
_PHONE_PER_DAY = 420.0
_DESK_PER_DAY = 110.0
_WEB_PER_DAY = 5000.0
_LOCATION_SIZES = (1.25, 0.95, 0.8, 1.1, 0.9, 1.0, 0.7, 1.2)

# Monday..Sunday multipliers.
_WEEKDAY = {
    "phone": (1.25, 1.05, 1.0, 0.95, 0.8, 0.0, 0.0),
    "desk": (0.9, 1.1, 0.95, 1.2, 0.85, 0.0, 0.0),
    "web": (1.15, 1.1, 1.05, 1.0, 0.9, 0.6, 0.75),
}
_SCHOOL_HOLIDAY = {"phone": 0.92, "desk": 0.85, "web": 0.95}
_CATCH_UP_PER_DAY = 0.3  # next open day after a closed weekday: +30 % per lost day (max 2)

PHONE_QUEUES = ("algemeen", "burgerzaken", "belastingen")
_QUEUE_SHARES = (0.55, 0.30, 0.15)
DESK_PRODUCTS = ("paspoort", "id-kaart", "rijbewijs", "verhuizing", "uittreksel")
_PRODUCT_SHARES = (0.28, 0.20, 0.15, 0.15, 0.22)
_SERVICE_MINUTES = (9.0, 8.0, 7.0, 10.0, 5.0)

# Mailings: share of letters that lead to a contact, split by channel, and how the
# contacts spread over the open days after the send date (letters land next day).
_RESPONSE_RATE = 0.11
_RESPONSE_SPLIT = {"phone": 0.85, "desk": 0.10}
_RESPONSE_DAYS = np.array([0.45, 0.25, 0.15, 0.10, 0.05])
_WEB_PER_LETTER = 0.5
_WEB_RESPONSE_DAYS = np.array([0.5, 0.3, 0.2])  # days 0, 1, 2 after sending

# Social spikes: extra contacts per excess mention and the lag kernels (hours).
_SOCIAL_BETA = {"phone": 0.8, "desk": 0.12, "web": 4.0}
_SOCIAL_KERNEL = {"phone": (3.0, 4.0), "desk": (4.0, 6.0), "web": (1.0, 1.5)}  # gamma shape, scale
_SPIKES_PER_YEAR = 5.0

# Overdispersion: Gamma shape of the day shock and the interval shock.
_DAY_SHAPE = 150.0
_INTERVAL_SHAPE = 30.0

_TEXT = pd.Series(["x"]).dtype  # pandas' default text dtype: str on pandas 3, object on 2
_STREAMS = ("spikes", "mentions", "phone", "desk", "web", "ids")


@dataclass(repr=False)
class SimulatedMunicipality:
    """Raw exports, signals and the ground truth of one simulated municipality.

    Built by :func:`simulate_municipality`; see there for the columns of each frame.

    Attributes
    ----------
    phone_calls, desk_tickets, web_visits : pandas.DataFrame
        The raw exports, in the formats the loaders read (naive local wall-clock times).
    mailings : pandas.DataFrame
        ``date, name, letters``: the mailings calendar (a future regressor).
    social : pandas.DataFrame
        ``timestamp`` (hourly, tz-aware), ``mentions`` (a past regressor).
    truth : pandas.DataFrame
        Long frame ``unique_id, ds, y``: the true expected count per interval at
        ``freq``, 0 when the channel is closed.
    opening_hours : dict
        Channel -> :class:`demandcast.calendar.OpeningHours` used to generate the data.
    events : pandas.DataFrame
        ``start, kind, name, size``: what happened (mailings and social spikes), for
        checking detectors and regressors.
    params : dict
        The arguments the simulation was run with.
    """

    phone_calls: pd.DataFrame
    desk_tickets: pd.DataFrame
    web_visits: pd.DataFrame
    mailings: pd.DataFrame
    social: pd.DataFrame
    truth: pd.DataFrame
    opening_hours: dict[str, Any]
    events: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        p = self.params
        return (
            f"SimulatedMunicipality(seed={p.get('seed')}, {p.get('start')}..{p.get('end')}, "
            f"locations={p.get('locations')}, freq={p.get('freq')!r}: "
            f"{len(self.phone_calls):,} calls, {len(self.desk_tickets):,} tickets, "
            f"{int(self.web_visits['visits'].sum()):,} web visits)"
        )

    @property
    def roles(self) -> dict[str, str]:
        """Role of each column of :meth:`regressors`: ``"future"`` or ``"past"``."""
        return {"mailing_letters": "future", "social_mentions": "past"}

    def regressors(self, freq: str = "D") -> pd.DataFrame:
        """Return the regressors on the full local-time grid at ``freq``.

        Parameters
        ----------
        freq : str, default "D"
            Interval length (pandas alias) such as ``"D"``, ``"h"`` or ``"30min"``.

        Returns
        -------
        pandas.DataFrame
            ``ds`` (tz-aware), ``mailing_letters`` (letters sent that day, on every
            interval of the send date, so intraday grids without closed intervals
            keep it, as :func:`demandcast.signals.events_to_regressors` does; the
            response kernel is not given away) and
            ``social_mentions`` (mentions in the interval; spread evenly when
            ``freq`` is finer than an hour). See :attr:`roles`.

        Examples
        --------
        >>> sim = simulate_municipality(start="2024-02-20", end="2024-03-10")
        >>> X = sim.regressors("D")
        >>> list(X.columns)
        ['ds', 'mailing_letters', 'social_mentions']
        >>> int(X["mailing_letters"].max())
        60000
        """
        step = _check_freq(freq)
        start, end = self.params["start"], self.params["end"]
        grid = _grid(start, end, freq if step is not None else "D")
        out = pd.DataFrame({"ds": grid})
        mailing = np.zeros(len(grid))
        local_dates = _local_dates(grid)
        for date, letters in zip(self.mailings["date"], self.mailings["letters"], strict=True):
            mailing[local_dates == np.datetime64(pd.Timestamp(date).date(), "D")] += letters
        out["mailing_letters"] = mailing
        hourly = self.social.set_index("timestamp")["mentions"].astype("float64")
        if step is not None and step < pd.Timedelta("1h"):
            per_hour = int(pd.Timedelta("1h") / step)
            values = hourly.reindex(_time.floor(grid, "h")).to_numpy() / per_hour
        else:
            values = _aggregate(hourly.to_numpy(), hourly.index, grid, freq)
        out["social_mentions"] = np.nan_to_num(values)
        return out

    def frame(self, channel: str | None = None, freq: str = "D") -> pd.DataFrame:
        """Load the raw exports with :mod:`demandcast.loaders` into a long frame.

        Parameters
        ----------
        channel : {"desk", "phone", "web"} or None
            One channel, or all three stacked (sorted by ``unique_id``, ``ds``).
        freq : str, default "D"
            Interval length of the counts.

        Returns
        -------
        pandas.DataFrame
            ``unique_id`` (``"<location>/<channel>"``), ``ds``, ``y`` plus the side
            columns the loaders add.

        Examples
        --------
        >>> sim = simulate_municipality(start="2024-03-04", end="2024-03-10")
        >>> df = sim.frame("phone")
        >>> sorted(df["unique_id"].unique())
        ['centrum/phone', 'noord/phone', 'zuid/phone']
        """
        from demandcast import loaders

        _check_freq(freq)
        exports = {
            "desk": self.desk_tickets,
            "phone": self.phone_calls,
            "web": self.web_visits,
        }
        if channel is not None and channel not in exports:
            raise ConfigError(
                f"channel={channel!r} is not a channel of the simulation; "
                f"use one of {list(exports)} or None for all three"
            )
        chosen = list(exports) if channel is None else [channel]
        frames = [
            getattr(loaders, f"load_{c}")(
                exports[c], freq=freq, opening_hours=self.opening_hours[c]
            )
            for c in chosen
        ]
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def simulate_municipality(
    seed: int = 0,
    start: str | _dt.date = "2024-01-01",
    end: str | _dt.date = "2024-12-31",
    locations: tuple[str, ...] | list[str] = ("centrum", "noord", "zuid"),
    freq: str = "30min",
    *,
    region: str = "midden",
    scale: float = 1.0,
    passport_wave: bool = True,
    social_spikes: bool = True,
) -> SimulatedMunicipality:
    """Simulate the contact demand of a Dutch municipality with known ground truth.

    Effects: intraday and weekly profiles per channel, opening hours with closures on
    NL public holidays and a catch-up peak on the next open day, school-holiday dips,
    yearly seasonality (summer dip, moving season, passport travel season), the
    passport-renewal wave of 2024-2026, the tax-assessment mailing on the last weekday
    of February and the payment reminder six weeks later (about 11 % of letters
    respond over 1-5 days), social-media spikes that lead web by about an hour and
    phone/desk by 3-24 hours, and overdispersed (Poisson-gamma) counts.

    Parameters
    ----------
    seed : int, default 0
        Same seed, same data.
    start, end : str or date
        First and last local date simulated (both included).
    locations : sequence of str
        Desk and phone locations; web is one municipality-wide series ``"website"``.
    freq : str, default "30min"
        Interval of :attr:`SimulatedMunicipality.truth`: a divisor or multiple of
        30 minutes that divides a day (``"15min"``, ``"30min"``, ``"h"``), or ``"D"``.
    region : {"noord", "midden", "zuid"}, default "midden"
        School-holiday region.
    scale : float, default 1.0
        Multiplies every volume. Municipality-wide volumes (web visits, letters of
        the mailings, the response to social spikes) also grow with the number of
        locations; three locations at ``scale=1`` send 60,000 tax letters.
    passport_wave : bool, default True
        Include the passport/ID renewal wave.
    social_spikes : bool, default True
        Include social-media spikes (and their effect on demand).

    Returns
    -------
    SimulatedMunicipality
        ``phone_calls`` (``call_start, location, queue, outcome, wait_seconds,
        handle_seconds, caller_id``), ``desk_tickets`` (``ticket_time, location,
        product, wait_seconds, service_seconds, citizen_id``), ``web_visits``
        (``timestamp, location, visits, pageviews``, hourly), ``mailings``, ``social``,
        ``truth``, ``opening_hours``, ``events``.

    Examples
    --------
    >>> sim = simulate_municipality(seed=1, start="2024-03-04", end="2024-03-10")
    >>> sorted(sim.truth["unique_id"].unique())[:4]
    ['centrum/desk', 'centrum/phone', 'noord/desk', 'noord/phone']
    >>> sim.phone_calls.columns.tolist()
    ['call_start', 'location', 'queue', 'outcome', 'wait_seconds', 'handle_seconds', 'caller_id']
    >>> n_calls = len(sim.phone_calls)
    >>> expected = sim.truth.loc[sim.truth["unique_id"].str.endswith("/phone"), "y"].sum()
    >>> bool(abs(n_calls / expected - 1) < 0.05)
    True
    """
    params = _check_params(seed, start, end, locations, freq, region, scale)
    start_d, end_d, locations = params["start"], params["end"], params["locations"]
    step = _check_freq(freq)
    base_freq = freq if step is not None and step <= pd.Timedelta("30min") else "30min"
    streams = dict(zip(_STREAMS, np.random.SeedSequence(seed).spawn(len(_STREAMS)), strict=True))
    rngs = {name: np.random.default_rng(s) for name, s in streams.items()}

    grid = _grid(start_d, end_d, base_freq)
    opening = _opening_hours(start_d, end_d)
    days = _day_table(grid, start_d, end_d, params["region"])
    day_of = np.searchsorted(days["date"].to_numpy(), _local_dates(grid))
    tod = _time_of_day(grid)
    weekday = days["weekday"].to_numpy()[day_of]
    dt_hours = _time.step(base_freq) / pd.Timedelta("1h")

    open_mask = {c: np.asarray(opening[c].is_open(grid, freq=base_freq), bool) for c in CHANNELS}
    shares = {
        c: _intraday_shares(c, tod, weekday, open_mask[c], day_of, len(days)) for c in CHANNELS
    }
    open_day = {
        c: np.bincount(day_of, weights=open_mask[c], minlength=len(days)) > 0 for c in CHANNELS
    }

    sizes = np.array([_LOCATION_SIZES[i % len(_LOCATION_SIZES)] for i in range(len(locations))])
    loc_share = sizes / sizes.sum()
    # Municipality-wide volumes (letters, web, social response) follow the total size.
    town = scale * sizes.sum() / sum(_LOCATION_SIZES[:3])
    mailings = _mailings(start_d, end_d, town)
    spikes = _spikes(rngs["spikes"], grid, dt_hours) if social_spikes else _no_spikes()
    excess = _spike_curve(spikes, grid, dt_hours)

    # Daily volumes by component, shape (n_components, n_days), per location size 1.
    daily = _daily_components(days, open_day, passport_wave)
    mail_daily = {c: _mailing_daily(c, mailings, days, open_day[c]) for c in CHANNELS}
    social_rate = {c: town * _social_response(c, excess, dt_hours) * open_mask[c] for c in CHANNELS}

    phone_comp = _interval_components(
        daily["phone"] * scale,
        shares["phone"],
        day_of,
        sizes,
        extra_to=2,
        extra=mail_daily["phone"][day_of] * shares["phone"],
        extra_social=social_rate["phone"],
        social_to=0,
        loc_share=loc_share,
    )
    desk_comp = _interval_components(
        daily["desk"] * scale,
        shares["desk"],
        day_of,
        sizes,
        extra_to=None,
        extra=mail_daily["desk"][day_of] * shares["desk"],
        extra_social=social_rate["desk"],
        social_to=None,
        loc_share=loc_share,
    )
    web_rate = (
        daily["web"][0][day_of] * town * shares["web"]
        + mail_daily["web"][day_of] * shares["web"]
        + social_rate["web"]
    )

    phone_counts = _draw_counts(rngs["phone"], phone_comp.sum(axis=0), day_of)
    desk_counts = _draw_counts(rngs["desk"], desk_comp.sum(axis=0), day_of)
    phone_calls = _phone_events(
        rngs["phone"], rngs["ids"], grid, phone_comp, phone_counts, locations
    )
    desk_tickets = _desk_events(rngs["desk"], rngs["ids"], grid, desk_comp, desk_counts, locations)
    web_visits = _web_visits(rngs["web"], grid, web_rate, day_of)
    social = _mentions(rngs["mentions"], grid, excess)

    truth = _truth(grid, freq, locations, phone_comp.sum(axis=0), desk_comp.sum(axis=0), web_rate)
    events = _events(mailings, spikes)
    return SimulatedMunicipality(
        phone_calls=phone_calls,
        desk_tickets=desk_tickets,
        web_visits=web_visits,
        mailings=mailings,
        social=social,
        truth=truth,
        opening_hours=opening,
        events=events,
        params={
            **params,
            "freq": freq,
            "passport_wave": passport_wave,
            "social_spikes": social_spikes,
        },
    )


# --------------------------------------------------------------------------- checks


def _check_params(seed, start, end, locations, freq, region, scale) -> dict[str, Any]:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed={seed!r} must be a non-negative integer; pass e.g. seed=0")
    try:
        start_d = pd.Timestamp(start).date()
        end_d = pd.Timestamp(end).date()
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"start={start!r}, end={end!r}: not dates; pass ISO dates such as '2024-01-01'"
        ) from exc
    if end_d < start_d:
        raise ConfigError(f"end={end_d} is before start={start_d}; swap them")
    if isinstance(locations, str):
        locations = (locations,)
    locations = tuple(str(x) for x in locations)
    bad = [x for x in locations if not x or "/" in x]
    if not locations or bad or len(set(locations)) != len(locations):
        raise ConfigError(
            f"locations={locations!r} must be distinct non-empty names without '/'"
            f"{f' (offending: {bad[:5]})' if bad else ''}; pass e.g. ('centrum', 'noord')"
        )
    if str(region).lower() not in ("noord", "midden", "zuid"):
        raise ConfigError(
            f"region={region!r} is not a school-holiday region; use 'noord', 'midden' or 'zuid'"
        )
    if not np.isfinite(scale) or scale <= 0:
        raise ConfigError(f"scale={scale!r} must be a positive number (1.0 = default volumes)")
    return {
        "seed": int(seed),
        "start": start_d,
        "end": end_d,
        "locations": locations,
        "region": str(region).lower(),
        "scale": float(scale),
    }


def _check_freq(freq: str) -> pd.Timedelta | None:
    """Return the interval length of ``freq``, or None for daily; raise when unusable."""
    fix = "use a divisor or multiple of 30 minutes that divides a day ('15min', 'h') or 'D'"
    step = _time.step(freq)
    if step is None:
        raise ConfigError(f"freq={freq!r} is not a fixed pandas frequency; {fix}")
    half_hour, day, zero = pd.Timedelta("30min"), pd.Timedelta("1D"), pd.Timedelta(0)
    if step == day:
        return None
    if step <= zero or step < pd.Timedelta("1min") or step > day:
        fits = False
    elif step <= half_hour:
        fits = half_hour % step == zero
    else:
        fits = step % half_hour == zero and day % step == zero
    if not fits:
        raise ConfigError(f"freq={freq!r} does not fit the opening-hour grid; {fix}")
    return step


# --------------------------------------------------------------------------- time grid


def _grid(start: _dt.date, end: _dt.date, freq: str) -> pd.DatetimeIndex:
    """Local-time grid from ``start`` 00:00 to the end of ``end``, DST-correct."""
    lo = _time.to_local(pd.Timestamp(start), TZ)
    hi = _time.to_local(pd.Timestamp(end + _dt.timedelta(days=1)), TZ)
    grid = _time.local_range(lo, hi, freq, tz=TZ)
    return grid[(grid >= lo) & (grid < hi)].as_unit("ns")  # integer arithmetic below is in ns


def _local_dates(grid: pd.DatetimeIndex) -> np.ndarray:
    return _time.wall(grid).to_numpy().astype("datetime64[D]")


def _time_of_day(grid: pd.DatetimeIndex) -> np.ndarray:
    """Local wall-clock hour of each interval start, as a float (8.5 = 08:30)."""
    return np.asarray(grid.hour + grid.minute / 60.0, dtype=float)


def _aggregate(
    values: np.ndarray, index: pd.DatetimeIndex, target: pd.DatetimeIndex, freq: str
) -> np.ndarray:
    """Sum ``values`` on a fine tz-aware ``index`` into the intervals of ``target``."""
    if len(index) == len(target) and index.equals(target):
        return np.asarray(values, dtype=float)
    if isinstance(freq, str) and freq.upper() == "D":
        keys, tkeys = _local_dates(index), _local_dates(target)
    else:
        # NL offsets are whole hours, so sub-daily bins can be cut in UTC.
        keys, tkeys = _time.floor(index, _time.step(freq)).asi8, target.asi8
    pos = np.searchsorted(tkeys, keys)
    ok = (pos < len(tkeys)) & (tkeys[np.minimum(pos, len(tkeys) - 1)] == keys)
    return np.bincount(pos[ok], weights=np.asarray(values, float)[ok], minlength=len(target))


# --------------------------------------------------------------------------- calendar


def _opening_hours(start: _dt.date, end: _dt.date) -> dict[str, Any]:
    from demandcast.calendar import OpeningHours, closure_days

    closed = closure_days(start, end)
    return {
        "desk": OpeningHours.desk_default(closures=closed),  # Thursday until 20:00
        "phone": OpeningHours.phone_default(closures=closed),
        "web": OpeningHours.always(),
    }


def _day_table(grid: pd.DatetimeIndex, start: _dt.date, end: _dt.date, region: str) -> pd.DataFrame:
    from demandcast.calendar import dutch_holidays

    dates = np.unique(_local_dates(grid))
    hol = dutch_holidays(start, end, region=region, school=True)
    school_dates = pd.to_datetime(hol.loc[hol["kind"] == "school", "date"])
    school = np.isin(dates, school_dates.to_numpy().astype("datetime64[D]"))
    idx = pd.DatetimeIndex(dates)
    return pd.DataFrame(
        {
            "date": dates,
            "weekday": idx.day_of_week.to_numpy(),
            "doy": idx.day_of_year.to_numpy(),
            "year": idx.year.to_numpy() + (idx.day_of_year.to_numpy() - 1) / 365.25,
            "school": school,
        }
    )


# --------------------------------------------------------------------------- rates


def _bump(x: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - centre) / width) ** 2)


def _intraday_shape(channel: str, tod: np.ndarray) -> np.ndarray:
    """Relative intensity over the day (before opening hours)."""
    if channel == "phone":  # mid-morning peak and a second one after lunch
        return 0.15 + _bump(tod, 10.0, 1.1) + 0.75 * _bump(tod, 13.75, 1.2)
    if channel == "desk":  # queue at opening, afternoon bump, steady late evening
        since_open = np.clip(tod - 8.5, 0.0, None)
        return (
            0.45
            + 0.9 * np.exp(-since_open / 1.2)
            + 0.35 * _bump(tod, 14.0, 1.5)
            + 0.8 * (tod >= 17.0)
        )
    return 0.12 + _bump(tod, 11.0, 2.5) + 0.8 * _bump(tod, 20.5, 1.6)


def _intraday_shares(
    channel: str,
    tod: np.ndarray,
    weekday: np.ndarray,
    is_open: np.ndarray,
    day_of: np.ndarray,
    n_days: int,
) -> np.ndarray:
    """Share of the day's volume in each interval (sums to 1 over each open day)."""
    shape = _intraday_shape(channel, tod) * is_open
    total = np.bincount(day_of, weights=shape, minlength=n_days)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total[day_of] > 0, shape / total[day_of], 0.0)
    return share


def _season(doy: np.ndarray) -> np.ndarray:
    """Yearly seasonality shared by all channels: busier winter, summer dip."""
    return 1.0 + 0.06 * np.cos(2 * np.pi * (doy - 15) / 365.25) - 0.12 * _bump(doy, 215, 20)


def _passport_wave(year: np.ndarray) -> np.ndarray:
    """Extra passport/ID demand from the 10-year renewals (validity since March 2014)."""
    return 0.9 * _bump(year, 2025.2, 0.8)


def _catch_up(open_day: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Multiplier on each open day after closed weekdays (holidays)."""
    factor = np.ones(len(open_day))
    lost = 0
    for i, (is_open, wd) in enumerate(zip(open_day, weekday, strict=True)):
        if is_open:
            factor[i] += _CATCH_UP_PER_DAY * min(lost, 2)
            lost = 0
        elif wd < 5:
            lost += 1
    return factor


def _daily_components(
    days: pd.DataFrame, open_day: dict[str, np.ndarray], passport_wave: bool
) -> dict[str, np.ndarray]:
    """Daily volumes for a location of size 1: rows are queues / products."""
    doy, wd, year = days["doy"].to_numpy(), days["weekday"].to_numpy(), days["year"].to_numpy()
    wave = _passport_wave(year) if passport_wave else np.zeros(len(days))
    season = _season(doy)
    out = {}
    for c in CHANNELS:
        level = season * np.asarray(_WEEKDAY[c])[wd]
        level = level * np.where(days["school"].to_numpy(), _SCHOOL_HOLIDAY[c], 1.0)
        if c != "web":
            level = level * _catch_up(open_day[c], wd) * open_day[c]
        out[c] = level
    travel = 1.0 + 0.35 * _bump(doy, 130, 40)
    moving = 1.0 + 0.5 * _bump(doy, 215, 35)
    q = _PHONE_PER_DAY * out["phone"]
    out["phone"] = np.vstack(
        [
            q * _QUEUE_SHARES[0],
            q * _QUEUE_SHARES[1] * (1 + 0.5 * wave),
            q * _QUEUE_SHARES[2],
        ]
    )
    d = _DESK_PER_DAY * out["desk"]
    mult = (travel * (1 + wave), 1 + wave, np.ones(len(days)), moving, np.ones(len(days)))
    out["desk"] = np.vstack([d * s * m for s, m in zip(_PRODUCT_SHARES, mult, strict=True)])
    out["web"] = (_WEB_PER_DAY * out["web"] * (1 + 0.1 * (moving - 1)))[None, :]
    return out


def _interval_components(
    daily, shares, day_of, sizes, *, extra, extra_to, extra_social, social_to, loc_share
) -> np.ndarray:
    """Interval rates, shape (n_components, n_locations, n_intervals)."""
    comp = daily[:, day_of] * shares  # (k, t) for a location of size 1
    rates = comp[:, None, :] * sizes[None, :, None]
    base_total = rates.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        base_mix = np.where(base_total > 0, rates / base_total, 1.0 / len(daily))
    for add, to in ((extra, extra_to), (extra_social, social_to)):
        per_loc = add[None, :] * loc_share[:, None]  # (l, t)
        if to is None:
            rates = rates + base_mix * per_loc[None]
        else:
            rates[to] = rates[to] + per_loc
    return rates


# --------------------------------------------------------------------------- signals


def _last_weekday_of_february(year: int) -> _dt.date:
    day = _dt.date(year, 3, 1) - _dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= _dt.timedelta(days=1)
    return day


def _mailings(start: _dt.date, end: _dt.date, scale: float) -> pd.DataFrame:
    """Tax assessment letters on the last weekday of February, reminders 6 weeks later."""
    rows = []
    for year in range(start.year - 1, end.year + 1):
        tax = _last_weekday_of_february(year)
        reminder = tax + _dt.timedelta(weeks=6)
        while reminder.weekday() >= 5:
            reminder += _dt.timedelta(days=1)
        rows.append((tax, "aanslag gemeentelijke belastingen", 60_000))
        rows.append((reminder, "herinnering", 15_000))
    df = pd.DataFrame(rows, columns=["date", "name", "letters"])
    df = df[(df["date"] >= start) & (df["date"] <= end)]
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    df["letters"] = np.round(df["letters"] * scale).astype("int64")
    return df.sort_values("date").reset_index(drop=True)


def _mailing_daily(
    channel: str, mailings: pd.DataFrame, days: pd.DataFrame, open_day: np.ndarray
) -> np.ndarray:
    """Municipality-wide extra contacts per day caused by the mailings."""
    dates = days["date"].to_numpy()
    out = np.zeros(len(dates))
    for date, letters in zip(mailings["date"], mailings["letters"], strict=True):
        sent = int(np.searchsorted(dates, np.datetime64(date.date(), "D")))
        if channel == "web":
            idx = np.arange(sent, min(sent + len(_WEB_RESPONSE_DAYS), len(dates)))
            out[idx] += letters * _WEB_PER_LETTER * _WEB_RESPONSE_DAYS[: len(idx)]
            continue
        after = np.flatnonzero(open_day[sent + 1 :])[: len(_RESPONSE_DAYS)] + sent + 1
        weights = _RESPONSE_DAYS[: len(after)]
        out[after] += letters * _RESPONSE_RATE * _RESPONSE_SPLIT[channel] * weights
    return out


def _no_spikes() -> pd.DataFrame:
    return pd.DataFrame({"start": pd.DatetimeIndex([], tz=TZ), "peak": [], "tau_hours": []})


def _spikes(rng: np.random.Generator, grid: pd.DatetimeIndex, dt_hours: float) -> pd.DataFrame:
    """Social-media spikes: start time, peak mentions per hour, decay time."""
    n_years = len(grid) * dt_hours / (24 * 365.25)
    n = int(rng.poisson(_SPIKES_PER_YEAR * n_years))
    if n == 0 and n_years > 1 / 12:
        n = 1
    day = rng.integers(0, max(int(n_years * 365.25) - 1, 1), size=n)
    hour = np.clip(rng.normal(13.0, 4.0, size=n), 6.0, 23.0)
    utc0 = _time.to_local(grid[0], "UTC")
    start = (utc0 + pd.to_timedelta(day, unit="D") + pd.to_timedelta(hour, unit="h")).floor("min")
    return pd.DataFrame(
        {
            "start": _time.to_local(pd.DatetimeIndex(start), TZ),
            "peak": np.round(rng.lognormal(np.log(250.0), 0.4, size=n)),
            "tau_hours": rng.lognormal(np.log(4.0), 0.3, size=n),
        }
    ).sort_values("start", ignore_index=True)


def _spike_curve(spikes: pd.DataFrame, grid: pd.DatetimeIndex, dt_hours: float) -> np.ndarray:
    """Excess mentions per interval caused by the spikes."""
    t = grid.asi8 / 3.6e12  # hours since epoch (absolute time)
    out = np.zeros(len(grid))
    for start, peak, tau in zip(spikes["start"], spikes["peak"], spikes["tau_hours"], strict=True):
        since = t - pd.Timestamp(start).value / 3.6e12
        active = since >= -dt_hours
        lo = np.clip(since[active], 0.0, None)
        hi = np.clip(since[active] + dt_hours, 0.0, None)
        out[active] += peak * tau * (np.exp(-lo / tau) - np.exp(-hi / tau))
    return out


def _social_response(channel: str, excess: np.ndarray, dt_hours: float) -> np.ndarray:
    """Extra contacts per interval (municipality-wide) following the spikes, by lag."""
    from scipy import stats

    shape, scale = _SOCIAL_KERNEL[channel]
    edges = np.arange(0.0, 96.0 + dt_hours, dt_hours)
    kernel = np.diff(stats.gamma.cdf(edges, shape, scale=scale))
    kernel /= kernel.sum()
    return _SOCIAL_BETA[channel] * np.convolve(excess, kernel)[: len(excess)]


def _mentions(rng: np.random.Generator, grid: pd.DatetimeIndex, excess: np.ndarray) -> pd.DataFrame:
    """Hourly mention counts: daily-rhythm Poisson baseline plus the spikes."""
    hour_index, pos = _hours(grid)
    spike = np.bincount(pos, weights=excess, minlength=len(hour_index))
    base = 2.0 + 6.0 * _bump(_time_of_day(hour_index), 14.0, 4.0)
    return pd.DataFrame(
        {
            "timestamp": hour_index,
            "mentions": rng.poisson(base + spike).astype("int64"),
        }
    )


def _hours(grid: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The hours the grid covers (tz-aware) and the hour of each grid interval."""
    utc = _time.floor(grid, "h").asi8
    keys = np.unique(utc)
    hours = _time.from_utc_i8(keys, TZ)
    return hours, np.searchsorted(keys, utc)


def _events(mailings: pd.DataFrame, spikes: pd.DataFrame) -> pd.DataFrame:
    mail = pd.DataFrame(
        {
            "start": _time.to_local(pd.DatetimeIndex(mailings["date"]), TZ),
            "kind": "mailing",
            "name": mailings["name"].to_numpy(),
            "size": mailings["letters"].to_numpy(dtype=float),
        }
    )
    social = pd.DataFrame(
        {
            "start": pd.DatetimeIndex(spikes["start"]),
            "kind": "social_spike",
            "name": "social-media spike",
            "size": (spikes["peak"] * spikes["tau_hours"]).to_numpy(dtype=float),
        }
    )
    frames = [f for f in (mail, social) if len(f)]
    if not frames:
        return mail
    return pd.concat(frames, ignore_index=True).sort_values("start", ignore_index=True)


# --------------------------------------------------------------------------- draws


def _draw_counts(rng: np.random.Generator, rate: np.ndarray, day_of: np.ndarray) -> np.ndarray:
    """Poisson-gamma counts for rates of shape (n_series, n_intervals)."""
    n_days = int(day_of.max()) + 1 if len(day_of) else 0
    day_shock = rng.gamma(_DAY_SHAPE, 1.0 / _DAY_SHAPE, size=(rate.shape[0], n_days))
    shock = rng.gamma(_INTERVAL_SHAPE, 1.0 / _INTERVAL_SHAPE, size=rate.shape)
    return rng.poisson(rate * day_shock[:, day_of] * shock)


def _event_times(rng: np.random.Generator, grid: pd.DatetimeIndex, interval: np.ndarray):
    """Uniform times within each event's interval, as naive local wall-clock."""
    step = (grid[1] - grid[0]).value if len(grid) > 1 else pd.Timedelta("30min").value
    ns = grid.asi8[interval] + (rng.random(len(interval)) * step).astype("int64")
    ns = ns - ns % 1_000_000_000
    return _time.wall(_time.from_utc_i8(ns, TZ))


def _explode(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Location and interval index of every event for counts (n_loc, n_t)."""
    flat = counts.ravel()
    idx = np.repeat(np.arange(flat.size), flat)
    return idx // counts.shape[1], idx % counts.shape[1]


def _pick(
    rng: np.random.Generator, comp: np.ndarray, loc: np.ndarray, interval: np.ndarray
) -> np.ndarray:
    """Component (queue / product) of each event, in proportion to the component rates."""
    probs = comp[:, loc, interval]
    cum = np.cumsum(probs, axis=0)
    cum = cum / cum[-1]
    return (rng.random(len(loc))[None, :] > cum).sum(axis=0).clip(0, comp.shape[0] - 1)


def _load(rate: np.ndarray) -> np.ndarray:
    """Interval rate relative to the series' mean over open intervals."""
    mean = np.array([r[r > 0].mean() if (r > 0).any() else 1.0 for r in rate])
    return rate / mean[:, None]


def _labels(names, codes: np.ndarray) -> pd.Series:
    """Text column (pandas' default text dtype) of ``names[codes]``, built by take."""
    return pd.Series(pd.array(list(names), dtype=_TEXT)).take(codes).reset_index(drop=True)


def _numbers(values: np.ndarray, prefix: str, width: int) -> pd.Series:
    """Zero-padded digit strings, e.g. prefix "06" and width 8 -> "06xxxxxxxx"."""
    # via str: on pandas 2 astype(object) would keep the integers
    padded = pd.Series(np.asarray(values, dtype=np.int64) + 10**width).astype(str).astype(_TEXT)
    return prefix + padded.str.slice(1)


def _phone_events(rng, id_rng, grid, comp, counts, locations) -> pd.DataFrame:
    loc, interval = _explode(counts)
    n = len(loc)
    queue = _pick(rng, comp, loc, interval)
    load = _load(comp.sum(axis=0))[loc, interval]
    p_abandon = np.clip(0.03 * load**2, 0.005, 0.6)
    abandoned = rng.random(n) < p_abandon
    wait = np.where(
        abandoned,
        rng.exponential(40.0 + 20.0 * load),
        rng.exponential(np.clip(15.0 * load**2, 5.0, 900.0)),
    )
    aht = 270.0
    handle = np.where(abandoned, 0.0, rng.lognormal(np.log(aht) - 0.18, 0.6, size=n))
    callers = id_rng.integers(0, 10**8, size=n)
    times = _event_times(rng, grid, interval)
    # Some abandoned callers redial a few calls later at the same location.
    by_loc = np.lexsort((times.asi8, loc))
    src = by_loc[np.flatnonzero(abandoned[by_loc] & (rng.random(n) < 0.5))]
    step = 1 + rng.geometric(0.3, size=len(src))
    rank = np.empty(n, dtype=np.int64)
    rank[by_loc] = np.arange(n)
    dst_rank = rank[src] + step
    keep = dst_rank < n
    src, dst = src[keep], by_loc[dst_rank[keep]]
    same = loc[src] == loc[dst]
    callers[dst[same]] = callers[src[same]]
    order = np.lexsort((loc, times.asi8))
    return pd.DataFrame(
        {
            "call_start": times[order],
            "location": _labels(locations, loc[order]),
            "queue": _labels(PHONE_QUEUES, queue[order]),
            "outcome": _labels(("answered", "abandoned"), abandoned[order].astype(np.int64)),
            "wait_seconds": np.round(wait[order]).astype("int64"),
            "handle_seconds": np.round(handle[order]).astype("int64"),
            "caller_id": _numbers(callers[order], "06", 8),
        }
    )


def _desk_events(rng, id_rng, grid, comp, counts, locations) -> pd.DataFrame:
    loc, interval = _explode(counts)
    n = len(loc)
    product = _pick(rng, comp, loc, interval)
    load = _load(comp.sum(axis=0))[loc, interval]
    wait = rng.exponential(np.clip(240.0 * load, 30.0, 3600.0))
    service_mean = np.asarray(_SERVICE_MINUTES)[product] * 60.0
    service = rng.lognormal(np.log(service_mean) - 0.08, 0.4)
    times = _event_times(rng, grid, interval)
    citizens = id_rng.integers(0, 10**9, size=n)
    order = np.lexsort((loc, times.asi8))
    return pd.DataFrame(
        {
            "ticket_time": times[order],
            "location": _labels(locations, loc[order]),
            "product": _labels(DESK_PRODUCTS, product[order]),
            "wait_seconds": np.round(wait[order]).astype("int64"),
            "service_seconds": np.round(service[order]).astype("int64"),
            "citizen_id": _numbers(citizens[order], "", 9),
        }
    )


def _web_visits(rng, grid, rate, day_of) -> pd.DataFrame:
    """Hourly analytics export: visits and pageviews of the municipal website."""
    hour_index, pos = _hours(grid)
    hourly_rate = np.bincount(pos, weights=rate, minlength=len(hour_index))
    hour_day = np.zeros(len(hour_index), dtype=np.int64)
    hour_day[pos] = day_of
    visits = _draw_counts(rng, hourly_rate[None, :], hour_day)[0]
    pageviews = visits + rng.poisson(2.2 * visits)
    df = pd.DataFrame(
        {
            "timestamp": _time.wall(hour_index),
            "location": _labels((WEB_LOCATION,), np.zeros(len(visits), dtype=np.int64)),
            "visits": visits.astype("int64"),
            "pageviews": pageviews.astype("int64"),
        }
    )
    return df


def _truth(grid, freq, locations, phone_rate, desk_rate, web_rate) -> pd.DataFrame:
    target = _grid(grid[0].date(), grid[-1].date(), freq)
    parts = []
    for name, rate in (("phone", phone_rate), ("desk", desk_rate)):
        for i, loc in enumerate(locations):
            parts.append((f"{loc}/{name}", _aggregate(rate[i], grid, target, freq)))
    parts.append((f"{WEB_LOCATION}/web", _aggregate(web_rate, grid, target, freq)))
    parts.sort(key=lambda p: p[0])
    ds = _time.from_utc_i8(np.tile(target.asi8, len(parts)), TZ)
    return pd.DataFrame(
        {
            "unique_id": pd.Series(np.repeat([p[0] for p in parts], len(target))).astype(
                pd.Series(["x"]).dtype
            ),
            "ds": ds,
            "y": np.concatenate([p[1] for p in parts]),
        }
    )
