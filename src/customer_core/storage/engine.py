"""Engines for the three supported databases, chosen by URL.

- `sqlite:///path` — the embedded default. WAL mode; writers take the lock up front
  (`BEGIN IMMEDIATE`) so two writers never deadlock upgrading a read lock.
- `postgresql+psycopg://...` — a single server, at SERIALIZABLE.
- `cockroachdb+psycopg://...` — production (CockroachDB runs every transaction SERIALIZABLE).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Literal

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import OperationalError

EngineKind = Literal["sqlite", "postgresql", "cockroachdb"]

_DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "cockroachdb": "cockroachdb+psycopg"}


def normalize_url(url: str | URL) -> URL:
    """Parses `url`, picking the psycopg 3 driver when none is named."""
    parsed = make_url(url)
    if parsed.drivername in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=_DEFAULT_DRIVERS[parsed.drivername])
    kind = parsed.get_backend_name()
    if kind not in ("sqlite", "postgresql", "cockroachdb"):
        raise ValueError(
            f"unsupported database URL scheme {parsed.drivername!r}: "
            "use sqlite:///, postgresql+psycopg:// or cockroachdb+psycopg://"
        )
    return parsed


def engine_kind(engine: Engine | Connection) -> EngineKind:
    """Which of the three supported databases `engine` talks to."""
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql", "cockroachdb"):
        raise ValueError(f"unsupported dialect {name!r}")
    return name  # type: ignore[return-value]


def create_engine(url: str | URL, *, pool_size: int = 16, echo: bool = False) -> Engine:
    """An engine for `url`, configured for SERIALIZABLE transactions on every backend."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, pool_size=pool_size, echo=echo)
    engine = sqlalchemy.create_engine(
        parsed,
        isolation_level="SERIALIZABLE",
        pool_size=pool_size,
        max_overflow=pool_size,
        # No ping per checkout (a round trip per transaction): run_in_transaction retries once
        # on a pooled connection the server had closed.
        pool_pre_ping=False,
        echo=echo,
    )
    # Several rows inserted at once (data keys, blind indexes, audit events) go as one INSERT
    # with many VALUES, as SQLAlchemy does for psycopg2, rather than through psycopg's
    # executemany pipeline, which logs "error ignored terminating <psycopg.Pipeline ...>:
    # pipeline aborted" whenever a serialization failure (retried here) lands in it.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


#: Seconds a SQLite writer waits for the writer lock, as long as SQLite's own busy timeout.
WRITER_WAIT = 30.0


class WriterBusy(OperationalError):
    """The SQLite writer lock stayed taken for `WRITER_WAIT` seconds ("database is locked", so
    the transaction helper retries it and finally answers ABORTED, as it would SQLite's own)."""

    def __init__(self) -> None:
        super().__init__("BEGIN IMMEDIATE", None, Exception("database is locked (writer lock)"))


class _WriterLock:
    """One writer at a time across the threads (a mutex) and processes (`flock` on a file beside
    the database) that write one SQLite database. Within a process the next writer is woken at
    once; across processes it polls the lock every millisecond or so. Neither waits longer than
    `WRITER_WAIT`: a writer that hangs holding the lock cannot stop the others for good."""

    def __init__(self, database: str | None) -> None:
        self._mutex = threading.Lock()
        self._path = f"{database}-writer.lock" if database and database != ":memory:" else None
        self._fd: int | None = None

    def __enter__(self) -> None:
        deadline = time.monotonic() + WRITER_WAIT
        if not self._mutex.acquire(timeout=WRITER_WAIT):
            raise WriterBusy()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                weakref.finalize(self, os.close, self._fd)  # closed with the engine
            pause = 0.0002
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WriterBusy() from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.002)
        except BaseException:
            self._mutex.release()
            raise

    def __exit__(self, *_exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._mutex.release()


#: SQLite engines' writer locks (see `writer_lock`).
_WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, _WriterLock] = weakref.WeakKeyDictionary()


def writer_lock(engine: Engine) -> AbstractContextManager[object]:
    """Held around a writing transaction: on SQLite, one writer at a time, woken in turn.

    SQLite has one writer per database. Writers that meet at BEGIN IMMEDIATE wait in SQLite's
    busy handler, which sleeps in growing steps (up to 100 ms) rather than being woken: under
    load most of a write's time went in sleeping, and the slowest writes took over a second.
    A writer kept waiting `WRITER_WAIT` seconds gets `WriterBusy`, which is retried like
    SQLite's own "database is locked".
    Other engines take no lock: their writers run concurrently. Not reentrant: a writing unit
    of work never starts another (on SQLite that could never have worked).
    """
    lock = _WRITER_LOCKS.get(engine)
    return lock if lock is not None else nullcontext()


def autocommit_options(engine: Engine) -> dict[str, str]:
    """Execution options under which each statement is a transaction of its own (no BEGIN).

    SQLite connections are in the driver's autocommit mode already (BEGIN is ours, see
    `_on_begin`), so only our BEGIN is left out; SQLAlchemy's AUTOCOMMIT isolation level would
    reset the driver's transaction handling on every return to the pool.
    """
    if engine.dialect.name == "sqlite":
        return {"sqlite_begin": ""}
    return {"isolation_level": "AUTOCOMMIT"}


def _sqlite_engine(url: URL, *, pool_size: int, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=pool_size,
        echo=echo,
    )

    _WRITER_LOCKS[engine] = _WriterLock(url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "synchronous=NORMAL",
            # Deleted content (shredded keys, old ciphertexts) is overwritten, not left in free pages.
            "secure_delete=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if not mode:
            return  # autocommit (see `autocommit_options`): each statement a transaction of its own
        # Straight to the driver: BEGIN needs no statement cache, events or result handling.
        connection.connection.dbapi_connection.execute(f"BEGIN {mode}")  # type: ignore[union-attr]

    return engine
