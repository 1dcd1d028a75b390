"""BatchCreateCustomers: many customers at once, every request applied, rejected or unchanged.

The requests are checked one by one (`onboarding.check`: what a single CreateCustomer would
refuse, this refuses for that request alone), their cross-references looked up in one query (as
committed, outside the transaction: `onboarding.taken`), and those that pass written together
(`onboarding.write`) in one transaction. A transaction that collides with a concurrent writer (a
cross-reference linked meanwhile) starts again from the top, so the request at fault is then
rejected and the others applied: nothing half-written, nothing lost.

**The load journal** makes a load idempotent at the grain of a line: with a `load_id`, each line
applied is journaled with the SM3 checksum of its request (its `request_id` aside) and the
customer it made, in the same transaction, and the ledger entries of a load's customers carry the
load id as their correlation id. A line journaled as applied is answered `UNCHANGED`
when it comes again the same, and refused (`LOAD_LINE_CHANGED`) when it comes different; a line
journaled as rejected is tried again (its data may have been corrected, or what refused it may
have changed), and journaled anew.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from customer_core.crypto import primitives
from customer_core.errors import CustomerCoreError, FieldViolation, InvalidArgument
from customer_core.kernel import access, onboarding, references
from customer_core.kernel import cross_references as xref_ops
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.record_codec import RecordCodec
from customer_core.ledger import recorder as ledger
from customer_core.storage.deferred import defer
from customer_core.storage.tables import customers, load_journal
from customer_core.v1 import customer_pb2, customer_service_pb2

#: Most requests one BatchCreateCustomers may carry.
MAX_BATCH = 1000
LOAD_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
LOAD_ID_RULE = "must be 1 to 128 letters, digits, '.', '_', ':' or '-'"

Outcome = customer_service_pb2.LoadOutcome
APPLIED, REJECTED, UNCHANGED = (
    Outcome.STATE_APPLIED,
    Outcome.STATE_REJECTED,
    Outcome.STATE_UNCHANGED,
)


def checksum(request: customer_service_pb2.CreateCustomerRequest) -> bytes:
    """SM3 of a request as a load journal compares it: deterministic, its request id aside."""
    copy = customer_service_pb2.CreateCustomerRequest()
    copy.CopyFrom(request)
    copy.request_id = ""
    return primitives.sm3(copy.SerializeToString(deterministic=True))


def rejected(line: int, error: CustomerCoreError) -> Outcome:
    """The outcome of a request refused as a single call would have been."""
    outcome = Outcome(
        line=line, state=REJECTED, code=error.code.name, reason=error.reason, message=error.message
    )
    for v in getattr(error, "violations", ()):
        outcome.field_violations.add(field=v.field, description=v.description)
    return outcome


def check_request(request: customer_service_pb2.BatchCreateCustomersRequest) -> None:
    """INVALID_ARGUMENT for a batch that is malformed as a whole (its requests are judged alone)."""
    found = []
    if not request.requests:
        found.append(FieldViolation("requests", "is required: at least one request"))
    elif len(request.requests) > MAX_BATCH:
        found.append(FieldViolation("requests", f"at most {MAX_BATCH} per call"))
    if request.load_id and not LOAD_ID.fullmatch(request.load_id):
        found.append(FieldViolation("load_id", LOAD_ID_RULE))
    if request.first_line < 0:
        found.append(FieldViolation("first_line", "must not be negative"))
    if found:
        raise InvalidArgument(found)


@dataclass
class _Line:
    index: int
    line: int
    checksum: bytes
    journaled: Any  # its journal row, if any


#: Told of a batch's created customers: (connection, checked requests, their rows, now).
Written = Callable[[Connection, Sequence[onboarding.Checked], Sequence[Any], datetime], None]


def create_customers(
    connection: Connection,
    codec: RecordCodec,
    request: customer_service_pb2.BatchCreateCustomersRequest,
    now: datetime,
    lookup: onboarding.Lookup,
    written: Written | None = None,
) -> customer_service_pb2.BatchCreateCustomersResponse:
    """BatchCreateCustomers: one outcome per request, in order (see the module docstring).

    `written` is told of the customers created, with their checked requests, in the same
    transaction (identification stores their match keys).
    """
    check_request(request)
    first = request.first_line or 1
    lines = [
        _Line(i, first + i, checksum(r) if request.load_id else b"", None)
        for i, r in enumerate(request.requests)
    ]
    if request.load_id:
        journal = _journaled(connection, request.load_id, first, first + len(lines) - 1)
        for item in lines:
            item.journaled = journal.get(item.line)
    outcomes: list[Outcome | None] = [None] * len(lines)
    unchanged: dict[int, uuid.UUID] = {}
    candidates: list[tuple[_Line, onboarding.Checked]] = []
    for item in lines:
        row = item.journaled
        if row is not None and row.outcome == "APPLIED":
            if bytes(row.checksum) == item.checksum:
                unchanged[item.index] = row.customer_id
            else:
                outcomes[item.index] = rejected(item.line, _changed(request.load_id, item))
            continue
        try:
            candidates.append(
                (item, onboarding.check(codec, request.requests[item.index], request.quality_mode))
            )
        except CustomerCoreError as exc:
            outcomes[item.index] = rejected(item.line, exc)
    existing = onboarding.taken(lookup, [checked for _, checked in candidates])
    claimed: set[xref_ops.Pair] = set()
    accepted: list[tuple[_Line, onboarding.Checked]] = []
    for item, checked in candidates:
        pairs = checked.pairs()
        conflict = next((p for p in pairs if p in existing or p in claimed), None)
        if conflict is not None:
            outcomes[item.index] = rejected(item.line, xref_ops.owned_elsewhere(*conflict))
            continue
        claimed.update(pairs)
        accepted.append((item, checked))
    ids, unresolved = onboarding.referenced(connection, [checked for _, checked in accepted])
    for (item, _), problems in zip(accepted, unresolved, strict=True):
        if problems:
            outcomes[item.index] = rejected(item.line, references.refused(problems))
    accepted = [pair for pair, problems in zip(accepted, unresolved, strict=True) if not problems]
    with ledger.attributed(connection, _provenance(connection, request.load_id)):
        created = onboarding.write(
            connection, codec, [checked for _, checked in accepted], now, ids
        )
        if written is not None:
            written(connection, [c for _, c in accepted], created, now)
    made: dict[int, uuid.UUID] = {}
    for (item, _), row in zip(accepted, created, strict=True):
        customer = customer_ops.to_proto(connection, row)
        outcomes[item.index] = Outcome(line=item.line, state=APPLIED, customer=customer)
        made[item.index] = row.id
    for index, customer in _customers(connection, unchanged).items():
        outcomes[index] = Outcome(line=lines[index].line, state=UNCHANGED, customer=customer)
    if request.load_id:
        _journal(connection, request.load_id, lines, outcomes, made, now)
    response = customer_service_pb2.BatchCreateCustomersResponse()
    for outcome in outcomes:
        assert outcome is not None  # every request has one
        response.outcomes.append(outcome)
    return response


def _provenance(connection: Connection, load_id: str) -> ledger.Provenance:
    """The caller's provenance, correlated by the load (if any) rather than the call."""
    caller = ledger.provenance_of(connection)
    return replace(caller, correlation_id=load_id) if load_id else caller


def _changed(load_id: str, item: _Line) -> InvalidArgument:
    return InvalidArgument(
        [
            FieldViolation(
                f"requests[{item.index}]",
                f"line {item.line} of load {load_id} was applied before with another request; "
                "a line once applied cannot change (load it under a new load id)",
            )
        ],
        reason="LOAD_LINE_CHANGED",
    )


def _journaled(connection: Connection, load_id: str, first: int, last: int) -> dict[int, Any]:
    rows = connection.execute(
        select(load_journal).where(
            load_journal.c.load_id == load_id, load_journal.c.line.between(first, last)
        )
    )
    return {int(r.line): r for r in rows}


def _customers(
    connection: Connection, wanted: dict[int, uuid.UUID]
) -> dict[int, customer_pb2.Customer]:
    """The customers lines applied before made (as they are now), in one query."""
    if not wanted:
        return {}
    rows = {
        r.id: r
        for r in connection.execute(
            select(customers).where(customers.c.id.in_(sorted(set(wanted.values()))))
        )
    }
    access.note_customers([row.customer_number for row in rows.values()])
    return {i: customer_ops.to_proto(connection, rows[cid]) for i, cid in wanted.items()}


def _journal(
    connection: Connection,
    load_id: str,
    lines: Sequence[_Line],
    outcomes: Sequence[Outcome | None],
    made: dict[int, uuid.UUID],
    now: datetime,
) -> None:
    """Journals what became of each line tried now, replacing the rejections it had before."""
    tried = [i for i in lines if i.journaled is None or i.journaled.outcome == "REJECTED"]
    again = [i.line for i in tried if i.journaled is not None]
    if again:
        connection.execute(
            delete(load_journal).where(
                load_journal.c.load_id == load_id, load_journal.c.line.in_(again)
            )
        )
    rows = []
    for item in tried:
        outcome = outcomes[item.index]
        assert outcome is not None
        applied = item.index in made
        rows.append(
            {
                "load_id": load_id,
                "line": item.line,
                "checksum": item.checksum,
                "outcome": "APPLIED" if applied else "REJECTED",
                "customer_id": made.get(item.index),
                "code": None if applied else outcome.code,
                "reason": None if applied else outcome.reason,
                "message": None if applied else outcome.message,
                "violations": None
                if applied
                else json.dumps([[v.field, v.description] for v in outcome.field_violations]),
                "create_time": now,
            }
        )
    defer(connection, load_journal, rows)
