"""The read-only view of a customer's other records that rules get, and what keeps sensitive
values out of their messages."""

from __future__ import annotations

from google.protobuf.message import Message

from customer_core.errors import FieldViolation
from customer_core.kernel import quality
from customer_core.kernel.registry import load_registry
from customer_core.plugin import CustomerView, QualityIssue
from customer_core_contact.v1.contact_pb2 import ContactPoint, Email
from customer_core_identification.v1.identification_pb2 import (
    ID_TYPE_RESIDENT_ID_CARD,
    IdentificationDocument,
)

REGISTRY = load_registry(["individual", "identification", "contact"])
NUMBER = "11010519491231002X"


def card() -> IdentificationDocument:
    return IdentificationDocument(id_type=ID_TYPE_RESIDENT_ID_CARD, id_number=NUMBER)


def test_records_are_read_once_per_subject_when_first_asked_for_and_come_as_copies() -> None:
    reads: list[tuple[str, bool]] = []
    stored = card()

    def load(subject: str, in_clear: bool) -> list[Message]:
        reads.append((subject, in_clear))
        return [stored] if subject == "identification" else []

    view = CustomerView("", "INDIVIDUAL", load)
    assert reads == []
    (first,) = view.records("identification", in_clear=True)
    first.Clear()  # changing a copy changes nothing stored, nor what the next rule sees
    assert view.records("identification", in_clear=True) == [card()]
    assert stored == card()
    assert view.records("contact") == []
    assert reads == [("identification", True), ("contact", False)]
    assert view.loaded_in_clear() == [stored]


def test_a_request_view_masks_sensitive_values_unless_asked_in_clear_and_leaves_out_its_own() -> (
    None
):
    email = ContactPoint(email=Email(address="zhang.san@example.com"))
    records: list[tuple[str, Message] | None] = [
        ("identification", card()),
        None,
        ("contact", email),
    ]
    view = quality.request_view(REGISTRY, "INDIVIDUAL", records, exclude=0)
    assert view.records("identification") == []  # records[0] is the one being written
    (masked,) = quality.request_view(REGISTRY, "INDIVIDUAL", records, exclude=2).records(
        "identification"
    )
    assert masked.id_number == "110105********002X"
    (point,) = view.records("contact")
    assert point.email.address == "z********@example.com"
    assert view.records("contact", in_clear=True) == [email]


def test_sensitive_values_a_plugin_quotes_are_masked_in_what_is_kept_and_returned() -> None:
    model = REGISTRY.get("identification")
    assert model is not None
    secrets = quality.secrets_of(REGISTRY, [card()])
    found = [
        QualityIssue("IDENTIFICATION_ONE_PRIMARY_DOCUMENT", "primary", f"{NUMBER} is primary"),
        FieldViolation("id_number", f"{NUMBER} is wrong"),
    ]
    refusals, warnings = quality.sort(REGISTRY, model, found, secrets)
    assert [w.message for w in warnings] == ["110105********002X is primary"]
    assert [r.description for r in refusals] == ["110105********002X is wrong"]
    assert warnings[0].to_proto().field == "data.primary"
