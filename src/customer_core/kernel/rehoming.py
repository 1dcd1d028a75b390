"""Re-homing: moving subject records and cross-references from one customer to another.

What a merge does to the loser's records and links, and an unmerge undoes: a record is unsealed
under its customer's data key and binding (customer, subject, record, field), sealed again under
the new customer's, its blind indexes replaced (so a search finds the new customer only) and its
data-quality issues moved; a cross-reference is relinked. Each move is a `MOVE` entry on the chain
the resource left (its stored form before, no after) and on the chain it joined (its stored form
after, under its new name), and every move of one change runs inside one `moving` block: a ledger
operation on both customers' chains, which verification checks as a whole.

The record keeps its id; its old ciphertexts stay in the ledger, under the old customer's keys,
so the old customer's history (its 360 view as of before the move) still shows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from customer_core.errors import AlreadyExists, FailedPrecondition, NotFound
from customer_core.kernel import convert, references
from customer_core.kernel import cross_references as xref_ops
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import records as record_ops
from customer_core.kernel.names import record_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.ledger import recorder as ledger
from customer_core.ledger.chain import customer_chain
from customer_core.ledger.snapshots import record_snapshot
from customer_core.storage.tables import (
    cross_references,
    data_quality_changes,
    data_quality_issues,
    subject_records,
)
from customer_core.v1 import customer_pb2


@contextmanager
def moving(connection: Connection, source: Any, target: Any) -> Iterator[str]:
    """One ledger operation on `source`'s and `target`'s chains (customer rows); its id."""
    chains = [customer_chain(source.customer_number), customer_chain(target.customer_number)]
    with ledger.operation(connection, chains) as op:
        yield op


def move_record(
    connection: Connection,
    codec: RecordCodec,
    record_id: Any,
    source: Any,
    target: Any,
    now: datetime,
) -> Any:
    """Moves `source`'s record `record_id` to `target` (customer rows), inside `moving`; the
    record's new row.

    Raises:
        NotFound: `source` has no such record.
        FailedPrecondition: its subject model is not loaded here (it cannot be sealed again).
        AlreadyExists: `target` has its one record of a singleton model already (a merge's
            survivorship decides between them first).
    """
    row = connection.execute(
        select(subject_records).where(
            subject_records.c.id == record_id, subject_records.c.customer_id == source.id
        )
    ).first()
    name = record_name(source.customer_number, record_id)
    if row is None:
        raise NotFound(record_ops.RESOURCE_TYPE, name, f"no record {name}")
    model = codec.registry.get(row.subject)
    if model is None:
        raise FailedPrecondition(
            f"record {name} is of subject model {row.subject!r}, not loaded in this deployment",
            subject=name,
            violation_type="PLUGIN_MISSING",
        )
    if (
        model.singleton
        and connection.execute(
            select(subject_records.c.id).where(
                subject_records.c.customer_id == target.id, subject_records.c.subject == model.name
            )
        ).first()
    ):
        raise AlreadyExists(
            record_ops.RESOURCE_TYPE,
            f"customers/{target.customer_number}/records?subject={model.name}",
            f"customer {target.customer_number} already has its one {model.name!r} record",
            reason="SINGLETON_RECORD_EXISTS",
        )
    message = codec.plaintext(connection, model, row)
    sealed = codec.seal(connection, model, message, target.id, row.id)
    fresh = record_ops.rewrite(
        connection, row, now, customer_id=target.id, payload=sealed.payload, sealed=sealed.sealed
    )
    for table in (data_quality_issues, data_quality_changes):
        connection.execute(
            update(table).where(table.c.record_id == row.id).values(customer_id=target.id)
        )
    references.rehome(connection, row.id, target.id)
    customer_ops.record_change(
        connection, source, model.name, name, ledger.MOVE, now, before=record_snapshot(row)
    )
    customer_ops.record_change(
        connection, target, model.name, record_name(target.customer_number, row.id), ledger.MOVE,
        now, after=record_snapshot(fresh),
    )  # fmt: skip
    return fresh


def move_cross_reference(
    connection: Connection,
    source: Any,
    target: Any,
    source_system: str,
    local_id: str,
    now: datetime,
) -> customer_pb2.CrossReference:
    """Relinks `source`'s cross-reference (source_system, local_id) to `target`, inside `moving`;
    the link as it is now. NOT_FOUND when `source` has no such link."""
    row = xref_ops.lookup_many(connection, [(source_system, local_id)]).get(
        (source_system, local_id)
    )
    if row is None or row.customer_id != source.id:
        raise NotFound(
            xref_ops.RESOURCE_TYPE,
            f"{source_system}/{local_id}",
            f"customer {source.customer_number} has no link to {source_system} record {local_id}",
        )
    connection.execute(
        update(cross_references)
        .where(cross_references.c.id == row.id)
        .values(customer_id=target.id)
    )
    before = convert.cross_reference(row, source.customer_number)
    after = convert.cross_reference(row, target.customer_number)
    customer_ops.record_change(
        connection, source, xref_ops.SUBJECT, xref_ops.resource(before), ledger.MOVE, now,
        before=before,
    )  # fmt: skip
    customer_ops.record_change(
        connection, target, xref_ops.SUBJECT, xref_ops.resource(after), ledger.MOVE, now,
        after=after,
    )  # fmt: skip
    return after
