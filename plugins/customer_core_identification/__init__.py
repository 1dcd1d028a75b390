"""The `identification` subject model: a customer's identity documents and their lifecycle.

Field rules live in `v1/identification.proto`; this module tidies document numbers as they arrive
(full-width characters, spaces of any kind, a lower-case check character) and upgrades a legacy
15-digit resident ID to 18 characters, both traced corrections; checks each type's number (check
characters, a birth date and an area code that exists or existed) and the validity dates (rules
that refuse); and warns of a second primary document.
"""

from __future__ import annotations

from datetime import date

from google.protobuf.message import Message

from customer_core.plugin import (
    CustomerView,
    ExpectedAttribute,
    Fix,
    Kind,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import parse_iso_date, uscc_problem
from customer_core.quality import document_problem, tidy_identifier, upgrade_15
from customer_core_identification.v1.identification_pb2 import (
    ID_STATUS_EXPIRED,
    ID_STATUS_VALID,
    ID_TYPE_FOREIGN_PERMANENT_RESIDENT,
    ID_TYPE_HK_MACAO_PERMIT,
    ID_TYPE_MILITARY_ID,
    ID_TYPE_PASSPORT,
    ID_TYPE_RESIDENT_ID_CARD,
    ID_TYPE_TAIWAN_PERMIT,
    ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE,
    IdentificationDocument,
)

SUBJECT = "identification"

#: The document number's check character (or form) is wrong for its type.
NUMBER_CHECK = "IDENTIFICATION_NUMBER_CHECK"
#: The validity dates are not real dates in order.
VALIDITY_DATES = "IDENTIFICATION_VALIDITY_DATES"
#: A document past its last day is recorded as valid.
EXPIRED_AS_VALID = "IDENTIFICATION_EXPIRED_AS_VALID"
#: Another document of the customer is marked primary already.
ONE_PRIMARY = "IDENTIFICATION_ONE_PRIMARY_DOCUMENT"
#: The number was tidied: half-width, no spaces, upper-case letters.
NUMBER_TIDIED = "IDENTIFICATION_NUMBER_TIDIED"
#: A legacy 15-digit resident ID number was upgraded to its 18-character form.
RESIDENT_ID_UPGRADED = "IDENTIFICATION_RESIDENT_ID_UPGRADED"

# The document kinds of `customer_core.quality.document_problem`, by type.
_KINDS = {
    ID_TYPE_RESIDENT_ID_CARD: "resident_id",
    ID_TYPE_PASSPORT: "passport",
    ID_TYPE_HK_MACAO_PERMIT: "hk_macao_permit",
    ID_TYPE_TAIWAN_PERMIT: "taiwan_permit",
    ID_TYPE_FOREIGN_PERMANENT_RESIDENT: "foreign_permanent_resident",
    ID_TYPE_MILITARY_ID: "military_id",
}


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `identification` subject model."""
    return [IdentificationDocument]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `normalize_record` corrects and `validate_record` checks."""
    return [
        QualityRule(NUMBER_TIDIED, SUBJECT, Severity.WARNING,
                    "A document number is stored half-width, without spaces, letters upper-case (a check character x becomes X).",
                    Kind.CORRECT),
        QualityRule(RESIDENT_ID_UPGRADED, SUBJECT, Severity.WARNING,
                    "A legacy 15-digit resident ID number is stored in its 18-character form (GB 11643).",
                    Kind.CORRECT),
        QualityRule(NUMBER_CHECK, SUBJECT, Severity.ERROR,
                    "A document number has its type's form: a resident ID its check character, a real birth date and an area code that exists or existed (GB 11643, GB/T 2260); a USCC its check character (GB 32100); passports, permits, foreign permanent resident and military IDs their issued forms."),
        QualityRule(VALIDITY_DATES, SUBJECT, Severity.ERROR,
                    "Valid-from and valid-to are real dates, valid-to not before valid-from."),
        QualityRule(EXPIRED_AS_VALID, SUBJECT, Severity.ERROR,
                    "A document past its valid-to date is not recorded as valid."),
        QualityRule(ONE_PRIMARY, SUBJECT, Severity.WARNING,
                    "A customer has at most one primary identity document."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: IdentificationDocument) -> list[Fix]:
    """Tidies the document number (and upgrades a 15-digit resident ID), upper-cases the issuing
    country."""
    fixes = []
    tidied = tidy_identifier(record.id_number)
    if tidied != record.id_number:
        record.id_number = tidied
        fixes.append(Fix(NUMBER_TIDIED, "id_number"))
    if record.id_type == ID_TYPE_RESIDENT_ID_CARD and (upgraded := upgrade_15(tidied)):
        record.id_number = upgraded
        fixes.append(Fix(RESIDENT_ID_UPGRADED, "id_number"))
    record.issuing_country = record.issuing_country.strip().upper()
    return fixes


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """Every customer has an identity document, and its number."""
    del customer_type  # the same for every type
    return [ExpectedAttribute(SUBJECT, "id_number", "identity document number")]


@hookimpl
def validate_record(record: IdentificationDocument, customer: CustomerView) -> list[QualityIssue]:
    """Checks document number check characters, validity dates, that a valid one is unexpired,
    and that no other document of the customer is primary too."""
    violations: list[QualityIssue] = []
    if problem := _number_problem(record):
        violations.append(QualityIssue(NUMBER_CHECK, "id_number", problem))  # never echo it
    valid_from, valid_to = parse_iso_date(record.valid_from), parse_iso_date(record.valid_to)
    for field, value, parsed in (
        ("valid_from", record.valid_from, valid_from),
        ("valid_to", record.valid_to, valid_to),
    ):
        if value and parsed is None:
            violations.append(
                QualityIssue(VALIDITY_DATES, field, f"{value!r} is not a real date (YYYY-MM-DD)")
            )
    if valid_from and valid_to and valid_to < valid_from:
        violations.append(
            QualityIssue(
                VALIDITY_DATES, "valid_to", f"{valid_to} is before valid_from {valid_from}"
            )
        )
    if record.status == ID_STATUS_VALID and valid_to and valid_to < date.today():
        violations.append(
            QualityIssue(
                EXPIRED_AS_VALID,
                "status",
                f"document expired on {valid_to}; record it as ID_STATUS_EXPIRED",
            )
        )
    if record.primary and any(
        isinstance(other, IdentificationDocument) and other.primary
        for other in customer.records(SUBJECT)
    ):
        violations.append(
            QualityIssue(
                ONE_PRIMARY, "primary", "another document of the customer is primary already"
            )
        )
    return violations


@hookimpl
def record_expiry(record: IdentificationDocument) -> date | None:
    """A valid document lapses after its `valid_to` (a long-term card has none)."""
    if record.status != ID_STATUS_VALID:
        return None
    return parse_iso_date(record.valid_to)


@hookimpl
def expire_record(record: IdentificationDocument) -> None:
    """A lapsed document's status becomes expired."""
    record.status = ID_STATUS_EXPIRED


def _number_problem(record: IdentificationDocument) -> str | None:
    """Why the record's number is not a well-formed number of its type, or None (the messages
    never quote the number). An empty number is the field rule's to refuse."""
    if not record.id_number:
        return None
    if record.id_type == ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE:
        return uscc_problem(record.id_number)
    if kind := _KINDS.get(record.id_type):
        return document_problem(kind, record.id_number, country=record.issuing_country or None)
    return None
