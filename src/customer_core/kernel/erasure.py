"""Searching customers by encrypted match keys, and erasing a customer by crypto-shredding."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.errors import FailedPrecondition, InvalidArgument
from customer_core.kernel import access, pagination
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.names import customer_name, parse_customer_name, record_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.records import model_named
from customer_core.kernel.sealing import sensitive_fields
from customer_core.ledger import recorder as ledger
from customer_core.ledger.snapshots import record_snapshot
from customer_core.storage.tables import blind_indexes, customers, subject_records
from customer_core.v1 import customer_pb2, customer_service_pb2


def search(
    connection: Connection, codec: RecordCodec, request: customer_service_pb2.SearchCustomersRequest
) -> customer_service_pb2.SearchCustomersResponse:
    """SearchCustomers: customers in the caller's scope with a record whose match key equals `value`."""
    model = model_named(codec.registry, request.subject, "")
    spec = next((f for f in model.fields if f.path == request.field), None)
    if spec is None or not (spec.rules.match_key and spec.rules.sensitive):
        searchable = [f.path for f in model.fields if f.rules.match_key and f.rules.sensitive]
        raise InvalidArgument.field(
            "field",
            f"is not a searchable match key of {model.name!r}; searchable: {', '.join(searchable) or 'none'}",
        )
    if not request.value.strip():
        raise InvalidArgument.field("value", "is required")
    size = pagination.page_size(request.page_size)
    digest = codec.sealer.blind_digest(model.name, spec.path, request.value)
    rows = connection.execute(
        select(customers)
        .where(
            customers.c.id.in_(
                select(blind_indexes.c.customer_id).where(
                    blind_indexes.c.subject == model.name,
                    blind_indexes.c.field_path == spec.path,
                    blind_indexes.c.digest == digest,
                )
            ),
            access.scope_clause(customers.c.owning_org_unit),
        )
        .order_by(customers.c.customer_number)
        .limit(size)
    ).all()
    access.note_customers(r.customer_number for r in rows)
    return customer_service_pb2.SearchCustomersResponse(
        customers=[customer_ops.to_proto(connection, r) for r in rows]
    )


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
    codec.sealer.keyring.destroy_customer_keys(connection, row.id)
    connection.execute(delete(blind_indexes).where(blind_indexes.c.customer_id == row.id))
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
