"""The TOML config: validation messages (key, value, what is allowed), paths, round trip."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandcast.config import DemandcastConfig, config_hash, load_config
from demandcast.exceptions import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demandcast.toml"
SOURCE = {"channel": "phone", "path": "exports/calls.csv", "location": "centrum"}


def _error(data: dict, base_dir: str = "/data") -> str:
    with pytest.raises(ConfigError) as info:
        DemandcastConfig.from_dict(data, base_dir=base_dir)
    return str(info.value)


def test_negative_horizon_names_key_value_and_rule():
    msg = _error({"sources": [SOURCE], "forecast": {"h": -3}})
    assert msg == "config: forecast.h = -3: must be a positive number"


def test_unknown_key_suggests_the_close_one():
    msg = _error({"sources": [SOURCE], "modles": {"use": ["gbm"]}})
    assert "modles: unknown key; did you mean 'models'?" in msg
    nested = _error({"sources": [SOURCE], "forecast": {"horizon": 7}})
    assert "forecast.horizon: unknown key" in nested and "h, freq, level, as_of" in nested


def test_unknown_model_lists_the_registry():
    msg = _error({"sources": [SOURCE], "models": {"use": ["seasonal_naive", "sarimax"]}})
    assert "models.use[1] = 'sarimax'" in msg
    assert "did you mean 'sarima'?" in msg
    for name in ("seasonal_naive", "historical_average", "gbm", "prophet", "ensemble"):
        assert name in msg
    params = _error({"sources": [SOURCE], "models": {"use": ["gbm"], "gmb": {"max_iter": 3}}})
    assert "models.gmb: not a registered model" in params and "did you mean 'gbm'?" in params


def test_literal_choices_are_listed():
    msg = _error({"sources": [{**SOURCE, "channel": "fax"}]})
    assert "sources[0].channel = 'fax'" in msg
    assert "'desk', 'phone', 'web' or 'counts'" in msg
    msg = _error({"sources": [SOURCE], "calendar": {"region": "oost", "liberation_day": "x"}})
    assert msg.startswith("2 problem(s) in the config:")
    assert "calendar.region = 'oost': allowed: 'noord', 'midden' or 'zuid'" in msg
    assert "calendar.liberation_day = 'x': allowed: 'lustrum'" in msg


def test_every_problem_gets_its_own_line():
    msg = _error(
        {
            "sources": [SOURCE],
            "forecast": {"h": 0, "freq": "fortnightly", "level": [80, 120]},
            "staffing": {"phone": {"target_sl": 80}},
        }
    )
    lines = msg.splitlines()
    assert lines[0] == "5 problem(s) in the config:"
    assert "  forecast.h = 0: must be a positive number" in lines
    assert any(
        line.startswith("  forecast.freq = 'fortnightly': not a frequency") for line in lines
    )
    assert any(line.startswith("  forecast.level = [80, 120]: levels must be") for line in lines)
    assert "  staffing.phone.aht_seconds: is required" in lines
    assert "  staffing.phone.target_sl = 80: must be < 1.0" in lines


def test_bad_opening_hours_and_erlang_a_without_patience():
    msg = _error({"sources": [SOURCE], "opening_hours": {"phone": {"mon-fri": "8-17"}}})
    assert "opening_hours" in msg and "'8-17'" in msg and "HH:MM-HH:MM" in msg
    msg = _error(
        {"sources": [SOURCE], "staffing": {"phone": {"aht_seconds": 240, "model": "erlang_a"}}}
    )
    assert "staffing.phone" in msg and "patience_seconds" in msg


def test_missing_sources_and_select_outside_use():
    assert _error({}) == "config: sources: is required"
    msg = _error({"sources": [SOURCE], "models": {"use": ["gbm"], "select": "sarima"}})
    assert "'sarima'" in msg and "must be 'best' or one of models.use ['gbm']" in msg


def test_relative_paths_are_read_from_the_config_folder(tmp_path):
    folder = tmp_path / "planning"
    folder.mkdir()
    (folder / "demandcast.toml").write_text(
        "[[sources]]\n"
        'channel = "desk"\npath = "exports/tickets.csv"\n\n'
        "[[sources]]\n"
        f'channel = "web"\npath = "{(tmp_path / "abs.csv").as_posix()}"\n\n'
        "[[regressors]]\n"
        'name = "mailing"\npath = "../shared/mailings.csv"\n\n'
        '[store]\nurl = "sqlite:///db/demandcast.db"\n',
        encoding="utf-8",
    )
    cfg = load_config(folder / "demandcast.toml")
    assert cfg.sources[0].path == folder / "exports" / "tickets.csv"
    assert cfg.sources[1].path == tmp_path / "abs.csv"
    assert cfg.regressors[0].path == folder / ".." / "shared" / "mailings.csv"
    assert cfg.output.folder == folder / "output"
    assert cfg.store.url == f"sqlite:///{(folder / 'db' / 'demandcast.db').resolve()}"
    assert cfg.lock_path == folder / "output" / ".demandcast.lock"


def test_default_store_is_sqlite_beside_the_config(tmp_path):
    cfg = DemandcastConfig.from_dict({"sources": [SOURCE]}, base_dir=tmp_path)
    assert cfg.store.url == f"sqlite:///{tmp_path.resolve() / 'demandcast.db'}"
    pg = DemandcastConfig.from_dict(
        {"sources": [SOURCE], "store": {"url": "postgresql+psycopg://u@db/dc"}}, base_dir=tmp_path
    )
    assert pg.store.url == "postgresql+psycopg://u@db/dc"


def test_store_url_reads_environment_variables(monkeypatch):
    url = "postgresql+psycopg://planner:${DC_TEST_PW}@db/dc"
    monkeypatch.setenv("DC_TEST_PW", "geheim")
    cfg = DemandcastConfig.from_dict({"sources": [SOURCE], "store": {"url": url}})
    assert cfg.store.url == "postgresql+psycopg://planner:geheim@db/dc"
    monkeypatch.delenv("DC_TEST_PW")
    assert "['DC_TEST_PW'] that are not set" in _error({"sources": [SOURCE], "store": {"url": url}})


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[forecast\nh = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(bad)


def test_example_config_loads_and_round_trips():
    cfg = load_config(EXAMPLE)
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    # every section of the model is documented in the example
    assert set(raw) == set(DemandcastConfig.model_fields) - {"config_path"}
    assert [s.channel for s in cfg.sources] == ["phone", "desk", "web"]
    assert cfg.sources[0].loader_kwargs()["time_col"] == "Begintijd"
    assert cfg.models.params["sarima"]["order"] == [1, 0, 1]
    assert cfg.staffing.channels().keys() == {"phone", "desk"}
    again = DemandcastConfig.from_dict(cfg.model_dump(mode="json"), base_dir=EXAMPLE.parent)
    assert again.model_dump() == cfg.model_dump()
    assert config_hash(again) == config_hash(cfg)


def test_closures_close_desk_and_phone_but_not_the_website():
    cfg = load_config(EXAMPLE)
    import pandas as pd

    koningsdag = pd.DatetimeIndex(["2025-04-26 10:00", "2025-05-30 10:00"], tz="Europe/Amsterdam")
    phone = cfg.opening_hours_for("phone", "2025-01-01", "2025-12-31")
    web = cfg.opening_hours_for("web", "2025-01-01", "2025-12-31")
    assert phone.is_open(koningsdag).tolist() == [False, False]  # Saturday; bridge day
    assert web.is_open(koningsdag).tolist() == [True, True]
    assert dt.date(2025, 5, 5) in phone.closures  # lustrum year
    assert cfg.opening_hours_for("counts") is None


@settings(max_examples=25, deadline=None)
@given(h=st.integers(-1000, 1000))
def test_horizon_accepted_exactly_when_positive(h):
    data = {"sources": [SOURCE], "forecast": {"h": h}}
    if h > 0:
        assert DemandcastConfig.from_dict(data).forecast.h == h
    else:
        assert f"forecast.h = {h}: must be a positive number" in _error(data)
