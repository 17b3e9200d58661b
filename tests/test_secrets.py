"""Database passwords never reach stdout, stderr, logs, messages or output files.

The password comes from the environment (``${VAR}`` in ``[store] url``); it is put
into the URL quoted, shown only through :func:`demandcast.store.mask_url`, and driver
messages are scrubbed of it. Every command is run with ``-v``, ``-vv`` and ``--debug``
on passwords with ``@ : / # % ' "`` and spaces.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import numpy as np
import pandas as pd
import pytest

from demandcast.cli import main
from demandcast.config import DemandcastConfig, config_hash
from demandcast.exceptions import StoreError
from demandcast.store import ForecastStore, mask_url, scrub_secret

ROOT = Path(__file__).resolve().parents[1]

PASSWORDS = [
    "p@ss:w/rd#1%",
    "s3cr@t w0rd 'q' \"dq\" :/#%",
    "@@lead:ing",
]
VERBOSITY = [["-v"], ["-vv"], ["--debug"]]


def _forms(password: str) -> list[str]:
    """The password raw, URL-quoted, and the parts around its '@' that used to leak."""
    forms = {password, quote(password, safe=""), quote_plus(password, safe="")}
    for part in password.split("@"):
        if len(part) >= 4:
            forms |= {part, quote(part, safe="")}
    return sorted(forms)


def _assert_hidden(password: str, *texts: str) -> None:
    for text in texts:
        for form in _forms(password):
            assert form not in text, f"the password ({form!r}) leaked in:\n{text}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_project(folder: Path, url: str) -> Path:
    """A small daily counts export and a fast config whose store is ``url``."""
    folder.mkdir(parents=True, exist_ok=True)
    ds = pd.date_range("2024-01-01", periods=70, freq="D")
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(
        {
            "series_id": "centrum/phone",
            "timestamp": ds.strftime("%Y-%m-%d"),
            "count": rng.poisson(100 + 30 * (ds.day_of_week < 5)),
        }
    )
    counts.to_csv(folder / "counts.csv", index=False)
    (folder / "demandcast.toml").write_text(
        f"""
[[sources]]
channel = "counts"
path = "counts.csv"

[models]
use = ["seasonal_naive", "historical_average"]

[forecast]
h = 7

[backtest]
n_windows = 1
step = 7

[output]
report = ""

[store]
url = "{url}"
""",
        encoding="utf-8",
    )
    return folder / "demandcast.toml"


def _run(argv: list[str], capsys, caplog) -> tuple[int, str]:
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err + caplog.text


@pytest.fixture
def secret_env(monkeypatch):
    def set_password(password: str) -> str:
        monkeypatch.setenv("DEMANDCAST_SECRET_TEST_PW", password)
        return "${DEMANDCAST_SECRET_TEST_PW}"

    return set_password


# ------------------------------------------------------------------ the pieces


@pytest.mark.parametrize("password", PASSWORDS)
def test_substituted_password_is_url_quoted_and_parsed_whole(password, secret_env, tmp_path):
    var = secret_env(password)
    cfg = DemandcastConfig.from_dict(
        {
            "sources": [{"channel": "counts", "path": "c.csv"}],
            "store": {"url": f"postgresql+psycopg://planner:{var}@dbhost:5432/demandcast"},
        },
        base_dir=tmp_path,
    )
    from sqlalchemy.engine import make_url

    url = make_url(cfg.store.url)
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "planner",
        password,
        "dbhost",
        5432,
        "demandcast",
    )
    assert mask_url(cfg.store.url) == "postgresql+psycopg://planner:***@dbhost:5432/demandcast"
    assert password not in cfg.store.url
    other = DemandcastConfig.from_dict(
        {
            "sources": [{"channel": "counts", "path": "c.csv"}],
            "store": {"url": "postgresql+psycopg://planner:other@dbhost:5432/demandcast"},
        },
        base_dir=tmp_path,
    )
    assert config_hash(cfg) == config_hash(other)  # the password is not in the hash


def test_a_url_that_is_one_variable_is_taken_as_it_is(secret_env, tmp_path):
    var = secret_env("postgresql+psycopg://planner:p%40ss@dbhost/demandcast")
    cfg = DemandcastConfig.from_dict(
        {"sources": [{"channel": "counts", "path": "c.csv"}], "store": {"url": var}},
        base_dir=tmp_path,
    )
    assert cfg.store.url == "postgresql+psycopg://planner:p%40ss@dbhost/demandcast"


def test_mask_url_hides_raw_at_signs_query_passwords_and_unparseable_urls():
    # a raw '@' in the password: SQLAlchemy would split at the first one
    assert mask_url("postgresql://planner:p@ss@dbhost/db") == "postgresql://***@dbhost/db"
    assert "pw" not in mask_url("postgresql://u@h/db?password=pw&sslmode=require")
    assert mask_url("no url with u:pw@h") == "***"
    assert mask_url("sqlite:///srv/demandcast.db") == "sqlite:///srv/demandcast.db"


def test_scrub_secret_removes_every_form_of_the_password():
    password = "s3cr@t w0rd 'q'"
    url = f"postgresql+psycopg://planner:{quote(password, safe='')}@127.0.0.1:1/db"
    text = (
        f"failed: {url} password={password} {quote_plus(password)} password='s3cr@t w0rd \\'q\\''"
    )
    scrubbed = scrub_secret(text, url)
    _assert_hidden(password, scrubbed)
    assert "postgresql+psycopg://planner:***@127.0.0.1:1/db" in scrubbed


@pytest.mark.parametrize("password", PASSWORDS)
def test_connection_error_names_the_masked_url_and_never_the_password(password):
    url = f"postgresql+psycopg://planner:{quote(password, safe='')}@127.0.0.1:{_closed_port()}/db"
    with pytest.raises(StoreError) as info:
        ForecastStore(url)
    message = str(info.value)
    assert "postgresql+psycopg://planner:***@127.0.0.1:" in message
    assert info.value.__cause__ is None  # the driver's chain is not carried along
    _assert_hidden(password, message, repr(info.value))


def test_config_error_on_the_store_url_masks_a_written_password(tmp_path):
    with pytest.raises(Exception) as info:
        DemandcastConfig.from_dict(
            {
                "sources": [{"channel": "counts", "path": "c.csv"}],
                "store": {"url": "postgresql://planner:hunter2secret@dbhost/db", "x": 1},
            },
            base_dir=tmp_path,
        )
    assert "hunter2secret" not in str(info.value)


# ------------------------------------------------------------------ the CLI


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("verbosity", VERBOSITY, ids=lambda v: v[0])
def test_cli_never_shows_the_password_on_a_closed_port(
    password, verbosity, secret_env, tmp_path, capsys, caplog
):
    """validate passes (masked URL), forecast and report fail on the connection (exit 2)."""
    var = secret_env(password)
    config = _write_project(
        tmp_path, f"postgresql+psycopg://planner:{var}@127.0.0.1:{_closed_port()}/demandcast"
    )
    code, text = _run(["validate", "--config", str(config), *verbosity], capsys, caplog)
    assert code == 0, text
    assert "store: postgresql+psycopg://planner:***@127.0.0.1:" in text
    _assert_hidden(password, text)
    for command in (["forecast", "--no-backtest"], ["report"]):
        code, text = _run([*command, "--config", str(config), *verbosity], capsys, caplog)
        assert code == 2, text
        assert "planner:***@127.0.0.1" in text
        _assert_hidden(password, text)
    code, text = _run(["backtest", "--config", str(config), *verbosity], capsys, caplog)
    assert code == 0, text
    _assert_hidden(password, text)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".html", ".toml"):
            _assert_hidden(password, path.read_text(encoding="utf-8"))


def test_cli_subprocess_debug_traceback_never_shows_the_password(tmp_path):
    password = PASSWORDS[1]
    config = _write_project(
        tmp_path,
        "postgresql+psycopg://planner:${DEMANDCAST_SECRET_TEST_PW}"
        f"@127.0.0.1:{_closed_port()}/demandcast",
    )
    env = {**os.environ, "DEMANDCAST_SECRET_TEST_PW": password, "PYTHONPATH": str(ROOT)}
    for command in (["validate"], ["forecast", "--no-backtest"], ["report"], ["backtest"]):
        done = subprocess.run(
            [sys.executable, "-m", "demandcast.cli", *command, "--config", str(config), "--debug"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )
        assert done.returncode in (0, 2), done.stderr
        _assert_hidden(password, done.stdout, done.stderr)


@pytest.mark.postgres
@pytest.mark.parametrize("password", PASSWORDS[1:2])
def test_cli_on_postgresql_never_shows_the_password(
    password, postgres_url, secret_env, tmp_path, capsys, caplog
):
    """A real server: report with no complete run, then forecast, backtest, report."""
    from sqlalchemy.engine import make_url

    server = make_url(postgres_url)
    var = secret_env(password)  # the test server trusts loopback: any password logs in
    url = (
        f"postgresql+psycopg://{server.username}:{var}@{server.host}:{server.port}/"
        f"{server.database}?options={quote(server.query['options'], safe='')}"
    )
    config = _write_project(tmp_path, url)
    for verbosity in VERBOSITY:
        code, text = _run(["report", "--config", str(config), *verbosity], capsys, caplog)
        assert code == 2 and "no complete run" in text, text
        assert f"{server.username}:***@" in text
        _assert_hidden(password, text)
    for verbosity in VERBOSITY:
        for command in (["validate"], ["forecast"], ["backtest"], ["report"]):
            code, text = _run([*command, "--config", str(config), *verbosity], capsys, caplog)
            assert code == 0, text
            _assert_hidden(password, text)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".html"):
            _assert_hidden(password, path.read_text(encoding="utf-8"))
    assert any(p.suffix == ".json" for p in (tmp_path / "output").rglob("*"))
