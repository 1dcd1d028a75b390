"""CreateCustomer: a new golden record with its first cross-references and records, atomically."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from customer_core.errors import FieldViolation, InvalidArgument
from customer_core.kernel import access
from customer_core.kernel import cross_references as xref_ops
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import records as record_ops
from customer_core.kernel.record_codec import RecordCodec
from customer_core.v1 import customer_pb2, customer_service_pb2

#: Most cross-references and records one CreateCustomer may carry.
MAX_ITEMS = 100


def create_customer(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.CreateCustomerRequest,
    now: datetime,
) -> customer_pb2.Customer:
    """Validates everything first, then writes the customer, its links and its records."""
    if not request.HasField("customer"):
        raise InvalidArgument.field("customer", "is required")
    found = customer_ops.validate_new(request.customer, "customer")
    found += _check_links(request)
    prepared = []
    if len(request.records) > MAX_ITEMS:
        found.append(FieldViolation("records", f"at most {MAX_ITEMS} records per call"))
    elif not found:
        singletons: set[str] = set()
        checked = record_ops.prepare_all(
            codec.registry, request.records, customer_ops.type_name(request.customer)
        )
        for i, (item, problems) in enumerate(checked):
            found += problems
            if item is not None:
                if item.model.singleton and item.model.name in singletons:
                    found.append(
                        FieldViolation(
                            f"records[{i}].subject",
                            f"{item.model.name!r} allows one record per customer",
                        )
                    )
                singletons.add(item.model.name)
                prepared.append(item)
    if found:
        raise InvalidArgument(found)
    row = customer_ops.insert_customer(connection, request.customer, now)
    access.note_customers([row.customer_number])
    for x in request.cross_references:
        xref_ops.link(connection, row, x.source_system, x.local_id, now)
    codec.sealer.prepare_new_customer(connection, row.id, [item.model for item in prepared])
    for item in prepared:  # the records' inserts go together (see storage.deferred)
        record_ops.insert(connection, codec, row, item, now, new_customer=True)
    return customer_ops.to_proto(connection, row)


def _check_links(request: customer_service_pb2.CreateCustomerRequest) -> list[FieldViolation]:
    if len(request.cross_references) > MAX_ITEMS:
        return [FieldViolation("cross_references", f"at most {MAX_ITEMS} per call")]
    found = []
    seen: set[tuple[str, str]] = set()
    for i, x in enumerate(request.cross_references):
        path = f"cross_references[{i}]"
        found += xref_ops.violations(x.source_system, x.local_id, path)
        if (x.source_system, x.local_id) in seen:
            found.append(FieldViolation(path, "is listed twice"))
        seen.add((x.source_system, x.local_id))
    return found
