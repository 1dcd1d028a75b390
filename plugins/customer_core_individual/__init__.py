"""The `individual` subject model: a person's profile (names, birth date, nationality, ...).

Field rules live in `v1/individual.proto`; this module tidies values (and recognises a Chinese
national's name sent romanised as the pinyin it is), fills in a missing birth date, gender and
birth region from the customer's resident ID card and the pinyin from a Chinese name (each a
traced completion), and checks what rules cannot (warning when the birth date or gender disagrees
with the card's).
"""

from __future__ import annotations

from datetime import date

from google.protobuf.message import Message

from customer_core.plugin import (
    CustomerView,
    ExpectedAttribute,
    FieldViolation,
    Fix,
    Kind,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.plugin.checks import parse_iso_date
from customer_core.quality import (
    ResidentIdFacts,
    facts,
    half_width,
    is_chinese,
    looks_romanised,
    pinyin_of,
    tidy_spaces,
)
from customer_core_identification.v1.identification_pb2 import (
    ID_STATUS_REVOKED,
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
#: The gender differs from the one in the customer's resident ID number.
GENDER_MATCHES_ID = "INDIVIDUAL_GENDER_MATCHES_RESIDENT_ID"
#: Names were tidied: half-width, single spaces.
NAME_TIDIED = "INDIVIDUAL_NAME_TIDIED"
#: A Chinese national's name arrived romanised: it is the pinyin name, and the Chinese one is due.
NAME_ROMANISED = "INDIVIDUAL_NAME_ROMANISED"
#: Birth date, gender and birth region were completed from the resident ID card.
FROM_RESIDENT_ID = "INDIVIDUAL_COMPLETED_FROM_RESIDENT_ID"
#: The pinyin name was completed from the Chinese name.
PINYIN_COMPLETED = "INDIVIDUAL_PINYIN_COMPLETED"

_CHINESE_NATIONALITY = ("", "CHN")
_NOT_PINYIN = str.maketrans("", "", "-'\u2019.,")

_EARLIEST_BIRTH_DATE = date(1900, 1, 1)


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `individual` subject model."""
    return [IndividualProfile]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `normalize_record` corrects, `complete_record` completes and `validate_record`
    checks."""
    return [
        QualityRule(NAME_TIDIED, SUBJECT, Severity.WARNING,
                    "Names are stored half-width, trimmed, with single spaces.", Kind.CORRECT),
        QualityRule(NAME_ROMANISED, SUBJECT, Severity.WARNING,
                    "A Chinese national's name in Latin letters is their pinyin name (stored as such); the Chinese name is to be recorded.",
                    Kind.CORRECT),
        QualityRule(FROM_RESIDENT_ID, SUBJECT, Severity.WARNING,
                    "A missing birth date, gender and birth region are taken from the customer's resident ID number (GB 11643).",
                    Kind.COMPLETE),
        QualityRule(PINYIN_COMPLETED, SUBJECT, Severity.WARNING,
                    "A missing pinyin name is completed from the Chinese name (compound surnames and surname readings included).",
                    Kind.COMPLETE),
        QualityRule(BIRTH_DATE_MATCHES_ID, SUBJECT, Severity.WARNING,
                    "The birth date is the one in the customer's resident ID number (GB 11643)."),
        QualityRule(GENDER_MATCHES_ID, SUBJECT, Severity.WARNING,
                    "The gender is the one in the customer's resident ID number (GB 11643)."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: IndividualProfile) -> list[Fix]:
    """Tidies names and occupation, upper-cases the pinyin name and nationality, and takes a
    Chinese national's romanised name for the pinyin name it is."""
    fixes: list[Fix] = []
    name = tidy_spaces(half_width(record.name))
    former = [tidy_spaces(half_width(n)) for n in record.former_names]
    if name != record.name:
        record.name = name
        fixes.append(Fix(NAME_TIDIED, "name"))
    if former != list(record.former_names):
        record.former_names[:] = former
        fixes.append(Fix(NAME_TIDIED, "former_names"))
    record.occupation = record.occupation.strip()
    record.pinyin_name = " ".join(record.pinyin_name.split()).upper()
    record.nationality = record.nationality.strip().upper()
    if _romanised(record) and not record.pinyin_name:
        record.pinyin_name = _as_pinyin(record.name)
        fixes.append(Fix(NAME_ROMANISED, "pinyin_name"))
    return fixes


@hookimpl
def complete_record(record: IndividualProfile, customer: CustomerView) -> list[Fix]:
    """Takes a missing birth date, gender and birth region from the customer's resident ID card,
    and a missing pinyin name from a Chinese name."""
    fixes: list[Fix] = []
    pinyin = "" if record.pinyin_name or not is_chinese(record.name) else pinyin_of(record.name)
    if pinyin:
        record.pinyin_name = pinyin
        fixes.append(Fix(PINYIN_COMPLETED, "pinyin_name"))
    if record.birth_date and record.gender != GENDER_UNSPECIFIED and record.birth_region:
        return fixes
    for card in _resident_ids(customer)[:1]:
        if not record.birth_date:
            record.birth_date = card.birth_date.isoformat()
            fixes.append(Fix(FROM_RESIDENT_ID, "birth_date"))
        if record.gender == GENDER_UNSPECIFIED:
            record.gender = GENDER_MALE if card.gender == "M" else GENDER_FEMALE
            fixes.append(Fix(FROM_RESIDENT_ID, "gender"))
        if not record.birth_region:
            record.birth_region = card.area_code
            fixes.append(Fix(FROM_RESIDENT_ID, "birth_region"))
    return fixes


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """What a complete person's profile holds."""
    if customer_type != "INDIVIDUAL":
        return []
    return [
        ExpectedAttribute(SUBJECT, "name", "legal name"),
        ExpectedAttribute(SUBJECT, "gender", "gender"),
        ExpectedAttribute(SUBJECT, "birth_date", "birth date"),
        ExpectedAttribute(SUBJECT, "nationality", "nationality"),
        ExpectedAttribute(SUBJECT, "occupation", "occupation"),
    ]


@hookimpl
def validate_record(
    record: IndividualProfile, customer: CustomerView
) -> list[FieldViolation | QualityIssue]:
    """Checks the birth date is a plausible real date and the former names are new and distinct
    (refused otherwise), and warns when the birth date is not the resident ID card's."""
    violations: list[FieldViolation | QualityIssue] = []
    violations += _birth_date_violations(record.birth_date)
    cards = _resident_ids(customer)
    if (
        not violations
        and record.birth_date
        and any(card.birth_date.isoformat() != record.birth_date for card in cards)
    ):
        violations.append(  # never quote the ID number, nor the birth date it holds
            QualityIssue(
                BIRTH_DATE_MATCHES_ID,
                "birth_date",
                "differs from the birth date in the customer's resident ID number",
            )
        )
    gender = {GENDER_MALE: "M", GENDER_FEMALE: "F"}.get(record.gender)
    if gender and any(card.gender != gender for card in cards):
        violations.append(
            QualityIssue(
                GENDER_MATCHES_ID,
                "gender",
                "differs from the gender in the customer's resident ID number",
            )
        )
    if _romanised(record):
        violations.append(
            QualityIssue(
                NAME_ROMANISED,
                "name",
                "a Chinese national's legal name is in Latin letters (kept as the pinyin name); record the Chinese name",
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


def _romanised(record: IndividualProfile) -> bool:
    """Whether the record's name is a Chinese national's, sent in Latin letters."""
    return record.nationality in _CHINESE_NATIONALITY and looks_romanised(record.name)


def _as_pinyin(name: str) -> str:
    """A romanised name in the pinyin field's form: upper case, words split by single spaces."""
    return " ".join(name.translate(_NOT_PINYIN).upper().split())


def _resident_ids(customer: CustomerView) -> list[ResidentIdFacts]:
    """What each of the customer's resident ID cards (not revoked) says, oldest first."""
    found = []
    for document in customer.records("identification", in_clear=True):
        if not isinstance(document, IdentificationDocument):
            continue
        if document.id_type != ID_TYPE_RESIDENT_ID_CARD or document.status == ID_STATUS_REVOKED:
            continue
        if card := facts(document.id_number):
            found.append(card)
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
