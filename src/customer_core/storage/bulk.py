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
- more rows with `computed` columns (COPY takes only values) go as
  `INSERT … SELECT … FROM unnest(<one array per column>)`, one text per table.

A computed column takes the value of an SQL expression instead of a given one, such as a
lookup; an expression that yields NULL for a NOT NULL column fails the whole insert.

SQLite is in-process: its driver's `executemany` is the cheap path, and used straight (SQLAlchemy's
execution of it cost more than SQLite's insert).

COPY and `executemany` go to the driver through `storage.driver.driver_statement`, as every
statement sent to it does. Rows are `DriverRow`s: on PostgreSQL and CockroachDB their values go to
psycopg as they are, without SQLAlchemy's type processing; `check_rows` says whether rows are
(in Python's development mode, `-X dev`, every row is checked before it goes).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    TextClause,
    Uuid,
    text,
)
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.types import TypeDecorator, TypeEngine

from customer_core.storage.driver import driver_statement

#: Array element type of each column type (as PostgreSQL and CockroachDB both name it).
_ELEMENT_TYPES: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (Uuid, "UUID"),
    (DateTime, "TIMESTAMPTZ"),
    (LargeBinary, "BYTEA"),
    (BigInteger, "BIGINT"),
    (Integer, "INTEGER"),
    (Boolean, "BOOLEAN"),
    (Float, "FLOAT8"),
    (String, "TEXT"),  # Text is a String
)

#: Most parameters in a statement whose parsing psycopg caches.
MAX_CACHED_PARAMETERS = 50

#: Columns whose values the database computes: (column, SQL expression with `:name` parameters).
Computed = tuple[tuple[str, str], ...]

#: A column value as the driver takes it: a UUID for Uuid, a timezone-aware datetime for
#: DateTime (UTCDateTime), bytes for LargeBinary, an int for Integer and BigInteger, a bool for
#: Boolean, a str for String and Text; None for NULL.
DriverValue: TypeAlias = uuid.UUID | datetime | bytes | int | bool | str | None
#: A row of a table: its columns' values by name (a column left out is NULL), each a
#: `DriverValue` (checked by `check_rows`; typed `Any` for the callers' `dict[str, object]`).
DriverRow: TypeAlias = Mapping[str, Any]

#: Check every row before it goes (`check_rows`): in Python's development mode (`-X dev`).
CHECK_ROWS = sys.flags.dev_mode

_PYTHON_TYPES: tuple[tuple[type[TypeEngine[Any]], type | tuple[type, ...]], ...] = (
    (Uuid, uuid.UUID),
    (DateTime, datetime),
    (LargeBinary, bytes),
    (Boolean, bool),  # before Integer: a bool is an int, not the other way round
    (Integer, int),  # BigInteger is an Integer
    (String, str),
    (Float, (float, int)),
)
_ACCEPTED: dict[str, dict[str, type | tuple[type, ...]]] = {}

_STATEMENTS: dict[tuple[Any, ...], TextClause] = {}
_SQLITE: dict[tuple[str, Computed], tuple[str, list[tuple[str, Callable[[Any], Any]]]]] = {}


def element_type(column_type: TypeEngine[Any]) -> str:
    """The SQL name of a column type, for an array of it in a CAST."""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    for kind, name in _ELEMENT_TYPES:
        if isinstance(column_type, kind):
            return name
    raise TypeError(f"no array element type for {column_type!r}")


def _accepted(table: Table) -> dict[str, type | tuple[type, ...]]:
    found = _ACCEPTED.get(table.name)
    if found is None:
        found = {}
        for column in table.c:
            kind = column.type
            if isinstance(kind, TypeDecorator):
                kind = kind.impl_instance
            found[column.name] = next(p for t, p in _PYTHON_TYPES if isinstance(kind, t))
        _ACCEPTED[table.name] = found
    return found


def check_rows(table: Table, rows: Sequence[DriverRow], computed: Computed = ()) -> None:
    """Checks that `rows` are `DriverRow`s of `table`: each key a column of it, each value None
    or of the Python type its column takes, datetimes aware (a computed column's value is not
    used, so not checked).

    Raises:
        ValueError: naming the first key or value that is not.
    """
    accepted = _accepted(table)
    skipped = {name for name, _ in computed}
    for i, row in enumerate(rows):
        for name, value in row.items():
            kind = accepted.get(name)
            if kind is None:
                raise ValueError(f"{table.name} row {i}: {name!r} is not a column")
            if value is None or name in skipped:
                continue
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ValueError(
                    f"{table.name}.{name} row {i}: {type(value).__name__} given, "
                    f"the driver takes {getattr(kind, '__name__', kind)}"
                )
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise ValueError(f"{table.name}.{name} row {i}: naive datetime")


def _cast(name: str, column_type: TypeEngine[Any], array: str = "") -> str:
    return f"CAST(:{name} AS {element_type(column_type)}{array})"


def _given(table: Table, computed: Computed) -> list[Any]:
    skipped = {name for name, _ in computed}
    return [column for column in table.c if column.name not in skipped]


def bulk_insert(
    table: Table, count: int, where: str = "", prefix: str = "", computed: Computed = ()
) -> TextClause:
    """The statement inserting `count` rows into `table` (PostgreSQL and CockroachDB).

    Its parameters are those `parameters` gives, each name starting with `prefix`; the
    `computed` columns take the values of their expressions instead; the rows go in only if
    the SQL condition `where` holds.
    """
    given = _given(table, computed)
    rows = count if count * len(given) <= MAX_CACHED_PARAMETERS else 0  # 0: arrays
    key = (table.name, rows, where, prefix, computed)
    statement = _STATEMENTS.get(key)
    if statement is None:
        expressions = dict(computed)
        if rows:
            groups = (
                ", ".join(
                    f"({expressions[c.name]})"
                    if c.name in expressions
                    else _cast(f"{prefix}{c.name}_{i}", c.type)
                    for c in table.c
                )
                for i in range(rows)
            )
            source = "SELECT * FROM (VALUES " + ", ".join(f"({g})" for g in groups) + ") AS source"
        else:
            chosen = ", ".join(
                f"({expressions[c.name]})" if c.name in expressions else f"source.{c.name}"
                for c in table.c
            )
            arrays = ", ".join(_cast(prefix + c.name, c.type, "[]") for c in given)
            aliases = ", ".join(c.name for c in given)
            source = f"SELECT {chosen} FROM unnest({arrays}) AS source ({aliases})"
        names = ", ".join(column.name for column in table.c)
        sql = f"INSERT INTO {table.name} ({names}) {source}"
        statement = _STATEMENTS[key] = text(f"{sql} WHERE {where}" if where else sql)
    return statement


def parameters(
    table: Table, rows: Sequence[DriverRow], prefix: str = "", computed: Computed = ()
) -> dict[str, Any]:
    """The parameters of `bulk_insert(table, len(rows), …)` for `rows` (a missing key is NULL)."""
    given = [column.name for column in _given(table, computed)]
    if len(rows) * len(given) <= MAX_CACHED_PARAMETERS:
        return {f"{prefix}{n}_{i}": row.get(n) for i, row in enumerate(rows) for n in given}
    return {prefix + name: [row.get(name) for row in rows] for name in given}


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[DriverRow],
    *,
    computed: Computed = (),
    **expression_parameters: Any,
) -> int:
    """Inserts `rows` in one statement; how many.

    `rows`: `DriverRow`s, as `check_rows` checks (on PostgreSQL and CockroachDB values go to
    the driver as they are, with no SQLAlchemy type processing). `computed`: columns whose
    values are SQL expressions (valid on the engine) instead, with `expression_parameters`.
    """
    if not rows:
        return 0
    if CHECK_ROWS:
        check_rows(table, rows, computed)
    result: CursorResult[Any]
    if connection.dialect.name == "sqlite":
        return _sqlite_executemany(connection, table, rows, computed, expression_parameters)
    if not computed and len(rows) * len(table.c) > MAX_CACHED_PARAMETERS:
        return _copy(connection, table, rows)
    else:
        result = connection.execute(
            bulk_insert(table, len(rows), computed=computed),
            {**parameters(table, rows, computed=computed), **expression_parameters},
        )
    return int(result.rowcount)


def _copy(connection: Connection, table: Table, rows: Sequence[DriverRow]) -> int:
    """`rows` into `table` by COPY, in the connection's transaction (PostgreSQL, CockroachDB)."""
    names = [column.name for column in table.c]
    sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    with driver_statement(connection, "copy", sql) as statement:
        with statement.driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row.get(name) for name in names])
        statement.rows = len(rows)
    return len(rows)


def _sqlite_executemany(
    connection: Connection,
    table: Table,
    rows: Sequence[DriverRow],
    computed: Computed,
    expression_parameters: Mapping[str, Any],
) -> int:
    """`rows` into `table` by the sqlite3 driver's `executemany`, each value bound as its
    column's type binds it (UUIDs and times are text there), as `insert(table)` would: the
    same statement without SQLAlchemy's execution, which cost more than SQLite's insert."""
    sql, binders = _sqlite_insert(table, computed, connection.dialect)
    names = [column.name for column in _given(table, computed)]
    batch = []
    for row in rows:
        values = {name: row.get(name) for name in names}
        for name, bind in binders:
            values[name] = bind(values[name])
        values.update(expression_parameters)
        batch.append(values)
    with driver_statement(connection, "executemany", sql) as statement:
        statement.rows = inserted = int(statement.driver.executemany(sql, batch).rowcount)
    return inserted


def _sqlite_insert(
    table: Table, computed: Computed, dialect: Any
) -> tuple[str, list[tuple[str, Callable[[Any], Any]]]]:
    """`INSERT INTO table (…) VALUES (:col, …, (expression), …)` (sqlite3 takes `:name`
    parameters as they are), and the bind processor of each given column that has one."""
    found = _SQLITE.get((table.name, computed))
    if found is None:
        expressions = dict(computed)
        values = ", ".join(
            f"({expressions[c.name]})" if c.name in expressions else f":{c.name}" for c in table.c
        )
        names = ", ".join(c.name for c in table.c)
        binders = [
            (column.name, bind)
            for column in _given(table, computed)
            if (bind := column.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        found = (f"INSERT INTO {table.name} ({names}) VALUES ({values})", binders)
        _SQLITE[(table.name, computed)] = found
    return found
