"""Rows inserted together reach PostgreSQL as one statement, not through psycopg's pipeline; and
`storage.bulk.insert_rows` sends the same text whatever the number of rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.bulk import insert_rows
from customer_core.storage.tables import audit_events, data_keys


@pytest.mark.postgresql_only
def test_several_rows_are_one_insert_statement_with_many_values(database_url: str) -> None:
    engine = create_engine(database_url)
    statements: list[tuple[str, bool]] = []

    def seen(_c: Any, _cursor: Any, statement: str, _p: Any, _ctx: Any, many: bool) -> None:
        if statement.startswith("INSERT INTO audit_events"):
            statements.append((statement, many))

    event.listen(engine, "before_cursor_execute", seen)
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
            "request_id": "", "customers": "", "unmasked_fields": "é\nx", "reason": "", "outcome": "OK",
        }
        for i in range(count)
    ]  # fmt: skip


def test_insert_rows_round_trips_every_column_type(database_url: str) -> None:
    engine = create_engine(database_url)
    customer_id, key_id = uuid.uuid4(), uuid.uuid4()
    rows = [
        {
            "id": key_id, "scope": f"bulk/{key_id}", "customer_id": None, "version": 2**31 - 1,
            "kek_domain": "customer-data", "kek_version": 1, "wrapped": b"\x00\xff" * 20,
            "status": "active", "create_time": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        },
        {
            "id": uuid.uuid4(), "scope": f"bulk/{customer_id}", "customer_id": customer_id,
            "version": 1, "kek_domain": "customer-data", "kek_version": 1, "wrapped": b"",
            "status": "active", "create_time": datetime.now(UTC),
        },
    ]  # fmt: skip
    try:
        assert run_in_transaction(engine, lambda c: insert_rows(c, data_keys, rows)) == 2
        assert run_in_transaction(engine, lambda c: insert_rows(c, data_keys, [])) == 0
        stored = run_in_transaction(
            engine,
            lambda c: c.execute(
                select(data_keys).where(data_keys.c.id.in_([r["id"] for r in rows]))
            ).all(),
            write=False,
        )
    finally:
        engine.dispose()
    by_id = {row.id: row._asdict() for row in stored}
    for row in rows:
        assert {k: (bytes(v) if k == "wrapped" else v) for k, v in by_id[row["id"]].items()} == row


@pytest.mark.postgresql_only
def test_insert_rows_sends_one_statement_parsed_once(database_url: str) -> None:
    engine = create_engine(database_url)
    statements: list[tuple[str, bool]] = []

    def seen(_c: Any, _cursor: Any, statement: str, _p: Any, _ctx: Any, many: bool) -> None:
        if statement.startswith("INSERT INTO audit_events"):
            statements.append((statement, many))

    event.listen(engine, "before_cursor_execute", seen)
    principal = f"bulk-{uuid.uuid4().hex[:8]}"
    for count in (2, 7, 300, 301):
        rows = _audit_rows(principal, count)
        run_in_transaction(engine, lambda c, r=rows: insert_rows(c, audit_events, r))
    count = (
        select(func.count()).select_from(audit_events).where(audit_events.c.principal == principal)
    )
    assert run_in_transaction(engine, lambda c: c.execute(count).scalar_one(), write=False) == 610
    engine.dispose()
    # Each batch one statement, executed once; 2 rows as VALUES; more as arrays, in the same text
    # whatever their number (psycopg parses it once, the server prepares it).
    assert len(statements) == 4 and not any(many for _, many in statements), statements
    assert "FROM (VALUES (" in statements[0][0] and statements[0][0].count("), (") == 1
    assert len({text for text, _ in statements[1:]}) == 1 and "unnest(" in statements[1][0]
