"""Credential lifecycle: records that lapse (identity documents past their `valid_to`) are marked
expired by a job, and those lapsing soon are listed so that channels can ask customers to renew.

Which records lapse, and what "expired" means for them, is each plugin's (`record_expiry`,
`expire_record`): the kernel knows no document. Only active customers' records are listed and
expired: a closed, erased or merged customer's change no more. The expiry is a run of
`coordination.jobs` (type `record-expiry`, one at a time per date): it goes through the lapsing
models' records in id order, a batch per transaction fenced by its claim, with the last id done
as its checkpoint, so a run interrupted anywhere is carried on by any replica and no record is
expired twice. Each record
it expires is stored as its next version and ledgered as an UPDATE by `job:record-expiry`, the
run's id as correlation id. A scheduler will submit the same run later; today the CLI and the
`ExpireRecords` RPC do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from customer_core.coordination.jobs import Job, JobContext, JobRunner, JobType
from customer_core.errors import InvalidArgument, NotFound
from customer_core.kernel import access
from customer_core.kernel import records as record_ops
from customer_core.kernel.names import record_name
from customer_core.kernel.record_codec import RecordCodec
from customer_core.kernel.subject_model import SubjectModel
from customer_core.ledger import recorder as ledger
from customer_core.ledger.chain import customer_chain
from customer_core.ledger.snapshots import record_snapshot
from customer_core.storage.tables import customers, subject_records
from customer_core.storage.transaction import run_in_transaction

JOB_TYPE = "record-expiry"
#: Records read per transaction of a run.
BATCH = 200
#: Most days ahead `expiring` looks.
MAX_DAYS = 366
_RESOURCE = "customer_core.v1.ExpiryRun"


@dataclass(frozen=True)
class Lapsing:
    """A record that lapses: its customer, name, model and last day."""

    customer_number: str
    record: str
    subject: str
    expires_on: date


def _rows(
    connection: Connection, models: list[SubjectModel], after: uuid.UUID | None, limit: int
) -> list[Any]:
    query = (
        select(subject_records, customers.c.customer_number, customers.c.owning_org_unit)
        .join(customers, customers.c.id == subject_records.c.customer_id)
        .where(
            subject_records.c.subject.in_([m.name for m in models]),
            customers.c.status == "ACTIVE",  # closed (and erased) and merged ones change no more
        )
        .order_by(subject_records.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(subject_records.c.id > after)
    return list(connection.execute(query))


def _expiring_rows(
    connection: Connection, codec: RecordCodec, models: list[SubjectModel]
) -> Iterator[tuple[Any, SubjectModel, date]]:
    """Every record of `models` that lapses, with its model and last day (from its stored form:
    what says when a record lapses is never sensitive)."""
    by_name = {m.name: m for m in models}
    after: uuid.UUID | None = None
    while True:
        rows = _rows(connection, models, after, BATCH)
        for row in rows:
            model = by_name[row.subject]
            day = codec.registry.expiry(model, model.message_class.FromString(row.payload))
            if day is not None:
                yield row, model, day
        if len(rows) < BATCH:
            return
        after = rows[-1].id


def expiring(
    connection: Connection, codec: RecordCodec, within_days: int, today: date | None = None
) -> list[Lapsing]:
    """The records the caller may read that lapse within `within_days` days (or have lapsed and
    are not marked so yet), soonest first."""
    if not 0 <= within_days <= MAX_DAYS:
        raise InvalidArgument.field("within_days", f"must be 0 to {MAX_DAYS}")
    horizon = (today or date.today()) + timedelta(days=within_days)
    found = []
    for row, model, day in _expiring_rows(connection, codec, codec.registry.lapsing()):
        if (
            day > horizon
            or not access.can_read(row)
            or not access.readable_subject(row, model.name)
        ):
            continue
        found.append(
            Lapsing(row.customer_number, record_name(row.customer_number, row.id), model.name, day)
        )
    access.note_customers(sorted({x.customer_number for x in found}))
    return sorted(found, key=lambda x: (x.expires_on, x.record))


def _provenance(job: Job) -> ledger.Provenance:
    return ledger.Provenance(f"job:{JOB_TYPE}", "record expiry", correlation_id=str(job.id))


@dataclass(frozen=True)
class ExpiryRun:
    """A run of the expiry job as callers see it."""

    id: uuid.UUID
    on: date
    state: str
    done: int
    total: int
    expired: int
    error: str | None

    @classmethod
    def of(cls, job: Job) -> ExpiryRun:
        point = job.checkpoint or {}
        return cls(
            job.id, date.fromisoformat(job.params["on"]), job.state, job.done, job.total,
            int(point.get("expired", 0)), job.error,
        )  # fmt: skip


class RecordExpiry(JobType):
    """Starts and reports expiry runs, and runs them as the job type `record-expiry`."""

    name = JOB_TYPE

    def __init__(self, engine: Engine, codec: RecordCodec, runner: JobRunner) -> None:
        self.engine = engine
        self.codec = codec
        self.runner = runner
        runner.register(self)

    def start(self, on: date | None = None, *, created_by: str = "") -> uuid.UUID:
        """Submits the expiry of records lapsed before `on` (default today; a later day expires
        what will have lapsed by then, e.g. the night before), or finds the run of that day
        already active; its id."""
        today = date.today()
        if on is not None and on > today + timedelta(days=MAX_DAYS):
            raise InvalidArgument.field("on", f"is more than {MAX_DAYS} days ahead")
        day = (on or today).isoformat()
        job, _ = self.runner.submit(
            JOB_TYPE, {"on": day}, key=f"{JOB_TYPE}:{day}", created_by=created_by
        )
        return job.id

    def run(self, job_id: uuid.UUID) -> ExpiryRun:
        """Runs (or resumes) the run here to its end, or waits for the replica running it."""
        self.get(job_id)
        return ExpiryRun.of(self.runner.run(job_id))

    def get(self, job_id: uuid.UUID) -> ExpiryRun:
        """A run; NOT_FOUND when there is none."""
        job = self.runner.get(job_id)
        if job is None or job.type != JOB_TYPE:
            raise NotFound(_RESOURCE, f"expiryRuns/{job_id}", "no such expiry run")
        return ExpiryRun.of(job)

    def execute(self, job: JobContext) -> None:
        on = date.fromisoformat(job.params["on"])
        models = self.codec.registry.lapsing()
        if not models:
            return
        total = run_in_transaction(
            self.engine,
            lambda c: sum(1 for _ in _expiring_rows(c, self.codec, models)),
            write=False,
        )
        point = job.checkpoint or {}
        job.progress(total=max(total, job.done))
        after = uuid.UUID(point["after"]) if point.get("after") else None
        expired = int(point.get("expired", 0))
        while True:

            def batch(
                connection: Connection, after: uuid.UUID | None = after, expired: int = expired
            ) -> tuple[uuid.UUID | None, int, int]:
                with ledger.attributed(connection, _provenance(job.job)):
                    rows = _rows(connection, models, after, BATCH)
                    by_name = {m.name: m for m in models}
                    seen = made = 0
                    for row in rows:
                        model = by_name[row.subject]
                        day = self.codec.registry.expiry(
                            model, model.message_class.FromString(row.payload)
                        )
                        if day is None:
                            continue
                        seen += 1
                        if day < on:
                            self._expire(connection, model, row)
                            made += 1
                    last = rows[-1].id if rows else after
                    job.save(
                        connection,
                        checkpoint={"after": str(last) if last else "", "expired": expired + made},
                        done=job.done + seen,
                    )
                    return (last if len(rows) == BATCH else None), seen, made

            after_next, _, made = job.transaction(batch)
            expired += made
            if after_next is None:
                return
            after = after_next

    def _expire(self, connection: Connection, model: SubjectModel, row: Any) -> None:
        message = self.codec.plaintext(connection, model, row)
        self.codec.registry.expire(model, message)
        sealed = self.codec.seal(connection, model, message, row.customer_id, row.id)
        fresh = record_ops.rewrite(
            connection, row, datetime.now(UTC), payload=sealed.payload, sealed=sealed.sealed
        )
        ledger.append(
            connection, chain=customer_chain(row.customer_number), subject=model.name,
            resource=record_name(row.customer_number, row.id), action=ledger.UPDATE,
            now=fresh.update_time, before=record_snapshot(row), after=record_snapshot(fresh),
            customer_id=row.customer_id, customer_number=row.customer_number,
        )  # fmt: skip
