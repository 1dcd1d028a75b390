"""The audit log: every call, who made it, which customers it touched, what it showed in clear.

Events of calls that unmasked sensitive values, changed security settings or erased data are
written before the answer leaves the server; the rest go through a queue flushed in batches (at
most `flush_interval` later) by a background loop (`coordination.background.Periodic`, started
with the kernel's other background work), so audit never doubles the cost of a read. `close`
flushes what is left, started or not.
"""

from __future__ import annotations

import logging
import queue
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from customer_core.coordination.background import Periodic
from customer_core.storage.bulk import insert_rows
from customer_core.storage.tables import audit_event_customers, audit_events
from customer_core.storage.transaction import run_in_transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditRecord:
    """One call, as audited."""

    principal: str
    method: str
    outcome: str
    customers: tuple[str, ...] = ()
    unmasked: tuple[str, ...] = ()
    reason: str = ""
    request_id: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def write(connection: Connection, records: list[AuditRecord]) -> None:
    """Appends audit records in the caller's transaction."""
    if not records:
        return
    insert_rows(
        connection,
        audit_events,
        [
            {
                "id": r.id,
                "time": r.time,
                "principal": r.principal,
                "method": r.method,
                "request_id": r.request_id,
                "customers": ",".join(r.customers),
                "unmasked_fields": "\n".join(r.unmasked),
                "reason": r.reason,
                "outcome": r.outcome,
            }
            for r in records
        ],
    )
    links = [
        {"event_id": r.id, "customer_number": c, "time": r.time}
        for r in records
        for c in set(r.customers)
    ]
    insert_rows(connection, audit_event_customers, links)


class AuditLog:
    """Writes audit records, durably at once or through a batching queue."""

    def __init__(self, engine: Engine, *, flush_interval: float = 0.2, batch: int = 500) -> None:
        self._engine = engine
        self._queue: queue.Queue[AuditRecord] = queue.Queue()
        self._batch = batch
        self._flusher = Periodic("audit-writer", flush_interval, self.flush)

    def start(self) -> None:
        """Starts flushing the queue every `flush_interval` seconds in the background."""
        self._flusher.start()

    def record(self, event: AuditRecord, *, durable: bool = False) -> None:
        """Audits a call; with `durable`, returns only once the record is committed."""
        if durable:
            run_in_transaction(self._engine, lambda c: write(c, [event]))
        else:
            self._queue.put(event)

    def flush(self) -> None:
        """Writes everything queued so far, in batches.

        Records queued meanwhile wait for the next flush: under load, draining until the queue
        was empty wrote a batch of a dozen records every few milliseconds, and the fixed cost of
        each transaction came to 55 µs of CPU a record.
        """
        left = self._queue.qsize()
        while left > 0:
            drained = self._drain(min(left, self._batch))
            if not drained:
                break
            left -= drained

    def close(self) -> None:
        """Stops the writer after flushing (logging loudly what could not be written)."""
        self._flusher.stop(timeout=10)
        try:
            self.flush()
        except Exception:
            log.error(
                "audit log closed with %d records unwritten: the database is unreachable",
                self._queue.qsize(),
            )

    def _drain(self, limit: int) -> int:
        items: list[AuditRecord] = []
        while len(items) < limit:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if items:
            try:
                run_in_transaction(self._engine, lambda c: write(c, items))
            except Exception:  # keep the records: put them back and try again next round
                log.warning("audit flush failed; %d records kept for retry", len(items))
                for item in items:
                    self._queue.put(item)
                raise
        return len(items)


def query_events(
    connection: Connection,
    *,
    principal: str,
    customer: str,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[Any]:
    """Audit event rows, newest first, matching the filters (keyset paging on time and id)."""
    query = (
        select(audit_events)
        .order_by(audit_events.c.time.desc(), audit_events.c.id.desc())
        .limit(limit)
    )
    if customer:
        query = query.join(
            audit_event_customers, audit_event_customers.c.event_id == audit_events.c.id
        ).where(audit_event_customers.c.customer_number == customer)
    if principal:
        query = query.where(audit_events.c.principal == principal)
    if start is not None:
        query = query.where(audit_events.c.time >= start)
    if end is not None:
        query = query.where(audit_events.c.time < end)
    if before is not None:
        t, event_id = before
        query = query.where(
            (audit_events.c.time < t)
            | ((audit_events.c.time == t) & (audit_events.c.id < event_id))
        )
    return list(connection.execute(query).all())
