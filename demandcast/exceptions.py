"""Every error demandcast raises on purpose.

The tree::

    DemandcastError                      root: ``except DemandcastError`` catches them all
    ├── InvalidFrameError (ValueError)   a frame breaks the long-frame contract
    ├── InputFileError (ValueError)      a source file cannot be read as asked
    ├── ConfigError (ValueError)         a configuration key or value is not allowed
    ├── UnknownForecasterError (LookupError)
    │                                    no forecaster by that name; lists the known ones
    ├── NotFittedError (ValueError, AttributeError)
    │                                    predict or a fitted attribute before ``fit``
    ├── UnsupportedRegressorError (ValueError)
    │                                    a model was given a regressor it cannot use
    ├── ForecasterFitError (RuntimeError) a model failed on a series; names both, chains cause
    │   └── NoModelLeftError             every configured model failed (CLI exit code 3)
    ├── BacktestError (ValueError)       backtest windows cannot be built from the data
    ├── StoreError (RuntimeError)        the forecast store cannot be read or written
    ├── LockHeldError (RuntimeError)     another run holds the lock
    └── MissingDependencyError (ImportError)
                                         an optional package is absent; says what to install

Warnings that report what a function did to the data (rows dropped, values
clipped) are :class:`DataWarning`, so callers can turn them into errors with
``warnings.simplefilter("error", DataWarning)``.
"""

from __future__ import annotations

__all__ = [
    "BacktestError",
    "ConfigError",
    "DataWarning",
    "DemandcastError",
    "ForecasterFitError",
    "InputFileError",
    "InvalidFrameError",
    "LockHeldError",
    "MissingDependencyError",
    "NoModelLeftError",
    "NotFittedError",
    "StoreError",
    "UnknownForecasterError",
    "UnsupportedRegressorError",
]


class DemandcastError(Exception):
    """Root of every error raised by demandcast on purpose."""


class InvalidFrameError(DemandcastError, ValueError):
    """A frame breaks the long-frame contract (column, rule, offending values, fix)."""


class InputFileError(DemandcastError, ValueError):
    """A source file or table cannot be read as asked (empty, wrong separator, bad column)."""


class ConfigError(DemandcastError, ValueError):
    """A configuration key or value is not allowed; the message names key, value and choices."""


class UnknownForecasterError(DemandcastError, LookupError):
    """No forecaster is registered under the requested name."""


class NotFittedError(DemandcastError, ValueError, AttributeError):
    """A forecaster was used before ``fit`` was called."""


class UnsupportedRegressorError(DemandcastError, ValueError):
    """A forecaster was given a regressor it cannot use; nothing is ignored silently."""


class ForecasterFitError(DemandcastError, RuntimeError):
    """A forecaster failed to fit a series.

    Parameters
    ----------
    model : str
        Name of the forecaster.
    unique_id : str or None
        The series that failed, when known.
    reason : str
        What went wrong.

    Examples
    --------
    >>> err = ForecasterFitError("sarima", "utrecht/phone", "singular matrix")
    >>> str(err)
    "model 'sarima' failed on series 'utrecht/phone': singular matrix"
    """

    def __init__(self, model: str, unique_id: str | None, reason: str) -> None:
        self.model = model
        self.unique_id = unique_id
        self.reason = reason
        where = f" on series {unique_id!r}" if unique_id is not None else ""
        super().__init__(f"model {model!r} failed{where}: {reason}")

    def __reduce__(self):  # keep pickling (joblib, dask) working with the custom __init__
        return (type(self), (self.model, self.unique_id, self.reason))


class NoModelLeftError(ForecasterFitError):
    """Every configured model failed: no forecast could be made (exit code 3).

    Examples
    --------
    >>> str(NoModelLeftError({"sarima": "singular matrix"}))
    "model 'sarima' failed: every model failed, no fallback left (sarima: singular matrix)"
    """

    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = dict(failures)
        detail = "; ".join(f"{m}: {r}" for m, r in failures.items())
        super().__init__(
            ", ".join(failures), None, f"every model failed, no fallback left ({detail})"
        )

    def __reduce__(self):
        return (type(self), (self.failures,))


class BacktestError(DemandcastError, ValueError):
    """Backtest windows cannot be built from the data as asked."""


class StoreError(DemandcastError, RuntimeError):
    """The forecast store cannot be read or written."""


class LockHeldError(DemandcastError, RuntimeError):
    """Another demandcast run holds the lock."""


class MissingDependencyError(DemandcastError, ImportError):
    """An optional dependency is not installed.

    Examples
    --------
    >>> str(MissingDependencyError("dask", extra="dask"))
    "the optional package 'dask' is not installed: pip install 'demandcast[dask]'"
    """

    def __init__(self, package: str, extra: str | None = None) -> None:
        self.package = package
        self.extra = extra
        hint = f"pip install 'demandcast[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"the optional package {package!r} is not installed: {hint}")

    def __reduce__(self):
        return (type(self), (self.package, self.extra))


class DataWarning(UserWarning):
    """A function changed or dropped data and says so (counts and examples)."""
