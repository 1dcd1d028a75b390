"""An auditor checks the database's ledger against the block digests the sealer kept in the object
store (`ledger.digests`): a database rewritten wholesale — a block re-hashed and re-signed under a
key the intruder registered, which the database's own verification accepts — is still caught, and
`customer-core ledger verify --digests` names the block. On the local directory and on S3
(SeaweedFS), with the suite's database backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import func, insert, select, update

from customer_core.api.server import RunningServer
from customer_core.client import Client
from customer_core.crypto import primitives
from customer_core.kernel.config import Settings
from customer_core.ledger import blocks, digests, signing
from customer_core.ledger.verify import verify
from customer_core.objects import ObjectStore, open_store
from customer_core.storage.tables import ledger_blocks, ledger_signing_keys
from tests.integration.conftest import admin_token, start_server
from tests.integration.test_ledger_seal_verify import tamper, write_changes
from tests.support.s3 import S3Server

CLI = str(Path(sys.executable).parent / "customer-core")
BLOCK_SIZE = 4


@dataclass
class Sealed:
    url: str
    objects: dict[str, object]  # the server's object-store settings
    running: RunningServer
    stopped: bool = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.running.stop(grace=1)

    @property
    def store(self) -> ObjectStore:
        return open_store(Settings(**self.objects))  # type: ignore[arg-type]

    def heights(self) -> list[int]:
        with self.running.kernel.engine.connect() as connection:
            return list(connection.execute(select(ledger_blocks.c.height)).scalars())

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "CUSTOMER_CORE_DATABASE_URL": self.url,
            **{f"CUSTOMER_CORE_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
               for k, v in self.objects.items()},
        }  # fmt: skip
        return subprocess.run(
            [CLI, "ledger", *args], capture_output=True, text=True, timeout=120, env=env,
            check=False,
        )  # fmt: skip


@pytest.fixture(params=["local", "s3"])
def sealed(request: pytest.FixtureRequest, new_database: Any, tmp_path: Path) -> Iterator[Sealed]:
    """A server whose changes are sealed into several blocks, their digests in its store."""
    if request.param == "local":
        objects: dict[str, object] = {"objects_dir": str(tmp_path / "objects")}
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        objects = server.settings(f"ld-{uuid.uuid4().hex[:10]}")
    running = start_server(new_database("digests"), None, ledger_block_size=BLOCK_SIZE, **objects)
    result = Sealed(running.kernel.settings.database_url, objects, running)
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            write_changes(client, customers=2)
        running.sealer.seal_now()
        yield result
    finally:
        result.stop()


def rewrite_last_block(url: str) -> int:
    """What an intruder with the database's credentials (not the master key) can do: registers a
    key pair of their own, self-signed, and re-seals the last block under it at another time.
    The block's height."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(ledger_blocks).order_by(ledger_blocks.c.height.desc()).limit(1)
            ).one()
            key_row = connection.execute(
                select(ledger_signing_keys).order_by(ledger_signing_keys.c.version.desc()).limit(1)
            ).one()
            version = (
                int(
                    connection.execute(select(func.max(ledger_signing_keys.c.version))).scalar_one()
                )
                + 1
            )
    finally:
        engine.dispose()
    private, public = primitives.generate_sm2_keypair()
    create_time = datetime.now(UTC)
    message = signing.key_message(version, public, key_row.data_key_id, b"forged", create_time)
    tamper(
        url,
        "ledger_signing_keys",
        insert(ledger_signing_keys).values(
            version=version, public_key=public, data_key_id=key_row.data_key_id,
            wrapped=b"forged", create_time=create_time,
            signature=primitives.sm2_sign(private, public, message),
        ),
    )  # fmt: skip
    sealed_at = row.sealed_at + timedelta(seconds=1)
    head = blocks.head_hash(
        row.height, row.first_offset, row.last_offset, bytes(row.merkle_root),
        bytes(row.prev_hash), blocks.micros(sealed_at),
    )  # fmt: skip
    token_signature = (
        primitives.sm2_sign(private, public, blocks.token_message(head, row.fencing_token))
        if row.token_signature
        else b""
    )
    tamper(
        url,
        "ledger_blocks",
        update(ledger_blocks)
        .where(ledger_blocks.c.height == row.height)
        .values(
            hash=head, signature=primitives.sm2_sign(private, public, head), public_key=public,
            sealed_at=sealed_at, token_signature=token_signature,
        ),
    )  # fmt: skip
    return int(row.height)


def database_verifies(url: str) -> bool:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(verify(connection, chains=True).ok)
    finally:
        engine.dispose()


def test_every_sealed_block_has_its_digest_in_the_store(sealed: Sealed) -> None:
    heights = sealed.heights()
    assert len(heights) >= 3
    store = sealed.store
    assert [digests.height_of(k) for k in store.list(digests.PREFIX)] == sorted(heights)
    with sealed.running.kernel.engine.connect() as connection:
        assert digests.compare(connection, store).checked == len(heights)
    checked = sealed.cli("verify", "--digests")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["digests_checked"] == len(heights)
    assert f"{len(heights)} digests" in checked.stderr


def test_a_database_rewritten_wholesale_is_named_by_verify_against_the_digests(
    sealed: Sealed,
) -> None:
    sealed.stop()  # the intruder works on the database alone
    height = rewrite_last_block(sealed.url)
    # The rewrite is consistent: the database's own verification finds nothing wrong ...
    assert database_verifies(sealed.url)
    assert sealed.cli("verify", "--chains").returncode == 0
    # ... but the block no longer matches the digest kept outside the database.
    damaged = sealed.cli("verify", "--digests")
    assert damaged.returncode == 1, damaged.stdout + damaged.stderr
    assert f"block {height}" in damaged.stderr
    assert "LEDGER DOES NOT MATCH ITS DIGESTS" in damaged.stderr
    result = json.loads(damaged.stdout)
    assert result["digest_failed_block"] == height
    assert result["digests_checked"] == height - 1
    assert "differs from its digest" in result["digest_failure"]
    # A range below the rewritten block still verifies against its digests.
    assert sealed.cli("verify", "--digests", "--to", str(height - 1)).returncode == 0


@pytest.mark.parametrize("sealed", ["local"], indirect=True)  # S3 keeps digests under lock
def test_a_missing_digest_is_named(sealed: Sealed) -> None:
    (Path(str(sealed.objects["objects_dir"])) / digests.key(2)).unlink()
    damaged = sealed.cli("verify", "--digests")
    assert damaged.returncode == 1
    assert "digest missing for block 2" in damaged.stderr


def test_sealing_goes_on_while_the_store_is_down_and_digests_catch_up(
    new_database: Any, tmp_path: Path
) -> None:
    blocked = tmp_path / "objects"
    blocked.write_text("not a directory")  # every write to the store fails
    running = start_server(
        new_database("digests-down"), ledger_block_size=BLOCK_SIZE, objects_dir=str(blocked)
    )
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            write_changes(client, customers=1)
            assert running.sealer.seal_now() > 0  # the seal succeeds without its digests
            publisher = running.sealer.digests
            assert publisher is not None and publisher.behind
            blocked.unlink()  # the store is back
            publisher.retry_after = 0
            publisher._retry_at = 0.0
            write_changes(client, customers=1)
            running.sealer.seal_now()
        store = running.kernel.objects
        with running.kernel.engine.connect() as connection:
            heights = list(connection.execute(select(ledger_blocks.c.height)).scalars())
            result = digests.compare(connection, store)
        assert result.ok, result.failure
        assert result.checked == len(heights) > 1
    finally:
        running.stop(grace=1)
