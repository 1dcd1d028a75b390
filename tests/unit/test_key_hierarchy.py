"""The master key, KEKs and data keys: versions, retirement, binding and caching."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy

from customer_core.crypto import envelope, primitives
from customer_core.crypto.keyring import CUSTOMER_DATA, KeyDestroyedError, Keyring, customer_scope
from customer_core.crypto.master_key import EnvMasterKey, FileMasterKey, RetiredKeyError
from customer_core.errors import FailedPrecondition
from customer_core.storage import create_engine, migrate, run_in_transaction


def test_key_file_is_created_owner_only_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    first = FileMasterKey(path)
    assert path.stat().st_mode & 0o777 == 0o600
    version, wrapped = first.wrap(b"k" * 16, b"aad")
    assert FileMasterKey(path).unwrap(version, wrapped, b"aad") == b"k" * 16


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    FileMasterKey(path)
    path.chmod(0o644)
    with pytest.raises(PermissionError):
        FileMasterKey(path)


def test_rotated_master_keeps_old_version_until_retired(tmp_path: Path) -> None:
    master = FileMasterKey(tmp_path / "master.key")
    old_version, wrapped = master.wrap(b"x" * 16, b"a")
    new = master.rotate()
    assert master.active_version() == new == old_version + 1
    assert master.versions() == {1: "decrypt-only", 2: "active"}
    assert master.unwrap(old_version, wrapped, b"a") == b"x" * 16
    master.retire(old_version)
    with pytest.raises(RetiredKeyError):
        master.unwrap(old_version, wrapped, b"a")
    with pytest.raises(ValueError):
        master.retire(new)


def test_processes_sharing_the_key_file_take_in_each_others_changes(tmp_path: Path) -> None:
    """A server and the CLI each hold the file: what one rotates, retires or erases the other
    sees before it wraps, retires or writes, and no stale copy overwrites the other's change."""
    path = tmp_path / "master.key"
    server, cli = FileMasterKey(path), FileMasterKey(path)
    new = cli.rotate()
    cli.retire(1)
    version, wrapped = server.wrap(b"k" * 16, b"aad")  # not under the version the CLI retired
    assert (version, server.active_version()) == (new, new)
    assert server.versions() == {1: "retired", new: "active"}
    with pytest.raises(RetiredKeyError):
        server.unwrap(1, b"x" * 44, b"aad")
    server.record_erasure("customer-a")
    cli.record_erasure("customer-b")  # does not write back a copy without customer-a
    assert FileMasterKey(path).erased() == {"customer-a", "customer-b"}
    assert server.erased() == {"customer-a", "customer-b"}
    assert cli.unwrap(version, wrapped, b"aad") == b"k" * 16


def test_env_master_key_uses_highest_version_and_cannot_rotate() -> None:
    master = EnvMasterKey(f"1:{'00' * 16},2:{'11' * 16}")
    assert master.active_version() == 2
    with pytest.raises(FailedPrecondition):
        master.rotate()
    with pytest.raises(ValueError):
        EnvMasterKey("1:abcd")


def test_wrong_binding_fails_to_unwrap(tmp_path: Path) -> None:
    master = FileMasterKey(tmp_path / "master.key")
    version, wrapped = master.wrap(b"y" * 16, b"kek|customer-data|1")
    with pytest.raises(primitives.IntegrityError):
        master.unwrap(version, wrapped, b"kek|customer-data|2")


@pytest.fixture
def keyring_and_engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'k.db'}"
    migrate(url)
    engine = create_engine(url)
    yield Keyring(FileMasterKey(tmp_path / "master.key"), cache_ttl=60), engine
    engine.dispose()


def test_ciphertext_names_its_data_key_and_is_bound_to_its_field(keyring_and_engine) -> None:  # type: ignore[no-untyped-def]
    keyring, engine = keyring_and_engine
    customer = uuid.uuid4()
    key = run_in_transaction(
        engine,
        lambda c: keyring.data_key_for_write(
            c, customer_scope(customer, "contact"), CUSTOMER_DATA, customer
        ),
    )
    ciphertext = envelope.encrypt(key, b"+8613800138000", b"customer|contact|record|phone.number")
    assert envelope.key_id(ciphertext) == key.id
    assert (
        envelope.decrypt(key, ciphertext, b"customer|contact|record|phone.number")
        == b"+8613800138000"
    )
    with pytest.raises(primitives.IntegrityError):  # moved to another field
        envelope.decrypt(key, ciphertext, b"customer|contact|record|email.address")


def test_same_scope_reuses_its_key_and_shredding_destroys_it(keyring_and_engine) -> None:  # type: ignore[no-untyped-def]
    keyring, engine = keyring_and_engine
    customer = uuid.uuid4()
    scope = customer_scope(customer, "identification")
    first = run_in_transaction(
        engine, lambda c: keyring.data_key_for_write(c, scope, CUSTOMER_DATA, customer)
    )

    def reuse_then_shred(connection: sqlalchemy.Connection) -> None:
        assert keyring.data_key_for_write(connection, scope, CUSTOMER_DATA, customer).id == first.id
        assert keyring.destroy_customer_keys(connection, customer) == 1

    run_in_transaction(engine, reuse_then_shred)
    with engine.begin() as connection, pytest.raises(KeyDestroyedError):
        keyring.data_key(connection, first.id)
    with engine.connect() as connection:
        assert connection.execute(sqlalchemy.text("SELECT count(*) FROM data_keys")).scalar() == 0
