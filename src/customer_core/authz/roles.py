"""Permissions and the built-in roles made of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

# Reads and writes of customers, their cross-references and subject records.
CUSTOMERS_READ = "customers.read"
CUSTOMERS_CREATE = "customers.create"
CUSTOMERS_UPDATE = "customers.update"
CUSTOMERS_CLOSE = "customers.close"
CUSTOMERS_ERASE = "customers.erase"
CUSTOMERS_MERGE = "customers.merge"
XREFS_WRITE = "xrefs.write"
RECORDS_READ = "records.read"
RECORDS_WRITE = "records.write"
MODELS_READ = "models.read"
# Seeing sensitive values in clear.
PII_UNMASK = "pii.unmask"
# Reading the audit log.
AUDIT_READ = "audit.read"
# Key management.
KEYS_MANAGE = "keys.manage"
# Following the change stream.
LEDGER_WATCH = "ledger.watch"
# Administration: who may do what.
BINDINGS_MANAGE = "bindings.manage"
TOKENS_ISSUE = "tokens.issue"
#: Read the data-quality exception queue and report.
QUALITY_READ = "quality.issues.read"
#: Resolve or waive a data-quality issue.
QUALITY_RESOLVE = "quality.issues.resolve"
#: Write in the legacy-load quality mode (records a rule would refuse are kept with issues).
QUALITY_LEGACY_LOAD = "quality.legacy_load"
#: Verify what a caller claims of a customer (VerifyIdentity: match or not, never the value).
CUSTOMERS_VERIFY = "customers.verify"
#: Take, list and verify backups of the whole database (BackupService).
BACKUPS_MANAGE = "backups.manage"

ALL_PERMISSIONS = frozenset(
    {
        CUSTOMERS_READ, CUSTOMERS_CREATE, CUSTOMERS_UPDATE, CUSTOMERS_CLOSE, CUSTOMERS_ERASE,
        CUSTOMERS_MERGE, XREFS_WRITE, RECORDS_READ, RECORDS_WRITE, MODELS_READ, PII_UNMASK,
        AUDIT_READ, KEYS_MANAGE, BINDINGS_MANAGE, TOKENS_ISSUE, LEDGER_WATCH, QUALITY_READ,
        QUALITY_RESOLVE, QUALITY_LEGACY_LOAD, CUSTOMERS_VERIFY, BACKUPS_MANAGE,
    }
)  # fmt: skip


@dataclass(frozen=True)
class Role:
    """A named set of permissions."""

    name: str
    permissions: frozenset[str]
    description: str


_WORK = frozenset(
    {
        CUSTOMERS_READ,
        CUSTOMERS_VERIFY,
        CUSTOMERS_CREATE,
        CUSTOMERS_UPDATE,
        XREFS_WRITE,
        RECORDS_READ,
        RECORDS_WRITE,
        MODELS_READ,
    }
)

BUILT_IN: dict[str, Role] = {
    role.name: role
    for role in (
        Role("teller", _WORK, "Counter staff: find, open and maintain customers of their branch."),
        Role(
            "relationship_manager",
            _WORK | {PII_UNMASK},
            "Looks after their branch's customers and may see their sensitive data, stating why.",
        ),
        Role(
            "data_steward",
            _WORK
            | {
                CUSTOMERS_CLOSE,
                CUSTOMERS_MERGE,
                PII_UNMASK,
                QUALITY_READ,
                QUALITY_RESOLVE,
                QUALITY_LEGACY_LOAD,
            },
            "Keeps the master data right: reviews duplicates, merges, corrects and closes.",
        ),
        Role(
            "auditor",
            frozenset({CUSTOMERS_READ, RECORDS_READ, MODELS_READ, AUDIT_READ, QUALITY_READ}),
            "Reads everything, changes nothing, reads the audit log.",
        ),
        Role(
            "batch_system",
            _WORK | {CUSTOMERS_CLOSE, LEDGER_WATCH, QUALITY_LEGACY_LOAD},
            "Nightly loads and exports; follows the change stream.",
        ),
        Role(
            "channel_system",
            _WORK | {LEDGER_WATCH},
            "A channel or source system, narrowed by its channel scope; follows the change stream.",
        ),
        Role(
            "security_admin",
            frozenset({KEYS_MANAGE, BINDINGS_MANAGE, TOKENS_ISSUE, AUDIT_READ, MODELS_READ}),
            "Manages keys, role bindings and tokens; sees no customer data.",
        ),
        Role(
            "operator",
            frozenset({BACKUPS_MANAGE, MODELS_READ}),
            "Site reliability: takes and verifies backups; sees no customer data.",
        ),
        Role("admin", ALL_PERMISSIONS, "Everything, including erasure."),
    )
}


def with_permissions(extra: Mapping[str, Iterable[str]]) -> dict[str, Role]:
    """The built-in roles with more permissions (plugins'): permission -> the roles holding it.

    `admin` holds every permission. The built-in table itself is left as it is.
    """
    added: dict[str, set[str]] = {name: set() for name in BUILT_IN}
    for permission, holders in extra.items():
        for role in {*holders, "admin"}:
            added[role].add(permission)
    return {
        name: replace(role, permissions=role.permissions | added[name]) if added[name] else role
        for name, role in BUILT_IN.items()
    }
