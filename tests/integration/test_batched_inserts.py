"""Rows inserted together reach PostgreSQL as one statement, not through psycopg's pipeline; and
`storage.bulk.insert_rows` sends the same text whatever the number of rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.bulk import insert_rows
from customer_core.storage.tables import audit_events, data_keys


def _audit_inserts_seen(engine: Any) -> list[tuple[str, bool]]:
    """The INSERTs into audit_events `engine` sends through SQLAlchemy, with their executemany
    flag, as they go."""
    statements: list[tuple[str, bool]] = []

    def seen(_c: Any, _cursor: Any, statement: str, _p: Any, _ctx: Any, many: bool) -> None:
        if statement.startswith("INSERT INTO audit_events"):
            statements.append((statement, many))

    event.listen(engine, "before_cursor_execute", seen)
    return statements


@pytest.mark.postgresql_only
def test_several_rows_are_one_insert_statement_with_many_values(database_url: str) -> None:
    engine = create_engine(database_url)
    statements = _audit_inserts_seen(engine)
    now, principal = datetime.now(UTC), f"batch-{uuid.uuid4().hex[:8]}"
    rows = [
        {
            "id": uuid.uuid4(), "time": now, "principal": principal, "method": "m",
            "request_id": "", "customers": "", "unmasked_fields": "", "reason": "", "outcome": "OK",
        }
        for _ in range(5)
    ]  # fmt: skip
    run_in_transaction(engine, lambda c: c.execute(insert(audit_events), rows))
    count = (
        select(func.count()).select_from(audit_events).where(audit_events.c.principal == principal)
    )
    assert run_in_transaction(engine, lambda c: c.execute(count).scalar_one(), write=False) == 5
    engine.dispose()
    # One statement carrying the 5 rows (SQLAlchemy's "insertmanyvalues"), sent with execute().
    assert len(statements) == 1, statements
    assert statements[0][0].count("VALUES") == 1 and statements[0][0].count("), (") == 4


def _audit_rows(principal: str, count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "id": uuid.uuid4(), "time": now, "principal": principal, "method": f"m{i}",
            "request_id": "", "customers": "", "unmasked_fields": "é\nx\t\\N", "reason": "",
            "outcome": "OK",
        }
        for i in range(count)
    ]  # fmt: skip


def _key_rows(count: int) -> list[dict[str, Any]]:
    """Data-key rows with a value of every column type, NULLs and awkward bytes among them."""
    rows = []
    for i in range(count):
        key_id = uuid.uuid4()
        rows.append(
            {
                "id": key_id, "scope": f"bulk/{key_id}", "customer_id": uuid.uuid4() if i % 2 else None,
                "version": 2**31 - 1 - i, "kek_domain": "customer-data", "kek_version": 1,
                "wrapped": bytes([i % 256]) + b"\x00\xff\\\n" * i, "status": "active",
                "create_time": datetime(2026, 1, 2, 3, 4, 5, 6 + i, tzinfo=UTC),
            }
        )  # fmt: skip
    return rows


def _stored(engine: Any, rows: list[dict[str, Any]]) -> dict[uuid.UUID, dict[str, Any]]:
    ids = [row["id"] for row in rows]
    found = run_in_transaction(
        engine,
        lambda c: c.execute(select(data_keys).where(data_keys.c.id.in_(ids))).all(),
        write=False,
    )
    return {
        row.id: {k: bytes(v) if k == "wrapped" else v for k, v in row._asdict().items()}
        for row in found
    }


@pytest.mark.parametrize("count", [2, 40], ids=["a few rows", "many rows"])
def test_insert_rows_round_trips_every_column_type(database_url: str, count: int) -> None:
    engine = create_engine(database_url)
    rows = _key_rows(count)
    try:
        assert run_in_transaction(engine, lambda c: insert_rows(c, data_keys, rows)) == count
        assert run_in_transaction(engine, lambda c: insert_rows(c, data_keys, [])) == 0
        stored = _stored(engine, rows)
    finally:
        engine.dispose()
    assert [stored[row["id"]] for row in rows] == rows


@pytest.mark.parametrize("count", [2, 40], ids=["a few rows", "many rows"])
def test_insert_rows_computes_columns_all_or_nothing(database_url: str, count: int) -> None:
    engine = create_engine(database_url)
    yes, no = _key_rows(count), _key_rows(count)
    # The version is looked up: NULL (refused by NOT NULL) unless the lookup finds it.
    computed = (("kek_version", "SELECT CAST(:v AS INTEGER) WHERE CAST(:wanted AS TEXT) = 'yes'"),)
    try:
        with pytest.raises(IntegrityError):
            run_in_transaction(
                engine, lambda c: insert_rows(c, data_keys, no, computed=computed, v=7, wanted="no")
            )
        inserted = run_in_transaction(
            engine, lambda c: insert_rows(c, data_keys, yes, computed=computed, v=7, wanted="yes")
        )
        assert inserted == count
        stored = _stored(engine, yes)
        assert _stored(engine, no) == {}
    finally:
        engine.dispose()
    assert [stored[row["id"]] for row in yes] == [{**row, "kek_version": 7} for row in yes]


@pytest.mark.postgresql_only
def test_insert_rows_sends_few_rows_as_values_and_many_by_copy(database_url: str) -> None:
    engine = create_engine(database_url)
    statements = _audit_inserts_seen(engine)
    principal = f"bulk-{uuid.uuid4().hex[:8]}"
    for count in (2, 5, 300):
        rows = _audit_rows(principal, count)
        run_in_transaction(engine, lambda c, r=rows: insert_rows(c, audit_events, r))
    found = run_in_transaction(
        engine,
        lambda c: (
            c.execute(
                select(audit_events.c.unmasked_fields).where(audit_events.c.principal == principal)
            )
            .scalars()
            .all()
        ),
        write=False,
    )
    engine.dispose()
    assert len(found) == 307 and set(found) == {"é\nx\t\\N"}  # COPY's escapes came back intact
    # 2 and 5 rows: one INSERT each, executed once, whose text differs only with the row count;
    # 300 rows: no INSERT statement (a COPY, which SQLAlchemy does not see).
    assert len(statements) == 2 and not any(many for _, many in statements), statements
    assert all("FROM (VALUES (" in text for text, _ in statements)
    assert [text.count("), (") for text, _ in statements] == [1, 4]


def test_insert_rows_errors_are_sqlalchemy_errors_many_rows_or_few(database_url: str) -> None:
    """A failing COPY raises what a failing INSERT raises, so `run_in_transaction` retries a
    serialization failure of either alike."""
    engine = create_engine(database_url)
    try:
        for count in (2, 40):
            rows = _key_rows(count)
            run_in_transaction(engine, lambda c, r=rows: insert_rows(c, data_keys, r))
            with pytest.raises(IntegrityError):  # the same keys again
                run_in_transaction(engine, lambda c, r=rows: insert_rows(c, data_keys, r))
    finally:
        engine.dispose()
