"""End-of-day consolidation: the whole base compared, duplicates merged, the rest listed.

A run of `coordination.jobs` (type `consolidation`, one at a time across replicas):

1. **Profiles.** Every active customer's records of the policy's subject models are read and
   decrypted in memory, in batches, into `profiles.Profile`s; a customer whose stored match keys
   differ from its records' (one stored before identification existed) gets them now. Nothing
   decrypted is written anywhere: no temporary file, no log line.
2. **Scoring.** `scoring.Model` is fitted to the base (u probabilities, value frequencies) and
   every blocked pair scored.
3. **Clusters.** Pairs meeting an automatic-merge tier (their match keys share a digest of such a
   tier) are joined, as real-time identification joins them; with
   `CUSTOMER_CORE_MATCH_AUTO_MERGE_SCORE` above 0, so are pairs scoring at least that
   probability that no guard forbids, clustered without chaining (`clustering`).
4. **Merges.** Each cluster is merged into its survivor (`merging.choose_survivor`), one
   transaction per merge, by `job:consolidation`; a customer changed meanwhile (no longer
   active) is left out.
5. **The list.** Every other pair scoring at least `LIST_FLOOR`, or meeting any tier, goes on the
   similar-customer list (origin END_OF_DAY, with its probability); pairs a steward marked not
   the same stay off it until a match key of either changes.
6. **Relationships.** Possible family links and organizations' representatives or executives
   who are individual customers are proposed to stewards (`relationships`).

A run interrupted anywhere starts again from the beginning on any replica: merges done are not
done again (their losers are no longer active), and listing a listed pair only refreshes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from customer_core.coordination.jobs import Job, JobContext, JobRunner, JobType
from customer_core.errors import NotFound
from customer_core.kernel.matching import identify as ident
from customer_core.kernel.matching import keys as key_ops
from customer_core.kernel.matching import merging, relationships
from customer_core.kernel.matching.clustering import clusters
from customer_core.kernel.matching.policy import tier_rank
from customer_core.kernel.matching.profiles import Profile, profile_of
from customer_core.kernel.matching.realtime import Identification
from customer_core.kernel.matching.scoring import Comparison, Model, candidate_pairs
from customer_core.ledger import recorder as ledger
from customer_core.storage.tables import customers, match_candidates, match_keys, subject_records
from customer_core.storage.transaction import run_in_transaction

JOB_TYPE = "consolidation"
END_OF_DAY = "END_OF_DAY"
#: Probability from which a scored pair goes on the similar-customer list.
LIST_FLOOR = 0.5
#: Why a merge of the job was made, as its Merge says.
MERGE_REASON = "end-of-day consolidation"
#: Tier recorded for a merge decided by score alone.
SCORED = "SCORED"
#: Customers read per transaction.
BATCH = 500
_RESOURCE = "customer_core.v1.ConsolidationRun"


@dataclass(frozen=True)
class ConsolidationRun:
    """A run as callers see it."""

    id: uuid.UUID
    state: str
    phase: str
    done: int
    total: int
    compared: int
    merged: int
    listed: int
    proposed: int
    error: str | None

    @classmethod
    def of(cls, job: Job) -> ConsolidationRun:
        point = job.checkpoint or {}
        return cls(
            job.id, job.state, str(point.get("phase", "")), job.done, job.total,
            int(point.get("compared", 0)), int(point.get("merged", 0)),
            int(point.get("listed", 0)), int(point.get("proposed", 0)), job.error,
        )  # fmt: skip


def _provenance(job: Job) -> ledger.Provenance:
    return ledger.Provenance(
        f"job:{JOB_TYPE}", "end-of-day consolidation", correlation_id=str(job.id)
    )


class Consolidation(JobType):
    """Starts and reports consolidation runs, and runs them as the job type `consolidation`."""

    name = JOB_TYPE

    def __init__(
        self,
        engine: Engine,
        identification: Identification,
        runner: JobRunner,
        *,
        auto_merge_score: float = 0.0,
    ) -> None:
        self.engine = engine
        self.identification = identification
        self.runner = runner
        self.auto_merge_score = auto_merge_score
        runner.register(self)

    def start(self, *, created_by: str = "") -> uuid.UUID:
        """Submits a run, or finds the one active; its id."""
        job, _ = self.runner.submit(JOB_TYPE, {}, key=JOB_TYPE, created_by=created_by)
        return job.id

    def run(self, job_id: uuid.UUID) -> ConsolidationRun:
        """Runs (or resumes) the run here to its end, or waits for the replica running it."""
        self.get(job_id)
        return ConsolidationRun.of(self.runner.run(job_id))

    def get(self, job_id: uuid.UUID) -> ConsolidationRun:
        job = self.runner.get(job_id)
        if job is None or job.type != JOB_TYPE:
            raise NotFound(_RESOURCE, f"consolidationRuns/{job_id}", "no such consolidation run")
        return ConsolidationRun.of(job)

    # The run

    def execute(self, job: JobContext) -> None:
        total = run_in_transaction(
            self.engine,
            lambda c: c.execute(
                select(func.count()).select_from(customers).where(customers.c.status == "ACTIVE")
            ).scalar_one(),
            write=False,
        )
        job.progress(total=int(total) * 2, done=0)
        point: dict[str, Any] = {
            "phase": "profiles", "compared": 0, "merged": 0, "listed": 0, "proposed": 0,
        }  # fmt: skip
        profiles, keys = self._profiles(job, point)
        point["phase"] = "scoring"
        self._save(job, point)
        model = Model(profiles)
        pairs, _ = candidate_pairs(profiles)
        scored = {(a, b): model.compare(profiles[a], profiles[b]) for a, b in pairs}
        point["compared"] = len(scored)
        excluded = self._not_same(profiles, keys)
        groups = self._clusters(profiles, keys, scored, model, excluded)
        point["phase"] = "merging"
        self._save(job, point)
        merged_into = self._merge(job, point, profiles, groups)
        point["phase"] = "listing"
        self._save(job, point)
        listed = self._list(job, point, profiles, keys, scored, merged_into, excluded)
        point["phase"] = "relationships"
        self._save(job, point)
        self._propose(job, point, profiles, merged_into, listed)
        point["phase"] = "done"
        self._save(job, point, done=int(total) * 2)

    def _save(self, job: JobContext, point: dict[str, Any], done: int | None = None) -> None:
        def save(connection: Connection) -> None:
            job.save(connection, checkpoint=dict(point), done=job.done if done is None else done)

        job.transaction(save)

    def _profiles(
        self, job: JobContext, point: dict[str, Any]
    ) -> tuple[list[Profile], list[list[key_ops.Key]]]:
        identification = self.identification
        policy, codec = identification.policy, identification.codec
        subjects = policy.subjects() | {relationships.SUBJECT}
        profiles: list[Profile] = []
        keys: list[list[key_ops.Key]] = []
        after: uuid.UUID | None = None
        while True:

            def batch(connection: Connection, after: uuid.UUID | None = after) -> list[Any]:
                query = (
                    select(customers)
                    .where(customers.c.status == "ACTIVE")
                    .order_by(customers.c.id)
                    .limit(BATCH)
                )
                if after is not None:
                    query = query.where(customers.c.id > after)
                rows = list(connection.execute(query))
                if not rows:
                    return []
                records: dict[uuid.UUID, list[Any]] = {r.id: [] for r in rows}
                for record in connection.execute(
                    select(subject_records).where(
                        subject_records.c.customer_id.in_(list(records)),
                        subject_records.c.subject.in_(sorted(subjects)),
                    )
                ):
                    records[record.customer_id].append(record)
                stored: dict[uuid.UUID, set[str]] = {r.id: set() for r in rows}
                for k in connection.execute(
                    select(match_keys.c.customer_id, match_keys.c.digest).where(
                        match_keys.c.customer_id.in_(list(records))
                    )
                ):
                    stored[k.customer_id].add(k.digest)
                made = []
                with ledger.attributed(connection, _provenance(job.job)):
                    for row in rows:
                        plain = merging.plain_records(connection, codec, records[row.id], subjects)
                        found = key_ops.keys_of(policy, codec.cipher, row.type, plain)
                        if {k.digest for k in found} != stored[row.id]:
                            ident.store_keys(connection, row.id, found)
                        made.append(
                            (
                                profile_of(
                                    policy, row.id, row.customer_number, row.type,
                                    row.create_time, plain,
                                ),
                                found,
                            )
                        )  # fmt: skip
                    job.save(connection, checkpoint=dict(point), done=job.done + len(rows))
                return made

            made = job.transaction(batch)
            for profile, found in made:
                profiles.append(profile)
                keys.append(found)
            if len(made) < BATCH:
                return profiles, keys
            after = made[-1][0].customer_id

    def _not_same(
        self, profiles: Sequence[Profile], keys: Sequence[list[key_ops.Key]]
    ) -> set[tuple[uuid.UUID, uuid.UUID]]:
        """Pairs a steward marked not the same, whose match keys have not changed since."""
        index = {p.customer_id: i for i, p in enumerate(profiles)}

        def read(connection: Connection) -> list[Any]:
            return list(
                connection.execute(
                    select(match_candidates).where(match_candidates.c.status == ident.NOT_SAME)
                )
            )

        excluded = set()
        for row in run_in_transaction(self.engine, read, write=False):
            a, b = index.get(row.customer_a), index.get(row.customer_b)
            if a is None or b is None:
                continue
            if row.keys_fingerprint == ident.fingerprint(keys[a], keys[b]):
                excluded.add(ident.ordered(row.customer_a, row.customer_b))
        return excluded

    def _tier(self, keys: Sequence[list[key_ops.Key]], a: int, b: int) -> str | None:
        """The most precise tier whose match key customers `a` and `b` share, or None."""
        digests = {k.digest: k.tier for k in keys[a]}
        shared = [digests[k.digest] for k in keys[b] if k.digest in digests]
        return min(shared, key=tier_rank) if shared else None

    def _clusters(
        self,
        profiles: Sequence[Profile],
        keys: Sequence[list[key_ops.Key]],
        scored: dict[tuple[int, int], Comparison],
        model: Model,
        excluded: set[tuple[uuid.UUID, uuid.UUID]],
    ) -> list[list[int]]:
        auto = self.identification.policy.auto_merge
        owner = list(range(len(profiles)))

        def find(x: int) -> int:
            while owner[x] != x:
                owner[x] = owner[owner[x]]
                x = owner[x]
            return x

        def allowed(a: int, b: int) -> bool:
            return ident.ordered(profiles[a].customer_id, profiles[b].customer_id) not in excluded

        for a, b in scored:
            tier = self._tier(keys, a, b)
            if tier is not None and tier in auto and allowed(a, b):
                owner[find(a)] = find(b)
        tiered: dict[int, list[int]] = {}
        for i in range(len(profiles)):
            tiered.setdefault(find(i), []).append(i)
        initial = [g for g in tiered.values() if len(g) > 1]
        if self.auto_merge_score <= 0:
            return initial
        edges = [
            (a, b, c)
            for (a, b), c in scored.items()
            if c.probability >= self.auto_merge_score and c.guard is None and allowed(a, b)
        ]
        return clusters(
            len(profiles), edges,
            lambda a, b: model.compare(profiles[a], profiles[b]), LIST_FLOOR, initial,
        )  # fmt: skip

    def _merge(
        self,
        job: JobContext,
        point: dict[str, Any],
        profiles: Sequence[Profile],
        groups: Sequence[list[int]],
    ) -> dict[int, int]:
        """Merges each group; the index each merged profile's customer went into."""
        identification = self.identification
        merged_into: dict[int, int] = {}
        for group in groups:

            def merge_group(
                connection: Connection, group: list[int] = group
            ) -> tuple[int, list[int]]:
                rows = {
                    r.id: r
                    for r in connection.execute(
                        select(customers).where(
                            customers.c.id.in_([profiles[i].customer_id for i in group]),
                            customers.c.status == "ACTIVE",
                        )
                    )
                }
                members = [i for i in group if profiles[i].customer_id in rows]
                if len(members) < 2:
                    return 0, []
                survivor = members[0]
                for i in members[1:]:
                    keep, _ = merging.choose_survivor(
                        connection, identification.policy,
                        rows[profiles[survivor].customer_id], rows[profiles[i].customer_id],
                    )  # fmt: skip
                    if keep.id == profiles[i].customer_id:
                        survivor = i
                now = datetime.now(UTC)
                with ledger.attributed(connection, _provenance(job.job)):
                    for i in members:
                        if i == survivor:
                            continue
                        current = connection.execute(
                            select(customers).where(
                                customers.c.id == profiles[survivor].customer_id
                            )
                        ).one()
                        merging.merge(
                            connection, identification.codec, identification.policy,
                            current, rows[profiles[i].customer_id], now, tier=SCORED,
                            why=MERGE_REASON, actor=f"job:{JOB_TYPE}",
                        )  # fmt: skip
                    losers = [i for i in members if i != survivor]
                    saved = {**point, "merged": point["merged"] + len(losers)}
                    job.save(connection, checkpoint=saved, done=job.done)
                return survivor, losers

            survivor, losers = job.transaction(merge_group)
            for i in losers:
                merged_into[i] = survivor
            point["merged"] += len(losers)
        return merged_into

    def _list(
        self,
        job: JobContext,
        point: dict[str, Any],
        profiles: Sequence[Profile],
        keys: Sequence[list[key_ops.Key]],
        scored: dict[tuple[int, int], Comparison],
        merged_into: dict[int, int],
        excluded: set[tuple[uuid.UUID, uuid.UUID]],
    ) -> set[tuple[int, int]]:
        """Lists the pairs; every pair (of surviving indexes) that may be one customer."""

        def home(i: int) -> int:
            return _home(merged_into, i)

        best: dict[tuple[int, int], tuple[Comparison, str]] = {}
        maybe: set[tuple[int, int]] = set()
        for (a, b), comparison in scored.items():
            ha, hb = home(a), home(b)
            if ha == hb:
                continue
            tier = self._tier(keys, a, b)
            if tier is None and comparison.probability < LIST_FLOOR:
                continue
            pair = (min(ha, hb), max(ha, hb))
            maybe.add(pair)
            if ident.ordered(profiles[ha].customer_id, profiles[hb].customer_id) in excluded:
                continue
            tier = tier or "LOW"
            held = best.get(pair)
            if held is None or comparison.probability > held[0].probability:
                best[pair] = (comparison, tier)
        items = list(best.items())
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]

            def write(connection: Connection, chunk: list[Any] = chunk) -> None:
                now = datetime.now(UTC)
                for (a, b), (comparison, tier) in chunk:
                    first = connection.execute(
                        select(customers).where(customers.c.id == profiles[a].customer_id)
                    ).one()
                    if first.status != "ACTIVE":
                        continue
                    other = profiles[b].customer_id
                    existing = ident.pair_row(connection, first.id, other)
                    if existing is not None and existing.status != ident.OPEN:
                        continue  # decided by a steward (or merged) since
                    ident.list_pairs(
                        connection, first, {other: (None, tier)}, now, END_OF_DAY,
                        score=round(comparison.probability, 6),
                        agreed=",".join(comparison.agreed()),
                        differed=",".join(comparison.differed()),
                    )  # fmt: skip
                saved = {**point, "listed": point["listed"] + len(chunk)}
                job.save(connection, checkpoint=saved, done=job.done)

            job.transaction(write)
            point["listed"] += len(chunk)
        return maybe

    def _propose(
        self,
        job: JobContext,
        point: dict[str, Any],
        profiles: Sequence[Profile],
        merged_into: dict[int, int],
        maybe: set[tuple[int, int]],
    ) -> None:
        """Proposes the relationships the profiles suggest (`relationships`)."""

        def same(a: int, b: int) -> bool:
            ha, hb = _home(merged_into, a), _home(merged_into, b)
            return ha == hb or (min(ha, hb), max(ha, hb)) in maybe

        found: dict[tuple[int, int, str], relationships.Proposal] = {}
        for proposal in relationships.discover(profiles, same):
            owner = _home(merged_into, proposal.owner)
            other = _home(merged_into, proposal.counterparty)
            if owner != other:
                found.setdefault((owner, other, proposal.kind), proposal)
        items = list(found.items())
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]

            def write(connection: Connection, chunk: list[Any] = chunk) -> int:
                now = datetime.now(UTC)
                ids = sorted({profiles[i].customer_id for (a, b, _), _p in chunk for i in (a, b)})
                done = relationships.linked(connection, ids)
                count = 0
                for (a, b, _kind), proposal in chunk:
                    owner, other = profiles[a].customer_id, profiles[b].customer_id
                    if frozenset((owner, other)) in done:
                        continue
                    count += relationships.store(connection, owner, other, proposal, now)
                saved = {**point, "proposed": point["proposed"] + count}
                job.save(connection, checkpoint=saved, done=job.done)
                return count

            point["proposed"] += job.transaction(write)


def _home(merged_into: dict[int, int], i: int) -> int:
    """The index of the customer profile `i`'s customer was merged into this run (or `i`)."""
    while i in merged_into:
        i = merged_into[i]
    return i
