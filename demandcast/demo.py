"""The demo: a simulated municipality's raw exports and a config that reads them.

``demandcast demo`` writes them (:func:`write_demo`), then runs the nightly job on them.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd

from demandcast._atomic import write_csv, write_text
from demandcast.exceptions import DemandcastError

__all__ = ["write_demo"]

logger = logging.getLogger("demandcast")

_DEMO_TOML = """\
# demandcast demo config: a simulated municipality with three locations.
# Written by `demandcast demo`; every key is documented in examples/demandcast.toml.

# Phone: an ACD export in Dutch format (; separator, decimal comma, Dutch headers).
[[sources]]
channel = "phone"
path = "exports/telefonie.csv"
sep = ";"
decimal = ","
location_col = "Locatie"
[sources.columns]
time_col = "Begintijd"
outcome_col = "Uitkomst"
wait_col = "Wachttijd (s)"
handle_col = "Gesprekstijd (s)"

# Desk: one row per ticket from the queue-management system.
[[sources]]
channel = "desk"
path = "exports/balie_tickets.csv"

# Web: hourly visits from the analytics export.
[[sources]]
channel = "web"
path = "exports/web_visits.csv"

[calendar]
region = "midden"
good_friday = false
liberation_day = "lustrum"
closures = []
closed_channels = ["desk", "phone"]

[opening_hours.phone]
mon-fri = "08:00-17:00"

[opening_hours.desk]
mon-fri = "08:30-17:00"
thu = "08:30-20:00"

[opening_hours.web]
mon-sun = "00:00-24:00"

# Mailings are known ahead (future); social-media mentions only as observed (past).
[[regressors]]
name = "mailing_letters"
path = "exports/regressors.csv"
role = "future"

[[regressors]]
name = "social_mentions"
path = "exports/regressors.csv"
role = "past"

[models]
use = {models}
select = "best"
{params}
[forecast]
h = {h}
freq = "D"
level = [80, 95]

[backtest]
enabled = true
n_windows = {n_windows}
step = 7
refit = true
metric = "wape"

[staffing]
interval = "30min"

[staffing.phone]
aht_seconds = 240
target_sl = 0.8
target_seconds = 25
shrinkage = 0.3
max_occupancy = 0.85
quantile = 0.9

[staffing.desk]
aht_seconds = 480
target_sl = 0.8
target_seconds = 900
shrinkage = 0.3
max_occupancy = 0.85

[store]
url = "sqlite:///demandcast.db"

[output]
folder = "output"
report = "report.html"
"""


def _available(names: list[str]) -> list[str]:
    from demandcast.forecasters.registry import get_forecaster_class

    ok = []
    for name in names:
        try:
            get_forecaster_class(name)
        except (DemandcastError, ImportError) as err:
            logger.info("demo: model %s left out (%s)", name, err)
            continue
        ok.append(name)
    return ok


def write_demo(folder: str | Path, *, quick: bool = False, seed: int = 0) -> Path:
    """Simulate a municipality and write its exports and a config into ``folder``.

    Parameters
    ----------
    folder : str
        Created when missing; demo files in it are overwritten.
    quick : bool
        Five months of data, a 14-day horizon and the light models only.
    seed : int
        Seed of :func:`demandcast.datasets.simulate_municipality`.

    Returns
    -------
    pathlib.Path
        The written ``demandcast.toml``.
    """
    from demandcast.datasets import simulate_municipality

    root = Path(folder)
    exports = root / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    h = 14 if quick else 28
    start = dt.date(2024, 1, 1) if quick else dt.date(2023, 7, 1)
    last = dt.date(2024, 5, 31) if quick else dt.date(2024, 10, 31)  # the night of the run
    end = last + dt.timedelta(days=h + 7)  # mailings are known beyond the night
    logger.info("demo: simulating %s .. %s (seed %d)", start, end, seed)
    sim = simulate_municipality(seed=seed, start=start, end=end)
    cut = pd.Timestamp(last + dt.timedelta(days=1))

    calls = sim.phone_calls[sim.phone_calls["call_start"] < cut]
    phone = pd.DataFrame(
        {
            "Begintijd": calls["call_start"].dt.strftime("%d-%m-%Y %H:%M:%S"),
            "Locatie": calls["location"],
            "Wachtrij": calls["queue"],
            "Uitkomst": calls["outcome"],
            "Wachttijd (s)": calls["wait_seconds"].astype("float64"),
            "Gesprekstijd (s)": calls["handle_seconds"].astype("float64"),
        }
    )
    write_csv(exports / "telefonie.csv", phone, sep=";", decimal=",")
    tickets = sim.desk_tickets[sim.desk_tickets["ticket_time"] < cut]
    write_csv(exports / "balie_tickets.csv", tickets.drop(columns=["citizen_id"], errors="ignore"))
    web = sim.web_visits[sim.web_visits["timestamp"] < cut]
    write_csv(exports / "web_visits.csv", web)
    reg = sim.regressors("D")
    reg["ds"] = reg["ds"].dt.strftime("%Y-%m-%d")
    write_csv(exports / "regressors.csv", reg)

    wanted = ["seasonal_naive", "historical_average"]
    params = "\n[models.historical_average]\nk_weeks = 6\n"
    if not quick:
        wanted += ["sarima", "gbm"]
        params += f"\n[models.sarima]\npast_lag = {h}\n"
        params += f"\n[models.gbm]\nmax_iter = 100\nn_cutoffs = 8\nhorizon_days = {h}\n"
    models = _available(wanted)
    text = _DEMO_TOML.format(
        models="[" + ", ".join(f'"{m}"' for m in models) + "]",
        params=params,
        h=h,
        n_windows=2 if quick else 3,
    )
    path = write_text(root / "demandcast.toml", text)
    return path
