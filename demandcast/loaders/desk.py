"""Desk loader: queue-management or appointment exports (one row per ticket) -> long frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._columns import resolve
from ._events import DEFAULT_TZ, finish, read_events

__all__ = ["load_desk"]


def load_desk(
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
    wait_col: str | None = None,
    service_col: str | None = None,
    citizen_col: str | None = None,
    pseudonymize: bytes | str | None = None,
    opening_hours=None,
    errors: str = "warn",
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
) -> pd.DataFrame:
    """Load a desk export (tickets drawn or appointments) into the long frame.

    ``y`` counts tickets per interval of the ticket (or booking) time.

    Parameters
    ----------
    source : path or DataFrame
        CSV/TSV, Excel, Parquet or a DataFrame, as for :func:`load_phone`.
    freq, tz, time_col, date_col, date_format, location_col, location, by
        As for :func:`load_phone`; ``by`` is typically the product column
        (``unique_id = "location/desk/<product>"``). Times are auto-detected from
        ``ticket_time``, ``tijdstip``, ``datum`` + ``tijd``, ...
    wait_col, service_col : str, optional
        Waiting and service times (seconds or ``h:mm:ss``), auto-detected
        (``wait_seconds``, ``wachttijd``, ``service_seconds``, ``behandeltijd``...).
    citizen_col : str, optional
        Citizen id / BSN column; read only with ``pseudonymize`` (repeat visits the
        same day); never in the output.
    pseudonymize : bytes or str, optional
        Secret key for ``repeat_contacts``, and required to group by a personal
        column (see :func:`load_phone`).
    opening_hours : OpeningHours, callable or dict, optional
        Desk opening hours (dict keys: unique_id, location or ``"desk"``).
    errors : {"warn", "raise"}
        What to do with unparseable times and negative durations.
    sep, decimal, encoding, sheet_name : optional
        Passed to :func:`demandcast.loaders.read_table`.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, y`` plus ``served`` (tickets with a service time > 0),
        ``wait_seconds`` and ``service_seconds`` (sums) where the input has them.

    Examples
    --------
    >>> import pandas as pd
    >>> tickets = pd.DataFrame({
    ...     "ticket_time": ["2024-01-08 09:01", "2024-01-08 09:12", "2024-01-08 10:40"],
    ...     "location": ["centrum"] * 3, "product": ["paspoort", "verhuizing", "paspoort"],
    ...     "wachttijd": [300, 60, 0], "citizen_id": ["111", "222", "111"]})
    >>> df = load_desk(tickets, freq="h", by="product")
    >>> df["unique_id"].tolist()
    ['centrum/desk/paspoort', 'centrum/desk/paspoort', 'centrum/desk/verhuizing']
    >>> df["wait_seconds"].tolist()
    [300.0, 0.0, 60.0]
    """
    key = pseudonymize
    table = read_events(source, "desk", locals())
    raw = table.raw
    taken = [c for c in table.columns.values() if c]
    wait = resolve(raw, "wait_col", wait_col, "wait", exclude=taken)
    service = resolve(raw, "service_col", service_col, "service", exclude=[*taken, wait or ""])
    citizen = None
    if key is not None:
        citizen = resolve(
            raw, "citizen_col", citizen_col, "caller", exclude=taken, required=not table.keyed
        )
    elif citizen_col is not None:
        resolve(raw, "citizen_col", citizen_col, None)
    table.add_durations(((wait, "wait time", "__wait"), (service, "service time", "__service")))
    raw = table.raw
    values: dict[str, object] = {"y": np.ones(len(raw))}
    if service is not None:
        values["served"] = (raw["__service"].fillna(0) > 0).astype(float).to_numpy()
    if wait is not None:
        values["wait_seconds"] = raw["__wait"].fillna(0).to_numpy()
    if service is not None:
        values["service_seconds"] = raw["__service"].fillna(0).to_numpy()
    if key is not None and citizen is not None:
        values["repeat_contacts"] = table.repeat_flags(raw[citizen], key)
    del key
    return finish(table, values, freq=freq, channel="desk", opening_hours=opening_hours, tz=tz)
