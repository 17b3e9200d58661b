"""The HTML report on a simulated municipality, on real daily data and in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import demandcast
from demandcast import report
from demandcast.exceptions import ConfigError, InvalidFrameError

EVIL = '<script>document.documentElement.setAttribute("data-pwned","1")</script>'
EVIL_ID = f"{EVIL}/web"
MADE = "2024-03-10 22:15"
MODEL = "historical_average"


def _close(fc: pd.DataFrame, opening_hours: dict) -> pd.DataFrame:
    """Zero forecast and bands where the channel is closed (what a planner's pipeline does)."""
    out = fc.copy()
    values = [c for c in out.columns if c.startswith(MODEL)]
    for channel, hours in opening_hours.items():
        rows = out["unique_id"].str.endswith(f"/{channel}").to_numpy()
        closed = rows & ~hours.is_open(out["ds"])
        out.loc[closed, values] = 0.0
    return out


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Ten weeks of one simulated location at 30 minutes, run through the whole chain."""
    from demandcast.backtest import backtest

    sim = demandcast.simulate_municipality(
        seed=3, start="2024-01-01", end="2024-03-10", locations=("centrum",)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", demandcast.DataWarning)
        history = sim.frame(freq="30min")
    history = history.assign(unique_id=history["unique_id"].replace({"website/web": EVIL_ID}))
    opening = {"desk": sim.opening_hours["desk"], "phone": sim.opening_hours["phone"]}
    forecast = demandcast.get_forecaster(MODEL).fit(history).predict(14 * 48, level=(80, 95))
    forecast = _close(forecast, opening)
    phone = forecast[forecast["unique_id"] == "centrum/phone"]
    staffing = demandcast.required_staff(phone, aht=240, quantile=0.9, value_col=MODEL)
    bt = backtest(
        ["seasonal_naive", MODEL], history, h=7 * 48, n_windows=2, step=7 * 48, level=(80,)
    )
    store = demandcast.ForecastStore(f"sqlite:///{tmp_path_factory.mktemp('store')}/fc.db")
    for days in (14, 7):
        cutoff = history["ds"].max() - pd.Timedelta(days=days)
        seen = history[history["ds"] <= cutoff]
        run = demandcast.get_forecaster("seasonal_naive").fit(seen).predict(7 * 48, level=(80,))
        store.save_run(run, as_of=cutoff)
    store.save_actuals(history[["unique_id", "ds", "y"]])
    html = report.render_report(
        history=history,
        forecast=forecast,
        backtest=bt,
        staffing=staffing,
        store=store,
        title="Gemeente Teststad",
        generated_at=MADE,
    )
    yield {
        "sim": sim,
        "history": history,
        "forecast": forecast,
        "staffing": staffing,
        "backtest": bt,
        "store": store,
        "html": html,
    }
    store.close()


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}">')
    return html[start : html.index("</section>", start)]


def _charts(html: str, kind: str) -> list[str]:
    return re.findall(rf'<svg class="dc-chart" data-chart="{kind}" data-key="([^"]*)"', html)


def test_every_section_and_chart(pipeline):
    html = pipeline["html"]
    ids = sorted(pipeline["history"]["unique_id"].unique())
    shown = sorted(escape(u) for u in ids)
    for anchor in ("summary", "forecast", "heatmap", "backtest", "store", "staffing", "glossary"):
        assert f'<section id="{anchor}">' in html
        assert f'href="#{anchor}"' in html
    assert sorted(_charts(html, "forecast")) == shown
    assert sorted(_charts(html, "heatmap")) == shown
    assert _charts(html, "horizon") == ["backtest"]
    assert sorted(_charts(html, "past-runs")) == shown
    assert _charts(html, "staffing") == ["centrum/phone"]
    total = len(re.findall(r'<svg class="dc-chart"', html))
    assert f'data-charts-expected="{total}"' in html
    assert total == 3 * len(ids) + 2
    # every chart has drawn geometry, not only axes
    for svg in re.findall(r'<svg class="dc-chart".*?</svg>', html, flags=re.S):
        assert svg.count("<path") + svg.count("<rect") > 3


def test_summary_matches_the_forecast(pipeline):
    fc = pipeline["forecast"]
    part = fc[fc["unique_id"] == "centrum/phone"]
    week = part[part["ds"] < part["ds"].min() + pd.Timedelta(days=7)]
    total = week[MODEL].sum()
    expected = f"{total:,.0f}".replace(",", ".")
    peak = week.loc[week[MODEL].idxmax()]
    stamp = peak["ds"]
    row = re.search(r"<tr><td class=t>centrum</td><td class=t>phone</td>.*?</tr>", pipeline["html"])
    assert row is not None
    assert f"<td>{expected}</td>" in row.group(0)
    weekday = ("ma", "di", "wo", "do", "vr", "za", "zo")[stamp.weekday()]
    assert f"{weekday} {stamp.day} mrt {stamp:%H:%M}" in row.group(0)
    assert f"{peak[MODEL]:.1f}".replace(".", ",") in row.group(0)
    gross = pipeline["staffing"]
    gross = gross[gross["ds"] < gross["ds"].min() + pd.Timedelta(days=7)]["gross_agents"].max()
    assert f"<td>{gross} (" in row.group(0)


def test_header_says_when_and_what_in_dutch(pipeline):
    html = pipeline["html"]
    assert "Gemaakt op zo 10 mrt 2024 22:15" in html
    assert "(model historical_average)" in html
    assert '<html lang="nl"' in html


def test_leaderboard_matches_the_backtest(pipeline):
    board = pipeline["backtest"].leaderboard("wape")
    section = _section(pipeline["html"], "backtest")
    rows = re.findall(r"<tr(?: class=best)?><td class=t>(\d+)</td><td class=t>([^<]+)</td>"
                      r"<td>([^<]+)</td>", section)  # fmt: skip
    assert [(int(r), m) for r, m, _ in rows] == list(
        zip(board["rank"], board["model"], strict=True)
    )
    for (_, _, wape), value in zip(rows, board["wape"], strict=True):
        assert wape == f"{100 * value:.1f} %".replace(".", ",")
    assert "Binnen 80 %-band" in section


def test_error_by_horizon_counts_local_days(pipeline):
    bt = pipeline["backtest"]
    errors = report._horizon_errors(bt, daily_units=True)
    fc = bt.forecasts[bt.forecasts["y"].notna()]
    ahead = (fc["ds"].dt.normalize() - fc["cutoff"].dt.normalize()).dt.days
    first = fc[ahead == 1]
    by_hand = (first[MODEL] - first["y"]).abs().sum() / first["y"].sum()
    got = errors[(errors["model"] == MODEL) & (errors["horizon"] == 1)]["wape"].item()
    assert got == pytest.approx(by_hand, rel=1e-12)
    assert set(errors["horizon"]) == set(ahead)
    assert set(errors["model"]) == {"seasonal_naive", MODEL}


def test_past_runs_match_store_accuracy(pipeline):
    acc = pipeline["store"].accuracy(by=("run_id", "model"))
    section = _section(pipeline["html"], "store")
    for rec in acc.to_dict("records"):
        wape = f"{100 * rec['wape']:.1f} %".replace(".", ",")
        assert re.search(rf"<td class=t>{rec['run_id']}</td>.*?<td>{re.escape(wape)}</td>", section)
    assert section.index("<td class=t>2</td>") < section.index("<td class=t>1</td>")  # newest first


def test_staffing_table_per_interval(pipeline):
    staff = pipeline["staffing"]
    week = staff[staff["ds"] < staff["ds"].min() + pd.Timedelta(days=7)]
    busy = week[(week["calls"] > 0) | (week["agents"] > 0)]
    section = _section(pipeline["html"], "staffing")
    table = section[section.index("<table>") :]
    assert table.count("<tr>") == len(busy) + 1  # header row + one per interval
    first = busy.iloc[0]
    start = first["ds"]
    weekday = ("ma", "di", "wo", "do", "vr", "za", "zo")[start.weekday()]
    label = f"{weekday} {start.day} mrt {start:%H:%M}–{start + pd.Timedelta('30min'):%H:%M}"
    assert f"<td class=t>{label}</td>" in table
    assert f"<td>{first['agents']}</td><td>{first['gross_agents']}</td>" in table


def test_offline_no_network_references(pipeline):
    html = pipeline["html"]
    for needle in ("http://", "https://", "//cdn", "<link", "<img", "<iframe", "@import", "url("):
        assert needle not in html
    assert re.findall(r"\ssrc=", html) == []
    assert "default-src 'none'" in html  # the browser refuses any request
    assert len(html) < 600_000


def test_malicious_unique_id_is_escaped(pipeline):
    html = pipeline["html"]
    assert EVIL not in html
    assert escape(EVIL) in html
    assert html.count("<script>") == 2  # the report's own two small scripts


def test_english_report(pipeline):
    html = report.render_report(
        history=pipeline["history"],
        forecast=pipeline["forecast"],
        lang="en",
        generated_at=MADE,
    )
    assert "Made on Sun 10 Mar 2024 22:15" in html
    assert "Summary per channel and location" in html
    assert "mrt" not in _section(html, "summary")
    assert '<section id="backtest">' not in html  # optional sections are left out


def test_empty_store_says_so(pipeline):
    with demandcast.ForecastStore("sqlite://") as empty:
        html = report.render_report(
            history=pipeline["history"], forecast=pipeline["forecast"], store=empty
        )
    section = _section(html, "store")
    assert "nog geen opgeslagen prognoses" in section
    assert "<svg" not in section


def test_report_rebuilt_from_the_store(pipeline, tmp_path):
    """What ``demandcast report`` does: the latest stored run, actuals from the store."""
    store = pipeline["store"]
    run_id = int(store.latest_run()["run_id"])
    fc = store.load_forecast(run_id)
    actuals = store.load_actuals()
    page = report.write_report(tmp_path / "r.html", history=actuals, forecast=fc, model=None)
    html = page.read_text(encoding="utf-8")
    assert "(model seasonal_naive)" in html
    assert len(_charts(html, "forecast")) == fc["unique_id"].nunique()
    assert len(_charts(html, "heatmap")) == actuals["unique_id"].nunique()
    only = report.render_report(history=None, forecast=fc, lang="en")
    assert "No actual counts given" in only
    assert "Times in Europe/Amsterdam" in only
    assert len(_charts(only, "forecast")) == fc["unique_id"].nunique()
    assert _charts(only, "heatmap") == []


def test_long_views_are_averaged(pipeline):
    args = {"history": pipeline["history"], "forecast": pipeline["forecast"]}
    small = report.render_report(**args, history_days=60, max_points=150, generated_at=MADE)
    full = report.render_report(**args, history_days=60, max_points=10_000, generated_at=MADE)
    assert len(small) < 0.6 * len(full)
    # 60 + 14 days of 30-minute intervals (3,552) in <= 150 points: 24 intervals a point
    assert "gemiddeld aantal per 30 min (per 12 uur samengenomen)" in small
    assert "samengenomen" not in full
    svg = re.search(r'data-chart="forecast" data-key="centrum/phone".*?</svg>', small, re.S)
    points = sum(p.count("L") + 1 for p in re.findall(r'd="(M[^"]*)" fill="none"', svg.group(0)))
    assert points < 2 * 150 + 20


def test_daily_real_data_report(data_file, tmp_path):
    raw = pd.read_csv(data_file("nyc311_sandy_daily.csv"))
    raw = raw[raw["series_id"].isin(["nyc311_sandy_total", "nyc311_sandy_hpd"])]
    df = pd.DataFrame(
        {
            "unique_id": raw["series_id"],
            "ds": pd.to_datetime(raw["timestamp"]).dt.tz_localize("America/New_York"),
            "y": raw["count"].astype(float),
        }
    )
    train = df[df["ds"] < "2013-01-01"]
    fc = demandcast.get_forecaster("seasonal_naive").fit(train).predict(28, level=(80,))
    out = report.write_report(
        tmp_path / "sandy.html", history=train, forecast=fc, lang="en", history_days=70
    )
    html = out.read_text(encoding="utf-8")
    assert "No hourly pattern" in html
    assert len(_charts(html, "forecast")) == 2
    assert "Times in America/New_York" in html
    # the summary compares the last week of 2012 with the first forecast week
    last7 = train[train["unique_id"] == "nyc311_sandy_total"].tail(7)["y"].sum()
    assert f"<td>{last7:,.0f}</td>" in html


def test_write_is_atomic(pipeline, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old report", encoding="utf-8")
    args = {"history": pipeline["history"], "forecast": pipeline["forecast"]}

    def fail(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(report, "write_text", lambda path, text: fail())
    with pytest.raises(OSError, match="disk full"):
        report.write_report(target, **args)
    assert target.read_text(encoding="utf-8") == "old report"
    monkeypatch.undo()

    real = report._charts.line_chart

    def broken(**kwargs):
        if kwargs["key"] == "centrum/phone":
            raise RuntimeError("chart failed")
        return real(**kwargs)

    monkeypatch.setattr(report._charts, "line_chart", broken)
    with pytest.raises(RuntimeError, match="chart failed"):
        report.write_report(target, **args)
    assert target.read_text(encoding="utf-8") == "old report"
    monkeypatch.undo()

    assert report.write_report(target, **args, generated_at=MADE) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp files left


def test_bad_inputs_name_the_parameter(pipeline):
    hist, fc = pipeline["history"], pipeline["forecast"]
    with pytest.raises(ConfigError, match=r"lang='de'.*'nl'"):
        report.render_report(history=hist, forecast=fc, lang="de")
    with pytest.raises(ConfigError, match=r"model='sarima'.*historical_average"):
        report.render_report(history=hist, forecast=fc, model="sarima")
    with pytest.raises(ConfigError, match="tz='Mars/Olympus'"):
        report.render_report(history=hist, forecast=fc, tz="Mars/Olympus")
    with pytest.raises(ConfigError, match="history_days"):
        report.render_report(history=hist, forecast=fc, history_days=0)
    with pytest.raises(InvalidFrameError, match="no numeric model column"):
        report.render_report(history=hist, forecast=fc[["unique_id", "ds"]])
    with pytest.raises(InvalidFrameError, match=r"staffing lacks column\(s\) \['gross_agents'\]"):
        report.render_report(
            history=hist, forecast=fc, staffing=pipeline["staffing"].drop(columns="gross_agents")
        )
    with pytest.raises(InvalidFrameError, match="history must be a pandas DataFrame"):
        report.render_report(history=[1, 2], forecast=fc)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_dutch_numbers_mirror_english(value, decimals):
    nl = report._Fmt("nl").number(value, decimals)
    en = report._Fmt("en").number(value, decimals)
    assert nl == en.translate(str.maketrans({",": ".", ".": ","}))
    assert float(en.replace(",", "")) == pytest.approx(value, abs=10.0**-decimals)


def test_dutch_dates_and_durations():
    fmt = report._Fmt("nl")
    assert fmt.day(pd.Timestamp("2026-03-02")) == "ma 2 mrt 2026"
    # the night the clocks go back: 24-hour clock in local time
    for utc in ("2024-10-27 00:30", "2024-10-27 01:30"):  # 02:30 summer, then winter time
        ts = pd.Timestamp(utc, tz="UTC").tz_convert("Europe/Amsterdam")
        assert fmt.when(ts) == "zo 27 okt 2024 02:30"
    assert fmt.duration(pd.Timedelta("30min")) == "30 min"
    assert fmt.duration(pd.Timedelta("1h")) == "uur"
    assert fmt.duration(pd.Timedelta("6h")) == "6 uur"
    assert fmt.percent(0.8234) == "82,3 %"
    assert fmt.percent(0.002, 0, signed=True) == "0 %"
    assert fmt.percent(0.31, 0, signed=True) == "+31 %"
    assert fmt.number(np.nan) == "–"
    assert report._Fmt("en").day(pd.Timestamp("2026-03-02"), year=False) == "Mon 2 Mar"


# -- the browser --------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=90, check=False
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/chromium.sh)")
def test_report_renders_in_chromium(pipeline, tmp_path):
    page = report.write_report(
        tmp_path / "report.html",
        history=pipeline["history"],
        forecast=pipeline["forecast"],
        backtest=pipeline["backtest"],
        staffing=pipeline["staffing"],
        store=pipeline["store"],
        generated_at=MADE,
    )
    url = page.resolve().as_uri()
    run = _chromium("--virtual-time-budget=5000", "--dump-dom", url, profile=tmp_path / "p1")
    assert run.returncode == 0, run.stderr[-2000:]
    root = re.search(r"<html[^>]*>", run.stdout)
    assert root is not None, run.stdout[:500]
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', root.group(0)))
    expected = int(attrs["data-charts-expected"])
    assert expected == 3 * pipeline["history"]["unique_id"].nunique() + 2
    assert attrs.get("data-charts-found") == str(expected), attrs
    assert attrs.get("data-charts-rendered") == str(expected), attrs
    assert json.loads(attrs["data-charts-failed"].replace("&quot;", '"')) == []
    assert attrs["data-js-errors"] == "[]"
    assert "data-pwned" not in root.group(0)  # the name with a script stayed text
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == []  # no script errors, no blocked network requests

    shot = tmp_path / "shot.png"
    run = _chromium(
        "--hide-scrollbars", "--window-size=1100,1800", f"--screenshot={shot}", url,
        profile=tmp_path / "p2",
    )  # fmt: skip
    assert shot.exists(), run.stderr[-2000:]
    pixels = _png_pixels(shot)
    assert pixels.std() > 20  # not a blank page
    assert (pixels < 100).mean() > 0.005  # dark text and lines drawn


def _png_pixels(path: Path) -> np.ndarray:
    import matplotlib.image

    image = matplotlib.image.imread(path)
    return (255 * image[..., :3]).astype("float64")
