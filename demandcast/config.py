"""The ``demandcast.toml`` configuration: a validated model of every setting.

:func:`load_config` reads a TOML file into :class:`DemandcastConfig`. Every table
forbids unknown keys, and every problem becomes one line of a :class:`ConfigError`:
the dotted key, the bad value and what is allowed, e.g.::

    forecast.h = -3: must be greater than 0
    modles: unknown key; did you mean 'models'?

Relative paths (sources, regressors, output folder, a SQLite store) are read
relative to the folder of the config file, so a config works from any working
directory (cron). The full documented example is ``examples/demandcast.toml``.

Sections::

    [[sources]]            channel, location, path + loader options (sep, decimal,
                           encoding, tz, columns = {time_col = "..."}, options = {...})
    [calendar]             region, good_friday, liberation_day, closures
    [opening_hours.<ch>]   "mon-fri" = "08:30-17:00", "thu" = "08:30-20:00"
    [[regressors]]         name, path, role ("future"/"past"), column, time_col
    [models]               use = [...], select, fallback; [models.<name>] parameters
    [forecast]             h, freq, level, as_of
    [backtest]             enabled, h, n_windows, step, refit, metric
    [staffing.<ch>]        aht_seconds, target_sl, target_seconds, shrinkage,
                           max_occupancy, quantile; [staffing] interval
    [store]                url
    [output]               folder, report, forecasts, staffing, backtest, summary
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from demandcast.exceptions import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "CHANNELS",
    "BacktestConfig",
    "CalendarConfig",
    "DemandcastConfig",
    "ForecastConfig",
    "ModelsConfig",
    "OutputConfig",
    "RegressorConfig",
    "SourceConfig",
    "StaffingChannelConfig",
    "StaffingConfig",
    "StoreConfig",
    "config_hash",
    "load_config",
    "parse_day",
]

#: Channels a source can feed; ``counts`` reads an already aggregated table.
CHANNELS = ("desk", "phone", "web", "counts")
_STAFFED = ("desk", "phone")
DEFAULT_STORE_URL = "sqlite:///demandcast.db"


def _base_dir(info: ValidationInfo) -> Path | None:
    ctx = info.context or {}
    base = ctx.get("base_dir")
    return Path(base) if base is not None else None


def _resolve(path: Path, info: ValidationInfo) -> Path:
    path = Path(os.path.expanduser(str(path)))
    base = _base_dir(info)
    if base is not None and not path.is_absolute():
        path = base / path
    return path


class _Strict(BaseModel):
    """Base of every section: unknown keys are errors with a 'did you mean' hint."""

    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=False)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = list(cls.model_fields)
            for key in data:
                if key not in allowed and not cls._extra_ok(key):
                    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                    hint = (
                        f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
                    )
                    raise PydanticCustomError(
                        "unknown_key", "unknown key; {hint}", {"key": str(key), "hint": hint}
                    )
        return data

    @classmethod
    def _extra_ok(cls, key: str) -> bool:
        return False


class SourceConfig(_Strict):
    """One raw export: which channel and location it feeds and how to read it.

    ``columns`` maps loader column parameters to the file's column names (for
    example ``{time_col = "Begintijd", wait_col = "Wachttijd"}``; ``""`` says the file
    has no such column, e.g. ``id_col = ""`` for one series); ``options``
    passes any other keyword argument of the loader (``by``, ``outcome_map``,
    ``date_format``...). Without ``location``/``location_col`` the loader uses
    ``"all"``.
    """

    channel: Literal["desk", "phone", "web", "counts"]
    path: Path
    location: str | None = None
    location_col: str | None = None
    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    sheet_name: str | StrictInt | None = None
    tz: str = "Europe/Amsterdam"
    columns: dict[str, str | None] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("path")
    @classmethod
    def _path(cls, v: Path, info: ValidationInfo) -> Path:
        return _resolve(v, info)

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        # "" says "none": no such column in the file (e.g. id_col = "" for one series)
        return {(k if k.endswith("_col") else f"{k}_col"): (c or None) for k, c in v.items()}

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(v)
        except Exception:
            raise PydanticCustomError(
                "bad_tz", "not a time zone; use an IANA name such as 'Europe/Amsterdam'"
            ) from None
        return v

    def loader_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the loader (``path`` and ``freq`` not included)."""
        kw: dict[str, Any] = {"tz": self.tz, **self.columns, **self.options}
        for name in ("location", "location_col", "sep", "decimal", "encoding", "sheet_name"):
            value = getattr(self, name)
            if value is not None:
                kw[name] = value
        if self.channel == "counts":
            for name in ("location", "location_col"):
                kw.pop(name, None)
        return kw


class CalendarConfig(_Strict):
    """Holidays region and closure days.

    Public holidays (plus Good Friday / Liberation Day as set) and ``closures`` close
    the channels in ``closed_channels`` (desk and phone by default; a website stays
    open).
    """

    region: Literal["noord", "midden", "zuid"] = "midden"
    good_friday: StrictBool = False
    liberation_day: Any = "lustrum"
    closures: list[dt.date] = Field(default_factory=list)
    closed_channels: list[Literal["desk", "phone", "web", "counts"]] = Field(
        default_factory=lambda: ["desk", "phone"]
    )

    @field_validator("liberation_day")
    @classmethod
    def _liberation(cls, v: Any) -> Any:
        if v is True or v is False or v == "lustrum":
            return v
        raise PydanticCustomError(
            "bad_liberation",
            "allowed: 'lustrum' (closed in 2025, 2030, ...), true (every year) or false",
        )

    @field_validator("region", mode="before")
    @classmethod
    def _lower(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v


class RegressorConfig(_Strict):
    """A regressor file: ``ds`` (``time_col``) plus the value column.

    ``role = "future"`` for values known ahead (mailings, events; the file must
    cover the forecast horizon), ``"past"`` for observed-only signals (social-media
    mentions), used only lagged by at least the horizon.
    """

    name: str
    path: Path
    role: Literal["future", "past"] = "future"
    column: str | None = None
    time_col: str = "ds"
    sep: str | None = None
    decimal: str | None = None
    aggregate: Literal["sum", "mean", "max"] = "sum"

    @field_validator("path")
    @classmethod
    def _path(cls, v: Path, info: ValidationInfo) -> Path:
        return _resolve(v, info)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if v in ("unique_id", "ds", "y", "is_open") or not re.fullmatch(r"[A-Za-z_][\w]*", v):
            raise PydanticCustomError(
                "bad_name",
                "must be a plain column name (letters, digits, _) other than "
                "unique_id, ds, y, is_open",
            )
        return v


class ModelsConfig(_Strict):
    """Which forecasters run, which one feeds staffing, and their parameters.

    ``use`` lists registry names in order of preference; ``select = "best"`` picks
    the one with the lowest backtest ``metric`` (the first in ``use`` when there is
    no backtest), or name one model. When the chosen model fails, the next one in
    ``use`` takes over; only when all fail does the run fail (exit code 3).
    Parameters go in a sub-table per model: ``[models.sarima] order = [1, 0, 1]``.
    """

    use: list[Annotated[str, AfterValidator(lambda n: _known_model(n))]] = Field(
        default_factory=lambda: ["seasonal_naive", "historical_average"]
    )
    select: str = "best"
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @classmethod
    def _extra_ok(cls, key: str) -> bool:
        return True  # model parameter tables; checked in _collect_params

    @model_validator(mode="before")
    @classmethod
    def _collect_params(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        params = dict(data.pop("params", {}) or {})
        for key in [k for k in data if k not in cls.model_fields]:
            value = data.pop(key)
            if not isinstance(value, dict):
                raise PydanticCustomError(
                    "unknown_key",
                    "unknown key; allowed: use, select, or a [models.<name>] table of parameters",
                    {"key": str(key)},
                )
            try:
                key = _known_model(key)
            except PydanticCustomError as err:
                raise PydanticCustomError("unknown_key", err.message(), {"key": str(key)}) from None
            params[key] = value
        data["params"] = params
        return data

    @field_validator("use")
    @classmethod
    def _use(cls, v: list[str]) -> list[str]:
        if not v:
            raise PydanticCustomError(
                "empty", "must name at least one model, e.g. ['seasonal_naive']"
            )
        dup = sorted({n for n in v if v.count(n) > 1})
        if dup:
            raise PydanticCustomError("dup", f"lists {dup} twice; name each model once")
        return v

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {_known_model(k): p for k, p in v.items()}

    @model_validator(mode="after")
    def _select(self) -> ModelsConfig:
        if self.select != "best" and self.select not in self.use:
            raise PydanticCustomError(
                "bad_select",
                f"models.select = {self.select!r}: must be 'best' or one of models.use {self.use}",
            )
        return self


def _known_model(name: str) -> str:
    from demandcast.forecasters.registry import list_forecasters

    known = list_forecasters()
    key = str(name).strip().lower().replace("-", "_")
    if key not in known:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise PydanticCustomError(
            "unknown_model",
            f"not a registered model; {hint}known: {', '.join(known)}",
        )
    return key


class ForecastConfig(_Strict):
    """Horizon and grid of the nightly forecast.

    ``as_of`` (a date) fixes the night the forecast is made: only data up to and
    including that day is used. Unset: the last day in the data. The command line
    ``--as-of`` overrides it.
    """

    h: StrictInt = Field(28, gt=0)
    freq: str = "D"
    level: list[StrictFloat] = Field(default_factory=lambda: [80.0, 95.0])
    as_of: dt.date | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return parse_day(v)
            except ConfigError:
                raise PydanticCustomError(
                    "date_parsing", "must be a date, e.g. 2025-03-01"
                ) from None
        return v

    @field_validator("freq")
    @classmethod
    def _freq(cls, v: str) -> str:
        return _check_freq(v)

    @field_validator("level")
    @classmethod
    def _level(cls, v: list[float]) -> list[float]:
        from demandcast.forecast_frame import normalise_level

        try:
            return [float(x) for x in normalise_level(v)]
        except ConfigError as err:
            raise PydanticCustomError("bad_level", "{msg}", {"msg": str(err)}) from None


def _check_freq(v: str) -> str:
    from demandcast import _time

    try:
        offset = _time.offset(v)
    except (ValueError, TypeError):
        offset = None
    if offset is None or v.strip() == "":
        raise PydanticCustomError(
            "bad_freq", "not a frequency; use a pandas alias such as 'D', 'h', '30min', '15min'"
        )
    return v


class BacktestConfig(_Strict):
    """Rolling-origin backtest run before the forecast (scores and model choice)."""

    enabled: StrictBool = True
    h: StrictInt | None = Field(None, gt=0)
    n_windows: StrictInt = Field(4, gt=0)
    step: StrictInt | None = Field(None, gt=0)
    refit: StrictBool | StrictInt = True
    metric: Literal["wape", "mae", "rmse", "mase", "smape", "bias"] = "wape"
    n_jobs: StrictInt = 1


class StaffingChannelConfig(_Strict):
    """Service norms of one staffed channel (Erlang C, or Erlang A with patience)."""

    aht_seconds: StrictFloat = Field(gt=0)
    target_sl: StrictFloat = Field(0.8, gt=0, lt=1)
    target_seconds: StrictFloat = Field(25.0, ge=0)
    shrinkage: StrictFloat = Field(0.3, ge=0, lt=1)
    max_occupancy: StrictFloat | None = Field(0.85, gt=0, le=1)
    quantile: StrictFloat | None = Field(None, gt=0, lt=1)
    model: Literal["erlang_c", "erlang_a"] = "erlang_c"
    patience_seconds: StrictFloat | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _patience(self) -> StaffingChannelConfig:
        if self.model == "erlang_a" and self.patience_seconds is None:
            raise PydanticCustomError(
                "needs_patience", "model = 'erlang_a' needs patience_seconds (e.g. 180)"
            )
        return self


class StaffingConfig(_Strict):
    """``interval``: staffing grid (daily forecasts are split over it) + one table per channel."""

    interval: str = "30min"
    desk: StaffingChannelConfig | None = None
    phone: StaffingChannelConfig | None = None

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str) -> str:
        return _check_freq(v)

    def channels(self) -> dict[str, StaffingChannelConfig]:
        """Configured channels only."""
        return {c: getattr(self, c) for c in _STAFFED if getattr(self, c) is not None}


class StoreConfig(_Strict):
    """Where runs, forecasts and actuals are kept (SQLAlchemy URL).

    ``sqlite:///demandcast.db`` (a file beside the config) by default; PostgreSQL with
    ``postgresql+psycopg://user@host/db``. ``${VAR}`` is replaced from the environment
    (URL-quoted, so any character may be in a password), so a password need not be in
    the file; the URL is only ever shown through :func:`demandcast.store.mask_url`.
    """

    url: str = DEFAULT_STORE_URL

    @field_validator("url")
    @classmethod
    def _url(cls, v: str, info: ValidationInfo) -> str:
        missing = [m for m in re.findall(r"\$\{(\w+)\}", v) if m not in os.environ]
        if missing:
            raise PydanticCustomError(
                "missing_env",
                f"uses environment variable(s) {missing} that are not set; export them",
            )
        v = _substitute(v)
        if "://" not in v:
            raise PydanticCustomError(
                "bad_url",
                "not a database URL; use e.g. 'sqlite:///demandcast.db' or "
                "'postgresql+psycopg://user@host/dbname'",
            )
        prefix = "sqlite:///"
        if v.startswith(prefix) and v != "sqlite://":
            rest = v[len(prefix) :]
            if rest and rest != ":memory:" and not rest.startswith("/"):
                base = _base_dir(info)
                if base is not None:
                    v = prefix + str((base / rest).resolve())
        return v


def _substitute(url: str) -> str:
    """``${VAR}`` replaced by the environment variable, URL-quoted.

    A password such as ``p@ss:w/rd#1`` is put into the URL as ``p%40ss%3Aw%2Frd%231``,
    so it never cuts the URL in the wrong place. A URL that is one variable
    (``url = "${DATABASE_URL}"``) is taken as it is: it must be a quoted URL already.

    Examples
    --------
    >>> os.environ["DOCTEST_DB_PASSWORD"] = "p@ss:w/rd #1"
    >>> _substitute("postgresql+psycopg://planner:${DOCTEST_DB_PASSWORD}@dbhost/demandcast")
    'postgresql+psycopg://planner:p%40ss%3Aw%2Frd%20%231@dbhost/demandcast'
    """
    from urllib.parse import quote

    whole = re.fullmatch(r"\$\{(\w+)\}", url.strip())
    if whole:
        return os.environ[whole.group(1)]
    return re.sub(r"\$\{(\w+)\}", lambda m: quote(os.environ[m.group(1)], safe=""), url)


class OutputConfig(_Strict):
    """Files written after each run (atomically), in ``folder``."""

    folder: Path = Path("output")
    report: str | None = "report.html"
    forecasts: str = "forecasts.csv"
    staffing: str = "staffing.csv"
    backtest: str = "backtest.csv"
    summary: str = "summary.json"

    @field_validator("folder")
    @classmethod
    def _path(cls, v: Path, info: ValidationInfo) -> Path:
        return _resolve(v, info)


class DemandcastConfig(_Strict):
    """The whole configuration (see the module docstring and ``examples/demandcast.toml``).

    Examples
    --------
    >>> cfg = DemandcastConfig.from_dict({
    ...     "sources": [{"channel": "phone", "path": "calls.csv", "location": "centrum"}],
    ...     "forecast": {"h": 14}}, base_dir="/data")
    >>> cfg.sources[0].path.as_posix(), cfg.forecast.h, cfg.models.use
    ('/data/calls.csv', 14, ['seasonal_naive', 'historical_average'])
    """

    sources: list[SourceConfig] = Field(min_length=1)
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    opening_hours: dict[str, dict[str, str | list[str]]] = Field(default_factory=dict)
    regressors: list[RegressorConfig] = Field(default_factory=list)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    forecast: ForecastConfig = Field(default_factory=ForecastConfig)
    backtest: BacktestConfig = Field(default_factory=BacktestConfig)
    staffing: StaffingConfig = Field(default_factory=StaffingConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    config_path: Path | None = Field(None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _sections(cls, data: Any) -> Any:
        # absent sections are validated too, so their relative paths see base_dir
        if isinstance(data, dict):
            data = dict(data)
            for name in (
                "calendar",
                "models",
                "forecast",
                "backtest",
                "staffing",
                "store",
                "output",
            ):
                data.setdefault(name, {})
        return data

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from demandcast.calendar import OpeningHours

        for channel, table in v.items():
            if channel not in CHANNELS:
                raise PydanticCustomError(
                    "bad_channel",
                    f"{channel!r} is not a channel; use one of {', '.join(CHANNELS)}",
                )
            try:
                OpeningHours.from_dict(table)
            except ConfigError as err:
                msg = str(err).removeprefix("opening hours: ")
                raise PydanticCustomError("bad_hours", f"[{channel}] {msg}") from None
        return v

    @model_validator(mode="after")
    def _cross(self) -> DemandcastConfig:
        names = [r.name for r in self.regressors]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise PydanticCustomError(
                "dup", f"regressors: names {dup} appear twice; give each a unique name"
            )
        return self

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], *, base_dir: str | os.PathLike[str] | None = None
    ) -> DemandcastConfig:
        """Validate a mapping (as read from TOML); relative paths are read from ``base_dir``.

        Raises
        ------
        ConfigError
            One line per problem: dotted key, value, what is allowed.
        """
        ctx = {"base_dir": Path(base_dir).resolve() if base_dir is not None else None}
        try:
            return cls.model_validate(data, context=ctx)
        except ValidationError as err:
            raise ConfigError(format_errors(err, data)) from None

    def opening_hours_for(self, channel: str, start: Any = None, end: Any = None) -> Any:
        """:class:`~demandcast.calendar.OpeningHours` of ``channel`` with closure days.

        Closure days are the public holidays (plus Good Friday / Liberation Day as
        configured) between ``start`` and ``end`` and ``calendar.closures``. None when
        the channel has no ``[opening_hours.<channel>]`` table.
        """
        from demandcast.calendar import OpeningHours, closure_days

        table = self.opening_hours.get(channel)
        if table is None:
            return None
        closures: set[dt.date] = set()
        if channel not in self.calendar.closed_channels:
            return OpeningHours.from_dict(table)
        closures |= set(self.calendar.closures)
        if start is not None and end is not None:
            closures |= closure_days(
                start,
                end,
                extra=self.calendar.closures,
                good_friday=self.calendar.good_friday,
                liberation_day=self.calendar.liberation_day,
            )
        return OpeningHours.from_dict(table, closures=sorted(closures))

    @property
    def base_dir(self) -> Path:
        """Folder of the config file (the working directory when built in code)."""
        return self.config_path.parent if self.config_path else Path.cwd()

    @property
    def lock_path(self) -> Path:
        """The run lock: ``.demandcast.lock`` in the output folder."""
        return self.output.folder / ".demandcast.lock"


def config_hash(config: DemandcastConfig) -> str:
    """Short stable hash of the settings (stored with each run).

    Examples
    --------
    >>> cfg = DemandcastConfig.from_dict({"sources": [{"channel": "web", "path": "w.csv"}]},
    ...                                  base_dir="/x")
    >>> len(config_hash(cfg))
    16
    """
    from demandcast.store import mask_url

    data = config.model_dump(mode="json")
    data["store"]["url"] = mask_url(data["store"]["url"])  # no password in the hash
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _lookup(data: Any, loc: tuple) -> tuple[bool, Any]:
    for part in loc:
        if (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and part < len(data)
        ):
            data = data[part]
        else:
            return False, None
    return True, data


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_RULES = {
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a text string",
    "list_type": "must be a list, e.g. [1, 2]",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "date_from_datetime_parsing": "must be a date, e.g. 2025-03-01",
    "date_parsing": "must be a date, e.g. 2025-03-01",
    "date_type": "must be a date, e.g. 2025-03-01",
}


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _RULES:
        return _RULES[kind]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {
            "greater_than": ">",
            "greater_than_equal": ">=",
            "less_than": "<",
            "less_than_equal": "<=",
        }[kind]
        bound = next(iter(ctx.values()))
        if kind == "greater_than" and bound == 0:
            return "must be a positive number"
        return f"must be {sign} {bound}"
    if kind == "literal_error":
        return f"allowed: {ctx.get('expected', '')}"
    if kind == "too_short":
        return "must have at least one entry"
    msg = str(err.get("msg", kind))
    return msg[0].lower() + msg[1:] if msg else kind


def format_errors(error: ValidationError, data: Any = None) -> str:
    """One line per problem: ``key = value: rule`` (or ``key: unknown key; hint``).

    Union branches that pydantic tries one after another are merged so that each key
    gets one line.
    """
    lines: list[str] = []
    seen: set[str] = set()
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        # drop union branch tags such as 'bool' / 'literal[...]' / 'int'
        loc = tuple(p for p in loc if not (isinstance(p, str) and (p in _BRANCHES or "[" in p)))
        if err["type"] == "unknown_key":
            key = _dotted((*loc, err["ctx"]["key"]))
            line = f"{key}: {_describe(err)}"
        else:
            key = _dotted(loc) or "(top level)"
            found, value = _lookup(data, loc)
            if found and loc == ("store", "url") and isinstance(value, str):
                from demandcast.store import mask_url

                value = mask_url(value)
            shown = f" = {value!r}" if found and not isinstance(value, (dict, list)) else ""
            if found and isinstance(value, list) and len(repr(value)) < 60:
                shown = f" = {value!r}"
            line = f"{key}{shown}: {_describe(err)}"
            if isinstance(value, str) and err["type"] in _NUMBER_TYPES:
                line += " (write it without quotes)"
        if key in seen:
            continue
        seen.add(key)
        lines.append(line)
    head = f"{len(lines)} problem(s) in the config:" if len(lines) > 1 else "config:"
    return head + ("\n  " if len(lines) > 1 else " ") + "\n  ".join(lines)


_NUMBER_TYPES = {"int_type", "float_type", "bool_type"}

_BRANCHES = {"bool", "int", "str", "float", "date", "function-after", "function-before"}


def parse_day(text: str) -> dt.date:
    """A night given on the command line or in the config: exactly ``YYYY-MM-DD``.

    ``01-03-2024`` or ``2024-3-1`` is refused rather than guessed (day first or month
    first?).

    Raises
    ------
    ConfigError
        ``text`` is not a date written as ``YYYY-MM-DD``.

    Examples
    --------
    >>> parse_day("2024-03-01")
    datetime.date(2024, 3, 1)
    >>> parse_day("01-03-2024")
    Traceback (most recent call last):
    ...
    demandcast.exceptions.ConfigError: '01-03-2024' is not a date as YYYY-MM-DD (e.g. 2025-03-01)
    """
    text = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ConfigError(f"{text!r} is not a date as YYYY-MM-DD (e.g. 2025-03-01)")


def load_config(path: str | os.PathLike[str]) -> DemandcastConfig:
    """Read and validate a ``demandcast.toml`` file.

    Parameters
    ----------
    path : path-like
        The TOML file. Relative paths inside are read from its folder.

    Returns
    -------
    DemandcastConfig

    Raises
    ------
    ConfigError
        The file is missing, is not TOML, or a key or value is not allowed (one line
        per problem naming the dotted key, the value and what is allowed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "demandcast.toml").write_text('''
    ... [[sources]]
    ... channel = "phone"
    ... path = "calls.csv"
    ... [forecast]
    ... h = -3
    ... ''')
    >>> try:
    ...     load_config(folder / "demandcast.toml")
    ... except ConfigError as err:
    ...     print(err)
    config: forecast.h = -3: must be a positive number
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"config file {str(path)!r} not found; create one (see examples/demandcast.toml) "
            "or pass --config with the right path"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"config file {str(path)!r} is not UTF-8 text: {err}") from None
    cfg = DemandcastConfig.from_dict(data, base_dir=path.resolve().parent)
    cfg.config_path = path.resolve()
    return cfg
