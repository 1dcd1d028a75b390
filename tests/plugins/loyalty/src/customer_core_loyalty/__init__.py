"""The loyalty subject model, as an outside plugin author writes one.

Its record hooks are called only for loyalty records (they need not look at the subject), and
its rules are declared so that the kernel knows their severity: negative points are refused, a
member without an e-mail contact is stored with a warning for a data steward.
"""

from __future__ import annotations

from google.protobuf.message import Message

from customer_core.plugin import (
    CustomerView,
    Permission,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core_loyalty.v1 import loyalty_pb2

SUBJECT = "loyalty"
POINTS_NOT_NEGATIVE = "LOYALTY_POINTS_NOT_NEGATIVE"
STATEMENT_EMAIL = "LOYALTY_STATEMENT_EMAIL"


@hookimpl
def subject_models() -> list[type[Message]]:
    """The loyalty membership."""
    return [loyalty_pb2.LoyaltyMembership]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """The rules `validate_record` applies."""
    return [
        QualityRule(POINTS_NOT_NEGATIVE, SUBJECT, Severity.ERROR, "Points are never negative."),
        QualityRule(
            STATEMENT_EMAIL,
            SUBJECT,
            Severity.WARNING,
            "A member has an e-mail contact point to receive points statements at.",
        ),
    ]


@hookimpl
def permissions() -> list[Permission]:
    """Adjusting a member's points by hand (for the plugin's own services)."""
    return [
        Permission(
            "loyalty.points.adjust",
            "Adjust a member's points balance by hand.",
            roles=("relationship_manager", "data_steward"),
        )
    ]


@hookimpl
def normalize_record(record: loyalty_pb2.LoyaltyMembership) -> None:
    """Card numbers are upper case, without spaces."""
    record.card_number = "".join(record.card_number.split()).upper()


@hookimpl
def validate_record(
    record: loyalty_pb2.LoyaltyMembership, customer: CustomerView
) -> list[QualityIssue]:
    """Refuses negative points; warns when the customer has no e-mail contact point."""
    found = []
    if record.points < 0:
        found.append(QualityIssue(POINTS_NOT_NEGATIVE, "points", "must not be negative"))
    # The contact points' addresses are masked in the view: whether one is set is all it takes.
    if not any(point.WhichOneof("point") == "email" for point in customer.records("contact")):
        found.append(QualityIssue(STATEMENT_EMAIL, "", "the customer has no e-mail for statements"))
    return found
