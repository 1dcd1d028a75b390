"""Data quality at write time: what the plugins' rules found, the customer views they read, and
where warnings are kept.

A rule's finding (`QualityIssue`) takes its rule's severity: ERROR refuses the write like a field
violation (the rule id as the violation's reason), WARNING lets it through. Warnings are stored in
`data_quality_issues`, in the write's transaction, one row per issue with the record's id and
version, and come back on the write's response (`SubjectRecord.quality_issues`). A later write of
the record resolves the issues of the earlier one (`resolve_time`), so a record's open issues are
always those of its current version: the queue a data steward works through.

Messages are written by plugins and stored in clear, so any sensitive value of the record or of
the records its rules read that appears in one is masked first, whatever the plugin promised.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.masking import mask
from customer_core.errors import CustomerCoreError, FieldViolation
from customer_core.kernel import access, validation
from customer_core.kernel.quality_trace import Change
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.registry import Registry
from customer_core.kernel.sealing import sensitive_fields
from customer_core.kernel.subject_model import SubjectModel
from customer_core.plugin import CustomerView, Kind, QualityIssue, QualityRule, Severity
from customer_core.storage.deferred import defer
from customer_core.storage.tables import data_quality_changes, data_quality_issues, subject_records
from customer_core.v1 import customer_pb2, ledger_pb2

#: An issue's status: waiting for a steward; closed by a later version of its record.
OPEN = "OPEN"
SUPERSEDED = "SUPERSEDED"
#: Shorter sensitive values are not searched for in messages (they would mask ordinary words).
_SHORTEST_MASKED = 4
#: A severity as the contract's messages carry it.
SEVERITIES = {
    Severity.ERROR: customer_pb2.QUALITY_SEVERITY_ERROR,
    Severity.WARNING: customer_pb2.QUALITY_SEVERITY_WARNING,
}


@dataclass(frozen=True)
class KeptIssue:
    """A WARNING rule's finding on a record, to be stored with it."""

    rule: QualityRule
    field: str
    message: str

    def to_proto(self) -> customer_pb2.QualityIssue:
        """The issue as `SubjectRecord.quality_issues` carries it (`field` from the record)."""
        return customer_pb2.QualityIssue(
            rule_id=self.rule.id,
            severity=SEVERITIES[self.rule.severity],
            field=f"data.{self.field}" if self.field else "data",
            message=self.message,
        )


#: The kernel's field rules as the issues a legacy load keeps for them (`keep_field_findings`).
FIELD_RULES = {
    validation.FIELD_REQUIRED: QualityRule(
        validation.FIELD_REQUIRED, "", Severity.ERROR,
        "A field the subject model requires is set (a legacy load keeps the record, the field "
        "left unset: an explicit unknown).",
    ),
    validation.FIELD_PATTERN: QualityRule(
        validation.FIELD_PATTERN, "", Severity.ERROR,
        "A value has the form the subject model's field declares.",
    ),
}  # fmt: skip
#: What the kernel's changes tables call a rule kind.
KINDS = {
    Kind.CORRECT: customer_pb2.QUALITY_RULE_KIND_CORRECT,
    Kind.COMPLETE: customer_pb2.QUALITY_RULE_KIND_COMPLETE,
    Kind.VALIDATE: customer_pb2.QUALITY_RULE_KIND_VALIDATE,
}


def legacy(mode: int, customer: Any) -> bool:
    """True for QUALITY_MODE_LEGACY_LOAD, which needs `quality.legacy_load` over the customer
    (PERMISSION_DENIED otherwise); False for an online write."""
    if mode != customer_pb2.QUALITY_MODE_LEGACY_LOAD:
        return False
    access.require(customer, roles.QUALITY_LEGACY_LOAD)
    return True


def keep_field_findings(
    model: SubjectModel, found: Sequence[FieldViolation]
) -> tuple[list[FieldViolation], list[KeptIssue]]:
    """The field rules' findings of a legacy load, as (still refused, kept as ERROR issues):
    a missing required value or one not of its declared form is kept; any other (an unknown
    field, a value too long, a bad reference) is still refused."""
    refused, kept = [], []
    for violation in found:
        rule = FIELD_RULES.get(violation.reason)
        if rule is None:
            refused.append(violation)
        else:
            kept.append(KeptIssue(replace(rule, subject=model.name), violation.field,
                                  violation.description))  # fmt: skip
    return refused, kept


def sort(
    registry: Registry,
    model: SubjectModel,
    found: Iterable[FieldViolation | QualityIssue],
    secrets: Sequence[tuple[str, str]],
    *,
    legacy: bool = False,
) -> tuple[list[FieldViolation], list[KeptIssue]]:
    """What `validate_record` returned, as (refusals, issues to keep), messages masked.

    An ERROR issue refuses, or with `legacy` is kept like a warning.

    Raises:
        CustomerCoreError (INTERNAL): an issue names a rule its plugin did not declare.
    """
    refusals: list[FieldViolation] = []
    warnings: list[KeptIssue] = []
    for item in found:
        if isinstance(item, FieldViolation):
            refusals.append(
                FieldViolation(item.field, masked(item.description, secrets), item.reason)
            )
            continue
        rule = registry.rule(item.rule) if isinstance(item, QualityIssue) else None
        if rule is None or rule.subject != model.name:
            raise CustomerCoreError(
                f"plugin {model.plugin!r} returned {item!r} for a {model.name!r} record: "
                "not a FieldViolation, nor a QualityIssue of a rule it declared for this model"
            )
        message = masked(item.message, secrets)
        if rule.severity is Severity.ERROR and not legacy:
            refusals.append(FieldViolation(item.field, message, rule.id))
        else:
            warnings.append(KeptIssue(rule, item.field, message))
    return refusals, warnings


def secrets_of(registry: Registry, messages: Iterable[Message]) -> list[tuple[str, str]]:
    """The sensitive string values of these records (of registered models) with their fields'
    mask rules, longest first."""
    found: dict[str, str] = {}
    for message in messages:
        model = registry.model_of(message)
        if model is None:
            continue
        for ref in sensitive_fields(model, message):
            value = ref.value
            if isinstance(value, str) and len(value) >= _SHORTEST_MASKED:
                found.setdefault(value, ref.spec.rules.mask)
    return sorted(found.items(), key=lambda item: len(item[0]), reverse=True)


def masked(text: str, secrets: Sequence[tuple[str, str]]) -> str:
    """`text` with every occurrence of a secret replaced by its masked form."""
    for secret, rule in secrets:
        if secret in text:
            text = text.replace(secret, mask(secret, rule))
    return text


def stored_view(
    connection: Connection,
    codec: RecordCodec,
    customer: Any,
    *,
    exclude: uuid.UUID | None = None,
) -> CustomerView:
    """A view of a stored customer's records (read when a rule first asks for a subject): masked
    as stored, or decrypted when asked for in clear.

    Records of a customer that is not active are not read: nothing may be written to it anyway
    (and an erased customer's cannot be decrypted).
    """

    def load(subject: str, in_clear: bool) -> list[Message]:
        model = codec.registry.get(subject)
        if model is None or customer.status != "ACTIVE":
            return []
        query = (
            select(subject_records)
            .where(
                subject_records.c.customer_id == customer.id,
                subject_records.c.subject == subject,
            )
            .order_by(subject_records.c.create_time, subject_records.c.id)
        )
        if exclude is not None:
            query = query.where(subject_records.c.id != exclude)
        rows = connection.execute(query).all()
        if in_clear:
            return [codec.plaintext(connection, model, row) for row in rows]
        return [model.message_class.FromString(row.payload) for row in rows]

    return CustomerView(customer.customer_number, customer.type, load)


def request_view(
    registry: Registry,
    customer_type: str,
    records: Sequence[tuple[str, Message] | None],
    exclude: int,
) -> CustomerView:
    """A view of a customer being created: the request's records (subject, message; None for one
    that cannot be read) other than `records[exclude]`, masked unless asked for in clear."""

    def load(subject: str, in_clear: bool) -> list[Message]:
        model = registry.get(subject)
        if model is None:
            return []
        found = []
        for i, item in enumerate(records):
            if item is None or item[0] != subject or i == exclude:
                continue
            message = item[1]
            if not in_clear:
                message = type(message)()
                message.CopyFrom(item[1])
                for ref in sensitive_fields(model, message):
                    value = ref.value
                    ref.set(mask(value, ref.spec.rules.mask) if isinstance(value, str) else b"")
            found.append(message)
        return found

    return CustomerView("", customer_type, load)


def received(changes: Sequence[Change]) -> list[tuple[str, bytes]]:
    """The values as received of the sensitive fields among `changes`, to be sealed."""
    return [(c.field, c.original.encode()) for c in changes if c.sensitive and c.original]


def traces(changes: Sequence[Change], sealed: Mapping[str, bytes]) -> list[ledger_pb2.QualityTrace]:
    """`changes` as the write's ledger entry keeps them: a sensitive field's value as received
    as its ciphertext (`sealed`, by path), and its new value left to the record's own."""
    found = []
    for change in changes:
        trace = ledger_pb2.QualityTrace(
            rule_id=change.rule.id, kind=change.kind.value, field=change.field
        )
        if change.sensitive:
            trace.sealed = True
            trace.original = sealed.get(change.field, b"")
        else:
            trace.original = (change.original or "").encode()
            trace.value = (change.value or "").encode()
        found.append(trace)
    return found


def change_proto(change: Change) -> customer_pb2.QualityChange:
    """A change as `SubjectRecord.quality_changes` carries it: a sensitive field's values
    masked by its field's rule."""
    original, value = change.original or "", change.value or ""
    if change.sensitive:
        original, value = (
            _masked_json(original, change.mask_rule),
            _masked_json(value, change.mask_rule),
        )
    return customer_pb2.QualityChange(
        rule_id=change.rule.id,
        kind=KINDS[change.kind],
        field=f"data.{change.field}",
        original=original,
        value=value,
    )


def _masked_json(text: str, rule: str) -> str:
    if not text:
        return text
    value = json.loads(text)
    return json.dumps(mask(value, rule) if isinstance(value, str) else "", ensure_ascii=False)


def report(
    record: customer_pb2.SubjectRecord, issues: Sequence[KeptIssue], changes: Sequence[Change]
) -> None:
    """Puts a write's issues and changes on its response."""
    record.quality_issues.extend(issue.to_proto() for issue in issues)
    record.quality_changes.extend(change_proto(change) for change in changes)


def supersede(connection: Connection, record_id: uuid.UUID, now: datetime) -> None:
    """Closes the open issues of a record that is gone or rewritten (SUPERSEDED)."""
    connection.execute(
        update(data_quality_issues)
        .where(data_quality_issues.c.record_id == record_id, data_quality_issues.c.status == OPEN)
        .values(resolve_time=now, status=SUPERSEDED)
    )


def store(
    connection: Connection,
    customer: Any,
    row: Any,
    issues: Sequence[KeptIssue],
    changes: Sequence[Change],
    sealed: Mapping[str, bytes],
    now: datetime,
    *,
    new_record: bool = False,
) -> None:
    """Keeps the issues and changes of a record's write (`row`, the record as written); the
    open issues of its earlier version are superseded.

    `new_record`: the record was created in this transaction, so it has no earlier issues.
    The new rows go with the transaction's other inserts (`storage.deferred`).
    """
    if not new_record:
        supersede(connection, row.id, now)
    source = row.source_system or ""
    defer(
        connection,
        data_quality_issues,
        [
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "record_id": row.id,
                "record_version": row.version,
                "subject": row.subject,
                "rule_id": issue.rule.id,
                "severity": issue.rule.severity.value,
                "field_path": issue.field,
                "message": issue.message,
                "create_time": now,
                "resolve_time": None,
                "status": OPEN,
                "source_system": source,
                "actor": "",
                "comment": "",
            }
            for issue in issues
        ],
    )
    defer(
        connection,
        data_quality_changes,
        [
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "record_id": row.id,
                "record_version": row.version,
                "subject": row.subject,
                "source_system": source,
                "rule_id": change.rule.id,
                "kind": change.kind.value,
                "field_path": change.field,
                "original": (
                    sealed.get(change.field)
                    if change.sensitive
                    else None
                    if change.original is None
                    else change.original.encode()
                ),
                "sealed": change.sensitive and change.field in sealed,
                "create_time": now,
            }
            for change in changes
        ],
    )
