"""The nightly job on real nights: one model never sinks a night; outputs switch as one set.

Issue 14, items 7 and 10. The demo's simulated municipality (desk and phone closed at
weekends, the website open every day, a past regressor ``social_mentions``) is run over
consecutive ``--as-of`` nights, weekends and a DST change included; a failing model is
left out with one warning line; ``demandcast forecast`` subprocesses are killed with
SIGKILL at random moments and the output folder and store are checked afterwards.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandcast.cli import main
from demandcast.demo import write_demo
from demandcast.exceptions import InvalidFrameError, UnsupportedRegressorError
from demandcast.forecasters.naive import HistoricalAverage
from demandcast.forecasters.sarima import SARIMA
from demandcast.store import ForecastStore

TZ = "Europe/Amsterdam"
ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("forecasts.csv", "staffing.csv", "backtest.csv", "report.html", "summary.json")


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> Path:
    """The quick demo's folder (exports and config), written once."""
    return write_demo(tmp_path_factory.mktemp("nightly") / "demo", quick=True).parent


def _config(demo: Path, folder: Path, *, models: str | None = None, extra: str = "") -> Path:
    """The demo config with its store and outputs in ``folder`` (sources read from ``demo``)."""
    text = (demo / "demandcast.toml").read_text(encoding="utf-8")
    text = text.replace('path = "exports/', f'path = "{(demo / "exports").as_posix()}/')
    text = text.replace("n_windows = 2", "n_windows = 1")  # one window: a fast night
    if models is not None:
        text = "\n".join(
            f"use = {models}" if line.startswith("use = ") else line for line in text.splitlines()
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demandcast.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def _summary(folder: Path) -> dict:
    return json.loads((folder / "output" / "summary.json").read_text(encoding="utf-8"))


def _left_out(err: str, model: str) -> list[str]:
    return [line for line in err.splitlines() if f"model '{model}' left out" in line]


# ---------------------------------------------------------------------- item 7: fallback


def test_a_library_error_in_the_backtest_leaves_the_model_out(quick, tmp_path, capsys, monkeypatch):
    def unreachable(self, *args, **kwargs):
        raise UnsupportedRegressorError("past regressor 'social_mentions' is not known that far")

    monkeypatch.setattr(HistoricalAverage, "_predict_one", unreachable)
    config = _config(quick, tmp_path / "bt")
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-15"]) == 0
    err = capsys.readouterr().err
    lines = _left_out(err, "historical_average")
    assert len(lines) == 1, err  # one warning line: model, step and reason
    assert "backtest failed" in lines[0] and "is not known that far" in lines[0]
    summary = _summary(tmp_path / "bt")
    assert summary["chosen"] == "seasonal_naive" and summary["models"] == ["seasonal_naive"]
    assert summary["failed"]["historical_average"].startswith("UnsupportedRegressorError: ")
    board = pd.read_csv(tmp_path / "bt" / "output" / "backtest.csv")
    assert board["model"].tolist() == ["seasonal_naive"]


def test_a_library_error_in_fit_leaves_the_model_out(quick, tmp_path, capsys, monkeypatch):
    def bad_fit(self, inputs):
        raise InvalidFrameError("series 'noord/phone' has too few open days for k_weeks=6")

    monkeypatch.setattr(HistoricalAverage, "_fit", bad_fit)
    config = _config(quick, tmp_path / "fit")
    argv = ["forecast", "--config", str(config), "--as-of", "2024-05-15", "--no-backtest"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    lines = _left_out(err, "historical_average")
    assert len(lines) == 1 and "too few open days" in lines[0], err
    summary = _summary(tmp_path / "fit")
    assert summary["chosen"] == "seasonal_naive"
    assert summary["failed"]["historical_average"].startswith("InvalidFrameError: ")


def test_only_when_no_model_is_left_the_night_exits_3(quick, tmp_path, capsys, monkeypatch):
    from demandcast.forecasters.naive import SeasonalNaive

    def unreachable(self, *args, **kwargs):
        raise UnsupportedRegressorError("not known that far")

    monkeypatch.setattr(HistoricalAverage, "_predict_one", unreachable)
    monkeypatch.setattr(SeasonalNaive, "_predict_one", unreachable)
    config = _config(quick, tmp_path / "none")
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-15"]) == 3
    err = capsys.readouterr().err
    assert len(_left_out(err, "historical_average")) == 1
    assert len(_left_out(err, "seasonal_naive")) == 1
    assert err.strip().splitlines()[-1].startswith("demandcast: error: model ")
    assert "no fallback left" in err.strip().splitlines()[-1]


def test_a_backtest_cutoff_on_a_closed_day_needs_no_step_past_the_lag():
    """Each series forecasts from its own last row to its own last test row.

    The cutoff is a Saturday: the website has a row that day, the desk (closed at
    weekends) ends on Friday. The desk's test rows end on a Friday too, so no model
    forecasts further than ``h`` steps: sarima with a past regressor at ``past_lag = h``
    is backtested, where a horizon counted from the desk's Friday to the window's
    last day (h + 1 steps) asked for a value of the signal not observed yet.
    """
    from demandcast.backtest import backtest

    rng = np.random.default_rng(3)
    ds = pd.date_range("2024-01-01", "2024-03-30", freq="D", tz=TZ)  # ends Sat 30 March
    mentions = rng.poisson(20, len(ds)).astype(float)
    web = pd.DataFrame({"unique_id": "web", "ds": ds, "y": 500 + 3 * mentions})
    desk = pd.DataFrame({"unique_id": "desk", "ds": ds, "y": 80 + rng.normal(0, 4, len(ds))})
    desk = desk[desk["ds"].dt.day_of_week < 5]
    df = pd.concat([web, desk], ignore_index=True)
    X = pd.DataFrame({"ds": ds, "mentions": mentions})
    model = SARIMA(order=(1, 0, 0), seasonal_order=(0, 0, 0), past_lag=7)
    res = backtest({"sarima": model}, df, h=7, n_windows=1, X=X, roles={"mentions": "past"})
    fc = res.forecasts
    assert fc["cutoff"].unique().tolist() == [pd.Timestamp("2024-03-23", tz=TZ)]
    assert set(fc["unique_id"]) == {"web", "desk"} and np.isfinite(fc["sarima"]).all()


def _nightly(quick: Path, folder: Path, nights: list[str], *, extra: str = "") -> None:
    config = _config(
        quick,
        folder,
        models='["sarima", "seasonal_naive"]',
        extra=extra or "[models.sarima]\npast_lag = 14\n",
    )
    codes = {n: main(["forecast", "--config", str(config), "--as-of", n, "-q"]) for n in nights}
    assert codes == dict.fromkeys(nights, 0)
    summary = _summary(folder)
    assert summary["as_of"] == max(nights) and "sarima" in summary["models"]


def test_nightly_runs_on_friday_saturday_and_the_dst_sunday(quick, tmp_path):
    """sarima with a past regressor at past_lag = h, on the nights around 31 March."""
    _nightly(quick, tmp_path / "n3", ["2024-03-29", "2024-03-30", "2024-03-31"])


@pytest.mark.slow
def test_fourteen_nights_of_the_full_demo(tmp_path):
    """The full demo (all its models) on 14 consecutive nights across 27 October."""
    demo = write_demo(tmp_path / "demo").parent
    nights = [str(d.date()) for d in pd.date_range("2024-10-20", "2024-11-02")]
    config = _config(demo, tmp_path / "n14")
    for n in nights:
        assert main(["forecast", "--config", str(config), "--as-of", n, "-q"]) == 0, n
        assert _summary(tmp_path / "n14")["failed"] == {}, n


# ---------------------------------------------------------------------- item 10: outputs


def test_outputs_of_a_run_are_one_set_named_by_its_run_id(quick, tmp_path):
    config = _config(quick, tmp_path / "set")
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-22", "-q"]) == 0
    out = tmp_path / "set" / "output"
    current = _check_current_set(out)
    assert current["as_of"] == "2024-05-22"
    # a past night writes its own run folder only: the current outputs stay
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-15", "-q"]) == 0
    again = _check_current_set(out)
    assert again["run_id"] == current["run_id"] and again["as_of"] == "2024-05-22"
    nights = sorted(json.loads((p / "summary.json").read_text())["as_of"] for p in _runs(out))
    assert nights == ["2024-05-15", "2024-05-22"]
    # a rerun of the current night becomes current
    before = (out / "current").resolve()
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-22", "-q"]) == 0
    assert _check_current_set(out)["as_of"] == "2024-05-22"
    assert (out / "current").resolve() != before and len(_runs(out)) == 3


def _runs(out: Path) -> list[Path]:
    return sorted(p for p in (out / "runs").iterdir() if not p.name.startswith("."))


def _check_current_set(out: Path) -> dict:
    """The current set is complete, from one run, and the documented paths show it."""
    assert (out / "current").is_symlink()
    folder = (out / "current").resolve()
    assert folder.parent == (out / "runs").resolve()
    info = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    run_id = info["run_id"]
    written = {Path(p).name for p in info["paths"].values()}
    assert {"forecasts.csv", "staffing.csv", "report.html", "summary.json"} <= written
    for name in OUTPUTS:
        if name not in written:
            assert not (out / name).exists(), name  # no file of another run in its place
            continue
        assert (folder / name).is_file(), name
        assert (out / name).read_bytes() == (folder / name).read_bytes(), name
    for name in {"forecasts.csv", "staffing.csv", "backtest.csv"} & written:
        frame = pd.read_csv(folder / name)
        assert len(frame) and set(frame["run_id"]) == {run_id}, name
    assert f"(run {run_id})" in (folder / "report.html").read_text(encoding="utf-8")
    assert info["current"] is True and Path(info["run_folder"]) == out / "runs" / folder.name
    return info


def _temporaries(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


def _store_ok(db: Path, current: dict | None) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        runs = dict(conn.execute("SELECT run_id, status FROM runs").fetchall())
        for run_id in runs:
            n = conn.execute("SELECT COUNT(*) FROM forecasts WHERE run_id = ?", (run_id,))
            assert n.fetchone()[0] > 0, run_id  # a saved run is whole or absent
    if current is not None:  # the night shown has a complete run (a rerun may replace it)
        with ForecastStore(f"sqlite:///{db.as_posix()}") as store:
            stored = store.runs()
        done = stored[stored["status"] == "complete"]
        assert current["as_of"] in set(done["as_of"].dt.date.astype(str))


def _forecast_cmd(config: Path) -> list[str]:
    code = "import sys; from demandcast.cli import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, "forecast", "--config", str(config), "-q", "--no-backtest"]


def _kill_runs(quick: Path, folder: Path, seeds: list[int]) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    config = _config(quick, folder)
    out, db = folder / "output", folder / "demandcast.db"
    start = time.monotonic()
    subprocess.run(
        _forecast_cmd(config), env=env, check=True, timeout=600, stdout=subprocess.DEVNULL
    )
    took = time.monotonic() - start
    for seed in seeds:
        rng = random.Random(seed)
        # half the kills late in the run (storing and writing), half anywhere
        at = took * (rng.uniform(0.75, 1.05) if seed % 2 else rng.uniform(0.1, 1.0))
        proc = subprocess.Popen(
            _forecast_cmd(config), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            proc.wait(timeout=at)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        current = _check_current_set(out)
        _store_ok(db, current)
    subprocess.run(
        _forecast_cmd(config), env=env, check=True, timeout=600, stdout=subprocess.DEVNULL
    )
    assert _temporaries(out) == []
    _store_ok(db, _check_current_set(out))


def test_a_killed_run_leaves_one_complete_current_set(quick, tmp_path):
    _kill_runs(quick, tmp_path / "kill", seeds=[1, 2, 3])


@pytest.mark.slow
def test_many_killed_runs_leave_one_complete_current_set(quick, tmp_path):
    _kill_runs(quick, tmp_path / "kills", seeds=list(range(4, 24)))
