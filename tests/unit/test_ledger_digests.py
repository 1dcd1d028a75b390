"""Ledger digests (`ledger.digests`) in both object stores — the local directory and S3 on a real
server (SeaweedFS): written once as canonical JSON, under object lock on S3, never replaced by a
different digest, and compared with the database's blocks naming the first that differs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from customer_core.ledger import digests
from customer_core.ledger.blocks import micros
from customer_core.ledger.sealer import LedgerSealer
from customer_core.objects import ObjectLocked, ObjectStore
from customer_core.objects.local import LocalStore
from customer_core.objects.s3 import S3Store
from customer_core.storage import create_engine
from customer_core.storage.tables import ledger_blocks
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, S3Server

SEALED_AT = datetime(2026, 12, 5, 13, 0, 0, 123456, tzinfo=UTC)


def s3_store(server: S3Server) -> S3Store:
    return S3Store(
        server.endpoint, f"d-{uuid.uuid4().hex[:12]}", ACCESS_KEY, SECRET_KEY,
        tls=False, connect_timeout=1.0, read_timeout=5.0, retries=2,
    )  # fmt: skip


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "objects")
    else:
        yield s3_store(request.getfixturevalue("s3_server"))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A database with only the blocks table, holding blocks 1..3."""
    engine = create_engine(f"sqlite:///{tmp_path / 'blocks.db'}", pool_size=1)
    ledger_blocks.create(engine)
    with engine.begin() as connection:
        connection.execute(insert(ledger_blocks), [block(h) for h in (1, 2, 3)])
    yield engine
    engine.dispose()


def block(height: int, **changes: Any) -> dict[str, Any]:
    row = {
        "height": height, "first_offset": height * 10 - 9, "last_offset": height * 10,
        "merkle_root": bytes([height]) * 32, "prev_hash": bytes([height - 1]) * 32,
        "hash": bytes([height, 1]) * 16, "signature": bytes([height, 2]) * 32,
        "public_key": "ab" * 64, "fencing_token": 7, "sealed_at": SEALED_AT,
        "token_signature": bytes([9]) * 64 if height == 1 else b"",
    }  # fmt: skip
    row.update(changes)
    return row


def rows(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(ledger_blocks).order_by(ledger_blocks.c.height)))


def compare(engine: Engine, store: ObjectStore, first: int = 1, last: int = 0) -> Any:
    with engine.connect() as connection:
        return digests.compare(connection, store, first, last)


def test_a_digest_is_canonical_json_of_the_whole_head_at_its_height(
    store: ObjectStore, engine: Engine
) -> None:
    first = rows(engine)[0]
    assert digests.publish(store, first) is True
    assert list(store.list(digests.PREFIX)) == ["ledger/digests/000000000001.json"]
    raw = store.get("ledger/digests/000000000001.json")
    assert raw == json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    digest = digests.load(store, 1)
    assert digest is not None
    assert set(digests.FIELDS) <= set(digest)
    assert digest["merkle_root"] == (bytes([1]) * 32).hex()
    assert digest["token_signature"] == (bytes([9]) * 64).hex()
    assert digest["sealed_at"] == micros(SEALED_AT)
    assert digests.load(store, 2) is None
    # Publishing the same head again writes nothing.
    assert digests.publish(store, first) is False


def test_a_different_digest_is_never_written_over_one_there(
    store: ObjectStore, engine: Engine
) -> None:
    first = rows(engine)[0]
    digests.publish(store, first)
    before = store.get(digests.key(1))
    forged = dict(first._mapping, merkle_root=bytes(32))
    with pytest.raises(digests.DigestConflict):
        digests.publish(store, type("Row", (), forged)())
    assert store.get(digests.key(1)) == before


def test_compare_passes_matching_blocks_and_names_the_first_that_differs(
    store: ObjectStore, engine: Engine
) -> None:
    for row in rows(engine):
        digests.publish(store, row)
    result = compare(engine, store)
    assert result.ok and result.checked == 3
    with engine.begin() as connection:  # the database rewritten: block 2 re-signed
        connection.execute(
            update(ledger_blocks)
            .where(ledger_blocks.c.height == 2)
            .values(signature=bytes(64), public_key="cd" * 64)
        )
    result = compare(engine, store)
    assert not result.ok and result.failed_block == 2 and result.checked == 1
    assert result.failure == "block 2: signature differs from its digest in the object store"
    assert compare(engine, store, 3, 3).ok  # a range that leaves block 2 out


def test_compare_names_a_missing_digest_and_a_block_gone_from_the_database(
    store: ObjectStore, engine: Engine
) -> None:
    for row in rows(engine):
        digests.publish(store, row)
    with engine.begin() as connection:
        connection.execute(insert(ledger_blocks).values(**block(4)))
    result = compare(engine, store)
    assert (result.failed_block, result.failure) == (4, "digest missing for block 4")
    with engine.begin() as connection:  # the database truncated below its digests
        connection.execute(ledger_blocks.delete().where(ledger_blocks.c.height >= 3))
    result = compare(engine, store)
    assert result.failed_block == 3
    assert result.failure == "block 3 missing from database but its digest exists"


def test_the_s3_store_keeps_digests_under_object_lock(s3_server: S3Server, engine: Engine) -> None:
    store = s3_store(s3_server)
    digests.publish(store, rows(engine)[0], retain_until=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(ObjectLocked):
        store.delete(digests.key(1))
    assert digests.load(store, 1) is not None


def test_the_sealer_publishes_to_s3_and_catches_up_after_an_outage(
    s3_server: S3Server, engine: Engine
) -> None:
    """The publisher the sealer runs after each block: the digests the store missed while down
    are published on a later round."""
    down = S3Store(
        "127.0.0.1:1", "none", ACCESS_KEY, SECRET_KEY, tls=False,
        connect_timeout=0.2, read_timeout=0.2, retries=0,
    )  # fmt: skip
    failing = digests.DigestPublisher(engine, down, retry_after=0)
    assert failing.catch_up() == 0 and failing.behind  # logged, never raised
    store = s3_store(s3_server)
    publisher = digests.DigestPublisher(engine, store, retention_days=1)
    assert publisher.catch_up() == 3
    assert [digests.height_of(k) for k in store.list(digests.PREFIX)] == [1, 2, 3]
    assert not publisher.behind
    with engine.begin() as connection:
        connection.execute(insert(ledger_blocks).values(**block(4)))
    assert publisher.catch_up() == 1
    assert compare(engine, store).ok and compare(engine, store).checked == 4
    # A new sealer (a restart) finds where the store is by listing it, and publishes nothing.
    assert digests.DigestPublisher(engine, store).catch_up() == 0


def test_a_sealer_without_a_store_publishes_no_digests(engine: Engine) -> None:
    sealer = LedgerSealer(engine, keyring=None, digest_store=None)  # type: ignore[arg-type]
    assert sealer.digests is None
