"""A subject model as the kernel sees it: a plugin's message class plus its declared options."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.v1 import customer_pb2, options_pb2

TYPE_URL_PREFIX = "type.googleapis.com/"

# The stubs type extensions loosely; these are the two custom options of options.proto.
_MODEL_OPTION: Any = options_pb2.subject_model
_FIELD_OPTION: Any = options_pb2.field

_SCALAR_NAMES = {
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_FIXED64: "fixed64",
    FieldDescriptor.TYPE_FIXED32: "fixed32",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_SFIXED32: "sfixed32",
    FieldDescriptor.TYPE_SFIXED64: "sfixed64",
    FieldDescriptor.TYPE_SINT32: "sint32",
    FieldDescriptor.TYPE_SINT64: "sint64",
}


def type_name(fd: Any) -> str:
    """`string`, `enum pkg.Enum` or `message pkg.Message`: how a field's type is shown and compared."""
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return f"enum {fd.enum_type.full_name}"
    if fd.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        return f"message {fd.message_type.full_name}"
    return _SCALAR_NAMES[fd.type]


def is_repeated(fd: Any) -> bool:
    """True for a list field."""
    return bool(fd.is_repeated)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a subject model, nested fields included, with its declared rules."""

    path: str
    descriptor: FieldDescriptor
    rules: options_pb2.FieldRules
    pattern: re.Pattern[str] | None = None

    @property
    def type(self) -> str:
        return type_name(self.descriptor)

    @property
    def repeated(self) -> bool:
        return is_repeated(self.descriptor)


@dataclass(frozen=True)
class SubjectModel:
    """A registered subject model.

    Attributes:
        name: the model's short name, e.g. `individual`.
        message_class: the plugin's generated message class.
        plugin: the name of the plugin that registered it.
        options: the `(customer_core.v1.subject_model)` option of the message.
        fields: every field, nested ones with dotted paths, in declaration order.
    """

    name: str
    message_class: type[Message]
    plugin: str
    options: options_pb2.SubjectModelRules
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    @property
    def descriptor(self) -> Any:
        return self.message_class.DESCRIPTOR

    @property
    def message_type(self) -> str:
        return str(self.descriptor.full_name)

    @property
    def type_url(self) -> str:
        return TYPE_URL_PREFIX + self.message_type

    @property
    def schema_version(self) -> int:
        return int(self.options.schema_version)

    @property
    def singleton(self) -> bool:
        return bool(self.options.singleton)

    @property
    def customer_types(self) -> tuple[str, ...]:
        """Names (`INDIVIDUAL`, `ORGANIZATION`) of the customer types it applies to; empty: all."""
        return tuple(customer_type_name(t) for t in self.options.customer_types)

    @cached_property
    def specs_by_field(self) -> dict[str, FieldSpec]:
        """Field specs by the field descriptor's full name (a nested message's fields included)."""
        return {spec.descriptor.full_name: spec for spec in self.fields}

    @cached_property
    def sensitive(self) -> bool:
        """True when some field is sensitive."""
        return any(spec.rules.sensitive for spec in self.fields)

    def survivorship_of(self, spec: FieldSpec | None) -> options_pb2.Survivorship:
        """The survivorship rule of a field, or of the model (None): the field's own, else the
        model's, else MOST_RECENT."""
        declared = (
            spec.rules.survivorship if spec is not None else options_pb2.SURVIVORSHIP_UNSPECIFIED
        )
        return declared or self.options.survivorship or options_pb2.SURVIVORSHIP_MOST_RECENT

    def source_priority_of(self, spec: FieldSpec) -> list[str]:
        """The source systems, most trusted first, a field's SOURCE_PRIORITY rule follows."""
        if self.survivorship_of(spec) != options_pb2.SURVIVORSHIP_SOURCE_PRIORITY:
            return []
        return list(spec.rules.source_priority or self.options.source_priority)

    def fingerprint(self) -> dict[str, dict[str, Any]]:
        """What stored records depend on: field path -> number, type and cardinality."""
        return {
            f.path: {"number": f.descriptor.number, "type": f.type, "repeated": f.repeated}
            for f in self.fields
        }


def customer_type_name(value: int) -> str:
    """`INDIVIDUAL` for CUSTOMER_TYPE_INDIVIDUAL, and so on."""
    return str(customer_pb2.CustomerType.Name(value)).removeprefix("CUSTOMER_TYPE_")


def model_options(message_class: type[Message]) -> options_pb2.SubjectModelRules | None:
    """The subject-model option of a message class, or None when it has none."""
    opts = message_class.DESCRIPTOR.GetOptions()
    if not opts.HasExtension(_MODEL_OPTION):
        return None
    rules: options_pb2.SubjectModelRules = opts.Extensions[_MODEL_OPTION]
    return rules


def field_rules(fd: Any) -> options_pb2.FieldRules:
    """The `(customer_core.v1.field)` rules of a field (all defaults when it declares none)."""
    rules: options_pb2.FieldRules = fd.GetOptions().Extensions[_FIELD_OPTION]
    return rules


def walk_fields(descriptor: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every field of `descriptor` and of its nested messages, as (dotted path, descriptor)."""
    found: list[tuple[str, Any]] = []

    def visit(desc: Any, path: str, seen: frozenset[str]) -> None:
        for fd in desc.fields:
            fpath = f"{path}{fd.name}"
            found.append((fpath, fd))
            sub = fd.message_type
            if sub is not None and sub.full_name not in seen and not sub.GetOptions().map_entry:
                visit(sub, fpath + ".", seen | {sub.full_name})

    visit(descriptor, prefix, frozenset({descriptor.full_name}))
    return found
