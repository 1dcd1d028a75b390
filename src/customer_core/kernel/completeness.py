"""How complete a customer's information is: the share of the attributes the subject models
expect of its type (`expected_attributes`) that its records hold.

An attribute is present when at least one of the customer's records of its model has the field
set: a scalar not at its default (an enum not UNSPECIFIED, a string not empty), a message or a
oneof member present, a repeated field not empty. An attribute with no field asks only for a
record of the model. The view is judged as the caller sees it: the subjects they may not read
count neither way, so the score never says what those records hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.kernel.subject_model import SubjectModel
from customer_core.plugin._hookspecs import ExpectedAttribute
from customer_core.v1 import customer_pb2

#: The customer types `expected_attributes` is asked about.
CUSTOMER_TYPES = ("INDIVIDUAL", "ORGANIZATION")


def check_expected(
    plugin: str, declared: Any, own: Mapping[str, SubjectModel]
) -> tuple[list[ExpectedAttribute], list[str]]:
    """The attributes a plugin's `expected_attributes` declared, and the problems with them (an
    attribute of another plugin's model, or naming a field its model does not have)."""
    found: list[ExpectedAttribute] = []
    problems: list[str] = []
    for attribute in declared or ():
        if not isinstance(attribute, ExpectedAttribute):
            problems.append(f"plugin {plugin!r}: expected_attributes returned {attribute!r}")
        elif attribute.subject not in own:
            problems.append(
                f"plugin {plugin!r}: expected attribute of {attribute.subject!r}, not one of "
                f"its own models"
            )
        elif attribute.field and _descriptors(own[attribute.subject], attribute.field) is None:
            problems.append(
                f"plugin {plugin!r}: expected attribute {attribute.subject}.{attribute.field} "
                f"names no field of the model"
            )
        else:
            found.append(attribute)
    return found, problems


def completeness(
    expected: Sequence[ExpectedAttribute],
    groups: Iterable[customer_pb2.SubjectRecordGroup],
    model_of: Callable[[str], SubjectModel | None],
    readable: Callable[[str], bool],
) -> customer_pb2.Completeness:
    """The completeness of a view's records against `expected` (of the subjects `readable`
    accepts; `model_of` gives a subject's model)."""
    records: dict[str, list[Message]] = {}
    for group in groups:
        model = model_of(group.subject)
        if model is None:
            continue
        for record in group.records:
            message = model.message_class()
            if record.data.Unpack(message):
                records.setdefault(group.subject, []).append(message)
    answer = customer_pb2.Completeness()
    for attribute in expected:
        if not readable(attribute.subject):
            continue
        shown = customer_pb2.ExpectedAttribute(
            subject=attribute.subject, field=attribute.field, description=attribute.description
        )
        held = records.get(attribute.subject, [])
        if any(_present(message, attribute.field) for message in held):
            answer.present.append(shown)
        else:
            answer.missing.append(shown)
    total = len(answer.present) + len(answer.missing)
    answer.score = len(answer.present) / total if total else 1.0
    return answer


def _descriptors(model: SubjectModel, path: str) -> list[FieldDescriptor] | None:
    """The fields along a dotted path from the model's message, or None if it names none."""
    descriptor = model.descriptor
    found = []
    for part in path.split("."):
        if descriptor is None or part not in descriptor.fields_by_name:
            return None
        field = descriptor.fields_by_name[part]
        found.append(field)
        descriptor = field.message_type
    return found


def _present(message: Message, path: str) -> bool:
    """Whether the field at `path` is set in `message` (any record of the model, for "")."""
    if not path:
        return True
    current: Any = message
    for part in path.split("."):
        field = current.DESCRIPTOR.fields_by_name[part]
        if field.is_repeated:
            return len(getattr(current, part)) > 0
        if (field.message_type is not None or field.containing_oneof is not None) and (
            not current.HasField(part)
        ):
            return False
        value = getattr(current, part)
        if field.message_type is None:
            return field.containing_oneof is not None or value != field.default_value
        current = value
    return True
