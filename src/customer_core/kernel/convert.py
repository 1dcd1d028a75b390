"""Database rows to contract messages, and the etags that version them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from google.protobuf import any_pb2, timestamp_pb2

from customer_core.errors import InvalidArgument
from customer_core.kernel.names import customer_name, record_name
from customer_core.v1 import customer_pb2


def etag(row_id: uuid.UUID, version: int) -> str:
    """An opaque etag for version `version` of the row `row_id` (AIP-154)."""
    return hashlib.blake2b(f"{row_id}:{version}".encode(), digest_size=8).hexdigest()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The range of a valid Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
MIN_SECONDS, MAX_SECONDS = -62135596800, 253402300799


def to_datetime(value: timestamp_pb2.Timestamp, field: str) -> datetime:
    """The aware UTC datetime of a request's Timestamp `field`, to the microsecond.

    Raises:
        InvalidArgument: naming `field`, when the value is outside what a Timestamp may hold
            (seconds outside years 1-9999, or nanos outside 0..999,999,999).
    """
    if not (MIN_SECONDS <= value.seconds <= MAX_SECONDS and 0 <= value.nanos < 1_000_000_000):
        raise InvalidArgument.field(
            field, "is not a valid timestamp (years 1 to 9999, nanos 0 to 999,999,999)"
        )
    return value.ToDatetime(tzinfo=UTC)


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """A protobuf Timestamp of an aware datetime, or None for None.

    The same as `Timestamp.FromDatetime`, by integer arithmetic: that method goes through
    `calendar.timegm` and costs several times more, on the hottest read path.
    """
    if value is None:
        return None
    delta = value - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000
    )


def customer(row: Any, merged_into_number: str | None = None) -> customer_pb2.Customer:
    """A Customer message from a `customers` row."""
    return customer_pb2.Customer(
        name=customer_name(row.customer_number),
        customer_number=row.customer_number,
        type="CUSTOMER_TYPE_" + row.type,
        status="CUSTOMER_STATUS_" + row.status,
        owning_org_unit=row.owning_org_unit,
        display_name=row.display_name,
        merged_into=customer_name(merged_into_number) if merged_into_number else "",
        create_time=timestamp(row.create_time),
        update_time=timestamp(row.update_time),
        close_time=timestamp(row.close_time),
        close_reason=row.close_reason or "",
        etag=etag(row.id, row.version),
        erase_time=timestamp(row.erase_time),
    )


def cross_reference(row: Any, customer_number: str) -> customer_pb2.CrossReference:
    """A CrossReference message from a `cross_references` row."""
    return customer_pb2.CrossReference(
        source_system=row.source_system,
        local_id=row.local_id,
        customer=customer_name(customer_number),
        create_time=timestamp(row.create_time),
    )


def subject_record(row: Any, customer_number: str) -> customer_pb2.SubjectRecord:
    """A SubjectRecord message from a `subject_records` row; the payload is passed through unparsed."""
    return customer_pb2.SubjectRecord(
        name=record_name(customer_number, row.id),
        subject=row.subject,
        data=any_pb2.Any(type_url=row.type_url, value=row.payload),
        schema_version=row.schema_version,
        source_system=row.source_system or "",
        etag=etag(row.id, row.version),
        create_time=timestamp(row.create_time),
        update_time=timestamp(row.update_time),
    )
