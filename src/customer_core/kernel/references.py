"""Customer references: every `customer_ref` value names an existing, active customer, and each is
indexed (`record_references`) so that the customer it names sees the link too.

**Existence is checked across the whole bank**, whatever the writer's scope (a guarantor or a
parent company is often a customer of another branch), in the write's transaction. So a write
learns that a customer number is taken (and whether its customer is active) even when the
customer is outside the writer's scope, and nothing more: no name, no data. A new reference to a
customer that is not ACTIVE (closed; merged, whose survivor is the one to name) is refused; a
reference a record already held is kept when the record is updated, so a record stays writable
after the customer it names is closed.

**The index** holds one row per reference (the referring customer and record, the field's path,
the customer named), written, replaced and deleted with the record in the same transaction:
on create, update, delete, erasure (a sensitive reference blanked by crypto-shredding goes
too) and re-homing. `inbound` reads it for ListInboundReferences and plugins' services.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.crypto import primitives
from customer_core.errors import FieldViolation, InvalidArgument
from customer_core.kernel import access, pagination
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.convert import timestamp
from customer_core.kernel.names import COLLECTION, customer_name, parse_customer_name, record_name
from customer_core.kernel.subject_model import SubjectModel
from customer_core.storage.deferred import defer
from customer_core.storage.tables import customers, record_references
from customer_core.v1 import customer_service_pb2

#: A reference names no customer.
NOT_FOUND = "CUSTOMER_REF_NOT_FOUND"
#: A new reference names a customer that is closed or merged.
NOT_ACTIVE = "CUSTOMER_REF_NOT_ACTIVE"


@dataclass(frozen=True)
class Reference:
    """One `customer_ref` value of a record: its path (relative to the record) and the number."""

    path: str
    number: str


def has_references(model: SubjectModel) -> bool:
    """True when some field of the model is a `customer_ref`."""
    return any(spec.rules.customer_ref for spec in model.fields)


def of(model: SubjectModel, message: Message) -> list[Reference]:
    """Every non-empty `customer_ref` value of `message` (a record of `model`), in field order.

    The values passed the field rules (`customers/{customer_number}`, check character included).
    """
    if not has_references(model):
        return []
    specs = model.specs_by_field
    found: list[Reference] = []

    def visit(msg: Message, prefix: str) -> None:
        for fd in msg.DESCRIPTOR.fields:
            path = prefix + fd.name
            spec = specs.get(fd.full_name)
            values = getattr(msg, fd.name)
            if fd.type == FieldDescriptor.TYPE_MESSAGE:
                if fd.is_repeated:
                    for i, value in enumerate(values):
                        visit(value, f"{path}[{i}].")
                elif msg.HasField(fd.name):
                    visit(values, path + ".")
            elif spec is not None and spec.rules.customer_ref:
                items = list(values) if fd.is_repeated else [values]
                for i, value in enumerate(items):
                    if value:
                        at = f"{path}[{i}]" if fd.is_repeated else path
                        found.append(Reference(at, value.removeprefix(COLLECTION)))

    visit(message, "")
    return found


def resolve(
    connection: Connection,
    items: Sequence[tuple[str, Sequence[Reference]]],
    *,
    kept: Collection[uuid.UUID] = (),
) -> tuple[dict[str, uuid.UUID], list[list[FieldViolation]]]:
    """Looks up the customers the references of each item name, in one query of this transaction.

    `items` are (path of the record's data, its references). Returns the customer ids by number
    and, per item, its violations: a number no customer has (`CUSTOMER_REF_NOT_FOUND`), or one of
    a customer not ACTIVE unless its id is in `kept` (the record held that reference before).
    """
    numbers = sorted({r.number for _, refs in items for r in refs})
    rows = (
        {
            row.customer_number: row
            for row in connection.execute(
                select(customers.c.id, customers.c.customer_number, customers.c.status).where(
                    customers.c.customer_number.in_(numbers)
                )
            )
        }
        if numbers
        else {}
    )
    problems: list[list[FieldViolation]] = []
    for path, refs in items:
        found = []
        for ref in refs:
            row = rows.get(ref.number)
            at = f"{path}.{ref.path}" if path else ref.path
            if row is None:
                found.append(
                    FieldViolation(
                        at, f"names customer {ref.number}, which does not exist", reason=NOT_FOUND
                    )
                )
            elif row.status != "ACTIVE" and row.id not in kept:
                found.append(
                    FieldViolation(
                        at, f"names customer {ref.number}, which is {row.status}", reason=NOT_ACTIVE
                    )
                )
        problems.append(found)
    return {number: row.id for number, row in rows.items()}, problems


def refused(violations: list[FieldViolation]) -> InvalidArgument:
    """The error for references that do not resolve (the reason of the first)."""
    return InvalidArgument(violations, reason=violations[0].reason)


def check(
    connection: Connection,
    path: str,
    refs: Sequence[Reference],
    *,
    kept: Collection[uuid.UUID] = (),
) -> dict[str, uuid.UUID]:
    """`resolve` for one record: the ids by number, or INVALID_ARGUMENT naming each bad field."""
    if not refs:
        return {}
    ids, (problems,) = resolve(connection, [(path, refs)], kept=kept)
    if problems:
        raise refused(problems)
    return ids


def held(connection: Connection, record_id: uuid.UUID) -> set[uuid.UUID]:
    """The ids of the customers a stored record names."""
    return set(
        connection.execute(
            select(record_references.c.referenced_customer_id).where(
                record_references.c.record_id == record_id
            )
        ).scalars()
    )


def index(
    connection: Connection,
    customer_id: uuid.UUID,
    record_id: uuid.UUID,
    subject: str,
    refs: Iterable[Reference],
    ids: dict[str, uuid.UUID],
    now: datetime,
    *,
    new_record: bool = False,
) -> None:
    """Replaces a record's index rows by `refs` (deferred inserts; nothing deleted if `new_record`)."""
    if not new_record:
        forget(connection, record_id)
    defer(
        connection,
        record_references,
        [
            {
                "id": uuid.uuid4(),
                "customer_id": customer_id,
                "record_id": record_id,
                "subject": subject,
                "field_path": ref.path,
                "referenced_customer_id": ids[ref.number],
                "create_time": now,
            }
            for ref in refs
        ],
    )


def forget(connection: Connection, record_id: uuid.UUID) -> None:
    """Deletes a record's index rows (the record is deleted or its references change)."""
    connection.execute(delete(record_references).where(record_references.c.record_id == record_id))


def keep_only(connection: Connection, record_id: uuid.UUID, paths: Collection[str]) -> None:
    """Deletes a record's index rows but those of `paths` (erasure blanked the others)."""
    query = delete(record_references).where(record_references.c.record_id == record_id)
    if paths:
        query = query.where(record_references.c.field_path.not_in(sorted(paths)))
    connection.execute(query)


def rehome(connection: Connection, record_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    """The record's references are now made by `customer_id` (it was moved there)."""
    connection.execute(
        update(record_references)
        .where(record_references.c.record_id == record_id)
        .values(customer_id=customer_id)
    )


def opaque_id(customer_id: uuid.UUID) -> str:
    """A stable id of a customer that reveals nothing: what a masked customer is named by.

    Derived from the customer's internal id (random, never served), so it cannot be traced back
    to a customer number, and is the same for every caller.
    """
    return "p" + primitives.sm3(b"customer-core/opaque-party\x00" + customer_id.bytes).hex()[:32]


def inbound_rows(
    connection: Connection,
    customer_id: uuid.UUID,
    *,
    subject: str = "",
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[Any]:
    """Index rows naming `customer_id`, oldest first, with the referring customer's number, type,
    status, display name and org unit (`referrer_*`)."""
    r, c = record_references.c, customers.c
    query = (
        select(
            record_references,
            c.customer_number.label("referrer_number"),
            c.owning_org_unit.label("referrer_org_unit"),
            c.type.label("referrer_type"),
            c.status.label("referrer_status"),
            c.display_name.label("referrer_display_name"),
        )
        .join(customers, customers.c.id == r.customer_id)
        .where(r.referenced_customer_id == customer_id)
        .order_by(r.create_time, r.id)
    )
    if subject:
        query = query.where(r.subject == subject)
    if after is not None:
        t, rid = after
        query = query.where((r.create_time > t) | ((r.create_time == t) & (r.id > rid)))
    if limit is not None:
        query = query.limit(limit)
    return list(connection.execute(query))


def visible(row: Any) -> bool:
    """True when the caller may see the referring customer of an `inbound_rows` row, and read
    records of the referring record's subject there."""
    referrer = _Referrer(row)
    return access.can_read(referrer) and access.readable_subject(referrer, row.subject)


class _Referrer:
    def __init__(self, row: Any) -> None:
        self.owning_org_unit = row.referrer_org_unit
        self.customer_number = row.referrer_number


def list_inbound(
    connection: Connection, request: customer_service_pb2.ListInboundReferencesRequest
) -> customer_service_pb2.ListInboundReferencesResponse:
    """ListInboundReferences: the records naming a customer in the caller's scope, oldest first;
    those of customers outside the caller's scope (or of subjects it may not read) masked."""
    number = parse_customer_name(request.parent, "parent")
    size = pagination.page_size(request.page_size)
    scope = f"{request.parent}|{request.subject}"
    after = pagination.time_and_id(pagination.decode_token(request.page_token, scope, (str, str)))
    customer = customer_ops.load(connection, number, roles.CUSTOMERS_READ)
    rows = inbound_rows(
        connection, customer.id, subject=request.subject, after=after, limit=size + 1
    )
    response = customer_service_pb2.ListInboundReferencesResponse()
    for row in rows[:size]:
        reference = response.references.add(
            subject=row.subject, field=row.field_path, create_time=timestamp(row.create_time)
        )
        reference.opaque_id = opaque_id(row.customer_id)
        if visible(row):
            reference.record = record_name(row.referrer_number, row.record_id)
            reference.customer = customer_name(row.referrer_number)
            access.note_customers([row.referrer_number])
        else:
            reference.masked = True
    if len(rows) > size:
        last = rows[size - 1]
        response.next_page_token = pagination.encode_token(
            [last.create_time.isoformat(), str(last.id)], scope
        )
    return response
