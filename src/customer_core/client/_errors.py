"""The errors a client call raises: the gRPC status with its `google.rpc` details unpacked.

Every failed call raises `RPCError`; more precisely, the subclass of its status code
(`NotFoundError`, `InvalidArgumentError`, `AbortedError`, ...), so a caller can catch what it
handles and let the rest through. `ErrorInfo.reason` (`error.reason`) is the stable, documented
code within a status (README, "Errors"); `error.field_violations` names the bad fields.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

_DETAIL_TYPES: tuple[type[Message], ...] = (
    error_details_pb2.ErrorInfo,
    error_details_pb2.BadRequest,
    error_details_pb2.ResourceInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.RetryInfo,
)


class RPCError(Exception):
    """A call failed.

    Attributes:
        code: the gRPC status code.
        message: the status message.
        details: the `google.rpc` detail messages (ErrorInfo, BadRequest, ResourceInfo...).
    """

    def __init__(self, code: grpc.StatusCode, message: str, details: list[Message]) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.details = details

    #: The status code of this class's errors (None for the base and unknown codes).
    status_code: grpc.StatusCode | None = None

    @classmethod
    def from_call(cls, error: grpc.RpcError) -> RPCError:
        """Unpacks the rich status of a failed call, as the error class of its code."""
        call: Any = error
        details: list[Message] = []
        status = rpc_status.from_call(call)
        if status is not None:
            for packed in status.details:
                for detail_type in _DETAIL_TYPES:
                    if packed.Is(detail_type.DESCRIPTOR):
                        detail = detail_type()
                        packed.Unpack(detail)
                        details.append(detail)
        code = call.code()
        return _BY_CODE.get(code, cls)(code, call.details() or "", details)

    def detail(self, detail_type: type[Any]) -> Any:
        """The first detail of `detail_type`, or None."""
        return next((d for d in self.details if isinstance(d, detail_type)), None)

    @property
    def reason(self) -> str:
        """`ErrorInfo.reason`, e.g. `ETAG_MISMATCH`; empty when there is none."""
        info = self.detail(error_details_pb2.ErrorInfo)
        return str(info.reason) if info is not None else ""

    @property
    def retry_delay(self) -> float | None:
        """Seconds the server asks the caller to wait before trying again (`RetryInfo`), or None."""
        info = self.detail(error_details_pb2.RetryInfo)
        if info is None or not info.HasField("retry_delay"):
            return None
        return float(info.retry_delay.ToNanoseconds()) / 1e9

    @property
    def field_violations(self) -> dict[str, str]:
        """BadRequest field violations: field path -> description."""
        bad = self.detail(error_details_pb2.BadRequest)
        if bad is None:
            return {}
        return {v.field: v.description for v in bad.field_violations}


class InvalidArgumentError(RPCError):
    """The request is malformed: `field_violations` names each bad field."""

    status_code = grpc.StatusCode.INVALID_ARGUMENT


class NotFoundError(RPCError):
    """The resource does not exist, or is outside the caller's data scope (indistinguishably)."""

    status_code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(RPCError):
    """What the request would create exists already (e.g. a cross-reference of another customer)."""

    status_code = grpc.StatusCode.ALREADY_EXISTS


class FailedPreconditionError(RPCError):
    """The resource is not in a state the request needs (e.g. a write to a closed customer)."""

    status_code = grpc.StatusCode.FAILED_PRECONDITION


class AbortedError(RPCError):
    """A concurrency conflict: a stale etag (`reason` ETAG_MISMATCH); read again and retry."""

    status_code = grpc.StatusCode.ABORTED


class UnauthenticatedError(RPCError):
    """No valid credentials: a missing, malformed, expired or revoked token."""

    status_code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDeniedError(RPCError):
    """The caller's roles or scopes do not allow this."""

    status_code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhaustedError(RPCError):
    """A limit was reached (e.g. concurrent ledger verifications); retry later."""

    status_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class UnavailableError(RPCError):
    """The server or its database cannot be reached; the call may be retried."""

    status_code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceededError(RPCError):
    """The call did not finish within its deadline."""

    status_code = grpc.StatusCode.DEADLINE_EXCEEDED


class CancelledError(RPCError):
    """The call was cancelled."""

    status_code = grpc.StatusCode.CANCELLED


class InternalError(RPCError):
    """A server fault (never a caller's mistake); its message names an incident in the server log."""

    status_code = grpc.StatusCode.INTERNAL


_BY_CODE: dict[grpc.StatusCode, type[RPCError]] = {
    c.status_code: c for c in RPCError.__subclasses__() if c.status_code is not None
}
