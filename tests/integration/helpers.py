"""Small builders shared by the integration tests."""

from __future__ import annotations

import secrets
import threading
import uuid
from datetime import date, timedelta

from customer_core_contact.v1 import contact_pb2
from customer_core_identification.v1 import identification_pb2
from customer_core_individual.v1 import individual_pb2

#: A valid resident ID number (GB 11643 check character X).
RESIDENT_ID = "11010519491231002X"


def unique(prefix: str) -> str:
    """A value no other test uses."""
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


def profile(name: str = "张三", **fields: object) -> individual_pb2.IndividualProfile:
    values: dict[str, object] = {
        "pinyin_name": "ZHANG SAN" if name == "张三" else "",
        "gender": individual_pb2.GENDER_FEMALE,  # as RESIDENT_ID says
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


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"
_issued: set[str] = set()
_issued_lock = threading.Lock()


def resident_id_check(body: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of a 17-digit body."""
    return _ID_CHECKS[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def resident_id() -> str:
    """A fresh, valid resident ID number no other call of this process returned."""
    while True:
        birth = date(1950, 1, 1) + timedelta(days=secrets.randbelow(18_000))
        body = f"110105{birth:%Y%m%d}{secrets.randbelow(1000):03d}"
        number = body + resident_id_check(body)
        with _issued_lock:
            if number not in _issued:
                _issued.add(number)
                return number


def person(
    name: str,
) -> tuple[individual_pb2.IndividualProfile, identification_pb2.IdentificationDocument]:
    """A profile and a resident ID card that agree (birth date and gender are the card's), as a
    source system that checks its data sends them: no data-quality warning is raised."""
    number = resident_id()
    gender = individual_pb2.GENDER_MALE if int(number[16]) % 2 else individual_pb2.GENDER_FEMALE
    birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    return profile(name, birth_date=birth, gender=gender), id_card(number)


#: The subject models of the built-in plugins.
BUILT_IN_MODELS = frozenset(
    {"individual", "identification", "contact", "organization", "agreement", "risk", "special",
     "interaction", "relationship"}
)  # fmt: skip
