"""The loyalty subject model: one hook for the model, one for a rule no field option can state."""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.message import Message

from customer_core.plugin import CustomerFacts, FieldViolation, hookimpl
from customer_core_loyalty.v1 import loyalty_pb2


@hookimpl
def subject_models() -> list[type[Message]]:
    """The loyalty membership."""
    return [loyalty_pb2.LoyaltyMembership]


@hookimpl
def validate_record(
    subject: str, record: Message, customer: CustomerFacts
) -> Iterable[FieldViolation]:
    """Points are never negative."""
    if (
        subject == "loyalty"
        and isinstance(record, loyalty_pb2.LoyaltyMembership)
        and record.points < 0
    ):
        return [FieldViolation("points", "must not be negative")]
    return []
