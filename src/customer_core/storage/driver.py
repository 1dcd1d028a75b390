"""The one seam of every statement sent to the driver itself (psycopg, sqlite3) instead of through
SQLAlchemy's execution.

Hot statements go straight to the driver: the live 360 read (`storage.prepared`), the deferred
inserts' one statement (`storage.deferred`), COPY and SQLite's `executemany` (`storage.bulk`),
and SQLite's held-back BEGIN (`begin_now`). SQLAlchemy's execution events do not fire for them,
so each goes through `driver_statement`, which does what SQLAlchemy would around it:

- before it, the rows `storage.deferred` holds back are sent (so the statement sees them and
  comes after them), then the BEGIN `storage.writer_lock` holds back on SQLite;
- a driver error from it is raised as SQLAlchemy's class for it (IntegrityError,
  OperationalError, ...), so `run_in_transaction` retries a serialization failure like any
  other, and a lost connection is invalidated, so it is not pooled again and the call is
  retried once or answered UNAVAILABLE;
- after it, each statement observer (`add_statement_observer`) is told what ran: where spans
  and metrics attach (statements through SQLAlchemy are seen by its own events, as
  OpenTelemetry's SQLAlchemy instrumentation sees them).

Its SQL uses placeholders the driver takes as they are, compiled by SQLAlchemy (`positional`):
`$n` for psycopg's `RawCursor` (paramstyle "numeric_dollar"), `?` for sqlite3.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from time import perf_counter
from types import TracebackType
from typing import Any, Literal, NamedTuple, Protocol

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.types import TypeEngine

from customer_core.storage import writer_lock

log = logging.getLogger(__name__)

#: What a statement sent to the driver is: the live 360 read, the deferred inserts' statement,
#: a COPY, SQLite's executemany, SQLite's held-back BEGIN.
StatementKind = Literal["select", "deferred", "copy", "executemany", "begin"]


class StatementObserver(Protocol):
    """Told of each statement sent to the driver, once it has run or failed.

    Args:
        kind: what the statement is.
        dialect: the SQLAlchemy dialect's name ("sqlite", "postgresql", "cockroachdb").
        sql: the statement's text as sent.
        rows: rows it read or inserted, when known (None for BEGIN, or if it failed).
        duration: seconds it took, from just after what went before it (held-back rows, BEGIN).
        error: what it raised (a driver error as SQLAlchemy's), or None.
    """

    def __call__(
        self,
        kind: StatementKind,
        dialect: str,
        sql: str,
        rows: int | None,
        duration: float,
        error: BaseException | None,
    ) -> None: ...


_observers: tuple[StatementObserver, ...] = ()  # replaced whole, so it is read without a lock
_observers_changing = threading.Lock()


def add_statement_observer(observer: StatementObserver) -> Callable[[], None]:
    """Has `observer` told of every statement sent to the driver; returns what removes it.

    Observers run on the thread of the statement, after it; one that raises is logged and the
    statement's outcome stands.
    """
    global _observers
    with _observers_changing:
        _observers = (*_observers, observer)

    def remove() -> None:
        global _observers
        with _observers_changing:
            _observers = tuple(o for o in _observers if o is not observer)

    return remove


_before: list[Callable[[Connection], object]] = []


def before_each_statement(hook: Callable[[Connection], object]) -> None:
    """Has `hook(connection)` run before each statement sent to the driver, to send what the
    connection holds back (`storage.deferred` registers its flush: it sits above this module)."""
    _before.append(hook)


class DriverStatement:
    """`with driver_statement(...) as statement:` runs the block as one statement sent to the
    driver (see the module docstring): `statement.driver` is the driver's connection, and the
    block sets `statement.rows` to the rows read or inserted."""

    __slots__ = ("_first", "_start", "connection", "driver", "kind", "parameters", "rows", "sql")

    def __init__(
        self,
        connection: Connection,
        kind: StatementKind,
        sql: str,
        parameters: Sequence[Any] | None,
        first: bool,
    ) -> None:
        self.connection = connection
        self.kind = kind
        self.sql = sql
        self.parameters = parameters
        self.rows: int | None = None
        self._first = first
        self._start = 0.0

    def __enter__(self) -> DriverStatement:
        connection = self.connection
        if self._first:
            for hook in _before:
                hook(connection)
            begin_now(connection)
        self.driver: Any = connection.connection.driver_connection
        if _observers:
            self._start = perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        dialect = self.connection.dialect
        if error is not None and isinstance(error, dialect.loaded_dbapi.Error):
            raised = _as_sqlalchemy(self.connection, self.sql, self.parameters, error)
            if _observers:
                self._tell(dialect.name, raised)
            raise raised from error
        if _observers:
            self._tell(dialect.name, error)

    def _tell(self, dialect: str, error: BaseException | None) -> None:
        duration = perf_counter() - self._start
        rows = None if error is not None else self.rows
        for observer in _observers:
            try:
                observer(self.kind, dialect, self.sql, rows, duration, error)
            except Exception:
                log.exception("statement observer %r failed", observer)


def driver_statement(
    connection: Connection,
    kind: StatementKind,
    sql: str,
    parameters: Sequence[Any] | None = None,
) -> DriverStatement:
    """One statement sent to `connection`'s driver connection: what is held back goes first,
    errors are SQLAlchemy's, observers are told (see the module docstring)."""
    return DriverStatement(connection, kind, sql, parameters, True)


def _as_sqlalchemy(connection: Connection, sql: str, parameters: Any, error: Any) -> DBAPIError:
    """`error` of the driver as SQLAlchemy raises it for `sql`; a lost connection invalidated."""
    dialect = connection.dialect
    dbapi = dialect.loaded_dbapi
    lost = dialect.is_disconnect(error, connection.connection.driver_connection, None)
    if lost:
        connection.invalidate(error)
    return DBAPIError.instance(
        sql, parameters, error, dbapi.Error, connection_invalidated=lost, dialect=dialect
    )


def begin_now(connection: Connection) -> None:
    """Sends the BEGIN `writer_lock.begin_later` held back, if any (before any statement on a
    SQLite connection: SQLAlchemy's, by `storage.engine`, and those sent to the driver), taking
    the writer lock first for a write. Its duration, told to observers, includes the wait.

    Raises:
        WriterBusy: the writer lock stayed taken for `WRITER_WAIT` seconds.
    """
    mode = writer_lock.held_back_begin(connection)
    if mode is None:
        return
    sql = f"BEGIN {mode}"
    with DriverStatement(connection, "begin", sql, None, False) as statement:
        if mode == "IMMEDIATE":
            writer_lock.hold(connection)
        statement.driver.execute(sql)  # no statement cache, no events


#: Dialects that compile `$n` placeholders, by the class of the dialect they stand in for.
_NUMBERED: dict[type[Dialect], Dialect] = {}


class Positional(NamedTuple):
    """A statement's SQL with positional placeholders, and its parameters in their order."""

    sql: str
    names: list[str]
    types: list[TypeEngine[Any]]


def positional(statement: ClauseElement, dialect: Dialect) -> Positional:
    """`statement`'s SQL for `dialect` with positional placeholders its driver takes as they
    are, and the names and types of its parameters in their order (a name used twice is one
    placeholder on PostgreSQL and CockroachDB, and given twice on SQLite).

    SQLAlchemy compiles them: `?` (sqlite3's qmark) on SQLite; on PostgreSQL and CockroachDB
    `$1`, `$2`, … for psycopg's `RawCursor`, by a dialect of the same class with paramstyle
    "numeric_dollar" (asyncpg's); `compiled.positiontup` gives the order.

    Raises:
        ValueError: `statement` has parameters rendered at execution (expanding IN, literal
            execute), which only SQLAlchemy's execution fills in.
    """
    if dialect.paramstyle != "qmark":
        numbered = _NUMBERED.get(type(dialect))
        if numbered is None:
            same: Any = type(dialect)
            numbered = _NUMBERED[type(dialect)] = same(paramstyle="numeric_dollar")
        dialect = numbered
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params or compiled.literal_execute_params:  # type: ignore[attr-defined]
        raise ValueError("parameters rendered at execution cannot go to the driver as they are")
    names = list(compiled.positiontup or ())  # type: ignore[attr-defined]
    binds = compiled.binds  # type: ignore[attr-defined]
    return Positional(compiled.string, names, [binds[name].type for name in names])
