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

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from customer_core.authz.masking import mask
from customer_core.errors import CustomerCoreError, FieldViolation
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.registry import Registry
from customer_core.kernel.sealing import sensitive_fields
from customer_core.kernel.subject_model import SubjectModel
from customer_core.plugin import CustomerView, QualityIssue, QualityRule, Severity
from customer_core.storage.deferred import defer
from customer_core.storage.tables import data_quality_issues, subject_records
from customer_core.v1 import customer_pb2

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


def sort(
    registry: Registry,
    model: SubjectModel,
    found: Iterable[FieldViolation | QualityIssue],
    secrets: Sequence[tuple[str, str]],
) -> tuple[list[FieldViolation], list[KeptIssue]]:
    """What `validate_record` returned, as (refusals, warnings), messages masked.

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
        if rule.severity is Severity.ERROR:
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


def store(
    connection: Connection,
    customer: Any,
    record_id: uuid.UUID,
    subject: str,
    version: int,
    warnings: Sequence[KeptIssue],
    now: datetime,
    *,
    new_record: bool = False,
) -> None:
    """Keeps the warnings of a record's write; those of its earlier version are resolved.

    `new_record`: the record was created in this transaction, so it has no earlier issues.
    The new rows go with the transaction's other inserts (`storage.deferred`).
    """
    if not new_record:
        connection.execute(
            update(data_quality_issues)
            .where(
                data_quality_issues.c.record_id == record_id,
                data_quality_issues.c.resolve_time.is_(None),
            )
            .values(resolve_time=now)
        )
    defer(
        connection,
        data_quality_issues,
        [
            {
                "id": uuid.uuid4(),
                "customer_id": customer.id,
                "record_id": record_id,
                "record_version": version,
                "subject": subject,
                "rule_id": w.rule.id,
                "severity": w.rule.severity.value,
                "field_path": w.field,
                "message": w.message,
                "create_time": now,
                "resolve_time": None,
            }
            for w in warnings
        ],
    )
