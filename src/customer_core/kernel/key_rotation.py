"""Online rotation of each level of the key hierarchy, as resumable jobs with progress.

- master: a new master version; every KEK rewrapped under it; old versions retired.
- KEK: a new version of a domain's KEK; its data keys rewrapped under it; the old version retired.
- data keys: for each customer and subject model, a new data-key version, the records
  re-encrypted under it and the old version retired, all in one transaction per scope — so
  writers running meanwhile serialize with it and nothing is ever left under a retired version.
Progress is kept in `key_rotations`; a data-key rotation interrupted part-way resumes after the
last scope it finished.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from customer_core.crypto import primitives
from customer_core.crypto.keyring import CUSTOMER_DATA, DOMAINS, Keyring, _data_key_aad, _kek_aad
from customer_core.errors import FailedPrecondition, InvalidArgument, NotFound
from customer_core.kernel.record_codec import RecordCodec
from customer_core.ledger import recorder as ledger
from customer_core.ledger.chain import system_chain
from customer_core.storage.tables import (
    data_keys,
    key_encryption_keys,
    key_rotations,
    subject_records,
)
from customer_core.storage.transaction import RetryPolicy
from customer_core.storage.transaction import run_in_transaction as _run_in_transaction

log = logging.getLogger(__name__)
BATCH = 200
Progress = Callable[[int, int], None]
T = TypeVar("T")
#: A rotation is a background job with no caller waiting: it outlasts conflicts with the writers
#: running beside it (a rotation that gave up after a writer's 12 attempts would end FAILED).
PATIENT = RetryPolicy(max_attempts=100, max_delay=1.0)


def run_in_transaction(engine: Engine, work: Callable[[Connection], T], *, write: bool = True) -> T:
    """`customer_core.storage.run_in_transaction` with the rotation's patient retry policy."""
    return _run_in_transaction(engine, work, write=write, policy=PATIENT)


def _event(row: Any) -> bytes:
    """A key rotation's outcome as the ledger records it (no key material)."""
    text = (
        f"level={row.level} target={row.target} state={row.state} new_version={row.new_version} "
        f"done={row.done}/{row.total} error={row.error or ''}"
    )
    return text.encode()


def _not_under(domain: str, kek_version: int) -> Any:
    """Usable data keys of `domain` still wrapped under a KEK version other than `kek_version`."""
    return (
        (data_keys.c.kek_domain == domain)
        & (data_keys.c.kek_version != kek_version)
        & (data_keys.c.status != "retired")
    )


def _count_not_under(connection: Connection, domain: str, kek_version: int) -> int:
    return int(
        connection.execute(
            select(func.count()).select_from(data_keys).where(_not_under(domain, kek_version))
        ).scalar_one()
    )


class KeyRotator:
    """Starts, runs and reports key rotations."""

    def __init__(self, engine: Engine, keyring: Keyring, codec: RecordCodec) -> None:
        self.engine = engine
        self.keyring = keyring
        self.codec = codec
        self._lock = threading.Lock()

    # Jobs

    def start(self, level: str, target: str = "*") -> uuid.UUID:
        """Records a new rotation job (or finds the running one of the same kind); its id."""
        if level == "kek" and target not in DOMAINS:
            raise InvalidArgument.field("domain", f"unknown domain; domains: {', '.join(DOMAINS)}")

        def create(connection: Connection) -> uuid.UUID:
            running = connection.execute(
                select(key_rotations.c.id).where(
                    key_rotations.c.level == level,
                    key_rotations.c.target == target,
                    key_rotations.c.state == "RUNNING",
                )
            ).first()
            if running is not None:
                return running.id
            job_id = uuid.uuid4()
            connection.execute(
                insert(key_rotations).values(
                    id=job_id, level=level, target=target, state="RUNNING", done=0, total=0,
                    new_version=0, cursor="", start_time=datetime.now(UTC),
                )
            )  # fmt: skip
            return job_id

        return run_in_transaction(self.engine, create)

    def run(self, job_id: uuid.UUID, progress: Progress | None = None) -> Any:
        """Runs (or resumes) a job to its end; its final row."""
        with self._lock:  # one rotation at a time in this process
            job = self.get(job_id)
            try:
                if job.level == "master":
                    self._master(job, progress)
                elif job.level == "kek":
                    self._kek(job, progress)
                else:
                    self._data(job, progress)
                self._finish(job_id, "SUCCEEDED", None)
            except Exception as exc:
                log.exception("key rotation %s failed", job_id)
                self._finish(job_id, "FAILED", f"{exc.__class__.__name__}: {exc}")
        return self.get(job_id)

    def run_in_background(self, job_id: uuid.UUID) -> None:
        """Runs a job on a thread of its own."""
        threading.Thread(
            target=self.run, args=(job_id,), name=f"key-rotation-{job_id}", daemon=True
        ).start()

    def get(self, job_id: uuid.UUID) -> Any:
        """A job's row; NOT_FOUND when there is none."""
        row = run_in_transaction(
            self.engine,
            lambda c: c.execute(select(key_rotations).where(key_rotations.c.id == job_id)).first(),
            write=False,
        )
        if row is None:
            raise NotFound(
                "customer_core.v1.KeyRotation", f"keyRotations/{job_id}", "no such key rotation"
            )
        return row

    def _update(self, job_id: uuid.UUID, **values: Any) -> None:
        run_in_transaction(
            self.engine,
            lambda c: c.execute(
                update(key_rotations).where(key_rotations.c.id == job_id).values(**values)
            ),
        )

    def _finish(self, job_id: uuid.UUID, state: str, error: str | None) -> None:
        def finish(connection: Connection) -> None:
            now = datetime.now(UTC)
            connection.execute(
                update(key_rotations)
                .where(key_rotations.c.id == job_id)
                .values(state=state, error=error, end_time=now)
            )
            row = connection.execute(
                select(key_rotations).where(key_rotations.c.id == job_id)
            ).one()
            ledger.append(
                connection, chain=system_chain("keys"), subject="key", resource=f"keyRotations/{job_id}",
                action=ledger.UPDATE, now=now, after=_event(row),
                provenance=ledger.Provenance(
                    "job:key-rotation", f"key rotation {row.level}", correlation_id=str(job_id)
                ),
            )  # fmt: skip

        run_in_transaction(self.engine, finish)

    # Master

    def _master(self, job: Any, progress: Progress | None) -> None:
        master = self.keyring.master
        new = job.new_version or master.rotate()
        rows = run_in_transaction(
            self.engine, lambda c: c.execute(select(key_encryption_keys)).all(), write=False
        )
        self._update(job.id, new_version=new, total=len(rows))
        for done, row in enumerate(rows, 1):
            if row.master_version != new and row.status != "retired":
                self._rewrap_kek(row.id)
            self._update(job.id, done=done)
            if progress:
                progress(done, len(rows))
        in_use = run_in_transaction(  # retired KEKs decrypt nothing: they keep no version alive
            self.engine,
            lambda c: {
                r[0]
                for r in c.execute(
                    select(key_encryption_keys.c.master_version)
                    .where(key_encryption_keys.c.status != "retired")
                    .distinct()
                )
            },
            write=False,
        )
        for version, status in master.versions().items():
            if status == "decrypt-only" and version not in in_use:
                master.retire(version)

    def _rewrap_kek(self, kek_id: uuid.UUID) -> None:
        master = self.keyring.master

        def rewrap(connection: Connection) -> None:
            row = connection.execute(
                select(key_encryption_keys).where(key_encryption_keys.c.id == kek_id)
            ).one()
            aad = _kek_aad(row.domain, row.version)
            key = master.unwrap(row.master_version, row.wrapped, aad)
            version, wrapped = master.wrap(key, aad)
            connection.execute(
                update(key_encryption_keys)
                .where(key_encryption_keys.c.id == kek_id)
                .values(master_version=version, wrapped=wrapped)
            )

        run_in_transaction(self.engine, rewrap)

    # KEK

    def _kek(self, job: Any, progress: Progress | None) -> None:
        domain = job.target
        if not job.new_version:
            new = run_in_transaction(self.engine, lambda c: self._new_kek_version(c, domain))
            self._update(job.id, new_version=new)
        else:
            new = job.new_version
        total = run_in_transaction(  # what needs rewrapping: not keys made under `new` meanwhile
            self.engine,
            lambda c: _count_not_under(c, domain, new),
            write=False,
        )
        self._update(job.id, total=total)
        done = 0
        while True:
            moved = run_in_transaction(
                self.engine, lambda c: self._rewrap_data_keys(c, domain, new)
            )
            if moved == 0 and run_in_transaction(
                self.engine, lambda c: self._retire_old_keks(c, domain, new)
            ):
                break
            done += moved
            self._update(job.id, done=min(done, total))
            if progress:
                progress(min(done, total), total)

    def _new_kek_version(self, connection: Connection, domain: str) -> int:
        self.keyring.kek(connection, domain)  # make sure version 1 exists
        current = connection.execute(
            select(func.max(key_encryption_keys.c.version)).where(
                key_encryption_keys.c.domain == domain
            )
        ).scalar_one()
        connection.execute(
            update(key_encryption_keys)
            .where(key_encryption_keys.c.domain == domain, key_encryption_keys.c.status == "active")
            .values(status="decrypt-only")
        )
        self.keyring.create_kek(connection, domain, current + 1)
        return int(current) + 1

    def _rewrap_data_keys(self, connection: Connection, domain: str, new: int) -> int:
        rows = connection.execute(
            select(data_keys).where(_not_under(domain, new)).limit(BATCH)
        ).all()
        _, new_kek = self.keyring.kek(connection, domain, new)
        for row in rows:
            _, old_kek = self.keyring.kek(connection, domain, row.kek_version)
            aad = _data_key_aad(row.id)
            plaintext = primitives.sm4_gcm_decrypt(old_kek, row.wrapped[:12], row.wrapped[12:], aad)
            nonce = primitives.random_nonce()
            connection.execute(
                update(data_keys)
                .where(data_keys.c.id == row.id)
                .values(
                    kek_version=new,
                    wrapped=nonce + primitives.sm4_gcm_encrypt(new_kek, nonce, plaintext, aad),
                )
            )
        return len(rows)

    def _retire_old_keks(self, connection: Connection, domain: str, new: int) -> bool:
        left = _count_not_under(connection, domain, new)
        if left:
            return False  # a writer wrapped a key under the old version meanwhile: go round again
        connection.execute(
            update(key_encryption_keys)
            .where(key_encryption_keys.c.domain == domain, key_encryption_keys.c.version != new)
            .values(status="retired")
        )
        return True

    # Data keys

    def _data(self, job: Any, progress: Progress | None) -> None:
        def scopes(connection: Connection) -> list[str]:
            return [
                r[0]
                for r in connection.execute(
                    select(data_keys.c.scope)
                    .where(data_keys.c.kek_domain == CUSTOMER_DATA, data_keys.c.status == "active")
                    .order_by(data_keys.c.scope)
                )
            ]

        todo = [s for s in run_in_transaction(self.engine, scopes, write=False) if s > job.cursor]
        done = job.done
        total = done + len(todo)
        self._update(job.id, total=total)
        for scope in todo:
            run_in_transaction(self.engine, lambda c, s=scope: self._rotate_scope(c, s))  # type: ignore[misc]
            done += 1
            self._update(job.id, done=done, cursor=scope)
            if progress:
                progress(done, total)

    def _rotate_scope(self, connection: Connection, scope: str) -> None:
        old = connection.execute(
            select(data_keys).where(data_keys.c.scope == scope, data_keys.c.status == "active")
        ).first()
        if old is None:  # erased meanwhile
            return
        _, customer_id, subject = scope.split("/", 2)
        connection.execute(
            update(data_keys).where(data_keys.c.id == old.id).values(status="decrypt-only")
        )
        self.keyring.create_data_key(
            connection, scope, CUSTOMER_DATA, old.version + 1, old.customer_id
        )
        model = self.codec.registry.get(subject)
        rows = connection.execute(
            select(subject_records).where(
                subject_records.c.customer_id == uuid.UUID(customer_id),
                subject_records.c.subject == subject,
                subject_records.c.sealed.is_not(None),
            )
        ).all()
        if rows and model is None:
            raise FailedPrecondition(
                f"records of {subject!r} cannot be re-encrypted: its plugin is not loaded",
                subject=scope,
                violation_type="PLUGIN_MISSING",
            )
        for row in rows:
            assert model is not None
            message = self.codec.plaintext(connection, model, row)
            sealed = self.codec.sealer.seal(connection, model, message, row.customer_id, row.id)
            connection.execute(
                update(subject_records)
                .where(subject_records.c.id == row.id)
                .values(payload=sealed.payload, sealed=sealed.sealed)
            )
        connection.execute(
            update(data_keys).where(data_keys.c.id == old.id).values(status="retired")
        )
        self.keyring.forget(lambda k, v: k == old.id)
