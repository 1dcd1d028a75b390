"""The Python client's public surface is pinned: what channel systems import stays importable."""

from __future__ import annotations

import grpc
import pytest

import customer_core.client as client
from customer_core.client import RPCError

EXPECTED = {
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
}


def test_the_client_exports_exactly_what_is_pinned() -> None:
    assert set(client.__all__) == EXPECTED
    assert all(hasattr(client, name) for name in EXPECTED)


class _FailedCall(grpc.RpcError):
    """A failed call as grpcio gives it to the client: a code and details, no rich status."""

    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return "it failed"

    def trailing_metadata(self) -> tuple[()]:
        return ()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (grpc.StatusCode.NOT_FOUND, "NotFoundError"),
        (grpc.StatusCode.INVALID_ARGUMENT, "InvalidArgumentError"),
        (grpc.StatusCode.ABORTED, "AbortedError"),
        (grpc.StatusCode.UNAVAILABLE, "UnavailableError"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "ResourceExhaustedError"),
        (grpc.StatusCode.PERMISSION_DENIED, "PermissionDeniedError"),
    ],
)
def test_each_status_code_is_raised_as_its_own_error_class(
    code: grpc.StatusCode, name: str
) -> None:
    error = RPCError.from_call(_FailedCall(code))
    assert type(error).__name__ == name and isinstance(error, RPCError)
    assert (error.code, error.message) == (code, "it failed")


def test_a_code_without_a_class_is_a_plain_rpc_error() -> None:
    error = RPCError.from_call(_FailedCall(grpc.StatusCode.DATA_LOSS))
    assert type(error) is RPCError and error.code == grpc.StatusCode.DATA_LOSS
