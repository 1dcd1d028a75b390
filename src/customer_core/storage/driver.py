"""Statements sent to the driver itself (psycopg, sqlite3), around SQLAlchemy's execution, with
their errors raised as SQLAlchemy raises them.

`storage.bulk`, `storage.deferred` and `storage.prepared` send hot statements straight to the
driver. Their failures must look like any other statement's to `run_in_transaction`: the driver's
exception wrapped in SQLAlchemy's class for it (IntegrityError, OperationalError, ...), so a
serialization failure is retried, and a lost connection invalidated, so it is not pooled again
and the call is retried once or answered UNAVAILABLE.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError


@contextmanager
def raised_as_sqlalchemy(
    connection: Connection, sql: str, parameters: Any = None
) -> Iterator[None]:
    """Runs the block, raising a driver error from it as SQLAlchemy would for `sql`."""
    dialect = connection.dialect
    dbapi = dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, connection.connection.driver_connection, None)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            sql, parameters, exc, dbapi.Error, connection_invalidated=lost, dialect=dialect
        ) from exc
