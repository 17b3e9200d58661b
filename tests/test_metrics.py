"""Tests for demandcast.metrics: hand-computed values, exclusions, the Poisson floor,
and the Diebold-Mariano test against a step-by-step reference (on real data too)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from demandcast import metrics as M  # noqa: N812
from demandcast.exceptions import ConfigError, DemandcastError, InvalidFrameError

# --------------------------------------------------------------------------- point metrics

Y = np.array([10.0, 20.0, 30.0, 0.0])
F = np.array([12.0, 15.0, 33.0, 1.0])
# errors yhat - y: 2, -5, 3, 1 ; |e| = 2, 5, 3, 1 (sum 11) ; e^2 = 4, 25, 9, 1 (sum 39)


def test_point_metrics_match_hand_computation():
    assert M.mae(Y, F) == pytest.approx(11 / 4)
    assert M.rmse(Y, F) == pytest.approx(math.sqrt(39 / 4))
    assert M.wape(Y, F) == pytest.approx(11 / 60)
    assert M.bias(Y, F) == pytest.approx(1 / 4)
    assert M.relative_bias(Y, F) == pytest.approx(1 / 60)
    # 200*2/22, 200*5/35, 200*3/63, 200*1/1
    expected = np.mean([400 / 22, 1000 / 35, 600 / 63, 200.0])
    assert M.smape(Y, F) == pytest.approx(expected)


def test_accepts_series_lists_and_pandas_na():
    y = pd.Series([10.0, None, 30.0], dtype="Float64")
    f = [12, 99, 27]
    assert M.mae(y, f) == pytest.approx(2.5)
    assert M.wape(pd.Series([10, 20]), np.array([10, 22])) == pytest.approx(2 / 30)


def test_nan_and_closed_intervals_are_excluded():
    y = np.array([10.0, np.nan, 30.0, 500.0, 40.0])
    f = np.array([12.0, 18.0, np.nan, 0.0, 44.0])
    is_open = np.array([True, True, True, False, True])
    # only positions 0 and 4 count: |e| = 2, 4
    assert M.mae(y, f, mask=is_open) == pytest.approx(3.0)
    assert M.wape(y, f, mask=is_open) == pytest.approx(6 / 50)
    assert M.rmse(y, f, mask=is_open) == pytest.approx(math.sqrt(10))
    # a missing open flag counts as open, not closed
    flags = pd.Series([True, pd.NA, True, False, True], dtype="boolean")
    assert M.mae(y, f, mask=flags) == pytest.approx(3.0)


finite = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(finite, finite, st.booleans(), st.booleans()), min_size=1, max_size=40))
def test_exclusion_equals_dropping_rows(rows):
    y = np.array([r[0] for r in rows])
    f = np.array([r[1] for r in rows])
    missing = np.array([r[2] for r in rows])
    is_open = np.array([r[3] for r in rows])
    y_nan = np.where(missing, np.nan, y)
    keep = ~missing & is_open
    for fn in (M.mae, M.rmse, M.wape, M.smape, M.bias, M.relative_bias):
        got = fn(y_nan, f, mask=is_open)
        want = fn(y[keep], f[keep]) if keep.any() else float("nan")
        assert got == pytest.approx(want, nan_ok=True), fn.__name__


def test_zero_actual_edge_cases():
    assert math.isnan(M.wape([0, 0, 0], [1, 0, 2]))
    assert math.isnan(M.relative_bias([0, 0], [1, 1]))
    assert M.smape([0, 0], [0, 0]) == 0.0
    assert M.smape([0, 5], [0, 5]) == 0.0
    assert M.smape([0], [3]) == 200.0
    # nothing left after exclusion
    assert math.isnan(M.mae([1.0, 2.0], [np.nan, 1.0], mask=[True, False]))
    assert math.isnan(M.mae([], []))


def test_mase_and_rmsse_use_seasonal_naive_of_training_part():
    train = [10.0, 12.0, 11.0, 13.0, 17.0, 15.0]  # season 2 diffs: 1, 1, 6, 2
    y, f = [14.0, 16.0], [12.0, 17.0]  # |e| = 2, 1
    assert M.mase(y, f, train, season=2) == pytest.approx(1.5 / 2.5)
    assert M.rmsse(y, f, train, season=2) == pytest.approx(math.sqrt(2.5 / (42 / 4)))
    # season 1: diffs 2, 1, 2, 4, 2 -> mean 2.2
    assert M.mase(y, f, train, season=1) == pytest.approx(1.5 / 2.2)
    # a NaN or closed training value removes the pairs it is in (diffs 1 and 6 go)
    train_nan = [10.0, 12.0, np.nan, 13.0, 17.0, 15.0]
    assert M.mase(y, f, train_nan, season=2) == pytest.approx(1.5 / 1.5)
    closed = [True, True, False, True, True, True]
    assert M.mase(y, f, train, season=2, train_mask=closed) == pytest.approx(1.0)


def test_mase_is_nan_when_scale_is_zero_or_unknown():
    assert math.isnan(M.mase([1.0], [2.0], [5.0, 7.0, 5.0, 7.0], season=2))
    assert math.isnan(M.rmsse([1.0], [2.0], [5.0, 7.0, 5.0, 7.0], season=2))
    assert math.isnan(M.mase([1.0], [2.0], [5.0, 7.0], season=2))


# --------------------------------------------------------------------------- intervals


def test_interval_metrics_match_hand_computation():
    y = np.array([10.0, 20.0, 30.0, 40.0])
    lo = np.array([8.0, 21.0, 25.0, 30.0])
    hi = np.array([12.0, 25.0, 30.0, 39.0])
    assert M.coverage(y, lo, hi) == 0.5  # 10 in, 20 below, 30 on the edge (in), 40 above
    assert M.interval_width(lo, hi) == pytest.approx((4 + 4 + 5 + 9) / 4)
    # alpha = 0.2 -> penalty 10 per unit of miss: widths 4,4,5,9 + 10*1 + 10*1
    assert M.interval_score(y, lo, hi, level=80) == pytest.approx((22 + 20) / 4)
    # pinball at 0.9 of hi: y-hi = -2, -5, 0, 1 -> 0.1*2, 0.1*5, 0, 0.9*1
    assert M.pinball(y, hi, quantile=0.9) == pytest.approx((0.2 + 0.5 + 0 + 0.9) / 4)
    # pinball at 0.1 of lo: y-lo = 2, -1, 5, 10 -> 0.2, 0.9, 0.5, 1.0
    assert M.pinball(y, lo, quantile=0.1) == pytest.approx((0.2 + 0.9 + 0.5 + 1.0) / 4)
    assert M.coverage(y, lo, hi, mask=[True, True, True, False]) == pytest.approx(2 / 3)


def test_pinball_at_the_median_is_half_the_mae():
    rng = np.random.default_rng(3)
    y, f = rng.poisson(40, 500).astype(float), rng.normal(40, 5, 500)
    assert M.pinball(y, f, 0.5) == pytest.approx(M.mae(y, f) / 2)


# --------------------------------------------------------------------------- errors


def test_bad_input_raises_named_errors():
    with pytest.raises(InvalidFrameError, match="lengths differ"):
        M.mae([1, 2, 3], [1, 2])
    with pytest.raises(InvalidFrameError, match="yhat"):
        M.mae([1, 2], ["a", "b"])
    with pytest.raises(InvalidFrameError, match="mask"):
        M.mae([1, 2], [1, 2], mask=[True])
    with pytest.raises(ConfigError, match=r"quantile.*0\.9"):
        M.pinball([1], [1], quantile=90)
    with pytest.raises(ConfigError, match="level"):  # the one rule: 0 < level < 100
        M.interval_score([1], [0], [2], level=100)
    assert M.interval_score([1], [0], [2], level=0.8) == 2.0  # 0.8 % is a (narrow) level
    with pytest.raises(ConfigError, match="season"):
        M.mase([1], [1], [1, 2, 3], season=0)
    with pytest.raises(DemandcastError):
        M.poisson_floor_wape([10.0, -1.0])


# --------------------------------------------------------------------------- Poisson floor


@pytest.mark.parametrize(("lam", "floor"), [(25, 0.16), (100, 0.08), (250, 0.05)])
def test_poisson_floor_matches_domain_numbers(lam, floor):
    assert M.poisson_floor_wape(lam) == pytest.approx(math.sqrt(2 / (math.pi * lam)))
    assert M.poisson_floor_wape(lam) == pytest.approx(floor, abs=0.002)
    assert M.poisson_floor_wape(lam, exact=True) == pytest.approx(floor, abs=0.002)


def test_poisson_mean_absolute_deviation_is_exact():
    lams = np.array([0.3, 1.0, 2.5, 7.0, 25.0, 99.5, 400.0])
    k = np.arange(0, 2000)
    direct = [np.sum(np.abs(k - lam) * stats.poisson.pmf(k, lam)) for lam in lams]
    np.testing.assert_allclose(M.poisson_mean_absolute_deviation(lams), direct, rtol=1e-9)
    assert M.poisson_mean_absolute_deviation([0.0])[0] == 0.0
    # no overflow for very large counts
    assert M.poisson_mean_absolute_deviation([1e6])[0] == pytest.approx(
        math.sqrt(2e6 / math.pi), rel=1e-3
    )


def test_pooled_floor_matches_simulated_wape_of_true_mean():
    rng = np.random.default_rng(42)
    # a realistic intraday profile: quiet and busy half-hours, 60 days of 20 intervals
    lam = np.tile(np.concatenate([np.linspace(3, 60, 10), np.linspace(60, 5, 10)]), 60)
    draws = rng.poisson(lam, size=(20, lam.size)).astype(float)
    simulated = np.mean([M.wape(d, lam) for d in draws])
    floor = M.poisson_floor_wape(lam)
    assert simulated == pytest.approx(floor, rel=0.01)
    # quiet intervals do not drag the pooled floor up to the floor of the mean count
    # (Jensen: mean sqrt(lam) <= sqrt(mean lam)); the large-lambda approximation is
    # close but not equal at these counts
    assert floor < M.poisson_floor_wape(lam.mean())
    assert M.poisson_floor_wape(lam, exact=False) == pytest.approx(floor, rel=0.03)
    # NaN lambdas (closed intervals) are left out
    assert M.poisson_floor_wape(np.append(lam, np.nan)) == pytest.approx(floor)
    assert math.isnan(M.poisson_floor_wape([0.0, 0.0]))


# --------------------------------------------------------------------------- Diebold-Mariano


def dm_reference(e1, e2, h, power=2):
    """Step-by-step DM with the HLN correction, written out with plain loops."""
    d = [abs(a) ** power - abs(b) ** power for a, b in zip(e1, e2, strict=True)]
    n = len(d)
    dbar = sum(d) / n
    gammas = []
    for k in range(h):
        gammas.append(sum((d[t] - dbar) * (d[t - k] - dbar) for t in range(k, n)) / n)
    var = (gammas[0] + 2 * sum(gammas[1:])) / n
    dm = dbar / math.sqrt(var)
    hln = math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    stat = dm * hln
    return stat, 2 * stats.t.sf(abs(stat), df=n - 1)


def test_dm_hand_computed_reference_value():
    # absolute loss: d = |e1| - |e2| = [-1, 1, 2, 0, 3, 1], n = 6, mean 1
    e1 = [1.0, -2.0, 3.0, 1.0, -4.0, 2.0]
    e2 = [2.0, 1.0, -1.0, -1.0, 1.0, 1.0]
    # centred c = [-2, 0, 1, -1, 2, 0]; gamma0 = 10/6; gamma1 = (0+0-1-2+0)/6 = -3/6
    # h=1: V = (10/6)/6 = 10/36, DM = 1 / sqrt(10/36) = 6/sqrt(10) = 1.897367
    #      HLN factor sqrt((6+1-2)/6) = sqrt(5/6) -> 1.732051 = sqrt(3)
    r1 = M.diebold_mariano(e1, e2, h=1, loss="absolute")
    assert r1.statistic == pytest.approx(math.sqrt(3))
    assert r1.p_value == pytest.approx(2 * stats.t.sf(math.sqrt(3), df=5))
    assert r1.p_value == pytest.approx(0.143811, abs=1e-6)
    assert (r1.n, r1.h, r1.mean_loss_difference) == (6, 1, 1.0)
    # h=2: V = (10/6 - 1)/6 = 1/9, DM = 3; HLN sqrt((6+1-4+2/6)/6) = sqrt(5/9)
    r2 = M.diebold_mariano(e1, e2, h=2, loss="absolute")
    assert r2.statistic == pytest.approx(3 * math.sqrt(5 / 9))
    assert r2.statistic == pytest.approx(dm_reference(e1, e2, h=2, power=1)[0])
    assert r2.variance == "rectangular"
    # without the correction: the original DM against the normal
    r3 = M.diebold_mariano(e1, e2, h=1, loss="absolute", harvey_correction=False)
    assert r3.statistic == pytest.approx(6 / math.sqrt(10))
    assert r3.p_value == pytest.approx(2 * stats.norm.sf(6 / math.sqrt(10)))


def test_dm_matches_reference_on_real_call_counts(bank_30min):
    y = bank_30min["y"].to_numpy()
    season = 140
    e_naive = y[season:] - y[:-season]  # seasonal naive, one week back
    e_day = y[season:] - y[season - 28 : -28]  # same interval yesterday
    for h in (1, 3, 5):
        for power, loss in ((2, "squared"), (1, "absolute")):
            r = M.diebold_mariano(e_naive, e_day, h=h, loss=loss)
            stat, p = dm_reference(e_naive, e_day, h=h, power=power)
            assert r.statistic == pytest.approx(stat, rel=1e-9)
            assert r.p_value == pytest.approx(p, rel=1e-6, abs=1e-300)


def test_dm_alternatives_callable_loss_and_nan_pairs():
    rng = np.random.default_rng(7)
    e1, e2 = rng.normal(0, 1.0, 80), rng.normal(0, 1.2, 80)
    two = M.diebold_mariano(e1, e2)
    less = M.diebold_mariano(e1, e2, alternative="less")
    greater = M.diebold_mariano(e1, e2, alternative="greater")
    assert less.p_value + greater.p_value == pytest.approx(1.0)
    assert two.p_value == pytest.approx(2 * min(less.p_value, greater.p_value))
    custom = M.diebold_mariano(e1, e2, loss=lambda e: e**2)
    assert custom.statistic == pytest.approx(two.statistic)
    e1_nan = np.append(e1, [np.nan, 1.0])
    e2_nan = np.append(e2, [0.5, np.nan])
    assert M.diebold_mariano(e1_nan, e2_nan) == two
    masked = M.diebold_mariano(np.append(e1, 99.0), np.append(e2, 0.0), mask=[True] * 80 + [False])
    assert masked == two


def test_dm_detects_a_clearly_better_forecast():
    rng = np.random.default_rng(11)
    lam = np.tile(np.linspace(20, 80, 28), 10)
    y = rng.poisson(lam).astype(float)
    good, poor = lam, lam * 1.25
    r = M.diebold_mariano(y - good, y - poor, h=1)
    assert r.p_value < 0.01
    assert r.statistic < 0
    assert M.diebold_mariano(y - good, y - poor, alternative="less").p_value < 0.005
    assert M.diebold_mariano(y - good, y - poor, alternative="greater").p_value > 0.99


def test_dm_degenerate_cases():
    same = M.diebold_mariano([1.0, 2.0, 3.0], [-1.0, 2.0, -3.0])  # equal squared losses
    assert math.isnan(same.statistic) and same.p_value == 1.0 and same.variance == "zero"
    always = M.diebold_mariano([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], loss="absolute")
    assert always.statistic == -math.inf and always.p_value == 0.0
    with pytest.raises(InvalidFrameError, match="at least 2"):
        M.diebold_mariano([1.0, np.nan], [2.0, 1.0])
    with pytest.raises(InvalidFrameError, match="at least 5"):
        M.diebold_mariano([1.0, 2, 3, 4], [2.0, 1, 1, 1], h=4)
    with pytest.raises(ConfigError, match="loss"):
        M.diebold_mariano([1.0, 2], [2.0, 1], loss="cubic")
    with pytest.raises(ConfigError, match="alternative"):
        M.diebold_mariano([1.0, 2], [2.0, 1], alternative="two.sided")
    with pytest.raises(ConfigError, match="h"):
        M.diebold_mariano([1.0, 2], [2.0, 1], h=0)


def test_dm_falls_back_to_bartlett_when_variance_is_not_positive():
    # absolute-loss differential alternates +1, -1: lag-1 autocovariance ~ -gamma0
    e1 = np.tile([2.0, 0.0], 10)
    e1[0] = 2.5
    e2 = np.ones(20)
    with pytest.warns(RuntimeWarning, match="Bartlett"):
        r = M.diebold_mariano(e1, e2, h=2, loss="absolute")
    assert r.variance == "bartlett" and np.isfinite(r.statistic)


@pytest.mark.slow
def test_dm_p_values_are_uniform_under_the_null():
    rng = np.random.default_rng(2024)
    p = [
        M.diebold_mariano(rng.normal(size=60), rng.normal(size=60), h=1).p_value
        for _ in range(3000)
    ]
    assert stats.kstest(p, "uniform").pvalue > 0.001
    assert np.mean(np.array(p) < 0.05) == pytest.approx(0.05, abs=0.015)


# --------------------------------------------------------------------------- real data frames


def test_poisson_floor_of_bank_test_weeks_matches_benchmarks(bank_30min):
    # BENCHMARKS.md: count noise puts the floor at about 2.3 % for the 6 test weeks
    test_weeks = bank_30min["y"].to_numpy()[-6 * 140 :]
    assert M.poisson_floor_wape(test_weeks) == pytest.approx(0.023, abs=0.001)
