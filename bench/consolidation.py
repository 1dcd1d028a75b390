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
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    from customer_core.client._client import pack, subject_of
    from customer_core.kernel import records as record_ops
    from customer_core.kernel.matching import keys as key_ops
    from customer_core.kernel.matching import policy as policy_ops
    from customer_core.kernel.matching.clustering import clusters
    from customer_core.kernel.matching.consolidation import LIST_FLOOR
    from customer_core.kernel.matching.profiles import profile_of
    from customer_core.kernel.matching.scoring import Model, candidate_pairs
    from customer_core.kernel.registry import load_registry
    from customer_core.v1 import customer_pb2
    from tests.support.chinese_customers import generate

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--score", type=float, default=0.99)
    args = parser.parse_args()

    registry = load_registry(None, [])
    policy = key_ops.restrict(policy_ops.load(), registry)
    sources, truth = generate(args.persons, seed=args.seed)
    started = time.perf_counter()
    profiles = []
    for source in sources:
        sent = [
            customer_pb2.SubjectRecord(
                subject=subject_of(m), data=pack(m), source_system=source.system
            )
            for m in source.records
        ]
        prepared = record_ops.prepare_all(registry, sent, "INDIVIDUAL", legacy=True)
        plain = [(p.model.name, p.message) for p, _ in prepared if p is not None]
        profiles.append(
            profile_of(
                policy, uuid.uuid4(), source.local_id, "INDIVIDUAL", datetime.now(UTC), plain
            )
        )
    profiling = time.perf_counter() - started
    started = time.perf_counter()
    model = Model(profiles)
    pairs, skipped = candidate_pairs(profiles)
    scored = {(a, b): model.compare(profiles[a], profiles[b]) for a, b in pairs}
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

    def highest(a: int, b: int) -> bool:
        x, y = profiles[a], profiles[b]
        return bool(x.names & y.names) and any(
            x.documents[k] & y.documents.get(k, set()) for k in x.documents
        )

    initial_owner = list(range(len(profiles)))

    def find(owner: list[int], x: int) -> int:
        while owner[x] != x:
            owner[x] = owner[owner[x]]
            x = owner[x]
        return x

    for a, b in scored:
        if highest(a, b):
            initial_owner[find(initial_owner, a)] = find(initial_owner, b)
    tiered: dict[int, list[int]] = {}
    for i in range(len(profiles)):
        tiered.setdefault(find(initial_owner, i), []).append(i)
    initial = [g for g in tiered.values() if len(g) > 1]

    def report(label: str, groups: list[list[int]]) -> None:
        owner = list(range(len(profiles)))
        for g in groups:
            for x in g[1:]:
                owner[find(owner, x)] = find(owner, g[0])
        members: dict[int, list[int]] = {}
        for i in range(len(profiles)):
            members.setdefault(find(owner, i), []).append(i)
        merged = {
            (min(a, b), max(a, b))
            for g in members.values() for a, b in itertools.combinations(g, 2)
        }  # fmt: skip
        hits = sum(person[a] == person[b] for a, b in merged)
        alike = sum((person[a], person[b]) in lookalikes for a, b in merged)
        listed: dict[tuple[int, int], bool] = {}
        for (a, b), c in scored.items():
            ra, rb = find(owner, a), find(owner, b)
            if ra != rb and (c.probability >= LIST_FLOOR):
                key = (min(ra, rb), max(ra, rb))
                listed[key] = listed.get(key, False) or any(
                    person[x] == person[y] for x in members[ra] for y in members[rb]
                )
        covered = set(merged)
        for ra, rb in listed:
            covered.update((min(x, y), max(x, y)) for x in members[ra] for y in members[rb])
        precision = hits / len(merged) if merged else 1.0
        recall = hits / len(true_pairs)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        found = len(true_pairs & covered) / len(true_pairs)
        print(
            f"{label}: merged pairs {len(merged)}, precision {precision:.5f}, recall {recall:.4f}, "
            f"F1 {f1:.4f}, look-alike pairs merged {alike}; merges + list recall {found:.4f}; "
            f"list {len(listed)} pairs, {sum(listed.values())} with true duplicates "
            f"({len(listed) / max(sum(listed.values()), 1):.2f} per true)"
        )

    print(
        f"{len(sources)} source records of {args.persons} people, {len(true_pairs)} true pairs, "
        f"{len(truth.lookalikes)} look-alike pairs of people"
    )
    report("default policy (highest tier only)", initial)
    edges = [
        (a, b, c) for (a, b), c in scored.items() if c.probability >= args.score and c.guard is None
    ]
    groups = clusters(
        len(profiles), edges, lambda a, b: model.compare(profiles[a], profiles[b]), LIST_FLOOR,
        initial,
    )  # fmt: skip
    report(f"probabilistic merging at {args.score}", groups)
    print(
        f"profiles: {len(profiles) / profiling:,.0f}/s (plugin normalization included); "
        f"{len(pairs):,} pairs scored at {len(pairs) / scoring:,.0f}/s ({skipped} blocks skipped); "
        f"exact comparison of the same pairs {len(pairs) / baseline:,.0f}/s ({exact} agreeing); "
        f"scoring/exact speed ratio {baseline / scoring:.3f}"
    )


def _true_pairs(person: list[int]) -> set[tuple[int, int]]:
    by: dict[int, list[int]] = {}
    for i, p in enumerate(person):
        by.setdefault(p, []).append(i)
    return {(a, b) for g in by.values() for a, b in itertools.combinations(g, 2)}


if __name__ == "__main__":
    main()
