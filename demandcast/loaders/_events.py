"""Shared steps of the event-log loaders (phone calls, desk tickets, web rows).

read -> event times (drop unparseable, report) -> durations (drop negatives,
report) -> series keys -> bucket -> aggregate -> zero-fill -> validate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError, InputFileError
from demandcast.frame import DEFAULT_TZ, validate_frame

from ._bucket import bucket_times, check_freq, fill_grid
from ._columns import resolve
from ._parse import (
    all_text,
    check_errors,
    localise_events,
    parse_durations,
    parse_event_times,
    per_distinct,
    report_rows,
)
from ._read import read_table
from .privacy import UNKNOWN_IDS, _id_text, is_personal_column, pseudonymize, repeat_contacts

__all__ = ["DEFAULT_TZ", "EventTable", "finish", "read_events"]


@dataclass
class EventTable:
    """Rows of an event log that survived parsing, with their bucket and series key."""

    raw: pd.DataFrame
    ds: pd.Series
    times: pd.Series
    unique_id: pd.Series
    base: pd.Series
    location: pd.Series
    row_word: str
    decimal: str
    errors: str
    columns: dict[str, str | None] = field(default_factory=dict)
    n_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    keyed: tuple[str, ...] = ()  # personal grouping columns read as keyed pseudonyms

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the rows where ``mask`` is True."""
        for name in ("raw", "ds", "times", "unique_id", "base", "location"):
            setattr(self, name, getattr(self, name)[mask])

    def drop(self, mask: np.ndarray, what: str, reason: str, **report) -> None:
        """Report the rows in ``mask`` (:func:`report_rows`), count them under ``reason``
        and drop them."""
        mask = np.asarray(mask, dtype=bool)
        report.setdefault("errors", self.errors)
        n = report_rows(mask, self.raw.index, what, row_word=self.row_word, **report)
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + n
            self.keep(~mask)

    def check_left(self) -> None:
        """``InputFileError`` when cleaning left no row, with the counts per reason."""
        if len(self.unique_id):
            return
        reasons = "; ".join(f"{n} with {why}" for why, n in self.dropped.items())
        raise InputFileError(
            f"no rows left to load: all {self.n_read} {self.row_word}s read were dropped "
            f"({reasons or 'no reason recorded'}). Check the columns mapped and the "
            "warnings above"
        )

    def durations(self, col: str | None, what: str) -> pd.Series | None:
        """Seconds in ``col``; unparseable -> NaN (reported), negative rows dropped."""
        if col is None:
            return None
        sec, bad = parse_durations(self.raw[col], self.decimal)
        report_rows(
            bad.to_numpy(),
            self.raw.index,
            f"an unparseable {what} in column {col!r} (counted, but left out of the {what} sums)",
            errors=self.errors,
            row_word=self.row_word,
            action="kept",
        )
        neg = (sec < 0).to_numpy()
        if neg.any():
            self.drop(neg, f"a negative {what} in column {col!r}", f"a negative {what}")
            sec = sec[~neg]
        return sec

    def add_durations(self, specs: tuple[tuple[str | None, str, str], ...]) -> None:
        """Parse each ``(column, what, name)`` with :meth:`durations` into column ``name``."""
        for col, what, name in specs:
            sec = self.durations(col, what)
            if sec is not None:
                self.raw = self.raw.assign(**{name: sec})

    def repeat_flags(self, ids: pd.Series, key: bytes | str) -> np.ndarray:
        """Repeat-contact flags (0.0/1.0) per row, in row order, from pseudonymised ``ids``.

        A row is a repeat when the same person was seen earlier the same local day
        in the same location/channel; the pseudonyms are discarded on return.
        """
        if all_text(ids):
            # one HMAC per distinct caller; missing ids get "" like pseudonymize
            pseudonyms = per_distinct(ids, lambda u: pseudonymize(u, key), "")
        else:
            pseudonyms = pseudonymize(ids.to_numpy(), key)
        pseudonyms[unknown_ids(ids)] = ""  # a hashed "onbekend" or 0 is nobody's repeat
        # UTC instants (naive datetime64) sort like the aware times, without boxing them
        order = np.argsort(_time.wall(_time.to_local(self.times, "UTC")).to_numpy(), kind="stable")
        day = _time.local_dates(self.times).to_numpy()
        rep = np.zeros(len(pseudonyms), dtype=bool)
        rep[order] = repeat_contacts(
            pseudonyms[order], pd.Series(self.base.to_numpy()[order]), pd.Series(day[order])
        )
        return rep.astype(float)


def unknown_ids(ids: pd.Series) -> np.ndarray:
    """Rows whose caller id means "unknown" (:data:`~demandcast.loaders.privacy.UNKNOWN_IDS`).

    Examples
    --------
    >>> unknown_ids(pd.Series(["0612345678", "Onbekend", None, 0, "0"])).tolist()
    [False, True, True, True, True]
    """
    return per_distinct(ids, lambda u: [t.lower() in UNKNOWN_IDS for t in _id_text(u)], True)


#: The loader keyword arguments that :func:`read_events` reads (the others stay unread).
#: ``pseudonymize`` (the key) is read too when given.
READ_KEYS = ("time_col", "date_col", "date_format", "location_col", "location", "by", "tz")
TABLE_KEYS = ("sep", "decimal", "encoding", "sheet_name")


def read_events(source, channel: str, options: Mapping[str, Any]) -> EventTable:
    """Read a source and parse, localise and bucket its event times.

    ``options`` are the calling loader's keyword arguments (its ``locals()``): only
    :data:`READ_KEYS`, ``freq``, ``errors`` and the :func:`read_table` options
    :data:`TABLE_KEYS` are read, so the loaders share one call.
    """
    time_col, date_col, date_format, location_col, location, by, tz = (
        options[k] for k in READ_KEYS
    )
    freq, errors = options["freq"], options["errors"]
    check_errors(errors)
    check_freq(freq)
    if not isinstance(tz, str) or not tz:
        raise ConfigError(f"tz={tz!r}: give an IANA time zone name such as {DEFAULT_TZ!r}")
    is_frame = isinstance(source, pd.DataFrame)
    kw = {k: options[k] for k in TABLE_KEYS}
    text = not is_frame and str(source).lower().endswith((".csv", ".tsv", ".txt"))
    raw = read_table(source, dtype=str if text else None, **kw)
    row_word = "line" if text else "row"
    decimal = raw.attrs.get("decimal", kw.get("decimal") or ".")

    cols = _time_columns(raw, time_col, date_col, ("datetime",))
    cols["location_col"] = (
        None if location is not None else resolve(raw, "location_col", location_col, "location")
    )
    cols["by"] = resolve(raw, "by", by, None) if by is not None else None
    key = options.get("pseudonymize")
    # grouping columns become series ids (store, CSVs, report): personal ones need a key
    personal = {
        name: cols[name]
        for name in ("location_col", "by")
        if cols[name] and is_personal_column(cols[name])
    }
    if personal and key is None:
        name, col = next(iter(personal.items()))
        raise ConfigError(
            f"{name}={col!r} is a personal column (its name matches "
            "demandcast.loaders.PERSONAL_COLUMN_PATTERNS): its values would become series "
            "ids in the store, the CSVs and the report. Pass pseudonymize=<secret key> to "
            "use keyed pseudonyms (HMAC-SHA256) instead, or group by a column without "
            "personal data"
        )

    times = parse_event_times(
        raw, time_col=cols["time_col"], date_col=cols["date_col"], date_format=date_format
    )
    used = [c for c in (cols["date_col"], cols["time_col"]) if c]
    bad = times.isna().to_numpy()
    if bad.all():
        examples = raw[used].head(3).to_dict("records")
        raise InputFileError(
            f"no row has a parseable time in column(s) {used}; first values: {examples}. "
            "Map the right columns (time_col=, date_col=) or pass date_format="
        )
    report_rows(
        bad,
        raw.index,
        f"a missing or unparseable time in column(s) {used}",
        errors=errors,
        row_word=row_word,
    )
    n_read = len(raw)
    dropped = {"a missing or unparseable time": int(bad.sum())} if bad.any() else {}
    raw, times = raw[~bad], times[~bad]
    times = localise_events(times, tz, index=raw.index, row_word=row_word)

    if location is not None:
        loc = pd.Series(str(location), index=raw.index)
    elif cols["location_col"] is not None:
        loc = _key_values(raw[cols["location_col"]], key if "location_col" in personal else None)
    else:
        loc = pd.Series("all", index=raw.index)
    base = loc + "/" + channel
    if cols["by"] is not None:
        uid = base + "/" + _key_values(raw[cols["by"]], key if "by" in personal else None)
    else:
        uid = base
    return EventTable(
        raw=raw,
        ds=bucket_times(times, freq),
        times=times,
        unique_id=uid.astype(str),
        base=base.astype(str),
        location=loc.astype(str),
        row_word=row_word,
        decimal=decimal,
        errors=errors,
        columns=cols,
        n_read=n_read,
        dropped=dropped,
        keyed=tuple(personal.values()),
    )


def _key_values(values: pd.Series, key: bytes | str | None) -> pd.Series:
    """Series-key text of a grouping column: stripped, empty -> ``"unknown"``; with a
    ``key``, keyed pseudonyms (the first 16 hex digits of the HMAC) instead of the values.

    Examples
    --------
    >>> _key_values(pd.Series([" noord", None]), None).tolist()
    ['noord', 'unknown']
    >>> len(_key_values(pd.Series(["Jan Jansen"]), b"k").iloc[0])
    16
    """
    text = values.astype("string").str.strip().fillna("unknown")
    text = text.mask(text == "", "unknown").astype(str)
    if key is None:
        return text
    hashed = per_distinct(text, lambda u: [p[:16] for p in pseudonymize(u, key)], "unknown")
    return pd.Series(hashed, index=values.index, dtype=object).where(text != "unknown", "unknown")


def _looks_time_only(s: pd.Series) -> bool:
    if pd.api.types.is_timedelta64_dtype(s):
        return True
    vals = s.dropna().iloc[:200]
    if len(vals) == 0:
        return False
    if vals.map(lambda v: type(v).__name__ == "time").all():
        return True
    text = vals.astype(str).str.strip()
    return bool(text.str.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?").mean() > 0.5)


def _time_columns(
    raw: pd.DataFrame, time_col: str | None, date_col: str | None, time_roles: tuple[str, ...]
) -> dict[str, str | None]:
    """Decide between one datetime column and a date plus a time-of-day column."""
    if time_col is not None:
        t = resolve(raw, "time_col", time_col, None)
        d = resolve(raw, "date_col", date_col, None)
        if d is None and _looks_time_only(raw[t]):
            d = resolve(raw, "date_col", None, "date", required=True, exclude=[t])
        return {"time_col": t, "date_col": d}
    if date_col is not None:
        d = resolve(raw, "date_col", date_col, None)
        t = resolve(raw, "time_col", None, "time", exclude=[d])
        if t is not None and not _looks_time_only(raw[t]):
            t = None
        return {"time_col": t, "date_col": d}
    for role in time_roles:
        t = resolve(raw, "time_col", None, role)
        if t is not None:
            if _looks_time_only(raw[t]):
                break
            return {"time_col": t, "date_col": None}
    d = resolve(raw, "time_col", None, "date")
    if d is None:
        only = resolve(raw, "time_col", None, time_roles[0], required=True)
        raise InputFileError(
            f"column {only!r} holds times of day without a date, and no date column was "
            "found: map the date column with date_col= (and the time with time_col=)"
        )
    t = resolve(raw, "time_col", None, "time", exclude=[d])
    if t is not None and not _looks_time_only(raw[t]):
        t = None
    return {"time_col": t, "date_col": d}


def finish(
    table: EventTable,
    values: dict[str, pd.Series | np.ndarray],
    *,
    freq: str,
    channel: str,
    opening_hours=None,
    tz: str,
) -> pd.DataFrame:
    """Aggregate per (unique_id, ds) by summing ``values``, zero-fill and validate.

    ``values`` must contain ``"y"``; other keys become side columns. A table that
    cleaning left empty is an ``InputFileError`` naming what was dropped.
    """
    table.check_left()
    # .array keeps the tz-aware dtype: to_numpy() would box every time as an object
    data = pd.DataFrame(
        {
            "unique_id": table.unique_id.array,
            "_base": table.base.array,
            "_location": table.location.array,
            "ds": table.ds.array,
        }
    )
    for name, v in values.items():
        data[name] = np.asarray(v, dtype=float)
    agg = data.groupby(["unique_id", "_base", "_location", "ds"], sort=True, as_index=False).sum(
        min_count=0
    )
    out = fill_grid(
        agg, freq=freq, channel=channel, opening_hours=opening_hours, fill_cols=tuple(values)
    )
    order = ["unique_id", "ds", *values]
    if "is_open" in out.columns:
        order.append("is_open")
    out = out[order]
    out["y"] = out["y"].astype("float64")
    return validate(out, freq=freq, tz=tz)


def validate(df: pd.DataFrame, *, freq: str, tz: str) -> pd.DataFrame:
    """Pass through :func:`demandcast.frame.validate_frame`."""
    df = df.reset_index(drop=True)
    df.attrs = {"freq": freq}
    return validate_frame(df, freq=freq, tz=tz)
