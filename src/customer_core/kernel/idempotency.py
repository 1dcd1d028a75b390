"""Request ids (AIP-155): a retried write returns the first answer and writes nothing twice."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from customer_core.errors import InvalidArgument
from customer_core.storage.tables import idempotency_records

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


def _insert(connection: Connection) -> Any:
    dialect = connection.dialect.name
    return (sqlite_insert if dialect == "sqlite" else pg_insert)(idempotency_records)


def claim(
    connection: Connection,
    request_id: str,
    method: str,
    request_fingerprint: str,
    response_type: type[M],
    now: datetime,
) -> M | None:
    """Claims `request_id` for this call; the first call's response when it was claimed before.

    The claim is an `INSERT ... ON CONFLICT DO NOTHING`, not a lookup first: a lookup of a key
    that is not there yet would put a predicate lock on the index, and concurrent first calls
    would then fail each other's SERIALIZABLE transactions.

    Raises:
        InvalidArgument: the id was used before for a different request.
    """
    claimed = connection.execute(
        _insert(connection)
        .values(
            request_id=request_id,
            method=method,
            fingerprint=request_fingerprint,
            response=b"",
            create_time=now,
        )
        .on_conflict_do_nothing(index_elements=["request_id"])
        .returning(idempotency_records.c.request_id)
    ).first()
    if claimed is not None:
        return None
    row = connection.execute(
        select(
            idempotency_records.c.method,
            idempotency_records.c.fingerprint,
            idempotency_records.c.response,
        ).where(idempotency_records.c.request_id == request_id)
    ).one()
    if row.method != method or row.fingerprint != request_fingerprint:
        raise InvalidArgument.field(
            "request_id",
            f"was already used for a different {row.method} request; use a new request id",
        )
    return response_type.FromString(row.response)


def remember(connection: Connection, request_id: str, response: Message) -> None:
    """Records the response given to `request_id`, in the same transaction as the write."""
    connection.execute(
        update(idempotency_records)
        .where(idempotency_records.c.request_id == request_id)
        .values(response=response.SerializeToString(deterministic=True))
    )
