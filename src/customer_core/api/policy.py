"""Which permission each RPC needs (somewhere in the caller's scope) before it runs.

The table is checked against the services' descriptors when the server starts: an RPC with no
entry refuses every call, so a method added later cannot be served unguarded by mistake.
"""

from __future__ import annotations

from grpc_health.v1 import health
from grpc_reflection.v1alpha import reflection

from customer_core.authz import roles as r
from customer_core.v1 import (
    admin_service_pb2,
    backup_service_pb2,
    consolidation_service_pb2,
    customer_service_pb2,
    document_service_pb2,
    ledger_pb2,
    quality_service_pb2,
    subject_model_service_pb2,
)

_CUSTOMER = customer_service_pb2.DESCRIPTOR.services_by_name["CustomerService"].full_name
_MODELS = subject_model_service_pb2.DESCRIPTOR.services_by_name["SubjectModelService"].full_name
_ADMIN = admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name
_AUDIT = admin_service_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name
_LEDGER = ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name
_CONSOLIDATION = consolidation_service_pb2.DESCRIPTOR.services_by_name[
    "ConsolidationService"
].full_name
_DOCUMENTS = document_service_pb2.DESCRIPTOR.services_by_name["DocumentService"].full_name
_BACKUPS = backup_service_pb2.DESCRIPTOR.services_by_name["BackupService"].full_name
_QUALITY = quality_service_pb2.DESCRIPTOR.services_by_name["DataQualityService"].full_name

#: `/package.Service/Method` -> the permission it needs.
PERMISSIONS: dict[str, str] = {
    **{
        f"/{_CUSTOMER}/{name}": permission
        for name, permission in {
            "CreateCustomer": r.CUSTOMERS_CREATE,
            "BatchCreateCustomers": r.CUSTOMERS_CREATE,
            "GetCustomer": r.CUSTOMERS_READ,
            "UpdateCustomer": r.CUSTOMERS_UPDATE,
            "CloseCustomer": r.CUSTOMERS_CLOSE,
            "ListCustomers": r.CUSTOMERS_READ,
            "LookupCustomer": r.CUSTOMERS_READ,
            "LinkCrossReference": r.XREFS_WRITE,
            "UnlinkCrossReference": r.XREFS_WRITE,
            "CreateSubjectRecord": r.RECORDS_WRITE,
            "GetSubjectRecord": r.RECORDS_READ,
            "UpdateSubjectRecord": r.RECORDS_WRITE,
            "DeleteSubjectRecord": r.RECORDS_WRITE,
            "ListSubjectRecords": r.RECORDS_READ,
            "GetCustomer360": r.CUSTOMERS_READ,
            "SearchCustomers": r.CUSTOMERS_READ,
            "VerifyIdentity": r.CUSTOMERS_VERIFY,
            "EraseCustomer": r.CUSTOMERS_ERASE,
            "ListInboundReferences": r.CUSTOMERS_READ,
        }.items()
    },
    f"/{_MODELS}/ListSubjectModels": r.MODELS_READ,
    **{
        f"/{_ADMIN}/{name}": permission
        for name, permission in {
            "ListRoles": r.BINDINGS_MANAGE,
            "CreateRoleBinding": r.BINDINGS_MANAGE,
            "DeleteRoleBinding": r.BINDINGS_MANAGE,
            "ListRoleBindings": r.BINDINGS_MANAGE,
            "IssueToken": r.TOKENS_ISSUE,
            "RevokeToken": r.TOKENS_ISSUE,
            "RotateMasterKey": r.KEYS_MANAGE,
            "RotateKeyEncryptionKey": r.KEYS_MANAGE,
            "RotateDataKeys": r.KEYS_MANAGE,
            "GetKeyRotation": r.KEYS_MANAGE,
            "ExpireRecords": r.RECORDS_WRITE,
            "GetExpiryRun": r.RECORDS_READ,
            "ListExpiringRecords": r.RECORDS_READ,
        }.items()
    },
    f"/{_AUDIT}/ListAuditEvents": r.AUDIT_READ,
    f"/{_LEDGER}/ListCustomerHistory": r.CUSTOMERS_READ,
    f"/{_LEDGER}/WatchChanges": r.LEDGER_WATCH,
    f"/{_LEDGER}/VerifyLedger": r.AUDIT_READ,
    f"/{_LEDGER}/GetInclusionProof": r.AUDIT_READ,
    f"/{_QUALITY}/ListQualityIssues": r.QUALITY_READ,
    f"/{_QUALITY}/ResolveQualityIssue": r.QUALITY_RESOLVE,
    f"/{_QUALITY}/WaiveQualityIssue": r.QUALITY_RESOLVE,
    f"/{_QUALITY}/GetQualityReport": r.QUALITY_READ,
    f"/{_CONSOLIDATION}/ListMatchCandidates": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/MergeCustomers": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/UnmergeCustomers": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/ListMerges": r.CUSTOMERS_READ,
    f"/{_CONSOLIDATION}/MarkNotSame": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/RunConsolidation": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/GetConsolidationRun": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/ListRelationshipProposals": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/ConfirmRelationshipProposal": r.CUSTOMERS_MERGE,
    f"/{_CONSOLIDATION}/RejectRelationshipProposal": r.CUSTOMERS_MERGE,
    **{
        f"/{_DOCUMENTS}/{name}": permission
        for name, permission in {
            "UploadDocument": r.RECORDS_WRITE,
            "GetDocumentUpload": r.RECORDS_WRITE,
            "DownloadDocument": r.RECORDS_READ,
            "GetDocument": r.RECORDS_READ,
            "ListDocuments": r.RECORDS_READ,
            "DeleteDocument": r.RECORDS_WRITE,
        }.items()
    },
    **{
        f"/{_BACKUPS}/{name}": r.BACKUPS_MANAGE
        for name in ("CreateBackup", "VerifyBackup", "GetBackupRun", "ListBackups", "GetBackup")
    },
}

#: Services anyone may call without credentials: health checking and reflection.
PUBLIC_SERVICES = frozenset(
    {
        health.SERVICE_NAME,
        reflection.SERVICE_NAME,
        # The v1 name of the same service, which newer reflection clients ask for first.
        reflection.SERVICE_NAME.replace(".v1alpha.", ".v1."),
    }
)

#: Calls audited durably before their answer leaves the server (besides any call that unmasks).
DURABLY_AUDITED = frozenset(
    {m for m in PERMISSIONS if m.startswith((f"/{_ADMIN}/", f"/{_BACKUPS}/"))}
    | {f"/{_CUSTOMER}/EraseCustomer"}
)


def unguarded(service_full_names: list[str]) -> list[str]:
    """Methods of these services that have no entry in `PERMISSIONS`."""
    from google.protobuf import descriptor_pool

    pool = descriptor_pool.Default()
    missing = []
    for name in service_full_names:
        for method in pool.FindServiceByName(name).methods:
            if f"/{name}/{method.name}" not in PERMISSIONS:
                missing.append(f"/{name}/{method.name}")
    return missing
