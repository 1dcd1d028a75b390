"""Several rows into one table at once, in forms the driver handles cheaply.

SQLAlchemy sends a multi-row insert to PostgreSQL and CockroachDB as one `INSERT … VALUES` with a
group of parameters per row ("insertmanyvalues"; see `storage.engine.create_engine`). With more
than 50 parameters psycopg no longer caches the parsing of a statement's text, so it parses it
anew in Python on every call: under a read load, the audit writer's batches took a third of the
server's Python time that way. Here, on PostgreSQL and CockroachDB:

- a few rows go as `INSERT … SELECT * FROM (VALUES …)`, one text per row count, which psycopg
  parses once;
- more rows go by `COPY … FROM STDIN` (text format), whose rows psycopg formats in C: about
  3 µs of CPU a row against 10 µs as arrays (`unnest`) and more as VALUES;
- more rows inserted only if a condition holds (`only_if`; COPY has no condition) go as
  `INSERT … SELECT * FROM unnest(<one array per column>) WHERE …`, one text per table.

SQLite is in-process: its driver's `executemany` is already the cheap path, and used as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    TextClause,
    Uuid,
    bindparam,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Insert
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Array element type of each column type (as PostgreSQL and CockroachDB both name it).
_ELEMENT_TYPES: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (Uuid, "UUID"),
    (DateTime, "TIMESTAMPTZ"),
    (LargeBinary, "BYTEA"),
    (BigInteger, "BIGINT"),
    (Integer, "INTEGER"),
    (Boolean, "BOOLEAN"),
    (String, "TEXT"),  # Text is a String
)

#: Most parameters in a statement whose parsing psycopg caches.
MAX_CACHED_PARAMETERS = 50

_STATEMENTS: dict[tuple[str, int, str, str], TextClause] = {}


def element_type(column_type: TypeEngine[Any]) -> str:
    """The SQL name of a column type, for an array of it in a CAST."""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    for kind, name in _ELEMENT_TYPES:
        if isinstance(column_type, kind):
            return name
    raise TypeError(f"no array element type for {column_type!r}")


def _cast(name: str, column_type: TypeEngine[Any], array: str = "") -> str:
    return f"CAST(:{name} AS {element_type(column_type)}{array})"


def bulk_insert(table: Table, count: int, only_if: str = "", prefix: str = "") -> TextClause:
    """The statement inserting `count` rows into `table` (PostgreSQL and CockroachDB), if the
    SQL condition `only_if` holds; its parameters are those `parameters` gives, each name
    starting with `prefix`."""
    width = len(table.c)
    rows = count if count * width <= MAX_CACHED_PARAMETERS else 0  # 0: arrays
    key = (table.name, rows, only_if, prefix)
    statement = _STATEMENTS.get(key)
    if statement is None:
        if rows:
            groups = (
                "(" + ", ".join(_cast(f"{prefix}{c.name}_{i}", c.type) for c in table.c) + ")"
                for i in range(rows)
            )
            source = f"(VALUES {', '.join(groups)}) AS source"
        else:
            arrays = ", ".join(_cast(prefix + c.name, c.type, "[]") for c in table.c)
            source = f"unnest({arrays})"
        names = ", ".join(column.name for column in table.c)
        sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM {source}"
        statement = text(f"{sql} WHERE {only_if}" if only_if else sql)
        _STATEMENTS[key] = statement
    return statement


def parameters(table: Table, rows: Sequence[Mapping[str, Any]], prefix: str = "") -> dict[str, Any]:
    """The parameters of `bulk_insert(table, len(rows), prefix=prefix)` for `rows` (a missing
    key is NULL)."""
    if len(rows) * len(table.c) <= MAX_CACHED_PARAMETERS:
        return {
            f"{prefix}{c.name}_{i}": row.get(c.name) for i, row in enumerate(rows) for c in table.c
        }
    return {prefix + column.name: [row.get(column.name) for row in rows] for column in table.c}


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    only_if: str = "",
    **condition_parameters: Any,
) -> int:
    """Inserts `rows` (dicts of column values, as for `insert(table)`) in one statement; how many
    were inserted.

    `only_if`: insert only if this SQL condition (with `:name` parameters, given as
    `condition_parameters`, and valid on every engine) holds; no row is inserted when it does
    not. On PostgreSQL and CockroachDB values go to the driver as they
    are (no SQLAlchemy type processing), so they must be what psycopg takes: `uuid.UUID`,
    timezone-aware `datetime`, `bytes`, `int`, `str`.
    """
    if not rows:
        return 0
    result: CursorResult[Any]
    if connection.dialect.name == "sqlite":
        if not only_if:
            result = connection.execute(insert(table), list(rows))
        else:
            result = connection.execute(
                _guarded_sqlite_insert(table, only_if),
                [{**row, **condition_parameters} for row in rows],
            )
    elif not only_if and len(rows) * len(table.c) > MAX_CACHED_PARAMETERS:
        return _copy(connection, table, rows)
    else:
        result = connection.execute(
            bulk_insert(table, len(rows), only_if),
            {**parameters(table, rows), **condition_parameters},
        )
    return int(result.rowcount)


def _copy(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """`rows` into `table` by COPY, in the connection's transaction (PostgreSQL, CockroachDB)."""
    names = [column.name for column in table.c]
    sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    dbapi = connection.dialect.loaded_dbapi
    try:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row.get(name) for name in names])
    except dbapi.Error as exc:  # as SQLAlchemy raises it, so a serialization failure is retried
        raise DBAPIError.instance(sql, None, exc, dbapi.Error) from exc
    return len(rows)


_GUARDED: dict[tuple[str, str], Insert] = {}


def _guarded_sqlite_insert(table: Table, condition: str) -> Insert:
    """`INSERT INTO table SELECT :col, … WHERE condition`, one row per parameter set."""
    key = (table.name, condition)
    statement = _GUARDED.get(key)
    if statement is None:
        source = select(*(bindparam(c.name, type_=c.type) for c in table.c)).where(text(condition))
        statement = insert(table).from_select([c.name for c in table.c], source)
        _GUARDED[key] = statement
    return statement
