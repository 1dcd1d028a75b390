"""Survivorship: which values a merge keeps, attribute by attribute.

A singleton model (one record per customer: `individual`, `organization`) gets a golden record
field by field; each top-level field follows its declared rule (`survivorship` on the field, else
the model's, else MOST_RECENT):

- SOURCE_PRIORITY: the value from the source system listed first in `source_priority` (the
  field's list, else the model's); among equals, the most recent;
- MOST_RECENT: the value of the record written last;
- MOST_COMPLETE: the longest value (most characters, most items, most fields set); among
  equals, the most recent.

A side with no value for a field never wins it. A multi-record model gets the union of both
customers' records with exact duplicates collapsed (`same_record`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.kernel.subject_model import SubjectModel, is_repeated
from customer_core.v1 import options_pb2


@dataclass(frozen=True)
class Version:
    """One customer's record of a model, as a merge weighs it."""

    message: Message
    source_system: str
    update_time: datetime


def _present(message: Message, field: FieldDescriptor) -> bool:
    if is_repeated(field):
        return len(getattr(message, field.name)) > 0
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return message.HasField(field.name)
    return bool(getattr(message, field.name))


def _size(message: Message, field: FieldDescriptor) -> int:
    value = getattr(message, field.name)
    if is_repeated(field):
        return len(value)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return len(value.ListFields())
    return len(value) if isinstance(value, str | bytes) else 1


def _rule(model: SubjectModel, field: FieldDescriptor) -> tuple[int, Sequence[str]]:
    spec = next((f for f in model.fields if f.path == field.name), None)
    rules = spec.rules if spec is not None else options_pb2.FieldRules()
    rule = rules.survivorship or model.options.survivorship or options_pb2.SURVIVORSHIP_MOST_RECENT
    priority = list(rules.source_priority) or list(model.options.source_priority)
    return rule, priority


def golden(model: SubjectModel, versions: Sequence[Version]) -> Message:
    """The golden record of a singleton model from the customers' versions of it."""
    result = type(versions[0].message)()
    for field in model.descriptor.fields:
        having = [v for v in versions if _present(v.message, field)]
        if not having:
            continue
        rule, priority = _rule(model, field)
        recent = sorted(having, key=lambda v: v.update_time, reverse=True)
        if rule == options_pb2.SURVIVORSHIP_SOURCE_PRIORITY:
            winner = min(recent, key=partial(_rank, {s: i for i, s in enumerate(priority)}))
        elif rule == options_pb2.SURVIVORSHIP_MOST_COMPLETE:
            winner = max(recent, key=lambda v: _size(v.message, field))
        else:
            winner = recent[0]
        _copy(winner.message, result, field)
    return result


def _rank(order: dict[str, int], version: Version) -> int:
    return order.get(version.source_system, len(order))


def _copy(source: Message, target: Message, field: FieldDescriptor) -> None:
    value = getattr(source, field.name)
    if is_repeated(field):
        getattr(target, field.name).extend(value)
    elif field.type == FieldDescriptor.TYPE_MESSAGE:
        getattr(target, field.name).CopyFrom(value)
    else:
        setattr(target, field.name, value)


def same_record(a: Message, b: Message) -> bool:
    """True for exact duplicates (the same message, field for field)."""
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)
