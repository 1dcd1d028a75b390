"""Clustering scored pairs into customers without chaining unrelated people together.

Pairs are taken strongest first. Two clusters join only when every pair across them could be
the same customer: no guard forbids it (`scoring.guard`) and each such pair scores at least
`floor` (pairs not compared before are compared now). One weak link (A is like B, B is like C)
therefore never puts A and C together unless A and C are alike too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from customer_core.kernel.matching.scoring import Comparison

#: Largest cluster formed: a bigger one is a sign of a systematic false match.
MAX_CLUSTER = 20


def clusters(
    size: int,
    edges: Sequence[tuple[int, int, Comparison]],
    compare: Callable[[int, int], Comparison],
    floor: float,
    initial: Sequence[Sequence[int]] = (),
) -> list[list[int]]:
    """Groups of two or more indexes (of `size`) the `edges` join, as described above, starting
    from the `initial` groups (joined already, whatever their scores: an automatic tier's)."""
    owner = list(range(size))
    members: dict[int, list[int]] = {}
    for group in initial:
        head = group[0]
        for x in group:
            owner[x] = head
        members[head] = list(group)
    known = {(min(a, b), max(a, b)): c for a, b, c in edges}

    def comparison(a: int, b: int) -> Comparison:
        key = (min(a, b), max(a, b))
        if key not in known:
            known[key] = compare(*key)
        return known[key]

    for a, b, _ in sorted(edges, key=lambda e: -e[2].weight):
        ra, rb = owner[a], owner[b]
        if ra == rb:
            continue
        left, right = members.get(ra, [ra]), members.get(rb, [rb])
        if len(left) + len(right) > MAX_CLUSTER:
            continue
        if any(
            (c := comparison(x, y)).guard is not None or c.probability < floor
            for x in left
            for y in right
        ):
            continue
        joined = left + right
        for x in right:
            owner[x] = ra
        members[ra] = joined
        members.pop(rb, None)
    return [sorted(group) for group in members.values() if len(group) > 1]
