"""The `contact` subject model: one postal address, phone number or e-mail address of a customer.

Field rules live in `v1/contact.proto`; this module canonicalizes values and requires one kind.
"""

from __future__ import annotations

import re

from google.protobuf.message import Message

from customer_core.plugin import FieldViolation, hookimpl
from customer_core_contact.v1.contact_pb2 import ContactPoint

SUBJECT = "contact"

_PHONE_PUNCTUATION = re.compile(r"[\s\-()]")
_ADDRESS_FIELDS = ("country", "province", "city", "district", "street", "postal_code")


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `contact` subject model."""
    return [ContactPoint]


@hookimpl
def normalize_record(record: ContactPoint) -> None:
    """Trims the set contact point and brings e-mails, phones and countries to canonical form."""
    # Touch only the point that is set: writing to an unset branch would select it.
    kind = record.WhichOneof("point")
    if kind == "email":
        local, at, domain = record.email.address.strip().rpartition("@")
        record.email.address = f"{local}{at}{domain.lower()}" if at else domain
    elif kind == "phone":
        record.phone.number = _PHONE_PUNCTUATION.sub("", record.phone.number)
    elif kind == "address":
        address = record.address
        for field in _ADDRESS_FIELDS:
            setattr(address, field, getattr(address, field).strip())
        address.country = address.country.upper()


@hookimpl
def validate_record(record: ContactPoint) -> list[FieldViolation]:
    """Checks that the record holds an address, a phone or an e-mail (refused otherwise)."""
    if record.WhichOneof("point") is None:
        return [FieldViolation("point", "one of address, phone or email is required")]
    return []
