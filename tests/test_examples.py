"""The examples run as a user runs them: a fresh Python process, exit code and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tables(text: str) -> dict[str, dict[tuple[str, str], list[int]]]:
    """Model -> (channel, week) -> [point, lo-80, hi-80, lo-95, hi-95, scenario]."""
    out: dict[str, dict[tuple[str, str], list[int]]] = {}
    model = channel = None
    for line in text.splitlines():
        if line.startswith("== "):
            model = line.split()[1]
            out[model] = {}
            continue
        parts = line.split()
        if model is None or not parts or not parts[-1].lstrip("-").isdigit():
            continue
        if len(parts) == 8:
            channel = parts[0]
            parts = parts[1:]
        if len(parts) == 7 and channel is not None:
            out[model][(channel, parts[0])] = [int(v) for v in parts[1:]]
    return out


@pytest.fixture(scope="module")
def planning_run() -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "examples/planning_script.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a timing assertion
    )


def test_planning_script_runs_and_prints_both_models(planning_run):
    assert planning_run.returncode == 0, planning_run.stderr[-3000:]
    text = planning_run.stdout
    assert "28-day forecast" in text and "letters sent on" in text
    tables = _tables(text)
    names = list(tables)
    assert names[0] == "sarima"
    assert len(names) == 2 and names[1] in ("gbm", "historical_average")
    for model, rows in tables.items():
        channels = {channel for channel, _ in rows}
        assert channels == {"desk", "phone"}, (model, rows)
        # 28 days from a Wednesday touch five calendar weeks per channel
        assert len(rows) == 10, (model, rows)
        for key, (point, lo80, hi80, lo95, hi95, _) in rows.items():
            assert 0 <= lo95 <= lo80 <= point <= hi80 <= hi95, (model, key)
            assert point > 0, (model, key)


def test_planned_mailing_raises_the_forecast_after_it_and_nowhere_before(planning_run):
    assert planning_run.returncode == 0, planning_run.stderr[-3000:]
    sarima = _tables(planning_run.stdout)["sarima"]
    weeks = sorted({week for _, week in sarima})
    for channel in ("phone", "desk"):
        point = [sarima[(channel, w)][0] for w in weeks]
        plan = [sarima[(channel, w)][5] for w in weeks]
        # sent two weeks after the last day: the first two weeks are untouched
        assert plan[:2] == point[:2]
        assert plan[2] > point[2]
    # most of the response is on the phone (DOMAIN: ~0.11 contacts per letter)
    phone_extra = sum(sarima[("phone", w)][5] - sarima[("phone", w)][0] for w in weeks)
    desk_extra = sum(sarima[("desk", w)][5] - sarima[("desk", w)][0] for w in weeks)
    assert phone_extra > 2 * desk_extra > 0
