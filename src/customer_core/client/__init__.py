"""The Python client for channel systems.

from customer_core.client import Client, NotFoundError

with Client("127.0.0.1:50051", token=...) as client:
    try:
        customer = client.lookup("CORE", "0012345")
    except NotFoundError:
        ...

Every failed call raises `RPCError`, as the subclass of its status code.
"""

from __future__ import annotations

from customer_core.client._client import (
    ChangeStream,
    Client,
    customer_name,
    pack,
    subject_of,
    unpack,
)
from customer_core.client._errors import (
    AbortedError,
    AlreadyExistsError,
    CancelledError,
    DeadlineExceededError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    RPCError,
    UnauthenticatedError,
    UnavailableError,
)

__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "ChangeStream",
    "Client",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "PermissionDeniedError",
    "RPCError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "customer_name",
    "pack",
    "subject_of",
    "unpack",
]
