"""Backups as long-running jobs: taking one and verifying one, run by any replica.

`BackupService`'s CreateBackup and VerifyBackup submit a run of `coordination.jobs` (types
`backup-create` and `backup-verify`) and return; a replica's job runner carries it out and a run
whose replica died is taken over by another. A backup cannot be resumed half-way (it is one
snapshot), so a run taken over starts that backup again under the same id, what the dead
replica wrote of it removed first; one whose manifest was already written is done. At most one
backup is taken at a time (key `backup-create`), and one verification of each backup.
Progress: tables read of the tables, chunks checked of the chunks; `rows` in the checkpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from customer_core.backup import manifest
from customer_core.backup.cockroach import create_native_backup
from customer_core.backup.manifest import BackupCorrupt
from customer_core.backup.retention import prune
from customer_core.backup.snapshot import (
    create_backup,
    kernel_tables,
    new_backup_id,
    remove_quietly,
)
from customer_core.backup.verify import verify_backup
from customer_core.coordination.jobs import Job, JobContext, JobType
from customer_core.errors import NotFound
from customer_core.kernel.app import Kernel
from customer_core.objects import ObjectMissing

CREATE, VERIFY = "backup-create", "backup-verify"
_RESOURCE = "customer_core.v1.BackupRun"


def take_backup(
    kernel: Kernel,
    backup_id: str | None = None,
    now: datetime | None = None,
    on_table: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Takes a backup of the kernel's database: CockroachDB's native BACKUP into an S3 store,
    else the logical snapshot; its manifest's body."""
    settings = kernel.settings
    moment = now or datetime.now(UTC)
    backup_id = backup_id or new_backup_id(moment)
    if kernel.engine.dialect.name == "cockroachdb" and settings.objects_store == "s3":
        return create_native_backup(
            kernel.engine, kernel.keyring, kernel.objects, settings, backup_id, moment
        )
    return create_backup(
        kernel.engine, kernel.keyring, kernel.objects, chunk_bytes=settings.backup_chunk_size,
        now=moment, backup_id=backup_id, on_table=on_table,
    )  # fmt: skip


def prune_expired(kernel: Kernel) -> list[str]:
    """Removes the backups retention no longer keeps; their ids."""
    settings = kernel.settings
    return prune(kernel.objects, settings.backup_keep_last, settings.backup_keep_days)


@dataclass(frozen=True)
class BackupRun:
    """A run as callers see it."""

    id: uuid.UUID
    kind: str
    backup_id: str
    state: str
    done: int
    total: int
    rows: int
    error: str | None
    corrupt: bool
    create_time: datetime
    end_time: datetime | None
    removed: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, job: Job) -> BackupRun:
        point = job.checkpoint or {}
        return cls(
            job.id, job.type, job.params["backup_id"], job.state, job.done, job.total,
            int(point.get("rows", 0)), job.error, bool(point.get("corrupt")), job.create_time,
            job.end_time, list(point.get("removed", [])),
        )  # fmt: skip


class BackupJobs(JobType):
    """Starts and reports backup runs; registers (and runs) the types `backup-create` and
    `backup-verify` with the kernel's job runner."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.runner = kernel.jobs
        self.runner.register(_Create(kernel))
        self.runner.register(_Verify(kernel))

    def create(self, *, created_by: str) -> uuid.UUID:
        """Submits taking a backup now (or finds the one being taken); the run's id."""
        params = {"backup_id": new_backup_id(datetime.now(UTC))}
        job, _ = self.runner.submit(CREATE, params, key=CREATE, created_by=created_by)
        return job.id

    def verify(self, backup_id: str, *, created_by: str) -> uuid.UUID:
        """Submits verifying a backup (or finds its verification running); the run's id.

        Raises:
            NotFound: there is no complete backup of that id.
        """
        if not self.kernel.objects.size(manifest.manifest_key(backup_id)) is not None:
            raise NotFound("customer_core.v1.Backup", f"backups/{backup_id}", "no such backup")
        job, _ = self.runner.submit(
            VERIFY, {"backup_id": backup_id}, key=f"{VERIFY}:{backup_id}", created_by=created_by
        )
        return job.id

    def get(self, run_id: uuid.UUID) -> BackupRun:
        """A run; NOT_FOUND when there is none."""
        job = self.runner.get(run_id)
        if job is None or job.type not in (CREATE, VERIFY):
            raise NotFound(_RESOURCE, f"backupRuns/{run_id}", "no such backup run")
        return BackupRun.of(job)


class _Create(JobType):
    name = CREATE

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def execute(self, job: JobContext) -> None:
        backup_id = job.params["backup_id"]
        store = self.kernel.objects
        if store.size(manifest.manifest_key(backup_id)) is not None:
            return  # a replica that died had written it whole
        remove_quietly(store, backup_id)  # what a replica that died wrote of it
        tables = len(kernel_tables())
        job.progress(done=0, total=tables)
        done, rows = [0], [0]

        def on_table(name: str, count: int) -> None:
            done[0] += 1
            rows[0] += count
            job.transaction(
                lambda c: job.save(c, done=done[0], checkpoint={"rows": rows[0], "table": name})
            )

        take_backup(self.kernel, backup_id, on_table=on_table)
        removed = prune_expired(self.kernel)
        job.transaction(
            lambda c: job.save(c, done=tables, checkpoint={"rows": rows[0], "removed": removed})
        )


class _Verify(JobType):
    name = VERIFY

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def execute(self, job: JobContext) -> None:
        backup_id = job.params["backup_id"]

        def on_chunk(done: int, total: int) -> None:
            if done == 1 or done == total or done % 16 == 0:
                job.transaction(lambda c: job.save(c, done=done, total=total))

        try:
            backup = verify_backup(
                self.kernel.objects, backup_id, self.kernel.keyring.master, on_chunk
            )
        except (BackupCorrupt, ObjectMissing) as exc:
            job.transaction(lambda c: job.save(c, checkpoint={"corrupt": True}))
            raise BackupDoesNotVerify(f"backup {backup_id} does not verify: {exc}") from None
        rows = sum(int(t.get("rows", 0)) for t in backup.manifest.get("tables", []))
        job.transaction(lambda c: job.save(c, checkpoint={"rows": rows}))


class BackupDoesNotVerify(Exception):
    """Ends a verification run as failed: the backup is corrupt."""


__all__ = ["CREATE", "VERIFY", "BackupJobs", "BackupRun", "prune_expired", "take_backup"]
