"""The benchmark scripts' own logic: the holiday regressor, the variants, the targets.

The benchmarks are plain scripts (``benchmarks/``), not part of the package; what they
decide (which model is best, whether a target is met) is tested here so a wrong
verdict cannot slip into ``benchmarks/README.md``. Their docstring examples run too.
"""

from __future__ import annotations

import doctest
import importlib
import sys
from pathlib import Path

import pandas as pd
import pytest

import demandcast

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def scripts():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield (importlib.import_module("_common"), importlib.import_module("accuracy_real"))
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.mark.parametrize("name", ["_common", "_peers", "accuracy_real", "speed_scale"])
def test_benchmark_docstring_examples_run(scripts, name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


def test_local_holidays_flag_labor_day_on_the_bank_calls_calendar_grid(scripts):
    common, _ = scripts
    df = demandcast.load_counts(
        DATA / "bank_calls_5min_2003-07-14_2003-09-19.csv", tz="America/New_York"
    )
    daily = df.groupby([df["unique_id"], df["ds"].dt.floor("D")])["y"].sum().reset_index()
    grid = demandcast.regularise(daily, freq="D")  # weekends and Labor Day as NaN rows

    X = common.local_holidays(grid, "US")

    assert len(X) == len(grid)
    assert (X["ds"].to_numpy() == grid["ds"].to_numpy()).all()
    flagged = pd.DatetimeIndex(X.loc[X["is_public_holiday"] == 1.0, "ds"]).date
    assert [str(d) for d in flagged] == ["2003-09-01"]  # absent from the call log itself
    assert set(X["is_public_holiday"]) == {0.0, 1.0}


def _result(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"dataset": "anonymous_bank", "model": m, "library": lib, "variant": v, "wape": w}
            for m, lib, v, w in rows
        ]
    )


# the Anonymous Bank figures of 2026-11-28 (benchmarks/README.md), shortened
ANON = _result(
    [
        ("seasonal_naive", "demandcast", "blind", 0.623),
        ("sarima", "demandcast", "blind", 0.360),
        ("gbm", "demandcast", "blind", 0.448),
        ("sarima_holidays", "demandcast", "local_holidays", 0.388),
        ("gbm_holidays", "demandcast", "local_holidays", 0.333),
        ("sf_mstl", "statsforecast", "blind", 0.350),
        ("sf_autoets", "statsforecast", "blind", 0.798),
    ]
)


def test_each_variant_fields_the_same_models_in_its_own_form(scripts):
    _, acc = scripts
    blind = acc.variant_models(ANON, "blind")
    local = acc.variant_models(ANON, "local_holidays")

    assert sorted(blind["model"]) == ["gbm", "sarima", "seasonal_naive"]
    # a model with a holiday run competes with it; the baseline without one as it is
    assert sorted(local["model"]) == ["gbm_holidays", "sarima_holidays", "seasonal_naive"]


def test_targets_judge_each_variant_against_the_better_of_autoets_and_mstl(scripts):
    _, acc = scripts
    blind = acc.targets(ANON, "anonymous_bank", "blind")
    local = acc.targets(ANON, "anonymous_bank", "local_holidays")

    assert blind["best_model"] == "sarima"
    assert blind["best_autoets_mstl_model"] == "sf_mstl"
    assert blind["target_no_worse_than_ets_mstl"] is False
    assert blind["gain_vs_seasonal_naive"] == pytest.approx(1 - 0.360 / 0.623)
    assert blind["target_gain_10pct"] is True

    assert local["best_model"] == "gbm_holidays"
    assert local["target_no_worse_than_ets_mstl"] is True
    assert local["seasonal_naive_wape"] == pytest.approx(0.623)


def test_a_run_without_holiday_models_has_no_local_targets(scripts):
    _, acc = scripts
    blind_only = ANON[ANON["variant"] == "blind"]

    assert "best_model" not in acc.targets(blind_only, "anonymous_bank", "local_holidays")
    assert acc.targets(blind_only, "anonymous_bank", "blind")["best_model"] == "sarima"


def test_a_run_of_some_data_sets_replaces_their_rows_and_keeps_the_others(
    scripts, tmp_path, monkeypatch
):
    common, _ = scripts
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    earlier = pd.DataFrame(
        {"dataset": ["wikipedia", "simulator"], "model": ["sarima", "gbm"], "wape": [0.59, 0.2]}
    )
    earlier.to_csv(tmp_path / "accuracy_real.csv", index=False)
    this_run = pd.DataFrame({"dataset": ["simulator"], "model": ["gbm"], "wape": [0.11]})

    out = common.replace_rows(this_run, "accuracy_real.csv", "dataset", ["simulator"])

    pairs = sorted(zip(out["dataset"], out["wape"], strict=True))
    assert pairs == [("simulator", 0.11), ("wikipedia", 0.59)]
    assert common.replace_rows(this_run, "absent.csv", "dataset", ["simulator"]) is this_run
    # a data set that gave no rows this time loses its stale ones, the others stay
    none = common.replace_rows(this_run.iloc[:0], "accuracy_real.csv", "dataset", ["simulator"])
    assert none["dataset"].tolist() == ["wikipedia"]


def test_simulator_scores_per_channel(scripts):
    _, acc = scripts
    cutoff = pd.Timestamp("2024-06-01", tz="Europe/Amsterdam")
    ds = pd.date_range("2024-06-02", periods=4, freq="D", tz="Europe/Amsterdam")
    rows = []
    for uid, y, fc in [("loc000/desk", 10.0, 12.0), ("loc000/web", 100.0, 100.0)]:
        for d in ds:
            rows.append(
                {"unique_id": uid, "ds": d, "cutoff": cutoff, "y": y, "gbm": fc}
                | {"gbm-lo-80": fc - 1.0, "gbm-hi-80": fc + 1.0}
            )
    table = pd.DataFrame(rows)

    wide = acc.by_channel(table, ["gbm"], None)

    row = wide.set_index("model").loc["gbm"]
    assert row["wape_desk"] == pytest.approx(0.2)
    assert row["wape_web"] == pytest.approx(0.0)
    assert row["coverage_80_desk"] == 0.0  # 10 outside [11, 13]
    assert row["coverage_80_web"] == 1.0


def test_side_by_side_ratios_against_the_best_peer_and_the_counterpart(scripts):
    common, acc = scripts
    result = pd.DataFrame(
        {
            "model": ["gbm", "gbm_holidays", "sarima", "mlf_hgb", "sf_mstl", "sf_autoets"],
            "library": ["demandcast"] * 3 + ["mlforecast", "statsforecast", "statsforecast"],
            "status": ["ok"] * 5 + ["error"],
            "wape": [0.30, 0.28, 0.40, 0.35, 0.32, None],
            "seconds": [2.0, 3.0, 1.0, 4.0, 1.0, None],
        }
    )

    out = acc.peer_ratios(result, common.PROTOCOLS["anonymous_bank"]).set_index("model")

    assert out.loc["gbm", "wape_vs_best_peer"] == pytest.approx(0.30 / 0.32)
    assert out.loc["sf_mstl", "wape_vs_best_peer"] == pytest.approx(1.0)
    assert out.loc["gbm", "seconds_vs_counterpart"] == pytest.approx(0.5)  # vs mlforecast
    assert out.loc["gbm_holidays", "seconds_vs_counterpart"] == pytest.approx(0.75)
    assert out[["seconds_vs_counterpart"]].loc[["sarima", "mlf_hgb"]].isna().all().all()


def test_seasonal_naive_counterpart_only_where_the_seasons_agree(scripts):
    common, acc = scripts
    assert acc.counterparts(common.PROTOCOLS["wikipedia"])["seasonal_naive_365"] == (
        "sf_seasonal_naive"
    )
    assert acc.counterparts(common.PROTOCOLS["bank_calls"])["seasonal_naive"] == (
        "sf_seasonal_naive"
    )
    # the simulator's peer naive looks back 365 days, demandcast's one week
    assert "sf_seasonal_naive" not in acc.counterparts(common.PROTOCOLS["simulator"]).values()
