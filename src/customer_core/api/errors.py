"""Exceptions to gRPC statuses with `google.rpc` details (AIP-193); used by the pipeline."""

from __future__ import annotations

import logging
import uuid

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status
from sqlalchemy.exc import DataError

from customer_core.errors import CustomerCoreError, InvalidArgument, Unavailable
from customer_core.storage.transaction import is_unreachable

log = logging.getLogger(__name__)


def to_status(error: CustomerCoreError) -> grpc.Status:
    """The rich gRPC status of a customer-core error."""
    details = []
    for detail in error.details():
        packed = any_pb2.Any()
        packed.Pack(detail)
        details.append(packed)
    return rpc_status.to_status(
        status_pb2.Status(code=error.code.value[0], message=error.message, details=details)
    )


def status_of(exc: Exception, method: str) -> grpc.Status:
    """The status a call that raised `exc` ends with: the error's own, UNAVAILABLE, or INTERNAL."""
    if isinstance(exc, CustomerCoreError):
        return to_status(exc)
    if isinstance(exc, DataError):  # a value no validator caught and the database refuses
        log.warning("database refused a value in %s: %s", method, exc.orig.__class__.__name__)
        return to_status(
            InvalidArgument.field(
                "request", "contains a value the database cannot store (e.g. a NUL character)"
            )
        )
    if is_unreachable(exc):
        return to_status(Unavailable("the database is unreachable", reason="DATABASE_UNAVAILABLE"))
    incident = uuid.uuid4().hex[:12]
    log.exception("internal error in %s (incident %s)", method, incident)
    return to_status(CustomerCoreError(f"internal error; incident {incident} is in the server log"))
