"""Role bindings: which principal holds which role over which org-unit subtree and channel scope."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from google.protobuf import timestamp_pb2
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from customer_core.authz.principal import WHOLE_BANK, Grant
from customer_core.authz.roles import BUILT_IN, Role
from customer_core.errors import FieldViolation, InvalidArgument, NotFound
from customer_core.identifiers import (
    ORG_UNIT,
    PRINCIPAL_NAME,
    PRINCIPAL_NAME_RULE,
    check_principal,
)
from customer_core.ledger import recorder as ledger
from customer_core.ledger.chain import system_chain
from customer_core.storage.tables import role_bindings
from customer_core.v1 import admin_service_pb2 as admin

RESOURCE_TYPE = "customer_core.v1.RoleBinding"


def _split(text: str) -> frozenset[str]:
    return frozenset(s for s in text.split(",") if s)


def to_proto(row: Any) -> admin.RoleBinding:
    """The contract message of a binding row."""
    return admin.RoleBinding(
        name=f"roleBindings/{row.id}",
        principal=row.principal,
        role=row.role,
        org_unit=row.org_unit,
        read_subjects=sorted(_split(row.read_subjects)),
        write_subjects=sorted(_split(row.write_subjects)),
        created_by=row.created_by,
        create_time=_timestamp(row.create_time),
    )


def _timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def create(
    connection: Connection,
    binding: admin.RoleBinding,
    subjects: set[str],
    created_by: str,
    now: datetime,
) -> admin.RoleBinding:
    """Stores a new binding after checking every field."""
    found = []
    if not PRINCIPAL_NAME.fullmatch(binding.principal):
        found.append(FieldViolation("role_binding.principal", PRINCIPAL_NAME_RULE))
    if binding.role not in BUILT_IN:
        found.append(
            FieldViolation(
                "role_binding.role", f"unknown role; roles: {', '.join(sorted(BUILT_IN))}"
            )
        )
    if binding.org_unit != WHOLE_BANK and not ORG_UNIT.fullmatch(binding.org_unit):
        found.append(
            FieldViolation(
                "role_binding.org_unit", "must be an org unit code, or * for the whole bank"
            )
        )
    for field in ("read_subjects", "write_subjects"):
        unknown = set(getattr(binding, field)) - subjects
        if unknown:
            found.append(
                FieldViolation(
                    f"role_binding.{field}", f"unknown subject models: {', '.join(sorted(unknown))}"
                )
            )
    if found:
        raise InvalidArgument(found)
    values = {
        "id": uuid.uuid4(),
        "principal": binding.principal,
        "role": binding.role,
        "org_unit": binding.org_unit,
        "read_subjects": ",".join(sorted(binding.read_subjects)),
        "write_subjects": ",".join(sorted(binding.write_subjects)),
        "created_by": created_by,
        "create_time": now,
    }
    connection.execute(insert(role_bindings).values(**values))
    created = to_proto(SimpleNamespace(**values))
    ledger.append(
        connection, chain=system_chain("role_bindings"), subject="role_binding", resource=created.name,
        action=ledger.CREATE, now=now, after=created,
    )  # fmt: skip
    return created


def remove(connection: Connection, name: str) -> str:
    """Deletes a binding; the principal it was for."""
    try:
        binding_id = uuid.UUID(name.removeprefix("roleBindings/"))
    except ValueError:
        raise InvalidArgument.field("name", "must be roleBindings/{id}") from None
    row = connection.execute(select(role_bindings).where(role_bindings.c.id == binding_id)).first()
    if row is None:
        raise NotFound(RESOURCE_TYPE, name, f"role binding {name} does not exist")
    connection.execute(delete(role_bindings).where(role_bindings.c.id == binding_id))
    ledger.append(
        connection, chain=system_chain("role_bindings"), subject="role_binding", resource=name,
        action=ledger.DELETE, now=datetime.now(UTC), before=to_proto(row),
    )  # fmt: skip
    return str(row.principal)


def list_bindings(connection: Connection, principal: str = "") -> list[admin.RoleBinding]:
    """Every binding, or a principal's, oldest first."""
    if principal:
        check_principal(principal, "principal")
    query = select(role_bindings).order_by(role_bindings.c.create_time, role_bindings.c.id)
    if principal:
        query = query.where(role_bindings.c.principal == principal)
    return [to_proto(r) for r in connection.execute(query)]


def grants_of(
    connection: Connection, principal: str, roles: Mapping[str, Role] = BUILT_IN
) -> tuple[Grant, ...]:
    """What a principal's bindings allow, by the role table `roles` (plugins' permissions in)."""
    rows = connection.execute(select(role_bindings).where(role_bindings.c.principal == principal))
    return tuple(
        Grant(
            r.role,
            r.org_unit,
            roles[r.role].permissions,
            _split(r.read_subjects),
            _split(r.write_subjects),
        )
        for r in rows
        if r.role in roles
    )
