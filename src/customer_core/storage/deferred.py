"""Inserts held back and sent together: just before the transaction's next statement, or at its end.

A write such as onboarding a customer with three records inserts into six tables (customer,
records, ledger entries, data keys, blind indexes, the request id). Sent one by one they are a
dozen round trips to PostgreSQL or CockroachDB; `defer` holds each row back instead, and
`flush` sends them all as one statement (data-modifying CTEs, one per table), behind a gate
that lets them in (the request-id claim; see `Kernel.write`). A write that did nothing else
(creating a customer) is then that one statement, without even BEGIN and COMMIT.

Nothing can observe the difference: any other statement on the connection first flushes what is
held back (so a read sees every row deferred before it, and statements keep their order), and
`run_in_transaction` flushes before it commits. Statements through SQLAlchemy are held up by
listeners `install` puts on each engine of `storage.create_engine`; statements sent to the driver
itself go through `storage.driver.driver_statement`, which flushes first. The rows of a deferred
insert must be new (inserts that may collide only with concurrent writers, retried as
`RetryTransaction` like any other race), and are `storage.bulk.DriverRow`s: values the driver takes
as they are.

The one statement goes to psycopg's `RawCursor` with `$n` placeholders, as SQLAlchemy compiles
them (`storage.driver.positional`). SQLite, in process, gets one `executemany` per table instead:
it has no round trips to save. A set-based write of many rows (`BatchCreateCustomers`) goes
table by table too, each table's rows by COPY (`storage.bulk.insert_rows`): one statement of
thousands of rows would cost more to plan than the round trips it saves.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, TextClause, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from customer_core.storage import bulk
from customer_core.storage.bulk import (
    Computed,
    DriverRow,
    bulk_insert,
    check_rows,
    insert_rows,
    parameters,
)
from customer_core.storage.driver import (
    Positional,
    before_each_statement,
    driver_statement,
    positional,
)
from customer_core.storage.transaction import RetryTransaction, before_commit

_PENDING = "customer_core.deferred_inserts"
#: Statements by shape (dialect, tables, row counts, gate). Writes of many sizes make many shapes,
#: so the cache starts afresh when it holds `_MAX_SHAPES`: the common shapes are built again at once.
_STATEMENTS: dict[tuple[Any, ...], Positional] = {}
_MAX_SHAPES = 1024
_FLUSHING = "customer_core.deferred_flushing"
#: Rows of one table from which a flush goes table by table, by COPY, instead of as one statement.
COPY_ROWS = 500


@dataclass
class _Group:
    """Rows for one table, inserted together (see `defer`)."""

    table: Table
    rows: list[DriverRow] = field(default_factory=list)
    computed: Computed = ()
    expression_parameters: dict[str, Any] = field(default_factory=dict)
    on_error: Callable[[], object] | None = None


def defer(
    connection: Connection,
    table: Table,
    rows: Sequence[DriverRow],
    *,
    computed: Computed = (),
    on_error: Callable[[], object] | None = None,
    **expression_parameters: Any,
) -> None:
    """Holds `rows` back for `table`, to be inserted with the others at the next flush.

    `rows`: new rows (see the module docstring), as `storage.bulk.check_rows` checks them (in
    Python's development mode at once, else if the flush fails). Rows without computed columns
    join those of the table deferred before, unless rows of a table they refer to (a foreign
    key) were deferred in between: rows go after those they refer to, if those were deferred
    first.

    `computed`: columns whose values the database computes from SQL expressions (with
    `expression_parameters`; see `storage.bulk`), such as a lookup that yields NULL for a NOT
    NULL column unless what it looks up still holds: the whole flush then fails, `on_error` is
    called and the transaction is retried (`RetryTransaction`). Such an expression reads, so
    its flush stays in the SERIALIZABLE transaction (see `flush`).

    Raises:
        ValueError: `connection` is not of an engine of `storage.create_engine` (nothing would
            send its rows before other statements, nor refuse a commit without them); in
            development mode, `rows` are not `DriverRow`s of `table`.
    """
    if not rows:
        return
    if bulk.CHECK_ROWS:
        check_rows(table, rows, computed)
    pending: list[_Group] | None = connection.info.get(_PENDING)
    if pending is None:
        if connection.engine not in _INSTALLED:
            raise ValueError("defer takes a connection of customer_core.storage.create_engine")
        pending = connection.info[_PENDING] = []
    if not computed:  # plain rows of a table go together, whoever deferred them
        referred = _referred(table)
        for i, group in enumerate(pending):
            if group.table is table and not group.computed:
                if not any(later.table in referred for later in pending[i + 1 :]):
                    group.rows.extend(rows)
                    return
                break  # they would go before rows they may refer to
    pending.append(_Group(table, list(rows), computed, expression_parameters, on_error))


_REFERRED: dict[Table, frozenset[Table]] = {}


def _referred(table: Table) -> frozenset[Table]:
    """The tables `table` refers to by foreign keys (itself included, if it does)."""
    found = _REFERRED.get(table)
    if found is None:
        found = _REFERRED[table] = frozenset(key.column.table for key in table.foreign_keys)
    return found


def flush(
    connection: Connection,
    gate: tuple[TextClause, Mapping[str, Any]] | None = None,
    *,
    last: bool = False,
) -> Any:
    """Inserts every row held back; with a `gate`, only if it lets them.

    Args:
        connection: in a transaction.
        gate: an SQL statement (data-modifying or not) yielding at most one value, and its
            parameters, such as the claim of a request id: it runs first, and the rows are
            inserted only if it yields a value.
        last: nothing else will run in this transaction. If nothing has run in it yet either,
            PostgreSQL and CockroachDB run the one statement on its own, which saves the round
            trips of BEGIN and COMMIT. On PostgreSQL it then runs at READ COMMITTED: enough
            for the gate and the inserts (unique constraints hold at every level), not for
            the reads of computed columns, which keep the statement in the transaction.
            (Locking what they read, FOR SHARE, would do; but every writer locking the one
            KEK row made PostgreSQL contend on it.)

    Returns:
        The gate's value (None without a gate, or if it yielded nothing).

    Raises:
        RetryTransaction: a row collided with a concurrent writer's, or a computed column was
            NULL (after calling the `on_error` of the rows that have computed columns).
    """
    groups: list[_Group] = connection.info.pop(_PENDING, [])
    if not groups and gate is None:
        return None
    connection.info[_FLUSHING] = True
    try:
        if connection.dialect.name == "sqlite" or (gate is None and _bulky(groups)):
            return _flush_one_by_one(connection, groups, gate)
        return _flush_as_statements(connection, groups, gate, last)
    except IntegrityError as exc:
        for group in groups:
            if group.on_error is not None:
                group.on_error()
        for group in groups:  # a row that is no DriverRow fails alike: a mistake, not a race
            try:
                check_rows(group.table, group.rows, group.computed)
            except ValueError as mistake:
                raise mistake from exc
        raise RetryTransaction(f"deferred insert failed: {type(exc.orig).__name__}") from exc
    finally:
        connection.info.pop(_FLUSHING, None)


def _bulky(groups: list[_Group]) -> bool:
    """Whether some table's rows are many enough to go by COPY (`storage.bulk.insert_rows`)."""
    return any(not g.computed and len(g.rows) >= COPY_ROWS for g in groups)


def _flush_one_by_one(
    connection: Connection, groups: list[_Group], gate: tuple[TextClause, Mapping[str, Any]] | None
) -> Any:
    passed = connection.execute(gate[0], gate[1]).scalar() if gate else None
    if gate is not None and passed is None:
        return None
    for group in groups:
        insert_rows(
            connection,
            group.table,
            group.rows,
            computed=group.computed,
            **group.expression_parameters,
        )
    return passed


def _flush_as_statements(
    connection: Connection,
    groups: list[_Group],
    gate: tuple[TextClause, Mapping[str, Any]] | None,
    last: bool,
) -> Any:
    # CockroachDB refuses two modifications of one table in a statement: a table met again
    # (rows with computed columns) starts the next statement.
    batches: list[list[_Group]] = [[]]
    for group in groups:
        if any(other.table is group.table for other in batches[-1]):
            batches.append([])
        batches[-1].append(group)
    alone = last and len(batches) == 1 and not any(group.computed for group in groups)
    passed = _run_one_statement(connection, batches[0], gate, alone)
    if gate is not None and passed is None:
        return None
    for batch in batches[1:]:
        _run_one_statement(connection, batch, None, False)
    return passed


def _run_one_statement(
    connection: Connection,
    groups: list[_Group],
    gate: tuple[TextClause, Mapping[str, Any]] | None,
    alone: bool,
) -> Any:
    values: dict[str, Any] = dict(gate[1]) if gate is not None else {}
    for k, group in enumerate(groups):
        prefix = f"g{k}_"
        values.update(parameters(group.table, group.rows, prefix, group.computed))
        values.update({prefix + n: v for n, v in group.expression_parameters.items()})
    dialect = connection.dialect
    shape = (
        type(dialect),
        tuple(
            (g.table.name, len(g.rows), g.computed, tuple(g.expression_parameters)) for g in groups
        ),
        None if gate is None else gate[0].text,
    )
    statement = _STATEMENTS.get(shape)
    if statement is None:
        if len(_STATEMENTS) >= _MAX_SHAPES:
            _STATEMENTS.clear()
        statement = _STATEMENTS[shape] = positional(
            _one_statement(groups, gate[0] if gate else None), dialect
        )
    sql, names, _ = statement
    row = _execute_numbered(
        connection, sql, [values[name] for name in names], alone, gate is not None
    )
    passed, counts = (row[0], row[1:]) if gate is not None else (None, row)
    if gate is not None and passed is None:
        return None  # the gate held the rows back
    for group, inserted in zip(groups, counts, strict=True):
        if inserted != len(group.rows):  # the gate let them in: all or nothing
            raise RuntimeError(f"{inserted} of {len(group.rows)} rows into {group.table.name}")
    return passed


def _execute_numbered(
    connection: Connection, sql: str, params: list[Any], alone: bool, gated: bool
) -> Any:
    """The one row `sql` (with `$n` placeholders) yields, run on the connection's psycopg
    connection: in its transaction, or with `alone` on its own if that has not begun yet.
    `gated`: the row's first value is the gate's, the others counts of rows inserted.

    psycopg parses the text of a statement with `%(name)s` placeholders into `$n` ones in
    Python, and caches that only for statements of at most 50 parameters: a customer with three
    records has over a hundred, and parsing them cost more than the round trips saved. A
    `RawCursor` takes `$n` placeholders as they are.
    """
    dbapi = connection.dialect.loaded_dbapi
    with driver_statement(connection, "deferred", sql, params) as statement:
        driver = statement.driver
        # Nothing has run in the transaction: psycopg has not even sent BEGIN yet.
        alone = alone and driver.info.transaction_status == dbapi.pq.TransactionStatus.IDLE
        try:
            if alone:
                driver.autocommit = True
            with dbapi.RawCursor(driver) as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
        finally:
            if alone and not (driver.closed or driver.broken):  # a lost one is discarded
                driver.autocommit = False
        statement.rows = sum(row[1:] if gated else row)
    return row


def _one_statement(groups: list[_Group], gate: TextClause | None) -> TextClause:
    """`WITH gate AS (…), g0 AS (INSERT …), g1 AS (INSERT …), … SELECT <gate's value>, <counts>`.

    Each insert takes its rows only if the gate yielded a row. Each insert's count is selected,
    so every data-modifying CTE is referenced by the query (as CockroachDB wants of them).
    """
    ctes, outputs = [], []
    if gate is not None:
        ctes.append(f"gate AS ({gate.text})")
        outputs.append("(SELECT * FROM gate)")
    where = "EXISTS (SELECT 1 FROM gate)" if gate is not None else ""
    for k, group in enumerate(groups):
        prefix = f"g{k}_"
        computed = tuple(
            (column, _prefixed(expression, group.expression_parameters, prefix))
            for column, expression in group.computed
        )
        insert = bulk_insert(group.table, len(group.rows), where, prefix, computed).text
        ctes.append(f"g{k} AS ({insert} RETURNING 1)")
        outputs.append(f"(SELECT count(*) FROM g{k})")
    return text(f"WITH {', '.join(ctes)} SELECT {', '.join(outputs)}")


def _prefixed(expression: str, names: Mapping[str, Any], prefix: str) -> str:
    """`expression` with each of its parameters `:name` renamed `:{prefix}name`."""
    for name in names:
        expression = re.sub(rf":{name}\b", f":{prefix}{name}", expression)
    return expression


def _flush_first(connection: Connection, *_args: Any) -> None:
    # Any other statement sees, and comes after, every row deferred before it.
    if connection.info.get(_PENDING) and not connection.info.get(_FLUSHING):
        flush(connection)


def _forget(connection: Connection) -> None:
    connection.info.pop(_PENDING, None)


def _nothing_left(connection: Connection) -> None:
    # Rows are flushed by `run_in_transaction` before it commits; a commit by any other way
    # with rows still held back would lose them, so it fails instead.
    if connection.info.get(_PENDING):
        raise RuntimeError("a transaction committed with deferred inserts not flushed")


#: Engines `install` has been given (those of `storage.create_engine`).
_INSTALLED: weakref.WeakSet[Engine] = weakref.WeakSet()


def install(engine: Engine) -> None:
    """Has `engine`'s statements through SQLAlchemy come after the rows held back, its
    rollbacks forget them and its commits refuse to lose them (called by
    `storage.create_engine`; `defer` refuses other engines' connections)."""
    event.listen(engine, "before_execute", _flush_first)
    event.listen(engine, "begin", _forget)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "commit", _nothing_left)
    _INSTALLED.add(engine)


before_each_statement(flush)  # statements sent to the driver itself (`storage.driver`)
before_commit(lambda connection: flush(connection, last=True))
