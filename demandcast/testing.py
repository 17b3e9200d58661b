"""The conformance suite every demandcast forecaster passes.

:func:`check_forecaster` runs the shared checks (parameters, cloning, fit/predict
contract, forecast-frame rules, regressor roles, reproducibility) on one forecaster
and returns a :class:`CheckReport`. A failing check raises :class:`AssertionError`
naming the check and the model: this is a test utility, not user-input validation.

Which checks run depends only on the forecaster's tags, so a test can assert the
exact number of checks (:func:`expected_checks`) and notice a silently skipped one.
"""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast.exceptions import (
    InvalidFrameError,
    NotFittedError,
    UnsupportedRegressorError,
)
from demandcast.forecast_frame import interval_columns
from demandcast.forecasters.base import BaseForecaster, clone

__all__ = ["CheckReport", "check_forecaster", "example_data", "expected_checks"]

#: Checks that run for every forecaster.
ALWAYS = (
    "init_stores_params",
    "clone_and_params_roundtrip",
    "predict_before_fit",
    "fit_returns_self",
    "output_schema",
    "row_count",
    "ds_continues_grid",
    "input_not_mutated",
    "fit_idempotent",
    "pickle_roundtrip",
    "non_negative",
    "zeros_where_closed",
    "same_inputs_identical",
    "invalid_h",
    "invalid_level",
    "missing_values",
)
#: Check -> tag condition (tag name, required value) under which it runs.
CONDITIONAL: dict[str, Callable[[Mapping[str, bool]], bool]] = {
    "nested_intervals": lambda t: t["intervals"],
    "unsupported_regressor": lambda t: not (t["future_regressors"] and t["past_regressors"]),
    "missing_future_regressor": lambda t: t["future_regressors"],
    "past_regressor_observed_only": lambda t: t["past_regressors"],
}

LEVEL = (80, 95)


@dataclass
class CheckReport:
    """What :func:`check_forecaster` ran.

    Attributes
    ----------
    forecaster : str
        ``repr`` of the forecaster checked.
    passed : list of str
        Names of the checks that ran and passed, in order.
    skipped : dict
        Check name -> reason it did not apply (a tag).
    """

    forecaster: str
    passed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def n_checks(self) -> int:
        """Number of checks that ran (and passed)."""
        return len(self.passed)


def expected_checks(tags: Mapping[str, bool]) -> list[str]:
    """Names of the checks :func:`check_forecaster` runs for a model with ``tags``.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> len(expected_checks(SeasonalNaive.tags))
    18
    """
    return [*ALWAYS, *(name for name, cond in CONDITIONAL.items() if cond(tags))]


# ---------------------------------------------------------------------------
# example data
# ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _builtin_data(freq: str, seed: int) -> pd.DataFrame:
    """Two small synthetic series with weekly (and intraday) rhythm and closures."""
    rng = np.random.default_rng(seed)
    tz = "Europe/Amsterdam"
    if freq == "D":
        ds = pd.date_range("2024-01-01", periods=70, freq="D", tz=tz)
        shape = (
            np.where(ds.day_of_week < 5, 1.0, 0.0)
            * np.array([1.3, 1.0, 1.0, 1.1, 0.8, 0, 0])[ds.day_of_week]
        )
        open_ = ds.day_of_week < 5
        base = {"centrum/phone": 120.0, "noord/desk": 40.0}
    else:
        step = _time.step(freq)
        ds = pd.date_range("2024-03-11", "2024-04-01", freq=freq, tz=tz, inclusive="left")
        tod = (ds.hour * 60 + ds.minute) / 60.0
        open_ = (ds.day_of_week < 5) & (tod >= 8) & (tod < 17)
        shape = np.exp(-0.5 * ((tod - 11) / 2.5) ** 2) * open_
        base = {"centrum/phone": 30.0 * step / pd.Timedelta("30min"), "noord/desk": 8.0}
    parts = []
    for uid, level in base.items():
        y = rng.poisson(level * shape).astype("float64")
        part = pd.DataFrame({"unique_id": uid, "ds": ds, "y": y, "is_open": open_})
        if freq != "D":  # intraday: closed intervals absent rather than flagged
            part = part[part["is_open"]].drop(columns="is_open")
        else:
            part.loc[~part["is_open"], "y"] = 0.0
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@lru_cache(maxsize=4)
def _simulated_data(freq: str, seed: int) -> pd.DataFrame:
    from demandcast.datasets import simulate_municipality

    end = "2024-03-10" if freq == "D" else "2024-03-24"
    start = "2024-01-01" if freq == "D" else "2024-03-04"
    sim = simulate_municipality(
        seed=seed, start=start, end=end, locations=("centrum", "noord"), freq=freq, scale=0.3
    )
    df = sim.frame("phone", freq=freq)
    keep = [c for c in ("unique_id", "ds", "y", "is_open") if c in df.columns]
    return df[keep].reset_index(drop=True)


def example_data(freq: str = "D", seed: int = 0) -> pd.DataFrame:
    """A small realistic long frame (2 series) for the conformance checks.

    Uses :func:`demandcast.datasets.simulate_municipality` (phone channel of two
    locations at 0.3 of the default volume, closed intervals flagged by ``is_open``;
    10 weeks of days or 3 weeks of intervals) when it and the loaders are available,
    else a built-in synthetic generator with the same shape.

    Examples
    --------
    >>> df = example_data("D")
    >>> df["unique_id"].nunique()
    2
    """
    try:
        return _simulated_data(freq, seed).copy()
    except (ImportError, AttributeError, NotImplementedError):
        return _builtin_data(freq, seed).copy()


def _future_grid(df: pd.DataFrame, h: int) -> pd.DataFrame:
    from demandcast.frame import future_index, validate_frame

    frame = validate_frame(df)
    freq = frame.attrs.get("freq")
    parts = [
        pd.DataFrame({"unique_id": uid, "ds": future_index(last, h, freq)})
        for uid, last in frame.groupby("unique_id")["ds"].max().items()
    ]
    out = pd.concat(parts, ignore_index=True)
    out["unique_id"] = out["unique_id"].astype(str)
    return out


def _example_regressors(df: pd.DataFrame, grid: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Per-series regressors over history and horizon: one future, one past."""
    keys = pd.concat([df[["unique_id", "ds"]], grid], ignore_index=True)
    keys["unique_id"] = keys["unique_id"].astype(str)
    rng = np.random.default_rng(seed)
    keys["mailing"] = (rng.random(len(keys)) < 0.05).astype("float64")
    keys["social"] = rng.poisson(5.0, len(keys)).astype("float64")
    return keys.reset_index(drop=True)


# ---------------------------------------------------------------------------
# the suite
# ---------------------------------------------------------------------------


def _fail(model: Any, check: str, msg: str) -> AssertionError:
    return AssertionError(f"{type(model).__name__}: check {check!r} failed: {msg}")


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, BaseForecaster) or isinstance(b, BaseForecaster):
        return type(a) is type(b) and repr(a) == repr(b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    try:
        eq = a == b
        return bool(np.all(eq)) if not isinstance(eq, bool) else eq
    except Exception:
        return repr(a) == repr(b)


def _fresh(forecaster: BaseForecaster) -> BaseForecaster:
    new = clone(forecaster)
    if "random_state" in new.get_params(deep=False) and new.random_state is None:
        new.set_params(random_state=0)
    return new


def _assert_same(model: Any, check: str, got: pd.DataFrame, want: pd.DataFrame) -> None:
    try:
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    except AssertionError as err:
        raise _fail(model, check, f"outputs differ: {err}") from None


def _expect_error(model: Any, check: str, exc: type, fn: Callable[[], Any], *words: str) -> None:
    try:
        fn()
    except exc as err:
        text = str(err)
        missing = [w for w in words if w not in text]
        if missing:
            msg = f"the error message does not name {missing}: {text!r}"
            raise _fail(model, check, msg) from err
        return
    except Exception as err:
        raise _fail(
            model, check, f"expected {exc.__name__}, got {type(err).__name__}: {err}"
        ) from err
    raise _fail(model, check, f"expected {exc.__name__}, nothing was raised")


def check_forecaster(
    forecaster: BaseForecaster,
    *,
    df: pd.DataFrame | None = None,
    freq: str = "D",
    X: pd.DataFrame | None = None,
    roles: Mapping[str, str] | None = None,
    h: int | None = None,
) -> CheckReport:
    """Run the conformance suite on ``forecaster``.

    Parameters
    ----------
    forecaster : BaseForecaster
        An unfitted forecaster; it is cloned, never fitted itself.
    df : DataFrame, optional
        Long frame to use; default :func:`example_data` at ``freq``.
    freq : str, default "D"
        Frequency of the default data (``"D"`` or an intraday alias).
    X, roles : optional
        Regressors covering ``df`` and the next ``h`` intervals, with their roles,
        for the regressor checks; default one synthetic future (``mailing``) and one
        past (``social``) regressor.
    h : int, optional
        Horizon; default 14 for daily data, one day of intervals otherwise.

    Returns
    -------
    CheckReport
        ``passed`` lists the checks run; ``n_checks`` their number, which equals
        ``len(expected_checks(forecaster.tags))``.

    Raises
    ------
    AssertionError
        On the first failing check, naming it and the model.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> check_forecaster(SeasonalNaive()).n_checks
    18
    """
    tags = forecaster.get_tags()
    model = forecaster
    if df is None:
        df = example_data(freq)
    if h is None:
        step = _time.step(freq) or _time.DAY
        h = 14 if step >= _time.DAY else int(_time.DAY / step)
    level = LEVEL if tags["intervals"] else None
    grid = _future_grid(df, h)
    if X is None:
        X = _example_regressors(df, grid, 0)
        roles = {"mailing": "future", "social": "past"}
    roles = dict(roles or {})
    for role, need in (("future", "future_regressors"), ("past", "past_regressors")):
        if tags[need] and role not in roles.values():
            raise ValueError(f"roles={roles!r} names no {role} regressor for the {need} checks")
    future_col = next((c for c, r in roles.items() if r == "future"), None)
    past_col = next((c for c, r in roles.items() if r == "past"), None)
    X_hist = X.merge(df[["unique_id", "ds"]], on=["unique_id", "ds"]) if "unique_id" in X else X
    X_future = X.merge(grid, on=["unique_id", "ds"]) if "unique_id" in X else grid.merge(X, on="ds")

    report = CheckReport(repr(forecaster))
    checks: dict[str, Callable[[], None]] = {}

    def check(fn: Callable[[], None]) -> Callable[[], None]:
        checks[fn.__name__] = fn
        return fn

    fitted: dict[str, pd.DataFrame] = {}

    def reference() -> pd.DataFrame:
        if "fc" not in fitted:
            fitted["fc"] = _fresh(model).fit(df).predict(h, level=level)
        return fitted["fc"]

    @check
    def init_stores_params() -> None:
        params = model.get_params(deep=False)
        sig = [p for p in inspect.signature(type(model).__init__).parameters if p != "self"]
        if sorted(params) != sorted(sig):
            raise _fail(model, "init_stores_params", f"get_params {sorted(params)} != {sig}")
        if "alias" not in params:
            raise _fail(model, "init_stores_params", "__init__ takes no 'alias' parameter")
        sig_params = inspect.signature(type(model).__init__).parameters
        defaults = {
            n: p.default for n, p in sig_params.items() if n != "self" and p.default is not p.empty
        }
        if len(defaults) == len(params):  # __init__ must store defaults unchanged too
            plain = type(model)()
            changed = [n for n, d in defaults.items() if not _same_value(getattr(plain, n), d)]
            if changed:
                raise _fail(
                    model, "init_stores_params", f"__init__ changes default parameters {changed}"
                )
        new = type(model)(**params)
        learned = [a for a in vars(new) if a.endswith("_") and not a.startswith("_")]
        if learned:
            raise _fail(model, "init_stores_params", f"__init__ sets learned state {learned}")
        for name, value in params.items():
            if not _same_value(getattr(new, name), value):
                raise _fail(model, "init_stores_params", f"{name!r} not stored unchanged")

    @check
    def clone_and_params_roundtrip() -> None:
        twin = clone(model)
        if twin is model or type(twin) is not type(model):
            raise _fail(model, "clone_and_params_roundtrip", "clone returned the same object")
        a, b = model.get_params(), twin.get_params()
        if sorted(a) != sorted(b) or not all(_same_value(a[k], b[k]) for k in a):
            raise _fail(model, "clone_and_params_roundtrip", f"params differ: {a} vs {b}")
        if twin.set_params(**twin.get_params(deep=False)) is not twin:
            raise _fail(model, "clone_and_params_roundtrip", "set_params did not return self")
        if repr(model.clone()) != repr(model):
            raise _fail(model, "clone_and_params_roundtrip", "f.clone() changes the repr")
        _expect_error(
            model,
            "clone_and_params_roundtrip",
            ValueError,
            lambda: clone(model).set_params(no_such_param=1),
            "no_such_param",
        )

    @check
    def predict_before_fit() -> None:
        _expect_error(
            model, "predict_before_fit", NotFittedError, lambda: clone(model).predict(h), "fit"
        )

    @check
    def fit_returns_self() -> None:
        f = _fresh(model)
        if f.fit(df) is not f:
            raise _fail(model, "fit_returns_self", "fit did not return self")

    @check
    def output_schema() -> None:
        fc = reference()
        f = _fresh(model)
        cols = ["unique_id", "ds", *interval_columns(f.alias_, level or ())]
        if list(fc.columns) != cols:
            raise _fail(model, "output_schema", f"columns {list(fc.columns)} != {cols}")
        for c in cols[2:]:
            if fc[c].dtype != np.float64:
                raise _fail(model, "output_schema", f"column {c!r} has dtype {fc[c].dtype}")
        tz_in = pd.to_datetime(df["ds"]).dt.tz
        if fc["ds"].dt.tz is None or (tz_in is not None and str(fc["ds"].dt.tz) != str(tz_in)):
            raise _fail(model, "output_schema", f"ds time zone {fc['ds'].dt.tz} != {tz_in}")
        alias = _fresh(model).set_params(alias="custom").fit(df).predict(h)
        if list(alias.columns) != ["unique_id", "ds", "custom"]:
            raise _fail(model, "output_schema", f"alias ignored: {list(alias.columns)}")

    @check
    def row_count() -> None:
        fc = reference()
        counts = fc.groupby("unique_id").size()
        expect = {str(u): h for u in pd.unique(df["unique_id"])}
        if {str(k): int(v) for k, v in counts.items()} != expect:
            raise _fail(model, "row_count", f"rows per series {counts.to_dict()} != {h} each")

    @check
    def ds_continues_grid() -> None:
        fc = reference()
        got = fc[["unique_id", "ds"]].reset_index(drop=True)
        if not (
            (got["unique_id"].to_numpy() == grid["unique_id"].to_numpy()).all()
            and (pd.DatetimeIndex(got["ds"]) == pd.DatetimeIndex(grid["ds"])).all()
        ):
            raise _fail(model, "ds_continues_grid", "ds is not the next h intervals per series")

    @check
    def input_not_mutated() -> None:
        df_copy, X_copy = df.copy(deep=True), X.copy(deep=True)
        f = _fresh(model).fit(df)
        f.predict(h, level=level)
        _assert_same(model, "input_not_mutated", df, df_copy)
        _assert_same(model, "input_not_mutated", X, X_copy)

    @check
    def fit_idempotent() -> None:
        f = _fresh(model)
        f.fit(df)
        f.fit(df)
        _assert_same(model, "fit_idempotent", f.predict(h, level=level), reference())

    @check
    def pickle_roundtrip() -> None:
        f = _fresh(model).fit(df)
        g = pickle.loads(pickle.dumps(f))
        _assert_same(model, "pickle_roundtrip", g.predict(h, level=level), reference())

    @check
    def non_negative() -> None:
        values = reference().iloc[:, 2:].to_numpy()
        if not np.isfinite(values).all() or (values < 0).any():
            raise _fail(model, "non_negative", "forecast has negative or non-finite values")

    @check
    def nested_intervals() -> None:
        fc = reference()
        alias = _fresh(model).alias_
        chain = [f"{alias}-lo-95", f"{alias}-lo-80", alias, f"{alias}-hi-80", f"{alias}-hi-95"]
        values = fc[chain].to_numpy()
        if (np.diff(values, axis=1) < 0).any():
            raise _fail(model, "nested_intervals", "lo-95 <= lo-80 <= point <= hi-80 <= hi-95")

    @check
    def zeros_where_closed() -> None:
        closed = np.zeros(len(grid), dtype=bool)
        closed[::3] = True
        Xf = grid.assign(is_open=~closed)
        f = _fresh(model).fit(df)
        fc = f.predict(h, X_future=Xf, level=level)
        if (fc.iloc[:, 2:].to_numpy()[closed] != 0).any():
            raise _fail(model, "zeros_where_closed", "closed intervals are not zero")
        shared = grid[grid["unique_id"] == grid["unique_id"].iloc[0]][["ds"]]
        fc2 = f.predict(h, X_future=shared.assign(is_open=False), level=level)
        if (fc2.iloc[:, 2:].to_numpy() != 0).any():
            raise _fail(model, "zeros_where_closed", "a shared is_open=False is not applied")

    @check
    def same_inputs_identical() -> None:
        a = _fresh(model).fit(df).predict(h, level=level)
        _assert_same(model, "same_inputs_identical", a, reference())

    @check
    def invalid_h() -> None:
        f = _fresh(model).fit(df)
        for bad in (0, -1, 2.5, True):
            _expect_error(model, "invalid_h", ValueError, lambda b=bad: f.predict(b), "h")

    @check
    def invalid_level() -> None:
        f = _fresh(model).fit(df)
        for bad in ((0,), (100,), (80, 120), ("80",)):
            _expect_error(
                model, "invalid_level", ValueError, lambda b=bad: f.predict(h, level=b), "level"
            )
        point = f.predict(h)
        if list(point.columns) != ["unique_id", "ds", f.alias_]:
            raise _fail(model, "invalid_level", "level=None should give the point column only")

    @check
    def missing_values() -> None:
        gappy = df.copy()
        rows = np.flatnonzero(gappy["y"].to_numpy() > 0)[5:40:7]
        gappy.loc[gappy.index[rows], "y"] = np.nan
        fc = _fresh(model).fit(gappy).predict(h, level=level)
        values = fc.iloc[:, 2:].to_numpy()
        if not np.isfinite(values).all() or (values < 0).any():
            raise _fail(model, "missing_values", "NaN in y gave a non-finite forecast")

    @check
    def unsupported_regressor() -> None:
        for role, col in (("future", future_col), ("past", past_col)):
            if col is None or tags[f"{role}_regressors"]:
                continue
            _expect_error(
                model,
                "unsupported_regressor",
                UnsupportedRegressorError,
                lambda c=col, r=role: _fresh(model).fit(
                    df, X_hist[["unique_id", "ds", c]], roles={c: r}
                ),
                col,
                role,
            )

    @check
    def missing_future_regressor() -> None:
        Xh = X_hist[["unique_id", "ds", future_col]]
        f = _fresh(model).fit(df, Xh, roles={future_col: "future"})
        ok = f.predict(h, X_future=X_future[["unique_id", "ds", future_col]], level=level)
        if len(ok) != len(grid):
            raise _fail(model, "missing_future_regressor", "wrong row count with X_future")
        check_name = "missing_future_regressor"
        _expect_error(model, check_name, InvalidFrameError, lambda: f.predict(h), future_col)
        short = X_future.groupby("unique_id").head(h - 1)[["unique_id", "ds", future_col]]
        first_uncovered = str(grid.groupby("unique_id")["ds"].max().iloc[0].date())
        _expect_error(
            model,
            check_name,
            InvalidFrameError,
            lambda: f.predict(h, X_future=short),
            future_col,
            first_uncovered,
        )
        nan = X_future[["unique_id", "ds", future_col]].copy()
        nan.loc[nan.index[0], future_col] = np.nan
        _expect_error(
            model, check_name, InvalidFrameError, lambda: f.predict(h, X_future=nan), future_col
        )

    @check
    def past_regressor_observed_only() -> None:
        Xh = X_hist[["unique_id", "ds", past_col]]
        f = _fresh(model).fit(df, Xh, roles={past_col: "past"})
        fc = f.predict(h, level=level)
        if len(fc) != len(grid):
            raise _fail(model, "past_regressor_observed_only", "wrong row count")
        bad = X_future[["unique_id", "ds", past_col]]
        _expect_error(
            model,
            "past_regressor_observed_only",
            InvalidFrameError,
            lambda: f.predict(h, X_future=bad, level=level),
            past_col,
            "past",
        )

    for name in expected_checks(tags):
        checks[name]()
        report.passed.append(name)
    for name in CONDITIONAL:
        if name not in report.passed:
            report.skipped[name] = "not applicable for this model's tags"
    return report
