"""Onboarding: new golden records with their first cross-references and records, many at once.

Onboarding is set-based: `check` validates one CreateCustomerRequest in memory (its fields, its
records with their data-quality rules, the caller's right to create it and its records), and
`write` writes any number of checked requests together: one lookup of all their
cross-references, then one insert per table (customers, cross-references, data keys, records,
blind indexes, ledger entries; see `storage.deferred`, which sends them as one statement, or by
COPY when they are many). CreateCustomer is the case of one (`create_customer`);
BatchCreateCustomers (`kernel.batch_onboarding`) the case of many.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.errors import FieldViolation, InvalidArgument
from customer_core.kernel import access, references
from customer_core.kernel import cross_references as xref_ops
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import records as record_ops
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.records import Prepared
from customer_core.v1 import customer_pb2, customer_service_pb2

#: Most cross-references and records one CreateCustomer may carry.
MAX_ITEMS = 100


@dataclass(frozen=True)
class Checked:
    """A CreateCustomerRequest that passed every check that needs no database."""

    request: customer_service_pb2.CreateCustomerRequest
    records: tuple[Prepared, ...]

    def pairs(self) -> list[xref_ops.Pair]:
        """Its cross-references, as (source system, local id)."""
        return [(x.source_system, x.local_id) for x in self.request.cross_references]


def check(
    codec: RecordCodec,
    request: customer_service_pb2.CreateCustomerRequest,
    default_mode: int = customer_pb2.QUALITY_MODE_UNSPECIFIED,
) -> Checked:
    """Validates a request and the caller's right to make it, in memory.

    The request's `quality_mode` (or else `default_mode`, a batch's) says how the data-quality
    rules treat its records; the legacy-load mode needs `quality.legacy_load` in its org unit.

    Raises:
        InvalidArgument: naming every bad field.
        PermissionDenied: the caller may not create customers in its org unit, or records of
            one of its subject models.
    """
    if not request.HasField("customer"):
        raise InvalidArgument.field("customer", "is required")
    found = customer_ops.validate_new(request.customer, "customer")
    found += _check_links(request)
    prepared: list[Prepared] = []
    if len(request.records) > MAX_ITEMS:
        found.append(FieldViolation("records", f"at most {MAX_ITEMS} records per call"))
    elif not found:
        legacy = (request.quality_mode or default_mode) == customer_pb2.QUALITY_MODE_LEGACY_LOAD
        if legacy:
            access.require_org_unit(
                roles.QUALITY_LEGACY_LOAD, request.customer.owning_org_unit, "load legacy records"
            )
        singletons: set[str] = set()
        checked = record_ops.prepare_all(
            codec.registry, request.records, customer_ops.type_name(request.customer),
            legacy=legacy,
        )  # fmt: skip
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
    org_unit = request.customer.owning_org_unit
    access.require_org_unit(roles.CUSTOMERS_CREATE, org_unit, "create customers")
    owner = SimpleNamespace(owning_org_unit=org_unit)
    for item in prepared:
        access.require_subject(owner, roles.RECORDS_WRITE, item.model.name)
    return Checked(request, tuple(prepared))


#: Looks up cross-references as committed, outside the write's transaction (`Kernel.lookup_links`).
Lookup = Callable[[Sequence[xref_ops.Pair]], Mapping[xref_ops.Pair, Any]]


def taken(lookup: Lookup, items: Sequence[Checked]) -> Mapping[xref_ops.Pair, Any]:
    """The cross-references of `items` that some customer has already, in one query.

    The query runs outside the write's SERIALIZABLE transaction, as committed: looked up inside
    it, keys that are not there yet would put predicate locks on the unique index, and concurrent
    onboardings of different customers would fail each other's transactions over index pages
    they share (two in three retried, at 16 callers on PostgreSQL). Reading outside is safe
    because the unique index decides: a link made meanwhile makes the insert collide, the write
    is retried from the start, and this lookup then finds it.
    """
    return lookup([pair for item in items for pair in item.pairs()])


def referenced(
    connection: Connection, items: Sequence[Checked]
) -> tuple[dict[str, Any], list[list[FieldViolation]]]:
    """The customers the records' `customer_ref` values name (ids by number), in one query of the
    write's transaction, and per item the references that name no active customer
    (`records[i].data.<field>`)."""
    return references.resolve(
        connection,
        [
            (
                "",
                [
                    references.Reference(f"records[{i}].data.{ref.path}", ref.number)
                    for i, record in enumerate(item.records)
                    for ref in references.of(record.model, record.message)
                ],
            )
            for item in items
        ],
    )


def write(
    connection: Connection,
    codec: RecordCodec,
    items: Sequence[Checked],
    now: datetime,
    referenced: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Writes checked requests whose cross-references are free (`taken`) and whose references
    resolve (`referenced`, the ids it found), all together; the rows of the customers created,
    in order."""
    rows = customer_ops.insert_customers(connection, [i.request.customer for i in items], now)
    access.note_customers([row.customer_number for row in rows])
    for row, item in zip(rows, items, strict=True):
        for source_system, local_id in item.pairs():
            xref_ops.insert(connection, row, source_system, local_id, now)
    codec.cipher.prepare_new_customers(
        connection,
        [(row.id, [p.model for p in item.records]) for row, item in zip(rows, items, strict=True)],
    )
    for row, item in zip(rows, items, strict=True):
        for prepared in item.records:  # the records' inserts go together (see storage.deferred)
            record_ops.insert(
                connection, codec, row, prepared, now, new_customer=True, referenced=referenced
            )
    return rows


def create_customer(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.CreateCustomerRequest,
    now: datetime,
    lookup: Lookup,
) -> customer_pb2.Customer:
    """CreateCustomer: validates everything first, then writes the customer, its links and its
    records (ALREADY_EXISTS when another customer has one of its cross-references)."""
    item = check(codec, request)
    existing = taken(lookup, [item])
    for pair in item.pairs():
        if pair in existing:
            raise xref_ops.owned_elsewhere(*pair)
    ids, (problems,) = referenced(connection, [item])
    if problems:
        raise references.refused(problems)
    return customer_ops.to_proto(connection, write(connection, codec, [item], now, ids)[0])


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
