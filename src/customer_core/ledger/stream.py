"""The sealed ledger in offset order: what the change stream (`WatchChanges`) is made of.

`sealed_from` reads `ledger_offsets` joined to `ledger_entries` from an offset, in offset order,
with the owning org unit of each entry's customer, so the caller can decide who may see it
(`customer_core.kernel.change_stream` does, for each watcher). It knows nothing of callers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.storage.tables import customers, ledger_entries, ledger_offsets

#: Seconds between polls once a watcher has caught up.
POLL_INTERVAL = 0.2
#: Offsets read per round trip.
BATCH = 500


def sealed_from(connection: Connection, first: int, limit: int) -> list[Any]:
    """Sealed entries from offset `first`, in offset order, with their customer's org unit."""
    query = (
        select(
            ledger_offsets.c.offset,
            ledger_entries.c.customer_id,
            ledger_entries.c.source_system,
            ledger_entries.c.entry,
            ledger_entries.c.hash,
            customers.c.owning_org_unit,
        )
        .select_from(
            ledger_offsets.join(
                ledger_entries, ledger_entries.c.id == ledger_offsets.c.entry_id
            ).outerjoin(customers, customers.c.id == ledger_entries.c.customer_id)
        )
        .where(ledger_offsets.c.offset >= first)
        .order_by(ledger_offsets.c.offset)
        .limit(limit)
    )
    return list(connection.execute(query).all())
