"""One interceptor turns every exception into a gRPC status with `google.rpc` details (AIP-193)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status

from customer_core.errors import CustomerCoreError, Unavailable
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


def _status_of(exc: Exception, method: str) -> grpc.Status:
    if isinstance(exc, CustomerCoreError):
        return to_status(exc)
    if is_unreachable(exc):
        return to_status(Unavailable("the database is unreachable", reason="DATABASE_UNAVAILABLE"))
    incident = uuid.uuid4().hex[:12]
    log.exception("internal error in %s (incident %s)", method, incident)
    return to_status(CustomerCoreError(f"internal error; incident {incident} is in the server log"))


class ErrorInterceptor(grpc.ServerInterceptor):
    """Maps exceptions raised by unary and server-streaming handlers to statuses."""

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        if handler.unary_unary is not None:
            inner = handler.unary_unary

            def unary(request: Any, context: grpc.ServicerContext) -> Any:
                try:
                    return inner(request, context)
                except Exception as exc:
                    context.abort_with_status(_status_of(exc, method))

            return grpc.unary_unary_rpc_method_handler(
                unary,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            inner_stream = handler.unary_stream

            def stream(request: Any, context: grpc.ServicerContext) -> Any:
                try:
                    yield from inner_stream(request, context)
                except Exception as exc:
                    context.abort_with_status(_status_of(exc, method))

            return grpc.unary_stream_rpc_method_handler(
                stream,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler
