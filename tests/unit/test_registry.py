"""A plugin that does not fit the contract is refused at start-up, with every problem named."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from google.protobuf.message import Message

from customer_core.errors import FieldViolation, PluginRegistrationError
from customer_core.kernel.registry import load_registry
from customer_core.plugin import hookimpl
from customer_core.v1 import customer_pb2
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
    assert [m.name for m in registry.models()] == ["contact", "identification", "individual"]
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
