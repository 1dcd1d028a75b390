"""ListCustomerHistory: a customer's ledger entries newest first, as far as the caller may see.

The ledger reads the chain (`customer_core.ledger.history`); this loads the customer in the
caller's scope, keeps to the subject models its channel scope may read, and pages.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from customer_core.authz import roles
from customer_core.errors import InvalidArgument, PermissionDenied
from customer_core.kernel import access, pagination
from customer_core.kernel import customers as customer_ops
from customer_core.kernel.names import parse_customer_name
from customer_core.ledger import history
from customer_core.ledger.chain import customer_chain
from customer_core.v1 import ledger_pb2

_MAX_SUBJECT = 64


def visible(customer: Any, subject: str) -> bool:
    """True when the caller may see changes of `subject` of this customer (its channel scope)."""
    return subject in history.KERNEL_SUBJECTS or access.readable_subject(customer, subject)


def list_history(
    connection: Connection, request: ledger_pb2.ListCustomerHistoryRequest
) -> ledger_pb2.ListCustomerHistoryResponse:
    """ListCustomerHistory: the customer's entries newest first, of the subjects the caller may read."""
    number = parse_customer_name(request.customer, "customer")
    size = pagination.page_size(request.page_size)
    subject = request.subject
    if len(subject) > _MAX_SUBJECT or "\x00" in subject:
        raise InvalidArgument.field("subject", "is not a subject name")
    scope = f"{request.customer}|{subject}"
    after = pagination.decode_token(request.page_token, scope, (int,))
    if after is not None and not 0 < after[0] < 2**63:  # a forged token: no such sequence
        raise InvalidArgument.field("page_token", "is not a page token this service issued")
    customer = customer_ops.load(connection, number, roles.CUSTOMERS_READ)
    if subject and not visible(customer, subject):
        raise PermissionDenied(f"may not read {subject!r} records", metadata={"subject": subject})
    page: list[ledger_pb2.LedgerEntry] = []
    more = False
    for row in history.newest_first(
        connection, customer_chain(number), after[0] if after else None
    ):
        entry = history.entry_of(row)
        if (subject and entry.subject != subject) or not visible(customer, entry.subject):
            continue
        if len(page) == size:
            more = True
            break
        page.append(entry)
    response = ledger_pb2.ListCustomerHistoryResponse(entries=page)
    if more:
        response.next_page_token = pagination.encode_token([page[-1].sequence], scope)
    return response
