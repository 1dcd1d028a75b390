"""Jobs on the real database: one run per key, exactly one claimer, fenced writes, heartbeats,
resumption from the checkpoint after a holder dies or stops, failure, retry and cancellation."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.engine import Connection, Engine

from customer_core.coordination import jobs
from customer_core.coordination.jobs import Job, JobContext, JobLost, JobRunner, JobType
from customer_core.errors import FailedPrecondition
from customer_core.storage import create_engine, run_in_transaction

TTL = 1.0
TYPE = "test-count"

# What the test job does, one row per item: a second insert of an item would fail.
scratch = MetaData()
items = Table(
    "test_job_items",
    scratch,
    Column("job", String(36), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("holder", String(128), nullable=False),
)


@pytest.fixture
def engine(new_database: Callable[[str], str]) -> Iterator[Engine]:
    engine = create_engine(new_database("jobs"), pool_size=8)
    scratch.create_all(engine)
    yield engine
    engine.dispose()


def now() -> datetime:
    return datetime.now(UTC)


class Counting(JobType):
    """Counts to `params['n']`, one item per fenced step, checkpointing the next item."""

    name = TYPE

    def __init__(self, holder: str) -> None:
        self.holder = holder
        self.before_step: Callable[[int], None] = lambda n: None
        self.ends: list[tuple[str, str | None]] = []

    def execute(self, job: JobContext) -> None:
        total = int(job.params["n"])
        start = (job.checkpoint or {}).get("next", 0)
        job.progress(total=total)
        for n in range(start, total):
            self.before_step(n)

            def step(connection: Connection, n: int = n) -> None:
                connection.execute(
                    insert(items).values(job=str(job.job.id), n=n, holder=self.holder)
                )
                job.save(connection, checkpoint={"next": n + 1}, done=n + 1)

            job.transaction(step)

    def ended(self, connection: Connection, job: Job) -> None:
        self.ends.append((job.state, job.error))


def runner(engine: Engine, holder: str, *, ttl: float = TTL) -> tuple[JobRunner, Counting]:
    job_type = Counting(holder)
    running = JobRunner(engine, holder=holder, ttl=ttl, poll_interval=3600)
    running.register(job_type)
    return running, job_type


def done_items(engine: Engine, job_id: uuid.UUID) -> list[tuple[int, str]]:
    return [
        (int(r.n), r.holder)
        for r in run_in_transaction(
            engine,
            lambda c: c.execute(
                select(items).where(items.c.job == str(job_id)).order_by(items.c.n)
            ).all(),
            write=False,
        )
    ]


def job_count(engine: Engine) -> int:
    return int(
        run_in_transaction(
            engine,
            lambda c: c.execute(select(func.count()).select_from(jobs.jobs)).scalar_one(),
            write=False,
        )
    )


def test_a_key_has_one_active_run_even_when_submitted_at_once(engine: Engine) -> None:
    submitters = [runner(engine, f"r{i}")[0] for i in range(6)]
    barrier = threading.Barrier(len(submitters))
    found: list[tuple[Job, bool]] = []

    def submit(r: JobRunner) -> None:
        barrier.wait()
        found.append(r.submit(TYPE, {"n": 3}, key="count:a", created_by="test"))

    threads = [threading.Thread(target=submit, args=(r,)) for r in submitters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(found) == 6
    assert len({job.id for job, _ in found}) == 1  # every submitter got the same run
    assert sum(created for _, created in found) == 1
    assert job_count(engine) == 1
    job = found[0][0]
    assert (job.state, job.token, job.holder, job.done, job.total) == ("queued", 0, None, 0, 0)
    other, created = submitters[0].submit(TYPE, {"n": 3}, key="count:b", created_by="test")
    assert created and other.id != job.id  # another key: another run
    unkeyed = {submitters[0].submit(TYPE, {"n": 1}, key=None, created_by="t")[0].id for _ in "ab"}
    assert len(unkeyed) == 2


def test_exactly_one_of_many_concurrent_claimers_wins(engine: Engine) -> None:
    claimers = [runner(engine, f"claimer-{i}")[0] for i in range(8)]
    job, _ = claimers[0].submit(TYPE, {"n": 1}, key="count:claim", created_by="test")
    barrier = threading.Barrier(len(claimers))
    won: list[Job] = []

    def claim(r: JobRunner) -> None:
        barrier.wait()
        claimed = r.claim(job.id)
        if claimed is not None:
            won.append(claimed)

    threads = [threading.Thread(target=claim, args=(r,)) for r in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
    stored = claimers[0].get(job.id)
    assert stored is not None
    assert (stored.state, stored.holder, stored.token) == ("running", won[0].holder, 1)
    # Held and not expired: nobody else may claim it, and it is not runnable.
    assert all(r.claim(job.id) is None for r in claimers)
    listed = run_in_transaction(engine, lambda c: jobs.runnable(c, [TYPE], now()), write=False)
    assert job.id not in {j.id for j in listed}


def test_an_expired_claim_is_taken_over_and_the_stale_holder_cannot_write(engine: Engine) -> None:
    first, _ = runner(engine, "first")
    second, _ = runner(engine, "second")
    job, _ = first.submit(TYPE, {"n": 1}, key="count:stale", created_by="test")
    stale = first.claim(job.id)
    assert stale is not None and stale.token == 1
    context = JobContext(engine, stale, timedelta(seconds=TTL), stopping=lambda: False)
    context.progress(done=0, total=1)  # fenced: still ours
    assert second.claim(job.id) is None
    time.sleep(TTL + 0.2)  # no heartbeat: the claim expires
    listed = run_in_transaction(engine, lambda c: jobs.runnable(c, [TYPE], now()), write=False)
    assert job.id in {j.id for j in listed}
    taken = second.claim(job.id)
    assert taken is not None and (taken.holder, taken.token) == ("second", 2)
    # The old holder wakes: its step and its checkpoint are refused together.
    with pytest.raises(JobLost):
        context.transaction(
            lambda c: (
                c.execute(insert(items).values(job=str(job.id), n=0, holder="first")),
                context.save(c, checkpoint={"next": 1}, done=1),
            )
        )
    assert done_items(engine, job.id) == []
    stored = second.get(job.id)
    assert stored is not None and (stored.checkpoint, stored.done, stored.holder) == (
        None,
        0,
        "second",
    )
    with pytest.raises(JobLost):
        context.check()  # it knows now, without asking again
    # Its heartbeat is refused too, and changes nothing.
    lost = JobContext(engine, stale, timedelta(seconds=TTL), stopping=lambda: False)
    lost.heartbeat()
    with pytest.raises(JobLost):
        lost.check()
    assert second.get(job.id).expires_at == stored.expires_at  # type: ignore[union-attr]


def test_heartbeats_keep_a_slow_run_from_being_taken_over(engine: Engine) -> None:
    slow, job_type = runner(engine, "slow", ttl=0.6)
    other, _ = runner(engine, "other", ttl=0.6)
    job, _ = slow.submit(TYPE, {"n": 3}, key="count:slow", created_by="test")
    thieves: list[Job | None] = []
    stop = threading.Event()

    def steal() -> None:
        while not stop.is_set():
            thieves.append(other.claim(job.id))
            time.sleep(0.05)

    thief = threading.Thread(target=steal)

    def before_step(n: int) -> None:
        if n == 0:
            thief.start()  # once the run is claimed: from here on a claim must fail
        elif n == 1:
            time.sleep(0.5)  # a step near the TTL

    job_type.before_step = before_step
    try:
        ended = slow.run(job.id)
    finally:
        stop.set()
        thief.join(10)
    assert ended.state == "succeeded", ended.error
    assert thieves and all(t is None for t in thieves)
    assert done_items(engine, job.id) == [(0, "slow"), (1, "slow"), (2, "slow")]


class Killed(BaseException):
    """The process dying mid-run (not an Exception: nothing handles it as a failure)."""


def test_a_run_interrupted_mid_way_is_carried_on_from_its_checkpoint(engine: Engine) -> None:
    first, first_type = runner(engine, "first")
    second, _ = runner(engine, "second")
    job, _ = first.submit(TYPE, {"n": 6}, key="count:resume", created_by="test")

    def die_at_3(n: int) -> None:
        if n == 3:
            raise Killed

    first_type.before_step = die_at_3
    progress: list[tuple[int, int]] = []
    with pytest.raises(Killed):
        first.run(job.id, lambda done, total: progress.append((done, total)))
    assert progress == [(1, 6), (2, 6), (3, 6)]
    left = first.get(job.id)
    assert left is not None and (left.state, left.checkpoint, left.done) == (
        "running",
        {"next": 3},
        3,
    )
    assert left.expires_at is not None and left.expires_at <= now()  # claim given up at once
    assert second.tick() == 1  # another replica's runner picks it up without waiting
    ended = second.get(job.id)
    assert ended is not None
    assert (ended.state, ended.done, ended.total, ended.token) == ("succeeded", 6, 6, 2)
    holders = done_items(engine, job.id)
    assert [n for n, _ in holders] == list(range(6))  # each item exactly once
    assert {h for n, h in holders if n < 3} == {"first"}
    assert {h for n, h in holders if n >= 3} == {"second"}
    # Ended: the key is free for a new run.
    again, created = second.submit(TYPE, {"n": 1}, key="count:resume", created_by="test")
    assert created and again.id != job.id


def test_a_stopping_runner_leaves_its_run_for_another_replica(engine: Engine) -> None:
    first, first_type = runner(engine, "first")
    second, _ = runner(engine, "second")
    job, _ = first.submit(TYPE, {"n": 4}, key="count:stop", created_by="test")
    first_type.before_step = lambda n: first.stop() if n == 2 else None
    first.run(job.id)
    left = first.get(job.id)
    assert left is not None and (left.state, left.done, left.holder) == ("running", 2, "first")
    assert second.run(job.id).state == "succeeded"
    assert [n for n, _ in done_items(engine, job.id)] == [0, 1, 2, 3]


def test_a_failed_run_records_its_error_and_can_run_again_from_its_checkpoint(
    engine: Engine,
) -> None:
    r, job_type = runner(engine, "r")

    def fail_at_2(n: int) -> None:
        if n == 2:
            raise RuntimeError("disk full")

    job_type.before_step = fail_at_2
    job, _ = r.submit(TYPE, {"n": 4}, key="count:fail", created_by="test")
    failed = r.run(job.id)
    assert (failed.state, failed.error, failed.done) == ("failed", "RuntimeError: disk full", 2)
    assert failed.end_time is not None and not failed.active
    assert job_type.ends == [("failed", "RuntimeError: disk full")]
    # The key is free: a new run may start, and while it is active the failed one cannot.
    newer, created = r.submit(TYPE, {"n": 1}, key="count:fail", created_by="test")
    assert created
    with pytest.raises(FailedPrecondition):
        run_in_transaction(engine, lambda c: jobs.reopen(c, job.id, now()))
    run_in_transaction(engine, lambda c: jobs.cancel(c, newer.id, now()))
    job_type.before_step = lambda n: None
    reopened = run_in_transaction(engine, lambda c: jobs.reopen(c, job.id, now()))
    assert reopened is not None and (reopened.state, reopened.error) == ("queued", None)
    ended = r.run(job.id)
    assert (ended.state, ended.error, ended.done) == ("succeeded", None, 4)
    assert [n for n, _ in done_items(engine, job.id)] == [0, 1, 2, 3]


def test_a_cancelled_run_stops_at_its_next_step(engine: Engine) -> None:
    r, job_type = runner(engine, "r")
    job, _ = r.submit(TYPE, {"n": 5}, key="count:cancel", created_by="test")

    def cancel_at_2(n: int) -> None:
        if n == 2:
            run_in_transaction(engine, lambda c: jobs.cancel(c, job.id, now()))

    job_type.before_step = cancel_at_2
    ended = r.run(job.id)
    assert (ended.state, ended.done) == ("cancelled", 2)
    assert [n for n, _ in done_items(engine, job.id)] == [0, 1]
    assert job_type.ends == []  # its end was the cancellation's, not the run's
    _, created = r.submit(TYPE, {"n": 1}, key="count:cancel", created_by="test")
    assert created


def test_a_runner_runs_only_the_types_it_knows(engine: Engine) -> None:
    r, _ = runner(engine, "r")
    stranger, _ = r.submit("test-other", {}, key=None, created_by="test")
    mine, _ = r.submit(TYPE, {"n": 1}, key=None, created_by="test")
    assert r.tick() == 1
    assert r.get(mine.id).state == "succeeded"  # type: ignore[union-attr]
    assert r.get(stranger.id).state == "queued"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown to this runner"):
        r.run(stranger.id)


def test_the_runner_loop_claims_what_is_submitted_when_woken(engine: Engine) -> None:
    r, _ = runner(engine, "loop")
    r.start()
    try:
        job, _ = r.submit(TYPE, {"n": 2}, key=None, created_by="test")
        r.wake()
        deadline = time.monotonic() + 10
        while (found := r.get(job.id)) is not None and found.active:
            assert time.monotonic() < deadline, "not run within 10 s"
            time.sleep(0.02)
    finally:
        r.stop()
    assert found is not None and found.state == "succeeded"
