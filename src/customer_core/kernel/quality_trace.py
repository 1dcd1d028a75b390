"""What the data-quality rules changed in a record, field by field, each change put down to a rule.

The kernel does not take a plugin's word for what it changed: it compares the record as received
with the record after `normalize_record` (corrections) and after `complete_record` (completions),
leaf field by leaf field, and each changed field is put down to the `Fix` the hook returned for
it or for a field above it (`address` covers `address.province`). A change no `Fix` names is put
down to the kernel's own rule, `RECORD_NORMALIZED` or `RECORD_COMPLETED`, so nothing a plugin
changes goes untraced. Values are compared and kept as JSON: an enum by its name, bytes in base64,
a repeated scalar field as one list.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.errors import CustomerCoreError
from customer_core.kernel.registry import Registry
from customer_core.kernel.subject_model import SubjectModel
from customer_core.plugin import Fix, Kind, QualityRule, Severity

#: The kernel's rules for what a plugin's hook changed without naming a rule.
RECORD_NORMALIZED = QualityRule(
    "RECORD_NORMALIZED",
    "",
    Severity.WARNING,
    "A value the subject model's plugin normalized without naming the rule that did it.",
    Kind.CORRECT,
)
RECORD_COMPLETED = QualityRule(
    "RECORD_COMPLETED",
    "",
    Severity.WARNING,
    "A value the subject model's plugin filled in without naming the rule that did it.",
    Kind.COMPLETE,
)
_FALLBACK = {Kind.CORRECT: RECORD_NORMALIZED, Kind.COMPLETE: RECORD_COMPLETED}


@dataclass(frozen=True)
class Change:
    """One field a rule changed: its value as received and as stored (JSON; None: not set).

    `mask_rule`: the field's mask rule, when it is sensitive.
    """

    rule: QualityRule
    kind: Kind
    field: str
    original: str | None
    value: str | None
    sensitive: bool = False
    mask_rule: str = ""


def leaves(message: Message) -> dict[str, str]:
    """Every set leaf field of `message` by path, its value as JSON."""
    found: dict[str, str] = {}
    _flatten(message, "", found)
    return found


def _flatten(message: Message, prefix: str, out: dict[str, str]) -> None:
    for fd, value in message.ListFields():
        path = prefix + fd.name
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            out[path] = json.dumps({str(k): _plain(fd.message_type.fields_by_name["value"], v)
                                    for k, v in sorted(value.items())}, ensure_ascii=False,
                                   default=str)  # fmt: skip
        elif fd.message_type is not None:
            if fd.is_repeated:
                for i, item in enumerate(value):
                    _flatten(item, f"{path}[{i}].", out)
                    if not item.ListFields():
                        out[f"{path}[{i}]"] = "{}"
            else:
                _flatten(value, path + ".", out)
                if not value.ListFields():
                    out[path] = "{}"
        elif fd.is_repeated:
            out[path] = json.dumps([_plain(fd, v) for v in value], ensure_ascii=False)
        else:
            out[path] = json.dumps(_plain(fd, value), ensure_ascii=False)


def _plain(fd: FieldDescriptor, value: Any) -> Any:
    if fd.type == FieldDescriptor.TYPE_ENUM and fd.enum_type is not None:
        known = fd.enum_type.values_by_number.get(value)
        return known.name if known is not None else value
    if fd.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    if isinstance(value, Message):
        return str(value)
    return value


def changes(
    registry: Registry,
    model: SubjectModel,
    before: Mapping[str, str],
    after: Mapping[str, str],
    fixes: Iterable[Any],
    kind: Kind,
) -> list[Change]:
    """The fields that differ between two `leaves` of a record, each put down to a rule.

    `fixes`: what the hook returned. Raises CustomerCoreError (INTERNAL) for a `Fix` that names
    a rule its plugin did not declare for this model as CORRECT or COMPLETE (a plugin bug).
    """
    by_field: dict[str, QualityRule] = {}
    for fix in fixes:
        rule = registry.rule(fix.rule) if isinstance(fix, Fix) else None
        if rule is None or rule.subject != model.name or rule.kind is Kind.VALIDATE:
            raise CustomerCoreError(
                f"plugin {model.plugin!r} returned {fix!r} for a {model.name!r} record: not a Fix "
                "of a CORRECT or COMPLETE rule it declared for this model"
            )
        by_field[fix.field] = rule
    masks = {spec.path: spec.rules.mask for spec in model.fields if spec.rules.sensitive}
    found = []
    for path in sorted(before.keys() | after.keys()):
        if before.get(path) == after.get(path):
            continue
        rule = _owner(by_field, path) or _FALLBACK[kind]
        found.append(
            Change(
                rule,
                rule.kind,
                path,
                before.get(path),
                after.get(path),
                _spec_path(path) in masks,
                masks.get(_spec_path(path), ""),
            )
        )
    return found


def _owner(by_field: Mapping[str, QualityRule], path: str) -> QualityRule | None:
    """The rule of the `Fix` naming `path` or the nearest field above it."""
    while path:
        if path in by_field:
            return by_field[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def _spec_path(path: str) -> str:
    """A leaf path without its list indexes, as field specs name it."""
    return ".".join(part.partition("[")[0] for part in path.split("."))
