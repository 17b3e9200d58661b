"""Issue 14 item 9: nothing in ``df`` is ignored silently by the model template.

A numeric column left in ``df`` is used as a regressor when ``roles`` names it, else
refused with an error that says how to declare or drop it; the loaders' side
measures pass through fit, backtest and the pipeline untouched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import demandcast as dc
from demandcast.backtest import backtest
from demandcast.exceptions import UnsupportedRegressorError
from demandcast.forecasters.base import SIDE_MEASURES
from demandcast.forecasters.registry import get_forecaster


def _daily(n: int = 84) -> pd.DataFrame:
    ds = pd.date_range("2024-01-01", periods=n, freq="D", tz="Europe/Amsterdam")
    rng = np.random.default_rng(3)
    temp = rng.normal(8.0, 4.0, n).round(1)
    weekly = np.tile([120, 110, 105, 100, 90, 20, 10], n // 7 + 1)[:n]
    y = weekly + 3.0 * temp + rng.poisson(5, n)
    return pd.DataFrame({"unique_id": "utrecht/phone", "ds": ds, "y": y, "temp": temp})


def _gbm():
    return get_forecaster("gbm", max_iter=10, n_jobs=1)


def test_undeclared_numeric_column_is_refused_with_how_to_declare_or_drop():
    df = _daily()
    with pytest.raises(UnsupportedRegressorError) as err:
        _gbm().fit(df)
    msg = str(err.value)
    assert "'temp'" in msg and "'gbm'" in msg
    assert "X=df[['unique_id', 'ds', 'temp']]" in msg and "roles={'temp': 'future'}" in msg
    assert "df.drop(columns=['temp'])" in msg


@pytest.mark.parametrize("name", ["seasonal_naive", "historical_average", "ensemble", "auto"])
def test_every_model_refuses_the_same_way(name):
    model = get_forecaster(name, **type(get_forecaster(name)).get_test_params())
    with pytest.raises(UnsupportedRegressorError, match="drop them from df"):
        model.fit(_daily())


def test_column_named_in_roles_is_used_as_a_regressor():
    df = _daily()
    model = _gbm().fit(df, roles={"temp": "future"})
    assert model.regressors_ == ["temp"] and model.roles_ == {"temp": "future"}
    # the same fit as with the column given in X
    ref = _gbm().fit(df[["unique_id", "ds", "y"]], X=df[["unique_id", "ds", "temp"]])
    fut = model.future_ds(7).assign(temp=5.0)
    pd.testing.assert_frame_equal(model.predict(7, X_future=fut), ref.predict(7, X_future=fut))


def test_column_in_roles_joins_a_shared_x():
    df = _daily()
    flags = df[["ds"]].assign(holiday=(df["ds"].dt.day_of_week == 0).astype(float))
    model = _gbm().fit(df, X=flags, roles={"temp": "future", "holiday": "future"})
    assert sorted(model.regressors_) == ["holiday", "temp"]


def test_backtest_refuses_an_undeclared_column_and_uses_a_declared_one():
    df = _daily()
    with pytest.raises(UnsupportedRegressorError, match="'temp'"):
        backtest(["seasonal_naive"], df, h=7, n_windows=2)
    res = backtest([_gbm()], df, h=7, n_windows=2, roles={"temp": "future"})
    assert len(res.forecasts) == 14


def _calls(days: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for d in pd.date_range("2024-01-08", periods=days, freq="D"):
        for _ in range(int(rng.integers(20, 40))):
            t = d + pd.Timedelta(minutes=int(rng.integers(8 * 60, 17 * 60)))
            answered = rng.random() < 0.8
            rows.append(
                {
                    "datum": t.strftime("%Y-%m-%d"),
                    "tijd": t.strftime("%H:%M"),
                    "uitkomst": "beantwoord" if answered else "opgehangen",
                    "gesprekstijd": str(int(rng.integers(30, 400))) if answered else "0",
                    "wachttijd": int(rng.integers(0, 300)),
                    "beller": f"06{int(rng.integers(0, 10**8)):08d}",
                }
            )
    return pd.DataFrame(rows)


def test_loader_side_measures_are_known_and_pass_through_fit_and_backtest():
    phone = dc.load_phone(_calls(), freq="D", location="utrecht")
    web = dc.load_web(
        pd.DataFrame(
            {
                "datum": pd.date_range("2024-01-08", periods=42, freq="D").strftime("%d-%m-%Y"),
                "bezoeken": np.arange(42) + 100,
                "paginaweergaven": np.arange(42) * 3 + 300,
            }
        ),
        location="www",
    )
    for frame in (phone, web):
        extra = [
            c
            for c in frame.columns
            if c not in ("unique_id", "ds", "y", "is_open")
            and pd.api.types.is_numeric_dtype(frame[c])
        ]
        assert extra and set(extra) <= SIDE_MEASURES
        model = get_forecaster("seasonal_naive").fit(frame)
        assert model.regressors_ == []
        res = backtest(["seasonal_naive"], frame, h=7, n_windows=2)
        assert len(res.forecasts) == 14
    assert {"answered", "abandoned", "handle_seconds", "wait_seconds"} <= set(phone.columns)


def test_unknown_future_column_message_names_no_empty_list():
    df = _daily()[["unique_id", "ds", "y"]]
    model = get_forecaster("seasonal_naive").fit(df)
    fut = model.future_ds(7).assign(temp=5.0)
    with pytest.raises(UnsupportedRegressorError) as err:
        model.predict(7, X_future=fut)
    msg = str(err.value)
    assert "fitted without regressors: drop them" in msg and "with :" not in msg
