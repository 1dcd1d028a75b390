"""Hot reads run straight on the driver: a SELECT compiled once per dialect, its rows converted
as SQLAlchemy would convert them.

SQLAlchemy's execution of a cached statement still costs more Python than the statement itself
on the hottest read (GetCustomer360): an execution context, the cursor's description of every
column (psycopg builds an object per column on each call), result metadata and row objects. A
`PreparedSelect` keeps what does not change from call to call: the SQL text with positional
placeholders as SQLAlchemy compiles them for the driver (`storage.driver.positional`: `$n` for
psycopg's `RawCursor`, which takes them as they are; `?` for sqlite3), the order of its
parameters, each column's result processor and a row class with the columns as attributes. What
it runs is what `connection.execute(statement, parameters)` would run.

It behaves as a statement run through the connection does, since it goes through
`storage.driver.driver_statement`: rows held back by `storage.deferred` are sent first, it joins
the connection's transaction (or runs on its own outside one), and driver errors are raised as
SQLAlchemy's, so `run_in_transaction` retries and reports them alike. SQLAlchemy's execution
events do not fire; statement observers (`storage.driver`) are told of it instead.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.selectable import CompoundSelect

from customer_core.storage.driver import driver_statement, positional


class _Compiled:
    """The statement for one dialect: SQL text, parameter names in order, bind and result
    processors (the engine's dialect's, as SQLAlchemy's execution would use)."""

    def __init__(self, statement: Select[Any] | CompoundSelect[Any], dialect: Dialect) -> None:
        self.sql, self.names, types = positional(statement, dialect)
        self.binders: list[tuple[int, Callable[[Any], Any]]] = [
            (i, p)
            for i, kind in enumerate(types)
            if (p := kind.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]
        self.processors: list[tuple[int, Callable[[Any], Any]]] = [
            (i, p) for i, p in enumerate(processors) if p is not None
        ]


class PreparedSelect:
    """A SELECT run on the driver of a SQLAlchemy connection (see the module docstring).

    Args:
        statement: a SELECT (or UNION) with named bind parameters and uniquely named columns.
    """

    def __init__(self, statement: Select[Any] | CompoundSelect[Any]) -> None:
        self.statement = statement
        self.row: Any = namedtuple("Row", [c.key for c in statement.selected_columns])  # type: ignore[misc]
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        """The statement compiled for `dialect` (once)."""
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _Compiled(self.statement, dialect)
        return found

    def all(self, connection: Connection, **parameters: Any) -> list[Any]:
        """Every row, each a named tuple with the statement's columns as attributes."""
        compiled = self.compiled(connection.dialect)
        values = [parameters[name] for name in compiled.names]
        for i, bind in compiled.binders:
            values[i] = bind(values[i])
        rows = _fetch_all(connection, compiled.sql, values)
        make, processors = self.row._make, compiled.processors
        if not processors:
            return [make(row) for row in rows]
        converted = []
        for row in rows:
            items = list(row)
            for i, process in processors:
                items[i] = process(items[i])
            converted.append(make(items))
        return converted


def _fetch_all(connection: Connection, sql: str, values: list[Any]) -> list[Any]:
    with driver_statement(connection, "select", sql, values) as statement:
        if connection.dialect.name == "sqlite":
            rows = statement.driver.execute(sql, values).fetchall()
        else:
            with connection.dialect.loaded_dbapi.RawCursor(statement.driver) as cursor:
                cursor.execute(sql, values)
                rows = cursor.fetchall()
        statement.rows = len(rows)
    return rows
