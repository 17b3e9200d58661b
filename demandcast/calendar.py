"""The Dutch calendar: public and school holidays, closure days and opening hours.

Everything here works in local wall-clock time of ``Europe/Amsterdam``: a desk that
opens at 08:30 opens at 08:30 in winter and in summer, and intraday grids built in
local time have 23 hourly intervals on the last Sunday of March and 25 on the last
Sunday of October.

Public holidays and the school holidays of the three regions (noord, midden, zuid)
come from the ``holidays`` package; Good Friday and Liberation Day (5 May) are closure
days only in some municipalities, so both are configurable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import re
import warnings
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._time import DEFAULT_TZ
from demandcast.exceptions import ConfigError, DataWarning, InvalidFrameError

__all__ = [
    "DEFAULT_TZ",
    "REGIONS",
    "OpeningHours",
    "calendar_features",
    "closure_days",
    "dst_transition_days",
    "dutch_holidays",
]


#: School-holiday regions: accepted name (any case) -> subdivision code of ``holidays.NL``.
REGIONS: dict[str, str] = {"noord": "Noord", "midden": "Midden", "zuid": "Zuid"}

# Holiday names are taken in English so they do not depend on the machine's locale.
_LANGUAGE = "en_US"
# The school breaks every complete year has (names as holidays.NL gives them in English).
_SCHOOL_BREAKS = ("Christmas Break", "Spring Break", "May Break", "Summer Break", "Autumn Break")

DateLike = dt.date | dt.datetime | pd.Timestamp | np.datetime64 | str
LiberationRule = Literal["lustrum"] | bool


# --------------------------------------------------------------------------- helpers


def _to_date(value: Any, param: str) -> dt.date:
    """Turn a date, datetime, Timestamp, numpy datetime64 or ISO string into a date."""
    if isinstance(value, dt.datetime):  # Timestamp (and NaT) are datetime subclasses
        if not pd.isna(value):
            return value.date()
        value = None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (str, np.datetime64)):
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError):
            ts = pd.NaT
        if ts is not pd.NaT and not pd.isna(ts):
            return ts.date()
    raise ConfigError(
        f"{param}: {value!r} is not a date; give a datetime.date, a pandas Timestamp or an "
        "ISO string such as '2025-05-05'"
    )


def _to_dates(values: Any, param: str) -> list[dt.date]:
    """Parse an iterable of date-likes (or one date-like); all bad values in one error."""
    if values is None:
        return []
    if isinstance(values, (str, dt.date, np.datetime64)):
        values = [values]
    out: list[dt.date] = []
    bad: list[Any] = []
    for value in values:
        try:
            out.append(_to_date(value, param))
        except ConfigError:
            bad.append(value)
    if bad:
        shown = ", ".join(repr(v) for v in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise ConfigError(
            f"{param}: {len(bad)} value(s) are not dates: {shown}{more}; give datetime.date "
            "objects or ISO strings such as '2025-05-05'"
        )
    return out


def _date_range(start: Any, end: Any) -> tuple[dt.date, dt.date]:
    start_d, end_d = _to_date(start, "start"), _to_date(end, "end")
    if start_d > end_d:
        raise ConfigError(
            f"start ({start_d}) is after end ({end_d}); give start <= end (both inclusive)"
        )
    return start_d, end_d


def _region_subdiv(region: str | None) -> str | None:
    """Map a region name (any case) to the ``holidays.NL`` subdivision; None stays None."""
    if region is None:
        return None
    key = str(region).strip().lower()
    if key not in REGIONS:
        raise ConfigError(
            f"region: {region!r} is not a Dutch school-holiday region; choose one of "
            f"{', '.join(repr(r) for r in REGIONS)} (any case), or None for no school holidays"
        )
    return REGIONS[key]


def _check_liberation(liberation_day: Any) -> None:
    if liberation_day is True or liberation_day is False or liberation_day == "lustrum":
        return
    raise ConfigError(
        f"liberation_day: {liberation_day!r} is not allowed; use 'lustrum' (5 May is a day "
        "off in 2025, 2030, ...), True (every year) or False (never)"
    )


def _easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=128)
def _public_rows(
    years: tuple[int, ...], good_friday: bool, liberation_day: LiberationRule
) -> tuple[tuple[dt.date, str], ...]:
    import holidays

    public = holidays.NL(years=years, categories=("public",), language=_LANGUAGE)
    optional = holidays.NL(years=years, categories=("optional",), language=_LANGUAGE)
    liberation = {d: set(optional.get_list(d)) for d in optional}  # only 5 May in NL
    good_fridays = {_easter_sunday(y) - dt.timedelta(days=2) for y in years}

    rows: list[tuple[dt.date, str]] = []
    for day in sorted(public):
        for name in public.get_list(day):
            if day in good_fridays and not good_friday:
                continue
            if name in liberation.get(day, ()):
                continue  # re-added below by our own rule
            rows.append((day, name))
    for day in sorted(liberation):
        if liberation_day is True or (liberation_day == "lustrum" and day.year % 5 == 0):
            rows.extend((day, name) for name in sorted(liberation[day]))
    return tuple(sorted(rows))


@lru_cache(maxsize=128)
def _school_rows(
    years: tuple[int, ...], subdiv: str
) -> tuple[tuple[tuple[dt.date, str], ...], tuple[tuple[int, tuple[str, ...]], ...]]:
    """School-holiday rows and, per year with gaps, the breaks the package does not know."""
    import holidays

    school = holidays.NL(subdiv=subdiv, years=years, categories=("school",), language=_LANGUAGE)
    rows = tuple(sorted((day, name) for day in school for name in school.get_list(day)))
    seen: dict[int, set[str]] = {y: set() for y in years}
    for day, name in rows:
        seen[day.year].add(name)
    gaps = tuple(
        (y, tuple(b for b in _SCHOOL_BREAKS if b not in seen[y]))
        for y in years
        if any(b not in seen[y] for b in _SCHOOL_BREAKS)
    )
    return rows, gaps


# --------------------------------------------------------------------------- holidays


def dutch_holidays(
    start: DateLike,
    end: DateLike,
    *,
    region: str | None = "midden",
    school: bool = True,
    good_friday: bool = False,
    liberation_day: LiberationRule = "lustrum",
) -> pd.DataFrame:
    """Dutch public holidays and the school holidays of one region.

    Parameters
    ----------
    start, end : date, Timestamp or ISO string
        First and last day, both inclusive.
    region : {"noord", "midden", "zuid"} or None, default "midden"
        School-holiday region, any case. None leaves school holidays out.
    school : bool, default True
        Include school holidays. Years the ``holidays`` package has no (complete)
        school calendar for are reported once with a :class:`DataWarning` and
        give public holidays only.
    good_friday : bool, default False
        Count Good Friday as a public holiday (a closure day in some municipalities).
    liberation_day : {"lustrum", True, False}, default "lustrum"
        Liberation Day (5 May) is a day off every five years (2025, 2030, ...) under
        most collective agreements ("lustrum"); True counts it every year, False never.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (``datetime.date``), ``name`` (English) and ``kind``
        (``"public"`` or ``"school"``), one row per holiday and day, sorted by date.
        A school break gives one row per day, weekends included.

    Raises
    ------
    ConfigError
        Unknown region, bad ``liberation_day`` or dates that cannot be read.

    Examples
    --------
    >>> h = dutch_holidays("2025-04-01", "2025-05-31", school=False)
    >>> h[h["name"] == "King's Day"]["date"].tolist()
    [datetime.date(2025, 4, 26)]
    >>> "Good Friday" in set(h["name"])
    False
    >>> bool((h["name"] == "Liberation Day").any())   # 2025 is a lustrum year
    True
    >>> s = dutch_holidays("2025-02-01", "2025-03-15", region="noord")
    >>> s[s["kind"] == "school"]["date"].min()
    datetime.date(2025, 2, 15)
    """
    start_d, end_d = _date_range(start, end)
    _check_liberation(liberation_day)
    subdiv = _region_subdiv(region)
    years = tuple(range(start_d.year, end_d.year + 1))

    rows = [(d, n, "public") for d, n in _public_rows(years, bool(good_friday), liberation_day)]
    if school and subdiv is not None:
        school_rows, gaps = _school_rows(years, subdiv)
        rows.extend((d, n, "school") for d, n in school_rows)
        if gaps:
            _warn_school_gaps(gaps, region)

    rows = [r for r in rows if start_d <= r[0] <= end_d]
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    frame = pd.DataFrame(rows, columns=["date", "name", "kind"])
    frame["date"] = frame["date"].astype(object)
    return frame


def _warn_school_gaps(
    gaps: tuple[tuple[int, tuple[str, ...]], ...], region: Any, stacklevel: int = 3
) -> None:
    parts = [
        f"{year}: none"
        if len(missing) == len(_SCHOOL_BREAKS)
        else f"{year}: no {', '.join(missing)}"
        for year, missing in gaps[:5]
    ]
    more = f" (and {len(gaps) - 5} more years)" if len(gaps) > 5 else ""
    warnings.warn(
        f"school holidays for region {region!r} are missing in the holidays package for "
        f"{len(gaps)} year(s): {'; '.join(parts)}{more}; those days are not flagged as school "
        "holidays (public holidays are complete); upgrade the holidays package or pass "
        "school=False to silence this",
        DataWarning,
        stacklevel=stacklevel,
    )


def closure_days(
    start: DateLike,
    end: DateLike,
    *,
    extra: Iterable[DateLike] = (),
    good_friday: bool = False,
    liberation_day: LiberationRule = "lustrum",
    include_public: bool = True,
) -> set[dt.date]:
    """Days the municipality is closed: public holidays plus bridge and local days.

    Parameters
    ----------
    start, end : date, Timestamp or ISO string
        First and last day, both inclusive; only closures in this range are returned.
    extra : iterable of date or ISO string
        Municipal closure days: bridge days (e.g. the Friday after Ascension Day),
        local days. A single date or string is accepted too.
    good_friday : bool, default False
        Close on Good Friday.
    liberation_day : {"lustrum", True, False}, default "lustrum"
        Close on 5 May every five years, every year or never.
    include_public : bool, default True
        Include the public holidays; False returns only ``extra``.

    Returns
    -------
    set of datetime.date
        Public holidays that fall on weekends are included; they do no harm since
        weekends are closed by the opening hours anyway.

    Raises
    ------
    ConfigError
        A value in ``extra`` is not a date.

    Examples
    --------
    >>> days = closure_days("2026-05-01", "2026-05-31", extra=["2026-05-15"])
    >>> sorted(days)
    [datetime.date(2026, 5, 14), datetime.date(2026, 5, 15), datetime.date(2026, 5, 24), datetime.date(2026, 5, 25)]
    """  # noqa: E501
    start_d, end_d = _date_range(start, end)
    extra_days = _to_dates(extra, "extra")
    days: set[dt.date] = set()
    if include_public:
        public = dutch_holidays(
            start_d,
            end_d,
            region=None,
            school=False,
            good_friday=good_friday,
            liberation_day=liberation_day,
        )
        days.update(public["date"])
    days.update(d for d in extra_days if start_d <= d <= end_d)
    return days


def dst_transition_days(year: int, tz: str = DEFAULT_TZ) -> tuple[dt.date, ...]:
    """The local dates on which the UTC offset of ``tz`` changes in ``year``.

    Parameters
    ----------
    year : int
    tz : str, default "Europe/Amsterdam"

    Returns
    -------
    tuple of datetime.date
        For Europe/Amsterdam the last Sundays of March and October; empty for a zone
        without daylight-saving time.

    Examples
    --------
    >>> dst_transition_days(2026)
    (datetime.date(2026, 3, 29), datetime.date(2026, 10, 25))
    """
    hours = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", tz="UTC")
    local = _time.to_local(hours, tz)
    offsets = _time.wall_i8(local) - _time.wall_i8(hours)  # UTC offsets in nanoseconds
    changes = np.flatnonzero(np.diff(offsets) != 0) + 1
    return tuple(sorted({local[i].date() for i in changes if local[i].year == year}))


# --------------------------------------------------------------------------- opening hours

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    **{name: i for i, name in enumerate(_DAY_NAMES)},
    **{
        full: i
        for i, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_FORM = (
    "'HH:MM-HH:MM' windows separated by commas (e.g. '08:30-12:00,13:00-17:00'), "
    "'00:00-24:00' for the whole day, or 'closed'"
)
_KEY_FORM = "a weekday 'mon'..'sun' (or 'monday'..) or a range such as 'mon-fri'"
_MINUTES_PER_DAY = 1440

Window = tuple[dt.time, dt.time]


def _minutes(t: dt.time, *, is_close: bool) -> int:
    minutes = t.hour * 60 + t.minute
    return _MINUTES_PER_DAY if is_close and minutes == 0 else minutes


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclasses.dataclass(frozen=True, repr=False)
class OpeningHours:
    """When a channel is open, per weekday in local time, with closure days.

    Parameters
    ----------
    windows : tuple of 7 tuples of (open, close) ``datetime.time`` pairs
        Monday (0) to Sunday (6). A window is half-open ``[open, close)``;
        ``close == time(0, 0)`` means 24:00, the end of the day. Several
        windows a day are allowed (e.g. a lunch break); an empty tuple is a
        closed day. Times are whole minutes; windows do not overlap.
    closures : frozenset of datetime.date
        Days closed in full (public holidays, bridge days, local days).

    Notes
    -----
    Immutable, hashable and picklable. Build it with :meth:`from_dict`,
    :meth:`always` or a preset rather than by hand.

    Examples
    --------
    >>> desk = OpeningHours.desk_default()
    >>> ds = pd.DatetimeIndex(["2026-03-26 19:30", "2026-03-27 19:30", "2026-03-28 10:00"],
    ...                       tz="Europe/Amsterdam")
    >>> desk.is_open(ds).tolist()          # Thursday late opening, Friday, Saturday
    [True, False, False]
    >>> desk.with_closures(["2026-03-26"]).is_open(ds).tolist()
    [False, False, False]
    """

    windows: tuple[tuple[Window, ...], ...]
    closures: frozenset[dt.date] = frozenset()
    _table: np.ndarray = dataclasses.field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        windows = tuple(tuple((o, c) for o, c in day) for day in self.windows)
        if len(windows) != 7:
            raise ConfigError(
                f"windows: got {len(windows)} weekdays, need 7 (Monday..Sunday); use "
                "OpeningHours.from_dict({'mon-fri': '08:30-17:00'}) to build one"
            )
        table = np.zeros((7, _MINUTES_PER_DAY), dtype=bool)
        for weekday, day in enumerate(windows):
            spans = []
            for open_t, close_t in day:
                where = f"{_DAY_NAMES[weekday]} window {open_t}-{close_t}"
                if not isinstance(open_t, dt.time) or not isinstance(close_t, dt.time):
                    raise ConfigError(f"{where}: open and close must be datetime.time")
                if any(t.second or t.microsecond or t.tzinfo for t in (open_t, close_t)):
                    raise ConfigError(
                        f"{where}: times must be whole minutes without a time zone "
                        "(opening hours are local wall-clock time)"
                    )
                lo, hi = _minutes(open_t, is_close=False), _minutes(close_t, is_close=True)
                if lo >= hi:
                    raise ConfigError(
                        f"{where}: close must be after open; a window cannot pass midnight, "
                        "split it over two days (close '24:00', open '00:00')"
                    )
                spans.append((lo, hi))
            spans.sort()
            for (_, hi1), (lo2, _) in itertools.pairwise(spans):
                if lo2 < hi1:
                    shown = [f"{_fmt(a)}-{_fmt(b)}" for a, b in spans]
                    raise ConfigError(
                        f"{_DAY_NAMES[weekday]}: windows {shown} overlap; merge them into one"
                    )
            for lo, hi in spans:
                table[weekday, lo:hi] = True
        windows = tuple(
            tuple(sorted(day, key=lambda w: _minutes(w[0], is_close=False))) for day in windows
        )
        closures = frozenset(_to_dates(self.closures, "closures"))
        table.flags.writeable = False
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "closures", closures)
        object.__setattr__(self, "_table", table)

    def __repr__(self) -> str:
        config = self.to_dict()
        closures = config.pop("closures", [])
        extra = f", closures=<{len(closures)} days>" if closures else ""
        return f"OpeningHours.from_dict({config!r}{extra})"

    # ------------------------------------------------------------------ constructors

    @classmethod
    def always(cls, closures: Iterable[DateLike] = ()) -> OpeningHours:
        """Open around the clock every day (a website).

        Examples
        --------
        >>> OpeningHours.always().to_dict()
        {'mon-sun': '00:00-24:00'}
        """
        whole_day = ((dt.time(0, 0), dt.time(0, 0)),)
        return cls((whole_day,) * 7, frozenset(_to_dates(closures, "closures")))

    @classmethod
    def web(cls) -> OpeningHours:
        """The web channel: always open, no closures.

        Examples
        --------
        >>> OpeningHours.web() == OpeningHours.always()
        True
        """
        return cls.always()

    @classmethod
    def desk_default(cls, closures: Iterable[DateLike] = ()) -> OpeningHours:
        """A municipal desk: Monday-Friday 08:30-17:00, Thursday until 20:00.

        Examples
        --------
        >>> OpeningHours.desk_default().to_dict()
        {'mon-wed': '08:30-17:00', 'thu': '08:30-20:00', 'fri': '08:30-17:00', 'sat-sun': 'closed'}
        """
        return cls.from_dict({"mon-fri": "08:30-17:00", "thu": "08:30-20:00"}, closures=closures)

    @classmethod
    def phone_default(cls, closures: Iterable[DateLike] = ()) -> OpeningHours:
        """A municipal phone line (KCC): Monday-Friday 08:00-17:00.

        Examples
        --------
        >>> OpeningHours.phone_default().daily_open_minutes("2026-03-27")
        540
        """
        return cls.from_dict({"mon-fri": "08:00-17:00"}, closures=closures)

    @classmethod
    def from_dict(
        cls, mapping: Mapping[str, Any], closures: Iterable[DateLike] = ()
    ) -> OpeningHours:
        """Build opening hours from a config mapping.

        Parameters
        ----------
        mapping : mapping of str to str or list of str
            Keys are weekdays (``"mon"``..``"sun"`` or full names, any case) or
            ranges (``"mon-fri"``, ``"sat-sun"``); values are ``"08:30-17:00"``,
            ``"08:30-12:00,13:00-20:00"`` (or a list of windows), ``"00:00-24:00"``
            or ``"closed"``. A day named by a shorter range wins over a longer one
            (``"thu"`` overrides ``"mon-fri"``); days not named are closed. An
            optional ``"closures"`` key holds a list of ISO dates.
        closures : iterable of date or ISO string
            Closure days, added to any under the ``"closures"`` key.

        Raises
        ------
        ConfigError
            A key or value not in the allowed form, overlapping windows, or two
            ranges of the same length that disagree on a day.

        Examples
        --------
        >>> hours = OpeningHours.from_dict({"mon-fri": "08:30-12:00,13:00-17:00",
        ...                                 "wed": "closed"})
        >>> hours.daily_open_minutes("2026-03-23"), hours.daily_open_minutes("2026-03-25")
        (450, 0)
        >>> OpeningHours.from_dict(hours.to_dict()) == hours
        True
        """
        if not isinstance(mapping, Mapping):
            raise ConfigError(
                f"opening hours: expected a mapping such as {{'mon-fri': '08:30-17:00'}}, "
                f"got {type(mapping).__name__}"
            )
        chosen: dict[int, tuple[int, str, tuple[Window, ...]]] = {}
        all_closures = _to_dates(closures, "closures")
        for raw_key, value in mapping.items():
            key = str(raw_key).strip().lower()
            if key == "closures":
                all_closures.extend(_to_dates(value, "closures"))
                continue
            days = _parse_day_key(key, raw_key)
            windows = _parse_windows(value, raw_key)
            for day in days:
                if day in chosen:
                    size, other, other_windows = chosen[day]
                    if size < len(days) or (size == len(days) and other_windows == windows):
                        continue
                    if size == len(days):
                        raise ConfigError(
                            f"opening hours: keys {other!r} and {raw_key!r} both set "
                            f"{_DAY_NAMES[day]} differently; name {_DAY_NAMES[day]!r} on its own"
                        )
                chosen[day] = (len(days), str(raw_key), windows)
        windows_by_day = tuple(chosen[d][2] if d in chosen else () for d in range(7))
        return cls(windows_by_day, frozenset(all_closures))

    # ------------------------------------------------------------------ queries

    def to_dict(self) -> dict[str, Any]:
        """The config form: consecutive equal days as ranges, closures as ISO strings.

        Examples
        --------
        >>> OpeningHours.phone_default(closures=["2026-12-24"]).to_dict()
        {'mon-fri': '08:00-17:00', 'sat-sun': 'closed', 'closures': ['2026-12-24']}
        """
        texts = [
            ",".join(
                f"{_fmt(_minutes(o, is_close=False))}-{_fmt(_minutes(c, is_close=True))}"
                for o, c in day
            )
            or "closed"
            for day in self.windows
        ]
        out: dict[str, Any] = {}
        first = 0
        for day in range(1, 8):
            if day == 7 or texts[day] != texts[first]:
                key = (
                    _DAY_NAMES[first]
                    if day - 1 == first
                    else f"{_DAY_NAMES[first]}-{_DAY_NAMES[day - 1]}"
                )
                out[key] = texts[first]
                first = day
        if self.closures:
            out["closures"] = [d.isoformat() for d in sorted(self.closures)]
        return out

    def with_closures(self, dates: Iterable[DateLike]) -> OpeningHours:
        """A copy with more closure days.

        Examples
        --------
        >>> hours = OpeningHours.desk_default().with_closures(["2026-05-15"])
        >>> hours.daily_open_minutes("2026-05-15")
        0
        """
        extra = frozenset(_to_dates(dates, "dates"))
        return dataclasses.replace(self, closures=self.closures | extra)

    def daily_open_minutes(self, date: DateLike) -> int:
        """Minutes the channel is open on a local date (0 on closure days).

        Examples
        --------
        >>> OpeningHours.desk_default().daily_open_minutes("2026-03-26")   # a Thursday
        690
        """
        day = _to_date(date, "date")
        if day in self.closures:
            return 0
        return int(self._table[day.weekday()].sum())

    def is_open(
        self, ds: pd.DatetimeIndex | pd.Series | Iterable[Any], freq: str | None = None
    ) -> np.ndarray:
        """Boolean mask: is the channel open at each interval start (or on each day)?

        Parameters
        ----------
        ds : DatetimeIndex, Series or array-like of timestamps
            Interval starts. Time-zone-aware values are converted to Europe/Amsterdam
            wall-clock time; naive values are taken as local wall-clock time already.
        freq : str, optional
            Pandas offset alias. ``"D"`` (or None with every timestamp at midnight)
            means daily data: a day is open when its weekday has any window and it
            is not a closure day; a week (``"W"``, ``"W-MON"``) is open when any of
            its seven days is. Otherwise an interval is open when its start lies in
            a window of its local day and that day is not a closure day. Pass
            ``freq`` when a short intraday grid may hold only midnight starts.

        Returns
        -------
        numpy.ndarray of bool, same length as ``ds``

        Raises
        ------
        InvalidFrameError
            ``ds`` is not datetime-like or holds missing timestamps (NaT).
        ConfigError
            ``freq`` is not intraday, daily or weekly.

        Examples
        --------
        >>> grid = pd.date_range("2026-03-28", periods=3, freq="D", tz="Europe/Amsterdam")
        >>> OpeningHours.desk_default().is_open(grid).tolist()   # Sat, Sun, Mon
        [False, False, True]
        """
        wall, own_day = _wall_clock(ds)
        return self._mask(wall, own_day, freq)

    def _mask(self, wall: np.ndarray, own_day: np.ndarray | None, freq: str | None) -> np.ndarray:
        day = wall.astype("datetime64[D]")
        closed = np.array(sorted(self.closures), dtype="datetime64[D]")
        n_days = _interval_days(freq, wall, own_day)
        if n_days == 0:
            minute = (wall.astype("datetime64[m]") - day).astype(np.int64)
            open_ = self._table[_weekday(day), minute]
            if len(closed):
                open_ &= ~np.isin(day, closed)
            return open_
        # daily (or longer) intervals: open when any of their days is open
        first = own_day if own_day is not None else day
        weekday_open = self._table.any(axis=1)
        open_ = np.zeros(len(wall), dtype=bool)
        for k in range(n_days):
            days = first + np.timedelta64(k, "D")
            open_k = weekday_open[_weekday(days)]
            if len(closed):
                open_k &= ~np.isin(days, closed)
            open_ |= open_k
        return np.asarray(open_, dtype=bool)


def _parse_day_key(key: str, raw_key: Any) -> list[int]:
    parts = [p.strip() for p in key.split("-")]
    if len(parts) in (1, 2) and all(p in _DAY_ALIASES for p in parts):
        first, last = _DAY_ALIASES[parts[0]], _DAY_ALIASES[parts[-1]]
        if first <= last:
            return list(range(first, last + 1))
    raise ConfigError(
        f"opening hours: key {raw_key!r} is not {_KEY_FORM} (ranges run forward, Monday first)"
    )


def _parse_windows(value: Any, raw_key: Any) -> tuple[Window, ...]:
    if isinstance(value, (list, tuple)):
        pieces = [str(v) for v in value]
    elif isinstance(value, str):
        pieces = value.split(",")
    else:
        pieces = None
    if pieces is None:
        raise ConfigError(f"opening hours {raw_key!r}: value {value!r} is not {_FORM}")
    if len(pieces) == 1 and pieces[0].strip().lower() in ("closed", ""):
        return ()
    windows: list[Window] = []
    for piece in pieces:
        match = _WINDOW_RE.match(piece)
        ok = match is not None
        if ok:
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            ok = h1 < 24 and m1 < 60 and m2 < 60 and (h2 < 24 or (h2 == 24 and m2 == 0))
        if not ok:
            raise ConfigError(
                f"opening hours {raw_key!r}: value {value!r} is not {_FORM} "
                f"(cannot read {piece.strip()!r})"
            )
        close = dt.time(0, 0) if h2 == 24 else dt.time(h2, m2)
        if h2 != 24 and (h2, m2) <= (h1, m1):
            raise ConfigError(
                f"opening hours {raw_key!r}: window {piece.strip()!r} closes before it opens; "
                "a window cannot pass midnight: end it at '24:00' and start the next day "
                "at '00:00'"
            )
        windows.append((dt.time(h1, m1), close))
    return tuple(windows)


def _wall_clock(ds: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Local wall-clock times (naive datetime64) and, when every value is at midnight
    in its own zone, the days in that zone (for daily data stored in another zone)."""
    try:
        idx = pd.DatetimeIndex(ds)
    except (TypeError, ValueError) as exc:
        raise InvalidFrameError(
            f"ds: cannot read the values as timestamps ({exc}); give a DatetimeIndex or a "
            "datetime Series, time-zone aware (Europe/Amsterdam) or local wall-clock time"
        ) from exc
    if idx.hasnans:
        where = np.flatnonzero(idx.isna())
        raise InvalidFrameError(
            f"ds: {len(where)} missing timestamp(s) (NaT) at positions "
            f"{where[:5].tolist()}; drop or fill them first"
        )
    own_day = None
    if idx.tz is not None:
        own = _time.wall(idx).values
        if len(own) and (own == own.astype("datetime64[D]")).all():
            own_day = own.astype("datetime64[D]")
        idx = _time.wall(_time.to_local(idx, DEFAULT_TZ))
    return idx.values, own_day


def _interval_days(freq: str | None, wall: np.ndarray, own_day: np.ndarray | None) -> int:
    """Length in days of the intervals (1 for daily, 7 for weekly), 0 for intraday."""
    if freq is None:
        daily = own_day is not None or bool(
            len(wall) and (wall == wall.astype("datetime64[D]")).all()
        )
        return int(daily)
    try:
        offset = _time.offset(freq)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"freq: {freq!r} is not a pandas offset alias; use e.g. 'D', 'h', '30min'"
        ) from exc
    if isinstance(offset, pd.offsets.Day):  # before Tick: Day is a Tick on pandas 2
        return max(1, offset.n)
    if isinstance(offset, pd.offsets.Week):
        return 7 * max(1, offset.n)
    if isinstance(offset, pd.offsets.Tick) and _time.step(offset) < _time.DAY:
        return 0
    raise ConfigError(
        f"freq: {freq!r} is not supported for opening hours; use 'D' for daily data, 'W' "
        "for weekly data or an intraday alias such as 'h', '30min', '15min'"
    )


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday=0 weekday of datetime64[D] values (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


# --------------------------------------------------------------------------- features


def calendar_features(
    ds: pd.DatetimeIndex | pd.Series,
    *,
    region: str | None = "midden",
    closures: Iterable[DateLike] | None = None,
    opening_hours: OpeningHours | None = None,
    freq: str | None = None,
) -> pd.DataFrame:
    """Numeric calendar features for models, one row per timestamp.

    Parameters
    ----------
    ds : DatetimeIndex or Series of timestamps
        Interval starts (or days at local midnight). Aware values are converted to
        Europe/Amsterdam; naive values are taken as local wall-clock time.
    region : {"noord", "midden", "zuid"} or None, default "midden"
        School-holiday region.
    closures : iterable of date, optional
        Closure days. None means :func:`closure_days` with its defaults (public
        holidays, no Good Friday, Liberation Day in lustrum years).
    opening_hours : OpeningHours, optional
        When given, days without opening hours (weekends for a desk) and its own
        closures are closed days too, and an ``is_open`` column is added.
    freq : str, optional
        Interval length for ``interval_of_day``; inferred from the smallest gap
        between timestamps when None.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``ds`` (its index for a Series, ``ds`` itself for an index), all
        columns integer: ``weekday`` (Monday 0), ``hour``, ``minute_of_day``,
        ``interval_of_day``, ``month``, ``day_of_year``, ``week_of_year`` (ISO),
        ``is_public_holiday``, ``is_school_holiday``, ``is_closed_day``,
        ``day_before_closure`` (an open day followed by a closed one),
        ``day_after_closure`` (the first open day after one or more closed days:
        catch-up peaks), ``closed_days_before`` (how many closed days directly
        precede the day, counted up to a month back), ``days_to_month_end``,
        ``days_since_month_start`` and, with ``opening_hours``, ``is_open``.
        Timestamps all at midnight of their own zone (daily data) keep their own
        dates; everything else is read in Europe/Amsterdam wall-clock time.

    Examples
    --------
    >>> days = pd.date_range("2024-04-01", "2024-04-02", freq="D", tz="Europe/Amsterdam")
    >>> f = calendar_features(days, opening_hours=OpeningHours.desk_default())
    >>> cols = ["is_public_holiday", "is_closed_day", "day_after_closure", "closed_days_before"]
    >>> f[cols].to_numpy().tolist()     # Easter Monday, then the catch-up Tuesday
    [[1, 1, 0, 2], [0, 0, 1, 3]]
    """
    wall, own_day = _wall_clock(ds)
    index = ds.index if isinstance(ds, pd.Series) else pd.Index(ds)
    names = _FEATURE_NAMES + (("is_open",) if opening_hours is not None else ())
    if len(wall) == 0:
        return pd.DataFrame({n: np.array([], dtype=np.int64) for n in names}, index=index)

    if own_day is not None:  # daily data stored at midnight of another zone keeps its dates
        day, minute = own_day, np.zeros(len(wall), dtype=np.int64)
    else:
        day = wall.astype("datetime64[D]")
        minute = (wall.astype("datetime64[m]") - day).astype(np.int64)
    span, per_day = _day_features(
        day.min(), day.max(), region=region, closures=closures, opening_hours=opening_hours
    )
    pos = (day - span[0]).astype(np.int64)
    step = _interval_minutes(freq, wall, minute)

    # one 2-D block filled column by column: no copy when the frame is built
    values = np.empty((len(wall), len(names)), dtype=np.int64, order="F")
    columns = dict(zip(names, values.T, strict=True))
    columns["hour"][:] = minute // 60
    columns["minute_of_day"][:] = minute
    columns["interval_of_day"][:] = minute // step
    for name in _DAY_FEATURES:
        np.take(per_day[name], pos, out=columns[name], mode="clip")  # pos is in range
    if opening_hours is not None:
        columns["is_open"][:] = opening_hours._mask(wall, own_day, freq)
    return pd.DataFrame(values, index=index, columns=list(names), copy=False)


_DAY_FEATURES = (
    "weekday",
    "month",
    "day_of_year",
    "week_of_year",
    "is_public_holiday",
    "is_school_holiday",
    "is_closed_day",
    "day_before_closure",
    "day_after_closure",
    "closed_days_before",
    "days_to_month_end",
    "days_since_month_start",
)
_FEATURE_NAMES = ("weekday", "hour", "minute_of_day", "interval_of_day", *_DAY_FEATURES[1:])
# How far beyond the data to look for closed days (longer closed runs are capped).
_PAD_DAYS = 31


def _day_features(
    first: np.datetime64,
    last: np.datetime64,
    *,
    region: str | None,
    closures: Iterable[DateLike] | None,
    opening_hours: OpeningHours | None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-day features for every day from ``first`` to ``last`` (datetime64[D]), padded."""
    span = np.arange(first - _PAD_DAYS, last + _PAD_DAYS + 1, dtype="datetime64[D]")
    start, end = pd.Timestamp(span[0]).date(), pd.Timestamp(span[-1]).date()

    with warnings.catch_warnings():
        # school-holiday gaps are reported for the data's own years below, not the padding
        warnings.simplefilter("ignore", DataWarning)
        hol = dutch_holidays(start, end, region=region, school=region is not None)
    subdiv = _region_subdiv(region)
    if subdiv is not None:
        years = tuple(range(pd.Timestamp(first).year, pd.Timestamp(last).year + 1))
        gaps = _school_rows(years, subdiv)[1]
        if gaps:
            _warn_school_gaps(gaps, region, stacklevel=4)

    def flags(dates: Iterable[dt.date]) -> np.ndarray:
        return np.isin(span, np.array(sorted(set(dates)), dtype="datetime64[D]"))

    closed = flags(
        closure_days(start, end) if closures is None else _to_dates(closures, "closures")
    )
    if opening_hours is not None:
        closed |= ~opening_hours._table.any(axis=1)[_weekday(span)]
        closed |= flags(opening_hours.closures)
    open_ = ~closed

    # closed days directly before each day: distance to the last open day before it
    index = np.arange(len(span))
    last_open = np.maximum.accumulate(np.where(open_, index, -1))
    run = np.zeros(len(span), dtype=np.int64)
    run[1:] = index[:-1] - last_open[:-1]
    before = np.zeros(len(span), dtype=bool)
    before[:-1] = open_[:-1] & closed[1:]

    stamps = pd.DatetimeIndex(span.astype("datetime64[ns]"))
    features = {
        "weekday": _weekday(span),
        "month": stamps.month.to_numpy(),
        "day_of_year": stamps.day_of_year.to_numpy(),
        "week_of_year": stamps.isocalendar().week.to_numpy(dtype=np.int64),
        "is_public_holiday": flags(hol.loc[hol["kind"] == "public", "date"]),
        "is_school_holiday": flags(hol.loc[hol["kind"] == "school", "date"]),
        "is_closed_day": closed,
        "day_before_closure": before,
        "day_after_closure": open_ & (run > 0),
        "closed_days_before": run,
        "days_to_month_end": (stamps.days_in_month - stamps.day).to_numpy(),
        "days_since_month_start": (stamps.day - 1).to_numpy(),
    }
    return span, {k: np.asarray(v, dtype=np.int64) for k, v in features.items()}


def _interval_minutes(freq: str | None, wall: np.ndarray, minute: np.ndarray) -> int:
    if freq is not None:
        minutes = _time.step_minutes(freq)
        if minutes is None:
            raise ConfigError(
                f"freq: {freq!r} is not a fixed-length pandas offset alias; use e.g. "
                "'D', 'h', '30min'"
            )
        return max(1, min(_MINUTES_PER_DAY, int(minutes)))
    stamps = wall.astype("datetime64[m]").astype(np.int64)
    if len(stamps) > 1 and (np.diff(stamps) < 0).any():
        stamps = np.sort(stamps)
    gaps = np.diff(stamps)
    gaps = gaps[gaps > 0]
    if len(gaps):
        return max(1, min(_MINUTES_PER_DAY, int(gaps.min())))
    return math.gcd(int(minute[0]), _MINUTES_PER_DAY) or _MINUTES_PER_DAY
