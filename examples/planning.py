"""Planning script: daily phone forecast six weeks ahead -> 30-minute staffing per week.

A planner's use of demandcast as a library: forecast the phone line per location,
spread the days over 30-minute intervals with weekday profiles, staff each interval
to the 90 % quantile (80 % answered within 25 s, 30 % shrinkage) and print the peak
and the paid hours per week.

Run::

    python examples/planning.py            # on the simulated municipality
    python examples/planning.py --quick    # a shorter history (CI smoke run)
"""

from __future__ import annotations

import argparse

import pandas as pd

import demandcast
from demandcast.intraday import intraday_profiles, split


def main(quick: bool = False) -> pd.DataFrame:
    end = "2024-05-31" if quick else "2024-10-31"
    sim = demandcast.simulate_municipality(seed=1, start="2024-01-01", end=end)
    hours = sim.opening_hours["phone"]
    daily = sim.frame("phone", freq="D")
    intervals = sim.frame("phone", freq="30min")

    h = 42  # six weeks
    model = demandcast.get_forecaster("historical_average", k_weeks=6)
    fc = model.fit(daily).predict(h, level=(80,))

    profiles = intraday_profiles(intervals, opening_hours=hours)
    per_interval = split(fc, profiles, opening_hours=hours)
    staff = demandcast.required_staff(
        per_interval,
        aht=240,
        target=(0.8, 25),
        shrinkage=0.3,
        quantile=0.9,
        value_col="historical_average",
    )
    week = staff["ds"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time.dt.date
    table = (
        staff.assign(week=week, hours=staff["gross_agents"] * 0.5)
        .groupby(["week", "unique_id"])
        .agg(
            calls=("calls", "sum"), peak_agents=("gross_agents", "max"), paid_hours=("hours", "sum")
        )
        .round(0)
    )
    print(f"Phone staffing for the {h // 7} weeks after {end} (gross agents, 90 % quantile):")
    print(table.to_string())
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter history")
    main(parser.parse_args().quick)
