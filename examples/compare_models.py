"""Model comparison: backtest baselines against SARIMA and gradient boosting.

The data scientist's use: a rolling-origin backtest of several models on the daily
series of the simulated municipality (with the mailings calendar as a future
regressor for the models that can use it), the leaderboard with WAPE, MASE, bias and
interval coverage, and a Diebold-Mariano test of the winner against seasonal naive.

Run::

    python examples/compare_models.py           # four models, six windows
    python examples/compare_models.py --quick   # baselines only (CI smoke run)
"""

from __future__ import annotations

import argparse

import demandcast


def main(quick: bool = False):
    sim = demandcast.simulate_municipality(
        seed=2, start="2024-01-01", end="2024-06-30" if quick else "2024-12-31"
    )
    df = sim.frame(freq="D")[["unique_id", "ds", "y", "is_open"]]
    X = sim.regressors("D")[["ds", "mailing_letters"]]
    models = ["seasonal_naive", "historical_average"]
    if not quick:
        models += ["sarima", "gbm"]
    res = demandcast.backtest(
        models,
        df,
        h=14,
        n_windows=3 if quick else 6,
        step=7,
        X=X,
        roles={"mailing_letters": "future"},
        level=(80,),
    )
    board = res.leaderboard("wape")
    print(board[["rank", "model", "wape", "mase", "bias", "coverage_80"]].to_string(index=False))
    best = str(board["model"].iloc[0])
    if best != "seasonal_naive":
        test = res.compare(best, "seasonal_naive")
        print(f"\nDiebold-Mariano, {best} vs seasonal_naive:")
        print(test.tail(1).to_string(index=False))
    return board


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="baselines, fewer windows")
    main(parser.parse_args().quick)
