"""What ``validate`` passes, ``forecast`` accepts: "none" values, strict types, models
built and fitted with their parameters, ``--as-of`` as exactly YYYY-MM-DD, and the
example config as examples/README.md runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandcast.cli import main
from demandcast.config import DemandcastConfig, load_config, parse_day
from demandcast.exceptions import ConfigError
from demandcast.pipeline import run_backtest, run_validate

ROOT = Path(__file__).resolve().parents[1]


def _project(folder: Path, extra: str = "", *, with_id: bool = True) -> Path:
    """Four months of daily counts of one series and a config over them."""
    ds = pd.date_range("2024-01-01", periods=120, freq="D")
    rng = np.random.default_rng(1)
    table = pd.DataFrame(
        {"timestamp": ds.strftime("%Y-%m-%d"), "count": rng.poisson(80 + 40 * (ds.day_of_week < 5))}
    )
    if with_id:
        table.insert(0, "series_id", "centrum/phone")
    table.to_csv(folder / "counts.csv", index=False)
    path = folder / "demandcast.toml"
    path.write_text(
        f"""
[[sources]]
channel = "counts"
path = "counts.csv"
{extra}
""",
        encoding="utf-8",
    )
    return path


def test_empty_id_col_means_no_id_column(tmp_path):
    config = load_config(_project(tmp_path, '[sources.columns]\nid_col = ""\n', with_id=False))
    assert config.sources[0].loader_kwargs()["id_col"] is None
    found = run_validate(config)
    assert found.n_series == 1
    assert (found.first, found.last) == (
        pd.Timestamp("2024-01-01").date(),
        pd.Timestamp("2024-04-29").date(),
    )


def test_left_out_id_col_keeps_series_id(tmp_path):
    config = load_config(_project(tmp_path))
    assert "id_col" not in config.sources[0].loader_kwargs()
    assert run_validate(config).n_series == 1


def test_validate_fits_every_model_with_its_parameters(tmp_path):
    """`[models.gbm] region = ""` fails at validate, naming the model, not in the night."""
    config = load_config(
        _project(
            tmp_path,
            '[models]\nuse = ["seasonal_naive", "gbm"]\n[models.gbm]\nregion = ""\nmax_iter = 20\n',
        )
    )
    with pytest.raises(ConfigError, match=r"models\.gbm: .*region"):
        run_validate(config)


def test_validate_accepts_usable_model_parameters(tmp_path):
    config = load_config(
        _project(
            tmp_path,
            '[models]\nuse = ["seasonal_naive", "gbm"]\n'
            '[models.gbm]\nregion = "noord"\nmax_iter = 20\n',
        )
    )
    assert run_validate(config).models == ["seasonal_naive", "gbm"]


@pytest.mark.parametrize(
    ("table", "line"),
    [
        (
            {"forecast": {"h": "28"}},
            "forecast.h = '28': must be a whole number (write it without quotes)",
        ),
        ({"forecast": {"level": ["80"]}}, "forecast.level[0] = '80': must be a number"),
        ({"backtest": {"enabled": "yes"}}, "backtest.enabled = 'yes': must be true or false"),
        ({"backtest": {"n_windows": 2.0}}, "backtest.n_windows = 2.0: must be a whole number"),
        ({"forecast": {"as_of": "01-03-2024"}}, "forecast.as_of = '01-03-2024': must be a date"),
        (
            {"staffing": {"phone": {"aht_seconds": "240"}}},
            "staffing.phone.aht_seconds = '240': must be a number",
        ),
    ],
)
def test_strict_types_refuse_quoted_numbers_and_guessed_dates(table, line, tmp_path):
    with pytest.raises(ConfigError) as info:
        DemandcastConfig.from_dict(
            {"sources": [{"channel": "counts", "path": "c.csv"}], **table}, base_dir=tmp_path
        )
    assert line in str(info.value)


def test_strict_types_keep_whole_numbers_for_floats(tmp_path):
    cfg = DemandcastConfig.from_dict(
        {
            "sources": [{"channel": "counts", "path": "c.csv"}],
            "forecast": {"h": 7, "level": [80, 95], "as_of": "2024-03-01"},
            "staffing": {"phone": {"aht_seconds": 240}},
        },
        base_dir=tmp_path,
    )
    assert (cfg.forecast.h, cfg.forecast.level, str(cfg.forecast.as_of)) == (
        7,
        [80.0, 95.0],
        "2024-03-01",
    )
    assert cfg.staffing.phone.aht_seconds == 240.0


@pytest.mark.parametrize(
    "text", ["01-03-2024", "2024-3-1", "20240301", "2024-02-30", "2024-03-01 10:00"]
)
def test_as_of_is_exactly_yyyy_mm_dd(text, tmp_path, capsys):
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        parse_day(text)
    config = _project(tmp_path)
    for command in ("forecast", "backtest"):
        with pytest.raises(SystemExit) as info:
            main([command, "--config", str(config), "--as-of", text])
        assert info.value.code == 2
        assert "YYYY-MM-DD" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        run_backtest(load_config(config), text, lock=False)
    assert not (tmp_path / "output").exists()


def test_examples_readme_validate_command_works_from_the_repository_root(tmp_path):
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    command = "demandcast validate --config examples/demandcast.toml"
    assert command in readme
    store = ROOT / "examples" / "demandcast.db"
    existed = store.exists()
    done = subprocess.run(
        [sys.executable, "-m", "demandcast.cli", *command.split()[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "config OK" in done.stdout
    assert "models: seasonal_naive, historical_average, sarima, gbm" in done.stdout
    assert store.exists() == existed  # validate changes nothing
