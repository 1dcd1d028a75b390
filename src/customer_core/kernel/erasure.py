"""Erasing a customer's personal data by crypto-shredding, and re-applying erasures after a restore."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.errors import FailedPrecondition, InvalidArgument
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import references
from customer_core.kernel.names import customer_name, parse_customer_name, record_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.sealing import sensitive_fields
from customer_core.ledger import recorder as ledger
from customer_core.ledger.snapshots import record_snapshot
from customer_core.objects import ObjectStore
from customer_core.storage.tables import (
    blind_indexes,
    customers,
    data_keys,
    documents,
    match_keys,
    subject_records,
)
from customer_core.v1 import customer_pb2, customer_service_pb2


def erase(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.EraseCustomerRequest,
    now: datetime,
) -> customer_pb2.Customer:
    """EraseCustomer: destroys the customer's data keys, blind indexes and masked values.

    Everything else — the customer, its cross-references, its records' other fields — stays.
    """
    number = parse_customer_name(request.name, "name")
    reason = request.reason.strip()
    if not reason:
        raise InvalidArgument.field("reason", "is required: the legal basis of the erasure")
    row = customer_ops.load(connection, number, roles.CUSTOMERS_ERASE)
    if row.status != "CLOSED":
        raise FailedPrecondition(
            f"customer {number} is {row.status}; close it before erasing its personal data",
            subject=customer_name(number),
            violation_type="CUSTOMER_NOT_CLOSED",
        )
    current().reason = reason
    return shred(connection, codec, row, now)


def shred(
    connection: Connection, codec: RecordCodec, row: Any, now: datetime
) -> customer_pb2.Customer:
    """Destroys a customer's data keys, blind indexes, masked values and ciphertexts; the customer after."""
    number = row.customer_number
    codec.cipher.keyring.destroy_customer_keys(connection, row.id)
    connection.execute(delete(blind_indexes).where(blind_indexes.c.customer_id == row.id))
    connection.execute(delete(match_keys).where(match_keys.c.customer_id == row.id))
    # Its documents' parts stay in the object store (some under retention), unreadable without
    # the key; their display names may name the customer.
    connection.execute(
        update(documents).where(documents.c.customer_id == row.id).values(display_name="")
    )
    records = connection.execute(
        select(subject_records).where(
            subject_records.c.customer_id == row.id, subject_records.c.sealed.is_not(None)
        )
    ).all()
    for record in records:
        model = codec.registry.get(record.subject)
        if model is None:
            continue
        message = model.message_class.FromString(record.payload)
        for ref in sensitive_fields(model, message):
            ref.set("" if isinstance(ref.value, str) else b"")
        if references.has_references(model):  # a sensitive reference blanked goes from the index
            references.keep_only(
                connection, record.id, {r.path for r in references.of(model, message)}
            )
        connection.execute(
            update(subject_records)
            .where(subject_records.c.id == record.id)
            .values(
                payload=message.SerializeToString(deterministic=True),
                sealed=None,
                version=record.version + 1,
                update_time=now,
            )
        )
        erased = connection.execute(
            select(subject_records).where(subject_records.c.id == record.id)
        ).one()
        customer_ops.record_change(
            connection, row, record.subject, record_name(number, record.id), ledger.UPDATE, now,
            before=record_snapshot(record), after=record_snapshot(erased),
        )  # fmt: skip
    connection.execute(
        update(customers)
        .where(customers.c.id == row.id)
        .values(erase_time=now, version=row.version + 1, update_time=now)
    )
    fresh = connection.execute(select(customers).where(customers.c.id == row.id)).one()
    after = customer_ops.to_proto(connection, fresh)
    customer_ops.record_change(
        connection,
        row,
        "customer",
        after.name,
        ledger.UPDATE,
        now,
        before=customer_ops.to_proto(connection, row),
        after=after,
    )
    return after


#: The object store's shred list: an empty object `shredded/{customer_id}` per erased customer,
#: written when its keys are destroyed; a restore shreds them again (`backup restore`).
SHREDDED = "shredded/"


def record_shredded(store: ObjectStore, customer_id: uuid.UUID) -> None:
    """Adds a customer to the object store's shred list (before its erasure commits)."""
    store.put(f"{SHREDDED}{customer_id}", b"")


def shred_list(store: ObjectStore) -> frozenset[str]:
    """The ids of the customers on the object store's shred list (other keys there ignored)."""
    listed = set()
    for key in store.list(SHREDDED):
        try:
            listed.add(str(uuid.UUID(key[len(SHREDDED) :])))
        except ValueError:
            continue
    return frozenset(listed)


def reapply_erasures(
    connection: Connection, codec: RecordCodec, now: datetime, also: frozenset[str] = frozenset()
) -> int:
    """Shreds again every customer the master key provider remembers as erased (after a restore),
    and those of `also` (the object store's shred list, at a restore).

    A backup taken before an erasure brings the customer's data keys and ciphertexts back; the
    provider's record of the erasure lives outside the database, so the kernel destroys them
    again before it serves anything. Returns how many customers needed it.
    """
    erased = codec.cipher.keyring.master.erased() | also
    if not erased:
        return 0
    ids = [uuid.UUID(i) for i in erased]
    revived = connection.execute(
        select(customers).where(
            customers.c.id.in_(ids),
            customers.c.id.in_(select(data_keys.c.customer_id)) | customers.c.erase_time.is_(None),
        )
    ).all()
    for row in revived:
        shred(connection, codec, row, now)
    return len(revived)
