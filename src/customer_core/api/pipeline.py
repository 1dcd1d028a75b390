"""The request pipeline, implemented once for every RPC as one server interceptor.

authenticate (bearer token or mTLS client certificate) -> authorize the method -> run the handler
as the caller -> turn any exception into a rich status -> audit the call. A method with no entry
in the permission table is refused, so nothing can be served around the pipeline.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from customer_core.api.errors import status_of, to_status
from customer_core.api.policy import DURABLY_AUDITED, PERMISSIONS, PUBLIC_SERVICES
from customer_core.authz import bindings
from customer_core.authz.audit import AuditRecord
from customer_core.authz.context import CallContext, acting_as
from customer_core.authz.principal import Grant, Principal
from customer_core.caching import TTLMap
from customer_core.errors import (
    CustomerCoreError,
    FieldViolation,
    InvalidArgument,
    PermissionDenied,
    Unauthenticated,
)
from customer_core.identifiers import SOURCE_SYSTEM as SOURCE_SYSTEM_CODE
from customer_core.identifiers import SOURCE_SYSTEM_RULE
from customer_core.kernel.app import Kernel
from customer_core.storage.transaction import run_in_transaction

log = logging.getLogger(__name__)

#: Metadata key of the reason a caller gives for seeing sensitive values in clear.
UNMASK_REASON = "x-unmask-reason"
#: Metadata key of the source system a caller acts for (recorded in the ledger).
SOURCE_SYSTEM = "x-source-system"
_END = object()


class Undecodable:
    """What a request that is not a valid message of its method's type deserializes to.

    grpcio answers INTERNAL when a deserializer raises; the pipeline's deserializer returns this
    instead, so the call is admitted, refused with INVALID_ARGUMENT and audited like any other.
    """

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def error(self) -> InvalidArgument:
        violation = FieldViolation("request", f"is not a valid {self.type_name} message")
        return InvalidArgument([violation], reason="REQUEST_UNDECODABLE")


def _lenient(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """`deserialize`, answering `Undecodable` instead of raising for bytes it cannot parse."""
    if deserialize is None:
        return None
    # A generated stub's deserializer is a message class's `FromString`: name the message type.
    owner = getattr(deserialize, "__self__", None)
    descriptor = getattr(owner, "DESCRIPTOR", None)
    type_name = getattr(descriptor, "full_name", "request")

    def parse(data: bytes) -> Any:
        try:
            return deserialize(data)
        except Exception:  # DecodeError, or whatever a custom deserializer raises
            return Undecodable(type_name)

    return parse


class GrantCache:
    """Principals' grants, re-read at most every `ttl` seconds (binding changes apply within it)."""

    def __init__(self, kernel: Kernel, ttl: float = 5.0) -> None:
        self._kernel = kernel
        self._items: TTLMap[str, tuple[Grant, ...]] = TTLMap(ttl)

    def get(self, principal: str) -> tuple[Grant, ...]:
        grants = self._items.get(principal)
        if grants is None:
            roles = self._kernel.registry.roles
            grants = run_in_transaction(
                self._kernel.engine, lambda c: bindings.grants_of(c, principal, roles), write=False
            )
            self._items.put(principal, grants)
        return grants

    def clear(self) -> None:
        self._items.clear()


class Pipeline(grpc.ServerInterceptor):
    """Authenticates, authorizes, runs, maps errors and audits every call."""

    def __init__(self, kernel: Kernel, *, recheck_interval: float | None = None) -> None:
        self.kernel = kernel
        self.grants = GrantCache(kernel)
        #: The permission each method needs: the kernel's table and the plugins' services'.
        self.permissions = {**PERMISSIONS, **kernel.registry.service_permissions()}
        self._guarded: dict[str, tuple[Any, Any]] = {}
        #: Seconds between re-checks of a streaming caller's credentials and permission (by
        #: default as often as revoked tokens are read, so a revoked token's stream ends as soon).
        self.recheck_interval = (
            kernel.settings.token_revocation_interval
            if recheck_interval is None
            else recheck_interval
        )

    def authenticate(self, context: grpc.ServicerContext) -> Principal:
        """The caller, from its bearer token or else its client certificate."""
        metadata = dict(context.invocation_metadata())
        header = metadata.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated(
                    "authorization must be 'Bearer <token>'", reason="TOKEN_MALFORMED"
                )
            claims = self.kernel.tokens.verify(token.strip())
            return Principal(
                claims.principal, self.grants.get(claims.principal), "token"
            ).restricted_to(claims.roles)
        names = context.auth_context().get("x509_common_name")
        if names:
            name = names[0].decode()
            return Principal(name, self.grants.get(name), "mtls")
        raise Unauthenticated(
            "no credentials: send a bearer token or a client certificate", reason="NO_CREDENTIALS"
        )

    def intercept_service(
        self, continuation: Callable[[Any], Any], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        # The server's handlers never change, so each is wrapped once (keyed by identity, so a
        # different handler for the same method could never be served by a stale wrapper).
        guarded = self._guarded.get(details.method)
        if guarded is None or guarded[0] is not handler:
            guarded = (handler, self._guard(details.method, handler))
            self._guarded[details.method] = guarded
        return guarded[1]

    def _guard(self, method: str, handler: Any) -> Any:
        """`handler` served through the pipeline (public services, such as health, as they are)."""
        if method.split("/")[1] in PUBLIC_SERVICES:
            return handler
        if handler.unary_unary is not None:
            inner = handler.unary_unary

            def guarded(request: Any, context: grpc.ServicerContext) -> Any:
                return self._serve(method, inner, request, context)

            return grpc.unary_unary_rpc_method_handler(
                guarded,
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            producer = handler.unary_stream

            def guarded_stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                return self._serve_stream(method, producer, request, context)

            return grpc.unary_stream_rpc_method_handler(
                guarded_stream,
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary is not None:
            consumer = handler.stream_unary

            def guarded_upload(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
                return self._serve_upload(method, consumer, requests, context)

            return grpc.stream_unary_rpc_method_handler(
                guarded_upload,
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        # Every kernel RPC is unary, server-streaming or client-streaming; refuse anything else.
        return _refuse(handler, PermissionDenied(f"{method} is not served"))

    def _admit(self, method: str, request: Any, context: grpc.ServicerContext) -> CallContext:
        """The call's security context, with the caller authenticated (not yet authorized)."""
        principal = self.authenticate(context)
        metadata = dict(context.invocation_metadata())
        source_system = metadata.get(SOURCE_SYSTEM, "").strip()
        if source_system and not SOURCE_SYSTEM_CODE.fullmatch(source_system):
            raise InvalidArgument.field(SOURCE_SYSTEM, SOURCE_SYSTEM_RULE)
        ctx = CallContext(
            principal,
            unmask_reason=metadata.get(UNMASK_REASON, "").strip(),
            method=method,
            request_id=_request_id(request),
            source_system=source_system,
        )
        return ctx

    def _serve(
        self, method: str, inner: Callable[..., Any], request: Any, context: grpc.ServicerContext
    ) -> Any:
        ctx: CallContext | None = None
        outcome = "OK"
        try:
            ctx = self._admit(method, request, context)
            # after ctx: a refusal is audited as the caller's
            _authorize(method, ctx.principal, self.permissions)
            if isinstance(request, Undecodable):
                raise request.error()
            with acting_as(ctx):
                response = inner(request, context)
            return response
        except Exception as exc:
            status = status_of(exc, method)
            outcome = _outcome_of(exc, status)
            context.abort_with_status(status)
        finally:
            self._audit(method, request, ctx, outcome)

    def _serve_stream(
        self, method: str, producer: Callable[..., Any], request: Any, context: grpc.ServicerContext
    ) -> Iterator[Any]:
        """A server-streaming call: admitted like a unary one before anything is sent.

        The handler's iterator runs as the caller one step at a time (the call context is set
        around each step and reset before the message leaves), errors end the stream with their
        status, and the call is audited once, when the stream ends (`CANCELLED` when the client
        went away). A step may produce `None`, a heartbeat that is not sent: then a cancelled call
        is noticed, and every `recheck_interval` seconds the caller is authenticated and
        authorized again, so a stream ends once its token is revoked or expires, or the caller
        loses the permission.
        """
        ctx: CallContext | None = None
        outcome = "OK"
        responses: Iterator[Any] | None = None
        try:
            ctx = self._admit(method, request, context)
            _authorize(method, ctx.principal, self.permissions)
            if isinstance(request, Undecodable):
                raise request.error()
            checked = time.monotonic()
            with acting_as(ctx):
                responses = iter(producer(request, context))
            while True:
                with acting_as(ctx):
                    item = next(responses, _END)
                if item is _END:
                    break
                if item is not None:
                    yield item
                    continue
                if not context.is_active():
                    break
                if time.monotonic() - checked >= self.recheck_interval:
                    ctx.principal = self.authenticate(context)
                    _authorize(method, ctx.principal, self.permissions)
                    checked = time.monotonic()
            if not context.is_active():
                outcome = "CANCELLED"
        except GeneratorExit:  # the client went away while a message was being sent
            outcome = "CANCELLED"
            raise
        except Exception as exc:
            status = status_of(exc, method)
            outcome = _outcome_of(exc, status)
            context.abort_with_status(status)
        finally:
            close = getattr(responses, "close", None)
            if close is not None and ctx is not None:
                with acting_as(ctx):
                    close()
            self._audit(method, request, ctx, outcome)

    def _serve_upload(
        self,
        method: str,
        consumer: Callable[..., Any],
        requests: Iterator[Any],
        context: grpc.ServicerContext,
    ) -> Any:
        """A client-streaming call (an upload): admitted before its first message is read; a
        message that does not decode ends it with INVALID_ARGUMENT; audited once, at its end."""
        ctx: CallContext | None = None
        outcome = "OK"

        def decoded() -> Iterator[Any]:
            for message in requests:
                if isinstance(message, Undecodable):
                    raise message.error()
                yield message

        try:
            ctx = self._admit(method, None, context)
            _authorize(method, ctx.principal, self.permissions)
            with acting_as(ctx):
                return consumer(decoded(), context)
        except grpc.RpcError:
            if context.is_active():
                raise
            outcome = "CANCELLED"  # the client went away mid-stream: nothing to answer
            return None
        except Exception as exc:
            status = status_of(exc, method)
            outcome = _outcome_of(exc, status)
            context.abort_with_status(status)
        finally:
            self._audit(method, None, ctx, outcome)

    def _audit(self, method: str, request: Any, ctx: CallContext | None, outcome: str) -> None:
        if ctx is None:
            record = AuditRecord(
                "(unauthenticated)", method, outcome, request_id=_request_id(request)
            )
            self.kernel.audit.record(record)
            return
        reason = ctx.reason or ctx.unmask_reason
        record = AuditRecord(
            ctx.principal.name,
            method,
            outcome,
            tuple(sorted(ctx.customers)),
            tuple(ctx.unmasked),
            reason,
            _request_id(request),
        )
        durable = bool(ctx.unmasked) or method in DURABLY_AUDITED
        try:
            self.kernel.audit.record(record, durable=durable)
        except Exception:  # the call already happened; losing its audit must be loud
            log.exception("could not audit %s by %s", method, ctx.principal.name)
            if durable:
                raise


def _authorize(method: str, principal: Principal, permissions: dict[str, str]) -> None:
    """PERMISSION_DENIED unless `principal` holds the permission `method` needs somewhere."""
    permission = permissions.get(method)
    if permission is None or not principal.allows_anywhere(permission):
        raise PermissionDenied(
            f"{principal.name} may not call {method.rsplit('/', 1)[-1]}",
            metadata={"permission": permission or "none"},
        )


def _outcome_of(exc: Exception, status: grpc.Status) -> str:
    """The audit outcome of a call that raised `exc` and ends with `status`: the code's name."""
    if isinstance(exc, CustomerCoreError):
        return exc.code.name
    return (
        grpc.StatusCode(status.code).name
        if isinstance(status.code, grpc.StatusCode)
        else "INTERNAL"
    )


def _request_id(request: Any) -> str:
    value = getattr(request, "request_id", "")
    try:
        return str(uuid.UUID(value)) if value else ""
    except ValueError:
        return ""


def _refuse(handler: Any, error: CustomerCoreError) -> Any:
    def refuse(request: Any, context: grpc.ServicerContext) -> Any:
        context.abort_with_status(to_status(error))

    return grpc.unary_unary_rpc_method_handler(
        refuse,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
