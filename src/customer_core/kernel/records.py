"""Subject records: a customer's records of any registered subject model, carried as `Any`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from google.protobuf import field_mask_pb2
from google.protobuf.message import DecodeError, Message
from sqlalchemy import delete, exists, select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.errors import (
    AlreadyExists,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from customer_core.identifiers import SOURCE_SYSTEM, SOURCE_SYSTEM_RULE
from customer_core.kernel import access, pagination, quality, quality_trace, references
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.names import parse_customer_name, parse_record_name, record_name
from customer_core.kernel.quality_trace import Change
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.registry import Registry
from customer_core.kernel.subject_model import SubjectModel
from customer_core.kernel.validation import validate_record
from customer_core.ledger import recorder as ledger
from customer_core.ledger.snapshots import record_snapshot
from customer_core.plugin import CustomerView, Kind
from customer_core.storage.deferred import defer
from customer_core.storage.tables import blind_indexes, subject_records
from customer_core.storage.transaction import RetryTransaction
from customer_core.v1 import customer_pb2, customer_service_pb2

RESOURCE_TYPE = "customer_core.v1.SubjectRecord"


@dataclass(frozen=True)
class Prepared:
    """A record that passed validation: its model, normalized message, source system, and the
    warnings of its model's data-quality rules (stored with it)."""

    model: SubjectModel
    message: Message
    source_system: str
    issues: tuple[quality.KeptIssue, ...] = ()
    #: What the data-quality rules corrected and completed (`quality_trace`).
    changes: tuple[Change, ...] = ()


def model_named(registry: Registry, subject: str, path: str) -> SubjectModel:
    """The registered model called `subject`; INVALID_ARGUMENT naming `path.subject` otherwise."""
    prefix = f"{path}." if path else ""
    if not subject:
        raise InvalidArgument.field(f"{prefix}subject", "is required")
    model = registry.get(subject)
    if model is None:
        known = ", ".join(m.name for m in registry.models()) or "none"
        raise InvalidArgument.field(
            f"{prefix}subject", f"unknown subject model {subject[:64]!r}; registered: {known}"
        )
    return model


def _unpack(model: SubjectModel, record: customer_pb2.SubjectRecord, path: str) -> Message:
    if not record.HasField("data"):
        raise InvalidArgument.field(
            f"{path}.data", f"is required: an Any holding {model.message_type}"
        )
    if record.data.type_url != model.type_url:
        raise InvalidArgument.field(
            f"{path}.data",
            f"holds {record.data.type_url[:200] or 'no type'}; subject {model.name!r} needs {model.type_url}",
        )
    message = model.message_class()
    try:
        message.ParseFromString(record.data.value)
    except DecodeError:
        raise InvalidArgument.field(
            f"{path}.data", f"cannot be decoded as {model.message_type}"
        ) from None
    return message


def normalized(registry: Registry, model: SubjectModel, message: Message) -> list[Change]:
    """Runs the owning plugin's `normalize_record` on `message`: the corrections it made."""
    return _traced(
        registry, model, message, Kind.CORRECT, lambda: registry.normalize(model, message)
    )


def _traced(
    registry: Registry, model: SubjectModel, message: Message, kind: Kind, hook: Any
) -> list[Change]:
    """Runs `hook` (changing `message` in place): the changes it made, put down to its `Fix`es.
    The fields are compared only when the message's bytes changed (most writes arrive clean)."""
    received = message.SerializeToString(deterministic=True)
    fixes = hook()
    if message.SerializeToString(deterministic=True) == received:
        return []
    before = quality_trace.leaves(type(message).FromString(received))
    return quality_trace.changes(
        registry, model, before, quality_trace.leaves(message), fixes, kind
    )


def check(
    registry: Registry,
    model: SubjectModel,
    message: Message,
    customer: CustomerView,
    path: str,
    *,
    corrections: Sequence[Change] | None = None,
    legacy: bool = False,
) -> tuple[list[FieldViolation], list[quality.KeptIssue], list[Change]]:
    """Normalizes and completes `message` in place, then checks it: (refusals, issues to keep,
    the corrections and completions made).

    The owning plugin's hooks run in order: `normalize_record` (unless done already, its
    `corrections` given), `complete_record`, the field rules, `validate_record` (with the view of
    the customer's other records). `legacy` (QUALITY_MODE_LEGACY_LOAD): findings that would
    refuse the record for a bad or missing value are kept as ERROR issues instead.
    """
    if corrections is None:
        corrections = normalized(registry, model, message)
    completions = _traced(
        registry, model, message, Kind.COMPLETE, lambda: registry.complete(model, message, customer)
    )
    found = validate_record(model, message, customer.customer_number)
    kept: list[quality.KeptIssue] = []
    if legacy:
        found, kept = quality.keep_field_findings(model, found)
    if not found:
        results = registry.validate(model, message, customer)
        if results:
            secrets = quality.secrets_of(registry, [message, *customer.loaded_in_clear()])
            found, warnings = quality.sort(registry, model, results, secrets, legacy=legacy)
            kept += warnings
    return [v.under(f"{path}.data") for v in found], kept, [*corrections, *completions]


def prepare(
    registry: Registry,
    record: customer_pb2.SubjectRecord,
    customer: CustomerView,
    path: str,
    *,
    legacy: bool = False,
) -> tuple[Prepared | None, list[FieldViolation]]:
    """Validates a new record; (the prepared record, []) or (None, violations)."""
    try:
        model = model_named(registry, record.subject, path)
        message = _unpack(model, record, path)
    except InvalidArgument as exc:
        return None, exc.violations
    return _prepared(registry, record, model, message, customer, path, legacy=legacy)


def prepare_all(
    registry: Registry,
    records: Sequence[customer_pb2.SubjectRecord],
    customer_type: str,
    *,
    legacy: bool = False,
) -> list[tuple[Prepared | None, list[FieldViolation]]]:
    """Validates the records of a customer being created (`records[i]`), each seeing the others.

    Each record's view holds the other records of the request as normalized (not completed).
    """
    unpacked: list[tuple[SubjectModel, Message, list[Change]] | InvalidArgument] = []
    as_normalized: list[tuple[str, Message] | None] = []
    for i, record in enumerate(records):
        try:
            model = model_named(registry, record.subject, f"records[{i}]")
            message = _unpack(model, record, f"records[{i}]")
        except InvalidArgument as exc:
            unpacked.append(exc)
            as_normalized.append(None)
            continue
        unpacked.append((model, message, normalized(registry, model, message)))
        copy = type(message)()
        copy.CopyFrom(message)
        as_normalized.append((model.name, copy))
    results: list[tuple[Prepared | None, list[FieldViolation]]] = []
    for i, (record, item) in enumerate(zip(records, unpacked, strict=True)):
        if isinstance(item, InvalidArgument):
            results.append((None, item.violations))
            continue
        model, message, corrections = item
        view = quality.request_view(registry, customer_type, as_normalized, exclude=i)
        results.append(
            _prepared(
                registry,
                record,
                model,
                message,
                view,
                f"records[{i}]",
                corrections=corrections,
                legacy=legacy,
            )
        )
    return results


def _prepared(
    registry: Registry,
    record: customer_pb2.SubjectRecord,
    model: SubjectModel,
    message: Message,
    customer: CustomerView,
    path: str,
    *,
    corrections: Sequence[Change] | None = None,
    legacy: bool = False,
) -> tuple[Prepared | None, list[FieldViolation]]:
    found = []
    if model.customer_types and customer.customer_type not in model.customer_types:
        found.append(
            FieldViolation(
                f"{path}.subject",
                f"subject {model.name!r} applies to {', '.join(model.customer_types)} customers only",
            )
        )
    if record.source_system and not SOURCE_SYSTEM.fullmatch(record.source_system):
        found.append(FieldViolation(f"{path}.source_system", SOURCE_SYSTEM_RULE))
    refusals, kept, changes = check(
        registry, model, message, customer, path, corrections=corrections, legacy=legacy
    )
    found += refusals
    if found:
        return None, found
    return Prepared(model, message, record.source_system, tuple(kept), tuple(changes)), []


def insert(
    connection: Connection,
    codec: RecordCodec,
    customer: Any,
    prepared: Prepared,
    now: datetime,
    *,
    new_customer: bool = False,
    referenced: Mapping[str, uuid.UUID] | None = None,
) -> customer_pb2.SubjectRecord:
    """Stores a prepared record; ALREADY_EXISTS for a second record of a singleton model.

    `new_customer`: the customer was created in this transaction (onboarding), so it has no
    records yet and nothing needs looking up. `referenced`: the ids of the customers its
    `customer_ref` values name, by number, as `references.resolve` found them.
    """
    model = prepared.model
    access.require_subject(customer, roles.RECORDS_WRITE, model.name)
    if (
        model.singleton
        and not new_customer
        and connection.execute(
            select(
                exists().where(
                    subject_records.c.customer_id == customer.id,
                    subject_records.c.subject == model.name,
                )
            )
        ).scalar()
    ):
        raise AlreadyExists(
            RESOURCE_TYPE,
            f"customers/{customer.customer_number}/records?subject={model.name}",
            f"customer {customer.customer_number} already has its one {model.name!r} record; update it",
            reason="SINGLETON_RECORD_EXISTS",
        )
    record_id = uuid.uuid4()
    sealed = codec.seal(
        connection,
        model,
        prepared.message,
        customer.id,
        record_id,
        new_record=True,
        new_customer=new_customer,
        received=quality.received(prepared.changes),
    )
    values = {
        "id": record_id,
        "customer_id": customer.id,
        "subject": model.name,
        "type_url": model.type_url,
        "schema_version": model.schema_version,
        "payload": sealed.payload,
        "sealed": sealed.sealed,
        "source_system": prepared.source_system or None,
        "version": 1,
        "create_time": now,
        "update_time": now,
    }
    defer(connection, subject_records, [values])
    refs = references.of(model, prepared.message)
    if refs:
        references.index(
            connection, customer.id, record_id, model.name, refs, dict(referenced or {}), now,
            new_record=True,
        )  # fmt: skip
    row = SimpleNamespace(**values)
    quality.store(
        connection, customer, row, prepared.issues, prepared.changes, sealed.received, now,
        new_record=True,
    )  # fmt: skip
    customer_ops.record_change(
        connection, customer, model.name, record_name(customer.customer_number, record_id), ledger.CREATE, now,
        after=record_snapshot(row, quality.traces(prepared.changes, sealed.received)),
    )  # fmt: skip
    created = codec.to_proto(connection, row, customer)
    quality.report(created, prepared.issues, prepared.changes)
    return created


def create(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.CreateSubjectRecordRequest,
    now: datetime,
) -> customer_pb2.SubjectRecord:
    """CreateSubjectRecord."""
    number = parse_customer_name(request.parent, "parent")
    customer = customer_ops.load(connection, number, roles.RECORDS_WRITE)
    legacy = quality.legacy(request.quality_mode, customer)
    view = quality.stored_view(connection, codec, customer)
    prepared, found = prepare(codec.registry, request.record, view, "record", legacy=legacy)
    if prepared is None:
        raise InvalidArgument(found)
    customer_ops.require_active(connection, customer)
    referenced = references.check(
        connection, "record.data", references.of(prepared.model, prepared.message)
    )
    return insert(connection, codec, customer, prepared, now, referenced=referenced)


def _load(connection: Connection, name: str, field: str, permission: str) -> tuple[Any, Any]:
    number, record_id = parse_record_name(name, field)
    customer = customer_ops.load(connection, number, permission)
    row = connection.execute(
        select(subject_records).where(
            subject_records.c.id == record_id, subject_records.c.customer_id == customer.id
        )
    ).first()
    if row is None:
        raise NotFound(RESOURCE_TYPE, name, f"subject record {name} does not exist")
    access.require_subject(customer, permission, row.subject)
    return customer, row


def get(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.GetSubjectRecordRequest,
) -> customer_pb2.SubjectRecord:
    """GetSubjectRecord."""
    customer, row = _load(connection, request.name, "name", roles.RECORDS_READ)
    return codec.to_proto(connection, row, customer)


def update_record(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.UpdateSubjectRecordRequest,
    now: datetime,
) -> customer_pb2.SubjectRecord:
    """UpdateSubjectRecord: replace `data`, or merge the paths of `data` named in the mask."""
    if not request.HasField("record"):
        raise InvalidArgument.field("record", "is required")
    given = request.record
    customer, row = _load(connection, given.name, "record.name", roles.RECORDS_WRITE)
    legacy = quality.legacy(request.quality_mode, customer)
    if given.subject and given.subject != row.subject:
        raise InvalidArgument.field(
            "record.subject", f"is immutable; the record is {row.subject!r}"
        )
    model = codec.registry.get(row.subject)
    if model is None:
        raise InvalidArgument.field(
            "record.name", f"its subject model {row.subject!r} is not registered in this deployment"
        )
    incoming = _unpack(model, given, "record")
    paths = list(request.update_mask.paths)
    message = (
        _merge(model, codec.plaintext(connection, model, row), incoming, paths)
        if paths
        else incoming
    )
    view = quality.stored_view(connection, codec, customer, exclude=row.id)
    found, kept, changes = check(codec.registry, model, message, view, "record", legacy=legacy)
    if found:
        raise InvalidArgument(found)
    customer_ops.require_etag(row, given.etag, "record.etag")
    customer_ops.require_active(connection, customer)
    refs = references.of(model, message)
    held = references.held(connection, row.id) if refs else set()
    referenced = references.check(connection, "record.data", refs, kept=held)
    sealed = codec.seal(
        connection, model, message, customer.id, row.id, received=quality.received(changes)
    )
    fresh = rewrite(
        connection, row, now, payload=sealed.payload, sealed=sealed.sealed,
        schema_version=model.schema_version, type_url=model.type_url,
    )  # fmt: skip
    quality.store(connection, customer, fresh, kept, changes, sealed.received, now)
    if references.has_references(model):
        references.index(connection, customer.id, row.id, model.name, refs, referenced, now)
    customer_ops.record_change(
        connection, customer, model.name, given.name, ledger.UPDATE, now,
        before=record_snapshot(row),
        after=record_snapshot(fresh, quality.traces(changes, sealed.received)),
    )  # fmt: skip
    updated = codec.to_proto(connection, fresh, customer)
    quality.report(updated, kept, changes)
    return updated


def rewrite(connection: Connection, row: Any, now: datetime, **values: Any) -> Any:
    """Writes `values` into a record row read in this transaction, as its next version; the row
    as it is now (RetryTransaction if another writer changed it since it was read)."""
    result = connection.execute(
        update(subject_records)
        .where(subject_records.c.id == row.id, subject_records.c.version == row.version)
        .values(**values, version=row.version + 1, update_time=now)
    )
    if result.rowcount != 1:
        raise RetryTransaction("record version moved")
    return connection.execute(select(subject_records).where(subject_records.c.id == row.id)).one()


def _merge(model: SubjectModel, stored: Message, incoming: Message, paths: list[str]) -> Message:
    inner = []
    for path in paths:
        if not path.startswith("data.") or len(path) == 5:
            raise InvalidArgument.field(
                "update_mask", f"path {path!r} must name a field inside data, e.g. data.occupation"
            )
        inner.append(path[5:])
    mask = field_mask_pb2.FieldMask(paths=inner)
    if not mask.IsValidForDescriptor(model.descriptor):
        raise InvalidArgument.field(
            "update_mask",
            f"names a field that {model.message_type} does not have: {', '.join(paths)}",
        )
    mask.MergeMessage(incoming, stored, replace_message_field=True, replace_repeated_field=True)
    return stored


def delete_record(
    connection: Connection, request: customer_service_pb2.DeleteSubjectRecordRequest, now: datetime
) -> None:
    """DeleteSubjectRecord."""
    customer, row = _load(connection, request.name, "name", roles.RECORDS_WRITE)
    customer_ops.require_etag(row, request.etag, "etag")
    customer_ops.require_active(connection, customer)
    connection.execute(delete(blind_indexes).where(blind_indexes.c.record_id == row.id))
    references.forget(connection, row.id)
    quality.supersede(connection, row.id, now)
    connection.execute(delete(subject_records).where(subject_records.c.id == row.id))
    customer_ops.record_change(
        connection,
        customer,
        row.subject,
        request.name,
        ledger.DELETE,
        now,
        before=record_snapshot(row),
    )


def list_records(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.ListSubjectRecordsRequest,
) -> customer_service_pb2.ListSubjectRecordsResponse:
    """ListSubjectRecords, oldest first, of the subject models the caller may read."""
    number = parse_customer_name(request.parent, "parent")
    size = pagination.page_size(request.page_size)
    if request.subject:
        model_named(codec.registry, request.subject, "")
    scope = f"{request.parent}|{request.subject}"
    after = pagination.time_and_id(pagination.decode_token(request.page_token, scope, (str, str)))
    customer = customer_ops.load(connection, number, roles.RECORDS_READ)
    if request.subject and not access.readable_subject(customer, request.subject):
        raise PermissionDenied(
            f"may not read {request.subject!r} records", metadata={"subject": request.subject}
        )
    readable = [
        m.name for m in codec.registry.models() if access.readable_subject(customer, m.name)
    ]
    query = (
        select(subject_records)
        .where(
            subject_records.c.customer_id == customer.id, subject_records.c.subject.in_(readable)
        )
        .order_by(subject_records.c.create_time, subject_records.c.id)
        .limit(size + 1)
    )
    if request.subject:
        query = query.where(subject_records.c.subject == request.subject)
    if after is not None:
        t, rid = after
        query = query.where(
            (subject_records.c.create_time > t)
            | ((subject_records.c.create_time == t) & (subject_records.c.id > rid))
        )
    rows = connection.execute(query).all()
    response = customer_service_pb2.ListSubjectRecordsResponse(
        records=[codec.to_proto(connection, r, customer) for r in rows[:size]]
    )
    if len(rows) > size:
        last = rows[size - 1]
        response.next_page_token = pagination.encode_token(
            [last.create_time.isoformat(), str(last.id)], scope
        )
    return response
