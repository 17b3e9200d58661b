"""Column mapping: explicit names or auto-detection of common Dutch/English names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import pandas as pd

from demandcast.exceptions import InputFileError

__all__ = ["CANDIDATES", "find_column", "norm", "resolve"]

# Role -> candidate names in priority order (compared after `norm`).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "datetime": (
        "call_start",
        "ticket_time",
        "timestamp",
        "datetime",
        "date_time",
        "datumtijd",
        "tijdstip",
        "starttijd",
        "begintijd",
        "start_time",
        "starttime",
        "entry_time",
        "call_time",
        "arrival_time",
        "aankomsttijd",
        "aanmeldtijd",
        "created_at",
        "created",
        "ds",
    ),
    "date": ("date", "datum", "dag", "day", "call_date", "belldatum"),
    "time": ("time", "tijd", "vru_entry", "entry", "uur", "hour", "tijdvak", "interval"),
    "location": (
        "location",
        "locatie",
        "vestiging",
        "site",
        "branch",
        "kantoor",
        "gemeente",
        "section",
        "sectie",
        "onderdeel",
    ),
    "outcome": ("outcome", "uitkomst", "resultaat", "result", "status", "afhandeling"),
    "wait": (
        "wait_seconds",
        "wachttijd",
        "wait_time",
        "waittime",
        "wait",
        "q_time",
        "queue_time",
        "wachttijd_sec",
    ),
    "handle": (
        "handle_seconds",
        "handle_time",
        "handletime",
        "gesprekstijd",
        "gespreksduur",
        "afhandeltijd",
        "talk_time",
        "talktime",
        "ser_time",
        "duration",
        "duur",
    ),
    "service": (
        "service_seconds",
        "service_time",
        "bedieningstijd",
        "behandeltijd",
        "servicetijd",
        "behandelduur",
        "ser_time",
        "duration",
        "duur",
    ),
    "caller": (
        "caller_id",
        "caller",
        "beller",
        "beller_id",
        "customer_id",
        "klant_id",
        "klantnummer",
        "ani",
        "cli",
        "phone_number",
        "telefoonnummer",
        "telefoon",
        "citizen_id",
        "bsn",
    ),
    "count": ("offered", "aangeboden", "calls", "n_calls", "oproepen", "count", "aantal"),
    "visits": ("visits", "bezoeken", "sessions", "sessies", "sessie", "bezoekers", "visitors"),
    "pageviews": (
        "pageviews",
        "page_views",
        "paginaweergaven",
        "paginaweergave",
        "weergaven",
        "views",
    ),
}


def norm(name: object) -> str:
    """Normalise a column name for matching: lower case, no spaces/_/-/./+.

    Examples
    --------
    >>> norm(" Vru+Entry "), norm("Wacht Tijd")
    ('vruentry', 'wachttijd')
    """
    return re.sub(r"[\s_\-.+/]", "", str(name).lower())


def find_column(columns: Iterable[object], role: str) -> str | None:
    """Return the first column matching a role's candidate names, or None.

    Examples
    --------
    >>> find_column(["Datum", "Tijd", "Locatie"], "location")
    'Locatie'
    """
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(norm(col), col)
    for cand in CANDIDATES[role]:
        hit = by_norm.get(norm(cand))
        if hit is not None:
            return hit
    return None


def resolve(
    df: pd.DataFrame,
    param: str,
    value: str | None,
    role: str | None,
    *,
    required: bool = False,
    exclude: Iterable[str] = (),
) -> str | None:
    """Resolve one column: an explicit name must exist; ``None`` auto-detects by role.

    Parameters
    ----------
    df : DataFrame
        The table read from the source.
    param : str
        Name of the loader parameter (used in messages, e.g. ``"time_col"``).
    value : str or None
        The column the user mapped, or None to auto-detect.
    role : str or None
        Key of :data:`CANDIDATES` for auto-detection (None: no auto-detection).
    required : bool
        Raise when nothing is mapped or detected.
    exclude : iterable of str
        Columns already taken by other parameters (skipped by auto-detection).

    Examples
    --------
    >>> import pandas as pd
    >>> resolve(pd.DataFrame(columns=["datum", "wachttijd"]), "wait_col", None, "wait")
    'wachttijd'
    """
    cols = list(df.columns)
    if value is not None:
        if value in cols:
            return value
        # tolerate case/space differences, but only when unambiguous
        matches = [c for c in cols if norm(c) == norm(value)]
        if len(matches) == 1:
            return matches[0]
        close = difflib.get_close_matches(str(value), [str(c) for c in cols], n=1, cutoff=0.4)
        hint = f"; closest match: {close[0]!r}" if close else ""
        raise InputFileError(
            f"{param}={value!r}: no such column. Available columns: "
            f"{[str(c) for c in cols]}{hint}. Pass the right name as {param}="
        )
    if role is not None:
        taken = set(exclude)
        found = find_column([c for c in cols if c not in taken], role)
        if found is not None:
            return found
    if required:
        names = ", ".join(repr(c) for c in CANDIDATES.get(role or "", ())[:8])
        raise InputFileError(
            f"{param}: no column found automatically (looked for names like {names}). "
            f"Available columns: {[str(c) for c in cols]}. Pass {param}= to map it"
        )
    return None
