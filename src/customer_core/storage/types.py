"""Column types shared by every table."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite stores naive text, so re-attach UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Preset dictionaries of `DeflatedBytes`, by the version byte that follows the marker. A
#: dictionary is never changed once released (stored bytes name theirs); a better one is a new
#: version. Version 1 holds the strings ledger entries repeat: method and type names, subjects,
#: resource prefixes (the most frequent last, as deflate prefers).
DICTIONARIES: dict[int, bytes] = {
    1: "".join(
        (
            "individual",
            "identification",
            "contact",
            "cross_reference",
            "customer",
            "phone.number",
            "id_number",
            "email.address",
            "type.googleapis.com/customer_core_individual.v1.IndividualProfile",
            "type.googleapis.com/customer_core_identification.v1.IdentificationDocument",
            "type.googleapis.com/customer_core_contact.v1.ContactPoint",
            "/customer_core.v1.CustomerService/UpdateSubjectRecord",
            "/customer_core.v1.CustomerService/CreateSubjectRecord",
            "/customer_core.v1.CustomerService/UpdateCustomer",
            "/customer_core.v1.CustomerService/BatchCreateCustomers",
            "/customer_core.v1.CustomerService/CreateCustomer",
            "/crossReferences/",
            "/records/",
            "customers/",
        )
    ).encode()
}
#: The first byte of deflated values. A serialized protobuf message never starts with it (field
#: number 0 does not exist), so values written before compression read as they are.
DEFLATED = b"\x00"
_DICTIONARY = 1


def deflate(value: bytes) -> bytes:
    """`value` as `DeflatedBytes` stores it (already deflated values as they are)."""
    if value[:1] == DEFLATED:
        return value
    packer = zlib.compressobj(
        9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARIES[_DICTIONARY]
    )
    return DEFLATED + bytes([_DICTIONARY]) + packer.compress(value) + packer.flush()


def inflate(stored: bytes) -> bytes:
    """The value `deflate` stored; ValueError if the stored bytes are damaged."""
    if stored[:1] != DEFLATED:
        return stored
    dictionary = DICTIONARIES.get(stored[1]) if len(stored) > 1 else None
    if dictionary is None:
        raise ValueError("deflated with an unknown dictionary")
    unpacker = zlib.decompressobj(-15, dictionary)
    try:
        value = unpacker.decompress(stored[2:]) + unpacker.flush()
    except zlib.error as exc:
        raise ValueError(f"damaged deflated value: {exc}") from None
    if not unpacker.eof or unpacker.unused_data:
        raise ValueError("damaged deflated value: truncated or followed by other bytes")
    return value


class DeflatedBytes(TypeDecorator[bytes]):
    """Bytes stored deflated against a preset dictionary (`DICTIONARIES`): ledger entries, whose
    readers get back exactly the bytes that were hashed. Inserts that bypass SQLAlchemy's types
    (`storage.deferred`) pass `deflate`d values. A stored value that does not inflate is read as
    it is stored, so that verification names its entry (its hash cannot match) instead of failing.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else deflate(bytes(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        try:
            return inflate(bytes(value))
        except ValueError:
            return bytes(value)
