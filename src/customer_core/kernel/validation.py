"""Checks a subject record against the field rules its model declares in its .proto.

References are checked for their form only: a `customer_ref` names a customer by its resource
name (`customers/{customer_number}`, check character included) other than the record's own; a
`document_ref` names a document of the record's own customer
(`customers/{customer_number}/documents/{document_id}`). Whether the customer or document exists
is not looked up here.
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import unknown_fields
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.errors import FieldViolation
from customer_core.kernel import customer_number as numbers
from customer_core.kernel.names import COLLECTION
from customer_core.kernel.subject_model import SubjectModel

#: Longest string accepted where a field declares no max_length.
DEFAULT_MAX_LENGTH = 1024
#: Most list elements accepted where a field declares no max_items.
DEFAULT_MAX_ITEMS = 100
#: Largest serialized record accepted.
MAX_RECORD_BYTES = 64 * 1024

#: The reasons of the field rules' violations that a legacy load keeps as issues (a missing or
#: ill-formed value of an old system), rather than refusing the record.
FIELD_REQUIRED = "FIELD_REQUIRED"
FIELD_PATTERN = "FIELD_PATTERN"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: What follows `customers/{customer_number}/documents/` in a document reference.
DOCUMENT_ID = re.compile(r"[a-z0-9][a-z0-9\-]{0,62}")


def validate_record(
    model: SubjectModel, record: Message, customer_number: str = ""
) -> list[FieldViolation]:
    """Every violation of `model`'s field rules in `record`, with paths relative to the record.

    `customer_number`: the record's customer ("" while it is being created), which a customer
    reference must not name and a document reference must.
    """
    size = record.ByteSize()
    if size > MAX_RECORD_BYTES:
        return [FieldViolation("", f"record is {size} bytes; at most {MAX_RECORD_BYTES} allowed")]
    specs = model.specs_by_field
    violations: list[FieldViolation] = []
    _visit(record, "", _Context(specs, violations, customer_number))
    return violations


class _Context:
    """What every level of the walk shares."""

    def __init__(self, specs: dict[str, Any], out: list[FieldViolation], customer: str) -> None:
        self.specs = specs
        self.out = out
        self.customer = customer


def _visit(msg: Message, prefix: str, context: _Context) -> None:
    specs, out = context.specs, context.out
    unknown: Any = unknown_fields.UnknownFieldSet(msg)
    if len(unknown):
        numbers = sorted({f.field_number for f in unknown})
        out.append(
            FieldViolation(
                prefix.rstrip("."),
                f"unknown field number(s) {numbers}: not part of {msg.DESCRIPTOR.full_name}",
            )
        )
    for fd in msg.DESCRIPTOR.fields:
        spec = specs.get(fd.full_name)
        rules = spec.rules if spec is not None else None
        path = prefix + fd.name
        if fd.is_repeated:
            values = getattr(msg, fd.name)
            if rules is not None and rules.required and not values:
                out.append(FieldViolation(path, "is required", FIELD_REQUIRED))
            limit = (rules.max_items if rules is not None else 0) or DEFAULT_MAX_ITEMS
            if len(values) > limit:
                out.append(
                    FieldViolation(path, f"has {len(values)} items; at most {limit} allowed")
                )
                continue
            for i, value in enumerate(values):
                _check_value(fd, value, f"{path}[{i}]", spec, context)
            continue
        if fd.message_type is not None:
            present = msg.HasField(fd.name)
        else:
            present = getattr(msg, fd.name) != fd.default_value
        if not present:
            if rules is not None and rules.required:
                out.append(FieldViolation(path, "is required", FIELD_REQUIRED))
            continue
        _check_value(fd, getattr(msg, fd.name), path, spec, context)


def _check_value(fd: Any, value: Any, path: str, spec: Any, context: _Context) -> None:
    out = context.out
    if fd.type == FieldDescriptor.TYPE_STRING:
        limit = (spec.rules.max_length if spec is not None else 0) or DEFAULT_MAX_LENGTH
        if len(value) > limit:
            out.append(FieldViolation(path, f"is {len(value)} characters; at most {limit} allowed"))
        elif _CONTROL.search(value):
            out.append(FieldViolation(path, "must not contain control characters"))
        elif (
            spec is not None
            and spec.pattern is not None
            and value
            and not spec.pattern.fullmatch(value)
        ):
            out.append(
                FieldViolation(path, f"must match the pattern {spec.rules.pattern}", FIELD_PATTERN)
            )
        elif spec is not None and value and (spec.rules.customer_ref or spec.rules.document_ref):
            problem = _reference_problem(value, spec.rules.document_ref, context.customer)
            if problem is not None:
                out.append(FieldViolation(path, problem))
    elif fd.type == FieldDescriptor.TYPE_ENUM:
        if value not in fd.enum_type.values_by_number:
            out.append(FieldViolation(path, f"{value} is not a value of {fd.enum_type.full_name}"))
    elif fd.type == FieldDescriptor.TYPE_MESSAGE:
        _visit(value, path + ".", context)


def _reference_problem(value: str, document: bool, own: str) -> str | None:
    """Why `value` is not a well-formed customer (or document) reference, or None."""
    form = (
        "customers/{customer_number}/documents/{document_id}"
        if document
        else "customers/{customer_number}"
    )
    number, _, rest = value.removeprefix(COLLECTION).partition("/")
    if not value.startswith(COLLECTION) or bool(rest) != document:
        return f"must have the form {form}"
    problem = numbers.problem(number)
    if problem is not None:
        return f"customer number {number[:40]!r} {problem}"
    if not document:
        return "must name another customer, not the record's own" if number == own else None
    kind, _, document_id = rest.partition("/")
    if kind != "documents" or not DOCUMENT_ID.fullmatch(document_id):
        return f"must have the form {form}, the id 1-63 lower-case letters, digits or dashes"
    if not own:
        return "cannot name a document while the customer is being created: add it afterwards"
    if number != own:
        return "must name a document of the record's own customer"
    return None
