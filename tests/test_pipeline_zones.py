"""The nightly job on a source in another time zone (issue 14 item 5).

A config source with ``tz = "Asia/Tokyo"``: the loader returns local Tokyo midnights and
the job keeps that zone from the data to the stored and written forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandcast.config import load_config
from demandcast.pipeline import load_data, run_forecast


def _tokyo_config(folder):
    rng = np.random.default_rng(14)
    lines = ["Begintijd;Locatie"]
    for day in pd.date_range("2024-01-01", "2024-02-29", freq="D"):
        for _ in range(rng.poisson(20 if day.day_of_week < 5 else 5)):
            minute = int(rng.integers(0, 8 * 60))
            lines.append(f"{day + pd.Timedelta(hours=9, minutes=minute):%Y-%m-%d %H:%M:%S};tokyo")
    (folder / "calls.csv").write_text("\n".join(lines) + "\n")
    (folder / "demandcast.toml").write_text(
        """
[[sources]]
channel = "phone"
path = "calls.csv"
tz = "Asia/Tokyo"
location_col = "Locatie"

[models]
use = ["seasonal_naive"]

[forecast]
h = 7

[backtest]
enabled = false

[store]
url = "sqlite:///store.db"
"""
    )
    return load_config(folder / "demandcast.toml")


def test_a_tokyo_source_runs_and_keeps_its_zone(tmp_path):
    config = _tokyo_config(tmp_path)
    data = load_data(config)
    assert str(data["ds"].dt.tz) == "Asia/Tokyo" and (data["ds"].dt.hour == 0).all()
    summary = run_forecast(config, as_of="2024-02-29", lock=False)
    ds = pd.DatetimeIndex(summary.forecast["ds"])
    assert str(ds.tz) == "Asia/Tokyo"
    assert ds.strftime("%Y-%m-%d %H:%M").tolist() == [f"2024-03-0{d} 00:00" for d in range(1, 8)]
    written = pd.read_csv(summary.paths["forecasts"])
    assert written["ds"].str.endswith("+09:00").all()
