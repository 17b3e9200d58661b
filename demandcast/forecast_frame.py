"""The forecast-frame contract: the level rule, interval column names, validate_forecast.

A forecast frame has ``unique_id``, ``ds``, one point column per model (its alias)
and, per interval level ``l``, the bounds ``<alias>-lo-<l>`` and ``<alias>-hi-<l>``.
This module is the one place that knows that encoding: every other module builds
names with :func:`interval_columns`, reads them with :func:`forecast_columns` (or
:func:`validate_forecast`) and checks levels with :func:`normalise_level`. The store
keeps forecasts long (one row per model, or per model and level); :func:`to_long`
and :func:`to_wide` convert between the two shapes.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from demandcast._text import examples
from demandcast.exceptions import ConfigError, InvalidFrameError

__all__ = [
    "NON_MODEL_COLUMNS",
    "ForecastColumns",
    "IntervalColumn",
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
_BOUND = re.compile(r"^(?P<alias>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")


def normalise_level(level: Any) -> tuple[float, ...]:
    """Check interval levels and return them as a sorted tuple without duplicates.

    The one level rule: a level is a coverage in percent strictly between 0 and 100.

    Parameters
    ----------
    level : None, number or iterable of numbers
        Coverage levels in percent, each strictly between 0 and 100.

    Returns
    -------
    tuple
        Sorted levels; integral values become ``int`` so column names read ``lo-80``.

    Raises
    ------
    ConfigError
        When a level is not a number in (0, 100).

    Examples
    --------
    >>> normalise_level([95, 80.0, 0.5])
    (0.5, 80, 95)
    >>> normalise_level(None)
    ()
    """
    if level is None:
        return ()
    items = [level] if isinstance(level, numbers.Number) else level
    try:
        items = list(items)
    except TypeError:
        raise ConfigError(
            f"level={level!r} is not allowed: give None or numbers in (0, 100), e.g. (80, 95)"
        ) from None
    bad = [
        v
        for v in items
        if isinstance(v, bool)
        or not isinstance(v, numbers.Real)
        or not np.isfinite(v)
        or not 0 < v < 100
    ]
    if bad:
        raise ConfigError(
            f"levels must be numbers strictly between 0 and 100; offending values "
            f"{examples(bad)}: give coverage in percent, e.g. level=(80, 95)"
        )
    return tuple(sorted({_tidy(v) for v in items}))


def _tidy(level: float) -> float:
    """``80.0`` -> ``80`` so that names and keys read the same whichever was given."""
    return int(level) if float(level).is_integer() else float(level)


def interval_columns(alias: str, level: Iterable[float]) -> list[str]:
    """Column names of the forecast frame for ``alias`` and ``level``, in order.

    Examples
    --------
    >>> interval_columns("naive", (80, 95.0))
    ['naive', 'naive-lo-80', 'naive-hi-80', 'naive-lo-95', 'naive-hi-95']
    """
    cols = [alias]
    for lv in level:
        cols += [f"{alias}-lo-{_tidy(lv)}", f"{alias}-hi-{_tidy(lv)}"]
    return cols


class IntervalColumn(NamedTuple):
    """One interval bound column: its name, model alias, side (``lo``/``hi``) and level."""

    column: str
    alias: str
    side: str
    level: float


@dataclass(frozen=True)
class ForecastColumns:
    """The model aliases and interval bounds of a forecast frame, in column order."""

    models: tuple[str, ...]
    intervals: tuple[IntervalColumn, ...]

    def levels(self, alias: str) -> list[float]:
        """Levels at which ``alias`` has both bounds, ascending."""
        sides: dict[float, set[str]] = {}
        for iv in self.intervals:
            if iv.alias == alias:
                sides.setdefault(iv.level, set()).add(iv.side)
        return sorted(lv for lv, s in sides.items() if len(s) == 2)

    def bounds(self, alias: str, level: float) -> tuple[str, str]:
        """Names of the ``(lo, hi)`` columns of ``alias`` at ``level``."""
        found = {
            iv.side: iv.column for iv in self.intervals if (iv.alias, iv.level) == (alias, level)
        }
        return found["lo"], found["hi"]

    def select(self, models: Iterable[str]) -> ForecastColumns:
        """Only the given models and their bounds."""
        keep = set(models)
        return ForecastColumns(
            tuple(m for m in self.models if m in keep),
            tuple(iv for iv in self.intervals if iv.alias in keep),
        )


def forecast_columns(
    columns: pd.DataFrame | Iterable[Any], *, skip: Iterable[str] = NON_MODEL_COLUMNS
) -> ForecastColumns:
    """Split column names into model aliases and interval bounds.

    Parameters
    ----------
    columns : DataFrame or iterable of column names
        A forecast frame (its columns are read) or the names themselves.
    skip : iterable of str
        Names that are neither a model nor a bound (default :data:`NON_MODEL_COLUMNS`).

    Returns
    -------
    ForecastColumns
        Every other name ending in ``-lo-<l>``/``-hi-<l>`` is a bound, the rest are models.

    Raises
    ------
    InvalidFrameError
        When a bound has no point column of its model, or its level breaks the rule of
        :func:`normalise_level`.

    Examples
    --------
    >>> cols = forecast_columns(["unique_id", "ds", "y", "gbm", "gbm-lo-80", "gbm-hi-80"])
    >>> cols.models, cols.levels("gbm"), cols.bounds("gbm", 80)
    (('gbm',), [80], ('gbm-lo-80', 'gbm-hi-80'))
    """
    names = columns.columns if isinstance(columns, pd.DataFrame) else columns
    skipped = set(skip)
    models, intervals = [], []
    for name in map(str, names):
        if name in skipped:
            continue
        match = _BOUND.match(name)
        if match is None:
            models.append(name)
        else:
            level = _tidy(float(match["level"]))
            intervals.append(IntervalColumn(name, match["alias"], match["side"], level))
    for iv in intervals:
        if iv.alias not in models or not 0 < iv.level < 100:
            raise InvalidFrameError(
                f"interval column {iv.column!r} has no point column {iv.alias!r} or a level "
                "outside (0, 100): keep the model's point forecast next to its bounds, as "
                "predict() returns them, or drop the interval column"
            )
    return ForecastColumns(tuple(models), tuple(intervals))


def validate_forecast(fc: Any, *, strict: bool = False, name: str = "forecast") -> ForecastColumns:
    """Check that ``fc`` is a forecast frame and return its columns.

    Parameters
    ----------
    fc : DataFrame
        The frame to check, e.g. what a forecaster's ``predict`` returns.
    strict : bool, default False
        Also require what a saved forecast needs: at least one row, string column
        names, every column besides ``unique_id``, ``ds`` and ``step`` a numeric
        model or bound (no actuals ``y``, no ``cutoff``), at least one model and
        both bounds of each level. Without it, other columns (``y``, ``is_open``,
        regressors) are allowed and skipped.
    name : str
        How the frame is called in error messages.

    Returns
    -------
    ForecastColumns
        The models and interval bounds (see :func:`forecast_columns`).

    Raises
    ------
    InvalidFrameError
        Naming the rule that is broken and the fix.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "centrum/phone",
    ...                    "ds": pd.date_range("2025-03-03", periods=2, tz="Europe/Amsterdam"),
    ...                    "gbm": [120.0, 98.0], "gbm-lo-80": [101.0, 80.0],
    ...                    "gbm-hi-80": [141.0, 117.0]})
    >>> validate_forecast(fc, strict=True).levels("gbm")
    [80]
    >>> validate_forecast(fc.drop(columns="gbm"))
    Traceback (most recent call last):
    ...
    demandcast.exceptions.InvalidFrameError: interval column 'gbm-lo-80' has no point ...
    """
    if not isinstance(fc, pd.DataFrame):
        raise InvalidFrameError(
            f"{name} must be a pandas DataFrame, got {type(fc).__name__}; pass the frame "
            "that a forecaster's predict() returns"
        )
    missing = [c for c in _KEYS if c not in fc.columns]
    if missing:
        raise InvalidFrameError(
            f"{name} frame lacks column(s) {missing}: it needs unique_id, ds and one "
            f"column per model; it has {examples(fc.columns)}"
        )
    if not strict:
        return forecast_columns(fc)
    if fc.empty:
        raise InvalidFrameError(f"{name} frame has no rows: there is nothing to save")
    bad_names = [c for c in fc.columns if not isinstance(c, str)]
    if bad_names:
        raise InvalidFrameError(
            f"{name} column names must be strings; got {examples(bad_names)}: "
            "rename them, e.g. frame.columns = frame.columns.map(str)"
        )
    for col in fc.columns.drop([*_KEYS, "step"], errors="ignore"):
        if col in ("y", "cutoff"):
            raise InvalidFrameError(
                f"column {col!r} is not a forecast column; store actuals with "
                f"save_actuals() and drop it here: frame.drop(columns=[{col!r}])"
            )
        dtype = fc[col].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise InvalidFrameError(
                f"{name} column {col!r} must be numeric, got dtype {dtype}; every column "
                "besides unique_id, ds and step is read as a model or an interval bound"
            )
    cols = forecast_columns(fc, skip=[*_KEYS, "step"])
    if not cols.models:
        raise InvalidFrameError(
            f"{name} frame has no model column: expected unique_id, ds, <model>, "
            f"<model>-lo-80, ...; it has {examples(fc.columns)}"
        )
    paired = {(iv.alias, iv.level) for iv in cols.intervals if iv.level in cols.levels(iv.alias)}
    one_sided = [
        f"{iv.alias} at level {iv.level:g}"
        for iv in cols.intervals
        if (iv.alias, iv.level) not in paired
    ]
    if one_sided:
        raise InvalidFrameError(
            f"intervals need both -lo- and -hi- columns; missing for {examples(one_sided)}"
        )
    return cols


def to_long(
    fc: pd.DataFrame, columns: ForecastColumns | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A wide forecast frame as long point and bound tables (the store's shape).

    Parameters
    ----------
    fc : DataFrame
        A forecast frame.
    columns : ForecastColumns, optional
        Its parsed columns (default: :func:`forecast_columns` of ``fc``).

    Returns
    -------
    points : DataFrame
        ``unique_id, ds, model, point``: the rows of ``fc`` once per model, model by model.
    bounds : DataFrame
        ``unique_id, ds, model, level, lo, hi``: once per model and level with both bounds.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "a", "ds": [1, 2], "m": [5.0, 6.0],
    ...                    "m-lo-80": [4.0, 4.5], "m-hi-80": [7.0, 8.0]})
    >>> points, bounds = to_long(fc)
    >>> bounds
      unique_id  ds model  level   lo   hi
    0         a   1     m   80.0  4.0  7.0
    1         a   2     m   80.0  4.5  8.0
    """
    cols = forecast_columns(fc) if columns is None else columns
    pairs = [
        (iv.alias, iv.level)
        for iv in cols.intervals
        if iv.side == "lo" and iv.level in cols.levels(iv.alias)
    ]

    def stack(labels: dict[str, list], values: dict[str, list[str]]) -> pd.DataFrame:
        k, n = len(next(iter(labels.values()))), len(fc)
        out = fc[_KEYS].iloc[np.tile(np.arange(n), k)].reset_index(drop=True)
        for key, label in labels.items():
            out[key] = np.repeat(np.asarray(label, dtype=object if key == "model" else None), n)
        for key, names in values.items():
            out[key] = fc[names].to_numpy(dtype="float64").ravel(order="F")
        return out

    points = stack({"model": list(cols.models)}, {"point": list(cols.models)})
    bounds = stack(
        {"model": [a for a, _ in pairs], "level": [float(lv) for _, lv in pairs]},
        {
            "lo": [cols.bounds(a, lv)[0] for a, lv in pairs],
            "hi": [cols.bounds(a, lv)[1] for a, lv in pairs],
        },
    )
    return points, bounds


def to_wide(points: pd.DataFrame, bounds: pd.DataFrame, columns: ForecastColumns) -> pd.DataFrame:
    """Long point and bound tables (as :func:`to_long` gives them) back as a wide frame.

    Parameters
    ----------
    points : DataFrame
        ``unique_id, ds, model, point``; any other column (e.g. ``step``) holds one
        value per ``(unique_id, ds)`` and is kept.
    bounds : DataFrame
        ``unique_id, ds, model, level, lo, hi``.
    columns : ForecastColumns
        The wide columns to build: each model's point column and each bound.

    Returns
    -------
    DataFrame
        ``unique_id, ds``, the other columns of ``points``, then the models and bounds
        in the order of ``columns``; sorted by ``(unique_id, ds)``.

    Examples
    --------
    >>> fc = pd.DataFrame({"unique_id": "a", "ds": [1, 2], "m": [5.0, 6.0],
    ...                    "m-lo-80": [4.0, 4.5], "m-hi-80": [7.0, 8.0]})
    >>> to_wide(*to_long(fc), forecast_columns(fc)).equals(fc)
    True
    """
    wide = points.pivot(index=_KEYS, columns="model", values="point")
    extra = [c for c in points.columns if c not in (*_KEYS, "model", "point")]
    out = points.drop_duplicates(_KEYS).set_index(_KEYS)[extra].reindex(wide.index)
    for model in columns.models:
        out[model] = wide[model].to_numpy()
    if columns.intervals:
        iv = bounds.pivot(index=_KEYS, columns=["model", "level"], values=["lo", "hi"])
        iv = iv.reindex(wide.index)
        for c in columns.intervals:
            out[c.column] = iv[(c.side, c.alias, float(c.level))].to_numpy()
    return out.reset_index()
