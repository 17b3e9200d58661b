"""load_counts on the four shared aggregated CSVs: exact totals and row counts."""

from __future__ import annotations

import pandas as pd
import pytest

from demandcast.exceptions import ConfigError, InputFileError
from demandcast.loaders import load_counts


def test_bank_calls_slice_5min_to_30min(data_file):
    path = data_file("bank_calls_5min_2003-03-03_05.csv")
    raw = pd.read_csv(path)
    fine = load_counts(path, tz="America/New_York")
    assert len(fine) == len(raw) == 3 * 169
    assert fine["y"].sum() == raw["count"].sum()
    coarse = load_counts(path, tz="America/New_York", freq="30min")
    assert coarse["y"].notna().all()
    assert coarse["y"].sum() == raw["count"].sum()
    assert len(coarse) == 3 * 29  # 07:00 ... 21:00
    first = coarse.iloc[0]
    assert first["y"] == raw["count"].iloc[:6].sum()
    assert str(first["ds"]) == "2003-03-03 07:00:00-05:00"


def test_missing_fine_interval_makes_coarse_bucket_nan(data_file):
    raw = pd.read_csv(data_file("bank_calls_5min_2003-03-03_05.csv"))
    gap = raw.drop(index=[10])  # 2003-03-03 07:50
    out = load_counts(gap, tz="America/New_York", freq="30min")
    day1 = out[out["ds"].dt.day == 3]
    assert day1["y"].isna().sum() == 1
    assert day1.loc[day1["y"].isna(), "ds"].dt.strftime("%H:%M").tolist() == ["07:30"]
    lenient = load_counts(gap, tz="America/New_York", freq="30min", min_count=1)
    assert lenient["y"].sum() == gap["count"].sum()


def test_bank_calls_full(data_file):
    path = data_file("bank_calls_5min.csv")
    raw = pd.read_csv(path)
    df = load_counts(path, tz="America/New_York")
    assert len(df) == 27_716
    assert df["y"].sum() == raw["count"].sum()
    coarse = load_counts(path, tz="America/New_York", freq="30min")
    assert coarse["y"].sum() == raw["count"].sum()


def test_wikipedia_daily(data_file):
    path = data_file("wikipedia_pageviews_daily.csv")
    raw = pd.read_csv(path)
    df = load_counts(path, tz="UTC")
    assert len(df) == 2_905 and df["y"].sum() == raw["count"].sum()
    assert df["ds"].dt.hour.eq(0).all()
    assert df.loc[df["ds"].dt.strftime("%Y-%m-%d") == "2014-02-03", "y"].item() == 379_552


def test_nyc311_daily_hierarchy(data_file):
    path = data_file("nyc311_sandy_daily.csv")
    raw = pd.read_csv(path)
    df = load_counts(path, tz="America/New_York")
    assert len(df) == 42_792 and df["unique_id"].nunique() == 24
    total = df[df["unique_id"] == "nyc311_sandy_total"]["y"].sum()
    assert total == raw["count"].sum() / 2


def test_tweets_keep_retweet_sum(data_file):
    path = data_file("social_tweets_daily.csv")
    raw = pd.read_csv(path)
    df = load_counts(path, tz="UTC")
    assert len(df) == 3_165
    assert df["retweet_count_sum"].sum() == raw["retweet_count_sum"].sum()
    weekly = load_counts(path, tz="UTC", freq="W-MON", min_count=1)
    assert weekly["y"].sum() == raw["count"].sum()
    assert weekly["retweet_count_sum"].sum() == raw["retweet_count_sum"].sum()


def test_counts_errors(tmp_path):
    dup = pd.DataFrame(
        {"series_id": "a", "timestamp": ["2024-01-01", "2024-01-01"], "count": [1, 2]}
    )
    with pytest.raises(InputFileError, match="share a"):
        load_counts(dup)
    daily = pd.DataFrame(
        {"series_id": "a", "timestamp": ["2024-01-01", "2024-01-02"], "count": [1, 2]}
    )
    with pytest.raises(ConfigError, match=r"finer than the data"):
        load_counts(daily, freq="h")
    with pytest.raises(InputFileError, match=r"value_col='cnt'.*closest match: 'count'"):
        load_counts(daily, value_col="cnt")
