"""The `relationship` subject model: links from a customer to another customer of the bank or to
an outside party (family, guarantors, legal representatives, executives, shareholders,
controllers, parent companies, subsidiaries, group members), and the relationship graph.

Field rules live in `v1/relationship.proto`; the kernel checks that a `counterparty` names an
existing customer other than the record's own, and indexes it so the link is seen from both ends.
This module requires exactly one counterparty, a kind that fits the customer's type, a
shareholder's percentage (a decimal over 0 and at most 100) and an executive's title (and neither
for other kinds), and dates in order (rules that refuse); it warns of an outside party recorded
without an identity document. It serves `RelationshipService.GetRelationshipGraph` (`_graph`).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from google.protobuf.message import Message

from customer_core.plugin import (
    CustomerView,
    FieldViolation,
    Permission,
    PluginService,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import date_issues
from customer_core_relationship import _graph
from customer_core_relationship.v1 import relationship_pb2, relationship_pb2_grpc
from customer_core_relationship.v1.relationship_pb2 import Relationship, RelationshipKind

SUBJECT = "relationship"

#: The kind does not fit the type of the customer whose record it is (a spouse of an organization).
KIND_FITS = "RELATIONSHIP_KIND_FITS_CUSTOMER_TYPE"
#: A shareholder's percentage or an executive's title is missing or bad, or given for another kind.
DETAILS = "RELATIONSHIP_DETAILS_FIT_KIND"
#: A date does not exist, or `valid_to` is before `valid_from`.
DATES = "RELATIONSHIP_DATES"
#: An outside party recorded without an identity document: it cannot be told apart.
UNIDENTIFIED = "RELATIONSHIP_OUTSIDE_PARTY_UNIDENTIFIED"

#: Who may call GetRelationshipGraph (besides `admin`).
GRAPH_READ = "relationship.graph.read"

_FAMILY = {
    relationship_pb2.RELATIONSHIP_KIND_SPOUSE,
    relationship_pb2.RELATIONSHIP_KIND_PARENT,
    relationship_pb2.RELATIONSHIP_KIND_CHILD,
    relationship_pb2.RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER,
}
#: Kinds that only an organization has: its people, owners and group.
_CORPORATE = {
    relationship_pb2.RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE,
    relationship_pb2.RELATIONSHIP_KIND_EXECUTIVE,
    relationship_pb2.RELATIONSHIP_KIND_SHAREHOLDER,
    relationship_pb2.RELATIONSHIP_KIND_ACTUAL_CONTROLLER,
    relationship_pb2.RELATIONSHIP_KIND_PARENT_COMPANY,
    relationship_pb2.RELATIONSHIP_KIND_SUBSIDIARY,
    relationship_pb2.RELATIONSHIP_KIND_GROUP_MEMBER,
}
_HUNDRED = Decimal(100)


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `relationship` subject model."""
    return [Relationship]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `validate_record` checks."""
    return [
        QualityRule(KIND_FITS, SUBJECT, Severity.ERROR,
                    "Family links are an individual's; legal representatives, executives, shareholders, controllers, parent companies, subsidiaries and group members an organization's."),
        QualityRule(DETAILS, SUBJECT, Severity.ERROR,
                    "A shareholder has a percentage over 0 and at most 100, an executive a title; other kinds have neither."),
        QualityRule(DATES, SUBJECT, Severity.ERROR,
                    "Dates exist; valid_to is not before valid_from."),
        QualityRule(UNIDENTIFIED, SUBJECT, Severity.WARNING,
                    "An outside party is recorded with the type and number of its identity document."),
    ]  # fmt: skip


@hookimpl
def permissions() -> list[Permission]:
    """The permission GetRelationshipGraph needs."""
    return [
        Permission(
            GRAPH_READ,
            "Read the relationship graph around a customer (GetRelationshipGraph).",
            ("teller", "relationship_manager", "data_steward", "auditor"),
        )
    ]


@hookimpl
def grpc_services() -> list[PluginService]:
    """RelationshipService, served through the kernel's pipeline."""
    return [
        PluginService(
            descriptor=relationship_pb2.DESCRIPTOR.services_by_name["RelationshipService"],
            add_to_server=relationship_pb2_grpc.add_RelationshipServiceServicer_to_server,
            servicer=_graph.RelationshipServicer,
            permissions={"GetRelationshipGraph": GRAPH_READ},
        )
    ]


@hookimpl
def normalize_record(record: Relationship) -> None:
    """Trims names, titles and percentages; strips ID numbers of spaces and upper-cases them."""
    record.title = record.title.strip()
    record.percentage = record.percentage.strip()
    if record.HasField("outside_party"):
        party = record.outside_party
        party.name = party.name.strip()
        party.id_type = party.id_type.strip()
        party.id_number = "".join(party.id_number.split()).upper()


@hookimpl
def validate_record(
    record: Relationship, customer: CustomerView
) -> list[FieldViolation | QualityIssue]:
    """Requires one counterparty and checks the kind, its details and the dates."""
    found: list[FieldViolation | QualityIssue] = []
    if not (record.counterparty or record.HasField("outside_party")):
        found.append(
            FieldViolation("counterparty", "one of counterparty or outside_party is required")
        )
    kind = record.kind
    name = RelationshipKind.Name(kind) if kind in RelationshipKind.values() else str(kind)
    if kind in _FAMILY and customer.customer_type != "INDIVIDUAL":
        found.append(QualityIssue(KIND_FITS, "kind", f"{name} links an individual customer only"))
    elif kind in _CORPORATE and customer.customer_type != "ORGANIZATION":
        found.append(QualityIssue(KIND_FITS, "kind", f"{name} links an organization customer only"))
    found += _details(record)
    found += [
        replace(issue, field=issue.field.lstrip("."))
        for issue in date_issues(DATES, record, "", spans=(("valid_from", "valid_to"),))
    ]
    party = record.outside_party if record.HasField("outside_party") else None
    if party is not None and not (party.id_type and party.id_number):
        found.append(
            QualityIssue(
                UNIDENTIFIED, "outside_party.id_number", "give the party's ID type and number"
            )
        )
    return found


def _details(record: Relationship) -> list[QualityIssue]:
    found = []
    shareholder = record.kind == relationship_pb2.RELATIONSHIP_KIND_SHAREHOLDER
    if shareholder and not record.percentage:
        found.append(QualityIssue(DETAILS, "percentage", "a shareholder's percentage is required"))
    elif record.percentage and not shareholder:
        found.append(QualityIssue(DETAILS, "percentage", "applies to shareholders only"))
    elif record.percentage:
        try:
            share = Decimal(record.percentage)
        except InvalidOperation:
            share = Decimal(-1)
        if not Decimal(0) < share <= _HUNDRED:
            found.append(QualityIssue(DETAILS, "percentage", "must be over 0 and at most 100"))
    executive = record.kind == relationship_pb2.RELATIONSHIP_KIND_EXECUTIVE
    if executive and not record.title:
        found.append(QualityIssue(DETAILS, "title", "an executive's title is required"))
    elif record.title and not executive:
        found.append(QualityIssue(DETAILS, "title", "applies to executives only"))
    return found
