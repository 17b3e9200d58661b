"""Fuzz the long frame: validate_frame, every built-in model's fit/predict, and backtest.

Hypothesis generates frames with every dtype an export or a notebook produces (text,
objects, categories, epoch integers, bools), NaN/inf/negative/huge counts, duplicate and
dropped rows, naive, aware and mixed zones, and starts on the DST edges of 2026. The
promises checked:

* the only exceptions are ``DemandcastError`` subclasses (anything else fails the test);
* a frame ``validate_frame`` accepts meets the contract (sorted, unique, aware ``ds``,
  float ``y`` >= 0 or NaN, its zone kept or the one asked for);
* forecasts are non-negative, their intervals nested, on the series' grid (the
  ``future_index`` of each series' last ``ds``, in the frame's zone).

The default run has a few hundred examples in all (seconds); ``-m slow`` runs the same
properties with the ``slow`` profile (more than 10,000 examples in all).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demandcast as dc
from demandcast.exceptions import DemandcastError
from demandcast.forecasters import get_forecaster_class, list_forecasters
from demandcast.frame import future_index, infer_freq, validate_frame

ZONES = (None, "Europe/Amsterdam", "UTC", "Asia/Tokyo", "America/New_York")
STARTS = (
    "2026-03-28",
    "2026-03-29 01:00",
    "2026-03-29 02:30",
    "2026-10-24",
    "2026-10-25 01:30",
    "2026-10-25 02:30",
    "2025-12-31 22:00",
)
FREQS = ("D", "h", "30min", "15min", "W-MON")
COUNTS = st.one_of(
    st.integers(0, 500).map(float),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([np.nan, np.inf, -np.inf, -1.0, 0.0, 1e300, 5e-324, 2.0**63]),
)

# examples per property: default run, slow profile
DEFAULT = {"validate": 250, "cheap_model": 25, "costly_model": 2, "backtest": 15}
SLOW = {"validate": 10_000, "cheap_model": 600, "costly_model": 40, "backtest": 300}
CHEAP_MODELS = ("seasonal_naive", "historical_average")


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _property(kind: str, strategy: Any, check: Callable[..., None]) -> tuple[Any, Any]:
    """The same property as a default-run test and a ``slow`` one."""
    fast = _settings(DEFAULT[kind])(given(strategy)(check))
    slow = pytest.mark.slow(_settings(SLOW[kind])(given(strategy)(check)))
    return fast, slow


def _stamps(start: str, n: int, freq: str, zone: str | None) -> pd.DatetimeIndex:
    first = pd.Timestamp(start)
    if freq.startswith("W"):
        first = first.normalize() - pd.Timedelta(days=first.day_of_week)
    if zone is not None:
        first = first.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
    if freq == "D" or freq.startswith("W"):
        first = first.normalize()
    return pd.date_range(first, periods=n, freq=freq)


# --------------------------------------------------------------- raw frames


@st.composite
def raw_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A frame as a user might pass it, and keyword arguments for validate_frame."""
    freq = draw(st.sampled_from(FREQS))
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.sampled_from(STARTS))
    parts = []
    for k in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 12))
        ds = _stamps(start, n, freq, zone)
        values = COUNTS if draw(st.integers(0, 3)) == 0 else st.integers(0, 500).map(float)
        y = draw(st.lists(values, min_size=n, max_size=n))
        parts.append(pd.DataFrame({"unique_id": f"loc{k}/phone", "ds": ds, "y": y}))
    df = pd.concat(parts, ignore_index=True)

    form = draw(st.sampled_from(["datetime", "text", "objects", "mixed_zones", "dates"]))
    if form == "text":
        df["ds"] = df["ds"].astype(str)
    elif form == "objects":
        df["ds"] = pd.Series(list(df["ds"]), dtype=object)
    elif form == "mixed_zones" and zone is not None:
        other = df["ds"].dt.tz_convert("Asia/Tokyo")
        df["ds"] = pd.Series(
            [o if i % 2 else d for i, (d, o) in enumerate(zip(df["ds"], other, strict=True))],
            dtype=object,
        )
    elif form == "dates" and freq == "D":
        df["ds"] = pd.Series([t.date() for t in df["ds"]], dtype=object)

    ydtype = draw(st.sampled_from(["float", "int", "float", "int", "text", "objects", "bool"]))
    if ydtype == "int" and np.isfinite(df["y"]).all() and (df["y"].abs() < 2**62).all():
        df["y"] = df["y"].astype("int64")
    elif ydtype == "text":
        df["y"] = df["y"].map(lambda v: f"{v}".replace(".", ","))
    elif ydtype == "objects":
        df["y"] = pd.Series([v if i % 2 else str(v) for i, v in enumerate(df["y"])], dtype=object)
    elif ydtype == "bool":
        df["y"] = df["y"] > 1

    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        action = draw(st.sampled_from(["dup", "drop", "shuffle", "nat", "uid", "open", "index"]))
        if len(df) == 0:
            break
        at = draw(st.integers(0, len(df) - 1))
        if action == "dup":
            df = pd.concat([df, df.iloc[[at]]])
        elif action == "drop":
            df = df.drop(df.index[at])
        elif action == "shuffle":
            df = df.sample(frac=1.0, random_state=at)
        elif action == "nat":
            df["ds"] = df["ds"].astype(object)
            df.iloc[at, df.columns.get_loc("ds")] = draw(st.sampled_from(["NaT", "", None, "x"]))
        elif action == "uid":
            df["unique_id"] = df["unique_id"].astype(object)
            df.iloc[at, df.columns.get_loc("unique_id")] = draw(st.sampled_from([None, 7, ""]))
        elif action == "open":
            df["is_open"] = draw(
                st.lists(
                    st.sampled_from([True, False, 1, 0, "ja", "closed", None, 2]),
                    min_size=len(df),
                    max_size=len(df),
                )
            )
        elif action == "index":
            df.index = [f"r{i % 3}" for i in range(len(df))]

    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["tz"] = draw(st.sampled_from(["UTC", "Europe/Amsterdam", "Asia/Tokyo", "Mars/X"]))
    if draw(st.integers(0, 3)) == 0:
        kwargs["freq"] = draw(st.sampled_from([freq, freq, "D", "h", "MS", 3]))
    kwargs["nonexistent"] = draw(st.sampled_from(["raise", "shift_forward"]))
    kwargs["allow_missing"] = draw(st.booleans())
    return df, kwargs


def _check_validate(case: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    df, kwargs = case
    before = df.copy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = validate_frame(df, **kwargs)
    except DemandcastError:
        pd.testing.assert_frame_equal(df, before)  # never modified, even on refusal
        return
    pd.testing.assert_frame_equal(df, before)
    assert isinstance(out["ds"].dtype, pd.DatetimeTZDtype)
    assert out["y"].dtype == np.float64
    y = out["y"].to_numpy()
    assert ((y >= 0) | np.isnan(y)).all() and not np.isinf(y).any()
    if not kwargs["allow_missing"]:
        assert not np.isnan(y).any()
    keys = list(zip(out["unique_id"], out["ds"], strict=True))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert out.index.equals(pd.RangeIndex(len(out)))
    if out["unique_id"].value_counts().min() >= 2 and "freq" not in kwargs:
        assert infer_freq(out) == out.attrs["freq"]
    if "tz" in kwargs:
        assert str(out["ds"].dt.tz) == kwargs["tz"]
    elif isinstance(df["ds"].dtype, pd.DatetimeTZDtype):
        assert str(out["ds"].dt.tz) == str(df["ds"].dt.tz)  # an aware frame keeps its zone


test_validate_frame_fuzz, test_validate_frame_fuzz_slow = _property(
    "validate", raw_frames(), _check_validate
)


# ------------------------------------------------------------- model frames


@st.composite
def model_frames(draw: st.DrawFn, min_len: int = 10) -> pd.DataFrame:
    """A small valid-looking long frame: 1-2 series, daily or hourly, counts with NaN,
    zeros, constants and huge values, naive or aware, starting on a DST edge."""
    freq = draw(st.sampled_from(["D", "h"]))
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.sampled_from(STARTS[:1] + STARTS[3:5] + STARTS[6:]))
    counts = st.one_of(
        st.integers(0, 60).map(float),
        st.just(np.nan),
        st.just(0.0),
        st.floats(0, 1e9, allow_nan=False),
    )
    parts = []
    for k in range(draw(st.integers(1, 2))):
        n = draw(st.integers(min_len, 40))
        ds = _stamps(start, n, freq, zone)
        y = draw(st.lists(counts, min_size=n, max_size=n))
        parts.append(pd.DataFrame({"unique_id": f"loc{k}/phone", "ds": ds, "y": y}))
    df = pd.concat(parts, ignore_index=True)
    if draw(st.booleans()):
        df["is_open"] = df["ds"].dt.day_of_week < 6
        df.loc[~df["is_open"], "y"] = 0.0
    return df


def _check_forecast(fc: pd.DataFrame, frame: pd.DataFrame, alias: str, h: int) -> None:
    """Non-negative, nested, on the grid of each series of the validated ``frame``."""
    lo95, lo80 = fc[f"{alias}-lo-95"], fc[f"{alias}-lo-80"]
    hi80, hi95 = fc[f"{alias}-hi-80"], fc[f"{alias}-hi-95"]
    point = fc[alias]
    for col in (lo95, lo80, point, hi80, hi95):
        assert np.isfinite(col).all() and (col >= 0).all(), col.name
    tol = 1e-9 * (1 + hi95.abs())
    assert (lo95 <= lo80 + tol).all() and (lo80 <= point + tol).all()
    assert (point <= hi80 + tol).all() and (hi80 <= hi95 + tol).all()
    freq = frame.attrs["freq"]
    for uid, part in fc.groupby("unique_id"):
        last = frame.loc[frame["unique_id"] == uid, "ds"].max()
        expected = future_index(last, h, freq)
        got = pd.DatetimeIndex(part["ds"])
        assert str(got.tz) == str(frame["ds"].dt.tz)
        assert got.equals(pd.DatetimeIndex(expected, name=got.name)), (uid, got, expected)


def _fit_predict(name: str, df: pd.DataFrame, h: int) -> None:
    cls = get_forecaster_class(name)
    model = cls(**cls.get_test_params())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = validate_frame(df)
            fc = model.fit(df).predict(h, level=[80, 95])
    except DemandcastError:
        return
    alias = next(c for c in fc.columns if c not in ("unique_id", "ds") and "-" not in c)
    _check_forecast(fc, frame, alias, h)


def _model_property(name: str) -> tuple[Any, Any]:
    kind = "cheap_model" if name in CHEAP_MODELS else "costly_model"
    strategy = st.tuples(model_frames(), st.integers(1, 10))
    return _property(kind, strategy, lambda case: _fit_predict(name, *case))


_MODEL_TESTS = {name: _model_property(name) for name in list_forecasters()}


@pytest.mark.parametrize("name", sorted(_MODEL_TESTS))
def test_model_fit_predict_fuzz(name):
    _MODEL_TESTS[name][0]()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(_MODEL_TESTS))
def test_model_fit_predict_fuzz_slow(name):
    _MODEL_TESTS[name][1]()


# ----------------------------------------------------------------- backtest


def _check_backtest(case: tuple[pd.DataFrame, int, int]) -> None:
    df, h, n_windows = case
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = validate_frame(df)
            result = dc.backtest(list(CHEAP_MODELS), df, h=h, n_windows=n_windows, level=(80, 95))
    except DemandcastError:
        return
    fc = result.forecasts
    assert set(result.models) == set(CHEAP_MODELS)
    assert fc["step"].between(1, h).all()
    grid = set(zip(frame["unique_id"], frame["ds"], strict=True))
    assert set(zip(fc["unique_id"], fc["ds"], strict=True)) <= grid  # on the series' grid
    assert (fc["ds"] > fc["cutoff"]).all()
    for alias in result.models:
        values = fc[[alias, f"{alias}-lo-95", f"{alias}-lo-80", f"{alias}-hi-80"]]
        assert (values.fillna(0) >= 0).all().all()
        lo, hi = fc[f"{alias}-lo-80"], fc[f"{alias}-hi-80"]
        assert ((lo <= fc[alias] + 1e-9) & (fc[alias] <= hi + 1e-9) | fc[alias].isna()).all()


test_backtest_fuzz, test_backtest_fuzz_slow = _property(
    "backtest",
    st.tuples(model_frames(min_len=14), st.integers(1, 7), st.integers(1, 3)),
    _check_backtest,
)
