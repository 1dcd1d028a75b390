"""WatchChanges: sealed ledger entries in offset order, then new ones as blocks seal them.

The stream reads `ledger_offsets` joined to `ledger_entries` from the next offset it owes the
watcher, in short read transactions (none is held while the watcher is sent anything), and polls
when it has caught up. It walks offsets one by one and never past a hole, so an entry is sent
once and in order, and a watcher that reconnects from its last offset + 1 misses nothing.

What a watcher is sent: entries of customers its `customers.read` and `ledger.watch` scopes both
cover (decided on the customer's owning org unit when the entry is sent, looked up in the same
read), of the subject models its channel scope may read; kernel-wide entries (role bindings,
keys: chains `system/...`) only to watchers whose scopes cover the whole bank. The filters of the
request (`exclude_source_system`, `subjects`) apply on top.

After each read (so at least once a poll while it has nothing to send) the generator yields
`None`: a heartbeat the pipeline does not forward but uses to notice a cancelled call and to
re-check the caller's credentials, so a stream does not outlive a revoked token or binding.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.authz.principal import WHOLE_BANK, Principal
from customer_core.errors import InvalidArgument
from customer_core.ledger.history import KERNEL_SUBJECTS
from customer_core.ledger.stream import BATCH, POLL_INTERVAL, sealed_from
from customer_core.v1 import ledger_pb2

T = TypeVar("T")


class Reader(Protocol):
    """Runs a read-only unit of work and returns its result (`Kernel.read`)."""

    def __call__(self, work: Callable[[Connection], T]) -> T: ...


_MAX_SUBJECTS = 100
_MAX_SUBJECT = 64


def may_see(principal: Principal, customer_id: Any, org_unit: str | None, subject: str) -> bool:
    """True when `principal`, watching, may be sent this change."""
    if customer_id is None:  # a kernel-wide chain
        return principal.allows(roles.CUSTOMERS_READ, WHOLE_BANK) and principal.allows(
            roles.LEDGER_WATCH, WHOLE_BANK
        )
    if org_unit is None:
        return False
    if not (
        principal.allows(roles.CUSTOMERS_READ, org_unit)
        and principal.allows(roles.LEDGER_WATCH, org_unit)
    ):
        return False
    return subject in KERNEL_SUBJECTS or principal.allows_subject(
        roles.RECORDS_READ, subject, org_unit
    )


def _check(request: ledger_pb2.WatchChangesRequest) -> None:
    if request.from_offset < 0:
        raise InvalidArgument.field("from_offset", "must not be negative (offsets start at 1)")
    if len(request.subjects) > _MAX_SUBJECTS:
        raise InvalidArgument.field("subjects", f"at most {_MAX_SUBJECTS}")
    for i, subject in enumerate(request.subjects):
        if not subject or len(subject) > _MAX_SUBJECT:
            raise InvalidArgument.field(f"subjects[{i}]", "is not a subject name")
    if len(request.exclude_source_system) > 32:
        raise InvalidArgument.field("exclude_source_system", "is not a source system code")


def watch(
    read: Reader,
    request: ledger_pb2.WatchChangesRequest,
    *,
    poll: float = POLL_INTERVAL,
    batch: int = BATCH,
) -> Iterator[ledger_pb2.LedgerEntry | None]:
    """The entries owed to the calling watcher, forever; `None` is a heartbeat (see above).

    Runs as the caller (the pipeline sets the call context around every step); `read` runs a
    read-only unit of work (`Kernel.read`).
    """
    _check(request)
    subjects = frozenset(request.subjects)
    exclude = request.exclude_source_system
    next_offset = max(1, request.from_offset)
    while True:
        first = next_offset
        rows = read(functools.partial(sealed_from, first=first, limit=batch))
        principal = current().principal  # re-read: the pipeline re-checks it while streaming
        for row in rows:
            if row.offset != next_offset:  # a hole: an earlier block is not visible yet
                break
            next_offset += 1
            if exclude and row.source_system == exclude:
                continue
            entry = ledger_pb2.LedgerEntry.FromString(row.entry)
            if subjects and entry.subject not in subjects:
                continue
            if not may_see(principal, row.customer_id, row.owning_org_unit, entry.subject):
                continue
            entry.offset = row.offset
            entry.hash = row.hash
            yield entry
        if next_offset - first < batch:  # caught up (or stopped at a hole): wait for more
            time.sleep(poll)
        yield None
