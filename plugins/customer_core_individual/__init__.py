"""The `individual` subject model: a person's profile (names, birth date, nationality, ...).

Field rules live in `v1/individual.proto`; this module tidies values, fills in a missing birth
date and gender from the customer's resident ID card, and checks what rules cannot (warning when
the birth date disagrees with the card's).
"""

from __future__ import annotations

from datetime import date

from google.protobuf.message import Message

from customer_core.plugin import (
    CustomerView,
    FieldViolation,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import parse_iso_date
from customer_core_identification.v1.identification_pb2 import (
    ID_TYPE_RESIDENT_ID_CARD,
    IdentificationDocument,
)
from customer_core_individual.v1.individual_pb2 import (
    GENDER_FEMALE,
    GENDER_MALE,
    GENDER_UNSPECIFIED,
    IndividualProfile,
)

SUBJECT = "individual"
#: The birth date differs from the one in the customer's resident ID number.
BIRTH_DATE_MATCHES_ID = "INDIVIDUAL_BIRTH_DATE_MATCHES_RESIDENT_ID"

_EARLIEST_BIRTH_DATE = date(1900, 1, 1)


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `individual` subject model."""
    return [IndividualProfile]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """The consistency rule `validate_record` warns by."""
    return [
        QualityRule(
            BIRTH_DATE_MATCHES_ID,
            SUBJECT,
            Severity.WARNING,
            "The birth date is the one in the customer's resident ID number (GB 11643).",
        )
    ]


@hookimpl
def normalize_record(record: IndividualProfile) -> None:
    """Trims names and occupation, and upper-cases the pinyin name and nationality."""
    record.name = record.name.strip()
    record.former_names[:] = [n.strip() for n in record.former_names]
    record.occupation = record.occupation.strip()
    record.pinyin_name = " ".join(record.pinyin_name.split()).upper()
    record.nationality = record.nationality.strip().upper()


@hookimpl
def complete_record(record: IndividualProfile, customer: CustomerView) -> None:
    """Takes a missing birth date and gender from the customer's resident ID card, if any."""
    if record.birth_date and record.gender != GENDER_UNSPECIFIED:
        return
    for birth_date, male in _resident_ids(customer)[:1]:
        record.birth_date = record.birth_date or birth_date
        if record.gender == GENDER_UNSPECIFIED:
            record.gender = GENDER_MALE if male else GENDER_FEMALE


@hookimpl
def validate_record(
    record: IndividualProfile, customer: CustomerView
) -> list[FieldViolation | QualityIssue]:
    """Checks the birth date is a plausible real date and the former names are new and distinct
    (refused otherwise), and warns when the birth date is not the resident ID card's."""
    violations: list[FieldViolation | QualityIssue] = []
    violations += _birth_date_violations(record.birth_date)
    if (
        not violations
        and record.birth_date
        and any(birth != record.birth_date for birth, _ in _resident_ids(customer))
    ):
        violations.append(  # never quote the ID number, nor the birth date it holds
            QualityIssue(
                BIRTH_DATE_MATCHES_ID,
                "birth_date",
                "differs from the birth date in the customer's resident ID number",
            )
        )
    seen = {record.name.casefold()}
    for i, former in enumerate(record.former_names):
        key = former.casefold()
        if key == record.name.casefold():
            violations.append(
                FieldViolation(f"former_names[{i}]", "a former name must differ from the name")
            )
        elif key in seen:
            violations.append(FieldViolation(f"former_names[{i}]", "duplicate former name"))
        seen.add(key)
    return violations


def _resident_ids(customer: CustomerView) -> list[tuple[str, bool]]:
    """(birth date, male) from each of the customer's resident ID cards, oldest first."""
    found = []
    for document in customer.records("identification", in_clear=True):
        if not isinstance(document, IdentificationDocument):
            continue
        number = document.id_number
        if document.id_type != ID_TYPE_RESIDENT_ID_CARD or len(number) != 18:
            continue
        birth = parse_iso_date(f"{number[6:10]}-{number[10:12]}-{number[12:14]}")
        if birth is not None and number[16].isdigit():
            found.append((birth.isoformat(), int(number[16]) % 2 == 1))
    return found


def _birth_date_violations(value: str) -> list[FieldViolation]:
    if not value:
        return []
    birth_date = parse_iso_date(value)
    if birth_date is None:
        return [FieldViolation("birth_date", f"{value!r} is not a real date (YYYY-MM-DD)")]
    if birth_date > date.today():
        return [FieldViolation("birth_date", f"{value} is in the future")]
    if birth_date < _EARLIEST_BIRTH_DATE:
        return [FieldViolation("birth_date", f"{value} is before {_EARLIEST_BIRTH_DATE}")]
    return []
