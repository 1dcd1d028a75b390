"""The object-store contract, held by both implementations: the local directory (the embedded
default) and S3 through the `minio` client against a real S3 server (SeaweedFS)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from customer_core.objects import ObjectLocked, ObjectMissing, ObjectStore, StoreUnavailable
from customer_core.objects.local import LocalStore
from customer_core.objects.s3 import S3Store
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, S3Server


def s3_store(server: S3Server, bucket: str | None = None) -> S3Store:
    return S3Store(
        server.endpoint,
        bucket or f"t-{uuid.uuid4().hex[:12]}",
        ACCESS_KEY,
        SECRET_KEY,
        tls=False,
        connect_timeout=1.0,
        read_timeout=5.0,
        retries=2,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "objects")
    else:
        yield s3_store(request.getfixturevalue("s3_server"))


def test_put_get_ranges_and_size(store: ObjectStore) -> None:
    data = bytes(range(256)) * 40
    store.put("documents/c1/d1/000000", data)
    assert store.get("documents/c1/d1/000000") == data
    assert store.get("documents/c1/d1/000000", 10, 5) == data[10:15]
    assert store.get("documents/c1/d1/000000", len(data) - 3) == data[-3:]
    assert store.size("documents/c1/d1/000000") == len(data)
    store.put("empty", b"")
    assert store.get("empty") == b"" and store.size("empty") == 0


def test_overwrite_replaces_and_missing_is_missing(store: ObjectStore) -> None:
    store.put("a/x", b"first")
    store.put("a/x", b"second")
    assert store.get("a/x") == b"second"
    assert store.size("a/none") is None
    with pytest.raises(ObjectMissing):
        store.get("a/none")


def test_list_is_by_folder_and_sorted_and_delete_removes(store: ObjectStore) -> None:
    for key in ("backups/2/m", "backups/1/c/000001", "backups/1/c/000000", "backupsX/1", "other/1"):
        store.put(key, key.encode())
    assert list(store.list("backups/")) == [
        "backups/1/c/000000",
        "backups/1/c/000001",
        "backups/2/m",
    ]
    store.delete("backups/1/c/000000")
    store.delete("backups/1/c/000000")  # deleting what is gone is nothing
    assert list(store.list("backups/1/")) == ["backups/1/c/000001"]
    assert store.size("backups/1/c/000000") is None
    assert list(store.list("nothing/")) == []


@pytest.mark.parametrize("key", ["", "/a", "a//b", "a/../b", "../a", "a b", "a/./b"])
def test_bad_keys_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_local_directory_does_not_enforce_object_lock(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    assert store.lock_enforced() is False
    store.put("locked", b"x", retain_until=datetime.now(UTC) + timedelta(days=1))
    store.delete("locked")  # only the kernel enforces retention on a directory
    assert store.size("locked") is None


def test_local_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("a/b", b"x" * 1000)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]


def test_s3_store_found_to_enforce_object_lock_keeps_locked_objects(s3_server: S3Server) -> None:
    store = s3_store(s3_server)
    enforced = store.lock_enforced()
    store.put("locked", b"keep", retain_until=datetime.now(UTC) + timedelta(minutes=5))
    if enforced:  # SeaweedFS 4.x enforces COMPLIANCE retention; the probe must have found it
        with pytest.raises(ObjectLocked):
            store.delete("locked")
        assert store.get("locked") == b"keep"
    else:
        store.delete("locked")
        assert store.size("locked") is None
    # Whatever the store does, the probe's answer matches what deleting a locked object did.
    store.put("unlocked", b"go")
    store.delete("unlocked")
    assert store.size("unlocked") is None


def test_s3_delete_removes_every_version(s3_server: S3Server) -> None:
    store = s3_store(s3_server)
    for n in range(3):
        store.put("v/x", f"version {n}".encode())
    store.delete("v/x")
    versions = list(
        s3_server.client().list_objects(store.bucket, prefix="v/x", include_version=True)
    )
    assert versions == []


def test_unreachable_store_is_unavailable_then_serves_again(tmp_path: Path) -> None:
    server = S3Server()
    try:
        server.start()
        store = s3_store(server)
        store.put("k", b"before")
        server.stop()
        for call in (lambda: store.get("k"), lambda: store.put("k", b"x"), store.check):
            with pytest.raises(StoreUnavailable) as raised:
                call()
            assert raised.value.reason == "OBJECT_STORE_UNAVAILABLE"
        server.start()
        store.check()
        assert store.get("k") == b"before"  # the same client serves again: no restart needed
    finally:
        server.remove()
