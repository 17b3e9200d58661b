"""An example demandcast forecaster plugin: the mean of each series' recent days.

Installed next to demandcast (``pip install examples/plugin``), it is found through the
entry-point group ``demandcast.forecasters`` that its ``pyproject.toml`` declares:
``demandcast.get_forecaster("recent_mean", window=7)`` builds it.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from demandcast.exceptions import ConfigError
from demandcast.forecast_frame import interval_columns
from demandcast.forecasters.base import BaseForecaster, FitInputs

__all__ = ["RecentMean"]


class RecentMean(BaseForecaster):
    """Forecast each series by the mean of its last ``window`` open days.

    The band of level ``l`` is the mean plus and minus the normal ``(100 + l) / 2``
    percent quantile times the standard deviation of those days.

    Parameters
    ----------
    window : int, default 28
        How many of the most recent open, observed days the mean covers.
    alias : str, optional
        Output column name (default ``"recent_mean"``).
    """

    name = "recent_mean"
    tags: ClassVar[dict[str, bool]] = {
        "intraday": False,  # a daily model: no time-of-day profile
        "deterministic": True,
        "supports_update": True,  # new days enter the window without a refit
    }

    def __init__(self, window: int = 28, alias: str | None = None) -> None:
        self.window = window
        self.alias = alias

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Cheap parameters for the conformance suite (:mod:`demandcast.testing`)."""
        return {"window": 7}

    def _fit(self, inputs: FitInputs) -> None:
        if not isinstance(self.window, int) or self.window < 1:
            raise ConfigError(f"window={self.window!r}: give a whole number of days >= 1")
        self.recent_ = self._recent(inputs.df, {})

    def _update(self, inputs: FitInputs) -> None:
        self.recent_ = self._recent(inputs.df, self.recent_)

    def _recent(self, df: pd.DataFrame, before: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The last ``window`` open values of each series, ``before`` followed by ``df``."""
        seen = df[df["is_open"] & df["y"].notna()]
        new = {str(u): g["y"].to_numpy(dtype="float64") for u, g in seen.groupby("unique_id")}
        out = dict(before)
        for uid, values in new.items():
            out[uid] = np.concatenate([out.get(uid, np.empty(0)), values])[-self.window :]
        return out

    def _predict(self, h: int, X_future: pd.DataFrame | None, level: tuple) -> pd.DataFrame:
        grid = self.future_ds(h)
        uid = grid["unique_id"]
        mean = uid.map({u: v.mean() for u, v in self.recent_.items()}).fillna(0.0)
        sd = uid.map({u: v.std() for u, v in self.recent_.items()}).fillna(0.0)
        values = [mean.to_numpy()]
        for lv in level:
            z = NormalDist().inv_cdf((100 + lv) / 200)
            values += [(mean - z * sd).to_numpy(), (mean + z * sd).to_numpy()]
        columns = interval_columns(self.alias_, level)
        return grid.assign(**dict(zip(columns, values, strict=True)))
