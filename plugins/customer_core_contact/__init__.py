"""The `contact` subject model: one postal address, phone number or e-mail address of a customer.

Field rules live in `v1/contact.proto`; this module brings phones to E.164 (reading a number
without a country code as one of the record's country), e-mails and address lines to their stored
form, completes an address's province, city and district from its line, and requires one kind.
Every change is a traced correction or completion; a phone or e-mail that cannot be read is
refused (naming the field).
"""

from __future__ import annotations

from functools import lru_cache

from google.protobuf.message import Message

from customer_core.plugin import (
    ExpectedAttribute,
    FieldViolation,
    Fix,
    Kind,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
)
from customer_core.quality import (
    Phone,
    compact,
    divisions_of,
    email_problem,
    half_width,
    normalize_email,
    normalize_phone,
    tidy_spaces,
)
from customer_core_contact.v1.contact_pb2 import ContactPoint

SUBJECT = "contact"

#: A phone number was brought to its E.164 form.
PHONE_E164 = "CONTACT_PHONE_E164"
#: A phone number cannot be read as a valid number.
PHONE_VALID = "CONTACT_PHONE_VALID"
#: Whether a phone is a mobile one was completed from its number.
PHONE_MOBILE = "CONTACT_PHONE_MOBILE_COMPLETED"
#: An e-mail address was brought to its stored form.
EMAIL_NORMALIZED = "CONTACT_EMAIL_NORMALIZED"
#: An e-mail address is not well-formed.
EMAIL_VALID = "CONTACT_EMAIL_VALID"
#: An address's text was tidied (half-width, spaces).
ADDRESS_TIDIED = "CONTACT_ADDRESS_TIDIED"
#: An address's province, city, district and division code were completed from its line.
ADDRESS_DIVISIONS = "CONTACT_ADDRESS_DIVISIONS_COMPLETED"

_ADDRESS_TEXT = ("province", "city", "district", "street")
_MAINLAND = "CHN"


# A write reads its phone three times (correct, complete, check): parsing it is the costliest
# rule, so the last few are kept (in this process's memory only, like the request itself).
@lru_cache(maxsize=64)
def _read_phone(number: str, country: str) -> Phone:
    return normalize_phone(number, country or _MAINLAND)


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `contact` subject model."""
    return [ContactPoint]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `normalize_record` corrects, `complete_record` completes and `validate_record`
    checks."""
    return [
        QualityRule(PHONE_E164, SUBJECT, Severity.WARNING,
                    "A phone number is stored in E.164 form, read as one of its country (CHN unless the record says otherwise) when it has no country code.",
                    Kind.CORRECT),
        QualityRule(PHONE_VALID, SUBJECT, Severity.ERROR,
                    "A phone number is a valid number of some country."),
        QualityRule(PHONE_MOBILE, SUBJECT, Severity.WARNING,
                    "A mobile number is marked as one.", Kind.COMPLETE),
        QualityRule(EMAIL_NORMALIZED, SUBJECT, Severity.WARNING,
                    "An e-mail address is stored trimmed, half-width, its domain lower-case.",
                    Kind.CORRECT),
        QualityRule(EMAIL_VALID, SUBJECT, Severity.ERROR,
                    "An e-mail address is well-formed (RFC 5322 syntax)."),
        QualityRule(ADDRESS_TIDIED, SUBJECT, Severity.WARNING,
                    "An address's text is half-width where ASCII, with single spaces.",
                    Kind.CORRECT),
        QualityRule(ADDRESS_DIVISIONS, SUBJECT, Severity.WARNING,
                    "A mainland address's province, city, district and GB/T 2260 code are completed from its line.",
                    Kind.COMPLETE),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: ContactPoint) -> list[Fix]:
    """Brings the set contact point to its stored form."""
    # Touch only the point that is set: writing to an unset branch would select it.
    kind = record.WhichOneof("point")
    fixes: list[Fix] = []
    if kind == "email":
        address = half_width(record.email.address).strip()
        address = normalize_email(address) or address
        if address != record.email.address:
            record.email.address = address
            fixes.append(Fix(EMAIL_NORMALIZED, "email.address"))
    elif kind == "phone":
        phone = record.phone
        phone.country = phone.country.strip().upper()
        raw = compact(half_width(phone.number))
        read = _read_phone(raw, phone.country)
        number = read.e164 or raw
        if number != phone.number:
            phone.number = number
            fixes.append(Fix(PHONE_E164, "phone.number"))
    elif kind == "address":
        postal = record.address
        postal.country = postal.country.strip().upper()
        postal.postal_code = compact(half_width(postal.postal_code)).upper()
        for field in _ADDRESS_TEXT:
            value = getattr(postal, field)
            tidied = tidy_spaces(half_width(value))
            if tidied != value:
                setattr(postal, field, tidied)
                fixes.append(Fix(ADDRESS_TIDIED, f"address.{field}"))
    return fixes


@hookimpl
def complete_record(record: ContactPoint) -> list[Fix]:
    """Marks a mobile number as one, and fills in a mainland address's divisions from its line
    (the line itself is kept as received)."""
    kind = record.WhichOneof("point")
    if kind == "phone" and not record.phone.mobile:
        read = _read_phone(record.phone.number, record.phone.country)
        if read.mobile:
            record.phone.mobile = True
            return [Fix(PHONE_MOBILE, "phone.mobile")]
    if kind == "address":
        return _complete_divisions(record)
    return []


def _complete_divisions(record: ContactPoint) -> list[Fix]:
    address = record.address
    if address.country not in ("", _MAINLAND):
        return []
    found = divisions_of(address.street)
    completed = False
    for field in ("province", "city", "district"):
        value = getattr(found, field)
        if value and not getattr(address, field):
            setattr(address, field, value)
            completed = True
    if found.code and not address.division_code:
        address.division_code = found.code
        completed = True
    if completed and not address.country:
        address.country = _MAINLAND
    return [Fix(ADDRESS_DIVISIONS, "address")] if completed else []


@hookimpl
def validate_record(record: ContactPoint) -> list[FieldViolation | QualityIssue]:
    """Checks that the record holds an address, a phone or an e-mail, and that a phone or e-mail
    can be read (refused otherwise)."""
    kind = record.WhichOneof("point")
    if kind is None:
        return [FieldViolation("point", "one of address, phone or email is required")]
    if kind == "phone" and record.phone.number:
        read = _read_phone(record.phone.number, record.phone.country)
        if read.problem:  # never quote the number
            return [QualityIssue(PHONE_VALID, "phone.number", read.problem)]
    if kind == "email" and record.email.address and email_problem(record.email.address):
        return [QualityIssue(EMAIL_VALID, "email.address", "is not a well-formed e-mail address")]
    return []


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """A complete customer has an address and a phone (a person an e-mail is not expected of)."""
    del customer_type  # the same for every type
    return [
        ExpectedAttribute(SUBJECT, "address.street", "postal address"),
        ExpectedAttribute(SUBJECT, "phone.number", "phone number"),
    ]
