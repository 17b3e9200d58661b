"""The forecast-frame contract: the level rule, interval column names, validate_forecast.

Columns ``unique_id, ds, <alias>, <alias>-lo-<l>, <alias>-hi-<l>``; only this module
knows that encoding. The store keeps forecasts long (:func:`to_long`, :func:`to_wide`).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from demandcast._text import examples, kind_of
from demandcast.exceptions import ConfigError, InvalidFrameError

__all__ = [
    "NON_MODEL_COLUMNS",
    "ForecastColumns",
    "IntervalColumn",
    "bound_levels",
    "bound_names",
    "forecast_columns",
    "interval_columns",
    "normalise_level",
    "to_long",
    "to_wide",
    "validate_forecast",
]

#: Columns of a forecast (or backtest) frame that are never a model or a bound.
NON_MODEL_COLUMNS = ("unique_id", "ds", "y", "cutoff", "step", "is_open")
_KEYS = ["unique_id", "ds"]
_SIDES = ("lo", "hi")
_BOUND = re.compile(r"^(.+)-(lo|hi)-(\d+(?:\.\d+)?)$")  # alias, side, level
_UNPREFIXED = re.compile(r"^(lo)-(\d+(?:\.\d+)?)$")


def normalise_level(level: Any) -> tuple[float, ...]:
    """Check interval levels and return them sorted, without duplicates.

    The one level rule: a coverage in percent, strictly between 0 and 100; anything
    else raises :class:`ConfigError`. Integral levels become ``int`` (names ``lo-80``).

    Examples
    --------
    >>> normalise_level([95, 80.0, 0.5]), normalise_level(None)
    ((0.5, 80, 95), ())
    """
    items = [] if level is None else [level] if isinstance(level, numbers.Number) else level
    items = list(items) if isinstance(items, Iterable) else [items]
    real = (isinstance(v, numbers.Real) and not isinstance(v, bool) for v in items)
    if bad := [v for v, ok in zip(items, real, strict=True) if not (ok and 0 < v < 100)]:
        raise ConfigError(
            f"levels must be numbers strictly between 0 and 100; offending values "
            f"{examples(bad)}: give coverage in percent, e.g. level=(80, 95)"
        )
    return tuple(sorted({_tidy(v) for v in items}))


def _tidy(level: float) -> float:
    return int(level) if float(level).is_integer() else float(level)


def interval_columns(alias: str, level: Iterable[float]) -> list[str]:
    """Column names of the forecast frame for ``alias`` and ``level``, in order.

    Examples
    --------
    >>> interval_columns("naive", (80, 95.0))
    ['naive', 'naive-lo-80', 'naive-hi-80', 'naive-lo-95', 'naive-hi-95']
    """
    return [alias, *(f"{alias}-{s}-{_tidy(lv)}" for lv in level for s in _SIDES)]


def bound_names(level: Iterable[float], alias: str = "") -> dict[float, tuple[str, str]]:
    """The ``(lo, hi)`` column names per level: ``<alias>-lo-<l>``, or ``lo-<l>`` without
    an alias (the store's forecast-vs-actual frame, whose point column is ``forecast``).

    Examples
    --------
    >>> bound_names([80.0, 95]), bound_names([80], "gbm")
    ({80: ('lo-80', 'hi-80'), 95: ('lo-95', 'hi-95')}, {80: ('gbm-lo-80', 'gbm-hi-80')})
    """
    pre = f"{alias}-" if alias else ""
    return {_tidy(lv): tuple(f"{pre}{s}-{_tidy(lv)}" for s in _SIDES) for lv in level}


def bound_levels(columns: pd.DataFrame | Iterable[Any]) -> tuple[float, ...]:
    """Levels of the unprefixed bounds ``lo-<l>``/``hi-<l>`` that a frame has both of.

    Examples
    --------
    >>> bound_levels(["forecast", "lo-95", "hi-95", "lo-80", "hi-80", "lo-50"])
    (80, 95)
    """
    names = set(map(str, columns.columns if isinstance(columns, pd.DataFrame) else columns))
    found = {m[2]: m[1] for n in names if (m := _UNPREFIXED.match(n))}
    return normalise_level([float(v) for v in found if f"hi-{v}" in names])


class IntervalColumn(NamedTuple):
    """One bound column: its name, model alias, side (``lo``/``hi``) and level."""

    column: str
    alias: str
    side: str
    level: float


class ForecastColumns(NamedTuple):
    """The model aliases and interval bounds of a forecast frame, in column order."""

    models: tuple[str, ...]
    intervals: tuple[IntervalColumn, ...]

    def levels(self, alias: str) -> list[float]:
        """Levels at which ``alias`` has both bounds, ascending."""
        lo, hi = ({iv.level for iv in self.intervals if iv[1:3] == (alias, s)} for s in _SIDES)
        return sorted(lo & hi)

    def bounds(self, alias: str, level: float) -> tuple[str, str]:
        """Names of the ``(lo, hi)`` columns of ``alias`` at ``level``."""
        names = {iv[1:]: iv.column for iv in self.intervals}
        return names[alias, "lo", level], names[alias, "hi", level]


def forecast_columns(
    columns: pd.DataFrame | Iterable[Any], *, skip: Collection[str] = NON_MODEL_COLUMNS
) -> ForecastColumns:
    """Split a frame's column names (or the names) into model aliases and bounds.

    Names in ``skip`` are neither; names ending in ``-lo-<l>``/``-hi-<l>`` are bounds,
    the others models. A bound without its point column, or with a level outside
    (0, 100), raises :class:`InvalidFrameError`.

    Examples
    --------
    >>> cols = forecast_columns(["unique_id", "ds", "y", "gbm", "gbm-lo-80", "gbm-hi-80"])
    >>> cols.models, cols.levels("gbm"), cols.bounds("gbm", 80)
    (('gbm',), [80], ('gbm-lo-80', 'gbm-hi-80'))
    """
    names = columns.columns if isinstance(columns, pd.DataFrame) else columns
    matches = [(n, _BOUND.match(n)) for n in map(str, names) if n not in skip]
    models = tuple(n for n, m in matches if m is None)
    ivs = tuple(IntervalColumn(n, *m.group(1, 2), _tidy(float(m[3]))) for n, m in matches if m)
    for iv in ivs:
        if iv.alias not in models or not 0 < iv.level < 100:
            raise InvalidFrameError(
                f"interval column {iv.column!r} has no point column {iv.alias!r} or a level "
                "outside (0, 100): keep the model's point forecast next to its bounds, as "
                "predict() returns them, or drop the interval column"
            )
    return ForecastColumns(models, ivs)


def validate_forecast(fc: Any, *, strict: bool = False, rows: bool = False) -> ForecastColumns:
    """Check that ``fc`` is a forecast frame; return its :func:`forecast_columns`.

    Parameters
    ----------
    fc : DataFrame
        E.g. what a forecaster's ``predict`` returns.
    strict : bool, default False
        Also require what the store needs: rows, string column names, every column
        besides ``unique_id``, ``ds`` and ``step`` a numeric model or bound (no ``y``
        or ``cutoff``), a model, and both bounds of each level.
    rows : bool, default False
        Require at least one row (always so with ``strict``).

    Raises
    ------
    InvalidFrameError
        Naming the broken rule and the fix.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "centrum/phone", "ds": pd.date_range(
    ...     "2025-03-03", periods=2, tz="Europe/Amsterdam"), "gbm": [120.0, 98.0],
    ...     "gbm-lo-80": [101.0, 80.0], "gbm-hi-80": [141.0, 117.0]})
    >>> validate_forecast(fc, strict=True).levels("gbm")
    [80]
    >>> validate_forecast(fc.drop(columns="gbm"))
    Traceback (most recent call last):
    demandcast.exceptions.InvalidFrameError: interval column 'gbm-lo-80' has no point ...
    """
    if not isinstance(fc, pd.DataFrame):
        raise InvalidFrameError(
            f"forecast must be a pandas DataFrame, got {kind_of(fc)}; pass the frame "
            "that a forecaster's predict() returns"
        )
    if missing := [c for c in _KEYS if c not in fc.columns]:
        raise InvalidFrameError(
            f"forecast frame lacks column(s) {missing}: it needs unique_id, ds and one "
            f"column per model; it has {examples(fc.columns)}"
        )
    if (strict or rows) and fc.empty:
        raise InvalidFrameError("forecast frame has no rows: forecast a horizon h >= 1")
    if not strict:
        return forecast_columns(fc)
    if bad := [c for c in fc.columns if not isinstance(c, str)]:
        raise InvalidFrameError(
            f"forecast column names must be strings; got {examples(bad)}: "
            "rename them, e.g. frame.columns = frame.columns.map(str)"
        )
    for col in fc.columns.drop([*_KEYS, "step"], errors="ignore"):
        dtype, actual = fc[col].dtype, col in ("y", "cutoff")
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        if actual or not numeric:
            rule = "is not a forecast column" if actual else f"must be numeric, got {dtype}"
            raise InvalidFrameError(
                f"column {col!r} {rule}: every column besides unique_id, ds and step is a "
                f"model or a bound (save actuals with save_actuals()); drop it: "
                f"frame.drop(columns=[{col!r}])"
            )
    cols = forecast_columns(fc, skip=[*_KEYS, "step"])
    if not cols.models:
        raise InvalidFrameError(
            "forecast frame has no model column: expected unique_id, ds, <model>, "
            f"<model>-lo-80, ...; it has {examples(fc.columns)}"
        )
    if bad := [
        f"{a} at level {lv:g}" for _, a, _, lv in cols.intervals if lv not in cols.levels(a)
    ]:
        raise InvalidFrameError(
            f"intervals need both -lo- and -hi- columns; missing for {examples(bad)}"
        )
    return cols


def to_long(fc: pd.DataFrame, columns: ForecastColumns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A wide forecast frame as the store's long tables ``(points, bounds)``, model by model.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "a", "ds": [1, 2], "m": [5.0, 6.0],
    ...                    "m-lo-80": [4.0, 4.5], "m-hi-80": [7.0, 8.0]})
    >>> to_long(fc, forecast_columns(fc))[1]
      unique_id  ds model  level   lo   hi
    0         a   1     m   80.0  4.0  7.0
    1         a   2     m   80.0  4.5  8.0
    """
    pairs = [(a, lv) for _, a, s, lv in columns.intervals if s == "lo" and lv in columns.levels(a)]
    points = fc.melt(_KEYS, list(columns.models), "model", "point").astype({"point": float})
    lo, hi = (
        fc.melt(_KEYS, [columns.bounds(a, lv)[i] for a, lv in pairs], "model", side)
        for i, side in enumerate(_SIDES)
    )
    lo["model"] = np.repeat(np.array([a for a, _ in pairs], dtype=object), len(fc))
    lo.insert(3, "level", np.repeat(np.array([lv for _, lv in pairs], dtype=float), len(fc)))
    return points, lo.astype({"lo": float}).assign(hi=hi["hi"].to_numpy(dtype=float))


def to_wide(points: pd.DataFrame, bounds: pd.DataFrame, columns: ForecastColumns) -> pd.DataFrame:
    """The tables of :func:`to_long` as a wide frame sorted by ``unique_id, ds``.

    Other columns of ``points`` (e.g. ``step``, one value per row) are kept; models of
    ``columns`` that ``points`` lacks are left out.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "a", "ds": [1, 2], "m": [5.0, 6.0],
    ...                    "m-lo-80": [4.0, 4.5], "m-hi-80": [7.0, 8.0]})
    >>> to_wide(*to_long(fc, forecast_columns(fc)), forecast_columns(fc)).equals(fc)
    True
    """
    wide = points.pivot(index=_KEYS, columns="model", values="point")
    extra = [c for c in points.columns if c not in (*_KEYS, "model", "point")]
    out = points.drop_duplicates(_KEYS).set_index(_KEYS)[extra].reindex(wide.index)
    for model in (m for m in columns.models if m in wide):
        out[model] = wide[model].to_numpy(dtype="float64")
    if ivs := [c for c in columns.intervals if c.alias in wide]:
        iv = bounds.pivot(index=_KEYS, columns=["model", "level"], values=list(_SIDES))
        for c in ivs:
            out[c.column] = (
                iv[(c.side, c.alias, float(c.level))].reindex(wide.index).to_numpy(float)
            )
    return out.reset_index()
