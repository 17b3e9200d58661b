"""Backtest windows: where each fold's training part ends and its test part lies.

One object, :class:`BacktestWindows`, holds the whole rolling-origin protocol of
BENCHMARKS.md: the folds are the last ``n_windows * step + (h - step)`` steps of the
data (after ``gap``); each fold trains on all history before its cutoff
(``window="expanding"``) or on the last ``input_size`` steps (``"sliding"``).

Steps are counted on the *time grid of the frame*: the sorted distinct ``ds`` of
all series together. Intervals absent from every series (nights and weekends that
the loaders leave out) are no step; closed intervals present with
``is_open == False`` are. Cutoffs are therefore global times shared by all series,
which keeps regressors and model comparisons aligned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import positive_int
from demandcast.exceptions import BacktestError

__all__ = ["WINDOW_KINDS", "BacktestWindows", "time_grid"]

#: Allowed values of ``window``.
WINDOW_KINDS = ("expanding", "sliding")


def time_grid(df_grid: pd.DataFrame | pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The sorted distinct interval starts of a long frame (or of ``ds`` values).

    Parameters
    ----------
    df_grid : DataFrame, Series or DatetimeIndex
        A long frame with a ``ds`` column, or the ``ds`` values themselves.

    Returns
    -------
    DatetimeIndex

    Raises
    ------
    BacktestError
        When there is no ``ds`` value at all.

    Examples
    --------
    >>> ds = pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-02"])
    >>> time_grid(pd.DataFrame({"ds": ds})).strftime("%m-%d").tolist()
    ['01-01', '01-02']
    """
    if isinstance(df_grid, pd.DataFrame):
        if "ds" not in df_grid.columns:
            raise BacktestError(
                f"the frame has no 'ds' column (columns: {list(df_grid.columns)[:10]}): "
                "give a long frame unique_id, ds, y"
            )
        values = df_grid["ds"]
    else:
        values = df_grid
    grid = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(values).dropna())).sort_values()
    if len(grid) == 0:
        raise BacktestError("the frame is empty: a backtest needs rows with ds and y")
    return grid


@dataclass(frozen=True)
class BacktestWindows:
    """The rolling-origin windows of a backtest (skforecast-style: one object).

    Parameters
    ----------
    h : int
        Forecast horizon: steps scored in each window.
    n_windows : int
        Number of windows (folds, cutoffs).
    step : int, optional
        Steps between consecutive cutoffs; default ``h`` (back-to-back test
        periods). ``step < h`` gives overlapping test periods (every step is still
        scored once per window), ``step > h`` leaves unscored steps between them.
    gap : int, default 0
        Steps between the cutoff and the first scored step, e.g. ``gap=1`` when the
        forecast for tomorrow is made the day before yesterday.
    window : {"expanding", "sliding"}
        Train on all history up to each cutoff, or only on the last ``input_size``
        steps.
    input_size : int, optional
        Training length in steps for ``window="sliding"`` (required there).

    Examples
    --------
    >>> ds = pd.date_range("2024-01-01", periods=10, freq="D", tz="Europe/Amsterdam")
    >>> w = BacktestWindows(h=3, n_windows=2, step=2)
    >>> w.cutoffs(pd.DataFrame({"ds": ds})).strftime("%d").tolist()
    ['05', '07']
    >>> split = w.split(pd.DataFrame({"ds": ds}))[["window", "test_first", "test_last"]]
    >>> split.assign(**{c: split[c].dt.strftime("%d") for c in ("test_first", "test_last")})
       window test_first test_last
    0       0         06        08
    1       1         08        10
    """

    h: int
    n_windows: int
    step: int | None = None
    gap: int = 0
    window: str = "expanding"
    input_size: int | None = None

    def __post_init__(self) -> None:
        positive_int(self.h, "h", error=BacktestError)
        positive_int(self.n_windows, "n_windows", error=BacktestError)
        if self.step is not None:
            positive_int(self.step, "step", error=BacktestError)
        positive_int(self.gap, "gap", error=BacktestError, allow_zero=True)
        if self.window not in WINDOW_KINDS:
            raise BacktestError(
                f"window={self.window!r} is not allowed: choose one of {list(WINDOW_KINDS)}"
            )
        if self.window == "sliding":
            if self.input_size is None:
                raise BacktestError(
                    "window='sliding' needs input_size, the number of steps each window "
                    "trains on (e.g. input_size=8 * h); or use window='expanding'"
                )
            positive_int(self.input_size, "input_size", error=BacktestError)
        elif self.input_size is not None:
            raise BacktestError(
                f"input_size={self.input_size!r} is only used with window='sliding'; drop it "
                "or pass window='sliding'"
            )

    @property
    def step_(self) -> int:
        """The step between cutoffs actually used (``h`` when ``step`` is None)."""
        return int(self.h if self.step is None else self.step)

    @property
    def test_span(self) -> int:
        """Steps from the first cutoff (exclusive) to the end of the data."""
        return (self.n_windows - 1) * self.step_ + self.gap + self.h

    def _positions(self, n: int) -> np.ndarray:
        """Grid positions of the cutoffs for a grid of ``n`` steps (checked)."""
        need_train = self.input_size if self.window == "sliding" else 1
        need = self.test_span + int(need_train)
        if n < need:
            what = (
                f"input_size={self.input_size} for training"
                if self.window == "sliding"
                else "at least 1 for training"
            )
            raise BacktestError(
                f"too few observations: the time grid has {n} steps, but h={self.h}, "
                f"n_windows={self.n_windows}, step={self.step_} and gap={self.gap} need "
                f"{self.test_span} steps for testing plus {what} ({need} in all); lower "
                "n_windows, step or h, or give more history"
            )
        return n - 1 - self.steps_back()

    def steps_back(self) -> np.ndarray:
        """Steps from each window's cutoff to the last step of the data, oldest first.

        Examples
        --------
        >>> BacktestWindows(h=3, n_windows=2, step=2, gap=1).steps_back().tolist()
        [6, 4]
        """
        return self.gap + self.h + self.step_ * np.arange(self.n_windows - 1, -1, -1)

    def series_folds(self, df: pd.DataFrame, step: pd.Timedelta) -> list[tuple[int, np.ndarray]]:
        """Training rows of each window when every series keeps its own end (inside a fit).

        Unlike :meth:`cutoffs` (steps of the frame's shared grid), a series' cutoff
        lies :meth:`steps_back` steps of ``step`` of the local wall clock before its
        own last ``ds``. Returns ``(window, rows)`` oldest first, ``rows`` a mask of
        ``df``; windows where no series has a training row are left out.

        Examples
        --------
        >>> ds = pd.date_range("2024-01-01", periods=6, freq="D", tz="Europe/Amsterdam")
        >>> df = pd.DataFrame({"unique_id": "a", "ds": ds})
        >>> folds = BacktestWindows(h=2, n_windows=3).series_folds(df, pd.Timedelta("1D"))
        >>> [(w, int(rows.sum())) for w, rows in folds]
        [(1, 2), (2, 4)]
        """
        wall = _time.wall(df["ds"])
        last = wall.groupby(df["unique_id"]).transform("max")
        folds = [
            (w, (wall <= last - int(k) * step).to_numpy()) for w, k in enumerate(self.steps_back())
        ]
        return [(w, rows) for w, rows in folds if rows.any()]

    def cutoffs(self, df_grid: pd.DataFrame | pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
        """The cutoff of each window: the last ``ds`` its model may train on.

        Parameters
        ----------
        df_grid : DataFrame, Series or DatetimeIndex
            The long frame (or its ``ds`` values); see :func:`time_grid`.

        Returns
        -------
        DatetimeIndex
            ``n_windows`` increasing cutoffs.

        Raises
        ------
        BacktestError
            When the data has too few steps for the windows asked.
        """
        grid = time_grid(df_grid)
        return pd.DatetimeIndex(grid[self._positions(len(grid))], name="cutoff")

    def split(self, df_grid: pd.DataFrame | pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
        """Training and test bounds of every window (all bounds inclusive).

        Returns
        -------
        DataFrame
            ``window`` (0, 1, ...), ``cutoff``, ``train_first`` (first ``ds`` the
            model may train on), ``test_first`` and ``test_last`` (the scored
            ``ds`` range), ``cutoff_pos`` (position of the cutoff on the grid).
        """
        grid = time_grid(df_grid)
        pos = self._positions(len(grid))
        size = int(self.input_size) if self.window == "sliding" else 0  # type: ignore[arg-type]
        first = pos - size + 1 if size else np.zeros_like(pos)
        return pd.DataFrame(
            {
                "window": np.arange(self.n_windows),
                "cutoff": grid[pos],
                "train_first": grid[first],
                "test_first": grid[pos + self.gap + 1],
                "test_last": grid[pos + self.gap + self.h],
                "cutoff_pos": pos,
            }
        )
