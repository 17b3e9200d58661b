"""load_desk and load_web on simulated exports and small Dutch files."""

from __future__ import annotations

import pandas as pd
import pytest

from demandcast.exceptions import ConfigError, InputFileError
from demandcast.loaders import load_desk, load_web


@pytest.fixture(scope="module")
def sim():
    from demandcast.datasets import simulate_municipality

    return simulate_municipality(seed=2, start="2024-10-21", end="2024-11-03")


def test_desk_totals_by_product(sim):
    t = sim.desk_tickets
    df = load_desk(t, freq="30min", by="product", opening_hours=sim.opening_hours["desk"])
    assert df["y"].sum() == len(t)
    assert df["wait_seconds"].sum() == t["wait_seconds"].sum()
    assert df["service_seconds"].sum() == t["service_seconds"].sum()
    assert df["served"].sum() == (t["service_seconds"] > 0).sum()
    got = df.groupby(df["unique_id"].str.split("/").str[-1])["y"].sum()
    assert got.to_dict() == t["product"].value_counts().astype(float).to_dict()
    assert df["is_open"].all()


def test_web_hourly_and_daily_across_dst_end(sim):
    w = sim.web_visits
    hourly = load_web(w, freq="h")
    assert hourly["y"].sum() == w["visits"].sum()
    assert hourly["pageviews"].sum() == w["pageviews"].sum()
    day = hourly[hourly["ds"].dt.strftime("%Y-%m-%d") == "2024-10-27"]
    assert len(day) == 25  # DST ends: 25 hours
    daily = load_web(w, freq="D", measure="pageviews")
    assert daily["y"].sum() == w["pageviews"].sum()
    assert daily["visits"].sum() == w["visits"].sum()


def test_web_daily_export_cannot_be_hourly(tmp_path):
    path = tmp_path / "ga.csv"
    path.write_text(
        "Datum;Bezoeken;Paginaweergaven\n08-01-2024;1.200;3400\n09-01-2024;950;2800\n",
        encoding="utf-8-sig",
    )
    df = load_web(path, location="www")
    assert df["y"].tolist() == [1200.0, 950.0]
    with pytest.raises(InputFileError, match="finer than the export"):
        load_web(path, location="www", freq="h")
    with pytest.raises(ConfigError, match="measure="):
        load_web(path, measure="hits")


def test_desk_bad_freq_and_errors_argument():
    t = pd.DataFrame({"ticket_time": pd.to_datetime(["2024-01-08 09:00"]), "location": ["a"]})
    with pytest.raises(ConfigError, match="freq='7min'"):
        load_desk(t, freq="7min")
    with pytest.raises(ConfigError, match="errors="):
        load_desk(t, errors="ignore")
