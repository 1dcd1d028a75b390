"""The stewards' side of identification: the similar-customer list, merges by hand, unmerges,
not-same marks and each customer's merge history (ConsolidationService)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.errors import FailedPrecondition, InvalidArgument, NotFound
from customer_core.kernel import access, convert, pagination
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.matching import identify as ident
from customer_core.kernel.matching import keys as key_ops
from customer_core.kernel.matching import merging
from customer_core.kernel.matching.realtime import Identification
from customer_core.kernel.names import customer_name, parse_customer_name
from customer_core.storage.tables import customers, match_candidates, merges
from customer_core.v1 import consolidation_service_pb2 as pb
from customer_core.v1 import options_pb2

CANDIDATE_TYPE = "customer_core.v1.MatchCandidate"
_STATUS = {
    pb.MATCH_CANDIDATE_STATUS_UNSPECIFIED: ident.OPEN,
    pb.MATCH_CANDIDATE_STATUS_OPEN: ident.OPEN,
    pb.MATCH_CANDIDATE_STATUS_MERGED: ident.MERGED,
    pb.MATCH_CANDIDATE_STATUS_NOT_SAME: ident.NOT_SAME,
}


def _text(value: str, field: str) -> str:
    problem = customer_ops.text_problem(value, customer_ops.MAX_REASON)
    if problem is not None:
        raise InvalidArgument.field(field, problem)
    return value


def _parse_id(name: str, collection: str, field: str) -> uuid.UUID:
    if not name:
        raise InvalidArgument.field(field, "is required")
    try:
        if not name.startswith(collection + "/"):
            raise ValueError
        return uuid.UUID(name[len(collection) + 1 :])
    except ValueError:
        raise InvalidArgument.field(field, f"must have the form {collection}/{{id}}") from None


def _customer(connection: Connection, customer_id: uuid.UUID) -> Any:
    return connection.execute(select(customers).where(customers.c.id == customer_id)).one()


def _masked(
    connection: Connection, identification: Identification, customer: Any
) -> list[tuple[str, Message]]:
    codec = identification.codec
    found = []
    for row in merging.records_of(connection, customer.id):
        model = codec.registry.get(row.subject)
        if model is None or row.subject not in identification.policy.subjects():
            continue
        if not access.readable_subject(customer, row.subject):
            continue
        record = codec.to_proto(connection, row, customer)
        message = model.message_class()
        record.data.Unpack(message)
        found.append((row.subject, message))
    return found


def candidate_proto(
    connection: Connection, identification: Identification, row: Any
) -> pb.MatchCandidate:
    """A pair as a MatchCandidate: the older customer first, attributes side by side (masked
    unless the caller asked to see them and may)."""
    first, second = sorted(
        (_customer(connection, row.customer_a), _customer(connection, row.customer_b)),
        key=lambda c: (c.create_time, c.customer_number),
    )
    policy = identification.policy
    codec = identification.codec
    clear = [
        merging.plain_records(
            connection, codec, merging.records_of(connection, c.id), policy.subjects()
        )
        for c in (first, second)
    ]
    shown = [_masked(connection, identification, c) for c in (first, second)]
    attributes = []
    for attribute in policy.attributes(first.type):
        a, b = (key_ops.attribute_values(policy, records, attribute) for records in clear)
        agreement = (
            pb.AGREEMENT_MISSING
            if not a or not b
            else pb.AGREEMENT_AGREE
            if a & b
            else pb.AGREEMENT_DIFFER
        )
        subject, _, path = attribute.partition(".")
        attributes.append(
            pb.AttributeComparison(
                attribute=attribute,
                agreement=agreement,
                first_values=[
                    v for s, m in shown[0] if s == subject for v in key_ops.values_at(m, path)
                ],
                second_values=[
                    v for s, m in shown[1] if s == subject for v in key_ops.values_at(m, path)
                ],
            )
        )
    return pb.MatchCandidate(
        name=f"matchCandidates/{row.id}",
        customers=[customer_name(first.customer_number), customer_name(second.customer_number)],
        tier=options_pb2.MatchTier.Value(f"MATCH_TIER_{row.tier}"),  # type: ignore[arg-type]
        score=row.score,
        attributes=attributes,
        status=pb.MatchCandidateStatus.Value(f"MATCH_CANDIDATE_STATUS_{row.status}"),  # type: ignore[arg-type]
        origin=row.origin,
        actor=row.actor,
        comment=row.comment,
        create_time=convert.timestamp(row.create_time),
        update_time=convert.timestamp(row.update_time),
    )


def list_candidates(
    connection: Connection, identification: Identification, request: pb.ListMatchCandidatesRequest
) -> pb.ListMatchCandidatesResponse:
    """ListMatchCandidates: newest first; only pairs of two active customers the caller may read."""
    size = pagination.page_size(request.page_size)
    scope = f"{request.status}|{request.tier}|{request.customer}"
    after = pagination.decode_token(request.page_token, scope, (str, str))
    a = customers.alias("a")
    b = customers.alias("b")
    query = (
        select(match_candidates)
        .join(a, a.c.id == match_candidates.c.customer_a)
        .join(b, b.c.id == match_candidates.c.customer_b)
        .where(
            match_candidates.c.status == _STATUS.get(request.status, ident.OPEN),
            access.scope_clause(a.c.owning_org_unit),
            access.scope_clause(b.c.owning_org_unit),
        )
        .order_by(match_candidates.c.create_time.desc(), match_candidates.c.id.desc())
        .limit(size + 1)
    )
    if request.status in (pb.MATCH_CANDIDATE_STATUS_UNSPECIFIED, pb.MATCH_CANDIDATE_STATUS_OPEN):
        query = query.where(a.c.status == "ACTIVE", b.c.status == "ACTIVE")
    if request.tier:
        query = query.where(
            match_candidates.c.tier
            == options_pb2.MatchTier.Name(request.tier).removeprefix("MATCH_TIER_")
        )
    if request.customer:
        number = parse_customer_name(request.customer, "customer")
        query = query.where(or_(a.c.customer_number == number, b.c.customer_number == number))
    if after is not None:
        when = datetime.fromisoformat(after[0])
        query = query.where(
            or_(
                match_candidates.c.create_time < when,
                (match_candidates.c.create_time == when)
                & (match_candidates.c.id < uuid.UUID(after[1])),
            )
        )
    rows = connection.execute(query).all()
    page = [candidate_proto(connection, identification, r) for r in rows[:size]]
    access.note_customers(n.removeprefix("customers/") for c in page for n in c.customers)
    response = pb.ListMatchCandidatesResponse(candidates=page)
    if len(rows) > size:
        last = rows[size - 1]
        response.next_page_token = pagination.encode_token(
            [last.create_time.isoformat(), str(last.id)], scope
        )
    return response


def _load_pair(connection: Connection, names: Sequence[str]) -> list[Any]:
    if len(names) != 2:
        raise InvalidArgument.field("customers", "must name exactly two customers")
    numbers = [parse_customer_name(n, f"customers[{i}]") for i, n in enumerate(names)]
    if numbers[0] == numbers[1]:
        raise InvalidArgument.field("customers", "names the same customer twice")
    return [customer_ops.load(connection, n, roles.CUSTOMERS_MERGE) for n in numbers]


def merge_customers(
    connection: Connection, identification: Identification, request: pb.MergeCustomersRequest,
    now: datetime,
) -> pb.Merge:  # fmt: skip
    """MergeCustomers: a steward's merge of two customers (needs `customers.merge` over both)."""
    reason = _text(request.reason, "reason")
    a, b = _load_pair(connection, request.customers)
    if request.survivor:
        number = parse_customer_name(request.survivor, "survivor")
        if number not in (a.customer_number, b.customer_number):
            raise InvalidArgument.field("survivor", "must be one of the two customers")
        survivor, loser = (a, b) if a.customer_number == number else (b, a)
    else:
        survivor, loser = merging.choose_survivor(connection, identification.policy, a, b)
    return merging.merge(
        connection, identification.codec, identification.policy, survivor, loser, now,
        tier=merging.MANUAL, why=reason, actor=current().principal.name,
    )  # fmt: skip


def _merge_row(connection: Connection, name: str, field: str) -> Any:
    merge_id = _parse_id(name, "merges", field)
    row = connection.execute(select(merges).where(merges.c.id == merge_id)).first()
    if row is None:
        raise NotFound(merging.RESOURCE_TYPE, name, f"{name} does not exist")
    return row


def unmerge_customers(
    connection: Connection, identification: Identification, request: pb.UnmergeCustomersRequest,
    now: datetime,
) -> pb.Merge:  # fmt: skip
    """UnmergeCustomers: needs `customers.merge` over both customers."""
    reason = _text(request.reason, "reason")
    row = _merge_row(connection, request.merge, "merge")
    for customer_id in (row.survivor_id, row.loser_id):
        access.require(_customer(connection, customer_id), roles.CUSTOMERS_MERGE)
    latest = merging.latest_merge(connection, row.loser_id)
    if row.unmerge_time is None and (latest is None or latest.id != row.id):
        raise FailedPrecondition(
            f"{request.merge} is not the merged customer's latest merge",
            subject=request.merge,
            violation_type="MERGE_NOT_LATEST",
        )
    return merging.unmerge(
        connection, identification.codec, identification.policy, row, now,
        why=reason, actor=current().principal.name,
    )  # fmt: skip


def list_merges(connection: Connection, request: pb.ListMergesRequest) -> pb.ListMergesResponse:
    """ListMerges: the customer's merges as survivor or loser, newest first."""
    number = parse_customer_name(request.customer, "customer")
    customer = customer_ops.load(connection, number)
    size = pagination.page_size(request.page_size)
    after = pagination.decode_token(request.page_token, request.customer, (str, str))
    query = (
        select(merges)
        .where(or_(merges.c.survivor_id == customer.id, merges.c.loser_id == customer.id))
        .order_by(merges.c.create_time.desc(), merges.c.id.desc())
        .limit(size + 1)
    )
    if after is not None:
        when = datetime.fromisoformat(after[0])
        query = query.where(
            or_(
                merges.c.create_time < when,
                (merges.c.create_time == when) & (merges.c.id < uuid.UUID(after[1])),
            )
        )
    rows = connection.execute(query).all()
    response = pb.ListMergesResponse(merges=[merging.to_proto(connection, r) for r in rows[:size]])
    if len(rows) > size:
        last = rows[size - 1]
        response.next_page_token = pagination.encode_token(
            [last.create_time.isoformat(), str(last.id)], request.customer
        )
    return response


def mark_not_same(
    connection: Connection, identification: Identification, request: pb.MarkNotSameRequest,
    now: datetime,
) -> pb.MatchCandidate:  # fmt: skip
    """MarkNotSame: needs `customers.merge` over both customers of the pair."""
    comment = _text(request.comment, "comment")
    candidate_id = _parse_id(request.candidate, "matchCandidates", "candidate")
    row = connection.execute(
        select(match_candidates).where(match_candidates.c.id == candidate_id)
    ).first()
    if row is None:
        raise NotFound(CANDIDATE_TYPE, request.candidate, f"{request.candidate} does not exist")
    a, b = _customer(connection, row.customer_a), _customer(connection, row.customer_b)
    for customer in (a, b):
        access.require(customer, roles.CUSTOMERS_MERGE)
    if row.status != ident.OPEN:
        raise FailedPrecondition(
            f"{request.candidate} is {row.status}, not open",
            subject=request.candidate,
            violation_type="MATCH_CANDIDATE_CLOSED",
        )
    ident.decide_pair(
        connection, a.id, b.id, ident.NOT_SAME, now, actor=current().principal.name,
        comment=comment,
        keys_fingerprint=ident.fingerprint(
            ident.stored_keys(connection, a.id), ident.stored_keys(connection, b.id)
        ),
    )  # fmt: skip
    fresh = connection.execute(
        select(match_candidates).where(match_candidates.c.id == candidate_id)
    ).one()
    return candidate_proto(connection, identification, fresh)
