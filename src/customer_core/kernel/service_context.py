"""The kernel's side of plugins' gRPC services: `ServiceContext`, reads as the caller may see them.

Each method is one read of its own, for the caller of the RPC being served on the thread (the
pipeline set it): customers outside the caller's scope read as NOT_FOUND or come masked, records
only of subjects the caller's channel scope covers, masked unless the caller asked and may
unmask (audited as any response is), and every customer shown is noted for the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.errors import NotFound
from customer_core.kernel import access, references
from customer_core.kernel import customer_number as numbers
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import records as record_ops
from customer_core.kernel.names import (
    COLLECTION,
    customer_name,
    parse_customer_name,
    parse_record_name,
    record_name,
)
from customer_core.kernel.record_codec import RecordCodec
from customer_core.plugin import InboundReference, Party, ServiceContext, StoredRecord
from customer_core.storage.tables import customers, subject_records

T = TypeVar("T")
#: Most records or references one call returns.
MAX_ITEMS = 1000


class Read(Protocol):
    """Runs a read-only unit of work (`Kernel.read`)."""

    def __call__(self, work: Callable[[Connection], T]) -> T: ...


def party_of(row: Any) -> Party:
    """A customer row as a Party in the caller's scope (noted for the audit log)."""
    access.note_customers([row.customer_number])
    return Party(
        opaque_id=references.opaque_id(row.id),
        masked=False,
        name=customer_name(row.customer_number),
        customer_number=row.customer_number,
        customer_type=row.type,
        display_name=row.display_name,
        status=row.status,
    )


def masked(customer_id: Any) -> Party:
    """A customer outside the caller's scope: its opaque id only."""
    return Party(opaque_id=references.opaque_id(customer_id), masked=True)


class KernelServiceContext(ServiceContext):
    """`ServiceContext` over the kernel's reads (`Kernel.read`) and record codec."""

    def __init__(self, read: Read, codec: RecordCodec) -> None:
        self._read = read
        self._codec = codec

    def customer(self, name: str, *, field: str = "name") -> Party:
        number = parse_customer_name(name, field)
        return self._read(lambda c: party_of(customer_ops.load(c, number, roles.CUSTOMERS_READ)))

    def _row(self, connection: Connection, name: str) -> Any:
        number = name.removeprefix(COLLECTION)
        if not name.startswith(COLLECTION) or numbers.problem(number) is not None:
            return None
        return connection.execute(
            select(customers).where(customers.c.customer_number == number)
        ).first()

    def party(self, name: str) -> Party | None:
        def work(connection: Connection) -> Party | None:
            row = self._row(connection, name)
            if row is None:
                return None
            return party_of(row) if access.can_read(row) else masked(row.id)

        return self._read(work)

    def in_scope(self, name: str) -> bool:
        def work(connection: Connection) -> bool:
            row = self._row(connection, name)
            return row is not None and access.can_read(row)

        return bool(self._read(work))

    def _stored(self, connection: Connection, row: Any, customer: Any) -> StoredRecord:
        proto = self._codec.to_proto(connection, row, customer)
        model = self._codec.registry.get(row.subject)
        assert model is not None  # callers read registered subjects only
        return StoredRecord(
            proto.name, row.subject, model.message_class.FromString(proto.data.value)
        )

    def records(self, customer: str, subject: str) -> list[StoredRecord]:
        number = parse_customer_name(customer, "customer")

        def work(connection: Connection) -> list[StoredRecord]:
            owner = customer_ops.load(connection, number, roles.CUSTOMERS_READ)
            if self._codec.registry.get(subject) is None or not access.readable_subject(
                owner, subject
            ):
                return []
            rows = connection.execute(
                select(subject_records)
                .where(
                    subject_records.c.customer_id == owner.id,
                    subject_records.c.subject == subject,
                )
                .order_by(subject_records.c.create_time, subject_records.c.id)
                .limit(MAX_ITEMS)
            ).all()
            return [self._stored(connection, r, owner) for r in rows]

        return self._read(work)

    def record(self, name: str) -> StoredRecord | None:
        number, record_id = parse_record_name(name, "record")

        def work(connection: Connection) -> StoredRecord | None:
            owner = customer_ops.load(connection, number, roles.CUSTOMERS_READ)
            row = connection.execute(
                select(subject_records).where(
                    subject_records.c.id == record_id, subject_records.c.customer_id == owner.id
                )
            ).first()
            if row is None:
                raise NotFound(
                    record_ops.RESOURCE_TYPE, name, f"subject record {name} does not exist"
                )
            if self._codec.registry.get(row.subject) is None or not access.readable_subject(
                owner, row.subject
            ):
                return None
            return self._stored(connection, row, owner)

        return self._read(work)

    def inbound_references(self, customer: str, subject: str = "") -> list[InboundReference]:
        number = parse_customer_name(customer, "customer")

        def work(connection: Connection) -> list[InboundReference]:
            named = customer_ops.load(connection, number, roles.CUSTOMERS_READ)
            found = []
            for row in references.inbound_rows(
                connection, named.id, subject=subject, limit=MAX_ITEMS
            ):
                if not references.visible(row):
                    found.append(
                        InboundReference(masked(row.customer_id), "", row.subject, row.field_path)
                    )
                    continue
                access.note_customers([row.referrer_number])
                referrer = Party(
                    opaque_id=references.opaque_id(row.customer_id),
                    masked=False,
                    name=customer_name(row.referrer_number),
                    customer_number=row.referrer_number,
                    customer_type=row.referrer_type,
                    display_name=row.referrer_display_name,
                    status=row.referrer_status,
                )
                found.append(
                    InboundReference(
                        referrer,
                        record_name(row.referrer_number, row.record_id),
                        row.subject,
                        row.field_path,
                    )
                )
            return found

        return self._read(work)
