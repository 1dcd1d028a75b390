"""Reading a customer's chain: its entries newest first, and its resources as of a past time.

Both read `ledger_entries` of the chain `customers/{n}` only, and know nothing of callers: who may
read what is the kernel's (`customer_core.kernel.history`, `customer360`). Entries come back with
their hash, and with their global offset once a block has sealed them (0 before).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from google.protobuf import timestamp_pb2
from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.ledger.chain import customer_chain
from customer_core.ledger.recorder import DELETE, MOVE
from customer_core.storage.tables import ledger_entries, ledger_offsets
from customer_core.v1 import customer_pb2, ledger_pb2

#: Subjects of a customer's chain that are not subject models.
CUSTOMER = "customer"
CROSS_REFERENCE = "cross_reference"
MERGE = "merge"
KERNEL_SUBJECTS = frozenset({CUSTOMER, CROSS_REFERENCE, MERGE})
#: Subjects of entries that record an event (a merge, a steward's decision), not a resource's
#: state: a replay passes over them.
EVENTS = frozenset({MERGE, "data_quality_issue"})
#: Entries read per round trip while filling a page.
_BATCH = 200


def entry_of(row: Any) -> ledger_pb2.LedgerEntry:
    """The LedgerEntry of a `ledger_entries` row (joined to `ledger_offsets`: offset, or None)."""
    entry = ledger_pb2.LedgerEntry.FromString(row.entry)
    entry.hash = row.hash
    entry.offset = row.offset or 0
    return entry


def _columns() -> list[Any]:
    return [
        ledger_entries.c.sequence,
        ledger_entries.c.entry,
        ledger_entries.c.hash,
        ledger_offsets.c.offset,
    ]


def _with_offsets() -> Any:
    return ledger_entries.outerjoin(
        ledger_offsets, ledger_offsets.c.entry_id == ledger_entries.c.id
    )


def newest_first(connection: Connection, chain: str, below: int | None) -> Iterator[Any]:
    """The chain's rows, newest first, from just below sequence `below` (None: the newest)."""
    while True:
        query = (
            select(*_columns())
            .select_from(_with_offsets())
            .where(ledger_entries.c.chain == chain)
            .order_by(ledger_entries.c.sequence.desc())
            .limit(_BATCH)
        )
        if below is not None:
            query = query.where(ledger_entries.c.sequence < below)
        rows = connection.execute(query).all()
        yield from rows
        if len(rows) < _BATCH:
            return
        below = int(rows[-1].sequence)


def _key(ts: timestamp_pb2.Timestamp) -> tuple[int, int]:
    return ts.seconds, ts.nanos


@dataclass
class State:
    """A customer's resources as its chain left them at some time.

    Attributes:
        customer: the customer as last written (None: it did not exist yet).
        records: record resource name -> its stored form.
        cross_references: cross-reference resource name -> the link.
        entries: how many entries were applied.
    """

    customer: customer_pb2.Customer | None = None
    records: dict[str, ledger_pb2.RecordSnapshot] = field(default_factory=dict)
    cross_references: dict[str, customer_pb2.CrossReference] = field(default_factory=dict)
    entries: int = 0

    def apply(self, entry: ledger_pb2.LedgerEntry) -> None:
        """Applies one change (in chain order)."""
        self.entries += 1
        # A deletion, or a move to another customer (the entry on the chain it left has no after).
        deleted = entry.action == DELETE or (entry.action == MOVE and not entry.after)
        if entry.subject in EVENTS:
            return
        if entry.subject == CUSTOMER:
            self.customer = None if deleted else customer_pb2.Customer.FromString(entry.after)
        elif entry.subject == CROSS_REFERENCE:
            if deleted:
                self.cross_references.pop(entry.resource, None)
            else:
                self.cross_references[entry.resource] = customer_pb2.CrossReference.FromString(
                    entry.after
                )
        elif deleted:
            self.records.pop(entry.resource, None)
        else:
            self.records[entry.resource] = ledger_pb2.RecordSnapshot.FromString(entry.after)


def replay(connection: Connection, number: str, as_of: timestamp_pb2.Timestamp) -> State:
    """The customer's resources at `as_of`: its chain's entries with time <= as_of, in order."""
    limit = _key(as_of)
    # Entry times are whole microseconds: `as_of` cut to microseconds selects the same entries.
    cutoff = as_of.ToDatetime(tzinfo=UTC)
    rows = connection.execute(
        select(ledger_entries.c.entry)
        .where(
            ledger_entries.c.chain == customer_chain(number),
            ledger_entries.c.time <= cutoff,
        )
        .order_by(ledger_entries.c.sequence)
    )
    state = State()
    for row in rows:
        entry = ledger_pb2.LedgerEntry.FromString(row.entry)
        if _key(entry.time) <= limit:
            state.apply(entry)
    return state
