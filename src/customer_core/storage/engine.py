"""Engines for the three supported databases, chosen by URL.

- `sqlite:///path` — the embedded default. WAL mode; writers take the lock up front
  (`BEGIN IMMEDIATE`, sent at their first statement) so two writers never deadlock upgrading a
  read lock.
- `postgresql+psycopg://...` — a single server, at SERIALIZABLE.
- `cockroachdb+psycopg://...` — production (CockroachDB runs every transaction SERIALIZABLE).

`create_engine` also gives each engine the event listeners of `storage.deferred` (rows held
back are sent before any other statement, forgotten at rollback, never lost at commit) and of
`storage.transaction` (a memo per transaction): on the engine itself, not on SQLAlchemy's
`Engine` class, so other engines in the process (a tool's, a test's) are left as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url

from customer_core.storage import deferred, transaction
from customer_core.storage.driver import begin_now
from customer_core.storage.writer_lock import add_writer_lock, begin_later

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


def create_engine(url: str | URL, *, pool_size: int = 16, echo: bool = False) -> Engine:
    """An engine for `url`, configured for SERIALIZABLE transactions on every backend."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, pool_size=pool_size, echo=echo)
    else:
        engine = _server_engine(parsed, pool_size=pool_size, echo=echo)
    deferred.install(engine)
    transaction.install(engine)
    return engine


def _server_engine(parsed: URL, *, pool_size: int, echo: bool) -> Engine:
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
    # Several rows inserted at once through SQLAlchemy (ledger offsets; the kernel's own rows go
    # through storage.bulk and storage.deferred) go as one INSERT with many VALUES, as
    # SQLAlchemy does for psycopg2, rather than through psycopg's
    # executemany pipeline, which logs "error ignored terminating <psycopg.Pipeline ...>:
    # pipeline aborted" whenever a serialization failure (retried here) lands in it.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


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

    add_writer_lock(engine, url.database)

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
        # Sent, and a writer's lock taken, at the first statement; "" is autocommit (see
        # `run_in_transaction`): each statement a transaction of its own.
        begin_later(connection, connection.get_execution_options().get("sqlite_begin", "DEFERRED"))

    @event.listens_for(engine, "before_cursor_execute")
    def _on_statement(connection: Connection, *_args: Any) -> None:
        begin_now(connection)  # sent to the driver itself: `storage.driver`

    return engine
