"""Request ids (AIP-155): a retried write returns the first answer and writes nothing twice."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import LargeBinary, TextClause, bindparam, select, text
from sqlalchemy.engine import Connection

from customer_core.errors import InvalidArgument
from customer_core.storage.tables import idempotency_records
from customer_core.storage.types import UTCDateTime

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


# Built once, the values bound at execution. The claim is written out: SQLAlchemy's ON CONFLICT
# constructs have no cache key, so they were compiled anew on every write; this SQL is the same
# on SQLite (3.35+), PostgreSQL and CockroachDB.
_CLAIM = text(
    "INSERT INTO idempotency_records (request_id, method, fingerprint, response, create_time)"
    " VALUES (:request_id, :method, :fingerprint, :response, :create_time)"
    " ON CONFLICT (request_id) DO NOTHING RETURNING request_id"
).bindparams(
    bindparam("response", type_=LargeBinary()), bindparam("create_time", type_=UTCDateTime())
)
_FIRST_ANSWER = select(
    idempotency_records.c.method, idempotency_records.c.fingerprint, idempotency_records.c.response
).where(idempotency_records.c.request_id == bindparam("request_id"))


def claim(
    request_id: str, method: str, request_fingerprint: str, response: Message, now: datetime
) -> tuple[TextClause, dict[str, Any]]:
    """The statement claiming `request_id` for this call, with the answer it gives, and its
    parameters: it yields the request id if the claim was made, and nothing if the id was
    claimed before (`first_answer` then has the answer to give instead).

    It runs last in the write's transaction, sent with the write's inserts (see
    `storage.deferred`). It is an `INSERT ... ON CONFLICT DO NOTHING`, not a lookup first: a
    lookup of a key that is not there yet would put a predicate lock on the index, and
    concurrent first calls would then fail each other's SERIALIZABLE transactions.
    """
    return _CLAIM, {
        "request_id": request_id,
        "method": method,
        "fingerprint": request_fingerprint,
        "response": response.SerializeToString(deterministic=True),
        "create_time": now,
    }


def first_answer(
    connection: Connection,
    request_id: str,
    method: str,
    request_fingerprint: str,
    response_type: type[M],
) -> M | None:
    """The answer given to the first call with `request_id`; None if no call has claimed it.

    Raises:
        InvalidArgument: the id was used before for a different request.
    """
    row = connection.execute(_FIRST_ANSWER, {"request_id": request_id}).first()
    if row is None:
        return None
    if row.method != method or row.fingerprint != request_fingerprint:
        raise InvalidArgument.field(
            "request_id",
            f"was already used for a different {row.method} request; use a new request id",
        )
    return response_type.FromString(row.response)
