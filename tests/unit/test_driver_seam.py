"""Every statement sent to the driver itself goes through one seam (`storage.driver`): what is
held back goes first, errors are SQLAlchemy's, and its observers see each path (the 360 read,
the deferred inserts' statement, COPY, SQLite's executemany and BEGIN) with what it did."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import Column, MetaData, Table, Uuid, bindparam, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from customer_core.kernel.customer360 import _LIVE
from customer_core.storage import create_engine, deferred, migrate, run_in_transaction
from customer_core.storage.bulk import MAX_CACHED_PARAMETERS, check_rows, insert_rows
from customer_core.storage.driver import add_statement_observer, positional
from customer_core.storage.prepared import PreparedSelect
from customer_core.storage.tables import audit_events, customers, ledger_entries
from tests.support.postgres import PostgresServer


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'seam.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"seam_{uuid.uuid4().hex[:8]}")
    migrate(url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def seen() -> Iterator[list[tuple[Any, ...]]]:
    """(kind, dialect, first three words of the SQL, rows, error) of each statement this
    thread sends to the driver."""
    statements: list[tuple[Any, ...]] = []
    thread = threading.get_ident()

    def observe(kind: str, dialect: str, sql: str, rows: Any, duration: float, error: Any) -> None:
        assert duration >= 0
        if threading.get_ident() == thread:
            statements.append((kind, dialect, " ".join(sql.split()[:3]), rows, error))

    remove = add_statement_observer(observe)
    yield statements
    remove()


def _customer() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(), "customer_number": uuid.uuid4().hex[:17], "type": "INDIVIDUAL",
        "status": "ACTIVE", "owning_org_unit": "HO01", "display_name": "Seam", "version": 1,
        "create_time": now, "update_time": now,
    }  # fmt: skip


def _entry(customer_id: uuid.UUID, sequence: int) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(), "chain": f"test/{customer_id}", "sequence": sequence,
        "time": datetime.now(UTC), "customer_id": customer_id, "source_system": "",
        "entry": b"\x00entry", "prev_hash": b"\x01" * 32, "hash": b"\x02" * 32,
    }  # fmt: skip


def _audit_rows(count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "id": uuid.uuid4(), "time": now, "principal": "seam", "method": "m", "request_id": "",
            "customers": "", "unmasked_fields": "", "reason": "", "outcome": "OK",
        }
        for _ in range(count)
    ]  # fmt: skip


def test_an_observer_sees_every_statement_sent_to_the_driver(
    engine: Engine, seen: list[tuple[Any, ...]]
) -> None:
    row = _customer()
    through_sqlalchemy: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: through_sqlalchemy.append(a[2]))

    def write(connection: Any) -> None:
        deferred.defer(connection, customers, [row])
        deferred.defer(connection, ledger_entries, [_entry(row["id"], 1), _entry(row["id"], 2)])

    run_in_transaction(engine, write)  # flushed before the commit
    many = MAX_CACHED_PARAMETERS // len(audit_events.c) + 1  # COPY on PostgreSQL
    run_in_transaction(engine, lambda c: insert_rows(c, audit_events, _audit_rows(many)))
    number = row["customer_number"]
    rows = run_in_transaction(
        engine, lambda c: _LIVE.all(c, number=number), write=False, autocommit=True
    )
    assert len(rows) == 1  # the customer, no records
    assert through_sqlalchemy == []  # each went to the driver, and only there

    if engine.dialect.name == "postgresql":
        assert seen == [
            ("deferred", "postgresql", "WITH g0 AS", 3, None),  # 1 customer, 2 entries
            ("copy", "postgresql", "COPY audit_events (id,", many, None),
            ("select", "postgresql", "SELECT 'customer' AS", 1, None),
        ]
    else:
        assert seen == [
            ("begin", "sqlite", "BEGIN IMMEDIATE", None, None),  # held back until the flush
            ("executemany", "sqlite", "INSERT INTO customers", 1, None),
            ("executemany", "sqlite", "INSERT INTO ledger_entries", 2, None),
            ("begin", "sqlite", "BEGIN IMMEDIATE", None, None),
            ("executemany", "sqlite", "INSERT INTO audit_events", many, None),
            ("select", "sqlite", "SELECT 'customer' AS", 1, None),  # autocommit: no BEGIN
        ]


def test_a_read_on_the_driver_sends_what_is_held_back_first(
    engine: Engine, seen: list[tuple[Any, ...]]
) -> None:
    row = _customer()

    def work(connection: Any) -> list[Any]:
        deferred.defer(connection, customers, [row])
        return _LIVE.all(connection, number=row["customer_number"])

    assert len(run_in_transaction(engine, work)) == 1
    assert [kind for kind, *_ in seen][-2:] == [
        "deferred" if engine.dialect.name == "postgresql" else "executemany",
        "select",
    ]


def test_an_observer_sees_the_error_as_it_is_raised(
    engine: Engine, seen: list[tuple[Any, ...]]
) -> None:
    missing = Table("no_such_table", MetaData(), Column("id", Uuid))
    broken = PreparedSelect(select(missing.c.id).where(missing.c.id == bindparam("id")))
    with engine.connect() as connection, pytest.raises(DBAPIError) as raised:
        broken.all(connection, id=uuid.uuid4())
    kind, _dialect, _sql, rows, error = seen[-1]
    assert (kind, rows) == ("select", None)
    assert error is raised.value and not raised.value.connection_invalidated  # SQLAlchemy's


def test_a_failing_observer_leaves_the_statement_as_it_went(engine: Engine) -> None:
    def failing(*_args: Any) -> None:
        raise RuntimeError("observer bug")

    remove = add_statement_observer(failing)
    try:
        rows = run_in_transaction(engine, lambda c: _LIVE.all(c, number="0" * 18), write=False)
    finally:
        remove()
    assert rows == []


def test_a_removed_observer_is_told_nothing_more(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    told: list[str] = []
    remove = add_statement_observer(lambda kind, *_: told.append(kind))
    run_in_transaction(engine, lambda c: c.execute(text("SELECT 1")))  # BEGIN IMMEDIATE
    remove()
    run_in_transaction(engine, lambda c: c.execute(text("SELECT 1")))
    assert told == ["begin"]
    engine.dispose()


def test_the_kernels_listeners_are_on_its_engines_not_on_every_engine(tmp_path: Path) -> None:
    ours = create_engine(f"sqlite:///{tmp_path / 'ours.db'}")
    plain = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    assert event.contains(ours, "before_execute", deferred._flush_first)
    assert not event.contains(Engine, "before_execute", deferred._flush_first)
    assert not event.contains(plain, "before_execute", deferred._flush_first)
    # Other engines cannot lose deferred rows or share a transaction's memos: refused.
    with pytest.raises(ValueError, match="create_engine"):
        run_in_transaction(plain, lambda c: None)
    with plain.begin() as connection, pytest.raises(ValueError, match="create_engine"):
        deferred.defer(connection, customers, [_customer()])
    ours.dispose()
    plain.dispose()


def test_rows_are_checked_as_the_driver_takes_them() -> None:
    row = _customer()
    check_rows(customers, [row])
    for key, value, message in (
        ("displayname", "x", "'displayname' is not a column"),
        ("id", str(row["id"]), r"customers.id row 0: str given, the driver takes UUID"),
        ("version", True, "bool given, the driver takes int"),
        ("create_time", datetime.now(), "customers.create_time row 0: naive datetime"),
    ):
        with pytest.raises(ValueError, match=message):
            check_rows(customers, [{**row, key: value}])
    # A computed column's value is not used, so whatever it is passes.
    check_rows(customers, [{**row, "version": "computed"}], (("version", "SELECT 1"),))


def test_placeholders_are_compiled_by_sqlalchemy_for_each_driver() -> None:
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    statement = text("SELECT CAST(:b AS TEXT), '100%', CAST(:a AS INTEGER), x::text, :b")
    sql, names, _ = positional(statement, PGDialect_psycopg())
    assert sql == "SELECT CAST($1 AS TEXT), '100%', CAST($2 AS INTEGER), x::text, $1"
    assert names == ["b", "a"]  # one placeholder per name, in order; no %% for psycopg's %s
    sql, names, _ = positional(statement, SQLiteDialect_pysqlite())
    assert sql == "SELECT CAST(? AS TEXT), '100%', CAST(? AS INTEGER), x::text, ?"
    assert names == ["b", "a", "b"]
    expanding = select(customers.c.id).where(customers.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="at execution"):
        positional(expanding, PGDialect_psycopg())
