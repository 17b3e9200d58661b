"""The conformance suite every demandcast forecaster passes, as named checks.

Each contract point is one small function ``check_<name>(case)``; which apply depends
only on the forecaster's tags (:func:`expected_checks`, :func:`yield_checks`), so a
test notices a silently skipped one. :func:`check_forecaster` runs them all and
returns a :class:`CheckReport`; :func:`parametrize_with_checks` makes one pytest test
per forecaster and check. A failing check raises :class:`AssertionError` naming the
check and the model (a test utility, not user-input validation). Checks a class is
known to fail are declared in its ``_known_failures`` (check name -> reason):
reported and expected to fail, never skipped silently.
"""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache, partial
from typing import Any

import numpy as np
import pandas as pd

from demandcast._time import DAY, step
from demandcast.exceptions import InvalidFrameError, NotFittedError, UnsupportedRegressorError
from demandcast.forecast_frame import interval_columns
from demandcast.forecasters.base import BaseForecaster, clone, tags_of

__all__ = [
    "Case",
    "CheckReport",
    "check_forecaster",
    "example_data",
    "expected_checks",
    "parametrize_with_checks",
    "yield_checks",
]

LEVEL = (80, 95)


def _updates(tags: Mapping[str, bool]) -> bool:
    return tags["supports_update"]


#: Check -> tag condition under which it runs; the other checks always run.
CONDITIONS: dict[str, Callable[[Mapping[str, bool]], bool]] = {
    "nested_intervals": lambda t: t["intervals"],
    "unsupported_regressor": lambda t: not (t["future_regressors"] and t["past_regressors"]),
    "missing_future_regressor": lambda t: t["future_regressors"],
    "past_regressor_observed_only": lambda t: t["past_regressors"],
    "update_returns_self": _updates,
    "update_continues_series": _updates,
    "update_pickle_roundtrip": _updates,
    "update_refuses_old_rows": _updates,
    "update_refuses_unknown_series": _updates,
}


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
    known_failures : dict
        Check name -> reason, for the checks that failed as the class declares.
    """

    forecaster: str
    passed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    known_failures: dict[str, str] = field(default_factory=dict)

    @property
    def n_checks(self) -> int:
        """Number of checks that ran and passed."""
        return len(self.passed)


def expected_checks(tags: Mapping[str, bool] | BaseForecaster | type) -> list[str]:
    """Names of the checks that run for a model with ``tags`` (or for a forecaster).

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> len(expected_checks(SeasonalNaive.tags))
    18
    """
    t = tags if isinstance(tags, Mapping) else tags_of(tags)
    return [name for name in CHECKS if name not in CONDITIONS or CONDITIONS[name](t)]


def yield_checks(forecaster: BaseForecaster) -> Iterator[tuple[str, str | None]]:
    """``(check name, known-failure reason or None)`` of every check that applies.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> next(yield_checks(SeasonalNaive()))
    ('init_stores_params', None)
    """
    known = dict(getattr(type(forecaster), "_known_failures", {}))
    for name in expected_checks(forecaster):
        yield name, known.get(name)


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

    The phone channel of two locations from
    :func:`demandcast.datasets.simulate_municipality` at 0.3 of the default volume,
    closed intervals flagged by ``is_open``: 10 weeks of days or 3 weeks of intervals.

    Examples
    --------
    >>> df = example_data("D")
    >>> df["unique_id"].nunique()
    2
    """
    return _simulated_data(freq, seed).copy()


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


class Case:
    """One forecaster with the data its checks use and the fits they share.

    ``freq`` and ``data`` (``df``, ``X``, ``roles``, ``h``) are as for
    :func:`check_forecaster`. The reference forecast and the updated model are
    computed once, by the first check that needs them.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> case = Case(SeasonalNaive())
    >>> case.h, case.level, len(case.grid)
    (14, (80, 95), 28)
    """

    def __init__(self, forecaster: BaseForecaster, freq: str = "D", **data: Any) -> None:
        df, X, roles, h = (data.get(k) for k in ("df", "X", "roles", "h"))
        self.model, self.freq = forecaster, freq
        self.tags = tags_of(forecaster)
        self.df = example_data(freq) if df is None else df
        self.step = step(freq) or DAY
        self.h = h = h if h is not None else 14 if self.step >= DAY else int(DAY / self.step)
        self.level = LEVEL if self.tags["intervals"] else None
        self.grid = _future_grid(self.df, h)
        if X is None:
            X = _example_regressors(self.df, self.grid, 0)
            roles = {"mailing": "future", "social": "past"}
        self.X, self.roles = X, dict(roles or {})
        for role, need in (("future", "future_regressors"), ("past", "past_regressors")):
            if self.tags[need] and role not in self.roles.values():
                raise ValueError(f"roles={roles!r} names no {role} regressor for the {need} checks")
        self.future_col = next((c for c, r in self.roles.items() if r == "future"), None)
        self.past_col = next((c for c, r in self.roles.items() if r == "past"), None)
        keyed = "unique_id" in X
        self.X_hist = X.merge(self.df[["unique_id", "ds"]], on=["unique_id", "ds"]) if keyed else X
        self.X_future = (
            X.merge(self.grid, on=["unique_id", "ds"]) if keyed else self.grid.merge(X, on="ds")
        )

    def fresh(self) -> BaseForecaster:
        """An unfitted clone, seeded with ``random_state=0`` if it takes one unset."""
        new = clone(self.model)
        if "random_state" in new.get_params(deep=False) and new.random_state is None:
            new.set_params(random_state=0)
        return new

    def predict(self, f: BaseForecaster, **kw: Any) -> pd.DataFrame:
        """``f.predict`` over the case's horizon and levels."""
        return f.predict(self.h, level=self.level, **kw)

    @cached_property
    def reference(self) -> pd.DataFrame:
        """The forecast of a fresh model fitted on ``df``."""
        return self.predict(self.fresh().fit(self.df))

    @cached_property
    def updated(self) -> tuple[BaseForecaster, pd.DataFrame, Any]:
        """A model fitted without the last days, the rows it then got, ``update``'s result."""
        days = 7 if self.step >= DAY else 2
        cut = self.df["ds"].max().normalize() - pd.Timedelta(days=days)
        model = self.fresh().fit(self.df[self.df["ds"] <= cut])
        new = self.df[self.df["ds"] > cut]
        return model, new, model.update(new)


def _run_check(case: Case | Callable[[], Case], name: str) -> None:
    """Run check ``name`` on ``case`` (or on what it returns); a failure names model and check."""
    case = case if isinstance(case, Case) else case()
    try:
        CHECKS[name](case)
    except AssertionError as err:
        raise AssertionError(f"{type(case.model).__name__}: check {name!r} failed: {err}") from err


def _ensure(ok: Any, msg: str) -> None:
    if not ok:
        raise AssertionError(msg)


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


def _assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    try:
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    except AssertionError as err:
        raise AssertionError(f"outputs differ: {err}") from None


def _expect_error(exc: type, fn: Callable[[], Any], *words: str) -> None:
    try:
        fn()
    except exc as err:
        missing = [w for w in words if w not in str(err)]
        _ensure(not missing, f"the error message does not name {missing}: {str(err)!r}")
        return
    except Exception as err:
        raise AssertionError(f"expected {exc.__name__}, got {type(err).__name__}: {err}") from err
    raise AssertionError(f"expected {exc.__name__}, nothing was raised")


def _finite_non_negative(values: np.ndarray) -> bool:
    return bool(np.isfinite(values).all() and (values >= 0).all())


# ---------------------------------------------------------------------------
# the checks, in the order they run
# ---------------------------------------------------------------------------


def check_init_stores_params(case: Case) -> None:
    model = case.model
    params = model.get_params(deep=False)
    sig_params = inspect.signature(type(model).__init__).parameters
    sig = [p for p in sig_params if p != "self"]
    _ensure(sorted(params) == sorted(sig), f"get_params {sorted(params)} != {sig}")
    _ensure("alias" in params, "__init__ takes no 'alias' parameter")
    defaults = {
        n: p.default for n, p in sig_params.items() if n != "self" and p.default is not p.empty
    }
    if len(defaults) == len(params):  # __init__ must store defaults unchanged too
        plain = type(model)()
        changed = [n for n, d in defaults.items() if not _same_value(getattr(plain, n), d)]
        _ensure(not changed, f"__init__ changes default parameters {changed}")
    new = type(model)(**params)
    learned = [a for a in vars(new) if a.endswith("_") and not a.startswith("_")]
    _ensure(not learned, f"__init__ sets learned state {learned}")
    for name, value in params.items():
        _ensure(_same_value(getattr(new, name), value), f"{name!r} not stored unchanged")


def check_clone_and_params_roundtrip(case: Case) -> None:
    model = case.model
    twin = clone(model)
    _ensure(twin is not model and type(twin) is type(model), "clone returned the same object")
    a, b = model.get_params(), twin.get_params()
    same = sorted(a) == sorted(b) and all(_same_value(a[k], b[k]) for k in a)
    _ensure(same, f"params differ: {a} vs {b}")
    same_twin = twin.set_params(**twin.get_params(deep=False)) is twin
    _ensure(same_twin, "set_params did not return self")
    _ensure(repr(model.clone()) == repr(model), "f.clone() changes the repr")
    _expect_error(ValueError, lambda: clone(model).set_params(no_such_param=1), "no_such_param")


def check_predict_before_fit(case: Case) -> None:
    _expect_error(NotFittedError, lambda: clone(case.model).predict(case.h), "fit")


def check_fit_returns_self(case: Case) -> None:
    f = case.fresh()
    _ensure(f.fit(case.df) is f, "fit did not return self")


def check_output_schema(case: Case) -> None:
    fc, df = case.reference, case.df
    cols = ["unique_id", "ds", *interval_columns(case.fresh().alias_, case.level or ())]
    _ensure(list(fc.columns) == cols, f"columns {list(fc.columns)} != {cols}")
    for c in cols[2:]:
        _ensure(fc[c].dtype == np.float64, f"column {c!r} has dtype {fc[c].dtype}")
    tz_in = pd.to_datetime(df["ds"]).dt.tz
    tz_ok = fc["ds"].dt.tz is not None and (tz_in is None or str(fc["ds"].dt.tz) == str(tz_in))
    _ensure(tz_ok, f"ds time zone {fc['ds'].dt.tz} != {tz_in}")
    alias = list(case.fresh().set_params(alias="custom").fit(df).predict(case.h).columns)
    _ensure(alias == ["unique_id", "ds", "custom"], f"alias ignored: {alias}")


def check_row_count(case: Case) -> None:
    counts = case.reference.groupby("unique_id").size()
    expect = {str(u): case.h for u in pd.unique(case.df["unique_id"])}
    got = {str(k): int(v) for k, v in counts.items()}
    _ensure(got == expect, f"rows per series {counts.to_dict()} != {case.h} each")


def check_ds_continues_grid(case: Case) -> None:
    got, grid = case.reference, case.grid
    same = (got["unique_id"].to_numpy() == grid["unique_id"].to_numpy()).all()
    same = same and (pd.DatetimeIndex(got["ds"]) == pd.DatetimeIndex(grid["ds"])).all()
    _ensure(same, "ds is not the next h intervals per series")


def check_input_not_mutated(case: Case) -> None:
    df_copy, X_copy = case.df.copy(deep=True), case.X.copy(deep=True)
    case.predict(case.fresh().fit(case.df))
    _assert_same(case.df, df_copy)
    _assert_same(case.X, X_copy)


def check_fit_idempotent(case: Case) -> None:
    f = case.fresh()
    f.fit(case.df)
    f.fit(case.df)
    _assert_same(case.predict(f), case.reference)


def check_pickle_roundtrip(case: Case) -> None:
    g = pickle.loads(pickle.dumps(case.fresh().fit(case.df)))
    _assert_same(case.predict(g), case.reference)


def check_non_negative(case: Case) -> None:
    values = case.reference.iloc[:, 2:].to_numpy()
    _ensure(_finite_non_negative(values), "forecast has negative or non-finite values")


def check_zeros_where_closed(case: Case) -> None:
    grid = case.grid
    closed = np.zeros(len(grid), dtype=bool)
    closed[::3] = True
    f = case.fresh().fit(case.df)
    fc = case.predict(f, X_future=grid.assign(is_open=~closed))
    _ensure((fc.iloc[:, 2:].to_numpy()[closed] == 0).all(), "closed intervals are not zero")
    shared = grid[grid["unique_id"] == grid["unique_id"].iloc[0]][["ds"]]
    fc2 = case.predict(f, X_future=shared.assign(is_open=False))
    _ensure((fc2.iloc[:, 2:].to_numpy() == 0).all(), "a shared is_open=False is not applied")


def check_same_inputs_identical(case: Case) -> None:
    _assert_same(case.predict(case.fresh().fit(case.df)), case.reference)


def check_invalid_h(case: Case) -> None:
    f = case.fresh().fit(case.df)
    for bad in (0, -1, 2.5, True):
        _expect_error(ValueError, lambda b=bad: f.predict(b), "h")


def check_invalid_level(case: Case) -> None:
    f = case.fresh().fit(case.df)
    for bad in ((0,), (100,), (80, 120), ("80",)):
        _expect_error(ValueError, lambda b=bad: f.predict(case.h, level=b), "level")
    point = list(f.predict(case.h).columns)
    _ensure(point == ["unique_id", "ds", f.alias_], "level=None should give the point column only")


def check_missing_values(case: Case) -> None:
    gappy = case.df.copy()
    rows = np.flatnonzero(gappy["y"].to_numpy() > 0)[5:40:7]
    gappy.loc[gappy.index[rows], "y"] = np.nan
    values = case.predict(case.fresh().fit(gappy)).iloc[:, 2:].to_numpy()
    _ensure(_finite_non_negative(values), "NaN in y gave a non-finite forecast")


def check_nested_intervals(case: Case) -> None:
    alias = case.fresh().alias_
    chain = [f"{alias}-lo-95", f"{alias}-lo-80", alias, f"{alias}-hi-80", f"{alias}-hi-95"]
    nested = (np.diff(case.reference[chain].to_numpy(), axis=1) >= 0).all()
    _ensure(nested, "lo-95 <= lo-80 <= point <= hi-80 <= hi-95")


def check_unsupported_regressor(case: Case) -> None:
    for role, col in (("future", case.future_col), ("past", case.past_col)):
        if col is None or case.tags[f"{role}_regressors"]:
            continue
        X_one = case.X_hist[["unique_id", "ds", col]]
        fit = lambda c=col, r=role, x=X_one: case.fresh().fit(case.df, x, roles={c: r})  # noqa: E731
        _expect_error(UnsupportedRegressorError, fit, col, role)


def check_missing_future_regressor(case: Case) -> None:
    col, grid, h = case.future_col, case.grid, case.h
    f = case.fresh().fit(case.df, case.X_hist[["unique_id", "ds", col]], roles={col: "future"})
    X_future = case.X_future[["unique_id", "ds", col]]
    _ensure(len(case.predict(f, X_future=X_future)) == len(grid), "wrong row count with X_future")
    _expect_error(InvalidFrameError, lambda: f.predict(h), col)
    short = X_future.groupby("unique_id").head(h - 1)
    first_uncovered = str(grid.groupby("unique_id")["ds"].max().iloc[0].date())
    _expect_error(InvalidFrameError, lambda: f.predict(h, X_future=short), col, first_uncovered)
    nan = X_future.copy()
    nan.loc[nan.index[0], col] = np.nan
    _expect_error(InvalidFrameError, lambda: f.predict(h, X_future=nan), col)


def check_past_regressor_observed_only(case: Case) -> None:
    col = case.past_col
    f = case.fresh().fit(case.df, case.X_hist[["unique_id", "ds", col]], roles={col: "past"})
    _ensure(len(case.predict(f)) == len(case.grid), "wrong row count")
    bad = case.X_future[["unique_id", "ds", col]]
    _expect_error(InvalidFrameError, lambda: case.predict(f, X_future=bad), col, "past")


def check_update_returns_self(case: Case) -> None:
    model, _, result = case.updated
    _ensure(result is model, "update did not return self")
    last = {str(u): t for u, t in case.df.groupby("unique_id")["ds"].max().items()}
    _ensure(model.last_ds_ == last, f"last_ds_ {model.last_ds_} != {last}")


def check_update_continues_series(case: Case) -> None:
    model = case.updated[0]
    fc = case.predict(model)
    first = fc.groupby("unique_id")["ds"].min()
    starts = first.index.map(lambda u: model.last_ds_[u] + case.step)
    _ensure((first == starts).all(), "forecasts do not start one step after the update")
    _ensure(_finite_non_negative(fc[model.alias_].to_numpy()), "non-finite or negative forecast")


def check_update_pickle_roundtrip(case: Case) -> None:
    model = case.updated[0]
    _assert_same(case.predict(pickle.loads(pickle.dumps(model))), case.predict(model))


def check_update_refuses_old_rows(case: Case) -> None:
    model, new, _ = case.updated
    _expect_error(InvalidFrameError, lambda: model.update(new), "at or before")


def check_update_refuses_unknown_series(case: Case) -> None:
    model, new, _ = case.updated
    one = new[new["unique_id"] == new["unique_id"].iloc[0]].assign(unique_id="elsewhere/phone")
    _expect_error(InvalidFrameError, lambda: model.update(one), "not in fit")


#: Check name -> check function, in the order they run.
CHECKS: dict[str, Callable[[Case], None]] = {
    n.removeprefix("check_"): f for n, f in list(globals().items()) if n.startswith("check_")
}


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
        Regressors covering ``df`` and the next ``h`` intervals, and their roles;
        default one synthetic future (``mailing``) and one past (``social``).
    h : int, optional
        Horizon; default 14 for daily data, one day of intervals otherwise.

    Returns
    -------
    CheckReport
        ``passed`` and their number ``n_checks``, the declared ``known_failures``
        (check -> reason): together the forecaster's :func:`expected_checks`.

    Raises
    ------
    AssertionError
        On the first failing check, naming it and the model, or when a declared
        known failure passes.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> check_forecaster(SeasonalNaive()).n_checks
    18
    """
    case = Case(forecaster, freq, df=df, X=X, roles=roles, h=h)
    report = CheckReport(repr(forecaster))
    for name, reason in yield_checks(forecaster):
        try:
            _run_check(case, name)
        except AssertionError:
            if reason is None:
                raise
            report.known_failures[name] = reason
            continue
        if reason is not None:
            raise AssertionError(
                f"{type(forecaster).__name__}: check {name!r} is declared a known failure "
                f"({reason}) but passes: remove it from _known_failures"
            )
        report.passed.append(name)
    ran = expected_checks(case.tags)
    report.skipped = {n: "not applicable for this model's tags" for n in CHECKS if n not in ran}
    return report


def parametrize_with_checks(
    forecasters: Iterable[BaseForecaster], *, freqs: Iterable[str] = ("D",)
) -> Any:
    """A ``pytest.mark.parametrize("check", ...)`` with one test per forecaster and check.

    Each parameter is a callable without arguments, with a test id naming model,
    frequency and check (``"gbm-D-fit_returns_self"``); the checks of one forecaster
    and frequency share one lazily built :class:`Case`. A check in the class's
    ``_known_failures`` is marked ``xfail(strict=True, reason=...)``; a model tagged
    ``intraday=False`` gets one skipped parameter per intraday frequency.

    Examples
    --------
    >>> from demandcast.forecasters.naive import SeasonalNaive
    >>> mark = parametrize_with_checks([SeasonalNaive()])
    >>> mark.args[1][0].id
    'seasonal_naive-D-init_stores_params'
    """
    import pytest

    params = []
    for f in forecasters:
        for freq in freqs:
            if freq != "D" and not tags_of(f)["intraday"]:
                skip = pytest.mark.skip(reason=f"{f.name} is tagged intraday=False")
                params.append(pytest.param(None, id=f"{f.name}-{freq}", marks=skip))
                continue
            case = cache(partial(Case, f, freq))  # built by the first check that runs
            for name, reason in yield_checks(f):
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                call = partial(_run_check, case, name)
                params.append(pytest.param(call, id=f"{f.name}-{freq}-{name}", marks=marks))
    return pytest.mark.parametrize("check", params)
