"""Appending ledger entries in the same transaction as the change they record.

No change without its entry, no entry without its change: kernel operations call `append` inside
the unit of work, so both commit or neither does. Chain tips met earlier in the same transaction
are remembered, so onboarding a customer with its records chains them without re-reading.

Who made a change is never guessed: every entry carries a `Provenance` (principal, method, the
source system it acts for, a correlation id: request id, batch load id or job run id), passed to
`append` or attributed to the unit of work that runs it (`attributed`). An entry without one is
refused, so a change made by the CLI or by background work cannot be recorded as nobody's.

A change that spans several customers (a merge moves records and cross-references from one to
the other) is one `operation`: an entry on every chain it touches, all carrying its id and the
chains, so verification can tell that none of its members is missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.ledger.chain import GENESIS, canonical, entry_hash
from customer_core.storage.deferred import defer
from customer_core.storage.tables import ledger_entries
from customer_core.storage.transaction import transaction_memo
from customer_core.storage.types import deflate
from customer_core.v1 import ledger_pb2

CREATE = ledger_pb2.CHANGE_ACTION_CREATE
UPDATE = ledger_pb2.CHANGE_ACTION_UPDATE
DELETE = ledger_pb2.CHANGE_ACTION_DELETE
MERGE = ledger_pb2.CHANGE_ACTION_MERGE
UNMERGE = ledger_pb2.CHANGE_ACTION_UNMERGE
MOVE = ledger_pb2.CHANGE_ACTION_MOVE
_PROVENANCE = "customer_core.ledger.provenance"
_OPERATION = "customer_core.ledger.operation"


@dataclass(frozen=True)
class Provenance:
    """Who made a change, as its ledger entry records it.

    Attributes:
        principal: the caller, or the actor of work nobody called: `cli:<os user>`, `job:<type>`.
        method: the RPC, CLI command or job that made it.
        source_system: the source system it was made for (`x-source-system`), if any.
        correlation_id: what ties it to its cause: a request id, a batch load id, a job run id.
    """

    principal: str
    method: str = ""
    source_system: str = ""
    correlation_id: str = ""


@contextmanager
def attributed(connection: Connection, provenance: Provenance) -> Iterator[None]:
    """Attributes the changes `append` records on `connection`, while inside, to `provenance`."""
    previous = connection.info.get(_PROVENANCE)
    connection.info[_PROVENANCE] = provenance
    try:
        yield
    finally:
        if previous is None:
            connection.info.pop(_PROVENANCE, None)
        else:
            connection.info[_PROVENANCE] = previous


@contextmanager
def operation(connection: Connection, chains: Iterable[str]) -> Iterator[str]:
    """Groups the entries `append` records on `connection`, while inside, into one operation
    touching `chains` (a merge: both customers' chains); yields its id.

    Every entry of it carries the id and the sorted chains, and each chain named must get at least
    one entry (verification names a chain that has none). Operations do not nest.
    """
    if connection.info.get(_OPERATION) is not None:
        raise RuntimeError("ledger operations do not nest")
    named = tuple(sorted(set(chains)))
    if len(named) < 2:
        raise ValueError("an operation spans at least two chains")
    op = str(uuid.uuid4())
    connection.info[_OPERATION] = (op, named)
    try:
        yield op
    finally:
        connection.info.pop(_OPERATION, None)


def provenance_of(connection: Connection) -> Provenance:
    """The provenance the current unit of work on `connection` is attributed to.

    Raises:
        LookupError: none is (a kernel bug: every unit of work that changes anything has one).
    """
    provenance = connection.info.get(_PROVENANCE)
    if provenance is None:
        raise LookupError("a change with no provenance: run it attributed (ledger.attributed)")
    return provenance


def _tip(connection: Connection, chain: str, new_chain: bool) -> tuple[int, bytes]:
    tips: dict[str, tuple[int, bytes]] = transaction_memo(connection, "ledger_tips")
    if chain in tips:
        return tips[chain]
    if new_chain:  # a customer created in this transaction: nothing to read
        return 0, GENESIS
    row = connection.execute(
        select(ledger_entries.c.sequence, ledger_entries.c.hash)
        .where(ledger_entries.c.chain == chain)
        .order_by(ledger_entries.c.sequence.desc())
        .limit(1)
    ).first()
    return (int(row.sequence), bytes(row.hash)) if row is not None else (0, GENESIS)


def _bytes(value: Message | bytes | None) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    return value.SerializeToString(deterministic=True)


def append(
    connection: Connection,
    *,
    chain: str,
    subject: str,
    resource: str,
    action: int,
    now: datetime,
    before: Message | bytes | None = None,
    after: Message | bytes | None = None,
    customer_id: uuid.UUID | None = None,
    customer_number: str = "",
    new_chain: bool = False,
    provenance: Provenance | None = None,
) -> ledger_pb2.LedgerEntry:
    """Appends one entry to `chain` by `provenance` (default: the unit of work's); the entry as
    stored."""
    actor = provenance or provenance_of(connection)
    sequence, prev = _tip(connection, chain, new_chain)
    entry = ledger_pb2.LedgerEntry(
        id=str(uuid.uuid4()),
        chain=chain,
        sequence=sequence + 1,
        principal=actor.principal,
        method=actor.method,
        request_id=actor.correlation_id,
        source_system=actor.source_system,
        customer=f"customers/{customer_number}" if customer_number else "",
        subject=subject,
        resource=resource,
        action=action,  # type: ignore[arg-type]
        before=_bytes(before),
        after=_bytes(after),
        prev_hash=prev,
    )
    grouped = connection.info.get(_OPERATION)
    if grouped is not None:
        if chain not in grouped[1]:
            raise ValueError(f"chain {chain} is not one of its operation's {grouped[1]}")
        entry.operation_id = grouped[0]
        entry.operation_chains.extend(grouped[1])
    entry.time.FromDatetime(now)
    body = canonical(entry)
    entry.hash = entry_hash(prev, body)
    # Held back and sent with the transaction's other inserts; if another transaction extended
    # the chain first, the insert collides and the transaction starts again.
    defer(
        connection,
        ledger_entries,
        [
            {
                "id": uuid.UUID(entry.id),
                "chain": chain,
                "sequence": entry.sequence,
                "time": now,
                "customer_id": customer_id,
                "source_system": entry.source_system,
                "entry": deflate(body),
                "prev_hash": prev,
                "hash": entry.hash,
            }
        ],
    )
    transaction_memo(connection, "ledger_tips")[chain] = (entry.sequence, entry.hash)
    return entry
