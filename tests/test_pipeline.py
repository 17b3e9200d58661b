"""The public jobs of demandcast.pipeline, run directly on the demo's simulated municipality.

One quick demo (``write_demo``: five months of a simulated municipality with three
locations, its Dutch exports and config, the two baseline models) serves every test;
each test writes its store and outputs into its own folder.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

import demandcast
from demandcast.config import DemandcastConfig, StoreConfig, load_config
from demandcast.demo import write_demo
from demandcast.exceptions import (
    ConfigError,
    ForecasterFitError,
    InputFileError,
    LockHeldError,
    NoModelLeftError,
)
from demandcast.forecasters.naive import SeasonalNaive
from demandcast.pipeline import (
    load_data,
    load_regressors,
    run_backtest,
    run_forecast,
    run_report,
    run_validate,
)
from demandcast.store import ForecastStore

TZ = "Europe/Amsterdam"
NIGHT = "2024-05-15"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemandcastConfig:
    return load_config(write_demo(tmp_path_factory.mktemp("pipeline") / "demo", quick=True))


def _moved(config: DemandcastConfig, folder) -> DemandcastConfig:
    """The same config with its store and output folder in ``folder``."""
    output = config.output.model_copy(update={"folder": folder / "output"})
    store = StoreConfig(url=f"sqlite:///{(folder / 'demandcast.db').as_posix()}")
    return config.model_copy(update={"output": output, "store": store})


@pytest.fixture(scope="module")
def night(demo, tmp_path_factory):
    """The nightly job of NIGHT, with its backtest, staffing and report."""
    config = _moved(demo, tmp_path_factory.mktemp("night"))
    return config, run_forecast(config, as_of=NIGHT)


def test_write_demo_writes_a_config_the_jobs_read(demo):
    assert demo.models.use == ["seasonal_naive", "historical_average"]
    assert demo.forecast.h == 14 and demo.forecast.freq == "D"
    assert [s.channel for s in demo.sources] == ["phone", "desk", "web"]
    assert all(s.path.exists() for s in demo.sources)
    assert {r.name: r.role for r in demo.regressors} == {
        "mailing_letters": "future",
        "social_mentions": "past",
    }


def test_validate_reports_the_data_and_writes_nothing(demo):
    folder = demo.config_path.parent
    before = sorted(p.name for p in folder.iterdir())
    found = run_validate(demo)
    assert found.n_series == 7  # 3 desks, 3 phone lines, 1 website
    assert (str(found.first), str(found.last)) == ("2024-01-01", "2024-05-31")
    assert found.models == ["seasonal_naive", "historical_average"]
    assert found.roles == {"mailing_letters": "future", "social_mentions": "past"}
    assert found.store_url == demo.store.url
    assert sorted(p.name for p in folder.iterdir()) == before  # no store, no output


def test_validate_never_shows_a_store_password(demo):
    url = "postgresql+psycopg://planner:s3cret@db.example:5432/demandcast"
    config = demo.model_copy(update={"store": StoreConfig(url=url)})
    found = run_validate(config)  # reads the files only: no connection is made
    assert found.store_url == "postgresql+psycopg://planner:***@db.example:5432/demandcast"
    assert "s3cret" not in repr(found.store_url)


def test_validate_names_a_bad_model_parameter(demo):
    models = demo.models.model_copy(update={"params": {"historical_average": {"weeks": 6}}})
    with pytest.raises(ConfigError, match=r"models\.historical_average: .* parameters \[.weeks.\]"):
        run_validate(demo.model_copy(update={"models": models}))


def test_forecast_is_the_models_fitted_on_the_data_up_to_the_night(demo, night):
    _, summary = night
    assert summary.as_of == pd.Timestamp(NIGHT).date()
    assert summary.n_series == 7 and summary.failed == {} and summary.notes == []
    # models ranked by the backtest, the best one staffed
    assert summary.models == summary.leaderboard["model"].tolist()
    assert summary.chosen == summary.models[0]
    fc = summary.forecast
    days = pd.date_range("2024-05-16", periods=14, freq="D", tz=TZ)
    assert fc.groupby("unique_id")["ds"].apply(list).map(lambda d: d == list(days)).all()
    # exactly what the model gives when fitted by hand on the data known that night
    df = load_data(demo)
    known = df[df["ds"] < pd.Timestamp("2024-05-16", tz=TZ)].reset_index(drop=True)
    by_hand = SeasonalNaive().fit(known).predict(14, level=(80, 95))
    got = fc[by_hand.columns].sort_values(["unique_id", "ds"], ignore_index=True)
    pd.testing.assert_frame_equal(got, by_hand.sort_values(["unique_id", "ds"], ignore_index=True))
    for m in summary.models:
        nested = [f"{m}-lo-95", f"{m}-lo-80", m, f"{m}-hi-80", f"{m}-hi-95"]
        assert (fc[m] >= 0).all() and (np.diff(fc[nested].to_numpy(), axis=1) >= 0).all()


def test_forecast_stores_the_run_and_writes_its_outputs(night):
    config, summary = night
    with ForecastStore(config.store.url) as store:
        runs = store.runs()
        stored = store.load_forecast(summary.run_id)
        actuals = store.load_actuals()
    assert runs["status"].tolist() == ["complete"] and runs["run_id"].tolist() == [summary.run_id]
    assert len(stored) == len(summary.forecast)
    assert actuals["ds"].max() < pd.Timestamp("2024-05-16", tz=TZ)  # nothing after the night
    assert set(summary.paths) == {"forecasts", "staffing", "backtest", "report", "summary"}
    info = json.loads(summary.paths["summary"].read_text())
    assert info["as_of"] == NIGHT and info["chosen"] == summary.chosen and info["n_series"] == 7
    written = pd.read_csv(summary.paths["forecasts"])
    assert len(written) == len(summary.forecast)
    np.testing.assert_allclose(written[summary.chosen], summary.forecast[summary.chosen])
    st = summary.staffing
    assert set(st["channel"]) == {"desk", "phone"}  # the web is not staffed
    assert (st["gross_agents"] >= st["agents"]).all() and st["gross_agents"].max() > 0


def test_staffing_follows_the_opening_hours(night):
    _, summary = night
    st = summary.staffing
    local = st["ds"].dt.tz_convert(TZ)
    assert (local.dt.minute % 30 == 0).all()  # the [staffing] interval
    assert set(local.dt.date.astype(str)) <= {
        str(d.date()) for d in pd.date_range("2024-05-16", "2024-05-29")
    }
    closed = (local.dt.day_of_week >= 5) | (
        local.dt.date.astype(str) == "2024-05-20"
    )  # Whit Monday
    assert (st.loc[closed.to_numpy(), "gross_agents"] == 0).all()
    phone = st[(st["channel"] == "phone").to_numpy() & ~closed.to_numpy()]
    hour = phone["ds"].dt.tz_convert(TZ).dt.hour
    assert (phone.loc[~hour.between(8, 16).to_numpy(), "gross_agents"] == 0).all()  # 08:00-17:00
    assert (phone.loc[hour.between(9, 15).to_numpy(), "gross_agents"] > 0).all()


def test_rerunning_a_night_replaces_its_run(demo, tmp_path):
    config = _moved(demo, tmp_path)
    first = run_forecast(config, as_of="2024-05-08", backtest=False)
    again = run_forecast(config, as_of="2024-05-08", backtest=False)
    assert first.leaderboard is None and "backtest" not in again.paths
    with ForecastStore(config.store.url) as store:
        runs = store.runs()
    assert runs["status"].tolist() == ["complete"]
    pd.testing.assert_frame_equal(first.forecast, again.forecast)


def test_a_bad_night_is_named(demo, tmp_path):
    config = _moved(demo, tmp_path)
    with pytest.raises(ConfigError, match="as_of = 'tomorrow': not a date"):
        run_forecast(config, as_of="tomorrow")
    with pytest.raises(InputFileError, match="no data up to that day"):
        run_backtest(config, as_of="2023-12-01")


def test_backtest_is_the_configured_backtest_of_the_known_data(demo, tmp_path):
    config = _moved(demo, tmp_path)
    done = run_backtest(config, as_of=NIGHT)
    assert done.as_of == pd.Timestamp(NIGHT).date() and done.failed == {}
    assert done.result.forecasts["ds"].max() < pd.Timestamp("2024-05-16", tz=TZ)
    # the same as calling demandcast.backtest with the config's settings
    df = load_data(demo)
    df = df[df["ds"] < pd.Timestamp("2024-05-16", tz=TZ)].reset_index(drop=True)
    X, roles = load_regressors(demo, "D", TZ)
    bt = demo.backtest
    models = {
        m: demandcast.get_forecaster(m, **demo.models.params.get(m, {})) for m in demo.models.use
    }
    res = demandcast.backtest(
        models, df, h=14, n_windows=bt.n_windows,
        step=bt.step, refit=bt.refit, X=X, roles=roles, level=(80, 95),
    )  # fmt: skip
    expected = res.leaderboard("wape")
    pd.testing.assert_frame_equal(done.leaderboard, expected)
    written = pd.read_csv(done.path)
    assert written["model"].tolist() == expected["model"].tolist()
    np.testing.assert_allclose(written["wape"], expected["wape"])
    assert not (tmp_path / "demandcast.db").exists()  # a backtest stores nothing


def test_backtest_leaves_out_a_failing_model(demo, tmp_path, monkeypatch):
    module = sys.modules["demandcast.backtest"]
    real = module.backtest

    def flaky(models, df, **kwargs):
        if "seasonal_naive" in models:
            raise ForecasterFitError("seasonal_naive", "noord/phone", "did not converge")
        return real(models, df, **kwargs)

    monkeypatch.setattr(module, "backtest", flaky)
    config = _moved(demo, tmp_path)
    done = run_backtest(config, as_of=NIGHT)
    assert done.failed == {"seasonal_naive": "did not converge"}
    assert done.leaderboard["model"].tolist() == ["historical_average"]

    def broken(models, df, **kwargs):
        raise ForecasterFitError(next(iter(models)), "noord/phone", "singular matrix")

    monkeypatch.setattr(module, "backtest", broken)
    with pytest.raises(NoModelLeftError) as err:
        run_backtest(config, as_of=NIGHT)
    assert err.value.failures == {m: "singular matrix" for m in config.models.use}


def test_jobs_wait_for_no_one_holding_the_lock(demo, tmp_path):
    from demandcast._lock import run_lock

    config = _moved(demo, tmp_path)
    with run_lock(config.output.folder):
        with pytest.raises(LockHeldError):
            run_backtest(config)
        with pytest.raises(LockHeldError):
            run_forecast(config)
    assert not (tmp_path / "demandcast.db").exists()


def test_report_of_a_stored_run(demo, night, tmp_path):
    config, summary = night
    path = run_report(config, summary.run_id)
    html = path.read_text(encoding="utf-8")
    assert path == config.output.folder / "report.html"
    assert f"demandcast forecast of {NIGHT}" in html and "<svg" in html
    assert run_report(config) == path  # the latest run by default
    with pytest.raises(ConfigError, match="--run-id 99: no such run"):
        run_report(config, 99)
    with pytest.raises(ConfigError, match="has no complete run yet"):
        run_report(_moved(demo, tmp_path))
