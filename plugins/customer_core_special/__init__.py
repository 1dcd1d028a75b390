"""The `special` subject model: tax residency (CRS, FATCA), qualified investor status and
corporate agency payment agreements.

Field rules live in `v1/special.proto`; this module requires one kind of information per record,
a TIN or the reason there is none for every foreign jurisdiction (and no jurisdiction for a
China-only certification), real dates in order (rules that refuse), and warns of a qualified
investor status that has lapsed.
"""

from __future__ import annotations

from datetime import date

from google.protobuf.message import Message

from customer_core.plugin import (
    ExpectedAttribute,
    FieldViolation,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import date_issues, parse_iso_date
from customer_core_special.v1.special_pb2 import (
    NO_TIN_REASON_UNABLE_TO_OBTAIN,
    NO_TIN_REASON_UNSPECIFIED,
    SpecialInformation,
)

SUBJECT = "special"

#: A jurisdiction has neither a TIN nor the reason there is none, or lists China.
TIN_OR_REASON = "SPECIAL_TIN_OR_REASON"
#: A date does not exist, a certification or assessment is in the future, or an end is before its start.
DATES = "SPECIAL_DATES"
#: A qualified investor status whose expiry has passed.
INVESTOR_LAPSED = "SPECIAL_QUALIFIED_INVESTOR_LAPSED"

# Per kind: dates recording an event (not in the future), and (start, end) pairs in order.
_EVENTS = {"tax_residency": ("certified_on",), "qualified_investor": ("assessed_on",)}
_SPANS = {
    "qualified_investor": (("assessed_on", "expires_on"),),
    "agency_payment": (("valid_from", "valid_to"),),
}


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `special` subject model."""
    return [SpecialInformation]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `validate_record` checks."""
    return [
        QualityRule(TIN_OR_REASON, SUBJECT, Severity.ERROR,
                    "Each foreign tax jurisdiction has a TIN or the CRS reason there is none; a China-only certification lists none."),
        QualityRule(DATES, SUBJECT, Severity.ERROR,
                    "Dates exist; a certification or assessment is not dated in the future; an end is not before its start."),
        QualityRule(INVESTOR_LAPSED, SUBJECT, Severity.WARNING,
                    "A qualified investor status is recorded before it lapses."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: SpecialInformation) -> None:
    """Upper-cases jurisdiction codes and strips TINs and account numbers of spaces."""
    kind = record.WhichOneof("info")
    if kind == "tax_residency":
        for j in record.tax_residency.jurisdictions:
            j.country = j.country.strip().upper()
            j.tin = "".join(j.tin.split()).upper()
    elif kind == "agency_payment":
        payment = record.agency_payment
        payment.account_number = "".join(payment.account_number.split()).replace("-", "")
        payment.payer_name = payment.payer_name.strip()


@hookimpl
def validate_record(record: SpecialInformation) -> list[FieldViolation | QualityIssue]:
    """Requires one kind, and checks TINs, dates and a lapsed investor status."""
    kind = record.WhichOneof("info")
    if kind is None:
        return [
            FieldViolation(
                "info", "one of tax_residency, qualified_investor or agency_payment is required"
            )
        ]
    info = getattr(record, kind)
    found: list[FieldViolation | QualityIssue] = []
    if kind == "tax_residency":
        found += _jurisdictions(record)
    found += date_issues(
        DATES, info, kind, events=_EVENTS.get(kind, ()), spans=_SPANS.get(kind, ())
    )
    expires = parse_iso_date(info.expires_on) if kind == "qualified_investor" else None
    if expires is not None and expires < date.today():
        found.append(
            QualityIssue(INVESTOR_LAPSED, "qualified_investor.expires_on", "has passed: reassess")
        )
    return found


def _jurisdictions(record: SpecialInformation) -> list[FieldViolation | QualityIssue]:
    residency = record.tax_residency
    found: list[FieldViolation | QualityIssue] = []
    if residency.china_only and residency.jurisdictions:
        found.append(
            QualityIssue(
                TIN_OR_REASON, "tax_residency.jurisdictions",
                "a China-only certification lists no other jurisdiction",
            )
        )  # fmt: skip
    for i, j in enumerate(residency.jurisdictions):
        path = f"tax_residency.jurisdictions[{i}]"
        if j.country == "CN":
            found.append(
                QualityIssue(
                    TIN_OR_REASON, f"{path}.country", "China is not a foreign jurisdiction"
                )
            )
        if not j.tin and j.no_tin_reason == NO_TIN_REASON_UNSPECIFIED:
            found.append(
                QualityIssue(TIN_OR_REASON, f"{path}.tin", "a TIN, or the reason there is none")
            )
        if j.no_tin_reason == NO_TIN_REASON_UNABLE_TO_OBTAIN and not j.explanation.strip():
            found.append(
                QualityIssue(
                    TIN_OR_REASON, f"{path}.explanation", "say why the TIN cannot be obtained"
                )
            )
    return found


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """Every customer has certified its tax residency (CRS)."""
    del customer_type  # the same for every type
    return [
        ExpectedAttribute(SUBJECT, "tax_residency.certified_on", "tax residency self-certification")
    ]
