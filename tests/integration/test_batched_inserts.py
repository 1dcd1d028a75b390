"""Rows inserted together reach PostgreSQL as one INSERT, not through psycopg's pipeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.tables import audit_events


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
