"""Cross-references: which source system's record (system code + local id) is which customer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.errors import AlreadyExists, FieldViolation, InvalidArgument, NotFound
from customer_core.identifiers import SOURCE_SYSTEM, SOURCE_SYSTEM_RULE
from customer_core.kernel import access, convert
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.names import parse_customer_name
from customer_core.ledger import history
from customer_core.ledger import recorder as ledger
from customer_core.storage.deferred import defer
from customer_core.storage.tables import cross_references, customers
from customer_core.v1 import customer_pb2, customer_service_pb2

RESOURCE_TYPE = "customer_core.v1.CrossReference"
#: The ledger subject of cross-reference changes.
SUBJECT = history.CROSS_REFERENCE
MAX_LOCAL_ID = 128
_LOCAL_ID = re.compile(r"[\x21-\x7e]+")
#: Pairs looked up per query by `lookup_many` (two parameters each).
_LOOKUP_CHUNK = 5000


def violations(source_system: str, local_id: str, path: str) -> list[FieldViolation]:
    """Violations in a (source system, local id) pair; `path` prefixes the field names."""
    prefix = f"{path}." if path else ""
    found = []
    if not source_system:
        found.append(FieldViolation(f"{prefix}source_system", "is required"))
    elif not SOURCE_SYSTEM.fullmatch(source_system):
        found.append(FieldViolation(f"{prefix}source_system", SOURCE_SYSTEM_RULE))
    if not local_id:
        found.append(FieldViolation(f"{prefix}local_id", "is required"))
    elif len(local_id) > MAX_LOCAL_ID:
        found.append(
            FieldViolation(
                f"{prefix}local_id", f"is {len(local_id)} characters; at most {MAX_LOCAL_ID}"
            )
        )
    elif not _LOCAL_ID.fullmatch(local_id):
        found.append(FieldViolation(f"{prefix}local_id", "must be printable ASCII without spaces"))
    return found


def _key(source_system: str, local_id: str) -> str:
    return f"{source_system}/{local_id}"


Pair = tuple[str, str]


def owned_elsewhere(source_system: str, local_id: str) -> AlreadyExists:
    """The answer for a source system's record that another customer has (which one is not said)."""
    return AlreadyExists(
        RESOURCE_TYPE,
        _key(source_system, local_id),
        f"{source_system} record {local_id} is already linked to another customer",
        reason="CROSS_REFERENCE_OWNED_BY_ANOTHER_CUSTOMER",
    )


def lookup_many(connection: Connection, pairs: Iterable[Pair]) -> dict[Pair, Any]:
    """The cross-references among (source system, local id) `pairs` that exist, in one query."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    columns = tuple_(cross_references.c.source_system, cross_references.c.local_id)
    found: dict[Pair, Any] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = connection.execute(
            select(cross_references).where(columns.in_(wanted[start : start + _LOOKUP_CHUNK]))
        )
        found.update({(r.source_system, r.local_id): r for r in rows})
    return found


def link(
    connection: Connection, customer: Any, source_system: str, local_id: str, now: datetime
) -> customer_pb2.CrossReference:
    """Links (source_system, local_id) to `customer`; ALREADY_EXISTS if another customer has it."""
    existing = lookup_many(connection, [(source_system, local_id)]).get((source_system, local_id))
    if existing is not None:
        if existing.customer_id != customer.id:
            raise owned_elsewhere(source_system, local_id)
        return convert.cross_reference(existing, customer.customer_number)
    return insert(connection, customer, source_system, local_id, now)


def insert(
    connection: Connection, customer: Any, source_system: str, local_id: str, now: datetime
) -> customer_pb2.CrossReference:
    """Links a (source_system, local_id) looked up and found free (`lookup_many`) to `customer`."""
    values = {
        "id": uuid.uuid4(),
        "customer_id": customer.id,
        "source_system": source_system,
        "local_id": local_id,
        "create_time": now,
    }
    # If it was linked concurrently, the insert collides and the next attempt sees who won.
    defer(connection, cross_references, [values])
    linked = convert.cross_reference(SimpleNamespace(**values), customer.customer_number)
    customer_ops.record_change(
        connection, customer, SUBJECT, resource(linked), ledger.CREATE, now, after=linked
    )
    return linked


def resource(x: customer_pb2.CrossReference) -> str:
    """The ledger resource name of a link."""
    return f"{x.customer}/crossReferences/{x.source_system}~{x.local_id}"


def link_request(
    connection: Connection, request: customer_service_pb2.LinkCrossReferenceRequest, now: datetime
) -> customer_pb2.CrossReference:
    """LinkCrossReference."""
    number = parse_customer_name(request.parent, "parent")
    x = request.cross_reference
    found = violations(x.source_system, x.local_id, "cross_reference")
    if found:
        raise InvalidArgument(found)
    customer = customer_ops.load(connection, number, roles.XREFS_WRITE)
    customer_ops.require_active(connection, customer)
    return link(connection, customer, x.source_system, x.local_id, now)


def unlink(
    connection: Connection, request: customer_service_pb2.UnlinkCrossReferenceRequest, now: datetime
) -> None:
    """UnlinkCrossReference."""
    number = parse_customer_name(request.parent, "parent")
    found = violations(request.source_system, request.local_id, "")
    if found:
        raise InvalidArgument(found)
    customer = customer_ops.load(connection, number, roles.XREFS_WRITE)
    customer_ops.require_active(connection, customer)
    existing = connection.execute(
        select(cross_references).where(
            cross_references.c.customer_id == customer.id,
            cross_references.c.source_system == request.source_system,
            cross_references.c.local_id == request.local_id,
        )
    ).first()
    if existing is None:
        raise NotFound(
            RESOURCE_TYPE,
            _key(request.source_system, request.local_id),
            f"customer {number} has no {request.source_system} record {request.local_id}",
        )
    connection.execute(delete(cross_references).where(cross_references.c.id == existing.id))
    unlinked = convert.cross_reference(existing, customer.customer_number)
    customer_ops.record_change(
        connection,
        customer,
        SUBJECT,
        resource(unlinked),
        ledger.DELETE,
        now,
        before=unlinked,
    )


def customer_of(connection: Connection, source_system: str, local_id: str) -> Any:
    """The row of the customer a source system's record is linked to, or None."""
    return connection.execute(
        select(customers)
        .join(cross_references, cross_references.c.customer_id == customers.c.id)
        .where(
            cross_references.c.source_system == source_system,
            cross_references.c.local_id == local_id,
        )
    ).first()


def lookup(
    connection: Connection, request: customer_service_pb2.LookupCustomerRequest
) -> customer_pb2.Customer:
    """LookupCustomer: the customer a source system's record belongs to."""
    found = violations(request.source_system, request.local_id, "")
    if found:
        raise InvalidArgument(found)
    row = customer_of(connection, request.source_system, request.local_id)
    if row is None or not access.can_read(row):
        raise NotFound(
            RESOURCE_TYPE,
            _key(request.source_system, request.local_id),
            f"no customer is linked to {request.source_system} record {request.local_id}",
        )
    access.note_customers([row.customer_number])
    return customer_ops.to_proto(connection, row)
