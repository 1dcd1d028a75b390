"""The `risk` subject model: a customer's loan classification, ratings, limits, list hits and AML level.

Field rules live in `v1/risk.proto`; this module requires one fact per record, checks that its
dates exist, are not in the future where they record an event, and come in order (rules that
refuse), that a limit's use is in its currency (refused), and warns of a limit used beyond itself.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from google.protobuf.message import Message

from customer_core.plugin import (
    ExpectedAttribute,
    FieldViolation,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import date_issues
from customer_core_risk.v1.risk_pb2 import RiskRecord

SUBJECT = "risk"

#: A date does not exist, an event's date is in the future, or an end comes before its start.
DATES = "RISK_DATES"
#: A limit's used amount is in another currency than the limit.
LIMIT_CURRENCY = "RISK_LIMIT_CURRENCY"
#: More of a limit is used than the limit.
OVER_LIMIT = "RISK_LIMIT_EXCEEDED"

# Per fact: the dates that record an event (not in the future), and (start, end) pairs in order.
_EVENTS = {
    "loan_classification": ("as_of",),
    "credit_rating": ("rating_date",),
    "list_hit": ("hit_date",),
    "aml_assessment": ("assessed_on",),
}
_SPANS = {
    "credit_rating": (("rating_date", "valid_to"),),
    "credit_limit": (("valid_from", "valid_to"),),
    "aml_assessment": (("assessed_on", "next_review"),),
}


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `risk` subject model."""
    return [RiskRecord]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `validate_record` checks."""
    return [
        QualityRule(DATES, SUBJECT, Severity.ERROR,
                    "Dates exist; an event's date is not in the future; an end is not before its start."),
        QualityRule(LIMIT_CURRENCY, SUBJECT, Severity.ERROR,
                    "A credit limit's used amount is in the limit's currency."),
        QualityRule(OVER_LIMIT, SUBJECT, Severity.WARNING,
                    "A credit limit is not used beyond its amount."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: RiskRecord) -> None:
    """Trims the set fact's names and upper-cases grades and currencies."""
    kind = record.WhichOneof("fact")
    if kind == "credit_rating":
        record.credit_rating.rater = record.credit_rating.rater.strip()
        record.credit_rating.grade = record.credit_rating.grade.strip().upper()
    elif kind == "credit_limit":
        limit = record.credit_limit
        limit.limit_type = limit.limit_type.strip().upper()
        for money in (limit.limit, limit.utilised):
            money.amount = money.amount.strip().replace(",", "")
            money.currency = money.currency.strip().upper()
    elif kind == "list_hit":
        record.list_hit.list_name = record.list_hit.list_name.strip()


@hookimpl
def validate_record(record: RiskRecord) -> list[FieldViolation | QualityIssue]:
    """Requires one fact, and checks its dates and a limit's use."""
    kind = record.WhichOneof("fact")
    if kind is None:
        return [
            FieldViolation(
                "fact",
                "one of loan_classification, credit_rating, credit_limit, list_hit or "
                "aml_assessment is required",
            )
        ]
    found: list[FieldViolation | QualityIssue] = []
    found += date_issues(
        DATES, getattr(record, kind), kind, events=_EVENTS.get(kind, ()), spans=_SPANS.get(kind, ())
    )
    if kind == "credit_limit" and record.credit_limit.HasField("utilised"):
        found += _limit_use(record)
    return found


def _limit_use(record: RiskRecord) -> list[FieldViolation | QualityIssue]:
    limit, used = record.credit_limit.limit, record.credit_limit.utilised
    if used.currency != limit.currency:
        return [
            QualityIssue(
                LIMIT_CURRENCY, "credit_limit.utilised.currency",
                f"is {used.currency}, the limit is in {limit.currency}",
            )
        ]  # fmt: skip
    try:
        over = Decimal(used.amount) > Decimal(limit.amount)
    except InvalidOperation:  # the pattern refuses it already
        return []
    if over:
        return [QualityIssue(OVER_LIMIT, "credit_limit.utilised.amount", "exceeds the limit")]
    return []


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """Every customer has an AML risk level; an organization an internal credit rating too."""
    expected = [ExpectedAttribute(SUBJECT, "aml_assessment.level", "AML risk level")]
    if customer_type == "ORGANIZATION":
        expected.append(ExpectedAttribute(SUBJECT, "credit_rating.grade", "credit rating"))
    return expected
