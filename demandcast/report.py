"""The planner's report: one self-contained HTML file that works offline.

Sections: a summary per channel and location (next 7 days, peak interval), the
forecast with its prediction bands against the last weeks of actuals, the weekday x
hour pattern of demand, the backtest leaderboard and error by horizon, past runs
against what happened (from the forecast store), and the staffing per interval.

Charts are inline SVG written by :mod:`demandcast._charts`: no JavaScript library,
no fonts or images to fetch, a Content-Security-Policy that forbids any network
request. A few lines of inline script only record, for automated checks, how many
charts rendered and any script error (``data-charts-rendered``, ``data-js-errors``
on the ``<html>`` element).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _charts, _time
from demandcast._atomic import write_text
from demandcast._text import examples, positive_int
from demandcast.exceptions import ConfigError, InvalidFrameError
from demandcast.forecast_frame import NON_MODEL_COLUMNS, interval_columns, validate_forecast

__all__ = ["render_report", "write_report"]

_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_DAY = pd.Timedelta(days=1)

_LOCALES: dict[str, dict[str, Any]] = {
    "nl": {
        "weekdays": ("ma", "di", "wo", "do", "vr", "za", "zo"),
        "months": "jan feb mrt apr mei jun jul aug sep okt nov dec",
        "decimal": ",",
        "thousands": ".",
    },
    "en": {
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "decimal": ".",
        "thousands": ",",
    },
}

_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "contents": "Inhoud",
        "generated": "Gemaakt op {when}. Gegevens t/m {last}; prognose {first} t/m {end} "
        "(model {model}). Tijden in {tz}, 24-uursklok.",
        "summary": "Samenvatting per kanaal en locatie",
        "summary_intro": "Totalen over de komende 7 dagen van de prognose, naast de "
        "laatste 7 dagen met gegevens.",
        "location": "Locatie",
        "channel": "Kanaal",
        "last7": "Laatste 7 dagen (werkelijk)",
        "next7": "Komende 7 dagen (prognose)",
        "change": "Verschil",
        "peak": "Drukste interval (prognose)",
        "peak_staff": "Meeste medewerkers (bruto)",
        "forecast": "Prognose met onzekerheidsbanden",
        "forecast_intro": "Zwart: wat er werkelijk binnenkwam (laatste {days} dagen). "
        "Blauw: de prognose; de banden geven aan waar het werkelijke aantal met "
        "{levels} kans zal liggen. Plan op de bovenkant van de band als onderbezetting "
        "duur is.",
        "actual": "werkelijk",
        "band": "{level} %-band",
        "starts": "prognose",
        "per": "aantal per {freq}",
        "per_binned": "gemiddeld aantal per {freq} (per {bin} samengenomen)",
        "heatmap": "Weekpatroon: dag x uur",
        "heatmap_intro": "Gemiddeld aantal contacten per uur over de laatste {weeks} "
        "weken, per weekdag. Grijs: gesloten of geen gegevens.",
        "heatmap_daily": "Geen weekpatroon per uur: de gegevens zijn per dag of grover.",
        "no_history": "Geen werkelijke aantallen meegegeven: alleen de prognose.",
        "closed": "gesloten / geen gegevens",
        "backtest": "Hoe goed waren de modellen? (backtest)",
        "backtest_intro": "Elk model voorspelde {windows} keer een periode van {h} "
        "intervallen die al voorbij was, en werd vergeleken met wat er echt gebeurde. "
        "Beste model bovenaan.",
        "rank": "#",
        "model": "Model",
        "n": "Aantal",
        "wape": "WAPE",
        "mase": "MASE",
        "bias": "Bias",
        "coverage": "Binnen {level} %-band",
        "vs_naive": "Beter dan seizoensnaïef",
        "horizon": "Fout per horizon",
        "horizon_intro": "WAPE per {unit} vooruit: hoe verder vooruit, hoe groter de fout meestal.",
        "days_ahead": "dag",
        "steps_ahead": "stap",
        "x_days": "dagen vooruit",
        "x_steps": "stappen vooruit",
        "store": "Eerdere prognoses tegen de werkelijkheid",
        "store_intro": "Nauwkeurigheid van opgeslagen runs, gemeten tegen de opgeslagen "
        "werkelijke aantallen (nieuwste eerst).",
        "store_empty": "Er zijn nog geen opgeslagen prognoses met werkelijke aantallen.",
        "run": "Run",
        "as_of": "Gemaakt op",
        "run_label": "run {run} ({when})",
        "staffing": "Bezetting per interval",
        "staffing_intro": "Benodigde medewerkers per interval voor de eerste {days} dagen "
        "van de prognose. Netto: aan de telefoon of balie; bruto: inclusief "
        "afwezigheid (shrinkage). Intervallen zonder verwachte contacten zijn "
        "weggelaten.",
        "interval": "Interval",
        "calls": "Contacten",
        "agents": "Netto",
        "gross_agents": "Bruto",
        "service_level": "Servicelevel",
        "asa": "Gem. wachttijd (s)",
        "occupancy": "Bezettingsgraad",
        "abandonment": "Afhakers",
        "staff_peak": "piek {n} bruto om {when}",
        "agents_line": "netto medewerkers",
        "gross_line": "bruto medewerkers",
        "staff_axis": "medewerkers",
        "glossary": "Begrippen",
        "g_wape": "WAPE: totale afwijking als percentage van het werkelijke volume "
        "(10 % = per 100 contacten gemiddeld 10 ernaast). Lager is beter.",
        "g_mase": "MASE: fout vergeleken met 'zelfde moment vorige week'; onder 1 is "
        "beter dan die eenvoudige regel.",
        "g_bias": "Bias: gemiddeld te hoog (+) of te laag (-) voorspeld, in contacten "
        "per interval.",
        "g_cov": "Binnen band: aandeel werkelijke aantallen binnen de band; een "
        "80 %-band hoort ongeveer 80 % te halen.",
        "g_sl": "Servicelevel: aandeel bellers dat binnen de norm wordt geholpen (Erlang C).",
        "none": "–",
    },
    "en": {
        "contents": "Contents",
        "generated": "Made on {when}. Data through {last}; forecast {first} to {end} "
        "(model {model}). Times in {tz}, 24-hour clock.",
        "summary": "Summary per channel and location",
        "summary_intro": "Totals over the next 7 days of the forecast, beside the last "
        "7 days with data.",
        "location": "Location",
        "channel": "Channel",
        "last7": "Last 7 days (actual)",
        "next7": "Next 7 days (forecast)",
        "change": "Change",
        "peak": "Busiest interval (forecast)",
        "peak_staff": "Most staff (gross)",
        "forecast": "Forecast with uncertainty bands",
        "forecast_intro": "Black: what actually came in (last {days} days). Blue: the "
        "forecast; the bands show where the actual count will fall with {levels} "
        "probability. Plan to the top of the band when understaffing is costly.",
        "actual": "actual",
        "band": "{level} % band",
        "starts": "forecast",
        "per": "count per {freq}",
        "per_binned": "mean count per {freq} (averaged per {bin})",
        "heatmap": "Weekly pattern: day x hour",
        "heatmap_intro": "Mean contacts per hour over the last {weeks} weeks, per "
        "weekday. Grey: closed or no data.",
        "heatmap_daily": "No hourly pattern: the data is daily or coarser.",
        "no_history": "No actual counts given: the forecast only.",
        "closed": "closed / no data",
        "backtest": "How good were the models? (backtest)",
        "backtest_intro": "Each model forecast {windows} past periods of {h} intervals "
        "and was compared with what really happened. Best model first.",
        "rank": "#",
        "model": "Model",
        "n": "Count",
        "wape": "WAPE",
        "mase": "MASE",
        "bias": "Bias",
        "coverage": "Within {level} % band",
        "vs_naive": "Better than seasonal naive",
        "horizon": "Error by horizon",
        "horizon_intro": "WAPE per {unit} ahead: the further ahead, the larger the error "
        "usually is.",
        "days_ahead": "day",
        "steps_ahead": "step",
        "x_days": "days ahead",
        "x_steps": "steps ahead",
        "store": "Past forecasts against what happened",
        "store_intro": "Accuracy of stored runs against the stored actuals (newest first).",
        "store_empty": "There are no stored forecasts with actuals yet.",
        "run": "Run",
        "as_of": "Made on",
        "run_label": "run {run} ({when})",
        "staffing": "Staffing per interval",
        "staffing_intro": "Staff needed per interval for the first {days} days of the "
        "forecast. Net: on the phone or at the desk; gross: including absence "
        "(shrinkage). Intervals without expected contacts are left out.",
        "interval": "Interval",
        "calls": "Contacts",
        "agents": "Net",
        "gross_agents": "Gross",
        "service_level": "Service level",
        "asa": "Avg. wait (s)",
        "occupancy": "Occupancy",
        "abandonment": "Abandoned",
        "staff_peak": "peak {n} gross at {when}",
        "agents_line": "net staff",
        "gross_line": "gross staff",
        "staff_axis": "staff",
        "glossary": "Terms",
        "g_wape": "WAPE: total absolute error as a percentage of the actual volume "
        "(10 % = off by 10 per 100 contacts). Lower is better.",
        "g_mase": "MASE: error compared with 'same time last week'; below 1 beats that "
        "simple rule.",
        "g_bias": "Bias: forecast too high (+) or too low (-) on average, in contacts per "
        "interval.",
        "g_cov": "Within band: share of actuals inside the band; an 80 % band should "
        "hold about 80 %.",
        "g_sl": "Service level: share of callers helped within the norm (Erlang C).",
        "none": "–",
    },
}

_STYLE = """
body{font-family:system-ui,'DejaVu Sans',Arial,sans-serif;margin:0 auto;max-width:1000px;
padding:16px 20px 60px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin:.4em 0}h2{margin-top:1.8em;border-bottom:2px solid #0072b2;
padding-bottom:.2em}h3{margin:1.3em 0 .3em;font-size:1.05em}
.meta,.note{color:#555;font-size:.92em}nav ol{columns:2;font-size:.95em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{padding:3px 9px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th{background:#f2f5f8;position:sticky;top:0;white-space:normal;vertical-align:bottom}td.t,th.t{text-align:left}
tr.best td{font-weight:600}details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
.scroll{max-height:420px;overflow:auto;display:inline-block}
svg.dc-chart{display:block;max-width:100%;height:auto;margin:.3em 0 1em}
dl dt{font-weight:600}dl dd{margin:0 0 .5em 1em}
"""

# Recorded on <html> for automated checks; harmless for readers.
_ERROR_SCRIPT = """(function(){var d=document.documentElement,e=[];
function add(m){e.push(String(m));d.setAttribute("data-js-errors",JSON.stringify(e));}
window.addEventListener("error",function(v){add(v.message||v.type);},true);
window.addEventListener("unhandledrejection",function(v){add(v.reason);});})();"""
_COUNT_SCRIPT = """window.addEventListener("load",function(){var d=document.documentElement,
s=document.querySelectorAll("svg.dc-chart"),n=0,bad=[];for(var i=0;i<s.length;i++){
var b=s[i].getBBox(),g=s[i].querySelectorAll("path,rect,circle").length;
if(b.width>0&&b.height>0&&g>0){n++;}else{bad.push(s[i].getAttribute("data-chart"));}}
d.setAttribute("data-charts-found",String(s.length));
d.setAttribute("data-charts-rendered",String(n));
d.setAttribute("data-charts-failed",JSON.stringify(bad));});"""
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _finite(value: Any) -> float | None:
    """``value`` as a float, or None for None, NA, NaN and infinities."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class _Fmt:
    """Language-aware formatting of numbers, percentages and local times."""

    lang: str

    @property
    def _loc(self) -> dict[str, Any]:
        return _LOCALES[self.lang]

    def t(self, key: str, **values: Any) -> str:
        text = _TEXT[self.lang][key]
        return text.format(**values) if values else text

    def number(self, value: Any, decimals: int = 0) -> str:
        number = _finite(value)
        if number is None:
            return _TEXT[self.lang]["none"]
        text = f"{number:,.{decimals}f}"
        if text.startswith("-") and float(text[1:].replace(",", "")) == 0:
            text = text[1:]
        loc = self._loc
        return text.replace(",", "\0").replace(".", loc["decimal"]).replace("\0", loc["thousands"])

    def percent(self, fraction: Any, decimals: int = 1, signed: bool = False) -> str:
        number = _finite(fraction)
        if number is None:
            return _TEXT[self.lang]["none"]
        text = self.number(100 * number, decimals)
        if signed and number > 0 and any(c in "123456789" for c in text):
            text = "+" + text
        return f"{text} %"

    def day(self, ts: pd.Timestamp, year: bool = True) -> str:
        loc = self._loc
        text = f"{loc['weekdays'][ts.weekday()]} {ts.day} {loc['months'].split()[ts.month - 1]}"
        return f"{text} {ts.year}" if year else text

    def when(self, ts: pd.Timestamp, daily: bool = False, year: bool = True) -> str:
        return self.day(ts, year) if daily else f"{self.day(ts, year)} {ts:%H:%M}"

    def month(self, ts: pd.Timestamp) -> str:
        return f"{self._loc['months'].split()[ts.month - 1]} {ts.year}"

    def duration(self, td: pd.Timedelta) -> str:
        minutes = int(td / pd.Timedelta(minutes=1))
        nl = self.lang == "nl"
        if minutes > 0 and minutes % 1440 == 0:
            n = minutes // 1440
            return ("dag" if nl else "day") if n == 1 else f"{n} {'dagen' if nl else 'days'}"
        if minutes > 0 and minutes % 60 == 0:
            n = minutes // 60
            return ("uur" if nl else "hour") if n == 1 else f"{n} {'uur' if nl else 'hours'}"
        return f"{minutes} min"


# -- input checks -------------------------------------------------------------------


def _check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not allowed; choose one of {list(choices)}")
    return value


def _check_zone(tz: Any) -> str:
    try:
        pd.Timestamp("2024-01-01", tz=tz)
    except Exception as err:
        raise ConfigError(
            f"tz={tz!r} is not a time zone; pass an IANA name such as 'Europe/Amsterdam'"
        ) from err
    return str(tz)


def _history(history: Any) -> pd.DataFrame:
    from demandcast.frame import validate_frame

    if history is None:  # a forecast-only report (e.g. rebuilt from the store)
        return pd.DataFrame(
            {
                "unique_id": pd.Series([], dtype=object),
                "ds": pd.Series([], dtype="datetime64[ns, UTC]"),
                "y": pd.Series([], dtype="float64"),
            }
        )
    if not isinstance(history, pd.DataFrame):
        raise InvalidFrameError(
            f"history must be a pandas DataFrame (long frame unique_id, ds, y), got "
            f"{type(history).__name__}. Fix: pass the frame your forecaster was fitted on."
        )
    return validate_frame(history, tz=None)


def _default_zone(history: pd.DataFrame, forecast: Any) -> str:
    """The zone of the history, else of the forecast, else Europe/Amsterdam."""
    if len(history):
        return str(history["ds"].dt.tz)
    ds = forecast["ds"] if isinstance(forecast, pd.DataFrame) and "ds" in forecast else None
    tz = getattr(getattr(ds, "dt", None), "tz", None) if ds is not None else None
    return str(tz) if tz is not None else "Europe/Amsterdam"


def _forecast(forecast: Any, model: str | None, zone: str) -> tuple[pd.DataFrame, str, list]:
    """The forecast frame in ``zone``, its model column and its interval levels (widest first)."""
    layout = validate_forecast(forecast, rows=True)
    models = [m for m in layout.models if pd.api.types.is_numeric_dtype(forecast[m])]
    if not models:
        raise InvalidFrameError(
            f"forecast has no numeric model column besides {sorted(NON_MODEL_COLUMNS)} and "
            f"interval bounds; columns: {examples(list(forecast.columns))}. "
            "Fix: pass the frame returned by predict()."
        )
    if model is None:
        model = models[0]
    elif model not in models:
        raise ConfigError(f"model={model!r} is not a column of the forecast; choose from {models}")
    levels = layout.levels(model)[::-1]
    keep = [model, *(c for lv in levels for c in layout.bounds(model, lv))]
    out = forecast[["unique_id", "ds", *keep]].copy()
    out.columns = ["unique_id", "ds", *interval_columns(model, levels)]
    out["unique_id"] = out["unique_id"].astype(str)
    try:
        out["ds"] = _time.to_local(pd.to_datetime(out["ds"]), zone, by=out["unique_id"])
    except (TypeError, ValueError) as err:
        raise InvalidFrameError(
            f"forecast column 'ds' cannot be read as times ({err}); first values: "
            f"{examples(forecast['ds'].head(5).tolist())}. Fix: pass tz-aware timestamps."
        ) from err
    return out.sort_values(["unique_id", "ds"], ignore_index=True), model, levels


def _step(history: pd.DataFrame, forecast: pd.DataFrame) -> pd.Timedelta:
    """The interval length: the history's frequency, else the smallest forecast step."""
    freq = history.attrs.get("freq")
    if freq and len(history) and _time.step(freq) is not None:
        return _time.step(freq)
    frame = history if len(history) > 1 else forecast
    gaps = frame.groupby("unique_id", sort=False)["ds"].diff().dropna()
    gaps = gaps[gaps > pd.Timedelta(0)]
    return gaps.min() if len(gaps) else _DAY


def _seconds(ds: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    delta = pd.Series(ds) - _EPOCH if not isinstance(ds, pd.Series) else ds - _EPOCH
    return delta.dt.total_seconds().to_numpy(dtype="float64")


def _split_id(uid: str) -> tuple[str, str]:
    location, _, channel = uid.rpartition("/")
    return (location, channel) if location else (uid, "")


def _order(ids: Sequence[str]) -> list[str]:
    """Series grouped by channel, then location."""
    return sorted(set(ids), key=lambda u: (_split_id(u)[1], _split_id(u)[0], u))


# -- HTML pieces --------------------------------------------------------------------


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], text_cols: int = 1, best: int = -1
) -> str:
    def cells(values: Sequence[str], tag: str) -> str:
        return "".join(
            f"<{tag}{' class=t' if i < text_cols else ''}>{escape(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(
        f"<tr{' class=best' if i == best else ''}>{cells(r, 'td')}</tr>" for i, r in enumerate(rows)
    )
    return f"<table><thead><tr>{cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>"


def _section(anchor: str, heading: str, body: Sequence[str]) -> str:
    return f'<section id="{anchor}"><h2>{escape(heading)}</h2>\n' + "\n".join(body) + "</section>"


def _p(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{escape(text)}</p>'


def _time_ticks(x0: float, x1: float, zone: str, fmt: _Fmt) -> list[tuple[float, str]]:
    """Local midnights (or month starts for long spans) between two UTC-second values."""
    start = _time.to_local(pd.Timestamp(x0, unit="s", tz="UTC"), zone)
    end = _time.to_local(pd.Timestamp(x1, unit="s", tz="UTC"), zone)
    span_days = (x1 - x0) / 86400
    if span_days > 150:
        first = start.normalize().replace(day=1)
        stamps = pd.date_range(first, end, freq="MS")
        every = max(1, math.ceil(len(stamps) / 9))
        return [(_seconds(pd.DatetimeIndex([s]))[0], fmt.month(s)) for s in stamps[::every]]
    midnights = pd.date_range(start.normalize(), end, freq="D")
    every = max(1, math.ceil(len(midnights) / 9))
    if every > 3:  # weekly labels on Mondays
        midnights = midnights[midnights.day_of_week == 0]
        every = max(1, math.ceil(len(midnights) / 9))
    picked = midnights[::every]
    xs = _seconds(pd.DatetimeIndex(picked))
    return [(x, fmt.day(s, year=False)) for x, s in zip(xs, picked, strict=True)]


def _bin_width(
    xs: Sequence[np.ndarray], step: pd.Timedelta, max_points: int
) -> pd.Timedelta | None:
    """Bin length that keeps every line of a chart under ``max_points`` points (None: keep)."""
    values = np.concatenate([np.asarray(x, dtype="float64") for x in xs]) if xs else np.array([])
    values = values[np.isfinite(values)]
    step_s = step.total_seconds()
    if len(values) == 0 or step_s <= 0:
        return None
    n = (values.max() - values.min()) / step_s + 1
    if n <= max_points:
        return None
    k = math.ceil(n / max_points)
    nice = (7, 14, 28, 91, 182, 364) if step_s >= 86400 else (2, 4, 6, 8, 12, 24, 48, 96, 336)
    whole = [m for m in nice if 86400 % (m * step_s) == 0 or (m * step_s) % 86400 == 0]
    k = next((m for m in whole if m >= k), k)
    return pd.Timedelta(seconds=k * step_s)


def _binned(
    x: np.ndarray, cols: list[np.ndarray], width: pd.Timedelta | None, offset: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Average ``cols`` over bins of ``width`` aligned to local time (``offset`` seconds)."""
    if width is None or len(x) == 0:
        return x, cols
    xb, binned = _charts.bin_mean(x + offset, cols, width.total_seconds())
    return xb - offset, binned


def _offset(ds: pd.Series) -> float:
    """UTC offset in seconds of the first time (bins then start at local midnight)."""
    if len(ds) == 0 or ds.dt.tz is None:
        return 0.0
    return float(ds.iloc[0].utcoffset().total_seconds())


# -- sections -----------------------------------------------------------------------


@dataclass
class _Context:
    fmt: _Fmt
    zone: str
    history: pd.DataFrame
    forecast: pd.DataFrame
    model: str
    levels: list
    step: pd.Timedelta
    ids: list[str]
    history_days: int
    max_points: int

    def __post_init__(self) -> None:
        empty_h, empty_f = self.history.iloc[:0], self.forecast.iloc[:0]
        by_h = dict(tuple(self.history.groupby("unique_id", sort=False)))
        by_f = dict(tuple(self.forecast.groupby("unique_id", sort=False)))
        self._parts = {u: (by_h.get(u, empty_h), by_f.get(u, empty_f)) for u in self.ids}

    @property
    def daily(self) -> bool:
        return self.step >= _DAY

    def series(self, uid: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """History and forecast rows of one series (split once, not per section)."""
        return self._parts[uid]


def _summary(ctx: _Context, staffing: pd.DataFrame | None) -> str:
    fmt = ctx.fmt
    header = [fmt.t(k) for k in ("location", "channel", "last7", "next7", "change", "peak")]
    if staffing is not None:
        header.append(fmt.t("peak_staff"))
    rows = []
    for uid in ctx.ids:
        h, f = ctx.series(uid)
        last7 = np.nan
        if len(h):
            recent = h[h["ds"] > h["ds"].max() - 7 * _DAY]
            last7 = float(np.nansum(recent["y"])) if recent["y"].notna().any() else np.nan
        next7, peak = np.nan, fmt.t("none")
        if len(f):
            week = f[f["ds"] < f["ds"].min() + 7 * _DAY]
            values = week[ctx.model].to_numpy(dtype="float64")
            if np.isfinite(values).any():
                next7 = float(np.nansum(values))
                i = int(np.nanargmax(values))
                when = fmt.when(week["ds"].iloc[i], daily=ctx.daily, year=False)
                peak = f"{when} ({fmt.number(values[i], 1)})"
        change = (next7 / last7 - 1) if last7 and np.isfinite(last7) and last7 > 0 else np.nan
        location, channel = _split_id(uid)
        row = [
            location,
            channel,
            fmt.number(last7),
            fmt.number(next7),
            fmt.percent(change, 0, signed=True),
            peak,
        ]
        if staffing is not None:
            s = staffing[staffing["unique_id"] == uid]
            s = s[s["ds"] < s["ds"].min() + 7 * _DAY] if len(s) else s
            if len(s) and s["gross_agents"].notna().any():
                i = int(np.nanargmax(s["gross_agents"].to_numpy(dtype="float64")))
                row.append(
                    f"{fmt.number(s['gross_agents'].iloc[i])} "
                    f"({fmt.when(s['ds'].iloc[i], daily=ctx.daily, year=False)})"
                )
            else:
                row.append(fmt.t("none"))
        rows.append(row)
    return _section(
        "summary",
        fmt.t("summary"),
        [_p(fmt.t("summary_intro")), _table(header, rows, text_cols=2)],
    )


def _forecast_chart(ctx: _Context, uid: str) -> str:
    fmt, model = ctx.fmt, ctx.model
    h, f = ctx.series(uid)
    first = f["ds"].min()
    h = h[h["ds"] >= first - ctx.history_days * _DAY]
    y = h["y"].to_numpy(dtype="float64").copy()
    if "is_open" in h.columns:
        y[~h["is_open"].to_numpy(dtype=bool)] = np.nan  # closed: a gap, not a zero
    hx = _seconds(h["ds"])
    fx = _seconds(f["ds"])
    fcols = [f[c].to_numpy(dtype="float64") for c in interval_columns(model, ctx.levels)]
    bin_width = _bin_width([hx, fx], ctx.step, ctx.max_points)
    offset = _offset(f["ds"])
    hx, (y,) = _binned(hx, [y], bin_width, offset)
    fx, fcols = _binned(fx, fcols, bin_width, offset)
    gap = 1.5 * (bin_width or ctx.step).total_seconds()
    bands = []
    for i, lv in enumerate(ctx.levels):
        bands.append(
            _charts.Band(
                fx,
                fcols[1 + 2 * i],
                fcols[2 + 2 * i],
                fmt.t("band", level=fmt.number(float(lv), 0 if float(lv).is_integer() else 1)),
                opacity=0.14 + 0.14 * i,
            )
        )
    lines = [
        _charts.Line(hx, y, fmt.t("actual")),
        _charts.Line(fx, fcols[0], model, colour=_charts.PALETTE[0], width=1.6),
    ]
    y_label = _unit_label(fmt, ctx.step, bin_width)
    xs = np.concatenate([hx, fx])
    ticks = _time_ticks(float(np.nanmin(xs)), float(np.nanmax(xs)), ctx.zone, fmt)
    return _charts.line_chart(
        chart="forecast",
        key=uid,
        title=f"{uid}: {fmt.t('forecast')}",
        lines=lines,
        bands=bands,
        x_ticks=ticks,
        y_format=lambda v: fmt.number(v, 0 if abs(v) >= 10 or v == 0 else 1),
        y_label=y_label,
        markers=[(float(_seconds(pd.DatetimeIndex([first]))[0]), fmt.t("starts") + " →")],
        gap=gap,
    )


def _forecast_section(ctx: _Context) -> str:
    fmt = ctx.fmt
    levels = " / ".join(f"{fmt.number(float(lv), 0)} %" for lv in ctx.levels) or "–"
    body = [_p(fmt.t("forecast_intro", days=ctx.history_days, levels=levels))]
    for uid in ctx.ids:
        if len(ctx.series(uid)[1]):
            body.append(f"<h3>{escape(uid)}</h3>")
            body.append(_forecast_chart(ctx, uid))
    return _section("forecast", fmt.t("forecast"), body)


def _heatmap_section(ctx: _Context, weeks: int = 8) -> str:
    fmt = ctx.fmt
    if ctx.history.empty:
        return _section("heatmap", fmt.t("heatmap"), [_p(fmt.t("no_history"))])
    if ctx.daily:
        return _section("heatmap", fmt.t("heatmap"), [_p(fmt.t("heatmap_daily"))])
    body = [_p(fmt.t("heatmap_intro", weeks=weeks))]
    weekdays = _LOCALES[fmt.lang]["weekdays"]
    for uid in ctx.ids:
        h = ctx.series(uid)[0]
        keep = h["y"].notna().to_numpy()
        if "is_open" in h.columns:
            keep = keep & h["is_open"].to_numpy(dtype=bool)
        h = h[keep]
        if h.empty:
            continue
        h = h[h["ds"] > h["ds"].max() - weeks * 7 * _DAY]
        local = h["ds"]
        per_hour = (
            pd.DataFrame(
                {
                    "date": local.dt.normalize(),
                    "weekday": local.dt.day_of_week,
                    "hour": local.dt.hour,
                    "y": h["y"],
                }
            )
            .groupby(["date", "weekday", "hour"], sort=False)["y"]
            .sum()
            .groupby(level=["weekday", "hour"])
            .mean()
        )
        hours = per_hour.index.get_level_values("hour")
        cols = list(range(int(hours.min()), int(hours.max()) + 1))
        grid = per_hour.unstack("hour").reindex(index=range(7), columns=cols)
        values = grid.to_numpy(dtype="float64")
        top = np.nanmax(values) if np.isfinite(values).any() else 0
        decimals = 0 if top >= 10 else 1

        def tip(i: int, j: int, text: str, cols: list[int] = cols) -> str:
            return f"{weekdays[i]} {cols[j]:02d}:00–{(cols[j] + 1) % 24:02d}:00: {text}"

        body.append(f"<h3>{escape(uid)}</h3>")
        body.append(
            _charts.heatmap(
                chart="heatmap",
                key=uid,
                title=f"{uid}: {fmt.t('heatmap')}",
                values=values,
                row_labels=list(weekdays),
                col_labels=[f"{c:02d}" for c in cols],
                cell_format=lambda v, d=decimals: fmt.number(v, d),
                cell_title=tip,
                empty_label=fmt.t("closed"),
            )
        )
    return _section("heatmap", fmt.t("heatmap"), body)


def _horizon_errors(backtest: Any, daily_units: bool) -> pd.DataFrame:
    """WAPE per model and horizon (days ahead in local dates, or steps for coarse data)."""
    fc = backtest.forecasts
    ok = fc["y"].notna().to_numpy()
    if "is_open" in fc.columns:
        ok = ok & fc["is_open"].fillna(True).to_numpy(dtype=bool)
    fc = fc[ok]
    if daily_units:
        ds = fc["ds"]
        cut = pd.to_datetime(fc["cutoff"])
        if cut.dt.tz is not None and ds.dt.tz is not None:
            cut = _time.to_local(cut, ds.dt.tz)
        ahead = (ds.dt.normalize() - cut.dt.normalize()) / _DAY
        horizon = np.maximum(np.round(ahead.to_numpy(dtype="float64")), 0).astype("int64")
    else:
        horizon = fc["step"].to_numpy(dtype="int64")
    actual = fc["y"].to_numpy(dtype="float64")
    rows = []
    for model in backtest.models:
        pred = fc[model].to_numpy(dtype="float64")
        good = np.isfinite(pred)
        err = pd.DataFrame(
            {"horizon": horizon[good], "abs": np.abs(pred - actual)[good], "y": actual[good]}
        )
        sums = err.groupby("horizon").sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            wape = np.where(sums["y"] > 0, sums["abs"] / sums["y"], np.nan)
        rows.append(pd.DataFrame({"model": model, "horizon": sums.index, "wape": wape}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _backtest_section(ctx: _Context, backtest: Any) -> str:
    fmt = ctx.fmt
    board = backtest.leaderboard("wape")
    levels = [lv for lv in getattr(backtest, "level", ()) if f"coverage_{lv:g}" in board.columns]
    header = [fmt.t("rank"), fmt.t("model"), fmt.t("wape"), fmt.t("mase"), fmt.t("bias")]
    header += [fmt.t("coverage", level=f"{lv:g}") for lv in levels]
    naive = "vs_seasonal_naive" in board.columns
    if naive:
        header.append(fmt.t("vs_naive"))
    header.append(fmt.t("n"))
    rows = []
    for rec in board.to_dict("records"):
        row = [
            str(rec["rank"]),
            str(rec["model"]),
            fmt.percent(rec.get("wape")),
            fmt.number(rec.get("mase"), 2),
            fmt.number(rec.get("bias"), 2),
        ]
        row += [fmt.percent(rec.get(f"coverage_{lv:g}"), 0) for lv in levels]
        if naive:
            row.append(fmt.percent(rec.get("vs_seasonal_naive"), 0, signed=True))
        row.append(fmt.number(rec.get("n")))
        rows.append(row)
    windows = getattr(backtest, "windows", None)
    intro = fmt.t(
        "backtest_intro",
        windows=getattr(windows, "n_windows", "?"),
        h=getattr(windows, "h", "?"),
    )
    body = [_p(intro), _table(header, rows, text_cols=2, best=0)]
    step = _time.step(backtest.freq)
    daily_units = step is not None and step <= _DAY
    errors = _horizon_errors(backtest, daily_units)
    if len(errors):
        unit = fmt.t("days_ahead" if daily_units else "steps_ahead")
        body.append(f"<h3>{escape(fmt.t('horizon'))}</h3>")
        body.append(_p(fmt.t("horizon_intro", unit=unit)))
        lines = [
            _charts.Line(
                part["horizon"].to_numpy(dtype="float64"),
                100 * part["wape"].to_numpy(dtype="float64"),
                str(model),
                colour=_charts.PALETTE[i % len(_charts.PALETTE)],
                markers=len(part) <= 60,
            )
            for i, (model, part) in enumerate(errors.groupby("model", sort=False))
        ]
        hmin, hmax = int(errors["horizon"].min()), int(errors["horizon"].max())
        ticks = _charts.nice_ticks(hmin, hmax, 8)
        body.append(
            _charts.line_chart(
                chart="horizon",
                key="backtest",
                title=fmt.t("horizon"),
                lines=lines,
                x_ticks=[(t, fmt.number(t)) for t in ticks if hmin <= t <= hmax],
                y_format=lambda v: f"{fmt.number(v, 0)} %",
                y_label=f"WAPE (%) / {fmt.t('x_days' if daily_units else 'x_steps')}",
                height=240,
            )
        )
    return _section("backtest", fmt.t("backtest"), body)


def _store_section(ctx: _Context, store: Any, max_runs: int = 20, chart_runs: int = 4) -> str:
    fmt = ctx.fmt
    acc = store.accuracy(by=("run_id", "as_of", "model"))
    if acc.empty:
        return _section("store", fmt.t("store"), [_p(fmt.t("store_empty"))])
    acc = acc.sort_values(["as_of", "run_id", "model"], ascending=[False, False, True])
    levels = sorted(
        (c[len("coverage_") :] for c in acc.columns if c.startswith("coverage_")), key=float
    )
    header = [
        fmt.t("run"),
        fmt.t("as_of"),
        fmt.t("model"),
        fmt.t("n"),
        fmt.t("wape"),
        fmt.t("bias"),
    ] + [fmt.t("coverage", level=lv) for lv in levels]
    recent_runs = list(dict.fromkeys(acc["run_id"].tolist()))[:max_runs]
    rows = []
    for rec in acc[acc["run_id"].isin(recent_runs)].to_dict("records"):
        as_of = _time.to_local(pd.Timestamp(rec["as_of"]), ctx.zone)
        rows.append(
            [
                str(rec["run_id"]),
                fmt.when(as_of),
                str(rec["model"]),
                fmt.number(rec["n"]),
                fmt.percent(rec["wape"]),
                fmt.number(rec["bias"], 2),
            ]
            + [fmt.percent(rec.get(f"coverage_{lv}"), 0) for lv in levels]
        )
    body = [_p(fmt.t("store_intro")), _table(header, rows, text_cols=3)]
    chosen = recent_runs[:chart_runs]
    joined = store.forecast_vs_actual(run_ids=chosen)
    models = sorted(joined["model"].unique().tolist())
    if models:
        model = ctx.model if ctx.model in models else models[0]
        joined = joined[joined["model"] == model]
        joined = joined.assign(ds=_time.to_local(joined["ds"], ctx.zone))
        for uid in _order(joined["unique_id"].unique().tolist()):
            body.append(f"<h3>{escape(uid)} ({escape(model)})</h3>")
            body.append(_past_runs_chart(ctx, joined[joined["unique_id"] == uid], uid))
    return _section("store", fmt.t("store"), body)


def _past_runs_chart(ctx: _Context, part: pd.DataFrame, uid: str) -> str:
    fmt = ctx.fmt
    actual = part.drop_duplicates("ds").sort_values("ds")
    runs = [(run_id, run.sort_values("ds")) for run_id, run in part.groupby("run_id", sort=True)]
    width = _bin_width([_seconds(actual["ds"])], ctx.step, ctx.max_points)
    offset = _offset(actual["ds"])
    ax, (ay,) = _binned(
        _seconds(actual["ds"]), [actual["y"].to_numpy(dtype="float64")], width, offset
    )
    lines = [_charts.Line(ax, ay, fmt.t("actual"))]
    for i, (run_id, run) in enumerate(runs):
        rx, (ry,) = _binned(
            _seconds(run["ds"]), [run["forecast"].to_numpy(dtype="float64")], width, offset
        )
        as_of = _time.to_local(pd.Timestamp(run["as_of"].iloc[0]), ctx.zone)
        label = fmt.t("run_label", run=run_id, when=fmt.day(as_of, year=False))
        colour = _charts.PALETTE[i % len(_charts.PALETTE)]
        lines.append(_charts.Line(rx, ry, label, colour=colour, dashed=i % 2 == 1))
    xs = np.concatenate([line.x for line in lines])
    ticks = _time_ticks(float(np.nanmin(xs)), float(np.nanmax(xs)), ctx.zone, fmt)
    return _charts.line_chart(
        chart="past-runs",
        key=uid,
        title=f"{uid}: {fmt.t('store')}",
        lines=lines,
        x_ticks=ticks,
        y_format=lambda v: fmt.number(v, 0 if abs(v) >= 10 or v == 0 else 1),
        y_label=_unit_label(fmt, ctx.step, width),
        gap=1.5 * (width or ctx.step).total_seconds(),
    )


def _unit_label(fmt: _Fmt, step: pd.Timedelta, width: pd.Timedelta | None) -> str:
    unit = fmt.duration(step)
    if width is None:
        return fmt.t("per", freq=unit)
    return fmt.t("per_binned", freq=unit, bin=fmt.duration(width))


_STAFF_COLUMNS = ("unique_id", "ds", "calls", "agents", "gross_agents", "service_level")


def _staffing(staffing: Any, zone: str) -> pd.DataFrame:
    if not isinstance(staffing, pd.DataFrame):
        raise InvalidFrameError(
            f"staffing must be a pandas DataFrame, got {type(staffing).__name__}. "
            "Fix: pass the frame returned by demandcast.required_staff()."
        )
    missing = [c for c in _STAFF_COLUMNS if c not in staffing.columns]
    if missing:
        raise InvalidFrameError(
            f"staffing lacks column(s) {missing}; it needs {list(_STAFF_COLUMNS)}. "
            "Fix: pass the frame returned by demandcast.required_staff()."
        )
    out = staffing.copy()
    out["unique_id"] = out["unique_id"].astype(str)
    out["ds"] = _time.to_local(pd.to_datetime(out["ds"]), zone, by=out["unique_id"])
    return out.sort_values(["unique_id", "ds"], ignore_index=True)


def _staffing_section(ctx: _Context, staffing: pd.DataFrame, days: int = 7) -> str:
    fmt = ctx.fmt
    optional = [c for c in ("asa", "occupancy", "abandonment") if c in staffing.columns]
    header = [fmt.t(c) for c in ("interval", "calls", "agents", "gross_agents", "service_level")]
    header += [fmt.t(c) for c in optional]
    body = [_p(fmt.t("staffing_intro", days=days))]
    gaps = staffing.groupby("unique_id", sort=False)["ds"].diff().dropna()
    step = gaps[gaps > pd.Timedelta(0)].min() if (gaps > pd.Timedelta(0)).any() else ctx.step
    daily = step >= _DAY
    parts = dict(tuple(staffing.groupby("unique_id", sort=False)))
    for uid in _order(list(parts)):
        s = parts[uid]
        s = s[s["ds"] < s["ds"].min() + days * _DAY]
        busy = s[(s["calls"].fillna(0) > 0) | (s["agents"].fillna(0) > 0)]
        if busy.empty:
            continue
        gross = busy["gross_agents"].to_numpy(dtype="float64")
        i = int(np.nanargmax(gross)) if np.isfinite(gross).any() else 0
        peak = fmt.t(
            "staff_peak",
            n=fmt.number(gross[i]),
            when=fmt.when(busy["ds"].iloc[i], daily=daily, year=False),
        )
        rows = []
        for rec in busy.to_dict("records"):
            start = rec["ds"]
            label = (
                fmt.day(start)
                if daily
                else f"{fmt.day(start, year=False)} {start:%H:%M}–{start + step:%H:%M}"
            )
            row = [
                label,
                fmt.number(rec["calls"], 1),
                fmt.number(rec["agents"]),
                fmt.number(rec["gross_agents"]),
                fmt.percent(rec["service_level"], 0),
            ]
            for c in optional:
                row.append(fmt.number(rec[c]) if c == "asa" else fmt.percent(rec[c], 0))
            rows.append(row)
        x = _seconds(s["ds"])
        chart = _charts.line_chart(
            chart="staffing",
            key=uid,
            title=f"{uid}: {fmt.t('staffing')}",
            lines=[
                _charts.Line(
                    x,
                    s["agents"].to_numpy(dtype="float64"),
                    fmt.t("agents_line"),
                    colour=_charts.PALETTE[2],
                ),
                _charts.Line(
                    x,
                    s["gross_agents"].to_numpy(dtype="float64"),
                    fmt.t("gross_line"),
                    colour=_charts.PALETTE[1],
                ),
            ],
            x_ticks=_time_ticks(float(x.min()), float(x.max()), ctx.zone, fmt),
            y_format=lambda v: fmt.number(v, 0),
            y_label=fmt.t("staff_axis"),
            gap=1.5 * step.total_seconds(),
            height=220,
        )
        body.append(f"<h3>{escape(uid)}: {escape(peak)}</h3>")
        body.append(chart)
        body.append(
            f"<details><summary>{escape(fmt.t('staffing'))}: {escape(uid)}</summary>"
            f'<div class="scroll">{_table(header, rows)}</div></details>'
        )
    return _section("staffing", fmt.t("staffing"), body)


def _glossary(fmt: _Fmt) -> str:
    items = []
    for key in ("g_wape", "g_mase", "g_bias", "g_cov", "g_sl"):
        term, _, text = fmt.t(key).partition(": ")
        items.append(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>")
    return _section("glossary", fmt.t("glossary"), ["<dl>" + "".join(items) + "</dl>"])


# -- public -------------------------------------------------------------------------


def render_report(
    *,
    history: pd.DataFrame | None,
    forecast: pd.DataFrame,
    backtest: Any = None,
    staffing: pd.DataFrame | None = None,
    store: Any = None,
    title: str = "demandcast",
    lang: str = "nl",
    tz: str | None = None,
    model: str | None = None,
    history_days: int = 28,
    max_points: int = 800,
    generated_at: Any = None,
) -> str:
    """Build the self-contained HTML report and return it as a string.

    Parameters
    ----------
    history : DataFrame or None
        Long frame ``unique_id, ds, y`` (optional ``is_open``) of actual counts; None
        gives a forecast-only report (no actuals, no weekly pattern).
    forecast : DataFrame
        Forecast frame ``unique_id, ds, <model>, <model>-lo-<l>, <model>-hi-<l>``.
    backtest : BacktestResult, optional
        Adds the leaderboard (WAPE, MASE, bias, coverage) and error by horizon.
    staffing : DataFrame, optional
        Output of :func:`demandcast.required_staff`: adds the staffing per interval.
    store : ForecastStore, optional
        Adds past runs against the stored actuals (:meth:`ForecastStore.accuracy`).
    title : str, default "demandcast"
        Page title.
    lang : {"nl", "en"}, default "nl"
        Language of labels, dates ("ma 2 mrt 2026") and numbers ("1.234,5").
    tz : str, optional
        Time zone of the shown times; default the zone of ``history``.
    model : str, optional
        Forecast column to show when ``forecast`` holds several models (default the
        first).
    history_days : int, default 28
        Days of actuals shown before the forecast starts.
    max_points : int, default 800
        Longest line in intervals; longer views are averaged to coarser bins so the
        file stays small.
    generated_at : Timestamp or str, optional
        Time printed as the moment the report was made (default now).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    InvalidFrameError
        ``history``, ``forecast`` or ``staffing`` is not the expected frame.
    ConfigError
        A bad ``lang``, ``tz``, ``model``, ``history_days`` or ``max_points``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = pd.date_range("2024-03-04", periods=14, freq="D", tz="Europe/Amsterdam")
    >>> hist = pd.DataFrame({"unique_id": "centrum/desk", "ds": ds[:7],
    ...                      "y": [120.0, 95, 101, 99, 80, 0, 0]})
    >>> fc = pd.DataFrame({"unique_id": "centrum/desk", "ds": ds[7:],
    ...                    "naive": [120.0, 95, 101, 99, 80, 0, 0],
    ...                    "naive-lo-80": [100.0, 80, 85, 84, 66, 0, 0],
    ...                    "naive-hi-80": [140.0, 110, 117, 114, 94, 0, 0]})
    >>> page = render_report(history=hist, forecast=fc, generated_at="2024-03-10 18:00")
    >>> page.startswith("<!DOCTYPE html>") and 'data-chart="forecast"' in page
    True
    >>> "zo 10 mrt 2024 18:00" in page
    True
    """
    fmt = _Fmt(_check_choice("lang", lang, tuple(_LOCALES)))
    history_days = positive_int(history_days, "history_days", "e.g. history_days=28")
    max_points = positive_int(max_points, "max_points", "e.g. max_points=28")
    hist = _history(history)
    zone = _check_zone(tz) if tz is not None else _default_zone(hist, forecast)
    hist["ds"] = _time.to_local(hist["ds"], zone)
    fc, model, levels = _forecast(forecast, model, zone)
    staff = _staffing(staffing, zone) if staffing is not None else None
    ctx = _Context(
        fmt=fmt,
        zone=zone,
        history=hist,
        forecast=fc,
        model=model,
        levels=levels,
        step=_step(hist, fc),
        ids=_order([*hist["unique_id"].unique().tolist(), *fc["unique_id"].unique().tolist()]),
        history_days=history_days,
        max_points=max_points,
    )
    made = pd.Timestamp.now(tz=zone) if generated_at is None else pd.Timestamp(generated_at)
    made = _time.to_local(made, zone)

    sections = [
        ("summary", fmt.t("summary"), _summary(ctx, staff)),
        ("forecast", fmt.t("forecast"), _forecast_section(ctx)),
        ("heatmap", fmt.t("heatmap"), _heatmap_section(ctx)),
    ]
    if backtest is not None:
        sections.append(("backtest", fmt.t("backtest"), _backtest_section(ctx, backtest)))
    if store is not None:
        sections.append(("store", fmt.t("store"), _store_section(ctx, store)))
    if staff is not None:
        sections.append(("staffing", fmt.t("staffing"), _staffing_section(ctx, staff)))
    sections.append(("glossary", fmt.t("glossary"), _glossary(fmt)))

    last_hist = hist["ds"].max()
    meta = fmt.t(
        "generated",
        when=fmt.when(made),
        last=fmt.when(last_hist, daily=ctx.daily) if pd.notna(last_hist) else "–",
        first=fmt.when(fc["ds"].min(), daily=ctx.daily),
        end=fmt.when(fc["ds"].max(), daily=ctx.daily),
        model=model,
        tz=zone,
    )
    toc = "".join(f'<li><a href="#{a}">{escape(h)}</a></li>' for a, h, _ in sections)
    content = "\n".join(s for _, _, s in sections)
    n_charts = content.count('<svg class="dc-chart"')
    return (
        f'<!DOCTYPE html>\n<html lang="{fmt.lang}" data-charts-expected="{n_charts}" '
        f'data-js-errors="[]">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f'<meta name="generator" content="demandcast">\n'
        f"<title>{escape(title)}</title>\n<script>{_ERROR_SCRIPT}</script>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1>{_p(meta, 'meta')}</header>\n"
        f"<nav><h2>{escape(fmt.t('contents'))}</h2><ol>{toc}</ol></nav>\n"
        f"<main>\n{content}\n</main>\n<script>{_COUNT_SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_report(
    path: str | os.PathLike[str],
    *,
    history: pd.DataFrame | None,
    forecast: pd.DataFrame,
    backtest: Any = None,
    staffing: pd.DataFrame | None = None,
    store: Any = None,
    title: str = "demandcast",
    lang: str = "nl",
    tz: str | None = None,
    model: str | None = None,
    history_days: int = 28,
    max_points: int = 800,
    generated_at: Any = None,
) -> Path:
    """Write the HTML report to ``path`` atomically (temp file, then ``os.replace``).

    The parameters are those of :func:`render_report`. A failure leaves an existing
    file at ``path`` untouched.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> ds = pd.date_range("2024-03-04", periods=4, freq="D", tz="Europe/Amsterdam")
    >>> hist = pd.DataFrame({"unique_id": "noord/phone", "ds": ds[:2], "y": [40.0, 38]})
    >>> fc = pd.DataFrame({"unique_id": "noord/phone", "ds": ds[2:], "naive": [40.0, 38]})
    >>> out = write_report(pathlib.Path(tempfile.mkdtemp()) / "report.html",
    ...                    history=hist, forecast=fc, lang="en")
    >>> "Summary per channel and location" in out.read_text(encoding="utf-8")
    True
    """
    page = render_report(
        history=history,
        forecast=forecast,
        backtest=backtest,
        staffing=staffing,
        store=store,
        title=title,
        lang=lang,
        tz=tz,
        model=model,
        history_days=history_days,
        max_points=max_points,
        generated_at=generated_at,
    )
    return write_text(path, page)
