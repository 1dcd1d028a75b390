"""Accuracy and speed of the end-of-day consolidation's comparison, on generated Chinese customers.

`tests.support.chinese_customers` makes `--persons` people as five source systems hold them, with
corruptions and look-alikes; each source record is normalized by the built-in plugins' data-quality
hooks (legacy-load mode, as a load through CreateCustomer would store it), turned into a profile,
and the base is blocked, scored and clustered exactly as `kernel.matching.consolidation` does
(in memory; the database and the merges themselves are left out: `tests/integration/
test_consolidation.py` runs the whole job through gRPC).

Printed, pairwise over source records, for the bank's default policy (merges by the highest tier
only) and with probabilistic merging at `--score`: precision, recall and F1 of the merges,
look-alike pairs merged, the recall of merges plus the similar-customer list, and the list's size
against the true duplicates in it; then profiles/s and pairs scored/s, and the ratio of the
scoring's speed to a baseline measured in the same run: exact comparison of the same pairs
(equality of folded names, documents and birth dates), what a rule-only matcher does.

    .venv/bin/python bench/consolidation.py [--persons 20000] [--seed 7] [--score 0.99]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from google.protobuf.message import Message

from customer_core.client._client import pack, subject_of
from customer_core.kernel import records as record_ops
from customer_core.kernel.matching import keys as key_ops
from customer_core.kernel.matching import policy as policy_ops
from customer_core.kernel.matching.clustering import clusters
from customer_core.kernel.matching.consolidation import LIST_FLOOR
from customer_core.kernel.matching.profiles import Profile, profile_of
from customer_core.kernel.matching.scoring import Comparison, Model, candidate_pairs
from customer_core.kernel.registry import load_registry
from customer_core.v1 import customer_pb2

if TYPE_CHECKING:
    from tests.support.chinese_customers import SourceRecord

Pair = tuple[int, int]


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    from tests.support.chinese_customers import generate

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--score", type=float, default=0.99)
    args = parser.parse_args()

    sources, truth = generate(args.persons, seed=args.seed)
    started = time.perf_counter()
    profiles = profiles_of(normalized(sources))
    profiling = time.perf_counter() - started
    started = time.perf_counter()
    model, pairs, skipped, scored = score(profiles)
    scoring = time.perf_counter() - started
    started = time.perf_counter()
    exact = sum(
        bool(profiles[a].names & profiles[b].names)
        and bool(profiles[a].birth_dates & profiles[b].birth_dates)
        for a, b in pairs
    )
    baseline = time.perf_counter() - started
    person = [truth.person[(s.system, s.local_id)] for s in sources]
    lookalikes = truth.lookalikes | {(b, a) for a, b in truth.lookalikes}
    true_pairs = _true_pairs(person)
    initial = highest_tier(profiles, scored)

    def report(label: str, groups: list[list[int]]) -> None:
        owner, members = components(len(profiles), groups)
        merged = merged_pairs(members)
        listed: dict[tuple[int, int], bool] = {}
        for (a, b), c in scored.items():
            ra, rb = _find(owner, a), _find(owner, b)
            if ra != rb and (c.probability >= LIST_FLOOR):
                key = (min(ra, rb), max(ra, rb))
                listed[key] = listed.get(key, False) or any(
                    person[x] == person[y] for x in members[ra] for y in members[rb]
                )
        covered = set(merged)
        for ra, rb in listed:
            covered.update((min(x, y), max(x, y)) for x in members[ra] for y in members[rb])
        got = accuracy(merged, person, true_pairs, lookalikes)
        found = len(true_pairs & covered) / len(true_pairs)
        print(
            f"{label}: merged pairs {len(merged)}, precision {got.precision:.5f}, "
            f"recall {got.recall:.4f}, F1 {got.f1:.4f}, look-alike pairs merged {got.lookalikes}; "
            f"merges + list recall {found:.4f}; "
            f"list {len(listed)} pairs, {sum(listed.values())} with true duplicates "
            f"({len(listed) / max(sum(listed.values()), 1):.2f} per true)"
        )

    print(
        f"{len(sources)} source records of {args.persons} people, {len(true_pairs)} true pairs, "
        f"{len(truth.lookalikes)} look-alike pairs of people"
    )
    report("default policy (highest tier only)", initial)
    groups = probabilistic(profiles, model, scored, args.score, initial)
    report(f"probabilistic merging at {args.score}", groups)
    print(
        f"profiles: {len(profiles) / profiling:,.0f}/s (plugin normalization included); "
        f"{len(pairs):,} pairs scored at {len(pairs) / scoring:,.0f}/s ({skipped} blocks skipped); "
        f"exact comparison of the same pairs {len(pairs) / baseline:,.0f}/s ({exact} agreeing); "
        f"scoring/exact speed ratio {baseline / scoring:.3f}"
    )


# The steps, for the other benchmarks (bench/splink_comparison.py, bench/febrl.py) to reuse.


def normalized(sources: Iterable[SourceRecord]) -> list[list[tuple[str, Message]]]:
    """Each source record's (subject, message) records as the built-in plugins' data-quality
    hooks leave them (legacy-load mode, as a load through CreateCustomer would store them)."""
    registry = load_registry(None, [])
    out = []
    for source in sources:
        sent = [
            customer_pb2.SubjectRecord(
                subject=subject_of(m), data=pack(m), source_system=source.system
            )
            for m in source.records
        ]
        prepared = record_ops.prepare_all(registry, sent, "INDIVIDUAL", legacy=True)
        out.append([(p.model.name, p.message) for p, _ in prepared if p is not None])
    return out


def profiles_of(
    records: Iterable[Sequence[tuple[str, Message]]], customer_type: str = "INDIVIDUAL"
) -> list[Profile]:
    """One profile per customer's (subject, message) records, under the default policy."""
    policy = key_ops.restrict(policy_ops.load(), load_registry(None, []))
    return [
        profile_of(policy, uuid.uuid4(), str(i), customer_type, datetime.now(UTC), plain)
        for i, plain in enumerate(records)
    ]


def score(
    profiles: Sequence[Profile],
) -> tuple[Model, set[Pair], int, dict[Pair, Comparison]]:
    """The model of the base, its blocked pairs, the blocks skipped, and each pair's comparison."""
    model = Model(profiles)
    pairs, skipped = candidate_pairs(profiles)
    scored = {(a, b): model.compare(profiles[a], profiles[b]) for a, b in pairs}
    return model, pairs, skipped, scored


def highest_tier(profiles: Sequence[Profile], scored: Iterable[Pair]) -> list[list[int]]:
    """The groups the default policy merges: scored pairs of the same name and a shared document."""

    def highest(a: int, b: int) -> bool:
        x, y = profiles[a], profiles[b]
        return bool(x.names & y.names) and any(
            x.documents[k] & y.documents.get(k, set()) for k in x.documents
        )

    owner = list(range(len(profiles)))
    for a, b in scored:
        if highest(a, b):
            owner[_find(owner, a)] = _find(owner, b)
    tiered: dict[int, list[int]] = {}
    for i in range(len(profiles)):
        tiered.setdefault(_find(owner, i), []).append(i)
    return [g for g in tiered.values() if len(g) > 1]


def probabilistic(
    profiles: Sequence[Profile],
    model: Model,
    scored: dict[Pair, Comparison],
    score: float,
    initial: Sequence[Sequence[int]],
) -> list[list[int]]:
    """The groups probabilistic merging at `score` makes, from the `initial` (tier) groups."""
    edges = [
        (a, b, c) for (a, b), c in scored.items() if c.probability >= score and c.guard is None
    ]
    return clusters(
        len(profiles), edges, lambda a, b: model.compare(profiles[a], profiles[b]), LIST_FLOOR,
        initial,
    )  # fmt: skip


def components(
    size: int, groups: Iterable[Sequence[int]]
) -> tuple[list[int], dict[int, list[int]]]:
    """Union-find over `size` indexes joined by `groups`: the owners, and each root's members."""
    owner = list(range(size))
    for g in groups:
        for x in g[1:]:
            owner[_find(owner, x)] = _find(owner, g[0])
    members: dict[int, list[int]] = {}
    for i in range(size):
        members.setdefault(_find(owner, i), []).append(i)
    return owner, members


def merged_pairs(members: dict[int, list[int]]) -> set[Pair]:
    """Every pair of indexes in one group: what the merges put together, pairwise."""
    return {
        (min(a, b), max(a, b))
        for g in members.values() for a, b in itertools.combinations(g, 2)
    }  # fmt: skip


@dataclass(frozen=True)
class Accuracy:
    merged: int
    hits: int
    precision: float
    recall: float
    f1: float
    lookalikes: int


def accuracy(
    merged: set[Pair], person: Sequence[int], true_pairs: set[Pair], lookalikes: set[Pair]
) -> Accuracy:
    """Pairwise precision, recall and F1 of `merged` against the true pairs, and how many merged
    pairs are of look-alike people (`lookalikes` holds both orders of each pair of persons)."""
    hits = sum(person[a] == person[b] for a, b in merged)
    alike = sum((person[a], person[b]) in lookalikes for a, b in merged)
    precision = hits / len(merged) if merged else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Accuracy(len(merged), hits, precision, recall, f1, alike)


def _find(owner: list[int], x: int) -> int:
    while owner[x] != x:
        owner[x] = owner[owner[x]]
        x = owner[x]
    return x


def _true_pairs(person: Sequence[int]) -> set[Pair]:
    by: dict[int, list[int]] = {}
    for i, p in enumerate(person):
        by.setdefault(p, []).append(i)
    return {(a, b) for g in by.values() for a, b in itertools.combinations(g, 2)}


if __name__ == "__main__":
    main()
