"""A planner's script: four weeks of phone and desk demand, with the mailings calendar.

What a KCC / Publiekszaken planner runs before rostering:

1. read the phone (ACD) and desk (ticket system) exports, with the opening hours
   and closure days of each channel, as daily totals per location;
2. turn the mailings calendar (known ahead) into a future regressor with
   :func:`demandcast.signals.events_to_regressors`;
3. fit two models with that regressor: ``sarima`` and ``gbm`` (``historical_average``,
   without the regressor, when gbm is not installed);
4. print a 4-week forecast per channel and week with 80 % and 95 % intervals, next to
   the scenario "we send 20,000 letters two weeks from now"
   (:func:`demandcast.signals.mailing` + :func:`demandcast.signals.scenario`).

The exports come from the simulator (:func:`demandcast.datasets.simulate_municipality`)
and are written to a temporary folder as a municipality would hand them over: the
phone export in the Dutch CSV format (``;`` separators, decimal commas), the desk
export as a plain CSV. Run it with ``python examples/planning_script.py``; it takes
well under a minute.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd

from demandcast.calendar import OpeningHours, closure_days
from demandcast.datasets import simulate_municipality
from demandcast.exceptions import DataWarning
from demandcast.forecasters import get_forecaster
from demandcast.frame import future_index, local_range
from demandcast.loaders import load_desk, load_phone
from demandcast.signals import events_to_regressors, mailing, scenario

TZ = "Europe/Amsterdam"
HORIZON = 28  # days: the rostering horizon
LEVELS = (80, 95)
PLANNED_LETTERS = 20.0  # thousand letters of the planned mailing


def write_exports(folder: Path) -> tuple[Path, Path, pd.DataFrame]:
    """Simulate four months of a two-location municipality and write its exports."""
    sim = simulate_municipality(
        seed=3, start="2024-01-01", end="2024-04-30", locations=("centrum", "noord"), scale=0.5
    )
    phone_path = folder / "acd_export.csv"
    desk_path = folder / "tickets.csv"
    sim.phone_calls.to_csv(phone_path, sep=";", decimal=",", index=False)  # Dutch Excel
    sim.desk_tickets.to_csv(desk_path, index=False)
    return phone_path, desk_path, sim.mailings


def load_daily(phone_path: Path, desk_path: Path, hours: dict) -> pd.DataFrame:
    """Both exports as one long frame of daily totals (closed days left out)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # a few contacts just after closing
        phone = load_phone(phone_path, freq="D", opening_hours=hours["phone"])
        desk = load_desk(desk_path, freq="D", opening_hours=hours["desk"])
    cols = ["unique_id", "ds", "y"]
    return pd.concat([phone[cols], desk[cols]], ignore_index=True)


def regressors(mailings: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """The mailings calendar as ``mailing_letters_decay`` (thousand letters), every day."""
    events = mailings.assign(letters=mailings["letters"] / 1000.0)
    grid = local_range(first, last, "D", tz=TZ)
    return events_to_regressors(events, grid)[["ds", "mailing_letters_decay"]]


def future_frame(
    df: pd.DataFrame, X: pd.DataFrame, hours: dict, planned: pd.DataFrame | None
) -> pd.DataFrame:
    """Regressor and opening flags for the next HORIZON days of every series."""
    parts = []
    for uid, last in df.groupby("unique_id")["ds"].max().items():
        ds = future_index(last, HORIZON, "D")
        channel = uid.rsplit("/", 1)[-1]
        open_ = hours[channel].is_open(ds, freq="D")
        parts.append(pd.DataFrame({"unique_id": uid, "ds": ds, "is_open": open_}))
    grid = pd.concat(parts, ignore_index=True)
    base = grid.merge(X, on="ds", how="left")
    return base if planned is None else scenario(base, planned)


def weekly_table(fc: pd.DataFrame, alias: str, scenario_fc: pd.DataFrame) -> pd.DataFrame:
    """Per channel and week: point forecast and interval bounds summed over days and
    locations (sums of bounds: a conservative band), with the scenario's point."""
    cols = [alias] + [f"{alias}-{side}-{lv}" for lv in LEVELS for side in ("lo", "hi")]
    out = fc.assign(
        channel=fc["unique_id"].str.rsplit("/", n=1).str[-1],
        week=fc["ds"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time.dt.date,
        scenario=scenario_fc[alias].to_numpy(),
    )
    table = out.groupby(["channel", "week"])[[*cols, "scenario"]].sum().round(0)
    return table.rename(columns={c: c.replace(f"{alias}-", "") for c in cols}).astype(int)


def run() -> None:
    """The whole planning run (kept in a function so the temp folder is cleaned up)."""
    with tempfile.TemporaryDirectory(prefix="demandcast-plan-") as tmp:
        phone_path, desk_path, mailings = write_exports(Path(tmp))
        first_day, last_day = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-05-31")
        closed = closure_days(first_day.date(), last_day.date())  # holidays incl. the horizon
        hours = {
            "phone": OpeningHours.phone_default(closures=closed),
            "desk": OpeningHours.desk_default(closures=closed),
        }
        df = load_daily(phone_path, desk_path, hours)

    X = regressors(mailings, first_day, last_day)
    X_hist = X[X["ds"] <= df["ds"].max()]
    send = (df["ds"].max() + pd.Timedelta(days=14)).tz_localize(None).normalize()
    while send.day_of_week >= 5:  # letters go out on a weekday
        send += pd.Timedelta(days=1)
    planned = mailing(send, PLANNED_LETTERS)[["ds", "mailing_letters_decay"]]
    X_base = future_frame(df, X, hours, None)
    X_plan = future_frame(df, X, hours, planned)

    try:  # one thread: the fit is small, and a busy machine makes threads slower
        second = get_forecaster("gbm", max_iter=150, n_jobs=1)
    except ImportError:  # gbm not installed (scikit-learn missing) or not written yet
        second = get_forecaster("historical_average")
    models = [get_forecaster("sarima"), second]
    print(
        f"demandcast planning run: {df['unique_id'].nunique()} series, history "
        f"{df['ds'].min().date()} .. {df['ds'].max().date()}, {HORIZON}-day forecast; "
        f"scenario: {PLANNED_LETTERS * 1000:,.0f} letters sent on {send.date()}"
    )
    for model in models:
        uses_x = type(model).tags["future_regressors"]
        if uses_x:
            model.fit(df, X_hist)
            base = model.predict(HORIZON, X_future=X_base, level=LEVELS)
            plan = model.predict(HORIZON, X_future=X_plan, level=LEVELS)
        else:  # no regressor support: the scenario equals the base
            model.fit(df)
            flags = X_base[["unique_id", "ds", "is_open"]]
            base = plan = model.predict(HORIZON, X_future=flags, level=LEVELS)
        note = "with the mailing regressor" if uses_x else "without regressors"
        print(f"\n== {model.alias_} ({note}): weekly totals, 80/95 % bands ==")
        print(weekly_table(base, model.alias_, plan).to_string())


if __name__ == "__main__":
    run()
