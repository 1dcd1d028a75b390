"""The `identification` subject model: a customer's identity documents and their lifecycle.

Field rules live in `v1/identification.proto`; this module adds check characters and date logic
(rules that refuse), and warns of a second primary document.
"""

from __future__ import annotations

import re
from datetime import date

from google.protobuf.message import Message

from customer_core.plugin import CustomerView, QualityIssue, QualityRule, Severity, hookimpl
from customer_core.plugin.checks import mod11_2_check, parse_iso_date, uscc_problem
from customer_core_identification.v1.identification_pb2 import (
    ID_STATUS_EXPIRED,
    ID_STATUS_VALID,
    ID_TYPE_RESIDENT_ID_CARD,
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

# GB 11643: 17 digits and their ISO 7064 MOD 11-2 check character.
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `identification` subject model."""
    return [IdentificationDocument]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `validate_record` checks."""
    return [
        QualityRule(NUMBER_CHECK, SUBJECT, Severity.ERROR,
                    "A resident ID number or unified social credit code has a valid check character (GB 11643, GB 32100)."),
        QualityRule(VALIDITY_DATES, SUBJECT, Severity.ERROR,
                    "Valid-from and valid-to are real dates, valid-to not before valid-from."),
        QualityRule(EXPIRED_AS_VALID, SUBJECT, Severity.ERROR,
                    "A document past its valid-to date is not recorded as valid."),
        QualityRule(ONE_PRIMARY, SUBJECT, Severity.WARNING,
                    "A customer has at most one primary identity document."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: IdentificationDocument) -> None:
    """Upper-cases the document number without spaces, and upper-cases the issuing country."""
    record.id_number = "".join(record.id_number.split()).upper()
    record.issuing_country = record.issuing_country.strip().upper()


@hookimpl
def validate_record(record: IdentificationDocument, customer: CustomerView) -> list[QualityIssue]:
    """Checks document number check characters, validity dates, that a valid one is unexpired,
    and that no other document of the customer is primary too."""
    violations: list[QualityIssue] = []
    if problem := _number_problem(record.id_type, record.id_number):
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


def _number_problem(id_type: int, number: str) -> str | None:
    """Why `number` is not a well-formed number of a document of `id_type`, or None."""
    if id_type == ID_TYPE_RESIDENT_ID_CARD:
        return _resident_id_problem(number)
    if id_type == ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE:
        return uscc_problem(number)
    return None


def _resident_id_problem(number: str) -> str | None:
    """Why `number` is not a GB 11643 resident ID number, or None if it is one."""
    if not _RESIDENT_ID.fullmatch(number):
        return "must be 17 digits followed by a check character (0-9 or X)"
    if number[17] != mod11_2_check(number[:17]):
        return "the check character of the resident ID number does not match (GB 11643)"
    birth = number[6:14]
    if parse_iso_date(f"{birth[:4]}-{birth[4:6]}-{birth[6:]}") is None:
        return "the birth date in the resident ID number is not a real date"
    return None
