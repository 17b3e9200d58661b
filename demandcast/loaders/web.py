"""Web loader: analytics exports (visits and pageviews per day or hour) -> long frame."""

from __future__ import annotations

import pandas as pd

from demandcast import _time
from demandcast.exceptions import ConfigError, InputFileError

from ._bucket import _DAY, _tick
from ._columns import resolve
from ._events import DEFAULT_TZ, finish, read_events
from ._parse import parse_numbers

__all__ = ["load_web"]

_MEASURES = ("visits", "pageviews")


def load_web(
    source,
    *,
    freq: str = "D",
    tz: str = DEFAULT_TZ,
    measure: str = "visits",
    time_col: str | None = None,
    date_col: str | None = None,
    date_format: str | None = None,
    location_col: str | None = None,
    location: str | None = None,
    by: str | None = None,
    visits_col: str | None = None,
    pageviews_col: str | None = None,
    opening_hours=None,
    pseudonymize: bytes | str | None = None,
    errors: str = "warn",
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
) -> pd.DataFrame:
    """Load a web-analytics export into the long frame.

    Parameters
    ----------
    source : path or DataFrame
        CSV/TSV, Excel, Parquet or a DataFrame with a date or date-hour column and
        ``visits`` and/or ``pageviews`` (also ``bezoeken``, ``sessies``,
        ``paginaweergaven``...), optionally a site section or page column.
    freq : str, default "D"
        Output interval; it cannot be finer than the export (daily rows cannot give
        hourly counts: ``ConfigError``).
    tz : str, default "Europe/Amsterdam"
        Time zone of the export's dates and hours.
    measure : {"visits", "pageviews"}
        Which measure becomes ``y``; the other one, when present, is a side column.
    time_col, date_col, date_format, location_col, location, by
        As for :func:`load_phone`; the location column defaults to a site section
        column (``location``, ``section``, ``sectie``...), ``by`` may be a page column.
        ``unique_id = "<section>/web[/<page>]"``.
    visits_col, pageviews_col : str, optional
        Measure columns (auto-detected).
    opening_hours : optional
        Usually not needed for the web (always open).
    pseudonymize : bytes or str, optional
        Secret key, needed only when ``location_col`` or ``by`` is a personal column
        (:data:`~demandcast.loaders.PERSONAL_COLUMN_PATTERNS`): its values then become
        keyed pseudonyms in ``unique_id``.
    errors : {"warn", "raise"}
        Unparseable dates are dropped with a warning or raise; bad or negative counts
        too.
    sep, decimal, encoding, sheet_name : optional
        Passed to :func:`demandcast.loaders.read_table`.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, y`` and ``pageviews`` or ``visits``.

    Examples
    --------
    >>> import pandas as pd
    >>> web = pd.DataFrame({"datum": ["08-01-2024", "09-01-2024", "11-01-2024"],
    ...                     "bezoeken": [120, 95, 130], "paginaweergaven": [400, 300, 390]})
    >>> df = load_web(web, location="www")
    >>> df[["y", "pageviews"]].values.tolist()
    [[120.0, 400.0], [95.0, 300.0], [130.0, 390.0]]
    """
    if measure not in _MEASURES:
        raise ConfigError(f"measure={measure!r} is not allowed: use 'visits' or 'pageviews'")
    key = pseudonymize
    table = read_events(source, "web", locals())
    del key
    raw = table.raw
    taken = [c for c in table.columns.values() if c]
    cols = {
        "visits": resolve(raw, "visits_col", visits_col, "visits", exclude=taken),
        "pageviews": resolve(raw, "pageviews_col", pageviews_col, "pageviews", exclude=taken),
    }
    if cols[measure] is None:
        resolve(raw, f"{measure}_col", None, measure, required=True)
    _check_resolution(table, freq)
    parsed = {}
    for name, col in cols.items():
        if col is None:
            continue
        num = parse_numbers(raw[col], table.decimal)
        bad = (num.isna() & raw[col].notna()) | (num < 0)
        if bad.any():
            table.drop(
                bad.to_numpy(),
                f"a non-numeric or negative {name} in column {col!r}",
                f"a non-numeric or negative {name}",
            )
            parsed = {k: v[~bad] for k, v in parsed.items()}
            raw = table.raw
            num = num[~bad]
        parsed[name] = num
    values: dict[str, object] = {"y": parsed[measure].fillna(0).to_numpy()}
    for name, num in parsed.items():
        if name != measure:
            values[name] = num.fillna(0).to_numpy()
    return finish(table, values, freq=freq, channel="web", opening_hours=opening_hours, tz=tz)


def _check_resolution(table, freq: str) -> None:
    """Refuse to spread daily (or coarser) exports over finer intervals."""
    td = _tick(freq)
    if td is None or td >= _DAY or len(table.times) == 0:
        return
    wall = _time.wall(table.times)
    if (wall == wall.dt.normalize()).all() and wall.dt.normalize().nunique() == len(wall.unique()):
        raise InputFileError(
            f"freq={freq!r} is finer than the export: every time is a midnight, so the rows "
            "look daily. Use freq='D', or export hourly data (a date-hour column)"
        )
