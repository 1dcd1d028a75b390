"""Who is calling and what they may do where: grants within org-unit subtrees and channel scopes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from customer_core.identifiers import PRINCIPAL_NAME

__all__ = ["PRINCIPAL_NAME", "WHOLE_BANK", "Grant", "Principal", "covers"]

#: The org-unit scope of a binding that covers the whole bank.
WHOLE_BANK = "*"


def covers(scope: str, org_unit: str) -> bool:
    """True when a binding at `scope` covers `org_unit`: the same unit or one below it.

    Org-unit codes are paths, head office first: `HO01-BJ` covers `HO01-BJ` and `HO01-BJ-SB03`.
    """
    return scope == WHOLE_BANK or org_unit == scope or org_unit.startswith(scope + "-")


@dataclass(frozen=True)
class Grant:
    """One role binding as it applies to a call."""

    role: str
    org_unit: str
    permissions: frozenset[str]
    read_subjects: frozenset[str] = frozenset()
    write_subjects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Principal:
    """An authenticated caller.

    Attributes:
        name: the token subject or certificate common name.
        grants: what its role bindings allow.
        authenticated_by: `token`, `mtls` or `internal` (the kernel's own jobs).
    """

    name: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    authenticated_by: str = "token"

    def allows(self, permission: str, org_unit: str) -> bool:
        """True when some grant gives `permission` over `org_unit`."""
        return any(
            permission in g.permissions and covers(g.org_unit, org_unit) for g in self.grants
        )

    def allows_anywhere(self, permission: str) -> bool:
        """True when some grant gives `permission` somewhere."""
        return any(permission in g.permissions for g in self.grants)

    def scopes(self, permission: str) -> list[str]:
        """The org-unit scopes in which `permission` is granted (`*` among them: everywhere)."""
        return sorted({g.org_unit for g in self.grants if permission in g.permissions})

    def allows_subject(self, permission: str, subject: str, org_unit: str) -> bool:
        """`permission` (records.read or records.write) for `subject` records over `org_unit`."""
        for g in self.grants:
            if permission in g.permissions and covers(g.org_unit, org_unit):
                channel = g.read_subjects if permission.endswith("read") else g.write_subjects
                if not channel or subject in channel:
                    return True
        return False

    def restricted_to(self, roles: Iterable[str]) -> Principal:
        """The same principal exercising only `roles` (a token's roles claim)."""
        wanted = set(roles)
        if not wanted:
            return self
        return Principal(
            self.name, tuple(g for g in self.grants if g.role in wanted), self.authenticated_by
        )
