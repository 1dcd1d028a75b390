"""A plugin that does not fit the contract is refused at start-up, with every problem named."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

from customer_core.authz.roles import BUILT_IN
from customer_core.errors import FieldViolation, PluginRegistrationError
from customer_core.kernel.registry import load_registry
from customer_core.plugin import ExpectedAttribute, Permission, QualityRule, Severity, hookimpl
from customer_core.v1 import customer_pb2, options_pb2
from customer_core_individual.v1 import individual_pb2


class MisspelledHook:
    @hookimpl
    def subject_modelz(self) -> list[type[Message]]:
        return []


class ReturnsNotAMessage:
    @hookimpl
    def subject_models(self) -> list[object]:
        return [dict]


class MessageWithoutModelOption:
    @hookimpl
    def subject_models(self) -> list[type[Message]]:
        return [customer_pb2.Customer]


class RegistersIndividualAgain:
    @hookimpl
    def subject_models(self) -> list[type[Message]]:
        return [individual_pb2.IndividualProfile]


class WrongArguments:
    @hookimpl
    def validate_record(
        self, subject: str, record: Message, customer: object, mood: str
    ) -> Iterable[FieldViolation]:
        return []


def test_builtin_plugins_register_their_models() -> None:
    registry = load_registry()
    assert [m.name for m in registry.models()] == [
        "agreement",
        "contact",
        "identification",
        "individual",
        "interaction",
        "organization",
        "relationship",
        "risk",
        "special",
    ]
    individual = registry.get("individual")
    assert individual is not None and individual.singleton
    assert individual.customer_types == ("INDIVIDUAL",)
    id_number = next(f for f in registry.get("identification").fields if f.path == "id_number")  # type: ignore[union-attr]
    assert id_number.rules.sensitive and id_number.rules.match_key and id_number.rules.required
    street = next(f for f in registry.get("contact").fields if f.path == "address.street")  # type: ignore[union-attr]
    assert street.rules.sensitive


def test_configuration_narrows_the_plugins() -> None:
    registry = load_registry(["contact"])
    assert [m.name for m in registry.models()] == ["contact"]


def test_every_problem_of_every_plugin_is_reported_at_once() -> None:
    with pytest.raises(PluginRegistrationError) as exc:
        load_registry(
            ["individual", "horoscope"],
            extra=[
                ("misspelled", MisspelledHook()),
                ("not-a-message", ReturnsNotAMessage()),
                ("no-option", MessageWithoutModelOption()),
                ("again", RegistersIndividualAgain()),
                ("wrong-args", WrongArguments()),
            ],
        )
    problems = "\n".join(exc.value.problems)
    assert len(exc.value.problems) == 6, problems
    assert "plugin 'horoscope' is enabled but no 'customer_core.plugins' entry point" in problems
    assert "plugin 'misspelled': subject_modelz() is not a customer_core hook" in problems
    assert "plugin 'not-a-message': subject_models() returned <class 'dict'>" in problems
    assert (
        "message customer_core.v1.Customer: lacks the (customer_core.v1.subject_model)" in problems
    )
    assert "registered by both plugin 'individual' and plugin 'again'" in problems
    assert "plugin 'wrong-args'" in problems and "mood" in problems


# --- the widened contract: hooks by spec, declarations checked -------------------------------

_made = 0


def model_class(
    model: dict[str, Any], fields: list[tuple[str, int, dict[str, Any], bool]]
) -> type[Message]:
    """A message class made at run time: the model option and (name, type, field rules, repeated)."""
    global _made
    _made += 1
    file = descriptor_pb2.FileDescriptorProto(
        name=f"made_{_made}.proto",
        package=f"made{_made}",
        syntax="proto3",
        dependency=["customer_core/v1/options.proto"],
    )
    message = file.message_type.add(name="Made")
    message.options.Extensions[options_pb2.subject_model].MergeFrom(
        options_pb2.SubjectModelRules(**model)
    )
    for number, (name, kind, rules, repeated) in enumerate(fields, start=1):
        field = message.field.add(name=name, number=number, type=kind)  # type: ignore[arg-type]
        field.label = field.LABEL_REPEATED if repeated else field.LABEL_OPTIONAL
        field.options.Extensions[options_pb2.field].MergeFrom(options_pb2.FieldRules(**rules))
    descriptor_pool.Default().Add(file)
    found = descriptor_pool.Default().FindMessageTypeByName(f"made{_made}.Made")
    return message_factory.GetMessageClass(found)


class Plugin:
    """A plugin object with the given hooks."""

    def __init__(self, **hooks: Any) -> None:
        for name, function in hooks.items():
            setattr(self, name, hookimpl(function))


STRING = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
INT64 = descriptor_pb2.FieldDescriptorProto.TYPE_INT64


def test_unknown_hooks_are_refused_by_the_hook_specifications_each_named() -> None:
    class TwoUnknown:
        @hookimpl
        def validate_recrod(self, record: Message) -> None: ...

        @hookimpl
        def survivor(self) -> None: ...

    class OptionalElsewhere:  # a hook of another project's spec, marked optional: allowed
        @hookimpl(optionalhook=True)
        def matching_tier(self) -> None: ...

    with pytest.raises(PluginRegistrationError) as exc:
        load_registry([], extra=[("two", TwoUnknown()), ("optional", OptionalElsewhere())])
    (problem,) = exc.value.problems
    assert problem.startswith("plugin 'two': survivor(), validate_recrod() are not customer_core")
    assert "complete_record" in problem and "quality_rules" in problem  # the hooks there are


def test_record_hooks_of_a_plugin_without_models_are_refused() -> None:
    def normalize_record(record: Message) -> None: ...

    with pytest.raises(PluginRegistrationError) as exc:
        load_registry(["contact"], extra=[("stray", Plugin(normalize_record=normalize_record))])
    assert exc.value.problems == [
        "plugin 'stray': implements normalize_record() but registers no subject model; record "
        "hooks are called only for the plugin that owns the model"
    ]


def test_every_bad_declaration_is_reported_at_once_naming_plugin_and_field() -> None:
    vehicle = model_class(
        {"name": "vehicle", "schema_version": 1,
         "survivorship": options_pb2.SURVIVORSHIP_SOURCE_PRIORITY},
        [
            ("owner", INT64, {"customer_ref": True}, False),
            ("scan", STRING, {"document_ref": True, "customer_ref": True}, False),
            ("plate", STRING, {"match_tiers": [options_pb2.MATCH_TIER_LOW]}, False),
            ("vin", INT64, {"match_key": True, "blocking": [options_pb2.BLOCKING_FOLDED]}, False),
            ("colour", STRING, {"source_priority": ["CORE", "core", "CORE"]}, False),
        ],
    )  # fmt: skip

    def quality_rules() -> list[QualityRule]:
        return [
            QualityRule("VEHICLE_PLATE_KNOWN", "vehicle", Severity.WARNING, "Known plates."),
            QualityRule("PLATE_KNOWN", "vehicle", Severity.WARNING, "No model prefix."),
            QualityRule("INDIVIDUAL_NO", "individual", Severity.ERROR, "Another's model."),
            QualityRule("VEHICLE_BAD", "vehicle", "loud", "Not a severity."),  # type: ignore[arg-type]
        ]

    def permissions() -> list[Permission]:
        return [
            Permission("vehicle.plates.read", "Read plates.", roles=("teller",)),
            Permission("records.write", "A kernel permission's name."),
            Permission("vehicle.drive", "Drive.", roles=("chauffeur",)),
        ]

    plugin = Plugin(
        subject_models=lambda: [vehicle], quality_rules=quality_rules, permissions=permissions
    )
    with pytest.raises(PluginRegistrationError) as exc:
        load_registry(["individual"], extra=[("garage", plugin)])
    problems = exc.value.problems
    where = "plugin 'garage', message made"
    expected = [
        "SURVIVORSHIP_SOURCE_PRIORITY needs a source_priority list",
        ".Made, field owner: customer_ref applies to string fields only",
        ".Made, field scan: a field is a customer_ref or a document_ref, not both",
        ".Made, field plate: match_tiers applies to match keys only",
        ".Made, field vin: blocking applies to string fields only",
        ".Made, field colour: source_priority lists 'core', not a source-system code",
        ".Made, field colour: source_priority lists a system twice",
        "quality rule 'PLATE_KNOWN': the id must be UPPER_SNAKE_CASE",
        "quality rule 'INDIVIDUAL_NO': subject 'individual' is not a model of this plugin",
        "quality rule 'VEHICLE_BAD': severity 'loud' is not a Severity",
        "permission 'records.write': the name must start with the plugin's or one of its models'",
        "permission 'vehicle.drive': unknown roles chauffeur",
    ]
    text = "\n".join(problems)
    for part in expected:
        assert part in text, part
    assert all(p.startswith(("plugin 'garage'", where)) for p in problems), problems
    assert len(problems) == len(expected), text


def test_plugin_permissions_join_the_role_table_without_changing_the_built_in_one() -> None:
    vehicle = model_class({"name": "vehicle", "schema_version": 1}, [])
    plugin = Plugin(
        subject_models=lambda: [vehicle],
        permissions=lambda: [Permission("vehicle.plates.read", "Read plates.", ("teller",))],
    )
    registry = load_registry([], extra=[("garage", plugin)])
    assert "vehicle.plates.read" in registry.roles["teller"].permissions
    assert "vehicle.plates.read" in registry.roles["admin"].permissions
    assert "vehicle.plates.read" not in registry.roles["auditor"].permissions
    assert "vehicle.plates.read" not in BUILT_IN["teller"].permissions


def test_declarations_of_survivorship_and_identification_are_kept() -> None:
    registry = load_registry(["individual", "identification"])
    individual = registry.get("individual")
    assert individual is not None
    name = next(f for f in individual.fields if f.path == "name")
    assert list(name.rules.match_tiers) == [
        options_pb2.MATCH_TIER_HIGHEST, options_pb2.MATCH_TIER_MEDIUM, options_pb2.MATCH_TIER_LOW
    ]  # fmt: skip
    occupation = next(f for f in individual.fields if f.path == "occupation")
    assert individual.survivorship_of(name) == options_pb2.SURVIVORSHIP_SOURCE_PRIORITY
    assert individual.source_priority_of(name) == ["CORE"]
    assert individual.survivorship_of(occupation) == options_pb2.SURVIVORSHIP_MOST_RECENT
    assert individual.source_priority_of(occupation) == []


def test_expected_attributes_of_other_models_or_unknown_fields_are_refused() -> None:
    def subject_models() -> list[type[Message]]:
        return [individual_pb2.IndividualProfile]

    def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
        return [
            ExpectedAttribute("individual", "birth_date", "birth date"),
            ExpectedAttribute("individual", "shoe_size", "shoe size"),
            ExpectedAttribute("contact", "", "a contact point"),
        ]

    own = Plugin(subject_models=subject_models, expected_attributes=expected_attributes)
    with pytest.raises(PluginRegistrationError) as exc:
        load_registry(["contact"], extra=[("own", own)])
    assert exc.value.problems == [
        "plugin 'own': expected attribute individual.shoe_size names no field of the model",
        "plugin 'own': expected attribute of 'contact', not one of its own models",
    ]


def test_expected_attributes_are_asked_per_customer_type() -> None:
    registry = load_registry(["individual", "identification", "contact"])
    individual = {(a.subject, a.field) for a in registry.expected["INDIVIDUAL"]}
    organization = {(a.subject, a.field) for a in registry.expected["ORGANIZATION"]}
    assert ("individual", "birth_date") in individual - organization
    assert ("identification", "id_number") in individual & organization
