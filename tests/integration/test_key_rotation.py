"""Each level of the key hierarchy rotates online: readers and writers never notice, nothing stays
under a retired version, a retired data key refuses, and an interrupted data rotation resumes."""

from __future__ import annotations

import random
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from customer_core.api.server import RunningServer
from customer_core.client import Client, unpack
from customer_core.crypto.keyring import CUSTOMER_DATA
from customer_core.crypto.master_key import FileMasterKey, RetiredKeyError
from customer_core.kernel import sealing
from customer_core.quality import resident_id_problem
from customer_core.storage import create_engine
from customer_core.storage.tables import (
    customers,
    data_keys,
    key_encryption_keys,
    subject_records,
)
from customer_core.v1 import admin_service_pb2 as admin
from customer_core_contact.v1 import contact_pb2
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import id_card, mobile, profile, resident_id, resident_id_check

CUSTOMERS = 30
CLIENTS = 8
#: Bounds of each worker's loop, whatever the rotation does.
MAX_OPS_EACH = 400
MAX_SECONDS = 20.0
CREATES_EACH = 3
REASON = "key rotation check, ticket SEC-7"


def phone() -> str:
    return f"+86139{secrets.randbelow(10**8):08d}"


def email() -> str:
    return f"r{uuid.uuid4().hex[:12]}@example.cn"


def email_point(address: str) -> contact_pb2.ContactPoint:
    return contact_pb2.ContactPoint(
        email=contact_pb2.Email(address=address), purpose=contact_pb2.CONTACT_PURPOSE_STATEMENT
    )


def test_resident_id_check_character() -> None:
    assert resident_id_check("11010519491231002") == "X"
    assert resident_id_check("44052418800101001") == "4"  # GB 11643-1999's two examples
    assert all(resident_id_problem(resident_id()) is None for _ in range(50))


@dataclass
class Known:
    """What one customer's sensitive records hold: record name -> (kind, value)."""

    number: str
    records: dict[str, tuple[str, str]] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)  # names of its phone records

    def records_of(self, kind: str) -> list[str]:
        return [value for k, value in self.records.values() if k == kind]


def create_known(client: Client, label: str) -> Known:
    values = {"id": resident_id(), "phone": phone(), "email": email()}
    customer = client.create_customer(
        type="individual",
        owning_org_unit="HO01",
        display_name=label,
        records=[
            profile(label),
            id_card(values["id"]),
            mobile(values["phone"]),
            email_point(values["email"]),
        ],
    )
    known = Known(customer.customer_number)
    view = client.get_360(customer.customer_number)
    for group in view.subjects:
        for record in group.records:
            kind = kind_of(unpack(record.data))
            if kind is not None:
                known.records[record.name] = (kind, values[kind])
                if kind == "phone":
                    known.phones.append(record.name)
    assert sorted(k for k, _ in known.records.values()) == ["email", "id", "phone"]
    return known


def kind_of(message: Any) -> str | None:
    if hasattr(message, "id_number"):
        return "id"
    if isinstance(message, contact_pb2.ContactPoint):
        return message.WhichOneof("point")
    return None


def value_of(message: Any) -> str:
    if hasattr(message, "id_number"):
        return str(message.id_number)
    point = message.WhichOneof("point")
    return str(message.phone.number if point == "phone" else message.email.address)


def check_known(client: Client, known: Known) -> None:
    """The customer's sensitive records, unmasked, are exactly what it was last given."""
    view = client.get_360(known.number, unmask_reason=REASON)
    seen = {}
    for group in view.subjects:
        for record in group.records:
            message = unpack(record.data)
            if kind_of(message) is not None:
                seen[record.name] = (kind_of(message), value_of(message))
    assert seen == known.records, f"customer {known.number}"


@dataclass
class Rig:
    server: RunningServer
    target: str
    token: str
    engine: Engine
    key_file: Path
    population: list[Known]


@pytest.fixture(scope="module")
def rig(new_database: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    # A master key file of its own: retiring a master version must not touch other tests' servers.
    key_file = tmp_path_factory.mktemp("rotation-keys") / "master.key"
    url = new_database("rotation")
    # The job runner looks for rotations only when one is requested over the RPC (it is woken
    # then), so the tests below that run one by hand are not raced by its periodic look.
    running = start_server(url, master_key_file=str(key_file), job_poll_interval=3600)
    engine = create_engine(url, pool_size=2)
    try:
        token = admin_token(running)
        target = f"127.0.0.1:{running.port}"
        with Client(target, token=token) as client:
            population = [create_known(client, f"Rotation {i}") for i in range(CUSTOMERS)]
        yield Rig(running, target, token, engine, key_file, population)
    finally:
        engine.dispose()
        running.stop(grace=1)


@dataclass
class Load:
    """Eight clients reading and writing their own customers until told to stop."""

    rig: Rig
    errors: list[tuple[int, str, BaseException]] = field(default_factory=list)
    ops: list[int] = field(default_factory=lambda: [0] * CLIENTS)
    in_window: list[int] = field(default_factory=lambda: [0] * CLIENTS)
    window: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    created: list[Known] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        shares = [self.rig.population[n::CLIENTS] for n in range(CLIENTS)]
        self.threads = [
            threading.Thread(target=self._work, args=(n, shares[n]), name=f"load-{n}")
            for n in range(CLIENTS)
        ]
        for thread in self.threads:
            thread.start()
        deadline = time.monotonic() + 10
        while min(self.ops) < 2 and time.monotonic() < deadline and not self.errors:
            time.sleep(0.01)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads), "a load thread hangs"

    def _work(self, n: int, mine: list[Known]) -> None:
        rng = random.Random(n)
        deadline = time.monotonic() + MAX_SECONDS
        with Client(self.rig.target, token=self.rig.token) as client:
            for i in range(MAX_OPS_EACH):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                op = ("create", "update", "read", "read")[i % 4] if i else "read"
                if op == "create" and i >= 4 * CREATES_EACH:  # keep the population bounded
                    op = "update"
                try:
                    if op == "create":
                        known = create_known(client, f"Load {n}-{i}")
                        mine.append(known)
                        self.created.append(known)
                    elif op == "update":
                        known = rng.choice(mine)
                        name = rng.choice(known.phones)
                        new = phone()
                        answer = client.update_record(name, mobile(new))
                        assert unpack(answer.data).phone.number == new[:6] + "****" + new[-4:]
                        known.records[name] = ("phone", new)
                    else:
                        check_known(client, rng.choice(mine))
                except Exception as exc:  # every failure, ABORTED included, is a failure
                    self.errors.append((n, op, exc))  # a failed call wrote nothing: carry on
                    if sum(1 for e in self.errors if e[0] == n) >= 5:
                        return
                    continue
                self.ops[n] += 1
                if self.window.is_set():
                    self.in_window[n] += 1


def sealed_rows(engine: Engine) -> list[Any]:
    with engine.connect() as c:
        return c.execute(select(subject_records).where(subject_records.c.sealed.is_not(None))).all()


def data_key_rows(engine: Engine) -> dict[uuid.UUID, Any]:
    with engine.connect() as c:
        return {r.id: r for r in c.execute(select(data_keys))}


def kek_rows(engine: Engine) -> list[Any]:
    with engine.connect() as c:
        return c.execute(select(key_encryption_keys)).all()


def active_versions(engine: Engine) -> dict[str, int]:
    """Each customer-data scope's active data-key version."""
    with engine.connect() as c:
        return {
            r.scope: r.version
            for r in c.execute(
                select(data_keys.c.scope, data_keys.c.version).where(
                    data_keys.c.kek_domain == CUSTOMER_DATA, data_keys.c.status == "active"
                )
            )
        }


def rotate_under_load(rig: Rig, level: str, domain: str = "") -> tuple[admin.KeyRotation, Load]:
    load = Load(rig)
    try:
        load.start()
        with Client(rig.target, token=rig.token) as client:
            load.window.set()
            rotation = client.rotate_keys(level, domain)
            final = client.wait_for_rotation(rotation, poll=0.05, timeout=120)
            load.window.clear()
    finally:
        load.finish()
    rig.population.extend(load.created)
    return final, load


def assert_rotation_ok(final: admin.KeyRotation, load: Load) -> None:
    assert final.state == admin.ROTATION_STATE_SUCCEEDED, final.error
    assert final.error == ""
    assert final.done == final.total
    assert sum(load.ops) >= CLIENTS * 2
    assert sum(load.in_window) > 0, "no client request ran while the rotation did"


def assert_no_client_failed(load: Load) -> None:
    """Checked last, so a failure here comes after every property of the rotation was checked."""
    failures = [(n, op, f"{type(e).__name__}: {e}") for n, op, e in load.errors]
    assert failures == [], (
        f"{len(failures)} of {sum(load.ops) + len(failures)} client requests failed "
        f"while the rotation ran: {failures}"
    )


def assert_all_decrypt(rig: Rig) -> None:
    with Client(rig.target, token=rig.token) as client:
        for known in rig.population:
            check_known(client, known)


def test_master_key_rotates_online(rig: Rig) -> None:
    old = rig.server.kernel.keyring.master.active_version()
    final, load = rotate_under_load(rig, "master")
    assert_rotation_ok(final, load)
    assert final.new_version == old + 1
    master = rig.server.kernel.keyring.master
    assert master.active_version() == old + 1
    assert master.versions()[old] == "retired"
    assert FileMasterKey(rig.key_file).versions()[old] == "retired"  # persisted
    keks = kek_rows(rig.engine)
    assert keks and {r.master_version for r in keks} == {old + 1}
    assert_all_decrypt(rig)
    with pytest.raises(RetiredKeyError):  # the retired version refuses
        master.unwrap(old, b"\0" * 40, b"x")
    assert_no_client_failed(load)


def test_kek_rotates_online(rig: Rig) -> None:
    before = {r.version for r in kek_rows(rig.engine) if r.domain == CUSTOMER_DATA}
    final, load = rotate_under_load(rig, "kek", CUSTOMER_DATA)
    assert_rotation_ok(final, load)
    keks = [r for r in kek_rows(rig.engine) if r.domain == CUSTOMER_DATA]
    status = {r.version: r.status for r in keks}
    assert final.new_version == max(before) + 1
    assert status[final.new_version] == "active"
    assert {v for v, s in status.items() if s != "retired"} == {final.new_version}
    retired = {v for v, s in status.items() if s == "retired"}
    assert before <= retired
    keys = [r for r in data_key_rows(rig.engine).values() if r.kek_domain == CUSTOMER_DATA]
    assert keys
    assert [r.id for r in keys if r.kek_version in retired and r.status != "retired"] == []
    assert {r.kek_version for r in keys if r.status != "retired"} == {final.new_version}
    assert_all_decrypt(rig)
    keyring = rig.server.kernel.keyring
    for version in retired:  # a retired KEK version refuses
        with pytest.raises(RetiredKeyError):
            rig.server.kernel.read(lambda c, v=version: keyring.kek(c, CUSTOMER_DATA, v))
    assert_no_client_failed(load)


def test_data_keys_rotate_online_and_retired_versions_refuse(rig: Rig) -> None:
    before_versions = active_versions(rig.engine)
    captured = sealed_rows(rig.engine)  # ciphertexts made before the rotation
    final, load = rotate_under_load(rig, "data")
    assert_rotation_ok(final, load)
    assert final.total >= len(before_versions)
    keys = data_key_rows(rig.engine)
    # Every ciphertext names an existing, active data key.
    for row in sealed_rows(rig.engine):
        for key_id in sealing.key_ids(row.sealed):
            assert key_id in keys, f"record {row.id}: key {key_id} does not exist"
            assert keys[key_id].status == "active", f"record {row.id}: {keys[key_id].status}"
    # Each scope rotated exactly once; its old version is retired, none is left decrypt-only.
    after_versions = active_versions(rig.engine)
    for scope, version in before_versions.items():
        assert after_versions[scope] == version + 1, scope
    assert [r.scope for r in keys.values() if r.status == "decrypt-only"] == []
    assert_all_decrypt(rig)
    # A ciphertext made before the rotation no longer decrypts: its key version is retired.
    kernel = rig.server.kernel
    sealer = kernel.codec.cipher
    old_ids = {key_id for row in captured for key_id in sealing.key_ids(row.sealed)}
    assert old_ids and all(keys[k].status == "retired" for k in old_ids)
    decrypted = []
    for row in captured:
        model = kernel.registry.get(row.subject)
        for attempt in ("first", "again"):  # again: however the first left the key cache
            try:
                kernel.read(
                    lambda c, r=row, m=model: sealer.unseal(
                        c, m, r.payload, r.sealed, r.customer_id, r.id
                    )
                )
            except RetiredKeyError:
                continue
            decrypted.append((row.subject, attempt))
    assert decrypted == [], f"{len(decrypted)} of {2 * len(captured)} old ciphertexts decrypted"
    for key_id in old_ids:
        with pytest.raises(RetiredKeyError):
            kernel.read(lambda c, k=key_id: kernel.keyring.data_key(c, k))
    assert_no_client_failed(load)


def test_a_reader_older_than_the_rotation_does_not_revive_a_retired_data_key(rig: Rig) -> None:
    kernel = rig.server.kernel
    sealer = kernel.codec.cipher
    number = rig.population[0].number
    with rig.engine.connect() as c:
        customer_id = c.execute(
            select(customers.c.id).where(customers.c.customer_number == number)
        ).scalar_one()
    query = select(subject_records).where(
        subject_records.c.customer_id == customer_id, subject_records.c.sealed.is_not(None)
    )
    with kernel.engine.connect() as old_reader, old_reader.begin():
        before = old_reader.execute(query).all()  # its snapshot predates the rotation
        row = next(r for r in before if r.subject == "identification")
        model = kernel.registry.get(row.subject)
        job = kernel.rotator.run(kernel.rotator.start("data"))
        assert job.state == "SUCCEEDED", job.error
        # What its snapshot shows still decrypts (the old key is decrypt-only there)...
        message, _ = sealer.unseal(
            old_reader, model, row.payload, row.sealed, row.customer_id, row.id
        )
        assert message.id_number == rig.population[0].records_of("id")[0]
    # ...but once it ends, the retired version refuses everywhere, cached or not.
    for _attempt in ("first", "again"):  # again: however the first left the key cache
        with pytest.raises(RetiredKeyError):
            kernel.read(
                lambda c: sealer.unseal(c, model, row.payload, row.sealed, row.customer_id, row.id)
            )
    assert_all_decrypt(rig)


def test_second_master_rotation_after_a_kek_rotation_retires_the_old_master(rig: Rig) -> None:
    # Retired KEKs (left by the KEK rotation above) must not pin the old master version.
    old = rig.server.kernel.keyring.master.active_version()
    with Client(rig.target, token=rig.token) as client:
        final = client.wait_for_rotation(client.rotate_keys("master"), poll=0.05)
    assert final.state == admin.ROTATION_STATE_SUCCEEDED, final.error
    assert rig.server.kernel.keyring.master.versions()[old] == "retired"
    usable = [r for r in kek_rows(rig.engine) if r.status != "retired"]
    assert {r.master_version for r in usable} == {old + 1}
    assert_all_decrypt(rig)


class _Crash(BaseException):
    """The process dying mid-rotation (like KeyboardInterrupt: not an Exception)."""


def test_failed_data_rotation_resumes_after_the_last_scope_it_finished(rig: Rig) -> None:
    rotator = rig.server.kernel.rotator
    before = active_versions(rig.engine)
    assert len(before) > 10
    job_id = rotator.start("data")
    progress: list[tuple[int, int]] = []

    def fail_after_five(done: int, total: int) -> None:
        progress.append((done, total))
        if done == 5:
            raise RuntimeError("storage hiccup")

    row = rotator.run(job_id, fail_after_five)
    assert row.state == "FAILED" and "storage hiccup" in row.error
    assert (row.done, row.total) == (5, len(before))
    assert progress == [(d, len(before)) for d in range(1, 6)]
    middle = active_versions(rig.engine)
    rotated = {s for s in before if middle[s] == before[s] + 1}
    assert len(rotated) == 5 and all(middle[s] == before[s] for s in before.keys() - rotated)
    assert row.cursor == max(rotated)

    progress.clear()
    row = rotator.run(job_id, lambda done, total: progress.append((done, total)))
    assert row.state == "SUCCEEDED" and row.error is None
    assert row.done == row.total == len(before)
    assert progress == [(d, len(before)) for d in range(6, len(before) + 1)]
    assert active_versions(rig.engine) == {s: v + 1 for s, v in before.items()}  # none twice
    assert_all_decrypt(rig)


def test_crashed_data_rotation_is_resumed_by_the_next_request(rig: Rig) -> None:
    rotator = rig.server.kernel.rotator
    before = active_versions(rig.engine)
    job_id = rotator.start("data")

    def crash_after_five(done: int, total: int) -> None:
        if done == 5:
            raise _Crash

    with pytest.raises(_Crash):
        rotator.run(job_id, crash_after_five)
    assert rotator.get(job_id).state == "RUNNING"  # what a killed process leaves behind
    with Client(rig.target, token=rig.token) as client:
        rotation = client.rotate_keys("data")
        assert rotation.name == f"keyRotations/{job_id}"  # the same job, resumed
        final = client.wait_for_rotation(rotation, poll=0.05, timeout=60)
    assert final.state == admin.ROTATION_STATE_SUCCEEDED, final.error
    assert final.done == final.total == len(before)
    assert active_versions(rig.engine) == {s: v + 1 for s, v in before.items()}
    assert_all_decrypt(rig)


def test_a_master_rotation_that_cannot_save_the_key_file_changes_nothing(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = rig.server.kernel.keyring.master
    old = master.active_version()
    wrapped_under = {r.id: r.master_version for r in kek_rows(rig.engine)}

    def read_only(data: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(master, "_write", read_only)
    job = rig.server.kernel.rotator.run(rig.server.kernel.rotator.start("master"))
    assert job.state == "FAILED" and "Read-only file system" in job.error
    # No key may be wrapped under a version that exists only in this process's memory: it would
    # be lost, with everything under it, at the next restart.
    assert master.active_version() == old
    assert max(master.versions()) == old
    assert {r.id: r.master_version for r in kek_rows(rig.engine)} == wrapped_under
    monkeypatch.undo()
    assert FileMasterKey(rig.key_file).active_version() == old
    with Client(rig.target, token=rig.token) as client:
        final = client.wait_for_rotation(client.rotate_keys("master"), poll=0.05)
    assert final.state == admin.ROTATION_STATE_SUCCEEDED, final.error
    assert final.new_version == old + 1
    assert FileMasterKey(rig.key_file).active_version() == old + 1
    assert_all_decrypt(rig)


def test_history_survives_data_and_kek_rotation(rig: Rig) -> None:
    """The 360 view as of a time before a data-key rotation (and the KEK rotation after it) still
    shows that time's values in clear to a caller allowed to unmask: the ledger's snapshots stay
    under the retired data-key version, which opens history only."""
    with Client(rig.target, token=rig.token) as client:
        first_id, first_phone = resident_id(), phone()
        customer = client.create_customer(
            type="individual", owning_org_unit="HO01", display_name="History",
            records=[profile("History"), id_card(first_id), mobile(first_phone)],
        )  # fmt: skip
        number = customer.customer_number
        phone_record = next(
            r
            for g in client.get_360(number).subjects
            for r in g.records
            if kind_of(unpack(r.data)) == "phone"
        )
        time.sleep(0.01)
        then = datetime.now(UTC)
        time.sleep(0.01)
        second_phone = phone()
        client.update_record(phone_record.name, mobile(second_phone), etag=phone_record.etag)
        past = client.get_360(number, as_of=then, unmask_reason=REASON)
        for level, domain in (("data", ""), ("kek", CUSTOMER_DATA)):
            rotation = client.rotate_keys(level, domain)
            final = client.wait_for_rotation(rotation, poll=0.05, timeout=120)
            assert final.state == admin.ROTATION_STATE_SUCCEEDED, final.error
        # The values of then were sealed under data-key versions that are retired now.
        with rig.engine.connect() as c:
            customer_id = c.execute(
                select(customers.c.id).where(customers.c.customer_number == number)
            ).scalar_one()
            keys = c.execute(
                select(data_keys.c.version, data_keys.c.status)
                .where(data_keys.c.customer_id == customer_id)
                .order_by(data_keys.c.scope, data_keys.c.version)
            ).all()
        assert [tuple(k) for k in keys] == [(1, "retired"), (2, "active")] * 2
        after = client.get_360(number, as_of=then, unmask_reason=REASON)
        assert after == past
        values = {
            kind_of(unpack(r.data)): unpack(r.data) for g in after.subjects for r in g.records
        }
        assert values["phone"].phone.number == first_phone
        assert values["id"].id_number == first_id
        masked = client.get_360(number, as_of=then)  # without a reason: masked, as always
        assert first_phone not in str(masked) and first_id not in str(masked)
        now = client.get_360(number, unmask_reason=REASON)
        phones = [unpack(r.data).phone.number for g in now.subjects for r in g.records
                  if kind_of(unpack(r.data)) == "phone"]  # fmt: skip
        assert phones == [second_phone]
    # Live records never use a retired version: the live path still refuses one.
    kernel = rig.server.kernel
    with rig.engine.connect() as c:
        retired = c.execute(select(data_keys.c.id).where(data_keys.c.status == "retired")).scalars()
        some = next(iter(retired))
    with pytest.raises(RetiredKeyError):
        kernel.read(lambda c: kernel.keyring.data_key(c, some))
