"""The `interaction` subject model: business events, contacts and complaints, marketing consent.

Field rules live in `v1/interaction.proto`; this module requires one kind per record, real dates
not in the future and a decision not before its event (rules that refuse), a resolution for a
resolved complaint (refused without), and warns of a second consent for a channel the customer
has a consent for already (the newer should replace it).
"""

from __future__ import annotations

from google.protobuf.message import Message

from customer_core.plugin import (
    CustomerView,
    ExpectedAttribute,
    FieldViolation,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import date_issues
from customer_core_interaction.v1.interaction_pb2 import (
    COMPLAINT_STATUS_CLOSED,
    COMPLAINT_STATUS_RESOLVED,
    CONTACT_TYPE_COMPLAINT,
    OUTCOME_PENDING,
    OUTCOME_UNSPECIFIED,
    Interaction,
)

SUBJECT = "interaction"

#: A date does not exist, is in the future, or a decision comes before its event.
DATES = "INTERACTION_DATES"
#: A complaint resolved or closed without its resolution.
COMPLAINT_RESOLUTION = "INTERACTION_COMPLAINT_RESOLUTION"
#: A second consent record for a channel that has one.
ONE_CONSENT = "INTERACTION_ONE_CONSENT_PER_CHANNEL"

_DATES = {"event": ("occurred_on", "decided_on"), "contact": ("occurred_on",),
          "consent": ("captured_on",)}  # fmt: skip


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `interaction` subject model."""
    return [Interaction]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `validate_record` checks."""
    return [
        QualityRule(DATES, SUBJECT, Severity.ERROR,
                    "Dates exist and are not in the future; a decision is not before its event."),
        QualityRule(COMPLAINT_RESOLUTION, SUBJECT, Severity.ERROR,
                    "A complaint resolved or closed says how it was resolved."),
        QualityRule(ONE_CONSENT, SUBJECT, Severity.WARNING,
                    "A customer has one marketing consent per channel: update it rather than add another."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: Interaction) -> None:
    """Trims free text and upper-cases channel and product codes."""
    kind = record.WhichOneof("kind")
    if kind == "event":
        record.event.product_code = record.event.product_code.strip().upper()
    elif kind == "contact":
        record.contact.channel = record.contact.channel.strip().upper()
        record.contact.summary = record.contact.summary.strip()
        record.contact.resolution = record.contact.resolution.strip()


@hookimpl
def validate_record(
    record: Interaction, customer: CustomerView
) -> list[FieldViolation | QualityIssue]:
    """Requires one kind, and checks dates, complaint resolutions and one consent per channel."""
    kind = record.WhichOneof("kind")
    if kind is None:
        return [FieldViolation("kind", "one of event, contact or consent is required")]
    body = getattr(record, kind)
    found: list[FieldViolation | QualityIssue] = []
    spans = (("occurred_on", "decided_on"),) if kind == "event" else ()
    found += date_issues(DATES, body, kind, events=_DATES[kind], spans=spans)
    if kind == "event":
        event = record.event
        if event.decided_on and event.outcome in (OUTCOME_UNSPECIFIED, OUTCOME_PENDING):
            found.append(FieldViolation("event.outcome", "a decided event has its outcome"))
    elif kind == "contact":
        contact = record.contact
        closed = contact.complaint_status in (COMPLAINT_STATUS_RESOLVED, COMPLAINT_STATUS_CLOSED)
        if contact.contact_type == CONTACT_TYPE_COMPLAINT and closed and not contact.resolution:
            found.append(
                QualityIssue(COMPLAINT_RESOLUTION, "contact.resolution", "say how it was resolved")
            )
    elif any(
        isinstance(other, Interaction)
        and other.WhichOneof("kind") == "consent"
        and other.consent.channel == record.consent.channel
        for other in customer.records(SUBJECT)
    ):
        found.append(
            QualityIssue(
                ONE_CONSENT, "consent.channel",
                "the customer has a consent for this channel already: update that one",
            )
        )  # fmt: skip
    return found


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """A person has said whether the bank may market to them."""
    if customer_type != "INDIVIDUAL":
        return []
    return [ExpectedAttribute(SUBJECT, "consent.channel", "marketing consent")]
