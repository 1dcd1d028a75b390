"""The call being served: its principal, and what it touched, for authorization and audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from customer_core.authz.principal import Principal
from customer_core.errors import Unauthenticated


@dataclass
class CallContext:
    """One RPC's security context.

    Attributes:
        principal: the authenticated caller.
        unmask_reason: the reason the caller gave for seeing sensitive values in clear, if any.
        customers: numbers of the customers the call read or changed.
        unmasked: sensitive fields shown in clear, as `record name#field path`.
        reason: a reason to audit besides the unmask reason (e.g. erasure's legal basis).
        method: the RPC being served.
        request_id: the request id of a write.
        source_system: the source system the caller acts for (`x-source-system`), if any.
    """

    principal: Principal
    unmask_reason: str = ""
    customers: set[str] = field(default_factory=set)
    unmasked: list[str] = field(default_factory=list)
    reason: str = ""
    method: str = ""
    request_id: str = ""
    source_system: str = ""


_current: ContextVar[CallContext | None] = ContextVar("customer_core_call", default=None)


def current() -> CallContext:
    """The context of the call being served; UNAUTHENTICATED outside of one (fail closed)."""
    ctx = _current.get()
    if ctx is None:
        raise Unauthenticated("no authenticated caller")
    return ctx


def current_or_none() -> CallContext | None:
    """The context of the call being served, if any (kernel jobs run outside calls)."""
    return _current.get()


@contextmanager
def acting_as(ctx: CallContext) -> Iterator[CallContext]:
    """Runs the block as `ctx`'s principal."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
