"""An SRE backs the database up while it serves writes and restores it elsewhere.

The backup is one consistent snapshot (`backup create` runs while a writer thread onboards
customers): restored into an empty database, it has the manifest's ledger head, its ledger verifies
with every hash chain, and every customer's 360 view is the source's. A restore refuses a target
that is not empty and a backup that does not verify (writing nothing), a SQLite backup restores
into PostgreSQL, a customer erased after the backup is erased again by the restore, retention
removes expired backups, and all of it works on an S3 store too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from customer_core.api.server import RunningServer
from customer_core.backup.restore import is_empty
from customer_core.cli.main import app
from customer_core.client import Client
from customer_core.storage import create_engine, migrate
from customer_core.storage.tables import customers, data_keys, ledger_blocks, ledger_entries
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import mobile, person
from tests.support.postgres import PostgresServer
from tests.support.s3 import S3Server

CLI = str(Path(sys.executable).parent / "customer-core")
REASON = "backup test, ticket DPO-7"


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs `customer-core` in this process (a new process costs seconds of imports), with
    `CUSTOMER_CORE_*` settings from `env`."""
    values = {f"CUSTOMER_CORE_{k.upper()}": v for k, v in env.items()}
    result = CliRunner().invoke(app, list(args), env=values, catch_exceptions=False)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def shell(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs the installed `customer-core` command."""
    values = {**os.environ, **{f"CUSTOMER_CORE_{k.upper()}": v for k, v in env.items()}}
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, timeout=120, check=False, env=values
    )


def onboard(client: Client, label: str) -> str:
    profile, card = person(label)
    created = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name=label,
        records=[profile, card, mobile(f"+86139{uuid.uuid4().int % 10**8:08d}")],
    )  # fmt: skip
    return created.customer_number


def numbers(url: str) -> list[str]:
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as c:
            return list(c.execute(select(customers.c.customer_number)).scalars())
    finally:
        engine.dispose()


def head(url: str) -> tuple[int, str] | None:
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as c:
            row = c.execute(
                select(ledger_blocks).order_by(ledger_blocks.c.height.desc()).limit(1)
            ).first()
            return None if row is None else (int(row.height), bytes(row.hash).hex())
    finally:
        engine.dispose()


def views(running: RunningServer, wanted: list[str]) -> dict[str, bytes]:
    with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
        return {n: client.get_360(n).SerializeToString(deterministic=True) for n in wanted}


class Source:
    """A served database and its object store directory."""

    def __init__(self, url: str, objects: Path) -> None:
        self.url, self.objects = url, objects
        self.server = start_server(url, objects_dir=str(objects), ledger_seal_interval=0.2)
        self.client = Client(f"127.0.0.1:{self.server.port}", token=admin_token(self.server))

    def env(self, **more: str) -> dict[str, str]:
        return {"database_url": self.url, "objects_dir": str(self.objects), **more}

    def backup(self, *, run: Any = None, **more: str) -> dict[str, Any]:
        done = (run or cli)("backup", "create", **self.env(**{"backup_chunk_size": "4096", **more}))
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout.splitlines()[-1]))

    def close(self) -> None:
        self.client.close()
        self.server.stop(grace=1)


@pytest.fixture(scope="module")
def source(new_database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:  # type: ignore[no-untyped-def]
    src = Source(new_database("bksrc"), tmp_path_factory.mktemp("objects"))
    for i in range(6):
        onboard(src.client, f"备份客户{i}")
    src.server.sealer.seal_now(10)
    yield src
    src.close()


def restore(
    src: Source, backup_id: str, target: str, **more: str
) -> subprocess.CompletedProcess[str]:
    return cli("backup", "restore", backup_id, **{**src.env(**more), "database_url": target})


def test_backup_under_writes_restores_to_the_same_ledger_head_chains_and_360_views(
    source: Source, new_database
) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    written: list[str] = []

    def writer() -> None:
        while not stop.is_set():
            written.append(onboard(source.client, f"写入{len(written)}"))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 2:  # the writer is well under way
            threading.Event().wait(0.05)
        before = len(written)
        summary = source.backup(run=shell)  # the installed command, in a process of its own
        during = len(written) - before
    finally:
        stop.set()
        thread.join()
    assert during > 0  # customers were onboarded while the backup ran
    assert summary["chunks"] > summary["tables"] // 2 and summary["ledger_height"] > 0

    verified = cli("backup", "verify", summary["id"], **source.env())
    assert verified.returncode == 0, verified.stderr

    target = new_database("bkdst")
    done = restore(source, summary["id"], target)
    assert done.returncode == 0, done.stderr
    assert head(target) == (summary["ledger_height"], summary["ledger_hash"])
    source_head = head(source.url)
    assert source_head is not None and summary["ledger_height"] <= source_head[0]
    chains = cli("ledger", "verify", "--chains", database_url=target)
    assert chains.returncode == 0, chains.stdout + chains.stderr

    restored = numbers(target)
    assert 6 <= len(restored) < len(numbers(source.url))  # the writer went on after the snapshot
    server = start_server(target, objects_dir=str(source.objects))
    try:
        assert views(server, restored) == views(source.server, restored)
    finally:
        server.stop(grace=1)

    again = restore(source, summary["id"], target)  # the target now holds the restored rows
    assert again.returncode == 2 and "not empty" in again.stderr


def test_a_tampered_backup_is_refused_and_nothing_is_written(source: Source, new_database) -> None:  # type: ignore[no-untyped-def]
    summary = source.backup()
    chunk = sorted((source.objects / "backups" / summary["id"] / "tables" / "customers").iterdir())[
        0
    ]
    intact = chunk.read_bytes()
    chunk.write_bytes(intact[:-1] + bytes([intact[-1] ^ 1]))
    target = new_database("bktampered")
    try:
        checked = cli("backup", "verify", summary["id"], **source.env())
        assert checked.returncode == 1 and "DOES NOT VERIFY" in checked.stderr
        done = restore(source, summary["id"], target)
        assert done.returncode == 1 and "nothing restored" in done.stderr
        engine = create_engine(target, pool_size=1)
        try:
            assert is_empty(engine)
        finally:
            engine.dispose()
    finally:
        chunk.write_bytes(intact)
    assert cli("backup", "verify", summary["id"], **source.env()).returncode == 0
    path = source.objects / "backups" / summary["id"] / "manifest.json"
    manifest = path.read_bytes()
    path.write_bytes(manifest.replace(b'"rows":', b'"rows":1', 1))  # an edited row count
    try:
        checked = cli("backup", "verify", summary["id"], **source.env())
        assert checked.returncode == 1 and "MAC" in checked.stderr
    finally:
        path.write_bytes(manifest)


def test_a_customer_erased_after_the_backup_is_still_erased_after_the_restore(
    source: Source, new_database, master_key_file: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    number = onboard(source.client, "将被删除")
    source.client.close_customer(number, "customer request")
    summary = source.backup()
    # The master key as it was before the erasure (say, restored with the database): only the
    # object store's shred list remembers the erasure.
    before, control_key = tmp_path / "master-before.key", tmp_path / "master-control.key"
    shutil.copy2(master_key_file, before)
    shutil.copy2(master_key_file, control_key)
    source.client.erase_customer(number, REASON)
    assert (source.objects / "shredded").is_dir()

    target = new_database("bkerased")
    done = restore(source, summary["id"], target, master_key_file=str(before))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["shred_list"] >= 1
    assert erased_in(target, number) == (True, 0)
    chains = cli("ledger", "verify", "--chains", database_url=target)
    assert chains.returncode == 0, chains.stdout + chains.stderr

    # The restore recorded the erasure with that master key too.
    erasures = [set(json.loads(k.read_text()).get("erased", [])) for k in (before, control_key)]
    assert erasures[0] - erasures[1]

    # Without the shred list (and with such a master key) the backup would bring it back.
    shutil.move(source.objects / "shredded", tmp_path / "shredded")
    try:
        control = new_database("bkcontrol")
        done = restore(source, summary["id"], control, master_key_file=str(control_key))
        assert done.returncode == 0, done.stderr
        erased, keys = erased_in(control, number)
        assert not erased and keys > 0
    finally:
        shutil.move(tmp_path / "shredded", source.objects / "shredded")


def erased_in(url: str, number: str) -> tuple[bool, int]:
    """Whether the customer is erased in the database at `url`, and how many data keys it has."""
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as c:
            row = c.execute(select(customers).where(customers.c.customer_number == number)).one()
            keys = c.execute(
                select(func.count()).select_from(data_keys).where(data_keys.c.customer_id == row.id)
            ).scalar_one()
            return row.erase_time is not None, int(keys)
    finally:
        engine.dispose()


def test_retention_removes_expired_backups_after_a_new_one(source: Source, tmp_path: Path) -> None:
    objects = tmp_path / "retained"
    old = f"{datetime.now(UTC) - timedelta(days=3):%Y%m%dT%H%M%SZ}-deadbeef"
    (objects / "backups" / old / "tables").mkdir(parents=True)
    (objects / "backups" / old / "tables" / "x.chunk").write_bytes(b"abandoned")
    env = {"objects_dir": str(objects), "backup_keep_last": "1", "backup_keep_days": "0"}
    first = source.backup(**env)
    second = source.backup(**env)
    listed = [
        json.loads(line) for line in cli("backup", "list", **source.env(**env)).stdout.splitlines()
    ]
    assert [b["id"] for b in listed] == [second["id"]] and first["id"] != second["id"]
    assert listed[0]["complete"] and listed[0]["ledger_height"] > 0
    assert cli("backup", "prune", **source.env(**env)).stdout == ""


@pytest.mark.postgresql_only
def test_a_sqlite_backup_restores_into_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'source.db'}"
    migrate(sqlite_url)
    src = Source(sqlite_url, tmp_path / "objects")
    try:
        for i in range(3):
            onboard(src.client, f"迁移客户{i}")
        src.server.sealer.seal_now(10)
        summary = src.backup()
        target = postgres.create_database(f"frm_sqlite_{uuid.uuid4().hex[:8]}")
        done = restore(src, summary["id"], target)
        assert done.returncode == 0, done.stderr
        assert head(target) == head(sqlite_url)
        chains = cli("ledger", "verify", "--chains", database_url=target)
        assert chains.returncode == 0, chains.stdout + chains.stderr
        server = start_server(target, objects_dir=str(src.objects))
        try:
            wanted = numbers(sqlite_url)
            assert views(server, wanted) == views(src.server, wanted)
        finally:
            server.stop(grace=1)
    finally:
        src.close()


def test_backup_and_restore_through_an_s3_store(
    source: Source, s3_server: S3Server, new_database
) -> None:  # type: ignore[no-untyped-def]
    bucket = f"backups-{uuid.uuid4().hex[:8]}"
    s3 = {
        k: str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in s3_server.settings(bucket).items()
    }
    summary = source.backup(**s3, backup_chunk_size="262144")
    assert cli("backup", "verify", summary["id"], **source.env(**s3)).returncode == 0
    target = new_database("bks3")
    done = restore(source, summary["id"], target, **s3)
    assert done.returncode == 0, done.stderr
    assert head(target) == (summary["ledger_height"], summary["ledger_hash"])
    engine = create_engine(target, pool_size=1)
    try:
        with engine.connect() as c:
            entries = c.execute(select(func.count()).select_from(ledger_entries)).scalar_one()
    finally:
        engine.dispose()
    assert entries > 0
