"""The exception hierarchy of customer-core.

Each error class carries its gRPC status code as a class attribute and its structured details
(`google.rpc` messages, AIP-193); one server interceptor turns them into a rich status, so no
servicer builds a status by hand. The client (`customer_core.client`) raises an `RPCError`
subclass per status code, with the same details; the `reason` codes are one table in the README.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import grpc
from google.protobuf import duration_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2

#: The `ErrorInfo.domain` of every error this service raises.
ERROR_DOMAIN = "customer-core"

__all__ = [
    "ERROR_DOMAIN",
    "Aborted",
    "AlreadyExists",
    "ConfigurationError",
    "CustomerCoreError",
    "DataLoss",
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "PluginRegistrationError",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
]


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request: `field` is a dotted path from the request message.

    `reason`, when set, is the `BadRequest.FieldViolation.reason`: the id of the data-quality
    rule that refused the value (UPPER_SNAKE_CASE).
    """

    field: str
    description: str
    reason: str = ""

    def under(self, prefix: str) -> FieldViolation:
        """The same violation with its path placed under `prefix`."""
        return FieldViolation(
            f"{prefix}.{self.field}" if self.field else prefix, self.description, self.reason
        )


class CustomerCoreError(Exception):
    """Base of every error customer-core reports to a caller.

    Attributes:
        code: the gRPC status code the error is reported with.
        reason: a short stable UPPER_SNAKE_CASE code, the `ErrorInfo.reason`.
        metadata: extra facts for `ErrorInfo.metadata`.
    """

    code: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL
    default_reason: ClassVar[str] = "INTERNAL"

    def __init__(
        self, message: str, *, reason: str | None = None, metadata: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = dict(metadata or {})

    def details(self) -> list[Message]:
        """The `google.rpc` detail messages of this error, `ErrorInfo` first."""
        return [
            error_details_pb2.ErrorInfo(
                reason=self.reason, domain=ERROR_DOMAIN, metadata=self.metadata
            )
        ]


class InvalidArgument(CustomerCoreError):
    """The request is malformed; `violations` names each bad field."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(self, violations: Iterable[FieldViolation], *, reason: str | None = None) -> None:
        self.violations: list[FieldViolation] = list(violations)
        if not self.violations:
            raise ValueError("InvalidArgument needs at least one field violation")
        summary = "; ".join(f"{v.field}: {v.description}" for v in self.violations[:5])
        if len(self.violations) > 5:
            summary += f"; and {len(self.violations) - 5} more"
        super().__init__(f"invalid request: {summary}", reason=reason)

    @classmethod
    def field(cls, field: str, description: str) -> InvalidArgument:
        """An error about a single field."""
        return cls([FieldViolation(field, description)])

    def details(self) -> list[Message]:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description, reason=v.reason
                )
                for v in self.violations
            ]
        )
        return [*super().details(), bad_request]


class _ResourceError(CustomerCoreError):
    def __init__(
        self, resource_type: str, resource_name: str, message: str, *, reason: str | None = None
    ) -> None:
        super().__init__(message, reason=reason)
        self.resource_type = resource_type
        self.resource_name = resource_name

    def details(self) -> list[Message]:
        info = error_details_pb2.ResourceInfo(
            resource_type=self.resource_type,
            resource_name=self.resource_name,
            description=self.message,
        )
        return [*super().details(), info]


class NotFound(_ResourceError):
    """The named resource does not exist (or is outside the caller's scope)."""

    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(_ResourceError):
    """The resource the request would create exists already."""

    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class Aborted(CustomerCoreError):
    """A concurrency conflict: a stale etag (AIP-154) or a transaction that kept conflicting."""

    code = grpc.StatusCode.ABORTED
    default_reason = "ABORTED"


class FailedPrecondition(CustomerCoreError):
    """The system is not in a state the request needs, e.g. a write to a closed customer."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"

    def __init__(
        self,
        message: str,
        *,
        subject: str,
        violation_type: str,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason or violation_type, metadata=metadata)
        self.subject = subject
        self.violation_type = violation_type

    def details(self) -> list[Message]:
        failure = error_details_pb2.PreconditionFailure(
            violations=[
                error_details_pb2.PreconditionFailure.Violation(
                    type=self.violation_type, subject=self.subject, description=self.message
                )
            ]
        )
        return [*super().details(), failure]


class Unauthenticated(CustomerCoreError):
    """The caller presented no valid credentials."""

    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class PermissionDenied(CustomerCoreError):
    """The caller may see the resource but not do this to it."""

    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unavailable(CustomerCoreError):
    """A dependency (the database, object storage) cannot be reached; the call may be retried."""

    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class DataLoss(CustomerCoreError):
    """Stored data is corrupt or missing (a document part that does not verify): nothing of it
    is served."""

    code = grpc.StatusCode.DATA_LOSS
    default_reason = "DATA_LOSS"


class ResourceExhausted(CustomerCoreError):
    """A limit of the server is reached (e.g. verifications running at once); try again later,
    after `retry_delay` seconds when it is given (sent as `RetryInfo`)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
        retry_delay: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_delay = retry_delay

    def details(self) -> list[Message]:
        if self.retry_delay is None:
            return super().details()
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(round(self.retry_delay * 1e9))
        return [*super().details(), error_details_pb2.RetryInfo(retry_delay=delay)]


class ConfigurationError(Exception):
    """Start-up refused: the settings are unsafe or inconsistent; the message says which."""


class PluginRegistrationError(Exception):
    """Start-up refused: one or more plugins do not fit the contract; `problems` lists every one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} plugin problem(s):\n{lines}")
