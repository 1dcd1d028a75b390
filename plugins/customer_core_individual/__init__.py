"""The `individual` subject model: a person's profile (names, birth date, nationality, ...).

Field rules live in `v1/individual.proto`; this module tidies values and checks what rules cannot.
"""

from __future__ import annotations

import re
from datetime import date

from google.protobuf.message import Message

from customer_core.errors import FieldViolation
from customer_core.plugin import CustomerFacts, hookimpl
from customer_core_individual.v1.individual_pb2 import IndividualProfile

SUBJECT = "individual"

_EARLIEST_BIRTH_DATE = date(1900, 1, 1)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `individual` subject model."""
    return [IndividualProfile]


@hookimpl
def normalize_record(subject: str, record: Message) -> None:
    """Trims names and occupation, and upper-cases the pinyin name and nationality."""
    if subject != SUBJECT or not isinstance(record, IndividualProfile):
        return
    record.name = record.name.strip()
    record.former_names[:] = [n.strip() for n in record.former_names]
    record.occupation = record.occupation.strip()
    record.pinyin_name = " ".join(record.pinyin_name.split()).upper()
    record.nationality = record.nationality.strip().upper()


@hookimpl
def validate_record(subject: str, record: Message, customer: CustomerFacts) -> list[FieldViolation]:
    """Checks the birth date is a plausible real date and the former names are new and distinct."""
    if subject != SUBJECT or not isinstance(record, IndividualProfile):
        return []
    violations = _birth_date_violations(record.birth_date)
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


def _birth_date_violations(value: str) -> list[FieldViolation]:
    if not value:
        return []
    birth_date = _parse_date(value)
    if birth_date is None:
        return [FieldViolation("birth_date", f"{value!r} is not a real date (YYYY-MM-DD)")]
    if birth_date > date.today():
        return [FieldViolation("birth_date", f"{value} is in the future")]
    if birth_date < _EARLIEST_BIRTH_DATE:
        return [FieldViolation("birth_date", f"{value} is before {_EARLIEST_BIRTH_DATE}")]
    return []


def _parse_date(value: str) -> date | None:
    """The date of a `YYYY-MM-DD` string, or None if it is malformed or not in the calendar."""
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
