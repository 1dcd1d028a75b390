"""An SRE takes and verifies backups over gRPC (`BackupService`) and follows their progress.

CreateBackup and VerifyBackup start long-running runs and return at once; GetBackupRun reports
progress until the run ends. A backup taken so restores with `customer-core backup restore`; a
verification of an altered backup fails naming the problem; only a whole-bank `backups.manage`
caller may do any of it; bad names are INVALID_ARGUMENT naming the field, unknown ones NOT_FOUND;
a run another replica left half-done is redone whole under the same id.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from customer_core.api.server import RunningServer
from customer_core.backup import manifest
from customer_core.backup.jobs import BackupJobs
from customer_core.backup.snapshot import kernel_tables
from customer_core.backup.verify import verify_backup
from customer_core.client import Client, RPCError
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.v1 import backup_service_pb2 as pb
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.test_backup_restore import cli, head, numbers, onboard

RUNNING, SUCCEEDED, FAILED = (
    pb.BACKUP_RUN_STATE_RUNNING,
    pb.BACKUP_RUN_STATE_SUCCEEDED,
    pb.BACKUP_RUN_STATE_FAILED,
)


class Site:
    """A served database, its object store directory, an operator's and an admin's client."""

    def __init__(self, url: str, objects: Path) -> None:
        self.url, self.objects = url, objects
        self.server: RunningServer = start_server(
            url, objects_dir=str(objects), ledger_seal_interval=0.2, backup_chunk_size=4096
        )
        target = f"127.0.0.1:{self.server.port}"
        self.admin = Client(target, token=admin_token(self.server))
        self.operator = Client(target, token=grant(self.server.kernel, "sre-on-call", "operator"))

    def client_of(self, role: str, org_unit: str = "*") -> Client:
        token = grant(self.server.kernel, f"{role}-{uuid.uuid4().hex[:6]}", role, org_unit)
        return Client(f"127.0.0.1:{self.server.port}", token=token)

    def close(self) -> None:
        self.admin.close()
        self.operator.close()
        self.server.stop(grace=1)


@pytest.fixture(scope="module")
def site(new_database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    s = Site(new_database("bksvc"), tmp_path_factory.mktemp("objects"))
    for i in range(5):
        onboard(s.admin, f"运维客户{i}")
    s.server.sealer.seal_now(10)
    yield s
    s.close()


def backup_id(run: pb.BackupRun) -> str:
    return run.backup.removeprefix("backups/")


def test_a_backup_taken_over_grpc_under_writes_reports_progress_and_restores(
    site: Site, new_database
) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    written: list[str] = []

    def writer() -> None:
        while not stop.is_set():
            written.append(onboard(site.admin, f"写入{len(written)}"))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 2:
            threading.Event().wait(0.05)
        started = site.operator.create_backup()
        assert started.state == RUNNING and started.kind == pb.BACKUP_RUN_KIND_CREATE
        assert started.name.startswith("backupRuns/") and started.backup.startswith("backups/")
        seen: set[tuple[int, int]] = set()
        run = started
        while run.state == RUNNING:
            seen.add((run.done, run.total))
            threading.Event().wait(0.02)
            run = site.operator.get_backup_run(started.name)
    finally:
        stop.set()
        thread.join()
    assert run.state == SUCCEEDED, run.error
    assert run.backup == started.backup and run.end_time.seconds > 0
    tables = len(kernel_tables())
    assert (run.done, run.total) == (tables, tables) and run.rows > 0
    assert all(done <= total for done, total in seen if total)

    listed = {b.name: b for b in site.operator.list_backups()}
    backup = listed[run.backup]
    assert backup.complete and backup.kind == "logical" and backup.rows == run.rows
    assert backup.tables == tables and backup.chunks >= tables // 2 and backup.size_bytes > 0
    assert backup.ledger_height > 0 and len(backup.ledger_hash) == 64
    assert site.operator.get_backup(backup.name) == backup

    target = new_database("bksvcdst")
    restored = cli(
        "backup", "restore", backup_id(run), database_url=target, objects_dir=str(site.objects)
    )
    assert restored.returncode == 0, restored.stderr
    assert head(target) == (backup.ledger_height, backup.ledger_hash)
    assert 5 <= len(numbers(target)) <= len(numbers(site.url))


def test_verification_over_grpc_passes_a_whole_backup_and_names_an_altered_chunk(
    site: Site,
) -> None:
    taken = site.operator.wait_for_backup(site.operator.create_backup(), timeout=120)
    assert taken.state == SUCCEEDED, taken.error

    verified = site.operator.wait_for_backup(site.operator.verify_backup(taken.backup), timeout=120)
    assert verified.kind == pb.BACKUP_RUN_KIND_VERIFY and verified.backup == taken.backup
    assert verified.state == SUCCEEDED, verified.error
    assert not verified.corrupt and verified.done == verified.total > 0
    assert verified.rows == site.operator.get_backup(taken.backup).rows

    stored = sorted((site.objects / "backups" / backup_id(taken) / "tables").rglob("*.chunk"))
    victim = stored[len(stored) // 2]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x40
    victim.write_bytes(bytes(data))
    failed = site.operator.wait_for_backup(site.operator.verify_backup(taken.backup), timeout=120)
    assert failed.state == FAILED and failed.corrupt
    assert "does not verify" in failed.error and victim.parent.name in failed.error


@pytest.mark.parametrize(
    ("role", "org_unit"),
    [("teller", "*"), ("security_admin", "*"), ("operator", "HO01"), ("auditor", "*")],
    ids=["teller", "security-admin", "operator-of-one-branch", "auditor"],
)
def test_only_a_whole_bank_backups_manager_may_take_list_or_verify_backups(
    site: Site, role: str, org_unit: str
) -> None:
    with site.client_of(role, org_unit) as client:
        for call in (client.create_backup, client.list_backups):
            with pytest.raises(RPCError) as denied:
                call()
            assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_an_operator_sees_no_customer(site: Site) -> None:
    number = onboard(site.admin, "看不见的客户")
    with pytest.raises(RPCError) as denied:
        site.operator.get_customer(number)
    assert denied.value.code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)


def test_bad_names_are_invalid_arguments_naming_the_field_and_unknown_ones_not_found(
    site: Site,
) -> None:
    for call in (
        lambda: site.operator.verify_backup("backups/last-tuesday"),
        lambda: site.operator.get_backup("backups/../manifest"),
        lambda: site.operator.get_backup_run("backupRuns/42"),
    ):
        with pytest.raises(RPCError) as bad:
            call()
        assert bad.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert list(bad.value.field_violations) == ["name"]
    missing = "backups/20200101T000000Z-0badf00d"
    for call in (
        lambda: site.operator.verify_backup(missing),
        lambda: site.operator.get_backup(missing),
        lambda: site.operator.get_backup_run(f"backupRuns/{uuid.uuid4()}"),
    ):
        with pytest.raises(RPCError) as absent:
            call()
        assert absent.value.code == grpc.StatusCode.NOT_FOUND


def test_a_run_left_half_done_by_a_dead_replica_is_redone_whole_under_its_id(
    site: Site,
) -> None:
    """The replica that claims a run another one left finds that one's chunks and starts over."""
    values = {"database_url": site.url, "objects_dir": str(site.objects), "backup_chunk_size": 4096}
    settings = Settings(**values)  # type: ignore[arg-type]
    kernel = Kernel.open(settings)  # its job runner is not started: the run is run here, below
    try:
        jobs = BackupJobs(kernel)
        run_id = jobs.create(created_by="tests")
        wanted = jobs.get(run_id).backup_id
        left = manifest.chunk_key(wanted, "customers", 7)
        kernel.objects.put(left, b"what a replica killed mid-backup wrote")
        kernel.jobs.run(run_id)
        done = jobs.get(run_id)
        assert done.state == "succeeded" and done.backup_id == wanted, done.error
        assert kernel.objects.size(left) is None
        verify_backup(kernel.objects, wanted, kernel.keyring.master)  # nothing it does not name
    finally:
        kernel.close()
