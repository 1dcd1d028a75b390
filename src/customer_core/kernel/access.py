"""Authorization inside the kernel: the caller's org-unit and channel scope applied to data.

The pipeline authenticated the caller and checked that it holds the RPC's permission somewhere;
here the permission is checked against the customer actually touched. A customer outside every
scope in which the caller may read reads as NOT_FOUND, so no caller learns that it exists; a
customer the caller may read but not change this way is PERMISSION_DENIED.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.authz.principal import WHOLE_BANK
from customer_core.errors import NotFound, PermissionDenied

CUSTOMER = "customer_core.v1.Customer"


def hidden(number: str) -> NotFound:
    """The answer for a customer the caller may not know about (the same as for none at all)."""
    return NotFound(CUSTOMER, f"customers/{number}", f"customer {number} does not exist")


def require(row: Any, permission: str) -> None:
    """Checks `permission` over a loaded customer and notes the customer as touched."""
    ctx = current()
    principal = ctx.principal
    org_unit = row.owning_org_unit
    if not principal.allows(roles.CUSTOMERS_READ, org_unit) and not principal.allows(
        permission, org_unit
    ):
        raise hidden(row.customer_number)
    ctx.customers.add(row.customer_number)
    if not principal.allows(permission, org_unit):
        raise PermissionDenied(
            f"{principal.name} may not {permission} customers of {org_unit}",
            metadata={"permission": permission},
        )


def require_org_unit(permission: str, org_unit: str, action: str) -> None:
    """PERMISSION_DENIED unless the caller holds `permission` over `org_unit` (e.g. to create there)."""
    principal = current().principal
    if not principal.allows(permission, org_unit):
        raise PermissionDenied(
            f"{principal.name} may not {action} in org unit {org_unit}",
            metadata={"permission": permission},
        )


def require_subject(row: Any, permission: str, subject: str) -> None:
    """PERMISSION_DENIED unless the caller's channel scope allows `subject` records of this customer."""
    principal = current().principal
    if not principal.allows_subject(permission, subject, row.owning_org_unit):
        raise PermissionDenied(
            f"{principal.name} may not {permission.split('.')[-1]} {subject!r} records",
            metadata={"permission": permission, "subject": subject},
        )


def readable_subject(row: Any, subject: str) -> bool:
    """True when the caller may read `subject` records of this customer."""
    return current().principal.allows_subject(roles.RECORDS_READ, subject, row.owning_org_unit)


def scope_clause(column: Any, permission: str = roles.CUSTOMERS_READ) -> ColumnElement[bool]:
    """A WHERE clause keeping only customers whose org unit the caller's scope covers."""
    scopes = current().principal.scopes(permission)
    if WHOLE_BANK in scopes:
        return true()
    if not scopes:
        return false()
    return or_(*[or_(column == s, column.like(f"{s}-%")) for s in scopes])


def can_read(row: Any) -> bool:
    """True when the caller may know that this customer exists."""
    return current().principal.allows(roles.CUSTOMERS_READ, row.owning_org_unit)


def note_customers(numbers: Iterable[str]) -> None:
    """Records customers a call returned, for the audit log."""
    current().customers.update(numbers)


def unmask_reason() -> str:
    """The reason the caller gave for seeing sensitive values in clear ('' when it asked for none)."""
    return current().unmask_reason


def require_unmask(row: Any) -> None:
    """PERMISSION_DENIED unless the caller may unmask this customer's sensitive values."""
    principal = current().principal
    if not principal.allows(roles.PII_UNMASK, row.owning_org_unit):
        raise PermissionDenied(
            f"{principal.name} may not see sensitive values of customers of {row.owning_org_unit}",
            metadata={"permission": roles.PII_UNMASK},
        )


def note_unmasked(record_name: str, paths: list[str]) -> None:
    """Records sensitive fields shown in clear, for the audit log."""
    current().unmasked.extend(f"{record_name}#{p}" for p in paths)
