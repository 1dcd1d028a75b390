"""Golden records: create, read, update, close and list customers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.errors import (
    Aborted,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
)
from customer_core.identifiers import ORG_UNIT, ORG_UNIT_RULE
from customer_core.kernel import access, convert, customer_number, pagination
from customer_core.kernel.filtering import parse_filter
from customer_core.kernel.names import customer_name, parse_customer_name
from customer_core.ledger import recorder as ledger
from customer_core.ledger.chain import customer_chain
from customer_core.ledger.recorder import CREATE, UPDATE
from customer_core.storage.deferred import defer
from customer_core.storage.tables import customers
from customer_core.storage.transaction import RetryTransaction
from customer_core.v1 import customer_pb2, customer_service_pb2

RESOURCE_TYPE = "customer_core.v1.Customer"
MAX_DISPLAY_NAME = 200
MAX_REASON = 500
UPDATABLE = ("display_name", "owning_org_unit")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def text_problem(value: str, limit: int) -> str | None:
    """Why a free-text value is unacceptable, or None."""
    if not value.strip():
        return "is required"
    if len(value) > limit:
        return f"is {len(value)} characters; at most {limit} allowed"
    if _CONTROL.search(value):
        return "must not contain control characters"
    return None


def org_unit_problem(value: str) -> str | None:
    """Why an org unit code is unacceptable, or None."""
    if not value:
        return "is required"
    if not ORG_UNIT.fullmatch(value):
        return ORG_UNIT_RULE
    return None


def validate_new(customer: customer_pb2.Customer, path: str) -> list[FieldViolation]:
    """Violations in a customer to be created."""
    found = []
    if customer.type == customer_pb2.CUSTOMER_TYPE_UNSPECIFIED:
        found.append(FieldViolation(f"{path}.type", "is required"))
    elif customer.type not in customer_pb2.CustomerType.values():
        found.append(FieldViolation(f"{path}.type", f"{customer.type} is not a customer type"))
    if (p := org_unit_problem(customer.owning_org_unit)) is not None:
        found.append(FieldViolation(f"{path}.owning_org_unit", p))
    if (p := text_problem(customer.display_name, MAX_DISPLAY_NAME)) is not None:
        found.append(FieldViolation(f"{path}.display_name", p))
    return found


def type_name(customer: customer_pb2.Customer) -> str:
    """`INDIVIDUAL` or `ORGANIZATION`."""
    return str(customer_pb2.CustomerType.Name(customer.type)).removeprefix("CUSTOMER_TYPE_")


def insert_customer(connection: Connection, customer: customer_pb2.Customer, now: datetime) -> Any:
    """Inserts a new active customer with a fresh number; the inserted row."""
    access.require_org_unit(roles.CUSTOMERS_CREATE, customer.owning_org_unit, "create customers")
    return insert_customers(connection, [customer], now)[0]


def insert_customers(
    connection: Connection, new: Sequence[customer_pb2.Customer], now: datetime
) -> list[Any]:
    """Inserts new active customers, each with a fresh number, in one insert; the rows.

    The caller has checked that it may create each (`access.require_org_unit`).
    """
    rows = [
        {
            "id": uuid.uuid4(),
            "customer_number": customer_number.new_customer_number(),
            "type": type_name(customer),
            "status": "ACTIVE",
            "owning_org_unit": customer.owning_org_unit,
            "display_name": customer.display_name,
            "version": 1,
            "create_time": now,
            "update_time": now,
            "merged_into_id": None,
            "close_reason": None,
            "close_time": None,
            "erase_time": None,
        }
        for customer in new
    ]
    # Sent with the transaction's other inserts; the one-in-a-quadrillion number collision
    # is a unique violation there, and the transaction draws again.
    defer(connection, customers, rows)
    made = [SimpleNamespace(**values) for values in rows]
    for row in made:
        record_change(
            connection, row, "customer", customer_name(row.customer_number), CREATE, now,
            after=convert.customer(row),
        )  # fmt: skip
    return made


def record_change(
    connection: Connection,
    customer: Any,
    subject: str,
    resource: str,
    action: int,
    now: datetime,
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    """Appends the ledger entry of a change to one of `customer`'s resources."""
    ledger.append(
        connection,
        chain=customer_chain(customer.customer_number),
        subject=subject,
        resource=resource,
        action=action,
        now=now,
        before=before,
        after=after,
        customer_id=customer.id,
        customer_number=customer.customer_number,
        new_chain=action == CREATE and subject == "customer",
    )


_BY_NUMBER = select(customers).where(customers.c.customer_number == bindparam("number"))


def load(connection: Connection, number: str, permission: str = roles.CUSTOMERS_READ) -> Any:
    """The row of customer `number`, if the caller holds `permission` over it.

    Raises:
        NotFound: there is no such customer, or it is outside every scope the caller may read.
        PermissionDenied: the caller may read the customer but not act on it this way.
    """
    row = connection.execute(_BY_NUMBER, {"number": number}).first()
    if row is None:
        raise NotFound(RESOURCE_TYPE, customer_name(number), f"customer {number} does not exist")
    access.require(row, permission)
    return row


#: Longest chain of merges followed (A into B, B into C, …) before giving up on a cycle.
MAX_MERGE_CHAIN = 64


def final_survivor(connection: Connection, row: Any) -> Any:
    """The customer a merged customer's merges end in (A into B, then B into C: C); the row
    itself when it is not merged."""
    seen = 0
    while row.merged_into_id is not None and seen < MAX_MERGE_CHAIN:
        row = connection.execute(
            select(customers).where(customers.c.id == row.merged_into_id)
        ).one()
        seen += 1
    return row


def to_proto(connection: Connection, row: Any) -> customer_pb2.Customer:
    """The Customer message of a row (a merged customer's `merged_into` names the final survivor)."""
    survivor = None
    if row.merged_into_id is not None:
        survivor = final_survivor(connection, row).customer_number
    return convert.customer(row, survivor)


def require_active(connection: Connection, row: Any) -> None:
    """FAILED_PRECONDITION unless the customer can still be changed; for a merged customer
    (reason CUSTOMER_MERGED) naming the survivor, whom the caller should write to instead."""
    if row.status == "MERGED":
        survivor = final_survivor(connection, row).customer_number
        raise FailedPrecondition(
            f"customer {row.customer_number} was merged into customer {survivor}; "
            f"write to customers/{survivor}",
            subject=customer_name(row.customer_number),
            violation_type="CUSTOMER_MERGED",
            metadata={"survivor": customer_name(survivor)},
        )
    if row.status != "ACTIVE":
        raise FailedPrecondition(
            f"customer {row.customer_number} is {row.status} and can no longer be changed",
            subject=customer_name(row.customer_number),
            violation_type="CUSTOMER_NOT_ACTIVE",
        )


def require_etag(row: Any, given: str, field: str) -> None:
    """ABORTED when `given` is set and is not the row's current etag (AIP-154)."""
    if given and given != convert.etag(row.id, row.version):
        raise Aborted(
            f"{field} is stale: the resource changed since it was read; read it again and retry",
            reason="ETAG_MISMATCH",
            metadata={"field": field},
        )


def get(
    connection: Connection, request: customer_service_pb2.GetCustomerRequest
) -> customer_pb2.Customer:
    """GetCustomer."""
    number = parse_customer_name(request.name, "name")
    return to_proto(connection, load(connection, number))


def update_customer(
    connection: Connection, request: customer_service_pb2.UpdateCustomerRequest, now: datetime
) -> customer_pb2.Customer:
    """UpdateCustomer: the fields named in the mask (all updatable fields set, for an empty mask)."""
    if not request.HasField("customer"):
        raise InvalidArgument.field("customer", "is required")
    given = request.customer
    number = parse_customer_name(given.name, "customer.name")
    paths = list(request.update_mask.paths)
    if paths == ["*"]:
        paths = list(UPDATABLE)
    elif not paths:
        paths = [p for p in UPDATABLE if getattr(given, p)]
    bad = [p for p in paths if p not in UPDATABLE]
    if bad:
        raise InvalidArgument.field(
            "update_mask", f"cannot update {', '.join(bad)}; updatable: {', '.join(UPDATABLE)}"
        )
    if not paths:
        raise InvalidArgument.field("update_mask", "names no field to update")
    violations = []
    if "display_name" in paths and (p := text_problem(given.display_name, MAX_DISPLAY_NAME)):
        violations.append(FieldViolation("customer.display_name", p))
    if "owning_org_unit" in paths and (p := org_unit_problem(given.owning_org_unit)):
        violations.append(FieldViolation("customer.owning_org_unit", p))
    if violations:
        raise InvalidArgument(violations)
    row = load(connection, number, roles.CUSTOMERS_UPDATE)
    require_etag(row, given.etag, "customer.etag")
    require_active(connection, row)
    changes = {p: getattr(given, p) for p in paths}
    if changes.get("owning_org_unit", row.owning_org_unit) != row.owning_org_unit:
        access.require_org_unit(
            roles.CUSTOMERS_UPDATE, changes["owning_org_unit"], "move customers"
        )
    return change_state(connection, row, changes, now)


def change_state(
    connection: Connection, row: Any, changes: dict[str, Any], now: datetime
) -> customer_pb2.Customer:
    """Writes `changes` into a customer row read in this transaction as its next version,
    ledgered; the customer as it is now."""
    result = connection.execute(
        update(customers)
        .where(customers.c.id == row.id, customers.c.version == row.version)
        .values(**changes, version=row.version + 1, update_time=now)
    )
    if result.rowcount != 1:  # changed under us: let the transaction run again
        raise RetryTransaction("customer version moved")
    fresh = connection.execute(select(customers).where(customers.c.id == row.id)).one()
    after = to_proto(connection, fresh)
    record_change(
        connection,
        row,
        "customer",
        after.name,
        UPDATE,
        now,
        before=to_proto(connection, row),
        after=after,
    )
    return after


def close(
    connection: Connection, request: customer_service_pb2.CloseCustomerRequest, now: datetime
) -> customer_pb2.Customer:
    """CloseCustomer."""
    number = parse_customer_name(request.name, "name")
    if (p := text_problem(request.reason, MAX_REASON)) is not None:
        raise InvalidArgument.field("reason", p)
    row = load(connection, number, roles.CUSTOMERS_CLOSE)
    require_etag(row, request.etag, "etag")
    require_active(connection, row)
    return change_state(
        connection,
        row,
        {"status": "CLOSED", "close_reason": request.reason, "close_time": now},
        now,
    )


def list_customers(
    connection: Connection, request: customer_service_pb2.ListCustomersRequest
) -> customer_service_pb2.ListCustomersResponse:
    """ListCustomers, in customer-number order."""
    size = pagination.page_size(request.page_size)
    constraints = parse_filter(request.filter)
    after = pagination.decode_token(request.page_token, request.filter, (str,))
    query = (
        select(customers)
        .where(access.scope_clause(customers.c.owning_org_unit))
        .order_by(customers.c.customer_number)
        .limit(size + 1)
    )
    for field, value in constraints.items():
        query = query.where(customers.c[field] == value)
    if after is not None:
        query = query.where(customers.c.customer_number > after[0])
    rows = connection.execute(query).all()
    access.note_customers(r.customer_number for r in rows[:size])
    response = customer_service_pb2.ListCustomersResponse(
        customers=[to_proto(connection, r) for r in rows[:size]]
    )
    if len(rows) > size:
        response.next_page_token = pagination.encode_token(
            [rows[size - 1].customer_number], request.filter
        )
    return response
