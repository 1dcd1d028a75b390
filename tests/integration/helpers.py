"""Small builders shared by the integration tests."""

from __future__ import annotations

import uuid

from customer_core_contact.v1 import contact_pb2
from customer_core_identification.v1 import identification_pb2
from customer_core_individual.v1 import individual_pb2

#: A valid resident ID number (GB 11643 check character X).
RESIDENT_ID = "11010519491231002X"


def unique(prefix: str) -> str:
    """A value no other test uses."""
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


def profile(name: str = "Zhang San", **fields: object) -> individual_pb2.IndividualProfile:
    values: dict[str, object] = {
        "gender": individual_pb2.GENDER_MALE,
        "birth_date": "1949-12-31",
        "nationality": "CHN",
    }
    return individual_pb2.IndividualProfile(name=name, **{**values, **fields})


def id_card(number: str = RESIDENT_ID) -> identification_pb2.IdentificationDocument:
    return identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_RESIDENT_ID_CARD,
        id_number=number,
        issuer="Beijing PSB Xicheng",
        status=identification_pb2.ID_STATUS_VALID,
        primary=True,
    )


def mobile(number: str = "+8613800138000") -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        phone=contact_pb2.Phone(number=number, mobile=True),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
