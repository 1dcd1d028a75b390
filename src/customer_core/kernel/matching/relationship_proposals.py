"""The stewards' side of relationship discovery: list, confirm and reject the proposals the
end-of-day job makes (`relationships`), in ConsolidationService."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from google.protobuf.any_pb2 import Any as AnyMessage
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.errors import FailedPrecondition, InvalidArgument, NotFound
from customer_core.kernel import access, convert, pagination
from customer_core.kernel import customers as customer_ops
from customer_core.kernel import records as record_ops
from customer_core.kernel.matching import relationships as rel
from customer_core.kernel.names import customer_name, parse_customer_name, parse_record_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.ledger import recorder as ledger
from customer_core.storage.tables import customers, relationship_proposals
from customer_core.v1 import consolidation_service_pb2 as pb
from customer_core.v1 import customer_pb2, customer_service_pb2

PROPOSAL_TYPE = "customer_core.v1.RelationshipProposal"
_STATUS = {
    pb.RELATIONSHIP_PROPOSAL_STATUS_UNSPECIFIED: rel.OPEN,
    pb.RELATIONSHIP_PROPOSAL_STATUS_OPEN: rel.OPEN,
    pb.RELATIONSHIP_PROPOSAL_STATUS_CONFIRMED: rel.CONFIRMED,
    pb.RELATIONSHIP_PROPOSAL_STATUS_REJECTED: rel.REJECTED,
}
#: The kinds a family proposal may be confirmed as.
FAMILY_KINDS = frozenset(
    {
        rel.FAMILY,
        "RELATIONSHIP_KIND_SPOUSE",
        "RELATIONSHIP_KIND_PARENT",
        "RELATIONSHIP_KIND_CHILD",
    }
)
_table = relationship_proposals
_Decision = pb.ConfirmRelationshipProposalRequest | pb.RejectRelationshipProposalRequest


def _customer(connection: Connection, customer_id: uuid.UUID) -> Any:
    return connection.execute(select(customers).where(customers.c.id == customer_id)).one()


def to_proto(connection: Connection, row: Any) -> pb.RelationshipProposal:
    """A proposal as the API shows it."""
    owner, other = _customer(connection, row.owner_id), _customer(connection, row.counterparty_id)
    return pb.RelationshipProposal(
        name=f"relationshipProposals/{row.id}",
        owner=customer_name(owner.customer_number),
        counterparty=customer_name(other.customer_number),
        kind=row.kind,
        title=row.title,
        evidence=[e for e in row.evidence.split(",") if e],
        status=pb.RelationshipProposalStatus.Value(f"RELATIONSHIP_PROPOSAL_STATUS_{row.status}"),  # type: ignore[arg-type]
        record=(
            f"{customer_name(owner.customer_number)}/records/{row.record_id}"
            if row.record_id
            else ""
        ),
        actor=row.actor,
        comment=row.comment,
        create_time=convert.timestamp(row.create_time),
        update_time=convert.timestamp(row.update_time),
    )


def list_proposals(
    connection: Connection, request: pb.ListRelationshipProposalsRequest
) -> pb.ListRelationshipProposalsResponse:
    """ListRelationshipProposals: newest first; only those whose customers the caller may read."""
    size = pagination.page_size(request.page_size)
    scope = f"{request.status}|{request.customer}"
    after = pagination.decode_token(request.page_token, scope, (str, str))
    a = customers.alias("a")
    b = customers.alias("b")
    query = (
        select(_table)
        .join(a, a.c.id == _table.c.owner_id)
        .join(b, b.c.id == _table.c.counterparty_id)
        .where(
            _table.c.status == _STATUS.get(request.status, rel.OPEN),
            access.scope_clause(a.c.owning_org_unit),
            access.scope_clause(b.c.owning_org_unit),
        )
        .order_by(_table.c.create_time.desc(), _table.c.id.desc())
        .limit(size + 1)
    )
    if request.status in (
        pb.RELATIONSHIP_PROPOSAL_STATUS_UNSPECIFIED,
        pb.RELATIONSHIP_PROPOSAL_STATUS_OPEN,
    ):
        query = query.where(a.c.status == "ACTIVE", b.c.status == "ACTIVE")
    if request.customer:
        number = parse_customer_name(request.customer, "customer")
        query = query.where(or_(a.c.customer_number == number, b.c.customer_number == number))
    if after is not None:
        when = datetime.fromisoformat(after[0])
        query = query.where(
            or_(
                _table.c.create_time < when,
                (_table.c.create_time == when) & (_table.c.id < uuid.UUID(after[1])),
            )
        )
    rows = connection.execute(query).all()
    page = [to_proto(connection, r) for r in rows[:size]]
    access.note_customers(
        n.removeprefix("customers/") for p in page for n in (p.owner, p.counterparty)
    )
    response = pb.ListRelationshipProposalsResponse(proposals=page)
    if len(rows) > size:
        last = rows[size - 1]
        response.next_page_token = pagination.encode_token(
            [last.create_time.isoformat(), str(last.id)], scope
        )
    return response


def _open_proposal(connection: Connection, request: _Decision) -> Any:
    name = request.proposal
    if not name:
        raise InvalidArgument.field("proposal", "is required")
    try:
        if not name.startswith("relationshipProposals/"):
            raise ValueError
        proposal_id = uuid.UUID(name.removeprefix("relationshipProposals/"))
    except ValueError:
        raise InvalidArgument.field(
            "proposal", "must have the form relationshipProposals/{id}"
        ) from None
    row = connection.execute(select(_table).where(_table.c.id == proposal_id)).first()
    if row is None:
        raise NotFound(PROPOSAL_TYPE, name, f"{name} does not exist")
    for customer_id in (row.owner_id, row.counterparty_id):
        access.require(_customer(connection, customer_id), roles.CUSTOMERS_MERGE)
    if row.status != rel.OPEN:
        raise FailedPrecondition(
            f"{name} is {row.status}, not open",
            subject=name,
            violation_type="RELATIONSHIP_PROPOSAL_CLOSED",
        )
    return row


def _comment(request: _Decision) -> str:
    problem = customer_ops.text_problem(request.comment, customer_ops.MAX_REASON)
    if problem is not None:
        raise InvalidArgument.field("comment", problem)
    return request.comment


def _decided(
    connection: Connection, row: Any, status: str, comment: str, now: datetime, **values: Any
) -> pb.RelationshipProposal:
    connection.execute(
        update(_table)
        .where(_table.c.id == row.id)
        .values(
            status=status, actor=current().principal.name, comment=comment, update_time=now,
            **values,
        )
    )  # fmt: skip
    return to_proto(
        connection, connection.execute(select(_table).where(_table.c.id == row.id)).one()
    )


def reject(
    connection: Connection, request: pb.RejectRelationshipProposalRequest, now: datetime
) -> pb.RelationshipProposal:
    """RejectRelationshipProposal: needs `customers.merge` over both customers."""
    comment = _comment(request)
    row = _open_proposal(connection, request)
    return _decided(connection, row, rel.REJECTED, comment, now)


def confirm(
    connection: Connection,
    codec: RecordCodec,
    request: pb.ConfirmRelationshipProposalRequest,
    now: datetime,
) -> pb.RelationshipProposal:
    """ConfirmRelationshipProposal: writes the relationship record as CreateSubjectRecord does
    (needs `customers.merge` over both customers and `records.write` over the owner)."""
    comment = _comment(request)
    row = _open_proposal(connection, request)
    kind = request.kind or row.kind
    if request.kind and (row.kind != rel.FAMILY or kind not in FAMILY_KINDS):
        raise InvalidArgument.field(
            "kind",
            f"a {row.kind} proposal is confirmed as itself"
            if row.kind != rel.FAMILY
            else f"must be one of {', '.join(sorted(FAMILY_KINDS))}",
        )
    model = codec.registry.get(rel.SUBJECT)
    if model is None:
        raise FailedPrecondition(
            f"the {rel.SUBJECT} subject model is not loaded in this deployment",
            subject=request.proposal,
            violation_type="SUBJECT_MODEL_NOT_LOADED",
        )
    message = model.message_class()
    descriptor = message.DESCRIPTOR
    enum = descriptor.fields_by_name["kind"].enum_type
    assert enum is not None
    message.kind = enum.values_by_name[kind].number  # type: ignore[attr-defined]
    message.counterparty = customer_name(  # type: ignore[attr-defined]
        _customer(connection, row.counterparty_id).customer_number
    )
    if row.title and "title" in descriptor.fields_by_name:
        message.title = row.title  # type: ignore[attr-defined]
    data = AnyMessage()
    data.Pack(message)
    owner = _customer(connection, row.owner_id)
    create = customer_service_pb2.CreateSubjectRecordRequest(
        parent=customer_name(owner.customer_number),
        record=customer_pb2.SubjectRecord(subject=rel.SUBJECT, data=data),
    )
    ctx = current()
    origin = ledger.Provenance(
        ctx.principal.name, ctx.method, ctx.source_system, f"relationshipProposals/{row.id}"
    )
    with ledger.attributed(connection, origin):
        created = record_ops.create(connection, codec, create, now)
    _, record_id = parse_record_name(created.name, "record")
    return _decided(connection, row, rel.CONFIRMED, comment, now, record_id=record_id)
