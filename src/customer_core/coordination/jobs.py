"""Jobs: runs of long work any replica may carry out, one holder at a time, resumable.

A run is a row of `jobs`: its type and parameters, a state (`queued`, `running`, `succeeded`,
`failed`, `cancelled`), the replica holding it with a fencing token and an expiry, a checkpoint
(JSON, opaque to all but its job type) and progress (`done` of `total`). Every replica runs a
`JobRunner`, a background loop that claims runnable runs of the types registered with it:

- **Claim**: a conditional UPDATE that succeeds only if the row still has the token it was read
  with and is queued, or running past its expiry (its holder died or hung). The token grows by
  one, so exactly one claimer wins, on every engine (SQLite has one writer; PostgreSQL and
  CockroachDB at SERIALIZABLE refuse the second).
- **Fencing**: every write a run makes — its work and its checkpoint in one transaction
  (`JobContext.transaction`), heartbeats, its end — first updates its row where holder, token
  and state `running` still match, and fails (`JobLost`, nothing committed) otherwise. A holder
  that paused past its expiry and was replaced therefore cannot write, and work done under a
  checkpoint is committed with it, so it is done exactly once whoever resumes.
- **Heartbeats**: while a run executes, a thread extends its expiry every third of the TTL (a
  fenced transaction extends it too). Clocks only decide when a run looks abandoned, never
  safety.
- **Resuming**: a claimed run is given its last committed checkpoint and progress; a runner that
  stops (or a run interrupted by anything but an error) gives its claim up at once, so another
  replica carries on without waiting for the expiry. An error ends the run `failed`.
- **One at a time**: a run may have a key (e.g. `key-rotation:data:*`); while a run of that key
  is active a second submission returns it instead of starting another (`active_key` is unique).

Progress has one way out: `done` and `total` in the row, which `JobContext` writes and anyone
reads (`get`): the RPCs that report a run, and the CLI's progress bar (`cli.progress`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from customer_core.coordination.background import Periodic
from customer_core.errors import FailedPrecondition
from customer_core.storage.tables import jobs
from customer_core.storage.transaction import RetryPolicy, RetryTransaction, run_in_transaction

log = logging.getLogger(__name__)

T = TypeVar("T")

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
ACTIVE = (QUEUED, RUNNING)
#: Job transactions outlast conflicts with the writers running beside them: nobody waits on them
#: (a run that gave up after a caller's 25 attempts would end failed).
PATIENT = RetryPolicy(max_attempts=100, max_delay=1.0)
#: How often a running job's claim is extended, as a fraction of its TTL.
HEARTBEAT_AT = 1 / 3

_C = jobs.c
_KEEP: Any = object()


class JobLost(Exception):
    """The run is no longer held with the token it was claimed under (or was cancelled)."""


class JobStopped(Exception):
    """The runner is stopping: the run gives its claim up for another replica to carry on."""


@dataclass(frozen=True)
class Job:
    """A run, as stored."""

    id: uuid.UUID
    type: str
    params: dict[str, Any]
    key: str | None
    state: str
    holder: str | None
    token: int
    expires_at: datetime | None
    checkpoint: Any
    done: int
    total: int
    error: str | None
    created_by: str
    create_time: datetime
    start_time: datetime | None
    update_time: datetime
    end_time: datetime | None

    @property
    def active(self) -> bool:
        """Queued or running: not ended."""
        return self.state in ACTIVE

    @classmethod
    def of(cls, row: Any) -> Job:
        return cls(
            id=row.id, type=row.type, params=json.loads(row.params), key=row.key,
            state=row.state, holder=row.holder, token=int(row.token), expires_at=row.expires_at,
            checkpoint=None if row.checkpoint is None else json.loads(row.checkpoint),
            done=int(row.done), total=int(row.total), error=row.error,
            created_by=row.created_by, create_time=row.create_time, start_time=row.start_time,
            update_time=row.update_time, end_time=row.end_time,
        )  # fmt: skip


# ---- in the caller's transaction ---------------------------------------------------------------


def submit(
    connection: Connection,
    type: str,
    params: dict[str, Any],
    *,
    key: str | None,
    created_by: str,
    now: datetime,
) -> tuple[Job, bool]:
    """A new queued run of `type`, or the active run of `key` if there is one; and whether it is
    new."""
    if key is not None:
        running = connection.execute(select(jobs).where(_C.active_key == key)).first()
        if running is not None:
            return Job.of(running), False
    job_id = uuid.uuid4()
    try:
        connection.execute(
            insert(jobs).values(
                id=job_id, type=type, params=json.dumps(params, sort_keys=True), key=key,
                active_key=key, state=QUEUED, token=0, done=0, total=0, created_by=created_by,
                create_time=now, update_time=now,
            )
        )  # fmt: skip
    except IntegrityError as exc:  # another run of `key` was submitted meanwhile: find it
        raise RetryTransaction("job submission raced") from exc
    found = get(connection, job_id)
    assert found is not None
    return found, True


def get(connection: Connection, job_id: uuid.UUID) -> Job | None:
    row = connection.execute(select(jobs).where(_C.id == job_id)).first()
    return None if row is None else Job.of(row)


def _claimable(now: datetime) -> Any:
    return (_C.state == QUEUED) | (
        (_C.state == RUNNING) & (_C.expires_at.is_(None) | (_C.expires_at < now))
    )


def runnable(
    connection: Connection, types: Sequence[str], now: datetime, *, limit: int = 10
) -> list[Job]:
    """Runs of `types` a replica may claim: queued, or running past their expiry; oldest first."""
    query = (
        select(jobs)
        .where(_C.type.in_(list(types)), _C.state.in_(ACTIVE), _claimable(now))
        .order_by(_C.create_time, _C.id)
        .limit(limit)
    )
    return [Job.of(row) for row in connection.execute(query)]


def claim(
    connection: Connection, job_id: uuid.UUID, holder: str, ttl: timedelta, now: datetime
) -> Job | None:
    """Claims the run for `holder` if it is claimable; the run as claimed, or None."""
    seen = get(connection, job_id)
    if seen is None or not seen.active:
        return None
    token, expires = seen.token + 1, now + ttl
    result = connection.execute(
        update(jobs)
        .where(_C.id == job_id, _C.token == seen.token, _claimable(now))
        .values(
            state=RUNNING, holder=holder, token=token, expires_at=expires,
            start_time=seen.start_time or now, update_time=now,
        )
    )  # fmt: skip
    if result.rowcount != 1:
        return None
    if seen.state == RUNNING:
        log.info("job %s (%s) taken over from %s by %s", job_id, seen.type, seen.holder, holder)
    return replace(
        seen, state=RUNNING, holder=holder, token=token, expires_at=expires,
        start_time=seen.start_time or now, update_time=now,
    )  # fmt: skip


def _fence(connection: Connection, run: Job, now: datetime, ttl: timedelta, **values: Any) -> None:
    """Extends the claim (and writes `values`) if the run is still `run.holder`'s with its token.

    Raises:
        JobLost: it is not.
    """
    result = connection.execute(
        update(jobs)
        .where(_C.id == run.id, _C.holder == run.holder, _C.token == run.token, _C.state == RUNNING)
        .values(**{"expires_at": now + ttl, "update_time": now, **values})
    )
    if result.rowcount != 1:
        raise JobLost(f"job {run.id} is no longer held by {run.holder} (token {run.token})")


def release(connection: Connection, run: Job, now: datetime) -> None:
    """Gives a claim up at once (fenced: a stale claim changes nothing): the run stays running,
    with its checkpoint, for any replica to claim now."""
    connection.execute(
        update(jobs)
        .where(_C.id == run.id, _C.holder == run.holder, _C.token == run.token, _C.state == RUNNING)
        .values(expires_at=now, update_time=now)
    )


def cancel(connection: Connection, job_id: uuid.UUID, now: datetime) -> Job | None:
    """Cancels a run that has not ended: its holder's next fenced write is refused. The run as
    it is now, or None if there is none."""
    connection.execute(
        update(jobs)
        .where(_C.id == job_id, _C.state.in_(ACTIVE))
        .values(state=CANCELLED, active_key=None, expires_at=None, end_time=now, update_time=now)
    )
    return get(connection, job_id)


def reopen(connection: Connection, job_id: uuid.UUID, now: datetime) -> Job | None:
    """Queues a failed or cancelled run again, to carry on from its checkpoint.

    Raises:
        FailedPrecondition: another run of its key is active (reason `JOB_ALREADY_RUNNING`).
    """
    found = get(connection, job_id)
    if found is None or found.active or found.state == SUCCEEDED:
        return found
    if found.key is not None:
        other = connection.execute(select(_C.id).where(_C.active_key == found.key)).first()
        if other is not None:
            raise FailedPrecondition(
                f"job {job_id} cannot run again: run {other.id} of the same work is active",
                subject=f"jobs/{other.id}",
                violation_type="JOB_ALREADY_RUNNING",
            )
    connection.execute(
        update(jobs)
        .where(_C.id == job_id, _C.state.in_((FAILED, CANCELLED)))
        .values(
            state=QUEUED, active_key=found.key, error=None, expires_at=None, end_time=None,
            update_time=now,
        )
    )  # fmt: skip
    return get(connection, job_id)


# ---- running a run -----------------------------------------------------------------------------


class JobType:
    """A kind of job: subclasses name it and say how a run runs (and what its end records)."""

    name = ""

    def execute(self, job: JobContext) -> None:
        """Runs (or resumes, from `job.checkpoint`) a run to its end; raises to fail it."""
        raise NotImplementedError

    def ended(self, connection: Connection, job: Job) -> None:
        """In the transaction that ends a run this replica ran (succeeded or failed)."""


class JobContext:
    """What a job type's `run` is given: the run as claimed, and transactions fenced by it."""

    def __init__(
        self,
        engine: Engine,
        run: Job,
        ttl: timedelta,
        *,
        stopping: Callable[[], bool],
        on_progress: Callable[[int, int], object] | None = None,
    ) -> None:
        """`on_progress(done, total)` is called after each transaction that saved `done`."""
        self.engine = engine
        self.ttl = ttl
        self._run = run
        self._stopping = stopping
        self._on_progress = on_progress
        self._lock = threading.Lock()
        self._lost = False
        self._pending: dict[str, Any] = {}

    @property
    def job(self) -> Job:
        """The run as last committed by this holder."""
        return self._run

    @property
    def params(self) -> dict[str, Any]:
        return self._run.params

    @property
    def checkpoint(self) -> Any:
        """The last checkpoint committed (by this holder or a previous one), or None."""
        return self._run.checkpoint

    @property
    def done(self) -> int:
        return self._run.done

    @property
    def total(self) -> int:
        return self._run.total

    def check(self) -> None:
        """Raises if the run should not go on here (without asking the database).

        Raises:
            JobStopped: the runner is stopping.
            JobLost: a heartbeat found the run held by another replica.
        """
        if self._lost:
            raise JobLost(f"job {self._run.id} was taken over")
        if self._stopping():
            raise JobStopped(f"job {self._run.id}: the runner is stopping")

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """`work` in one transaction fenced by the claim: it commits only while the run is still
        this holder's, and extends the claim. What `save` records inside commits with it.

        Raises:
            JobLost: the run was taken over or cancelled (nothing of `work` committed).
            JobStopped: the runner is stopping (checked before `work` starts).
        """
        self.check()

        def attempt(connection: Connection) -> tuple[T, datetime]:
            self._pending = {}
            now = datetime.now(UTC)
            _fence(connection, self._run, now, self.ttl)
            result = work(connection)
            if self._pending:
                columns = dict(self._pending)
                if "checkpoint" in columns:
                    columns["checkpoint"] = json.dumps(columns["checkpoint"], sort_keys=True)
                _fence(connection, self._run, now, self.ttl, **columns)
            return result, now

        try:
            result, now = run_in_transaction(self.engine, attempt, policy=PATIENT)
        except JobLost:
            self._lost = True
            raise
        pending, self._pending = self._pending, {}
        with self._lock:
            self._run = replace(self._run, expires_at=now + self.ttl, update_time=now, **pending)
        if self._on_progress is not None and "done" in pending:
            self._on_progress(self._run.done, self._run.total)
        return result

    def save(
        self,
        connection: Connection,
        *,
        checkpoint: Any = _KEEP,
        done: int | None = None,
        total: int | None = None,
    ) -> None:
        """Inside `transaction`: records the checkpoint (any JSON value) and progress, to commit
        with the transaction's work."""
        if checkpoint is not _KEEP:
            self._pending["checkpoint"] = checkpoint
        if done is not None:
            self._pending["done"] = done
        if total is not None:
            self._pending["total"] = total

    def progress(self, done: int | None = None, total: int | None = None) -> None:
        """Records progress on its own (fenced)."""
        self.transaction(lambda c: self.save(c, done=done, total=total))

    def heartbeat(self) -> None:
        """Extends the claim unless a fenced transaction did recently; notes its loss."""
        with self._lock:
            run = self._run
        if run.expires_at is not None and run.expires_at - datetime.now(UTC) > self.ttl * (
            1 - HEARTBEAT_AT
        ):
            return
        now = datetime.now(UTC)
        try:
            run_in_transaction(self.engine, lambda c: _fence(c, run, now, self.ttl), policy=PATIENT)
        except JobLost:
            log.warning("job %s: taken over by another replica", run.id)
            self._lost = True
            return
        with self._lock:
            if self._run.token == run.token:
                self._run = replace(self._run, expires_at=now + self.ttl)


class JobRunner:
    """Claims and runs runs of the job types registered with it, one at a time, on this replica.

    Args:
        engine: the database.
        holder: this replica's identity in claims.
        ttl: seconds a claim lasts without a heartbeat: how soon another replica carries on with
            the runs of a replica that died.
        poll_interval: seconds between looks for runnable runs (`wake` looks at once).
    """

    def __init__(self, engine: Engine, *, holder: str, ttl: float, poll_interval: float) -> None:
        self.engine = engine
        self.holder = holder
        self.ttl = timedelta(seconds=ttl)
        self.types: dict[str, JobType] = {}
        self._loop = Periodic("job-runner", poll_interval, self.tick)
        self._stopping = threading.Event()

    def register(self, job_type: JobType) -> None:
        """Has this runner run jobs of `job_type.name`."""
        self.types[job_type.name] = job_type

    def start(self) -> None:
        """Starts looking for runnable runs every `poll_interval` seconds, and on `wake`."""
        self._stopping.clear()
        self._loop.start()

    def wake(self) -> None:
        """Looks for runnable runs now (e.g. one was just submitted here)."""
        self._loop.wake()

    def stop(self) -> None:
        """Stops after the current run's current step; the run's claim is given up."""
        self._stopping.set()
        self._loop.stop()

    def submit(
        self, type: str, params: dict[str, Any], *, key: str | None, created_by: str
    ) -> tuple[Job, bool]:
        """Submits a run (or finds the active run of `key`); the run, and whether it is new."""
        return run_in_transaction(
            self.engine,
            lambda c: submit(
                c, type, params, key=key, created_by=created_by, now=datetime.now(UTC)
            ),
            policy=PATIENT,
        )

    def get(self, job_id: uuid.UUID) -> Job | None:
        return run_in_transaction(self.engine, lambda c: get(c, job_id), write=False)

    def claim(self, job_id: uuid.UUID) -> Job | None:
        """Claims the run for this replica if it is claimable; the run as claimed."""
        return run_in_transaction(
            self.engine,
            lambda c: claim(c, job_id, self.holder, self.ttl, datetime.now(UTC)),
            policy=PATIENT,
        )

    def tick(self) -> int:
        """Claims and runs runnable runs until none is left (or the runner stops); how many ran."""
        ran = 0
        while self.types and not self._stopping.is_set():
            candidates = run_in_transaction(
                self.engine,
                lambda c: runnable(c, list(self.types), datetime.now(UTC)),
                write=False,
            )
            claimed = next(
                (run for job in candidates if (run := self.claim(job.id)) is not None), None
            )
            if claimed is None:
                return ran
            self._execute(claimed)
            ran += 1
        return ran

    def run(
        self,
        job_id: uuid.UUID,
        on_progress: Callable[[int, int], object] | None = None,
        *,
        poll: float = 0.2,
    ) -> Job:
        """Runs the run here to its end; while another replica holds it, waits for it to end
        (and carries on with it if that replica dies). The run as it ended.

        Raises:
            LookupError: there is no such run.
            ValueError: its type is not registered here.
        """
        while True:
            job = self.get(job_id)
            if job is None:
                raise LookupError(f"no job {job_id}")
            if not job.active:
                return job
            if job.type not in self.types:
                raise ValueError(f"job {job_id} is of type {job.type!r}, unknown to this runner")
            claimed = self.claim(job_id)
            if claimed is not None:
                return self._execute(claimed, on_progress)
            time.sleep(poll)

    def _execute(self, run: Job, on_progress: Callable[[int, int], object] | None = None) -> Job:
        job_type = self.types[run.type]
        context = JobContext(
            self.engine, run, self.ttl, stopping=self._stopping.is_set, on_progress=on_progress
        )
        heartbeat = Periodic(
            f"job-heartbeat-{run.id.hex[:8]}",
            self.ttl.total_seconds() * HEARTBEAT_AT,
            context.heartbeat,
        )
        heartbeat.start()
        try:
            job_type.execute(context)
        except JobLost as lost:
            log.warning("job %s (%s) stopped here: %s", run.id, run.type, lost)
        except JobStopped:
            log.info("job %s (%s) left for another replica: stopping", run.id, run.type)
            self._release(context.job)
        except Exception as exc:
            log.exception("job %s (%s) failed", run.id, run.type)
            self._end(job_type, context.job, FAILED, f"{exc.__class__.__name__}: {exc}")
        except BaseException:  # interrupted (KeyboardInterrupt, SystemExit): leave it resumable
            self._release(context.job)
            raise
        else:
            self._end(job_type, context.job, SUCCEEDED, None)
        finally:
            heartbeat.stop()
        found = self.get(run.id)
        assert found is not None
        return found

    def _release(self, run: Job) -> None:
        try:
            run_in_transaction(self.engine, lambda c: release(c, run, datetime.now(UTC)))
        except Exception:  # the claim then simply expires
            log.warning("job %s: could not give the claim up", run.id, exc_info=True)

    def _end(self, job_type: JobType, run: Job, state: str, error: str | None) -> None:
        def end(connection: Connection) -> None:
            now = datetime.now(UTC)
            _fence(
                connection, run, now, self.ttl, state=state, error=error, active_key=None,
                expires_at=None, end_time=now,
            )  # fmt: skip
            ended = get(connection, run.id)
            assert ended is not None
            job_type.ended(connection, ended)

        try:
            run_in_transaction(self.engine, end, policy=PATIENT)
        except JobLost as lost:
            log.warning("job %s (%s): its end was not recorded here: %s", run.id, run.type, lost)
