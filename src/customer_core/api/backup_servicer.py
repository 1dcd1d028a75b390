"""BackupService: backups of the whole database taken and verified as long-running jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from customer_core.authz import roles
from customer_core.authz.context import current
from customer_core.authz.principal import WHOLE_BANK
from customer_core.backup import manifest
from customer_core.backup.catalog import catalog, find
from customer_core.backup.jobs import CREATE, BackupJobs, BackupRun
from customer_core.errors import InvalidArgument, NotFound, PermissionDenied
from customer_core.kernel.app import Kernel
from customer_core.kernel.convert import timestamp
from customer_core.v1 import backup_service_pb2 as pb
from customer_core.v1 import backup_service_pb2_grpc

_STATES = {
    "queued": pb.BACKUP_RUN_STATE_RUNNING,
    "running": pb.BACKUP_RUN_STATE_RUNNING,
    "succeeded": pb.BACKUP_RUN_STATE_SUCCEEDED,
    "failed": pb.BACKUP_RUN_STATE_FAILED,
    "cancelled": pb.BACKUP_RUN_STATE_FAILED,
}


def run_to_proto(run: BackupRun) -> pb.BackupRun:
    """A backup run as the API shows it."""
    return pb.BackupRun(
        name=f"backupRuns/{run.id}",
        kind=pb.BACKUP_RUN_KIND_CREATE if run.kind == CREATE else pb.BACKUP_RUN_KIND_VERIFY,
        backup=f"backups/{run.backup_id}", state=_STATES[run.state], done=run.done,
        total=run.total, rows=run.rows, error=run.error or "", corrupt=run.corrupt,
        removed=[f"backups/{b}" for b in run.removed], create_time=timestamp(run.create_time),
        end_time=timestamp(run.end_time),
    )  # fmt: skip


def backup_to_proto(line: dict[str, Any]) -> pb.Backup:
    """A backup as `catalog.describe` summarizes it."""
    created = line.get("time")
    return pb.Backup(
        name=f"backups/{line['id']}", complete=line["complete"],
        create_time=timestamp(datetime.fromisoformat(created)) if created else None,
        kind=line.get("kind") or "", source=line.get("source") or "",
        schema_revision=line.get("schema_revision") or "", tables=line.get("tables", 0),
        chunks=line.get("chunks", 0), rows=line.get("rows", 0), size_bytes=line["bytes"],
        ledger_height=line.get("ledger_height", 0), ledger_hash=line.get("ledger_hash", ""),
    )  # fmt: skip


def _backup_id(name: str, field: str = "name") -> str:
    try:
        return manifest.check_id(name.removeprefix("backups/"))
    except ValueError:
        raise InvalidArgument.field(field, "must be backups/{id}") from None


class BackupServicer(backup_service_pb2_grpc.BackupServiceServicer):
    """The servicer of `customer_core.v1.BackupService`; registers the backup job types."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.jobs = BackupJobs(kernel)

    @staticmethod
    def _principal() -> str:
        """The caller's name; PERMISSION_DENIED unless it may manage backups of the whole bank
        (a backup holds every customer)."""
        principal = current().principal
        if not principal.allows(roles.BACKUPS_MANAGE, WHOLE_BANK):
            raise PermissionDenied(
                f"{principal.name} may not manage backups: a backup covers the whole bank",
                metadata={"permission": roles.BACKUPS_MANAGE},
            )
        return principal.name

    def CreateBackup(self, request: pb.CreateBackupRequest, context: Any) -> pb.BackupRun:
        run_id = self.jobs.create(created_by=self._principal())
        self.kernel.jobs.wake()
        return run_to_proto(self.jobs.get(run_id))

    def VerifyBackup(self, request: pb.VerifyBackupRequest, context: Any) -> pb.BackupRun:
        principal = self._principal()
        run_id = self.jobs.verify(_backup_id(request.name), created_by=principal)
        self.kernel.jobs.wake()
        return run_to_proto(self.jobs.get(run_id))

    def GetBackupRun(self, request: pb.GetBackupRunRequest, context: Any) -> pb.BackupRun:
        self._principal()
        try:
            run_id = uuid.UUID(request.name.removeprefix("backupRuns/"))
        except ValueError:
            raise InvalidArgument.field("name", "must be backupRuns/{id}") from None
        return run_to_proto(self.jobs.get(run_id))

    def ListBackups(self, request: pb.ListBackupsRequest, context: Any) -> pb.ListBackupsResponse:
        self._principal()
        return pb.ListBackupsResponse(
            backups=[backup_to_proto(line) for line in catalog(self.kernel.objects)]
        )

    def GetBackup(self, request: pb.GetBackupRequest, context: Any) -> pb.Backup:
        self._principal()
        backup_id = _backup_id(request.name)
        line = find(self.kernel.objects, backup_id)
        if line is None:
            raise NotFound("customer_core.v1.Backup", f"backups/{backup_id}", "no such backup")
        return backup_to_proto(line)
