"""Phone loader: ACD call logs (one row per call) or interval reports -> long frame."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from demandcast.exceptions import ConfigError, DataWarning

from ._columns import norm, resolve
from ._events import DEFAULT_TZ, finish, read_events
from ._parse import all_text, parse_numbers, per_distinct

__all__ = ["DEFAULT_OUTCOME_MAP", "load_phone"]

#: Outcome value (compared case-insensitively) -> ``"answered"``, ``"abandoned"``,
#: ``"other"`` (offered, neither answered nor abandoned) or ``"exclude"`` (not a call).
DEFAULT_OUTCOME_MAP: dict[str, str] = {
    "agent": "answered",
    "answered": "answered",
    "answer": "answered",
    "served": "answered",
    "handled": "answered",
    "beantwoord": "answered",
    "aangenomen": "answered",
    "opgenomen": "answered",
    "afgehandeld": "answered",
    "hang": "abandoned",
    "abandoned": "abandoned",
    "abandon": "abandoned",
    "hangup": "abandoned",
    "opgehangen": "abandoned",
    "verbroken": "abandoned",
    "afgebroken": "abandoned",
    "nietbeantwoord": "abandoned",
    "lost": "abandoned",
    "phantom": "exclude",
    "spurious": "exclude",
    "test": "exclude",
}
_KINDS = ("answered", "abandoned", "other", "exclude")


def _outcome_kinds(
    values: pd.Series, outcome_map: Mapping[str, str] | None
) -> tuple[np.ndarray, dict[str, str]]:
    """The kind of every outcome value, and the value -> kind mapping used."""
    mapping = {norm(k): v for k, v in DEFAULT_OUTCOME_MAP.items()}
    for key, kind in (outcome_map or {}).items():
        if kind not in _KINDS:
            raise ConfigError(
                f"outcome_map[{key!r}]={kind!r} is not allowed: use one of {list(_KINDS)}"
            )
        mapping[norm(key)] = kind
    text = values if all_text(values) else values.astype("string")
    kinds = per_distinct(  # missing values read as ""
        text,
        lambda u: pd.Series(u).astype("string").map(norm).map(mapping).fillna("other"),
        mapping.get(norm(""), "other"),
    )
    return kinds, mapping


def load_phone(
    source,
    *,
    freq: str = "30min",
    tz: str = DEFAULT_TZ,
    time_col: str | None = None,
    date_col: str | None = None,
    date_format: str | None = None,
    location_col: str | None = None,
    location: str | None = None,
    by: str | None = None,
    outcome_col: str | None = None,
    outcome_map: Mapping[str, str] | None = None,
    wait_col: str | None = None,
    handle_col: str | None = None,
    caller_col: str | None = None,
    count_col: str | None = None,
    answered_col: str | None = None,
    abandoned_col: str | None = None,
    opening_hours=None,
    errors: str = "warn",
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    pseudonymize: bytes | str | None = None,
) -> pd.DataFrame:
    """Load a telephony export into the long frame of offered calls per interval.

    Two input shapes are read:

    - a call log, one row per call (entry time, queue, outcome, wait and handle
      seconds, caller): ``y`` counts offered calls;
    - an interval report, one row per interval with a count column (``count_col``,
      auto-detected from names such as ``offered``, ``aangeboden``, ``calls``):
      ``y`` sums that column (re-aggregated to ``freq``).

    Parameters
    ----------
    source : path or DataFrame
        CSV/TSV (``,`` ``;`` tab, decimal comma, UTF-8 with BOM or latin-1), Excel,
        Parquet or a DataFrame.
    freq : str, default "30min"
        Interval: ``"15min"``, ``"30min"``, ``"h"``, ``"D"``, ...
    tz : str, default "Europe/Amsterdam"
        Time zone of the wall-clock times in the file.
    time_col, date_col : str, optional
        One datetime column, or a date column plus a time-of-day column. Auto-detected
        (``call_start``, ``timestamp``, ``datum`` + ``tijd``, ``date`` + ``vru_entry``...).
    date_format : str, optional
        ``strptime`` format of the date column, e.g. ``"%y%m%d"``; 6- and 8-digit
        dates (``990901``, ``19990901``) are detected.
    location_col, location : str, optional
        Column with the location, or one fixed location for the whole file. Without
        either, the location is ``"all"``.
    by : str, optional
        Column that splits the series further (queue, service type):
        ``unique_id = "location/phone/<value>"``.
    outcome_col, outcome_map : optional
        Outcome column (auto-detected) and extra value -> kind mappings on top of
        :data:`DEFAULT_OUTCOME_MAP`. Kinds: answered, abandoned, other, exclude.
        Excluded calls (e.g. ``PHANTOM``) are removed with a ``DataWarning``.
    wait_col, handle_col : str, optional
        Waiting and handling times: seconds, or ``h:mm:ss``/``mm:ss`` text.
    caller_col : str, optional
        Caller number/id. Only read when ``pseudonymize`` is given, to count repeat
        contacts; it never appears in the output.
    count_col, answered_col, abandoned_col : str, optional
        Count columns of an interval report.
    pseudonymize : bytes or str, optional
        Secret key. When given, the output has ``repeat_contacts``: calls in the
        interval from callers already seen earlier the same day at the same
        location/channel (HMAC-SHA256 pseudonyms, discarded afterwards; the key is
        not kept). Required when ``location_col`` or ``by`` is a personal column
        (:data:`~demandcast.loaders.PERSONAL_COLUMN_PATTERNS`, e.g. ``"Naam"``): its
        values then become keyed pseudonyms in ``unique_id`` (and the caller column
        is optional).
    opening_hours : OpeningHours, callable or dict, optional
        Opening hours (dict keys: unique_id, location or ``"phone"``). See the
        zero-fill rule in :mod:`demandcast.loaders._bucket`.
    errors : {"warn", "raise"}
        Rows with unparseable times or negative durations are dropped with a
        ``DataWarning`` (count and first 5 line numbers), or raise ``InputFileError``.
    sep, decimal, encoding, sheet_name : optional
        Passed to :func:`demandcast.loaders.read_table`.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, y`` plus ``answered``, ``abandoned``, ``handle_seconds``
        (sum over answered calls), ``wait_seconds`` and ``repeat_contacts`` where the
        input allows, and ``is_open`` with ``opening_hours``.

    Examples
    --------
    >>> import pandas as pd
    >>> calls = pd.DataFrame({
    ...     "datum": ["2024-01-08"] * 3, "tijd": ["08:05", "08:20", "09:40"],
    ...     "uitkomst": ["beantwoord", "opgehangen", "beantwoord"],
    ...     "gesprekstijd": ["0:03:10", "0", "125"], "beller": ["0612345678"] * 3})
    >>> df = load_phone(calls, freq="h", location="utrecht")
    >>> df[["y", "answered", "abandoned", "handle_seconds"]].values.tolist()
    [[2.0, 1.0, 1.0, 190.0], [1.0, 1.0, 0.0, 125.0]]
    >>> df["unique_id"].unique().tolist()
    ['utrecht/phone']
    >>> "beller" in df.columns
    False
    """
    key = pseudonymize
    table = read_events(source, "phone", locals())
    raw = table.raw
    taken = [c for c in table.columns.values() if c]
    outcome = resolve(raw, "outcome_col", outcome_col, "outcome", exclude=taken)
    count = resolve(raw, "count_col", count_col, "count", exclude=taken)
    taken += [c for c in (outcome, count) if c]
    wait = resolve(raw, "wait_col", wait_col, "wait", exclude=taken)
    handle = resolve(raw, "handle_col", handle_col, "handle", exclude=[*taken, wait or ""])
    caller = None
    if key is not None:
        caller = resolve(
            raw, "caller_col", caller_col, "caller", exclude=taken, required=not table.keyed
        )
    elif caller_col is not None:
        resolve(raw, "caller_col", caller_col, None)  # still check the mapping

    if outcome is not None:
        _apply_outcomes(table, outcome, outcome_map)
    table.add_durations(((wait, "wait time", "__wait"), (handle, "handle time", "__handle")))
    raw = table.raw

    values: dict[str, object] = {}
    kinds = raw["__kind"].to_numpy() if outcome is not None else None
    if count is not None:
        values["y"] = parse_numbers(raw[count], table.decimal).fillna(0)
        for name, col in (("answered", answered_col), ("abandoned", abandoned_col)):
            c = resolve(raw, f"{name}_col", col, None)
            if c is None:
                c = next((x for x in raw.columns if norm(x) in _REPORT_NAMES[name]), None)
            if c is not None:
                values[name] = parse_numbers(raw[c], table.decimal).fillna(0)
    else:
        values["y"] = np.ones(len(raw))
        if kinds is not None:
            values["answered"] = (kinds == "answered").astype(float)
            values["abandoned"] = (kinds == "abandoned").astype(float)
    if handle is not None:
        h = raw["__handle"].fillna(0).to_numpy()
        if kinds is not None and count is None:
            h = np.where(kinds == "answered", h, 0.0)
        values["handle_seconds"] = h
    if wait is not None:
        values["wait_seconds"] = raw["__wait"].fillna(0).to_numpy()
    if key is not None and caller is not None:
        values["repeat_contacts"] = table.repeat_flags(raw[caller], key)
    del key
    return finish(table, values, freq=freq, channel="phone", opening_hours=opening_hours, tz=tz)


def _apply_outcomes(table, outcome: str, outcome_map: Mapping[str, str] | None) -> None:
    """Read the outcome column into ``__kind`` and drop the excluded calls.

    The warnings name the known codes (values of the outcome map) with their counts;
    values outside the map may be free text and are only counted, never shown.
    """
    raw = table.raw
    kinds, mapping = _outcome_kinds(raw[outcome], outcome_map)
    excluded = kinds == "exclude"
    table.raw = raw.assign(__kind=kinds)
    if excluded.any():
        codes = raw.loc[excluded, outcome].astype("string").map(norm).value_counts().to_dict()
        table.drop(
            excluded,
            f"outcome {codes} in column {outcome!r} (not real calls; change with outcome_map=)",
            "an excluded outcome",
            errors="warn",
            action="excluded",
        )
    other = kinds == "other"
    if other.any():
        text = raw.loc[other, outcome].astype("string")
        known = text.map(norm).isin(list(mapping)).fillna(False)
        codes = text[known].map(norm).value_counts().to_dict()
        n_free = int((~known).sum())
        parts = ([f"known codes {codes}"] if codes else []) + (
            [f"{n_free} row(s) with {text[~known].nunique(dropna=False)} other value(s)"]
            if n_free
            else []
        )
        warnings.warn(
            f"outcome in column {outcome!r} is neither answered nor abandoned for "
            f"{int(other.sum())} row(s) ({'; '.join(parts)}; values outside the outcome map "
            "are not shown, they may hold free text): counted as offered calls only. Map "
            "them with outcome_map={value: 'answered' | 'abandoned' | 'other' | 'exclude'}",
            DataWarning,
            stacklevel=3,
        )


_REPORT_NAMES = {
    "answered": {"answered", "beantwoord", "handled", "afgehandeld"},
    "abandoned": {"abandoned", "verloren", "opgehangen", "lost"},
}
