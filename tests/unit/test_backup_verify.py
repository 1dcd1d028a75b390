"""`backup verify` catches every corruption of a backup: 1,000 random ones (flipped, truncated,
extended, missing or swapped chunks, chunks of another backup, edited manifests), each caught.

The backup is a small SQLite database's, cut into many chunks, in a local object store; each
corruption is undone before the next.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from customer_core.backup import manifest, rows
from customer_core.backup.manifest import BackupCorrupt
from customer_core.backup.restore import RestoreRefused, restore_backup
from customer_core.backup.retention import Listed, expired, list_backups, prune
from customer_core.backup.snapshot import create_backup, kernel_tables
from customer_core.backup.verify import verify_backup
from customer_core.crypto import primitives
from customer_core.crypto.keyring import Keyring
from customer_core.crypto.master_key import LocalMasterKey
from customer_core.objects.local import LocalStore
from customer_core.storage import create_engine, migrate, run_in_transaction
from customer_core.storage.tables import customers, idempotency_records, role_bindings

TRIALS = 1000


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[LocalStore, LocalMasterKey, list[str], str]:
    root = tmp_path_factory.mktemp("backup")
    url = f"sqlite:///{root / 'db.sqlite'}"
    migrate(url)
    engine = create_engine(url, pool_size=2)
    now = datetime.now(UTC)

    def fill(connection) -> None:  # type: ignore[no-untyped-def]
        connection.execute(
            idempotency_records.insert(),
            [
                {
                    "request_id": str(uuid.uuid4()), "method": "/m/CreateCustomer",
                    "fingerprint": "f" * 64, "response": primitives.random_key() * (i % 5 + 1),
                    "create_time": now - timedelta(seconds=i),
                }
                for i in range(150)
            ],
        )  # fmt: skip
        # A merged customer whose survivor sorts after it: restored before its survivor is.
        survivor, merged = uuid.UUID(int=2), uuid.UUID(int=1)
        for id_, into in ((survivor, None), (merged, survivor)):
            connection.execute(
                customers.insert().values(
                    id=id_, customer_number=f"10000000000000000{id_.int}", type="INDIVIDUAL",
                    status="MERGED" if into else "ACTIVE", owning_org_unit="HO01",
                    display_name="张三", merged_into_id=into, version=1, create_time=now,
                    update_time=now,
                )
            )  # fmt: skip
        connection.execute(
            role_bindings.insert(),
            [
                {
                    "id": uuid.uuid4(), "principal": f"teller-{i}", "role": "teller",
                    "org_unit": "HO01", "read_subjects": "", "write_subjects": "",
                    "created_by": "tests", "create_time": now,
                }
                for i in range(40)
            ],
        )  # fmt: skip

    run_in_transaction(engine, fill)
    master = LocalMasterKey({1: primitives.random_key()}, 1)
    keyring = Keyring(master)
    store = LocalStore(root / "objects")
    ids = [
        create_backup(engine, keyring, store, chunk_bytes=2048)["id"],
        create_backup(engine, keyring, store, chunk_bytes=2048)["id"],
    ]
    engine.dispose()
    return store, master, ids, url


def _objects(store: LocalStore, backup_id: str) -> dict[str, bytes]:
    return {k: store.get(k) for k in store.list(f"backups/{backup_id}/")}


def test_an_intact_backup_verifies(setup) -> None:  # type: ignore[no-untyped-def]
    store, master, ids, _ = setup
    for backup_id in ids:
        backup = verify_backup(store, backup_id, master)
        tables = {t["name"]: t for t in backup.manifest["tables"]}
        assert tables["idempotency_records"]["rows"] == 150
        assert len(tables["idempotency_records"]["chunks"]) > 5
        assert backup.manifest["schema_revision"]


def test_a_thousand_random_corruptions_are_all_caught(setup) -> None:  # type: ignore[no-untyped-def]
    store, master, (backup_id, other_id), _ = setup
    original = _objects(store, backup_id)
    others = _objects(store, other_id)
    chunk_keys = sorted(k for k in original if k.endswith(".chunk"))
    manifest_key = manifest.manifest_key(backup_id)
    rng = random.Random(20261205)
    kinds: dict[str, int] = {}

    def flip(data: bytes) -> bytes:
        i = rng.randrange(len(data))
        return data[:i] + bytes([data[i] ^ rng.randrange(1, 256)]) + data[i + 1 :]

    def edit_manifest() -> tuple[str, bytes | None]:
        raw = original[manifest_key]
        how = rng.randrange(4)
        if how == 0:
            return manifest_key, flip(raw)
        if how == 1:
            return manifest_key, raw[: rng.randrange(len(raw))]
        body = manifest.parse_manifest(raw)  # a plausible edit, written canonically, MAC kept
        table = rng.choice([t for t in body["tables"] if t["chunks"]])
        if how == 2:
            table["rows"] += rng.choice((-1, 1))
        else:
            chunk = rng.choice(table["chunks"])
            chunk["sm3"] = primitives.sm3(rng.randbytes(8)).hex()
        return manifest_key, manifest.canonical(body)

    for _ in range(TRIALS):
        kind = rng.choice(("flip", "truncate", "extend", "missing", "swap", "foreign", "manifest"))
        kinds[kind] = kinds.get(kind, 0) + 1
        key = rng.choice(chunk_keys)
        changes: dict[str, bytes | None] = {}
        if kind == "flip":
            changes[key] = flip(original[key])
        elif kind == "truncate":
            changes[key] = original[key][: rng.randrange(len(original[key]))]
        elif kind == "extend":
            changes[key] = original[key] + rng.randbytes(rng.randrange(1, 64))
        elif kind == "missing":
            changes[key] = None
        elif kind == "swap":
            other = rng.choice([k for k in chunk_keys if original[k] != original[key]])
            changes[key], changes[other] = original[other], original[key]
        elif kind == "foreign":  # the other backup's chunk at the same place, or its manifest
            twin = key.replace(backup_id, other_id)
            if twin in others and rng.randrange(2):
                changes[key] = others[twin]
            else:
                changes[manifest_key] = others[manifest.manifest_key(other_id)]
        else:
            k, v = edit_manifest()
            changes[k] = v
        for k, v in changes.items():
            if v is None:
                store.delete(k)
            else:
                store.put(k, v)
        try:
            with pytest.raises(BackupCorrupt):
                verify_backup(store, backup_id, master)
        finally:
            for k in changes:
                store.put(k, original[k])
    assert verify_backup(store, backup_id, master).id == backup_id
    assert set(kinds) == {"flip", "truncate", "extend", "missing", "swap", "foreign", "manifest"}


def test_another_master_key_cannot_open_a_backup(setup) -> None:  # type: ignore[no-untyped-def]
    store, _, ids, _ = setup
    with pytest.raises(BackupCorrupt, match="wrapped key"):
        verify_backup(store, ids[0], LocalMasterKey({1: primitives.random_key()}, 1))


def test_values_survive_the_tagged_encoding() -> None:
    values = [
        None, True, 7, 2.5, "张三", b"\x00\xff", uuid.uuid4(),
        datetime(2026, 12, 5, 13, 0, tzinfo=UTC), {"a": [1]},
    ]  # fmt: skip
    columns = [f"c{i}" for i in range(len(values))]
    (row,) = rows.decode_rows(rows.encode_row(values), columns)
    assert list(row.values()) == values


def test_retention_keeps_the_newest_and_the_young(tmp_path: Path) -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)

    def listed(days: float, complete: bool = True) -> Listed:
        time = now - timedelta(days=days)
        return Listed(f"{time:%Y%m%dT%H%M%SZ}-0000000{int(days) % 10}", time, complete, 1, 0)

    backups = [listed(d) for d in (40, 35, 31, 20, 2)] + [listed(3, complete=False)]
    backups.sort(key=lambda b: b.id)
    gone = {b.id for b in expired(backups, keep_last=2, keep_days=30, now=now)}
    # 40 and 35 are old and not among the newest two; 31 is old too; 20 and 2 are young;
    # the incomplete one is past a day.
    assert gone == {backups[0].id, backups[1].id, backups[2].id, backups[4].id}
    assert {b.id for b in expired(backups, keep_last=5, keep_days=0, now=now)} == {backups[4].id}

    store = LocalStore(tmp_path)
    for b in backups:
        store.put(f"backups/{b.id}/tables/t/000000.chunk", b"x")
        if b.complete:
            store.put(manifest.manifest_key(b.id), b"{}")
    assert set(prune(store, 2, 30, now)) == gone
    assert {b.id for b in list_backups(store)} == {b.id for b in backups} - gone


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as c:
            return {
                t.name: [tuple(r) for r in c.execute(select(t).order_by(*t.primary_key.columns))]
                for t in kernel_tables()
            }
    finally:
        engine.dispose()


def test_a_restore_gives_back_every_row_and_refuses_a_second_time(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, master, ids, url = setup
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restored = restore_backup(store, ids[0], master, target)
    assert restored.rows["customers"] == 2 and restored.rows["idempotency_records"] == 150
    source, copy = _dump(url), _dump(target)
    assert copy == source  # every value of every row, types and time zones included
    merged = next(r for r in copy["customers"] if r[1].endswith("1"))
    assert merged[6] == uuid.UUID(int=2)
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_backup(store, ids[0], master, target)
