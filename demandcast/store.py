"""The forecast store: every nightly run, its forecasts and the actuals, in one database.

An embedded SQLite file by default; PostgreSQL by URL (``postgresql+psycopg://...``,
``pip install 'demandcast[postgres]'``). Written with SQLAlchemy 2 Core, imported only
when a store is opened, so ``import demandcast`` stays light.

Tables (created and versioned on first use, ``SCHEMA_VERSION``):

- ``schema_version``: ``version``, ``applied_at``.
- ``runs``: ``run_id`` (primary key), ``as_of``, ``created_at``, ``label``, ``status``
  (``"complete"`` or ``"failed"``), ``config_hash``, ``versions`` (JSON of package
  versions), ``n_series``, ``n_rows``, ``models`` (JSON list), ``columns`` (JSON: column
  -> dtype of the saved frame, in order), ``tz``, ``message``.
- ``forecasts``: ``run_id``, ``unique_id``, ``ds``, ``model``, ``step`` (1-based position
  of the interval in its series), ``point``. Primary key (run_id, model, unique_id, ds),
  index (unique_id, ds).
- ``forecast_intervals``: ``run_id``, ``unique_id``, ``ds``, ``model``, ``level``, ``lo``,
  ``hi``: one long row per level, so any set of levels fits. Index (run_id).
- ``actuals``: ``unique_id``, ``ds``, ``y``, ``updated_at``; keyed on (unique_id, ds),
  the newest value wins.

Every time (``as_of``, ``created_at``, ``ds``, ``updated_at``) is stored as integer
nanoseconds since 1970-01-01 UTC (BIGINT): portable, exact and cheap to compare. The
time zone of the run's frame is kept in ``runs.tz`` and its dtypes in ``runs.columns``,
so a forecast comes back exactly as it was saved. Missing values are stored as NULL.

A run lands completely or not at all: one transaction writes it, and a crash in the
middle leaves the earlier runs as they were.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import platform
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from demandcast import _time
from demandcast._text import examples
from demandcast.exceptions import (
    DataWarning,
    InvalidFrameError,
    MissingDependencyError,
    StoreError,
)
from demandcast.forecast_frame import (
    bound_names,
    forecast_columns,
    to_long,
    to_wide,
    validate_forecast,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["DEFAULT_URL", "SCHEMA_VERSION", "ForecastStore", "mask_url", "scrub_secret"]

SCHEMA_VERSION = 1
DEFAULT_URL = "sqlite:///demandcast.db"
_FALLBACK_TZ = "Europe/Amsterdam"  # for a naive ``as_of`` when no frame says otherwise
_DEFAULT_UNIT = pd.DatetimeIndex(["2024-01-01"]).unit  # "us" on pandas 3, "ns" on pandas 2

# version v -> function(connection) that turns a schema of version v into v + 1
_MIGRATIONS: dict[int, Callable[[Any], None]] = {}

_CHUNK_ROWS = 20_000
# Private test hook: called as _on_chunk(table_name, rows_written) after each chunk.
_on_chunk: Callable[[str, int], None] | None = None

_VERSION_PACKAGES = (
    "demandcast",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "prophet",
    "scikit-learn",
    "sqlalchemy",
)
_ACCURACY_KEYS = ("run_id", "as_of", "label", "model", "unique_id", "step")
_RUN_COLUMNS = (
    "run_id",
    "as_of",
    "created_at",
    "label",
    "status",
    "config_hash",
    "models",
    "n_series",
    "n_rows",
    "versions",
    "message",
)


def _sqlalchemy():
    try:
        import sqlalchemy
    except ImportError as exc:  # pragma: no cover - sqlalchemy is a core dependency
        raise MissingDependencyError("sqlalchemy") from exc
    return sqlalchemy


@functools.cache
def _schema() -> sa.MetaData:
    sa = _sqlalchemy()
    md = sa.MetaData()
    sa.Table(
        "schema_version",
        md,
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("applied_at", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "runs",
        md,
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("as_of", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("label", sa.String),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config_hash", sa.String),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("n_series", sa.Integer, nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("models", sa.Text, nullable=False),
        sa.Column("columns", sa.Text, nullable=False),
        sa.Column("tz", sa.String, nullable=False),
        sa.Column("message", sa.Text),
        sa.Index("ix_runs_as_of", "as_of"),
        sqlite_autoincrement=True,  # never hand a deleted run's id to a new run
    )
    sa.Table(
        "forecasts",
        md,
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("unique_id", sa.String, nullable=False),
        sa.Column("ds", sa.BigInteger, nullable=False),
        sa.Column("model", sa.String, nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("point", sa.Double),
        sa.PrimaryKeyConstraint("run_id", "model", "unique_id", "ds"),
        sa.Index("ix_forecasts_series", "unique_id", "ds"),
    )
    sa.Table(
        "forecast_intervals",
        md,
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("unique_id", sa.String, nullable=False),
        sa.Column("ds", sa.BigInteger, nullable=False),
        sa.Column("model", sa.String, nullable=False),
        sa.Column("level", sa.Double, nullable=False),
        sa.Column("lo", sa.Double),
        sa.Column("hi", sa.Double),
        # no primary key: save_run guarantees one row per key, and an index on run_id
        # alone keeps the bulk insert of these (most numerous) rows fast
        sa.Index("ix_forecast_intervals_run", "run_id"),
    )
    sa.Table(
        "actuals",
        md,
        sa.Column("unique_id", sa.String, nullable=False),
        sa.Column("ds", sa.BigInteger, nullable=False),
        sa.Column("y", sa.Double),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("unique_id", "ds"),
    )
    return md


@functools.cache
def _package_versions() -> str:
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in _VERSION_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return json.dumps(versions, sort_keys=True)


def mask_url(url: str) -> str:
    """The database URL as it may be shown: the password replaced by ``***``.

    The one way a store URL is printed, logged or put in a message. It is parsed by
    SQLAlchemy (so a URL-quoted password containing ``@``, ``:`` or ``/`` is hidden
    whole); a URL SQLAlchemy cannot parse is shown without any user information.

    Examples
    --------
    >>> mask_url("postgresql+psycopg://planner:p%40ss%3Aw0rd@dbhost:5432/demandcast")
    'postgresql+psycopg://planner:***@dbhost:5432/demandcast'
    >>> mask_url("sqlite:///demandcast.db")
    'sqlite:///demandcast.db'
    >>> mask_url("postgresql://planner:p@ss@dbhost/db")  # a raw "@": no user information
    'postgresql://***@dbhost/db'
    """
    from sqlalchemy.engine import make_url

    url = str(url)
    # SQLAlchemy splits the user information at the first "@": a raw "@" in the
    # password would put the rest of it into the host, so such a URL is not parsed.
    if url.partition("?")[0].count("@") <= 1:
        try:
            parsed = make_url(url)
        except Exception:
            parsed = None
        if parsed is not None:
            if "password" in parsed.query:
                parsed = parsed.update_query_dict({"password": "***"})
            elif parsed.password is None:
                return url  # nothing to hide: shown as written
            return parsed.render_as_string(hide_password=True)
    # not a URL SQLAlchemy understands: show no user information
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    before, mark, after = rest.partition("?")
    if "@" in before:
        before = "***@" + before.rsplit("@", 1)[1]
    return f"{scheme}://{before}{mark}{'***' if after else ''}"


def _secrets(url: str) -> list[str]:
    """The forms in which the password of ``url`` may appear in a driver's message."""
    from urllib.parse import quote, quote_plus, unquote

    from sqlalchemy.engine import make_url

    url = str(url)
    passwords: set[str] = set()
    try:
        parsed = make_url(url) if url.partition("?")[0].count("@") <= 1 else None
    except Exception:
        parsed = None
    if parsed is not None:
        passwords.add(parsed.password or "")
        query_password = parsed.query.get("password", "")
        passwords.update([query_password] if isinstance(query_password, str) else query_password)
    _, _, rest = url.partition("://")
    userinfo = rest.partition("?")[0].rpartition("@")[0]
    if ":" in userinfo:  # also the password as a raw "@" would have cut it
        raw = userinfo.partition(":")[2]
        passwords.update([raw, unquote(raw)])
    forms = set()
    for password in passwords - {""}:
        forms |= {
            password,
            quote(password, safe=""),
            quote_plus(password, safe=""),
            password.replace("\\", "\\\\").replace("'", "\\'"),  # libpq conninfo quoting
        }
    return sorted(forms, key=len, reverse=True)


def scrub_secret(text: str, url: str) -> str:
    """``text`` (a driver's error message) with the URL and password of ``url`` masked.

    Examples
    --------
    >>> url = "postgresql+psycopg://planner:s%40cret%21@127.0.0.1:1/db"
    >>> scrub_secret("login for planner with s@cret! failed", url)
    'login for planner with *** failed'
    """
    text = str(text).replace(str(url), mask_url(url))
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return text


def _sql_values(item: tuple[Any, pd.Series]) -> list:
    """The values of a ``(name, column)`` item for the driver, missing ones as None (NULL)."""
    column = item[1]
    return column.astype(object).where(column.notna(), None).tolist()


def _epoch_ns(ds: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(ds).as_unit("ns").asi8


def _from_epoch_ns(values: Any, tz: str, unit: str | None = None) -> pd.DatetimeIndex:
    """Datetimes in ``tz``; in ``unit`` (default: pandas' own default) when that is exact."""
    ns = np.asarray(values, dtype="int64")
    index = _time.from_utc_i8(ns, tz)
    unit = unit or _DEFAULT_UNIT
    factor = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}.get(unit, 1)
    if factor > 1 and (ns % factor == 0).all():
        index = index.as_unit(unit)
    return index


def _timestamp(value: Any, *, name: str, tz: str | None) -> pd.Timestamp:
    """A timestamp from a date, string or timestamp; a naive one is localised to ``tz``."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"{name}={value!r} is not a date or timestamp; pass e.g. {name}='2024-03-01'"
        ) from exc
    if ts is pd.NaT:
        raise StoreError(f"{name} is missing (NaT); pass a date such as {name}='2024-03-01'")
    return _time.to_local(ts, tz) if ts.tzinfo is None and tz is not None else ts


def _fetch(conn: sa.Connection, statement: Any) -> list[tuple]:
    """Plain tuples straight from the driver: much faster than Row objects for big reads."""
    result = conn.execute(statement)
    try:
        return result.cursor.fetchall()  # type: ignore[union-attr]
    finally:
        result.close()


def _restore_dtype(column: pd.Series | pd.Index, dtype: str) -> pd.Series:
    column = pd.Series(column)
    with contextlib.suppress(TypeError, ValueError):
        return column.astype(pd.api.types.pandas_dtype(dtype))
    return column


def _check_tz_aware(frame: pd.DataFrame, name: str) -> None:
    """Refuse a naive ``ds``; ``name`` is the variable shown in the fix."""
    dtype = frame["ds"].dtype
    if not isinstance(dtype, pd.DatetimeTZDtype):
        raise InvalidFrameError(
            f"column 'ds' must be tz-aware datetimes, got dtype {dtype}: localise it, "
            f"e.g. {name}['ds'] = {name}['ds'].dt.tz_localize('Europe/Amsterdam')"
        )


def _check_keys(frame: pd.DataFrame, subject: str, fix: str) -> None:
    """Refuse missing ``unique_id``/``ds`` values and repeated (unique_id, ds) keys."""
    for col in ("unique_id", "ds"):
        nulls = frame.index[frame[col].isna()]
        if len(nulls):
            raise InvalidFrameError(
                f"column {col!r} has {len(nulls)} missing value(s) at rows "
                f"{examples(nulls)}: drop or fill those rows before saving"
            )
    dup = frame.duplicated(["unique_id", "ds"], keep=False)
    if dup.any():
        rows = frame.loc[dup, ["unique_id", "ds"]].drop_duplicates()
        raise InvalidFrameError(
            f"{subject} {int(dup.sum())} rows with a repeated (unique_id, ds), e.g. "
            f"{examples(list(rows.itertuples(index=False, name=None)))}: {fix}"
        )


class _ParsedForecast:
    """A validated forecast frame, split into what the tables need."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.layout = validate_forecast(frame, strict=True)
        _check_tz_aware(frame, "frame")
        _check_keys(
            frame,
            "forecast frame has",
            "keep one row per series and interval (save each model's frame merged on "
            "unique_id, ds)",
        )
        frame = frame.sort_values(["unique_id", "ds"], kind="stable")
        if "step" in frame.columns:
            step = frame["step"]
            if step.isna().any() or not pd.api.types.is_integer_dtype(step) or (step < 1).any():
                raise InvalidFrameError(
                    "column 'step' must hold integers >= 1 (the horizon of each row); "
                    f"got {examples(step[step.isna() | (step < 1)].unique())}: drop the "
                    "column and the store numbers the rows of each series 1, 2, ..."
                )
            self.step = step.to_numpy(dtype="int64")
        else:
            self.step = frame.groupby("unique_id", sort=False).cumcount().to_numpy() + 1
        self.frame = frame
        self.tz = str(frame["ds"].dt.tz)
        self.columns = json.dumps({c: str(frame[c].dtype) for c in frame.columns})
        self.n_series = int(frame["unique_id"].astype(str).nunique())


class ForecastStore:
    """Forecast runs, their forecasts and the actuals, in SQLite or PostgreSQL.

    Parameters
    ----------
    url : str, default "sqlite:///demandcast.db"
        A SQLAlchemy URL: ``sqlite:///path/to/file.db`` (``sqlite://`` keeps it in
        memory) or ``postgresql+psycopg://user:password@host:5432/dbname`` (needs
        ``pip install 'demandcast[postgres]'``). To keep the tables in their own
        PostgreSQL schema, add ``?options=-csearch_path%3Dmyschema`` to the URL.

    Notes
    -----
    The tables are created on first use. A database written by a newer demandcast
    (a higher schema version) raises :class:`~demandcast.exceptions.StoreError`
    instead of being touched; an older one is migrated in one transaction.

    Examples
    --------
    >>> import pandas as pd
    >>> from demandcast.store import ForecastStore
    >>> ds = pd.date_range("2024-03-04", periods=3, freq="D", tz="Europe/Amsterdam")
    >>> fc = pd.DataFrame({"unique_id": "centrum/phone", "ds": ds,
    ...                    "naive": [120.0, 95.0, 101.0],
    ...                    "naive-lo-80": [100.0, 80.0, 85.0],
    ...                    "naive-hi-80": [140.0, 110.0, 117.0]})
    >>> store = ForecastStore("sqlite://")
    >>> run_id = store.save_run(fc, as_of="2024-03-03")
    >>> store.load_forecast(run_id).equals(fc)
    True
    >>> store.save_actuals(pd.DataFrame({"unique_id": "centrum/phone", "ds": ds,
    ...                                  "y": [110.0, 99.0, 88.0]}))
    3
    >>> store.accuracy(by=("model",))[["model", "n", "mae", "coverage_80"]]
       model  n  mae  coverage_80
    0  naive  3  9.0          1.0
    >>> store.close()
    """

    def __init__(self, url: str = DEFAULT_URL) -> None:
        if not isinstance(url, str) or not url:
            raise StoreError(
                f"url must be a SQLAlchemy URL string, got {url!r}; e.g. "
                "'sqlite:///demandcast.db' or 'postgresql+psycopg://user:pw@host/db'"
            )
        self.url = url
        self._engine = self._create_engine(url)
        self._shown_url = mask_url(url)
        try:
            self._ensure_schema()
        except BaseException:
            self._engine.dispose()
            raise

    # -- plumbing -------------------------------------------------------------------

    @staticmethod
    def _create_engine(url: str) -> sa.Engine:
        sa = _sqlalchemy()
        try:
            engine = sa.create_engine(url)
        except ImportError as exc:
            if url.startswith("postgres"):
                raise MissingDependencyError("psycopg", extra="postgres") from exc
            raise StoreError(
                f"the database driver for {mask_url(url)!r} is not installed: "
                f"{scrub_secret(str(exc), url)}"
            ) from exc
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
            raise StoreError(
                f"url {mask_url(url)!r} is not a database URL SQLAlchemy understands; use "
                "'sqlite:///path/to/file.db' or 'postgresql+psycopg://user:pw@host/db'"
            ) from exc
        if engine.dialect.name == "sqlite":
            # pysqlite opens transactions lazily and commits DDL on its own; let
            # SQLAlchemy's BEGIN drive them so a run (and the schema) is one transaction.
            @sa.event.listens_for(engine, "connect")
            def _connect(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None
                dbapi_connection.execute("PRAGMA foreign_keys = ON")

            @sa.event.listens_for(engine, "begin")
            def _begin(connection: Any) -> None:
                connection.exec_driver_sql("BEGIN")

        return engine

    @contextlib.contextmanager
    def _transaction(self, doing: str) -> Iterator[sa.Connection]:
        sa = _sqlalchemy()
        try:
            with self._engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            # The driver's message (and the exceptions chained under it) may quote the
            # URL or the password: only the scrubbed text goes on, without the chain.
            raise StoreError(
                f"could not {doing} in the store at {self._shown_url}: "
                f"{type(exc).__name__}: {scrub_secret(str(exc), self.url)}"
            ) from None

    def _tables(self) -> dict[str, sa.Table]:
        return dict(_schema().tables)

    def _ensure_schema(self) -> None:
        sa = _sqlalchemy()
        md = _schema()
        version_table = md.tables["schema_version"]
        with self._transaction("create or check the schema") as conn:
            inspector = sa.inspect(conn)
            version = None
            if inspector.has_table("schema_version"):
                version = conn.execute(sa.select(sa.func.max(version_table.c.version))).scalar()
            if version is None:
                foreign = [t for t in md.tables if t != "schema_version" and inspector.has_table(t)]
                if foreign:
                    raise StoreError(
                        f"the database at {self._shown_url} already has table(s) {foreign} "
                        "that demandcast did not create; use another database, file or "
                        "PostgreSQL schema for the forecast store"
                    )
                md.create_all(conn)
                conn.execute(
                    version_table.insert().values(version=SCHEMA_VERSION, applied_at=time.time_ns())
                )
            elif version > SCHEMA_VERSION:
                raise StoreError(
                    f"the store at {self._shown_url} has schema version {version}, newer than "
                    f"this demandcast understands ({SCHEMA_VERSION}); upgrade demandcast "
                    "(pip install -U demandcast) or use another database"
                )
            elif version < SCHEMA_VERSION:
                self._migrate(conn, version)

    def _migrate(self, conn: sa.Connection, version: int) -> None:
        version_table = _schema().tables["schema_version"]
        while version < SCHEMA_VERSION:
            step = _MIGRATIONS.get(version)
            if step is None:
                raise StoreError(
                    f"the store at {self._shown_url} has schema version {version} and no "
                    f"migration to {version + 1} exists; export the runs you need and start "
                    "a new store"
                )
            step(conn)
            version += 1
            conn.execute(version_table.insert().values(version=version, applied_at=time.time_ns()))

    def close(self) -> None:
        """Close the database connections (the store can no longer be used)."""
        self._engine.dispose()

    def __enter__(self) -> ForecastStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ForecastStore({self._shown_url!r})"

    @staticmethod
    def _bulk_insert(
        conn: sa.Connection, table: sa.Table, columns: list[str], rows: Iterator[tuple]
    ) -> int:
        """Insert tuple rows in chunks; return how many were written.

        PostgreSQL (psycopg) gets COPY, drivers with positional parameters a plain
        ``executemany``, anything else SQLAlchemy's ``insert()``.
        """
        sa = _sqlalchemy()
        dialect = conn.dialect
        name = dialect.identifier_preparer.format_table(table)
        column_list = ", ".join(columns)
        marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
        use_copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
        pg_types = [table.c[c].type.compile(dialect=dialect).lower() for c in columns]

        def write(chunk: list[tuple]) -> None:
            if use_copy:
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                sql = f"COPY {name} ({column_list}) FROM STDIN (FORMAT BINARY)"
                with cursor, cursor.copy(sql) as copy:
                    copy.set_types(pg_types)
                    for row in chunk:
                        copy.write_row(row)
            elif marker is not None:
                values = ", ".join([marker] * len(columns))
                conn.exec_driver_sql(f"INSERT INTO {name} ({column_list}) VALUES ({values})", chunk)
            else:
                conn.execute(sa.insert(table), [dict(zip(columns, r, strict=True)) for r in chunk])

        written = 0
        while chunk := list(itertools.islice(rows, _CHUNK_ROWS)):
            write(chunk)
            written += len(chunk)
            if _on_chunk is not None:
                _on_chunk(table.name, written)
        return written

    def _delete_runs(self, conn: sa.Connection, run_ids: list[int]) -> None:
        t = self._tables()
        for name in ("forecast_intervals", "forecasts", "runs"):
            conn.execute(t[name].delete().where(t[name].c.run_id.in_(run_ids)))

    def _as_of_filter(self, conn: sa.Connection, as_of: Any) -> Any:
        """A WHERE clause for runs at ``as_of``; a naive as_of is read in each run's zone."""
        sa = _sqlalchemy()
        runs = self._tables()["runs"]
        ts = _timestamp(as_of, name="as_of", tz=None)
        if ts.tzinfo is not None:
            return runs.c.as_of == int(ts.as_unit("ns").value)
        zones = conn.execute(sa.select(runs.c.tz).distinct()).scalars().all() or [_FALLBACK_TZ]
        clauses = [
            sa.and_(
                runs.c.tz == zone,
                runs.c.as_of == int(_timestamp(ts, name="as_of", tz=zone).as_unit("ns").value),
            )
            for zone in zones
        ]
        return sa.or_(*clauses)

    @staticmethod
    def _label_filter(runs: sa.Table, label: str | None) -> Any:
        return runs.c.label.is_(None) if label is None else runs.c.label == label

    # -- writing --------------------------------------------------------------------

    def save_run(
        self,
        forecast: pd.DataFrame,
        *,
        as_of: Any,
        config_hash: str | None = None,
        label: str | None = None,
        replace: bool = True,
    ) -> int:
        """Save one forecast run in a single transaction; return its ``run_id``.

        Parameters
        ----------
        forecast : DataFrame
            A forecast frame: ``unique_id``, ``ds`` (tz-aware), one column per model and
            ``<model>-lo-<level>`` / ``<model>-hi-<level>`` interval bounds. An integer
            ``step`` column is kept; otherwise each series' rows are numbered 1, 2, ...
            in time order.
        as_of : date, str or Timestamp
            The moment the forecast was made (the night of the run). A date or naive
            time is read in the time zone of ``forecast['ds']``.
        config_hash : str, optional
            Hash of the configuration that produced the run.
        label : str, optional
            Name that tells several runs of the same night apart (e.g. ``"experiment"``).
        replace : bool, default True
            Replace a run with the same ``as_of`` and ``label`` in the same transaction
            (an idempotent rerun of a night). With False such a run raises ``StoreError``.

        Returns
        -------
        int
            The new run's ``run_id``.

        Raises
        ------
        InvalidFrameError
            If the frame is not a forecast frame (the message says which rule).
        StoreError
            If the run exists and ``replace`` is False, or the database fails; nothing
            of the run is then written.

        Examples
        --------
        >>> import pandas as pd
        >>> from demandcast.store import ForecastStore
        >>> fc = pd.DataFrame({"unique_id": "noord/desk",
        ...     "ds": pd.date_range("2024-05-06", periods=2, freq="D", tz="Europe/Amsterdam"),
        ...     "naive": [40.0, 38.0]})
        >>> with ForecastStore("sqlite://") as store:
        ...     first = store.save_run(fc, as_of="2024-05-05")
        ...     again = store.save_run(fc, as_of="2024-05-05")   # replaces the first
        ...     len(store.runs())
        1
        """
        parsed = _ParsedForecast(forecast)
        as_of_ts = _timestamp(as_of, name="as_of", tz=parsed.tz)
        t = self._tables()
        runs = t["runs"]
        sa = _sqlalchemy()
        with self._transaction("save the run") as conn:
            existing = conn.execute(
                sa.select(runs.c.run_id, runs.c.status).where(
                    runs.c.as_of == int(as_of_ts.as_unit("ns").value),
                    self._label_filter(runs, label),
                )
            ).all()
            if existing and not replace:
                complete = [r.run_id for r in existing if r.status == "complete"]
                if complete:
                    raise StoreError(
                        f"run(s) {complete} already hold as_of={as_of_ts} label={label!r}; "
                        "pass replace=True to overwrite them or give another label"
                    )
            if existing and replace:
                self._delete_runs(conn, [r.run_id for r in existing])
            run_id = conn.execute(
                runs.insert().values(
                    as_of=int(as_of_ts.as_unit("ns").value),
                    created_at=time.time_ns(),
                    label=label,
                    status="complete",
                    config_hash=config_hash,
                    versions=_package_versions(),
                    n_series=parsed.n_series,
                    n_rows=len(parsed.frame),
                    models=json.dumps(list(parsed.layout.models)),
                    columns=parsed.columns,
                    tz=parsed.tz,
                    message=None,
                )
            ).inserted_primary_key[0]
            point_rows, bound_rows = self._long_rows(run_id, parsed)
            self._bulk_insert(
                conn,
                t["forecasts"],
                ["run_id", "unique_id", "ds", "model", "step", "point"],
                point_rows,
            )
            self._bulk_insert(
                conn,
                t["forecast_intervals"],
                ["run_id", "unique_id", "ds", "model", "level", "lo", "hi"],
                bound_rows,
            )
        return int(run_id)

    @staticmethod
    def _long_rows(run_id: int, parsed: _ParsedForecast) -> list[Iterator[tuple]]:
        """The rows of the ``forecasts`` and ``forecast_intervals`` tables."""
        frame = parsed.frame
        frame = frame.assign(unique_id=frame["unique_id"].astype(str), ds=_epoch_ns(frame["ds"]))
        points, bounds = to_long(frame, parsed.layout)
        points.insert(3, "step", np.tile(parsed.step, len(parsed.layout.models)))
        return [
            zip(itertools.repeat(run_id), *map(_sql_values, t.items())) for t in (points, bounds)
        ]

    def record_failure(
        self,
        *,
        as_of: Any,
        message: str,
        config_hash: str | None = None,
        label: str | None = None,
    ) -> int:
        """Record that the run for ``as_of`` failed (status ``"failed"``, no forecasts).

        A complete run of the same night is kept; a later successful ``save_run`` with
        ``replace=True`` removes the failure record. A naive ``as_of`` is read in
        Europe/Amsterdam. Returns the failed run's id.

        Examples
        --------
        >>> from demandcast.store import ForecastStore
        >>> with ForecastStore("sqlite://") as store:
        ...     _ = store.record_failure(as_of="2024-05-05", message="phone export missing")
        ...     store.runs()["status"].tolist()
        ['failed']
        """
        as_of_ts = _timestamp(as_of, name="as_of", tz=_FALLBACK_TZ)
        runs = self._tables()["runs"]
        with self._transaction("record the failed run") as conn:
            run_id = conn.execute(
                runs.insert().values(
                    as_of=int(as_of_ts.as_unit("ns").value),
                    created_at=time.time_ns(),
                    label=label,
                    status="failed",
                    config_hash=config_hash,
                    versions=_package_versions(),
                    n_series=0,
                    n_rows=0,
                    models="[]",
                    columns="{}",
                    tz=str(as_of_ts.tz),
                    message=str(message),
                )
            ).inserted_primary_key[0]
        return int(run_id)

    def delete_run(self, run_id: int) -> None:
        """Delete one run and its forecasts in one transaction.

        Raises
        ------
        StoreError
            If no run has that id.
        """
        with self._transaction("delete the run") as conn:
            self._run_row(conn, run_id)
            self._delete_runs(conn, [int(run_id)])

    def save_actuals(self, actuals: pd.DataFrame) -> int:
        """Insert or update actuals (``unique_id``, ``ds``, ``y``) in one transaction.

        A (unique_id, ds) already stored gets the new ``y``: the newest value wins.
        Rows whose ``y`` is missing are skipped with a :class:`DataWarning` (a missing
        value never overwrites a known one); other columns are ignored.

        Returns
        -------
        int
            The number of rows written.

        Examples
        --------
        >>> import pandas as pd
        >>> from demandcast.store import ForecastStore
        >>> df = pd.DataFrame({"unique_id": "zuid/web",
        ...     "ds": pd.date_range("2024-05-06", periods=2, freq="D", tz="Europe/Amsterdam"),
        ...     "y": [1200.0, 1310.0]})
        >>> with ForecastStore("sqlite://") as store:
        ...     store.save_actuals(df)
        ...     store.save_actuals(df.assign(y=[1250.0, 1310.0]))   # a late correction
        ...     store.load_actuals()["y"].tolist()
        2
        2
        [1250.0, 1310.0]
        """
        frame = self._validate_actuals(actuals)
        if frame.empty:
            return 0
        sa = _sqlalchemy()
        table = self._tables()["actuals"]
        now = time.time_ns()
        rows = [
            {"unique_id": u, "ds": d, "y": y, "updated_at": now}
            for u, d, y in zip(
                frame["unique_id"].astype(str).tolist(),
                _epoch_ns(frame["ds"]).tolist(),
                frame["y"].to_numpy(dtype="float64").tolist(),
                strict=True,
            )
        ]
        dialect = self._engine.dialect.name
        with self._transaction("save the actuals") as conn:
            if dialect in ("sqlite", "postgresql"):
                module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
                statement = module.insert(table)
                statement = statement.on_conflict_do_update(
                    index_elements=["unique_id", "ds"],
                    set_={"y": statement.excluded.y, "updated_at": statement.excluded.updated_at},
                )
                for start in range(0, len(rows), _CHUNK_ROWS):
                    conn.execute(statement, rows[start : start + _CHUNK_ROWS])
            else:  # portable fallback: delete the keys, then insert
                for row in rows:
                    conn.execute(
                        table.delete().where(
                            table.c.unique_id == row["unique_id"], table.c.ds == row["ds"]
                        )
                    )
                conn.execute(sa.insert(table), rows)
        return len(rows)

    @staticmethod
    def _validate_actuals(actuals: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(actuals, pd.DataFrame):
            raise InvalidFrameError(
                f"actuals must be a pandas DataFrame, got {type(actuals).__name__}; pass a "
                "long frame with unique_id, ds, y"
            )
        missing = [c for c in ("unique_id", "ds", "y") if c not in actuals.columns]
        if missing:
            raise InvalidFrameError(
                f"actuals lack column(s) {missing}: pass a long frame with unique_id, ds, y; "
                f"it has {examples(actuals.columns)}"
            )
        _check_tz_aware(actuals, "df")
        y = actuals["y"]
        if not pd.api.types.is_numeric_dtype(y.dtype) or pd.api.types.is_bool_dtype(y.dtype):
            raise InvalidFrameError(
                f"column 'y' must be numeric counts, got dtype {y.dtype}: convert it, e.g. "
                "pd.to_numeric(df['y'])"
            )
        _check_keys(
            actuals,
            "actuals have",
            "aggregate them first, e.g. df.groupby(['unique_id', 'ds'], as_index=False)['y'].sum()",
        )
        frame = actuals[["unique_id", "ds", "y"]]
        missing_y = frame["y"].isna()
        if missing_y.any():
            skipped = list(frame.loc[missing_y, ["unique_id", "ds"]].itertuples(index=False))
            warnings.warn(
                f"save_actuals skipped {int(missing_y.sum())} row(s) whose y is missing, e.g. "
                f"{examples([tuple(e) for e in skipped])}",
                DataWarning,
                stacklevel=3,
            )
            frame = frame[~missing_y]
        return frame

    # -- reading --------------------------------------------------------------------

    def _run_row(self, conn: sa.Connection, run_id: int) -> Any:
        sa = _sqlalchemy()
        runs = self._tables()["runs"]
        row = conn.execute(sa.select(runs).where(runs.c.run_id == int(run_id))).first()
        if row is None:
            recent = conn.execute(
                sa.select(runs.c.run_id).order_by(runs.c.run_id.desc()).limit(5)
            ).scalars()
            raise StoreError(
                f"no run with run_id={run_id}; the latest run ids are {list(recent)}; "
                "see store.runs()"
            )
        return row

    def _resolve_run(
        self, conn: sa.Connection, run_id: int | None, as_of: Any, label: str | None
    ) -> Any:
        sa = _sqlalchemy()
        runs = self._tables()["runs"]
        if run_id is not None and as_of is not None:
            raise StoreError("pass run_id or as_of, not both")
        if run_id is not None:
            row = self._run_row(conn, run_id)
        else:
            query = sa.select(runs).where(runs.c.status == "complete")
            if label is not None:
                query = query.where(runs.c.label == label)
            if as_of is not None:
                query = query.where(self._as_of_filter(conn, as_of))
            rows = conn.execute(query.order_by(runs.c.as_of.desc(), runs.c.run_id.desc())).all()
            if not rows:
                what = f"as_of={as_of!r}" if as_of is not None else "any date"
                labels = "" if label is None else f" with label={label!r}"
                raise StoreError(
                    f"no complete run for {what}{labels} in the store at {self._shown_url}; "
                    "see store.runs() for what is there"
                )
            if as_of is not None and label is None and len({r.label for r in rows}) > 1:
                raise StoreError(
                    f"several runs hold as_of={as_of!r}, with labels "
                    f"{examples(sorted({str(r.label) for r in rows}))}; pass label=..."
                )
            row = rows[0]
        if row.status != "complete":
            raise StoreError(
                f"run {row.run_id} has status {row.status!r} and no forecasts "
                f"({row.message}); load a complete run (see store.runs())"
            )
        return row

    def load_forecast(
        self,
        run_id: int | None = None,
        *,
        as_of: Any = None,
        models: Sequence[str] | None = None,
        label: str | None = None,
    ) -> pd.DataFrame:
        """Load a run's forecast frame, exactly as it was saved.

        Parameters
        ----------
        run_id : int, optional
            The run to load.
        as_of : date, str or Timestamp, optional
            Load the complete run of that night instead (a naive value is read in the
            run's time zone). With neither, the latest complete run is loaded.
        models : list of str, optional
            Only these models' columns (default all).
        label : str, optional
            Pick among runs by label when ``as_of`` or "latest" is ambiguous.

        Returns
        -------
        DataFrame
            ``unique_id``, ``ds`` (tz-aware, in the zone it was saved in) and the saved
            model and interval columns, with their dtypes, sorted by (unique_id, ds).

        Examples
        --------
        >>> import pandas as pd
        >>> from demandcast.store import ForecastStore
        >>> fc = pd.DataFrame({"unique_id": "noord/desk",
        ...     "ds": pd.date_range("2024-05-06", periods=2, freq="D", tz="Europe/Amsterdam"),
        ...     "naive": [40.0, 38.0], "mean": [41.0, 41.0]})
        >>> with ForecastStore("sqlite://") as store:
        ...     _ = store.save_run(fc, as_of="2024-05-05")
        ...     store.load_forecast(as_of="2024-05-05", models=["mean"])
            unique_id                        ds  mean
        0  noord/desk 2024-05-06 00:00:00+02:00  41.0
        1  noord/desk 2024-05-07 00:00:00+02:00  41.0
        """
        sa = _sqlalchemy()
        t = self._tables()
        fc_t, iv_t = t["forecasts"], t["forecast_intervals"]
        with self._transaction("load the forecast") as conn:
            run = self._resolve_run(conn, run_id, as_of, label)
            saved_models = json.loads(run.models)
            if models is None:
                chosen = list(saved_models)
            else:
                chosen = [models] if isinstance(models, str) else list(models)
                unknown = [m for m in chosen if m not in saved_models]
                if unknown:
                    raise StoreError(
                        f"run {run.run_id} has no model(s) {examples(unknown)}; it holds "
                        f"{saved_models}"
                    )
            points = _fetch(
                conn,
                sa.select(
                    fc_t.c.unique_id, fc_t.c.ds, fc_t.c.model, fc_t.c.step, fc_t.c.point
                ).where(fc_t.c.run_id == run.run_id, fc_t.c.model.in_(chosen)),
            )
            bounds = _fetch(
                conn,
                sa.select(
                    iv_t.c.unique_id, iv_t.c.ds, iv_t.c.model, iv_t.c.level, iv_t.c.lo, iv_t.c.hi
                ).where(iv_t.c.run_id == run.run_id, iv_t.c.model.in_(chosen)),
            )
        return self._to_wide(run, chosen, points, bounds)

    @staticmethod
    def _to_wide(run: Any, models: list[str], points: list, bounds: list) -> pd.DataFrame:
        saved = json.loads(run.columns)
        wide = to_wide(
            pd.DataFrame(points, columns=["unique_id", "ds", "model", "step", "point"]),
            pd.DataFrame(bounds, columns=["unique_id", "ds", "model", "level", "lo", "hi"]),
            forecast_columns(saved, skip=("unique_id", "ds", "step")),
        )
        wide["ds"] = _from_epoch_ns(wide["ds"], run.tz)
        return pd.DataFrame({c: _restore_dtype(wide[c], t) for c, t in saved.items() if c in wide})

    def runs(self) -> pd.DataFrame:
        """All runs, oldest first, one row each.

        Returns
        -------
        DataFrame
            ``run_id``, ``as_of`` (tz-aware), ``created_at`` (UTC), ``label``,
            ``status``, ``config_hash``, ``models`` (list), ``n_series``, ``n_rows``,
            ``versions`` (dict of package versions), ``message``.

        Examples
        --------
        >>> from demandcast.store import ForecastStore
        >>> with ForecastStore("sqlite://") as store:
        ...     list(store.runs().columns)[:5]
        ['run_id', 'as_of', 'created_at', 'label', 'status']
        """
        sa = _sqlalchemy()
        runs = self._tables()["runs"]
        with self._transaction("list the runs") as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.run_id)).all()
        return self._runs_frame(rows)

    @staticmethod
    def _runs_frame(rows: list) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=[*_schema().tables["runs"].columns.keys()])
        zones = frame["tz"].unique().tolist()
        tz = zones[0] if len(zones) == 1 else "UTC"
        out = pd.DataFrame(
            {
                "run_id": frame["run_id"].astype("int64"),
                "as_of": _from_epoch_ns(frame["as_of"], tz),
                "created_at": _from_epoch_ns(frame["created_at"], "UTC"),
                "label": frame["label"].astype(object),
                "status": frame["status"],
                "config_hash": frame["config_hash"].astype(object),
                "models": [json.loads(m) for m in frame["models"]],
                "n_series": frame["n_series"].astype("int64"),
                "n_rows": frame["n_rows"].astype("int64"),
                "versions": [json.loads(v) for v in frame["versions"]],
                "message": frame["message"].astype(object),
            },
            columns=list(_RUN_COLUMNS),
        )
        return out.reset_index(drop=True)

    def latest_run(self, *, label: str | None = None) -> pd.Series | None:
        """The latest complete run (greatest ``as_of``, then newest), or None.

        Returns a row of :meth:`runs`. ``label`` restricts to runs with that label.

        Examples
        --------
        >>> from demandcast.store import ForecastStore
        >>> with ForecastStore("sqlite://") as store:
        ...     store.latest_run() is None
        True
        """
        sa = _sqlalchemy()
        runs = self._tables()["runs"]
        query = sa.select(runs).where(runs.c.status == "complete")
        if label is not None:
            query = query.where(runs.c.label == label)
        with self._transaction("find the latest run") as conn:
            row = conn.execute(
                query.order_by(runs.c.as_of.desc(), runs.c.run_id.desc()).limit(1)
            ).first()
        if row is None:
            return None
        return self._runs_frame([row]).iloc[0]

    def load_actuals(
        self, unique_ids: Sequence[str] | None = None, *, tz: str = _FALLBACK_TZ
    ) -> pd.DataFrame:
        """Stored actuals as a long frame ``unique_id, ds, y``, sorted, ``ds`` in ``tz``.

        Examples
        --------
        >>> from demandcast.store import ForecastStore
        >>> with ForecastStore("sqlite://") as store:
        ...     len(store.load_actuals())
        0
        """
        sa = _sqlalchemy()
        table = self._tables()["actuals"]
        query = sa.select(table.c.unique_id, table.c.ds, table.c.y)
        if unique_ids is not None:
            ids = [unique_ids] if isinstance(unique_ids, str) else list(unique_ids)
            query = query.where(table.c.unique_id.in_(ids))
        with self._transaction("load the actuals") as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
        frame["ds"] = _from_epoch_ns(frame["ds"], tz)
        frame["y"] = frame["y"].astype("float64")
        return frame.sort_values(["unique_id", "ds"], ignore_index=True)

    # -- accuracy -------------------------------------------------------------------

    def forecast_vs_actual(
        self,
        *,
        run_ids: Sequence[int] | None = None,
        models: Sequence[str] | None = None,
        label: str | None = None,
    ) -> pd.DataFrame:
        """Every stored forecast that has an actual, one row per run, model and interval.

        Parameters
        ----------
        run_ids : list of int, optional
            Runs to include (default every complete run).
        models : list of str, optional
            Models to include (default all).
        label : str, optional
            Only runs with this label.

        Returns
        -------
        DataFrame
            ``run_id``, ``as_of``, ``label``, ``model``, ``unique_id``, ``ds``, ``step``,
            ``y``, ``forecast`` and ``lo-<level>``, ``hi-<level>`` for each stored level;
            sorted by run, model, series and time.

        Examples
        --------
        >>> import pandas as pd
        >>> from demandcast.store import ForecastStore
        >>> ds = pd.date_range("2024-05-06", periods=2, freq="D", tz="Europe/Amsterdam")
        >>> with ForecastStore("sqlite://") as store:
        ...     _ = store.save_run(pd.DataFrame({"unique_id": "a", "ds": ds, "m": [5.0, 6.0]}),
        ...                        as_of="2024-05-05")
        ...     _ = store.save_actuals(pd.DataFrame({"unique_id": "a", "ds": ds[:1], "y": [4.0]}))
        ...     store.forecast_vs_actual()[["model", "step", "y", "forecast"]]
          model  step    y  forecast
        0     m     1  4.0       5.0
        """
        sa = _sqlalchemy()
        t = self._tables()
        runs, fc_t, iv_t, act = t["runs"], t["forecasts"], t["forecast_intervals"], t["actuals"]
        with self._transaction("join forecasts and actuals") as conn:
            run_query = sa.select(runs).where(runs.c.status == "complete")
            if run_ids is not None:
                run_query = run_query.where(runs.c.run_id.in_([int(r) for r in run_ids]))
            if label is not None:
                run_query = run_query.where(runs.c.label == label)
            run_rows = conn.execute(run_query.order_by(runs.c.run_id)).all()
            ids = [r.run_id for r in run_rows]
            if run_ids is not None:
                unknown = sorted(set(int(r) for r in run_ids) - set(ids))
                if unknown:
                    raise StoreError(
                        f"run_ids {examples(unknown)} are not complete runs in the store; "
                        "see store.runs()"
                    )

            def with_actuals(table: sa.Table, *columns: Any) -> list:
                """Rows of a forecast table that have an actual: the keys, then ``columns``."""
                on = sa.and_(table.c.unique_id == act.c.unique_id, table.c.ds == act.c.ds)
                where = [table.c.run_id.in_(ids), act.c.y.is_not(None)]
                if models is not None:
                    where.append(table.c.model.in_(list(models)))
                keys = [table.c[k] for k in ("run_id", "model", "unique_id", "ds")]
                query = sa.select(*keys, *columns).select_from(table.join(act, on)).where(*where)
                return _fetch(conn, query) if ids else []

            points = with_actuals(fc_t, fc_t.c.step, act.c.y, fc_t.c.point)
            bounds = with_actuals(iv_t, iv_t.c.level, iv_t.c.lo, iv_t.c.hi)
        keys = ["run_id", "model", "unique_id", "ds"]
        out = pd.DataFrame(points, columns=[*keys, "step", "y", "forecast"])
        out = out.astype({"y": "float64", "forecast": "float64", "step": "int64"})
        if bounds:
            iv = pd.DataFrame(bounds, columns=[*keys, "level", "lo", "hi"])
            iv = iv.astype({"lo": "float64", "hi": "float64"})
            iv_wide = iv.pivot(index=keys, columns="level", values=["lo", "hi"])
            levels = sorted(iv["level"].unique())
            names = bound_names(levels)
            iv_wide.columns = [names[lv][side == "hi"] for side, lv in iv_wide.columns]
            ordered = [name for lv in levels for name in names[lv]]
            out = out.merge(iv_wide[ordered].reset_index(), on=keys, how="left")
        runs_frame = self._runs_frame(run_rows)
        tz = str(runs_frame["as_of"].dt.tz) if len(runs_frame) else _FALLBACK_TZ
        out = out.merge(runs_frame[["run_id", "as_of", "label"]], on="run_id", how="left")
        ds_dtype = json.loads(run_rows[-1].columns).get("ds", "") if run_rows else ""
        unit = ds_dtype[len("datetime64[") :].split(",")[0] if ds_dtype else None
        out["ds"] = _from_epoch_ns(out["ds"], tz, unit)
        front = ["run_id", "as_of", "label", "model", "unique_id", "ds", "step", "y", "forecast"]
        out = out[front + [c for c in out.columns if c not in front]]
        return out.sort_values(["run_id", "model", "unique_id", "ds"], ignore_index=True)

    def accuracy(
        self,
        *,
        run_ids: Sequence[int] | None = None,
        models: Sequence[str] | None = None,
        by: Sequence[str] = ("run_id", "model", "step"),
        label: str | None = None,
        season: int | None = None,
    ) -> pd.DataFrame:
        """Forecast accuracy against the stored actuals, per group (forecast snapshots).

        The metrics are those of :func:`demandcast.scoring.evaluate`, so stored runs
        and backtests are scored alike.

        Parameters
        ----------
        run_ids, models, label
            Which forecasts to score, as in :meth:`forecast_vs_actual`.
        by : sequence of str, default ("run_id", "model", "step")
            Group keys, from ``run_id``, ``as_of``, ``label``, ``model``, ``unique_id``
            and ``step`` (the horizon). Models are always scored apart.
        season : int, optional
            Seasonal period in intervals (7 for daily data). With it ``mase`` and
            ``rmsse`` are scaled by the seasonal-naive error of each series' stored
            actuals up to the run's ``as_of``; without it they are NaN.

        Returns
        -------
        DataFrame
            ``model`` and the ``by`` columns, then ``n`` (forecasts scored), ``mae``,
            ``rmse``, ``mase``, ``rmsse``, ``wape`` (sum of absolute errors / sum of
            actuals), ``smape``, ``bias`` (mean of forecast - actual: positive means
            over-forecast), ``relative_bias`` and per stored level ``coverage_<l>``,
            ``width_<l>``, ``interval_score_<l>`` and two ``pinball_q..`` columns.

        Examples
        --------
        >>> import pandas as pd
        >>> from demandcast.store import ForecastStore
        >>> ds = pd.date_range("2024-05-06", periods=2, freq="D", tz="Europe/Amsterdam")
        >>> with ForecastStore("sqlite://") as store:
        ...     _ = store.save_run(pd.DataFrame({"unique_id": "a", "ds": ds, "m": [5.0, 6.0]}),
        ...                        as_of="2024-05-05")
        ...     _ = store.save_actuals(pd.DataFrame({"unique_id": "a", "ds": ds, "y": [4.0, 8.0]}))
        ...     store.accuracy(by=["model"])[["model", "n", "mae", "wape", "bias"]]
          model  n  mae  wape  bias
        0     m  2  1.5  0.25  -0.5
        """
        from demandcast.scoring import score_forecast_vs_actual

        by = [by] if isinstance(by, str) else list(by)
        bad = [k for k in by if k not in _ACCURACY_KEYS]
        if bad or not by:
            raise StoreError(
                f"by={by!r} is not allowed: group by one or more of {list(_ACCURACY_KEYS)}"
            )
        joined = self.forecast_vs_actual(run_ids=run_ids, models=models, label=label)
        train = None
        if season is not None and len(joined):
            train = self.load_actuals(
                joined["unique_id"].unique().tolist(), tz=str(joined["ds"].dt.tz)
            )
        return score_forecast_vs_actual(joined, by, train=train, season=season)
