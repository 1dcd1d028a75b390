"""Checks a subject record against the field rules its model declares in its .proto."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import unknown_fields
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.errors import FieldViolation
from customer_core.kernel.subject_model import SubjectModel

#: Longest string accepted where a field declares no max_length.
DEFAULT_MAX_LENGTH = 1024
#: Most list elements accepted where a field declares no max_items.
DEFAULT_MAX_ITEMS = 100
#: Largest serialized record accepted.
MAX_RECORD_BYTES = 64 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_record(model: SubjectModel, record: Message) -> list[FieldViolation]:
    """Every violation of `model`'s field rules in `record`, with paths relative to the record."""
    size = record.ByteSize()
    if size > MAX_RECORD_BYTES:
        return [FieldViolation("", f"record is {size} bytes; at most {MAX_RECORD_BYTES} allowed")]
    specs = model.specs_by_field
    violations: list[FieldViolation] = []
    _visit(record, "", specs, violations)
    return violations


def _visit(msg: Message, prefix: str, specs: dict[str, Any], out: list[FieldViolation]) -> None:
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
                out.append(FieldViolation(path, "is required"))
            limit = (rules.max_items if rules is not None else 0) or DEFAULT_MAX_ITEMS
            if len(values) > limit:
                out.append(
                    FieldViolation(path, f"has {len(values)} items; at most {limit} allowed")
                )
                continue
            for i, value in enumerate(values):
                _check_value(fd, value, f"{path}[{i}]", spec, specs, out)
            continue
        if fd.message_type is not None:
            present = msg.HasField(fd.name)
        else:
            present = getattr(msg, fd.name) != fd.default_value
        if not present:
            if rules is not None and rules.required:
                out.append(FieldViolation(path, "is required"))
            continue
        _check_value(fd, getattr(msg, fd.name), path, spec, specs, out)


def _check_value(
    fd: Any,
    value: Any,
    path: str,
    spec: Any,
    specs: dict[str, Any],
    out: list[FieldViolation],
) -> None:
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
            out.append(FieldViolation(path, f"must match the pattern {spec.rules.pattern}"))
    elif fd.type == FieldDescriptor.TYPE_ENUM:
        if value not in fd.enum_type.values_by_number:
            out.append(FieldViolation(path, f"{value} is not a value of {fd.enum_type.full_name}"))
    elif fd.type == FieldDescriptor.TYPE_MESSAGE:
        _visit(value, path + ".", specs, out)
