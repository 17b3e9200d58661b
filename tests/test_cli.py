"""The ``demandcast`` command: demo end to end, exit codes, lock, reruns, light --help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from demandcast._lock import RunLock
from demandcast.cli import main
from demandcast.exceptions import ForecasterFitError, LockHeldError
from demandcast.store import ForecastStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``demandcast demo --quick`` once: the folder with config, exports, store, outputs."""
    folder = tmp_path_factory.mktemp("demo") / "demandcast-demo"
    code = main(["demo", "--folder", str(folder), "--quick", "-q"])
    assert code == 0
    return folder


def _small_config(demo: Path, folder: Path, extra: str = "") -> Path:
    """Phone only, no staffing/report: a fast config on the demo's Dutch phone export."""
    folder.mkdir(parents=True, exist_ok=True)
    text = f"""
[[sources]]
channel = "phone"
path = "{(demo / "exports" / "telefonie.csv").as_posix()}"
sep = ";"
decimal = ","
location_col = "Locatie"
[sources.columns]
time_col = "Begintijd"

[opening_hours.phone]
mon-fri = "08:00-17:00"

[models]
use = ["seasonal_naive", "historical_average"]

[forecast]
h = 7

[backtest]
enabled = false

[output]
report = ""
{extra}
"""
    path = folder / "demandcast.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _runs(url: str) -> pd.DataFrame:
    with ForecastStore(url) as store:
        return store.runs()


def test_demo_quick_runs_the_whole_chain(demo):
    out = demo / "output"
    for name in ("forecasts.csv", "staffing.csv", "backtest.csv", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["as_of"] == "2024-05-31"
    assert summary["n_series"] == 7  # 3 desks, 3 phone lines, 1 website
    runs = _runs(f"sqlite:///{demo / 'demandcast.db'}")
    assert runs["status"].tolist() == ["complete"]
    assert runs["n_series"].tolist() == [7]
    fc = pd.read_csv(out / "forecasts.csv")
    assert fc["ds"].min().startswith("2024-06-01")  # the day after the night of the run
    assert (fc[summary["chosen"]] >= 0).all()
    # the Dutch export (; and decimal comma) was read: phone volumes are realistic
    phone = fc[fc["unique_id"].str.endswith("/phone")]
    weekday = pd.to_datetime(phone["ds"], utc=True).dt.tz_convert("Europe/Amsterdam")
    busy = phone.loc[weekday.dt.day_of_week.to_numpy() < 5, summary["chosen"]]
    assert 150 < busy.mean() < 1000
    staff = pd.read_csv(out / "staffing.csv")
    assert set(staff["channel"]) == {"desk", "phone"}
    assert staff["gross_agents"].max() > staff["agents"].max() > 0  # shrinkage applied
    board = pd.read_csv(out / "backtest.csv")
    assert set(board["model"]) == {"seasonal_naive", "historical_average"}


def test_forecast_as_of_twice_replaces_the_run(demo, tmp_path, capsys):
    config = _small_config(demo, tmp_path / "night")
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-15", "-q"]) == 0
    first = pd.read_csv(tmp_path / "night" / "output" / "forecasts.csv")
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-15", "-q"]) == 0
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-22", "-q"]) == 0
    runs = _runs(f"sqlite:///{tmp_path / 'night' / 'demandcast.db'}")
    assert runs["status"].tolist() == ["complete", "complete"]
    as_of = runs["as_of"].dt.date.astype(str).tolist()
    assert as_of == ["2024-05-15", "2024-05-22"]
    # the rerun saw only data up to that night: forecasts start the next day
    assert first["ds"].min().startswith("2024-05-16")
    with ForecastStore(f"sqlite:///{tmp_path / 'night' / 'demandcast.db'}") as store:
        rerun = store.load_forecast(as_of="2024-05-15")
        actuals = store.load_actuals()
    assert rerun["ds"].min() == pd.Timestamp("2024-05-16", tz="Europe/Amsterdam")
    assert actuals["ds"].max() >= pd.Timestamp("2024-05-22", tz="Europe/Amsterdam")
    assert "run " in capsys.readouterr().out


def test_bad_config_exits_2_with_one_line_and_no_traceback(tmp_path, capsys):
    config = tmp_path / "demandcast.toml"
    config.write_text('[[sources]]\nchannel = "phone"\npath = "x.csv"\n[forecast]\nh = -3\n')
    assert main(["forecast", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["demandcast: error: config: forecast.h = -3: must be a positive number"]
    assert main(["validate", "--config", str(config), "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("demandcast: error: config: forecast.h = -3")


def test_bad_data_file_exits_2(demo, tmp_path, capsys):
    config = _small_config(demo, tmp_path / "bad")
    text = config.read_text().replace('time_col = "Begintijd"', 'time_col = "Starttijd"')
    config.write_text(text)
    assert main(["forecast", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Starttijd" in err[0] and "sources[0]" in err[0]
    assert "Traceback" not in err[0]
    missing = _small_config(demo, tmp_path / "missing")
    missing.write_text(missing.read_text().replace("telefonie.csv", "nope.csv"))
    assert main(["validate", "--config", str(missing)]) == 2
    assert "file not found" in capsys.readouterr().err


def test_validate_checks_and_changes_nothing(demo, tmp_path, capsys):
    config = _small_config(demo, tmp_path / "check")
    assert main(["validate", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "config OK" in out and "3 series" in out and "seasonal_naive" in out
    assert sorted(p.name for p in (tmp_path / "check").iterdir()) == ["demandcast.toml"]


def test_lock_held_exits_4(demo, tmp_path, capsys):
    config = _small_config(demo, tmp_path / "locked")
    with RunLock(tmp_path / "locked" / "output" / ".demandcast.lock"):
        assert main(["forecast", "--config", str(config)]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds the lock" in err[0] and "process" in err[0]
    assert not (tmp_path / "locked" / "demandcast.db").exists()  # nothing was run
    assert main(["forecast", "--config", str(config), "-q"]) == 0  # released: runs again


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; from demandcast._lock import RunLock;"
            "RunLock(sys.argv[1]).acquire(); os._exit(0)",
            str(tmp_path / ".demandcast.lock"),
        ],
        check=True,
    )
    assert proc.returncode == 0
    with RunLock(tmp_path / ".demandcast.lock") as lock:
        assert lock.held
        with pytest.raises(LockHeldError):
            RunLock(tmp_path / ".demandcast.lock").acquire()


def test_every_model_failing_exits_3_and_records_the_failure(demo, tmp_path, capsys, monkeypatch):
    import demandcast.pipeline as pipeline

    def broken(name, *args, **kwargs):
        raise ForecasterFitError(name, "centrum/phone", "LinAlgError: singular matrix")

    monkeypatch.setattr(pipeline, "_fit_predict", broken)
    config = _small_config(demo, tmp_path / "fail")
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-15"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("demandcast: error: model 'seasonal_naive, historical_average'")
    assert "no fallback left" in err[-1] and "Traceback" not in "".join(err)
    runs = _runs(f"sqlite:///{tmp_path / 'fail' / 'demandcast.db'}")
    assert runs["status"].tolist() == ["failed"]


def test_one_failing_model_falls_back_to_the_next(demo, tmp_path, monkeypatch):
    import demandcast.pipeline as pipeline

    real = pipeline._fit_predict

    def flaky(name, *args, **kwargs):
        if name == "seasonal_naive":
            raise ForecasterFitError(name, "noord/phone", "did not converge")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_fit_predict", flaky)
    config = _small_config(demo, tmp_path / "fallback")
    assert main(["forecast", "--config", str(config), "-q"]) == 0
    summary = json.loads((tmp_path / "fallback" / "output" / "summary.json").read_text())
    assert summary["chosen"] == "historical_average"
    assert summary["failed"] == {"seasonal_naive": "did not converge"}


def test_help_and_version_do_not_import_model_libraries():
    code = (
        "import sys\n"
        "from demandcast.cli import main\n"
        "for argv in (['--help'], ['forecast', '--help'], ['--version']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit as e:\n"
        "        assert e.code == 0, e.code\n"
        "heavy = ['statsmodels', 'prophet', 'sklearn', 'sqlalchemy', 'matplotlib', 'dask',\n"
        "         'pandas', 'pydantic']\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: demandcast" in out.stdout
    assert "--as-of DATE" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "LOADED []"


def test_models_lists_the_registry_with_tags(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.strip().splitlines()}
    assert {"seasonal_naive", "historical_average", "sarima", "gbm"} <= set(lines)
    assert "future_regressors" in lines["gbm"] and "past_regressors" in lines["gbm"]
    assert "past_regressors" not in lines["seasonal_naive"]


def test_report_from_the_store(demo, capsys):
    assert main(["report", "--config", str(demo / "demandcast.toml"), "--run-id", "99"]) == 2
    assert "--run-id 99: no such run" in capsys.readouterr().err
    report = demo / "output" / "report.html"
    report.unlink(missing_ok=True)
    assert main(["report", "--config", str(demo / "demandcast.toml")]) == 0
    assert str(report) in capsys.readouterr().out
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "demandcast forecast of" in html


def test_unexpected_error_exits_1_with_a_hint(tmp_path, capsys, monkeypatch):
    import demandcast.cli as cli

    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(cli._COMMANDS, "models", boom)
    assert main(["models"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "demandcast: internal error: ZeroDivisionError: division by zero "
        "(rerun with --debug for the traceback and report it)"
    ]


@pytest.mark.slow
def test_demo_full_on_the_simulator(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "demandcast.cli", "demo", "--folder", str(tmp_path / "d")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "backtest leaderboard" in proc.stdout
    assert (tmp_path / "d" / "output" / "staffing.csv").exists()


def _run_example(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_example_nightly_cron_on_the_simulator(tmp_path):
    proc = _run_example("nightly_cron.py", "--simulate", str(tmp_path / "n"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = _runs(f"sqlite:///{tmp_path / 'n' / 'demandcast.db'}")
    assert runs["as_of"].dt.date.astype(str).tolist() == ["2024-05-31", "2024-05-30"]


def test_main_in_process_gives_logging_back(caplog):
    """Calling main() from Python must not take over the caller's logging."""
    import logging
    import warnings

    log = logging.getLogger("demandcast")
    before = (log.handlers[:], log.level, log.propagate, warnings.formatwarning)
    assert main(["validate", "--config", "no-such-file.toml"]) == 2
    assert (log.handlers[:], log.level, log.propagate, warnings.formatwarning) == before
    with caplog.at_level(logging.WARNING, logger="demandcast"):
        log.warning("after the command")
    assert "after the command" in caplog.text


@pytest.mark.postgres
def test_forecast_to_postgresql_by_changing_one_line(demo, tmp_path):
    """The README promise: SQLite to PostgreSQL is the one `[store] url` line."""
    import os

    url = os.environ.get("DEMANDCAST_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("DEMANDCAST_TEST_POSTGRES_URL is not set: run `eval $(bash .ci/postgres.sh)`")
    config = _small_config(
        demo, tmp_path / "pg", extra='[store]\nurl = "${DEMANDCAST_TEST_POSTGRES_URL}"\n'
    )
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-08", "-q"]) == 0
    assert main(["forecast", "--config", str(config), "--as-of", "2024-05-08", "-q"]) == 0
    runs = _runs(url)
    night = runs[runs["as_of"].dt.date.astype(str) == "2024-05-08"]
    assert night["status"].tolist() == ["complete"]  # the rerun replaced, not duplicated
    with ForecastStore(url) as store:
        fc = store.load_forecast(as_of="2024-05-08")
    assert fc["ds"].min() == pd.Timestamp("2024-05-09", tz="Europe/Amsterdam")
    assert not (tmp_path / "pg" / "demandcast.db").exists()
