"""The audit writer's batches: each flush writes what was queued when it began, in batches of at
most `batch` records, so a steady stream of calls is written in few, large transactions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from customer_core.authz import audit as audit_module
from customer_core.authz.audit import AuditLog, AuditRecord
from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.tables import audit_events


def test_a_flush_writes_what_was_queued_when_it_began(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(database_url)
    audit = AuditLog(engine, flush_interval=3600, batch=50)  # flushed here only
    principal = f"batches-{id(audit)}"
    batches: list[int] = []
    write = audit_module.write

    def arriving_meanwhile(connection: Any, records: list[AuditRecord]) -> None:
        # The suite's server flushes its own audit log through the same module meanwhile: only
        # this log's batches count.
        if any(r.principal == principal for r in records):
            batches.append(len(records))
            audit.record(AuditRecord(principal, "late", "OK"))  # a call ending mid-flush
        write(connection, records)

    def written() -> int:
        query = select(func.count()).where(audit_events.c.principal == principal)
        return int(run_in_transaction(engine, lambda c: c.execute(query).scalar_one(), write=False))

    try:
        for _ in range(120):
            audit.record(AuditRecord(principal, "early", "OK"))
        with monkeypatch.context() as patch:
            patch.setattr(audit_module, "write", arriving_meanwhile)
            audit.flush()
        # 120 records in batches of 50; the 3 records that arrived meanwhile wait for the next
        # flush instead of making this one go on and on.
        assert batches == [50, 50, 20] and written() == 120
        audit.flush()
        assert written() == 123
    finally:
        audit.close()
        engine.dispose()
