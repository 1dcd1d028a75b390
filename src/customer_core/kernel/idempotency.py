"""Request ids (AIP-155): a retried write returns the first answer and writes nothing twice."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from customer_core.errors import InvalidArgument
from customer_core.storage.tables import idempotency_records
from customer_core.storage.transaction import RetryTransaction

M = TypeVar("M", bound=Message)


def check_request_id(request_id: str) -> None:
    """INVALID_ARGUMENT unless `request_id` is empty or a UUID."""
    if not request_id:
        return
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise InvalidArgument.field("request_id", "must be a UUID (AIP-155)") from None


def fingerprint(method: str, request: Message) -> str:
    """What identifies a request's content: its method and its fields other than `request_id`."""
    body = type(request)()
    body.CopyFrom(request)
    body.ClearField("request_id")
    digest = hashlib.sha256(method.encode() + b"\0")
    digest.update(body.SerializeToString(deterministic=True))
    return digest.hexdigest()


def replay(
    connection: Connection,
    request_id: str,
    method: str,
    request_fingerprint: str,
    response_type: type[M],
) -> M | None:
    """The response first given to `request_id`, or None when it is new.

    Raises:
        InvalidArgument: the id was used before for a different request.
    """
    row = connection.execute(
        select(
            idempotency_records.c.method,
            idempotency_records.c.fingerprint,
            idempotency_records.c.response,
        ).where(idempotency_records.c.request_id == request_id)
    ).first()
    if row is None:
        return None
    if row.method != method or row.fingerprint != request_fingerprint:
        raise InvalidArgument.field(
            "request_id",
            f"was already used for a different {row.method} request; use a new request id",
        )
    return response_type.FromString(row.response)


def remember(
    connection: Connection,
    request_id: str,
    method: str,
    request_fingerprint: str,
    response: Message,
    now: datetime,
) -> None:
    """Records the response given to `request_id`, in the same transaction as the write."""
    try:
        connection.execute(
            insert(idempotency_records).values(
                request_id=request_id,
                method=method,
                fingerprint=request_fingerprint,
                response=response.SerializeToString(deterministic=True),
                create_time=now,
            )
        )
    except IntegrityError as exc:
        # A concurrent call with the same id committed first: run again and replay its answer.
        raise RetryTransaction("request id raced") from exc
