"""Resource names (AIP-122): `customers/{customer_number}` and `.../records/{record_id}`."""

from __future__ import annotations

import uuid

from customer_core.errors import InvalidArgument
from customer_core.kernel import customer_number

COLLECTION = "customers/"


def customer_name(number: str) -> str:
    """`customers/{number}`."""
    return COLLECTION + number


def record_name(number: str, record_id: uuid.UUID) -> str:
    """`customers/{number}/records/{record_id}`."""
    return f"{COLLECTION}{number}/records/{record_id}"


def parse_customer_name(name: str, field: str) -> str:
    """The customer number in a customer's resource name; INVALID_ARGUMENT naming `field` if malformed."""
    if not name:
        raise InvalidArgument.field(field, "is required")
    if not name.startswith(COLLECTION):
        raise InvalidArgument.field(field, "must have the form customers/{customer_number}")
    number = name[len(COLLECTION) :]
    problem = customer_number.problem(number)
    if problem is not None:
        raise InvalidArgument.field(field, f"customer number {number[:40]!r} {problem}")
    return number


def parse_child_name(name: str, field: str, collection: str) -> tuple[str, uuid.UUID]:
    """(customer number, id) of `customers/{customer_number}/{collection}/{id}`: a customer's
    record (`records`), document (`documents`)."""
    parent, sep, child_id = name.rpartition(f"/{collection}/")
    if not sep:
        if not name:
            raise InvalidArgument.field(field, "is required")
        raise InvalidArgument.field(
            field, f"must have the form customers/{{customer_number}}/{collection}/{{id}}"
        )
    number = parse_customer_name(parent, field)
    try:
        return number, uuid.UUID(child_id)
    except ValueError:
        what = collection.removesuffix("s")
        raise InvalidArgument.field(field, f"{what} id {child_id[:40]!r} is not a UUID") from None


def parse_record_name(name: str, field: str) -> tuple[str, uuid.UUID]:
    """(customer number, record id) of a subject record's resource name."""
    return parse_child_name(name, field, "records")
