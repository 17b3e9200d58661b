"""Tests for demandcast.store: the forecast store on SQLite and (when available) PostgreSQL.

PostgreSQL tests run when ``DEMANDCAST_TEST_POSTGRES_URL`` is set (``.ci/postgres.sh``
starts a private server and prints it); each test gets a fresh PostgreSQL schema.
"""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demandcast.store as store_module
from demandcast.exceptions import DataWarning, InvalidFrameError, StoreError
from demandcast.store import SCHEMA_VERSION, ForecastStore

sa = pytest.importorskip("sqlalchemy")

POSTGRES_URL = os.environ.get("DEMANDCAST_TEST_POSTGRES_URL")
AMS = "Europe/Amsterdam"


def make_forecast(
    n_series=4,
    periods=14,
    freq="D",
    models=("naive", "sarima"),
    levels=(80, 95),
    tz="Europe/Amsterdam",
    start="2024-03-25",
    seed=0,
):
    """A forecast frame shaped like predict() output: sorted, nested intervals."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=periods, freq=freq, tz=tz)
    parts = []
    for i in range(n_series):
        part = {"unique_id": f"loc{i:02d}/phone", "ds": ds}
        for model in models:
            point = rng.gamma(4.0, 25.0, periods)
            part[model] = point
            for level in levels:
                half = point * (0.1 + level / 500)
                part[f"{model}-lo-{level}"] = np.maximum(point - half, 0.0)
                part[f"{model}-hi-{level}"] = point + half
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A fresh store location: a SQLite file, or a new schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url):
    with ForecastStore(store_url) as opened:
        yield opened


def _count(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(sql).scalar())
    finally:
        engine.dispose()


def _daily_counts(path, series: list[str], tz: str) -> pd.DataFrame:
    raw = pd.read_csv(path)
    raw = raw[raw["series_id"].isin(series)]
    return pd.DataFrame(
        {
            "unique_id": raw["series_id"].astype(str).to_numpy(),
            "ds": pd.to_datetime(raw["timestamp"]).dt.tz_localize(tz).to_numpy(),
            "y": raw["count"].astype("float64").to_numpy(),
        }
    ).sort_values(["unique_id", "ds"], ignore_index=True)


def _seasonal_naive(history: pd.DataFrame, h: int, season: int, level: int) -> pd.DataFrame:
    """Repeat the last season; interval from the spread of past seasonal differences."""
    out = []
    for uid, g in history.groupby("unique_id"):
        y = g["y"].to_numpy()
        last = y[-season:]
        point = np.resize(last, h)
        diffs = np.abs(y[season:] - y[:-season])
        half = np.quantile(diffs, level / 100)
        ds = pd.date_range(g["ds"].iloc[-1], periods=h + 1, freq="D")[1:]
        out.append(
            pd.DataFrame(
                {
                    "unique_id": uid,
                    "ds": ds,
                    "snaive": point,
                    f"snaive-lo-{level}": np.maximum(point - half, 0.0),
                    f"snaive-hi-{level}": point + half,
                }
            )
        )
    return pd.concat(out, ignore_index=True)


# -- round trip ----------------------------------------------------------------------


def test_round_trip_is_exact_across_dst(store):
    # intraday over the last Sunday of March (23-hour day) with a missing point value
    fc = make_forecast(n_series=3, periods=4 * 48, freq="30min", start="2024-03-30")
    fc.loc[5, "sarima"] = np.nan
    run_id = store.save_run(fc, as_of="2024-03-29", config_hash="abc123")
    back = store.load_forecast(run_id)
    pd.testing.assert_frame_equal(back, fc)
    assert str(back["ds"].dt.tz) == AMS
    assert back["ds"].iloc[0].utcoffset() == pd.Timedelta(hours=1)
    assert back["ds"].iloc[-1].utcoffset() == pd.Timedelta(hours=2)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_round_trip_keeps_zone_units_and_dtypes(store, tz):
    fc = make_forecast(n_series=2, periods=10, tz=tz, models=("gbm",), levels=(90,))
    fc["ds"] = fc["ds"].dt.as_unit("ns")
    fc["gbm"] = fc["gbm"].astype("float32")
    run_id = store.save_run(fc, as_of=pd.Timestamp("2024-03-24 22:00", tz=tz))
    pd.testing.assert_frame_equal(store.load_forecast(run_id), fc)


def test_load_by_as_of_latest_and_models(store):
    old = make_forecast(seed=1, start="2024-03-04")
    new = make_forecast(seed=2, start="2024-03-11")
    store.save_run(old, as_of="2024-03-03")
    store.save_run(new, as_of="2024-03-10")
    pd.testing.assert_frame_equal(store.load_forecast(), new)
    pd.testing.assert_frame_equal(store.load_forecast(as_of="2024-03-03"), old)
    only = store.load_forecast(as_of="2024-03-10", models=["sarima"])
    expected = new[["unique_id", "ds", "sarima", "sarima-lo-80", "sarima-hi-80"]]
    expected = expected.join(new[["sarima-lo-95", "sarima-hi-95"]])
    pd.testing.assert_frame_equal(only, expected)
    with pytest.raises(StoreError, match=r"no model.*'prophet'"):
        store.load_forecast(models=["prophet"])
    with pytest.raises(StoreError, match="no complete run for as_of"):
        store.load_forecast(as_of="2024-02-01")
    with pytest.raises(StoreError, match="no run with run_id=999"):
        store.load_forecast(999)


def test_unsorted_frame_comes_back_sorted_with_steps(store):
    fc = make_forecast(n_series=3, periods=5)
    shuffled = fc.sample(frac=1.0, random_state=3).reset_index(drop=True)
    run_id = store.save_run(shuffled, as_of="2024-03-24")
    pd.testing.assert_frame_equal(store.load_forecast(run_id), fc)
    actuals = fc[["unique_id", "ds"]].assign(y=10.0)
    store.save_actuals(actuals)
    steps = store.forecast_vs_actual().groupby(["model", "unique_id"])["step"].agg(list)
    assert all(s == [1, 2, 3, 4, 5] for s in steps)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=30
    ),
    minutes=st.sampled_from([5, 15, 60, 1440]),
)
def test_round_trip_property(values, minutes):
    n = len(values)
    fc = pd.DataFrame(
        {
            "unique_id": "centrum/desk",
            "ds": pd.date_range("2024-10-26", periods=n, freq=f"{minutes}min", tz=AMS),
            "m": np.array(values, dtype="float64"),
        }
    )
    with ForecastStore("sqlite://") as store:
        run_id = store.save_run(fc, as_of="2024-10-25")
        pd.testing.assert_frame_equal(store.load_forecast(run_id), fc)


# -- runs, reruns, failures ------------------------------------------------------------


def test_rerun_of_a_night_replaces_it(store):
    first = make_forecast(seed=1)
    second = make_forecast(seed=2)
    id1 = store.save_run(first, as_of="2024-03-24")
    id2 = store.save_run(second, as_of="2024-03-24")
    runs = store.runs()
    assert runs["run_id"].tolist() == [id2]
    pd.testing.assert_frame_equal(store.load_forecast(as_of="2024-03-24"), second)
    with pytest.raises(StoreError, match="no run with run_id"):
        store.load_forecast(id1)
    with pytest.raises(StoreError, match="replace=True"):
        store.save_run(first, as_of="2024-03-24", replace=False)
    # a labelled run of the same night lives beside it
    store.save_run(first, as_of="2024-03-24", label="experiment", replace=False)
    with pytest.raises(StoreError, match=r"several runs.*label"):
        store.load_forecast(as_of="2024-03-24")
    pd.testing.assert_frame_equal(
        store.load_forecast(as_of="2024-03-24", label="experiment"), first
    )
    assert _count(store.url, "SELECT COUNT(*) FROM forecasts") == 2 * len(first) * 2


def test_runs_table_and_latest_run(store):
    assert store.latest_run() is None
    assert store.runs().empty
    store.save_run(make_forecast(), as_of="2024-03-24", config_hash="h1")
    store.save_run(make_forecast(n_series=2), as_of="2024-03-17", label="backfill")
    failed = store.record_failure(as_of="2024-03-31", message="phone export missing")
    runs = store.runs()
    assert runs.columns.tolist() == list(store_module._RUN_COLUMNS)
    assert runs["status"].tolist() == ["complete", "complete", "failed"]
    assert runs["n_series"].tolist() == [4, 2, 0]
    assert runs["n_rows"].tolist() == [56, 28, 0]
    assert runs["models"].iloc[0] == ["naive", "sarima"]
    assert runs["config_hash"].iloc[0] == "h1"
    assert runs["versions"].iloc[0]["pandas"] == pd.__version__
    assert runs["as_of"].iloc[0] == pd.Timestamp("2024-03-24", tz=AMS)
    assert (runs["created_at"] > pd.Timestamp("2024-01-01", tz="UTC")).all()
    latest = store.latest_run()
    assert latest["as_of"] == pd.Timestamp("2024-03-24", tz=AMS)
    assert store.latest_run(label="backfill")["n_series"] == 2
    with pytest.raises(StoreError, match=r"status 'failed'.*phone export missing"):
        store.load_forecast(failed)
    # the night's successful rerun removes its failure record
    store.save_run(make_forecast(), as_of="2024-03-31")
    assert store.runs()["status"].tolist() == ["complete", "complete", "complete"]


def test_delete_run(store):
    keep = store.save_run(make_forecast(seed=1), as_of="2024-03-17")
    gone = store.save_run(make_forecast(seed=2), as_of="2024-03-24")
    store.delete_run(gone)
    assert store.runs()["run_id"].tolist() == [keep]
    assert _count(store.url, f"SELECT COUNT(*) FROM forecast_intervals WHERE run_id = {gone}") == 0
    with pytest.raises(StoreError, match="no run with run_id"):
        store.delete_run(gone)


# -- actuals and accuracy --------------------------------------------------------------


def test_actuals_upsert_newest_value_wins(store):
    ds = pd.date_range("2024-03-25", periods=3, freq="D", tz=AMS)
    store.save_actuals(pd.DataFrame({"unique_id": "noord/phone", "ds": ds, "y": [5.0, 6.0, 7.0]}))
    late = pd.DataFrame({"unique_id": "noord/phone", "ds": ds[1:], "y": [60.0, np.nan]})
    with pytest.warns(DataWarning, match="skipped 1 row"):
        assert store.save_actuals(late) == 1
    got = store.load_actuals()
    assert got["y"].tolist() == [5.0, 60.0, 7.0]
    pd.testing.assert_series_equal(got["ds"], pd.Series(ds, name="ds"))
    assert _count(store.url, "SELECT COUNT(*) FROM actuals") == 3
    with pytest.raises(InvalidFrameError, match="repeated"):
        store.save_actuals(pd.concat([late, late]))


def test_forecast_vs_actual_joins_on_the_instant(store):
    fc = make_forecast(n_series=1, periods=3, models=("naive",), levels=(80,))
    store.save_run(fc, as_of="2024-03-24")
    # actuals arrive in UTC: the same instants must match
    store.save_actuals(
        pd.DataFrame(
            {"unique_id": "loc00/phone", "ds": fc["ds"].dt.tz_convert("UTC"), "y": [1.0, 2.0, 3.0]}
        )
    )
    joined = store.forecast_vs_actual()
    assert joined.columns.tolist() == [
        "run_id",
        "as_of",
        "label",
        "model",
        "unique_id",
        "ds",
        "step",
        "y",
        "forecast",
        "lo-80",
        "hi-80",
    ]
    np.testing.assert_array_equal(joined["forecast"], fc["naive"])
    np.testing.assert_array_equal(joined["hi-80"], fc["naive-hi-80"])
    pd.testing.assert_series_equal(joined["ds"], fc["ds"])


def test_accuracy_on_real_311_calls(store, data_file):
    """Seasonal-naive nightly runs on NYC 311 calls, scored against the real actuals."""
    series = ["nyc311_sandy_total", "nyc311_sandy_hpd", "nyc311_sandy_nyc_311"]
    tz = "America/New_York"
    data = _daily_counts(data_file("nyc311_sandy_daily.csv"), series, tz)
    cutoffs = pd.to_datetime(["2013-01-06", "2013-01-13", "2013-01-20"]).tz_localize(tz)
    run_ids = []
    for cutoff in cutoffs:
        fc = _seasonal_naive(data[data["ds"] <= cutoff], h=14, season=7, level=80)
        run_ids.append(store.save_run(fc, as_of=cutoff, config_hash="snaive-7"))
    assert store.save_actuals(data) == len(data)

    result = store.accuracy(by=("run_id", "model", "step"))
    assert len(result) == 3 * 14
    assert result.columns.tolist()[:6] == ["run_id", "model", "step", "n", "mae", "rmse"]
    assert {"wape", "bias", "coverage_80", "width_80", "interval_score_80"} <= set(result.columns)
    # recompute independently for the second run at horizon 3
    fc = _seasonal_naive(data[data["ds"] <= cutoffs[1]], h=14, season=7, level=80)
    target = cutoffs[1] + pd.Timedelta(days=3)
    rows = fc[fc["ds"] == target].merge(data, on=["unique_id", "ds"])
    err = rows["snaive"] - rows["y"]
    got = result[(result["run_id"] == run_ids[1]) & (result["step"] == 3)].iloc[0]
    assert got["n"] == 3
    assert got["mae"] == pytest.approx(err.abs().mean())
    assert got["wape"] == pytest.approx(err.abs().sum() / rows["y"].sum())
    assert got["bias"] == pytest.approx(err.mean())
    inside = (rows["y"] >= rows["snaive-lo-80"]) & (rows["y"] <= rows["snaive-hi-80"])
    assert got["coverage_80"] == pytest.approx(inside.mean())

    by_run = store.accuracy(by=["run_id"], run_ids=run_ids[:2])
    assert by_run["run_id"].tolist() == run_ids[:2]
    assert (by_run["n"] == 3 * 14).all()
    per_series = store.accuracy(by=("unique_id",))
    total = per_series.set_index("unique_id").loc["nyc311_sandy_total"]
    assert total["n"] == 3 * 14
    assert total["wape"] > 0
    # MASE: MAE over the run's horizon / in-sample seasonal-naive MAE up to its as_of
    scaled = store.accuracy(by=("run_id", "unique_id"), season=7)
    got = scaled[(scaled["run_id"] == run_ids[0]) & (scaled["unique_id"] == "nyc311_sandy_total")]
    history = data[(data["unique_id"] == "nyc311_sandy_total") & (data["ds"] <= cutoffs[0])]
    y_hist = history["y"].to_numpy()
    scale = np.abs(y_hist[7:] - y_hist[:-7]).mean()
    fc = _seasonal_naive(data[data["ds"] <= cutoffs[0]], h=14, season=7, level=80)
    rows = fc.merge(data, on=["unique_id", "ds"])
    rows = rows[rows["unique_id"] == "nyc311_sandy_total"]
    mae = (rows["snaive"] - rows["y"]).abs().mean()
    assert got["mase"].iloc[0] == pytest.approx(mae / scale)
    assert store.accuracy(by=("run_id",))["mase"].isna().all()
    with pytest.raises(StoreError, match="group by one or more of"):
        store.accuracy(by=("horizon",))
    with pytest.raises(StoreError, match="not complete runs"):
        store.accuracy(run_ids=[12345])


@pytest.fixture(scope="module")
def simulated():
    """Three months of a simulated municipality (daily) and nightly seasonal-naive runs."""
    datasets = pytest.importorskip("demandcast.datasets")
    registry = pytest.importorskip("demandcast.forecasters.registry")
    sim = datasets.simulate_municipality(seed=3, start="2024-01-01", end="2024-03-31")
    daily = sim.frame(freq="D")
    nights = pd.to_datetime(["2024-03-03", "2024-03-10", "2024-03-17"]).tz_localize(AMS)
    runs = []
    for night in nights:
        history = daily.loc[daily["ds"] <= night, ["unique_id", "ds", "y"]]
        model = registry.get_forecaster("seasonal_naive").fit(history)
        runs.append((night, model.predict(14, level=(80,))))
    return daily, runs


def test_nightly_runs_on_a_simulated_municipality(store, simulated):
    daily, runs = simulated
    ids = [store.save_run(fc, as_of=night, config_hash="cfg-1") for night, fc in runs]
    # the CLI's --as-of rerun of the second night replaces it, nothing else
    rerun = store.save_run(runs[1][1], as_of=runs[1][0].strftime("%Y-%m-%d"))
    assert store.runs()["run_id"].tolist() == [ids[0], ids[2], rerun]
    pd.testing.assert_frame_equal(store.load_forecast(as_of="2024-03-10"), runs[1][1])
    # actuals straight from the long frame: side columns are ignored
    assert store.save_actuals(daily) == int(daily["y"].notna().sum())

    result = store.accuracy(by=("run_id", "model"))
    assert result["run_id"].tolist() == sorted([ids[0], ids[2], rerun])
    for night, fc in runs:
        run_id = store.runs().set_index("as_of").loc[night, "run_id"]
        both = fc.merge(daily[["unique_id", "ds", "y"]], on=["unique_id", "ds"]).dropna()
        err = both["seasonal_naive"] - both["y"]
        got = result.set_index("run_id").loc[run_id]
        assert got["n"] == len(both) > 0
        assert got["mae"] == pytest.approx(err.abs().mean())
        assert got["wape"] == pytest.approx(err.abs().sum() / both["y"].sum())
        assert 0 <= got["coverage_80"] <= 1
    per_step = store.accuracy(by=("step",))
    assert per_step["step"].tolist() == list(range(1, 15))


def test_accuracy_without_actuals_is_empty(store):
    store.save_run(make_forecast(), as_of="2024-03-24")
    result = store.accuracy()
    assert result.empty
    assert result.columns.tolist()[:5] == ["run_id", "model", "step", "n", "mae"]


def test_intraday_bank_calls_round_trip(store, data_file):
    raw = pd.read_csv(data_file("bank_calls_5min.csv"), nrows=169 * 10)
    ds = pd.to_datetime(raw["timestamp"]).dt.tz_localize("America/New_York")
    fc = pd.DataFrame({"unique_id": "na_bank_calls", "ds": ds, "naive": raw["count"] * 1.0})
    fc["naive-lo-95"] = (fc["naive"] - 1.96 * np.sqrt(fc["naive"])).clip(lower=0)
    fc["naive-hi-95"] = fc["naive"] + 1.96 * np.sqrt(fc["naive"])
    run_id = store.save_run(fc, as_of=ds.iloc[0] - pd.Timedelta(hours=8))
    pd.testing.assert_frame_equal(store.load_forecast(run_id), fc)
    actual = fc[["unique_id", "ds"]].assign(y=raw["count"].shift(169).to_numpy())
    with pytest.warns(DataWarning):
        store.save_actuals(actual)
    acc = store.accuracy(by=("model",)).iloc[0]
    assert acc["n"] == 169 * 9
    assert 0 < acc["wape"] < 1
    assert 0.3 < acc["coverage_95"] < 1


# -- transactions ------------------------------------------------------------------------


def test_exception_mid_write_rolls_back(store, monkeypatch):
    first = make_forecast(seed=1)
    first_id = store.save_run(first, as_of="2024-03-17")
    calls = []

    def fail_after_first_chunk(table, written):
        calls.append((table, written))
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_module, "_CHUNK_ROWS", 50)
    monkeypatch.setattr(store_module, "_on_chunk", fail_after_first_chunk)
    with pytest.raises(RuntimeError, match="disk full"):
        store.save_run(make_forecast(seed=2), as_of="2024-03-24")
    # a failing replacement must not remove the night it was replacing either
    with pytest.raises(RuntimeError, match="disk full"):
        store.save_run(make_forecast(seed=3), as_of="2024-03-17")
    assert calls == [("forecasts", 50), ("forecasts", 50)]
    assert store.runs()["run_id"].tolist() == [first_id]
    pd.testing.assert_frame_equal(store.load_forecast(first_id), first)
    assert _count(store.url, "SELECT COUNT(*) FROM forecasts") == len(first) * 2
    assert _count(store.url, "SELECT COUNT(*) FROM forecast_intervals") == len(first) * 4


KILLED_WRITER = (
    "import numpy as np\nimport pandas as pd\n\n"
    + inspect.getsource(make_forecast)
    + textwrap.dedent(
        """
        import sys, time
        import demandcast.store as store_module
        from demandcast.store import ForecastStore

        def pause(table, written):
            print(f"wrote {table} {written}", flush=True)
            time.sleep(60)

        store_module._CHUNK_ROWS = 200
        store_module._on_chunk = pause
        store = ForecastStore(sys.argv[1])
        store.save_run(make_forecast(n_series=10, periods=48, seed=7), as_of="2024-03-24")
        print("finished", flush=True)
        """
    )
)


def test_killed_run_leaves_earlier_runs_intact(store_url, tmp_path):
    earlier = make_forecast(seed=1)
    with ForecastStore(store_url) as store:
        earlier_id = store.save_run(earlier, as_of="2024-03-17")
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), store_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("wrote forecasts 200"), (line, proc.stderr.read())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with ForecastStore(store_url) as store:
        assert store.runs()["run_id"].tolist() == [earlier_id]
        pd.testing.assert_frame_equal(store.load_forecast(), earlier)
        orphans = "SELECT COUNT(*) FROM forecasts WHERE run_id <> " + str(earlier_id)
        assert _count(store_url, orphans) == 0
        # the store still takes new runs afterwards
        later = store.save_run(make_forecast(seed=2), as_of="2024-03-24")
        assert store.runs()["run_id"].tolist() == [earlier_id, later]


# -- schema ------------------------------------------------------------------------------


def test_schema_is_created_once_and_versioned(store_url):
    ForecastStore(store_url).close()
    ForecastStore(store_url).close()
    assert _count(store_url, "SELECT MAX(version) FROM schema_version") == SCHEMA_VERSION
    assert _count(store_url, "SELECT COUNT(*) FROM schema_version") == 1


def test_newer_schema_is_refused(store_url):
    ForecastStore(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)")
    engine.dispose()
    with pytest.raises(StoreError, match="schema version 99, newer"):
        ForecastStore(store_url)


def test_older_schema_is_migrated(store_url, monkeypatch):
    ForecastStore(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM schema_version")
        conn.exec_driver_sql("INSERT INTO schema_version (version, applied_at) VALUES (0, 0)")
    engine.dispose()
    with pytest.raises(StoreError, match="no migration to 1"):
        ForecastStore(store_url)
    applied = []
    monkeypatch.setitem(store_module._MIGRATIONS, 0, lambda conn: applied.append(conn))
    ForecastStore(store_url).close()
    assert len(applied) == 1
    assert _count(store_url, "SELECT MAX(version) FROM schema_version") == SCHEMA_VERSION


def test_foreign_tables_are_left_alone(store_url):
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE runs (id INTEGER)")
    engine.dispose()
    with pytest.raises(StoreError, match=r"already has table\(s\) \['runs'\]"):
        ForecastStore(store_url)


def test_bad_urls():
    with pytest.raises(StoreError, match="not a database URL"):
        ForecastStore("not a url")
    with pytest.raises(StoreError, match="could not create or check the schema"):
        ForecastStore("sqlite:////nonexistent-dir/x/store.db")


# -- input validation --------------------------------------------------------------------


def _bad_frames():
    good = make_forecast(n_series=2, periods=3)
    naive = good.assign(ds=good["ds"].dt.tz_localize(None))
    dup = pd.concat([good, good.iloc[:2]], ignore_index=True)
    return [
        ("naive ds", naive, "tz-aware"),
        ("no ds", good.drop(columns="ds"), r"lacks column\(s\) \['ds'\]"),
        ("duplicates", dup, "repeated .unique_id, ds."),
        ("no point", good.drop(columns="sarima"), "has no point column 'sarima'"),
        ("one-sided", good.drop(columns="naive-hi-95"), "naive at level 95"),
        ("text column", good.assign(note="x"), "'note' must be numeric"),
        ("actuals column", good.assign(y=1.0), "'y' is not a forecast column"),
        ("no model", good[["unique_id", "ds"]], "no model column"),
        ("empty", good.iloc[:0], "no rows"),
        ("bad step", good.assign(step=0), "'step' must hold integers >= 1"),
    ]


@pytest.mark.parametrize(("case", "frame", "message"), _bad_frames(), ids=lambda v: None)
def test_invalid_forecast_frames_are_refused(case, frame, message):
    with ForecastStore("sqlite://") as store:
        with pytest.raises(InvalidFrameError, match=message):
            store.save_run(frame, as_of="2024-03-24")
        assert store.runs().empty, case


def test_invalid_actuals_and_as_of():
    with ForecastStore("sqlite://") as store:
        with pytest.raises(InvalidFrameError, match=r"lack column\(s\) \['y'\]"):
            store.save_actuals(pd.DataFrame({"unique_id": ["a"], "ds": [pd.Timestamp.now(AMS)]}))
        with pytest.raises(StoreError, match="as_of='yesterday-ish' is not a date"):
            store.save_run(make_forecast(), as_of="yesterday-ish")


# -- size and import weight ----------------------------------------------------------------


def test_medium_intraday_run(store):
    """10 series x 2 weeks x 48 half hours, 2 models, 2 levels: 40,320 rows, 2+ chunks."""
    fc = make_forecast(n_series=10, periods=14 * 48, freq="30min")
    run_id = store.save_run(fc, as_of="2024-03-24")
    pd.testing.assert_frame_equal(store.load_forecast(run_id), fc)
    assert _count(store.url, "SELECT COUNT(*) FROM forecast_intervals") == len(fc) * 4


@pytest.mark.slow
def test_full_size_runs(store):
    """300 series x 28 days x 3 models x 2 levels, and 100 series x 4 weeks x 48 intervals."""
    daily = make_forecast(n_series=300, periods=28, models=("naive", "sarima", "gbm"))
    intraday = make_forecast(n_series=100, periods=28 * 48, freq="30min", models=("gbm",))
    for fc in (daily.sort_values(["unique_id", "ds"], ignore_index=True), intraday):
        run_id = store.save_run(fc, as_of="2024-03-24", label=str(len(fc)))
        pd.testing.assert_frame_equal(store.load_forecast(run_id), fc)


def test_importing_the_store_loads_no_sqlalchemy():
    code = (
        "import sys, demandcast, demandcast.store; "
        "print('sqlalchemy' in sys.modules, 'psycopg' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
