"""The error a client call raises: the gRPC status with its `google.rpc` details unpacked."""

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

    @classmethod
    def from_call(cls, error: grpc.RpcError) -> RPCError:
        """Unpacks the rich status of a failed call."""
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
        return cls(call.code(), call.details() or "", details)

    def detail(self, detail_type: type[Any]) -> Any:
        """The first detail of `detail_type`, or None."""
        return next((d for d in self.details if isinstance(d, detail_type)), None)

    @property
    def reason(self) -> str:
        """`ErrorInfo.reason`, e.g. `ETAG_MISMATCH`; empty when there is none."""
        info = self.detail(error_details_pb2.ErrorInfo)
        return str(info.reason) if info is not None else ""

    @property
    def field_violations(self) -> dict[str, str]:
        """BadRequest field violations: field path -> description."""
        bad = self.detail(error_details_pb2.BadRequest)
        if bad is None:
            return {}
        return {v.field: v.description for v in bad.field_violations}
