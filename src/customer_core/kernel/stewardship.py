"""The data stewards' exception queue: list the open data-quality issues, resolve or waive one.

An issue is one row of `data_quality_issues` (see `quality.store`). A steward closes an open one
with a comment: RESOLVED (fixed at its source) or WAIVED (the value stands); the change is
ledgered on the customer's chain as an UPDATE of `qualityIssues/{id}` (subject
`data_quality_issue`), the issue before and after as `DataQualityIssue` messages. Like every
read, the queue shows only issues of customers the caller's scope covers and of subject models
its channel scope allows; an issue outside them reads as NOT_FOUND.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.errors import FailedPrecondition, InvalidArgument, NotFound
from customer_core.kernel import access, pagination, quality
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.convert import timestamp
from customer_core.kernel.names import parse_customer_name, record_name
from customer_core.ledger import recorder as ledger
from customer_core.plugin import Severity
from customer_core.storage.tables import customers, data_quality_issues
from customer_core.v1 import customer_pb2
from customer_core.v1 import quality_service_pb2 as q

RESOURCE = "customer_core.v1.DataQualityIssue"
COLLECTION = "qualityIssues/"
#: The ledger subject of a steward's action.
SUBJECT = "data_quality_issue"
#: The `ErrorInfo.reason` of closing an issue that is not open.
QUALITY_ISSUE_CLOSED = "QUALITY_ISSUE_CLOSED"
#: Longest steward's comment.
MAX_COMMENT = 2000

RESOLVED = "RESOLVED"
WAIVED = "WAIVED"
STATUSES = {
    quality.OPEN: q.QUALITY_ISSUE_STATUS_OPEN,
    RESOLVED: q.QUALITY_ISSUE_STATUS_RESOLVED,
    WAIVED: q.QUALITY_ISSUE_STATUS_WAIVED,
    quality.SUPERSEDED: q.QUALITY_ISSUE_STATUS_SUPERSEDED,
}
_STATUS_NAMES = {number: name for name, number in STATUSES.items()}
_SEVERITY_NAMES = {number: severity.value for severity, number in quality.SEVERITIES.items()}

_I, _C = data_quality_issues.c, customers.c
_ISSUES = select(
    data_quality_issues, _C.customer_number, _C.owning_org_unit, _C.id.label("customer_row_id")
).join(customers, _C.id == _I.customer_id)


def to_proto(row: Any) -> q.DataQualityIssue:
    """An issue row (joined with its customer) as the contract carries it."""
    issue = q.DataQualityIssue(
        name=f"{COLLECTION}{row.id}",
        customer=f"customers/{row.customer_number}",
        record=record_name(row.customer_number, row.record_id),
        subject=row.subject,
        record_version=row.record_version,
        rule_id=row.rule_id,
        severity=quality.SEVERITIES.get(
            Severity(row.severity), customer_pb2.QUALITY_SEVERITY_UNSPECIFIED
        ),
        field=f"data.{row.field_path}" if row.field_path else "data",
        message=row.message,
        status=STATUSES.get(row.status, q.QUALITY_ISSUE_STATUS_UNSPECIFIED),
        source_system=row.source_system,
        owning_org_unit=row.owning_org_unit,
        closed_by=row.actor,
        comment=row.comment,
        create_time=timestamp(row.create_time),
        close_time=timestamp(row.resolve_time),
    )
    return issue


def _filtered(request: q.ListQualityIssuesRequest) -> tuple[Select[Any], str]:
    """The query of the issues the filter and the caller's scope select, and the filter's key."""
    status = _STATUS_NAMES.get(request.status or q.QUALITY_ISSUE_STATUS_OPEN)
    if status is None:
        raise InvalidArgument.field("status", "is not a QualityIssueStatus")
    query = _ISSUES.where(
        _I.status == status, access.scope_clause(_C.owning_org_unit, roles.QUALITY_READ)
    )
    if request.severity:
        severity = _SEVERITY_NAMES.get(request.severity)
        if severity is None:
            raise InvalidArgument.field("severity", "is not a QualitySeverity")
        query = query.where(_I.severity == severity)
    for column, value in (
        (_I.rule_id, request.rule_id),
        (_I.source_system, request.source_system),
        (_I.subject, request.subject),
    ):
        if value:
            query = query.where(column == value)
    if request.org_unit:
        unit = request.org_unit
        query = query.where(or_(_C.owning_org_unit == unit, _C.owning_org_unit.like(f"{unit}-%")))
    if request.customer:
        query = query.where(_C.customer_number == parse_customer_name(request.customer, "customer"))
    key = json.dumps(
        [status, request.severity, request.rule_id, request.source_system, request.subject,
         request.org_unit, request.customer]
    )  # fmt: skip
    return query, key


def list_issues(
    connection: Connection, request: q.ListQualityIssuesRequest
) -> q.ListQualityIssuesResponse:
    """ListQualityIssues: oldest first, a page at a time."""
    size = pagination.page_size(request.page_size)
    query, key = _filtered(request)
    after = pagination.time_and_id(pagination.decode_token(request.page_token, key, (str, str)))
    if after is not None:
        moment, last = after
        query = query.where(
            or_(_I.create_time > moment, and_(_I.create_time == moment, _I.id > last))
        )
    rows = connection.execute(query.order_by(_I.create_time, _I.id).limit(size + 1)).all()
    page = rows[:size]
    response = q.ListQualityIssuesResponse(
        issues=[to_proto(row) for row in page if access.readable_subject(row, row.subject)]
    )
    if len(rows) > size:
        response.next_page_token = pagination.encode_token(
            [page[-1].create_time.isoformat(), str(page[-1].id)], key
        )
    access.note_customers(sorted({row.customer_number for row in page}))
    return response


def _load(connection: Connection, name: str) -> Any:
    if not name:
        raise InvalidArgument.field("name", "is required")
    try:
        issue_id = uuid.UUID(name.removeprefix(COLLECTION)) if name.startswith(COLLECTION) else None
    except ValueError:
        issue_id = None
    if issue_id is None:
        raise InvalidArgument.field("name", "must have the form qualityIssues/{id}")
    row = connection.execute(_ISSUES.where(_I.id == issue_id)).first()
    if row is None or not access.can_read(row) or not access.readable_subject(row, row.subject):
        raise NotFound(RESOURCE, name, f"data-quality issue {name} does not exist")
    return row


def close(
    connection: Connection,
    request: q.ResolveQualityIssueRequest | q.WaiveQualityIssueRequest,
    status: str,
    now: datetime,
) -> q.DataQualityIssue:
    """ResolveQualityIssue (`status` RESOLVED) and WaiveQualityIssue (WAIVED).

    Raises:
        InvalidArgument: a malformed name, a missing or overlong comment.
        NotFound: no such issue in the caller's scope.
        PermissionDenied: the caller may read the customer but not resolve its issues.
        FailedPrecondition: the issue is not open (QUALITY_ISSUE_CLOSED).
    """
    comment = request.comment.strip()
    if not comment:
        raise InvalidArgument.field("comment", "is required: say what was done or why")
    if len(comment) > MAX_COMMENT:
        raise InvalidArgument.field("comment", f"must be at most {MAX_COMMENT} characters")
    row = _load(connection, request.name)
    access.require(row, roles.QUALITY_RESOLVE)
    if row.status != quality.OPEN:
        raise FailedPrecondition(
            f"{request.name} is {row.status.lower()} already",
            subject=request.name,
            violation_type=QUALITY_ISSUE_CLOSED,
        )
    actor = current().principal.name
    connection.execute(
        update(data_quality_issues)
        .where(_I.id == row.id)
        .values(status=status, resolve_time=now, actor=actor, comment=comment)
    )
    fresh = connection.execute(_ISSUES.where(_I.id == row.id)).one()
    after = to_proto(fresh)
    customer = SimpleNamespace(id=row.customer_row_id, customer_number=row.customer_number)
    customer_ops.record_change(
        connection, customer, SUBJECT, after.name,
        ledger.UPDATE, now, before=to_proto(row), after=after,
    )  # fmt: skip
    return after
