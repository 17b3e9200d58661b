"""The ``demandcast`` command: demo, forecast, backtest, report, validate, models.

Cron-safe: exit codes tell what happened, errors are one line on stderr (the
traceback only with ``--debug``), logs go to stderr, output files are written
atomically and a lock keeps two runs from overlapping.

Exit codes::

    0  ok
    1  unexpected internal error (rerun with --debug and report it)
    2  bad config or input data (the message names the key or file and the fix)
    3  no model left: every configured model failed
    4  another run holds the lock

Only ``argparse`` and the standard library are imported at start-up, so
``demandcast --help`` is fast; pandas and the model libraries load when a
subcommand needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_LOCKED", "EXIT_MODEL", "EXIT_OK", "main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_MODEL = 3
EXIT_LOCKED = 4

logger = logging.getLogger("demandcast")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("demandcast")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="more log output on stderr (-vv for debug messages)",
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only errors"
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    return common


def _day(text: str) -> str:
    """``--as-of``: exactly YYYY-MM-DD (``01-03-2024`` is refused, not guessed)."""
    from demandcast.config import parse_day
    from demandcast.exceptions import ConfigError

    try:
        return parse_day(text).isoformat()
    except ConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-c",
        "--config",
        required=True,
        metavar="FILE",
        help="the demandcast.toml config file (see examples/demandcast.toml)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``demandcast`` command.

    Examples
    --------
    >>> args = build_parser().parse_args(["forecast", "--config", "d.toml", "--as-of",
    ...                                   "2025-03-01"])
    >>> args.command, args.config, args.as_of
    ('forecast', 'd.toml', '2025-03-01')
    """
    common = _common()
    parser = argparse.ArgumentParser(
        prog="demandcast",
        description="Forecast desk, phone and web demand of a municipality and staff to it.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 bad config or input, "
        "3 no model left: every configured model failed, 4 another run holds the lock.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"demandcast {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="the whole chain on a simulated municipality, in a fresh folder",
        description="Simulate a municipality, write its raw exports and a config into FOLDER, "
        "then run the nightly forecast on it: load, backtest, forecast, store, staffing, report.",
    )
    p.add_argument(
        "--folder", default="demandcast-demo", help="where to write (default: %(default)s)"
    )
    p.add_argument("--quick", action="store_true", help="less data and the baseline models only")
    p.add_argument("--seed", type=int, default=0, help="simulation seed (default: %(default)s)")

    p = sub.add_parser(
        "forecast",
        parents=[common],
        help="the nightly run: load, backtest, forecast, store, staffing, report",
    )
    _config_arg(p)
    p.add_argument(
        "--as-of",
        metavar="DATE",
        type=_day,
        help="rerun a past night (YYYY-MM-DD): only data up to that day, replaces that run",
    )
    p.add_argument("--no-backtest", action="store_true", help="skip the backtest")

    p = sub.add_parser("backtest", parents=[common], help="backtest the configured models")
    _config_arg(p)
    p.add_argument(
        "--as-of", metavar="DATE", type=_day, help="only data up to this day (YYYY-MM-DD)"
    )

    p = sub.add_parser("report", parents=[common], help="write the HTML report of a stored run")
    _config_arg(p)
    p.add_argument("--run-id", type=int, help="the run (default: the latest complete run)")

    p = sub.add_parser(
        "validate", parents=[common], help="check the config and the data files; changes nothing"
    )
    _config_arg(p)

    sub.add_parser("models", parents=[common], help="list the forecasters and their tags")
    return parser


@contextlib.contextmanager
def _cli_logging(verbose: int, quiet: bool) -> Iterator[None]:
    """Log to stderr for one command, then give the caller its logging setup back.

    ``main`` is also called in-process (tests, notebooks, cron wrappers): the handlers,
    levels, warning capture and warning format it changes are restored on exit.
    """
    import warnings

    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("demandcast: %(levelname)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ("demandcast", "py.warnings")]
    saved = [(log.handlers[:], log.level, log.propagate) for log in loggers]
    saved_format = warnings.formatwarning
    for log in loggers:
        log.handlers[:] = [handler]
        log.setLevel(level)
        log.propagate = False
    logging.captureWarnings(True)
    # one short line per warning instead of the source line under it
    warnings.formatwarning = lambda msg, cat, *a, **k: f"{cat.__name__}: {msg}"
    try:
        yield
    finally:
        logging.captureWarnings(False)
        warnings.formatwarning = saved_format
        for log, (handlers, lvl, propagate) in zip(loggers, saved, strict=True):
            log.handlers[:] = handlers
            log.setLevel(lvl)
            log.propagate = propagate


def _exit_code(err: BaseException) -> int:
    from demandcast.exceptions import DemandcastError, ForecasterFitError, LockHeldError

    if isinstance(err, LockHeldError):
        return EXIT_LOCKED
    if isinstance(err, ForecasterFitError):
        return EXIT_MODEL
    if isinstance(err, DemandcastError):
        return EXIT_BAD_INPUT
    return EXIT_INTERNAL


def _error_line(err: BaseException, code: int) -> str:
    text = str(err).strip() or type(err).__name__
    if code == EXIT_INTERNAL:
        lines = text.splitlines() or [""]
        return (
            f"demandcast: internal error: {type(err).__name__}: {lines[0]} "
            "(rerun with --debug for the traceback and report it)"
        )
    if "\n" in text and not text.startswith(("config", "2 ", "3 ")):
        text = "; ".join(line.strip() for line in text.splitlines() if line.strip())
    return f"demandcast: error: {text}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Examples
    --------
    >>> main(["validate", "--config", "no-such-file.toml"])  # the error goes to stderr
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    verbose = getattr(args, "verbose", 0) + (2 if debug else 0)
    try:
        with _cli_logging(verbose, getattr(args, "quiet", False)):
            return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("demandcast: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        code = _exit_code(err)
        if debug:
            import traceback

            traceback.print_exc(file=sys.stderr)
        print(_error_line(err, code), file=sys.stderr)
        return code


# ---------------------------------------------------------------------------- commands


def _progress() -> bool:
    return sys.stderr.isatty()


def _cmd_forecast(args: argparse.Namespace) -> int:
    from demandcast.config import load_config
    from demandcast.pipeline import run_forecast

    backtest = False if args.no_backtest else None
    config = load_config(args.config)
    _print_summary(run_forecast(config, args.as_of, _progress(), backtest=backtest))
    return EXIT_OK


def _cmd_backtest(args: argparse.Namespace) -> int:
    from demandcast.config import load_config
    from demandcast.pipeline import run_backtest

    done = run_backtest(load_config(args.config), args.as_of, _progress())
    for name, reason in done.failed.items():
        print(f"model {name} failed: {reason}")
    _print_table(done.leaderboard, ["rank", "model", "wape", "mase", "bias", "vs_seasonal_naive"])
    print(f"\nwritten: {done.path}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from demandcast.config import load_config
    from demandcast.pipeline import run_report

    print(f"report: {run_report(load_config(args.config), args.run_id)}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from demandcast.config import load_config
    from demandcast.pipeline import run_validate

    found = run_validate(load_config(args.config))
    config, freq = found.config, found.config.forecast.freq
    print(f"config OK: {config.config_path}")
    print(
        f"  data: {len(config.sources)} source(s), {found.n_series} series, "
        f"{found.first} .. {found.last} at {freq}"
    )
    print(f"  regressors: {', '.join(f'{k} ({v})' for k, v in found.roles.items()) or 'none'}")
    print(f"  models: {', '.join(found.models)}; horizon {config.forecast.h} x {freq}")
    print(f"  store: {found.store_url}")
    print(f"  output: {config.output.folder}")
    return EXIT_OK


def _cmd_models(args: argparse.Namespace) -> int:
    from demandcast.exceptions import DemandcastError
    from demandcast.forecasters.base import tags_of
    from demandcast.forecasters.registry import get_forecaster_class, list_forecasters

    for name in list_forecasters():
        try:
            cls = get_forecaster_class(name)
        except (DemandcastError, ImportError) as err:
            print(f"{name:<20} (unavailable: {err})")
            continue
        tags = tags_of(cls)
        on = [t for t, v in tags.items() if v]
        print(f"{name:<20} {cls.__module__}.{cls.__qualname__}  tags: {', '.join(on) or '-'}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from demandcast.config import load_config
    from demandcast.demo import write_demo
    from demandcast.pipeline import run_forecast

    path = write_demo(args.folder, quick=args.quick, seed=args.seed)
    print(f"demo config and simulated exports written to {path.parent}")
    _print_summary(run_forecast(load_config(path), progress=_progress()))
    print(f"\nnext: edit {path} and run  demandcast forecast --config {path}")
    return EXIT_OK


_COMMANDS = {
    "demo": _cmd_demo,
    "forecast": _cmd_forecast,
    "backtest": _cmd_backtest,
    "report": _cmd_report,
    "validate": _cmd_validate,
    "models": _cmd_models,
}


# ---------------------------------------------------------------------------- printing


def _print_table(df: Any, columns: list[str]) -> None:
    cols = [c for c in columns if c in df.columns]
    print(df[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))


def _print_summary(summary: Any) -> None:
    import pandas as pd

    print(
        f"run {summary.run_id} as of {summary.as_of}: {summary.n_series} series, "
        f"models {', '.join(summary.models)}; staffing uses {summary.chosen}"
    )
    for name, reason in summary.failed.items():
        print(f"  model {name} failed and was left out: {reason}")
    if summary.leaderboard is not None:
        print("\nbacktest leaderboard:")
        _print_table(
            summary.leaderboard, ["rank", "model", "wape", "mase", "bias", "vs_seasonal_naive"]
        )
    fc = summary.forecast
    week = fc[fc["ds"] < fc["ds"].min() + pd.Timedelta(days=7)]
    if not week.empty:
        parts = week["unique_id"].astype(str).str.split("/", n=2, expand=True)
        channel = parts[1] if parts.shape[1] > 1 else parts[0]
        total = week.groupby([channel.rename("channel"), week["ds"].dt.date.rename("date")])[
            summary.chosen
        ].sum()
        print(f"\nnext week's forecast per channel ({summary.chosen}):")
        print(total.unstack("date").round(0).to_string())
    if summary.staffing is not None and not summary.staffing.empty:
        st = summary.staffing
        busy = st.loc[st["gross_agents"] > 0, "ds"]
        day = (busy if not busy.empty else st["ds"]).dt.date.min()
        tomorrow = st[st["ds"].dt.date == day]
        peak = tomorrow.groupby("unique_id")[["gross_agents"]].max()
        print(f"\nstaffing for {day} (peak gross agents per series):")
        print(peak.to_string())
    for note in summary.notes:
        print(f"note: {note}")
    if summary.paths:
        print("\nwritten:")
        for name, path in summary.paths.items():
            print(f"  {name:<10} {path}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
