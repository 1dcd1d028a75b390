"""Erasing a closed customer crypto-shreds its personal data: its data keys are destroyed, so its
sensitive values are gone while everything that merely refers to them stays.

A backup taken BEFORE the erasure still holds the customer's wrapped data keys; `backup restore`
shreds such customers again from the object store's shred list (tests/integration/
test_backup_restore.py). The restores here are of copies of the database file itself.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from sqlalchemy import select
from sqlalchemy.engine import make_url

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError, unpack
from customer_core.crypto.keyring import KeyDestroyedError
from customer_core.storage import create_engine
from customer_core.storage.tables import blind_indexes, customers, data_keys, subject_records
from customer_core_contact.v1 import contact_pb2
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import id_card, mobile, profile, resident_id
from tests.support.postgres import PostgresServer

REASON = "erasure check, ticket DPO-12"


def address(street: str) -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        address=contact_pb2.PostalAddress(
            country="CHN", province="北京市", city="北京市", district="西城区", street=street
        ),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )


def email(value: str) -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        email=contact_pb2.Email(address=value), purpose=contact_pb2.CONTACT_PURPOSE_STATEMENT
    )


@dataclass
class Person:
    number: str
    id: uuid.UUID
    values: dict[str, str]  # kind -> plaintext
    name: str  # not sensitive: stored in clear


def onboard(client: Client, label: str) -> Person:
    tag = secrets.token_hex(4)
    label = f"{label} {tag}"
    values = {
        "id": resident_id(),
        "phone": f"+86137{secrets.randbelow(10**8):08d}",
        "email": f"shred.{tag}@example.cn",
        "street": f"金融大街{secrets.randbelow(900) + 100}号{tag}",
    }
    customer = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name=label,
        records=[
            profile(label),
            id_card(values["id"]),
            mobile(values["phone"]),
            email(values["email"]),
            address(values["street"]),
        ],
    )
    return Person(customer.customer_number, uuid.UUID(int=0), values, label)


def sensitive_values(view: Any) -> dict[str, str]:
    """kind -> value of every sensitive field in a Customer360 (as returned)."""
    found = {}
    for group in view.subjects:
        for record in group.records:
            message = unpack(record.data)
            if hasattr(message, "id_number"):
                found["id"] = message.id_number
            elif isinstance(message, contact_pb2.ContactPoint):
                point = message.WhichOneof("point")
                if point == "phone":
                    found["phone"] = message.phone.number
                elif point == "email":
                    found["email"] = message.email.address
                elif point == "address":
                    found["street"] = message.address.street
    return found


@dataclass
class Erased:
    """One customer erased, one left alone, and what the database held of the first before."""

    gone: Person
    kept: Person
    wrapped_keys: list[bytes]  # the erased customer's data keys, as stored before the erasure
    ciphertexts: list[Any]  # its subject_records rows before the erasure


@pytest.fixture(scope="module")
def erased(client: Client, database_url: str) -> Erased:
    gone, kept = onboard(client, "To Be Erased"), onboard(client, "Stays")
    engine = create_engine(database_url, pool_size=1)
    try:
        with engine.connect() as c:
            for person in (gone, kept):
                person.id = c.execute(
                    select(customers.c.id).where(customers.c.customer_number == person.number)
                ).scalar_one()
            wrapped = [
                bytes(r.wrapped)
                for r in c.execute(select(data_keys).where(data_keys.c.customer_id == gone.id))
            ]
            rows = c.execute(
                select(subject_records).where(
                    subject_records.c.customer_id == gone.id,
                    subject_records.c.sealed.is_not(None),
                )
            ).all()
    finally:
        engine.dispose()
    assert len(wrapped) == 2  # identification and contact
    assert len(rows) == 4
    client.close_customer(gone.number, "customer request")
    erased_customer = client.erase_customer(gone.number, reason="PIPL art. 47 request 2024-118")
    assert erased_customer.HasField("erase_time")
    return Erased(gone, kept, wrapped, rows)


# Backups


def take_backup(url: str, postgres: PostgresServer | None, directory: Path) -> Path | bytes:
    """A copy of the database: the SQLite file (online backup API), or a plain pg_dump."""
    if postgres is None:
        source = make_url(url).database
        assert source
        target = directory / "backup.db"
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        live.close()
        copy.close()
        return target
    dbname = make_url(url).database
    assert dbname
    return postgres.pg_dump(dbname)


def restore(backup: Path | bytes, postgres: PostgresServer | None, directory: Path) -> str:
    """A fresh database holding the backup; its URL."""
    if postgres is None:
        assert isinstance(backup, Path)
        target = directory / "restored.db"
        shutil.copyfile(backup, target)
        return f"sqlite:///{target}"
    assert isinstance(backup, bytes)
    name = f"restored_{uuid.uuid4().hex[:8]}"
    url = postgres.create_database(name)
    command = [
        str(postgres.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
        "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres", "-d", name,
    ]  # fmt: skip
    if os.geteuid() == 0:  # as tests/support/postgres.py does: server programs run as postgres
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, input=backup, capture_output=True, cwd=postgres.root)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return url


def backup_bytes(backup: Path | bytes) -> bytes:
    return backup.read_bytes() if isinstance(backup, Path) else backup


def encodings(value: bytes) -> list[bytes]:
    """How bytes may appear in a backup: raw (SQLite, text columns) or hex (pg_dump's bytea)."""
    return [value, value.hex().encode()]


# Tests


def test_erasing_an_active_customer_is_refused(client: Client) -> None:
    person = onboard(client, "Still Active")
    with pytest.raises(RPCError) as caught:
        client.erase_customer(person.number, reason="PIPL art. 47")
    assert caught.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.reason == "CUSTOMER_NOT_CLOSED"
    failure = caught.value.detail(error_details_pb2.PreconditionFailure)
    assert failure is not None and failure.violations[0].type == "CUSTOMER_NOT_CLOSED"
    view = client.get_360(person.number, unmask_reason=REASON)  # nothing was erased
    assert sensitive_values(view) == person.values


def test_erased_values_are_gone_from_every_answer(client: Client, erased: Erased) -> None:
    gone = erased.gone
    view = client.get_360(gone.number, unmask_reason=REASON)
    assert view.customer.HasField("erase_time")
    assert sensitive_values(view) == {"id": "", "phone": "", "email": "", "street": ""}
    answer = view.SerializeToString()
    for value in gone.values.values():
        assert value.encode() not in answer
    # What is not personal data stays: the records, their other fields, the profile.
    assert len([r for g in view.subjects for r in g.records]) == 5
    card = next(
        unpack(r.data) for g in view.subjects for r in g.records if g.subject == "identification"
    )
    assert card.issuer == "Beijing PSB Xicheng"
    masked = client.get_360(gone.number)
    assert sensitive_values(masked) == {"id": "", "phone": "", "email": "", "street": ""}


def test_erased_values_are_not_searchable(client: Client, erased: Erased) -> None:
    gone, kept = erased.gone, erased.kept
    assert client.search("identification", "id_number", gone.values["id"]) == []
    assert client.search("contact", "phone.number", gone.values["phone"]) == []
    assert client.search("contact", "email.address", gone.values["email"]) == []
    assert client.search("contact", "address.street", gone.values["street"]) == []
    found = client.search("identification", "id_number", kept.values["id"])  # search still works
    assert [c.customer_number for c in found] == [kept.number]


def test_erased_customer_keys_and_ciphertexts_are_gone_from_the_database(
    database_url: str, erased: Erased
) -> None:
    gone = erased.gone
    engine = create_engine(database_url, pool_size=1)
    try:
        with engine.connect() as c:
            keys = c.execute(select(data_keys).where(data_keys.c.customer_id == gone.id)).all()
            scoped = c.execute(
                select(data_keys).where(data_keys.c.scope.like(f"customer/{gone.id}/%"))
            ).all()
            rows = c.execute(
                select(subject_records).where(subject_records.c.customer_id == gone.id)
            ).all()
            digests = c.execute(
                select(blind_indexes).where(blind_indexes.c.customer_id == gone.id)
            ).all()
            kept_keys = c.execute(
                select(data_keys).where(data_keys.c.customer_id == erased.kept.id)
            ).all()
    finally:
        engine.dispose()
    assert keys == [] and scoped == [] and digests == []
    assert len(kept_keys) == 2
    assert len(rows) == 5
    for row in rows:
        assert row.sealed is None, row.subject
        for value in gone.values.values():
            assert value.encode() not in row.payload, row.subject
    assert {r.id for r in erased.ciphertexts} <= {r.id for r in rows}


def test_ciphertexts_from_before_the_erasure_no_longer_decrypt(
    server: RunningServer, erased: Erased
) -> None:
    kernel = server.kernel
    for row in erased.ciphertexts:
        model = kernel.registry.get(row.subject)
        for _attempt in ("first", "again"):  # again: however the first left the key cache
            with pytest.raises(KeyDestroyedError):
                kernel.read(
                    lambda c, r=row, m=model: kernel.codec.cipher.unseal(
                        c, m, r.payload, r.sealed, r.customer_id, r.id
                    )
                )


def test_other_customers_still_decrypt_exactly(client: Client, erased: Erased) -> None:
    view = client.get_360(erased.kept.number, unmask_reason=REASON)
    assert sensitive_values(view) == erased.kept.values


def test_a_backup_taken_after_the_erasure_holds_nothing_recoverable(
    client: Client,
    database_url: str,
    postgres: PostgresServer | None,
    erased: Erased,
    tmp_path: Path,
) -> None:
    backup = take_backup(database_url, postgres, tmp_path)
    raw = backup_bytes(backup)
    assert any(e in raw for e in encodings(erased.kept.name.encode()))  # the scan works
    leaks = [
        what
        for what, value in [
            *((f"plaintext {k}", v.encode()) for k, v in erased.gone.values.items()),
            *((f"wrapped data key {i}", w) for i, w in enumerate(erased.wrapped_keys)),
        ]
        if any(e in raw for e in encodings(value))
    ]
    assert leaks == []
    # Restored and served with the same master key, the erased values stay gone: ciphertexts
    # kept elsewhere (the ledger's record snapshots) name data keys that no longer exist.
    url = restore(backup, postgres, tmp_path)
    running = start_server(url)
    try:
        kernel = running.kernel
        for row in erased.ciphertexts:
            model = kernel.registry.get(row.subject)
            with pytest.raises(KeyDestroyedError):
                kernel.read(
                    lambda c, r=row, m=model: kernel.codec.cipher.unseal(
                        c, m, r.payload, r.sealed, r.customer_id, r.id
                    )
                )
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as restored:
            view = restored.get_360(erased.gone.number, unmask_reason=REASON)
            assert sensitive_values(view) == {"id": "", "phone": "", "email": "", "street": ""}
            kept = restored.get_360(erased.kept.number, unmask_reason=REASON)
            assert sensitive_values(kept) == erased.kept.values  # the restore itself works
    finally:
        running.stop(grace=1)


def test_a_backup_taken_before_the_erasure_does_not_bring_the_values_back(
    client: Client, database_url: str, postgres: PostgresServer | None, tmp_path: Path
) -> None:
    gone = onboard(client, "Backed Up Then Erased")
    kept = onboard(client, "Backed Up And Kept")
    backup = take_backup(database_url, postgres, tmp_path)  # the nightly backup
    client.close_customer(gone.number, "customer request")
    client.erase_customer(gone.number, reason="PIPL art. 47 request 2026-0193")  # erased afterwards
    # Restored with the same master key: the provider's record of the erasure shreds it again.
    running = start_server(restore(backup, postgres, tmp_path))
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as restored:
            got = sensitive_values(restored.get_360(gone.number, unmask_reason=REASON))
            still = sensitive_values(restored.get_360(kept.number, unmask_reason=REASON))
            assert restored.search("identification", "id_number", gone.values["id"]) == []
    finally:
        running.stop(grace=1)
    assert got == {"id": "", "phone": "", "email": "", "street": ""}, f"recovered: {got}"
    assert still["id"] == kept.values["id"]
