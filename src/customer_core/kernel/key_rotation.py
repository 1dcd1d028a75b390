"""Online rotation of each level of the key hierarchy, as jobs of type `key-rotation`.

- master: a new master version; every KEK rewrapped under it; old versions retired.
- KEK: a new version of a domain's KEK; its data keys rewrapped under it; the old version retired.
- data keys: for each customer and subject model, a new data-key version, the records
  re-encrypted under it and the old version retired, all in one transaction per scope — so
  writers running meanwhile serialize with it and nothing is ever left under a retired version.

A rotation is a run of `coordination.jobs`: one at a time per level and target (asking for
another while one is active gives that one), run by whichever replica claims it. Each step
commits together with the run's checkpoint (the new version, the last data-key scope finished)
and progress in one transaction fenced by the claim, so a step is done exactly once: a replica
that dies mid-way leaves a checkpoint another one carries on from, and a replica that was
replaced cannot commit a step. `Rotation` is what callers see of a run (the `KeyRotation`
message); its id is the run's.

The master key lives outside the database, so creating a master version is the one step that
cannot commit with its checkpoint: a run interrupted between the two makes another version on
resuming, and the unused one is retired at the end like every version nothing is wrapped under.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from customer_core.coordination import jobs
from customer_core.coordination.jobs import Job, JobContext, JobRunner, JobType
from customer_core.crypto import primitives
from customer_core.crypto.keyring import CUSTOMER_DATA, DOMAINS, Keyring, _data_key_aad, _kek_aad
from customer_core.errors import FailedPrecondition, InvalidArgument, NotFound
from customer_core.kernel.record_codec import RecordCodec
from customer_core.ledger import recorder as ledger
from customer_core.ledger.chain import system_chain
from customer_core.storage.tables import data_keys, key_encryption_keys, subject_records
from customer_core.storage.transaction import run_in_transaction

log = logging.getLogger(__name__)

#: The job type of key rotations.
JOB_TYPE = "key-rotation"
#: Data keys rewrapped per transaction by a KEK rotation.
BATCH = 200
Progress = Callable[[int, int], object]
T = TypeVar("T")

_STATES = {
    jobs.QUEUED: "RUNNING",
    jobs.RUNNING: "RUNNING",
    jobs.SUCCEEDED: "SUCCEEDED",
    jobs.FAILED: "FAILED",
    jobs.CANCELLED: "FAILED",
}


@dataclass(frozen=True)
class Rotation:
    """A key rotation as callers see it.

    Attributes:
        state: `RUNNING` (queued or running), `SUCCEEDED` or `FAILED` (failed or cancelled).
        new_version: the version made (master, KEK), 0 until it is.
        cursor: the last data-key scope rotated (data).
    """

    id: uuid.UUID
    level: str
    target: str
    state: str
    done: int
    total: int
    new_version: int
    cursor: str
    error: str | None
    start_time: datetime
    end_time: datetime | None

    @classmethod
    def of(cls, job: Job) -> Rotation:
        point = _point(job.checkpoint)
        error = job.error
        if job.state == jobs.CANCELLED and not error:
            error = "cancelled"
        return cls(
            id=job.id, level=job.params["level"], target=job.params["target"],
            state=_STATES[job.state], done=job.done, total=job.total,
            new_version=point["new_version"], cursor=point["cursor"], error=error,
            start_time=job.create_time, end_time=job.end_time,
        )  # fmt: skip


def _point(checkpoint: Any) -> dict[str, Any]:
    """A rotation's checkpoint, with the defaults of one that has not begun."""
    return {"new_version": 0, "cursor": "", **(checkpoint or {})}


def _event(rotation: Rotation) -> bytes:
    """A key rotation's outcome as the ledger records it (no key material)."""
    r = rotation
    text = (
        f"level={r.level} target={r.target} state={r.state} new_version={r.new_version} "
        f"done={r.done}/{r.total} error={r.error or ''}"
    )
    return text.encode()


def _provenance(job: Job) -> ledger.Provenance:
    return ledger.Provenance(
        f"job:{JOB_TYPE}", f"key rotation {job.params['level']}", correlation_id=str(job.id)
    )


def _not_under(domain: str, kek_version: int) -> Any:
    """Data keys of `domain` still wrapped under a KEK version other than `kek_version`: retired
    ones too, which still open the ledger's history (see `crypto.keyring`), except those an older
    release left under a KEK it retired (nothing can unwrap them any more)."""
    usable_keks = select(key_encryption_keys.c.version).where(
        key_encryption_keys.c.domain == domain, key_encryption_keys.c.status != "retired"
    )
    return (
        (data_keys.c.kek_domain == domain)
        & (data_keys.c.kek_version != kek_version)
        & data_keys.c.kek_version.in_(usable_keks)
    )


def _count_not_under(connection: Connection, domain: str, kek_version: int) -> int:
    return int(
        connection.execute(
            select(func.count()).select_from(data_keys).where(_not_under(domain, kek_version))
        ).scalar_one()
    )


class KeyRotator(JobType):
    """Starts and reports key rotations, and runs them as the job type `key-rotation`.

    Args:
        runner: this replica's job runner; the rotator registers itself with it.
    """

    name = JOB_TYPE

    def __init__(
        self, engine: Engine, keyring: Keyring, codec: RecordCodec, runner: JobRunner
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.codec = codec
        self.runner = runner
        runner.register(self)

    # The rotation as a job

    def start(self, level: str, target: str = "*", *, created_by: str = "") -> uuid.UUID:
        """Submits a rotation for any replica's job runner to claim, or finds the active one of
        the same level and target; its id."""
        if level == "kek" and target not in DOMAINS:
            raise InvalidArgument.field("domain", f"unknown domain; domains: {', '.join(DOMAINS)}")
        job, _ = self.runner.submit(
            JOB_TYPE,
            {"level": level, "target": target},
            key=f"{JOB_TYPE}:{level}:{target}",
            created_by=created_by,
        )
        return job.id

    def run(self, job_id: uuid.UUID, progress: Progress | None = None) -> Rotation:
        """Runs (or resumes) a rotation here to its end — a failed one again from its checkpoint —
        or, while another replica runs it, waits for its end; the rotation as it ended.

        `progress(done, total)` is called after each step this process commits.
        """
        self.get(job_id)
        run_in_transaction(self.engine, lambda c: jobs.reopen(c, job_id, datetime.now(UTC)))
        return Rotation.of(self.runner.run(job_id, progress))

    def get(self, job_id: uuid.UUID) -> Rotation:
        """A rotation; NOT_FOUND when there is none."""
        job = self.runner.get(job_id)
        if job is None or job.type != JOB_TYPE:
            raise NotFound(
                "customer_core.v1.KeyRotation", f"keyRotations/{job_id}", "no such key rotation"
            )
        return Rotation.of(job)

    def execute(self, job: JobContext) -> None:
        level = job.params["level"]
        if level == "master":
            self._master(job)
        elif level == "kek":
            self._kek(job)
        else:
            self._data(job)

    def ended(self, connection: Connection, job: Job) -> None:
        """Records the rotation's outcome in the ledger, with its end."""
        ledger.append(
            connection, chain=system_chain("keys"), subject="key", resource=f"keyRotations/{job.id}",
            action=ledger.UPDATE, now=job.end_time or datetime.now(UTC), after=_event(Rotation.of(job)),
            provenance=_provenance(job),
        )  # fmt: skip

    def _step(self, job: JobContext, work: Callable[[Connection], T]) -> T:
        """`work` in one transaction fenced by the run's claim, attributed to the run."""

        def attributed(connection: Connection) -> T:
            with ledger.attributed(connection, _provenance(job.job)):
                return work(connection)

        return job.transaction(attributed)

    def _read(self, work: Callable[[Connection], T]) -> T:
        return run_in_transaction(self.engine, work, write=False)

    # Master

    def _master(self, job: JobContext) -> None:
        master = self.keyring.master
        point = _point(job.checkpoint)
        new = int(point["new_version"])
        if not new:
            new = master.rotate()
            self._step(job, lambda c: job.save(c, checkpoint={**point, "new_version": new}))
        elif master.active_version() != new:
            raise FailedPrecondition(
                f"master key version {new}, made where this rotation began, is not this server's "
                f"active version (active: {master.active_version()}); a server reads the key "
                "file again when it restarts",
                subject=f"master key version {new}",
                violation_type="KEY_UNAVAILABLE",
            )
        ids = self._read(
            lambda c: list(
                c.execute(
                    select(key_encryption_keys.c.id).order_by(key_encryption_keys.c.id)
                ).scalars()
            )
        )
        total = len(ids)
        for done, kek_id in enumerate(ids, 1):  # again from the first when resumed: idempotent

            def rewrap(
                connection: Connection, kek_id: uuid.UUID = kek_id, done: int = done
            ) -> None:
                self._rewrap_kek(connection, kek_id, new)
                job.save(connection, done=max(done, job.done), total=total)

            self._step(job, rewrap)
        in_use = self._read(  # retired KEKs decrypt nothing: they keep no version alive
            lambda c: {
                r[0]
                for r in c.execute(
                    select(key_encryption_keys.c.master_version)
                    .where(key_encryption_keys.c.status != "retired")
                    .distinct()
                )
            }
        )
        for version, status in master.versions().items():
            if status == "decrypt-only" and version not in in_use:
                master.retire(version)
        self._step(job, lambda c: job.save(c, done=total, total=total))

    def _rewrap_kek(self, connection: Connection, kek_id: uuid.UUID, new: int) -> None:
        master = self.keyring.master
        row = connection.execute(
            select(key_encryption_keys).where(key_encryption_keys.c.id == kek_id)
        ).one()
        if row.master_version == new or row.status == "retired":
            return
        aad = _kek_aad(row.domain, row.version)
        key = master.unwrap(row.master_version, row.wrapped, aad)
        version, wrapped = master.wrap(key, aad)
        connection.execute(
            update(key_encryption_keys)
            .where(key_encryption_keys.c.id == kek_id)
            .values(master_version=version, wrapped=wrapped)
        )

    # KEK

    def _kek(self, job: JobContext) -> None:
        domain = job.params["target"]
        point = _point(job.checkpoint)
        new = int(point["new_version"])
        if not new:

            def begin(connection: Connection) -> int:
                version = self._new_kek_version(connection, domain)
                job.save(connection, checkpoint={**point, "new_version": version})
                return version

            new = self._step(job, begin)
        # What needs rewrapping: not keys made under `new` meanwhile.
        total = job.done + self._read(lambda c: _count_not_under(c, domain, new))
        job.progress(total=total)

        def rewrap(connection: Connection) -> bool:
            moved = self._rewrap_data_keys(connection, domain, new)
            if moved:
                job.save(connection, done=min(job.done + moved, total))
                return False
            if not self._retire_old_keks(connection, domain, new):
                return False  # a writer wrapped a key under the old version meanwhile: again
            job.save(connection, done=total)
            return True

        while not self._step(job, rewrap):
            pass

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
            plaintext = primitives.open_sealed(old_kek, row.wrapped, aad)
            connection.execute(
                update(data_keys)
                .where(data_keys.c.id == row.id)
                .values(kek_version=new, wrapped=primitives.seal(new_kek, plaintext, aad))
            )
        return len(rows)

    def _retire_old_keks(self, connection: Connection, domain: str, new: int) -> bool:
        if _count_not_under(connection, domain, new):
            return False
        connection.execute(
            update(key_encryption_keys)
            .where(key_encryption_keys.c.domain == domain, key_encryption_keys.c.version != new)
            .values(status="retired")
        )
        return True

    # Data keys

    def _data(self, job: JobContext) -> None:
        def scopes(connection: Connection) -> list[str]:
            return [
                r[0]
                for r in connection.execute(
                    select(data_keys.c.scope)
                    .where(data_keys.c.kek_domain == CUSTOMER_DATA, data_keys.c.status == "active")
                    .order_by(data_keys.c.scope)
                )
            ]

        point = _point(job.checkpoint)
        todo = [s for s in self._read(scopes) if s > point["cursor"]]
        total = job.done + len(todo)
        job.progress(total=total)
        for scope in todo:

            def rotate(connection: Connection, scope: str = scope) -> None:
                self._rotate_scope(connection, scope)
                job.save(connection, checkpoint={**point, "cursor": scope}, done=job.done + 1)

            self._step(job, rotate)

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
            sealed = self.codec.cipher.seal(connection, model, message, row.customer_id, row.id)
            connection.execute(
                update(subject_records)
                .where(subject_records.c.id == row.id)
                .values(payload=sealed.payload, sealed=sealed.sealed)
            )
        connection.execute(
            update(data_keys).where(data_keys.c.id == old.id).values(status="retired")
        )
        self.keyring.forget(lambda k, v: k == old.id)
