"""GetCustomer360: the customer, all its subject records and all its cross-references.

Live, it reads the tables in one statement (so a masked view needs no transaction to be
consistent, and costs one round trip); with `as_of`, it replays the customer's ledger chain up
to that time and builds the same view from the stored forms the entries carry: records masked,
or unsealed when the caller gives a reason and may unmask (values under a since retired or
destroyed key stay masked). Either way only the subjects the caller may read now are shown, in
subject order, records oldest first (create time, then id), cross-references by source system
and local id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from google.protobuf import any_pb2, timestamp_pb2
from sqlalchemy import (
    CompoundSelect,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.crypto.keyring import KeyDestroyedError
from customer_core.crypto.master_key import RetiredKeyError
from customer_core.errors import InvalidArgument
from customer_core.kernel import access, convert
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.completeness import completeness
from customer_core.kernel.names import parse_customer_name, parse_record_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.ledger import history
from customer_core.storage.prepared import PreparedSelect
from customer_core.storage.tables import cross_references, customers, subject_records
from customer_core.v1 import customer_pb2, customer_service_pb2, ledger_pb2


def get_360(
    connection: Connection, codec: RecordCodec, request: customer_service_pb2.GetCustomer360Request
) -> customer_pb2.Customer360:
    """The view of the customer `request` names, live or as of a time; only subjects the caller
    may read. Runs in a transaction, or outside any when `needs_no_transaction` says it may."""
    number = parse_customer_name(request.name, "name")
    if request.HasField("as_of"):
        _check_as_of(request.as_of)
        return _as_of(connection, codec, number, request.as_of)
    rows: dict[str, list[Any]] = {"customer": [], "record": [], "xref": []}
    for row in _LIVE.all(connection, number=number):
        rows[row.kind].append(row)
    if not rows["customer"]:
        raise access.hidden(number)
    row = rows["customer"][0]
    access.require(row, roles.CUSTOMERS_READ)
    view = customer_pb2.Customer360(customer=customer_ops.to_proto(connection, row))
    # Ordered here rather than by the database's collation, so a replayed view orders the same.
    for record in sorted(rows["record"], key=_record_order):
        if not access.readable_subject(row, record.subject):
            continue
        if not view.subjects or view.subjects[-1].subject != record.subject:
            view.subjects.add(subject=record.subject)
        view.subjects[-1].records.append(codec.to_proto(connection, record, row))
    for xref in sorted(rows["xref"], key=_xref_row_order):
        view.cross_references.append(convert.cross_reference(xref, row.customer_number))
    _judge(view, codec, row)
    return view


def _judge(view: customer_pb2.Customer360, codec: RecordCodec, customer: Any) -> None:
    """Sets the view's completeness against what its customer's type is expected to hold."""
    registry = codec.registry
    kind = customer_pb2.CustomerType.Name(view.customer.type).removeprefix("CUSTOMER_TYPE_")
    view.completeness.CopyFrom(
        completeness(
            registry.expected.get(kind, ()),
            view.subjects,
            registry.get,
            lambda subject: access.readable_subject(customer, subject),
        )
    )


def needs_no_transaction(request: customer_service_pb2.GetCustomer360Request) -> bool:
    """True when the view is read in its one statement alone, so it needs no transaction: live
    and masked. Unmasking reads each value's data key afterwards, which must come from the same
    snapshot as the ciphertext (a key rotation may re-encrypt the record and retire the key in
    between); a view as of a time replays the ledger in several reads."""
    return not request.HasField("as_of") and not access.unmask_reason()


def _live_view() -> CompoundSelect[Any]:
    """One statement reading a customer, its subject records and its cross-references.

    Each table fills the columns it has and NULL the others, with a `kind` column saying which
    table a row comes from; every column is named as in its table, so each row reads like a row
    of that table. The NULLs are typed, so the results are converted as the table's columns are.
    """
    tables = {"customer": customers, "record": subject_records, "xref": cross_references}
    columns: dict[str, Any] = {}
    for table in tables.values():
        for column in table.columns:
            columns.setdefault(column.name, column.type)
    customer_id = (
        select(customers.c.id).where(customers.c.customer_number == bindparam("number"))
    ).scalar_subquery()
    branches = []
    for kind, table in tables.items():
        selected: list[Any] = [literal_column(f"'{kind}'", String).label("kind")]
        selected += [
            table.c[name] if name in table.c else cast(null(), type_).label(name)
            for name, type_ in columns.items()
        ]
        where = (
            table.c.customer_number == bindparam("number")
            if table is customers
            else table.c.customer_id == customer_id
        )
        branches.append(select(*selected).where(where))
    return union_all(*branches)


# Built once, and run on the driver: the 360 view is the hottest read.
_LIVE = PreparedSelect(_live_view())


def _record_order(row: Any) -> tuple[str, datetime, uuid.UUID]:
    return row.subject, row.create_time, row.id


def _xref_row_order(row: Any) -> tuple[str, str]:
    return row.source_system, row.local_id


def _xref_order(xref: customer_pb2.CrossReference) -> tuple[str, str]:
    return xref.source_system, xref.local_id


def _check_as_of(as_of: timestamp_pb2.Timestamp) -> None:
    if convert.to_datetime(as_of, "as_of") > datetime.now(UTC):
        raise InvalidArgument.field("as_of", "is in the future; the ledger knows only the past")


def _as_of(
    connection: Connection, codec: RecordCodec, number: str, as_of: timestamp_pb2.Timestamp
) -> customer_pb2.Customer360:
    row = customer_ops.load(connection, number)  # the caller's scope is checked as it is now
    state = history.replay(connection, number, as_of)
    if state.customer is None:  # not yet created then
        raise access.hidden(number)
    records = []
    for name, snapshot in state.records.items():
        if access.readable_subject(row, snapshot.subject):
            record_id = parse_record_name(name, "name")[1]
            records.append((snapshot.subject, snapshot.create_time.ToDatetime(), record_id, name))
    groups: list[customer_pb2.SubjectRecordGroup] = []
    for subject, _, record_id, name in sorted(records):
        if not groups or groups[-1].subject != subject:
            groups.append(customer_pb2.SubjectRecordGroup(subject=subject))
        groups[-1].records.append(
            _record(connection, codec, row, name, record_id, state.records[name])
        )
    xrefs = sorted(state.cross_references.values(), key=_xref_order)
    view = customer_pb2.Customer360(
        customer=state.customer, subjects=groups, cross_references=xrefs
    )
    _judge(view, codec, row)
    return view


def _record(
    connection: Connection,
    codec: RecordCodec,
    customer: Any,
    name: str,
    record_id: uuid.UUID,
    snapshot: ledger_pb2.RecordSnapshot,
) -> customer_pb2.SubjectRecord:
    """A record's stored form as the caller may see it, exactly as `RecordCodec.to_proto` shows it."""
    record = customer_pb2.SubjectRecord(
        name=name,
        subject=snapshot.subject,
        data=any_pb2.Any(type_url=snapshot.type_url, value=snapshot.payload),
        schema_version=snapshot.schema_version,
        source_system=snapshot.source_system,
        etag=convert.etag(record_id, snapshot.version),
        create_time=snapshot.create_time,
        update_time=snapshot.update_time,
    )
    if not snapshot.sealed or not access.unmask_reason():
        return record
    model = codec.registry.get(snapshot.subject)
    if model is None:
        return record
    access.require_unmask(customer)
    try:
        message, paths = codec.cipher.unseal(
            connection, model, snapshot.payload, snapshot.sealed, customer.id, record_id,
            history=True,
        )  # fmt: skip
    except (
        KeyDestroyedError,
        RetiredKeyError,
    ):  # erased (or left under a retired KEK by an older release)
        return record
    record.data.CopyFrom(
        any_pb2.Any(type_url=snapshot.type_url, value=message.SerializeToString(deterministic=True))
    )
    access.note_unmasked(record.name, paths)
    return record
