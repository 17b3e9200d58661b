"""The model-comparison example runs as a user runs it: a fresh process, exit code, output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("seasonal_naive", "historical_average", "sarima", "gbm", "ensemble")


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "examples/model_comparison.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # a hang guard, not a timing assertion
    )


def _leaderboards(text: str) -> list[list[tuple[int, str, float]]]:
    """Each printed leaderboard as (rank, model, wape %) rows."""
    boards = []
    for block in text.split("Leaderboard")[1:]:
        rows = []
        for line in block.splitlines()[2:]:
            parts = line.split()
            if len(parts) < 3 or not parts[0].isdigit():
                break
            rows.append((int(parts[0]), parts[1], float(parts[2].rstrip("%"))))
        boards.append(rows)
    return boards


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess:
    return _run("--quick", "--no-bank")


def test_quick_run_prints_a_ranked_leaderboard_of_every_model(quick_run):
    assert quick_run.returncode == 0, quick_run.stderr[-3000:]
    boards = _leaderboards(quick_run.stdout)
    assert len(boards) == 1
    rows = boards[0]
    assert sorted(m for _, m, _ in rows) == sorted(MODELS)
    assert [r for r, _, _ in rows] == [1, 2, 3, 4, 5]
    wapes = [w for _, _, w in rows]
    assert wapes == sorted(wapes)
    # daily municipal demand: every model lands in a sane band, none is degenerate
    assert all(3.0 < w < 40.0 for w in wapes), rows


def test_quick_run_prints_horizon_coverage_floor_and_dm(quick_run):
    text = quick_run.stdout
    assert "week 1" in text and "week 4" in text
    assert "inside 80%" in text and "inside 95%" in text
    floor = re.search(r"Poisson floor from the simulator's true means: ([\d.]+)%", text)
    assert floor is not None, text[-2000:]
    best = _leaderboards(text)[0][0][2]
    assert 0.0 < float(floor.group(1)) < best  # nobody beats count noise
    assert re.search(
        r"(significantly more accurate than|no significant difference).*p [=<] 0?\.\d+", text
    ), text[-2000:]
    assert "real bank calls skipped" in text


@pytest.mark.slow
def test_default_run_on_simulator_and_bank_calls(data_file):
    run = _run("--bank", str(data_file("bank_calls_5min.csv")))
    assert run.returncode == 0, run.stderr[-3000:]
    boards = _leaderboards(run.stdout)
    assert len(boards) == 2
    sim, bank = ({m: w for _, m, w in b} for b in boards)
    # two years of history: the best model clearly beats seasonal naive
    assert min(sim.values()) < 0.9 * sim["seasonal_naive"]
    assert "day 5" in run.stdout
    # bank calls (BENCHMARKS: seasonal naive ~8-9 %, historical average ~6-7 %)
    assert bank["historical_average"] < bank["seasonal_naive"]
