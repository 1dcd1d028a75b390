"""Real-time identification: a customer's match keys stored, and looked up against the whole base.

Two concurrent creates of the same person must not both become customers. How the lookup keeps
that promise depends on the engine:

- SQLite has one writer at a time: the lookup, the transaction's first statement, takes the
  writer lock (`storage.writer_lock`), so nothing else is being written meanwhile.
- PostgreSQL: the write first takes a transaction-scoped advisory lock on each digest of an
  automatic-merge tier (in digest order, so two writers never deadlock), then reads the digests
  as committed, outside its own snapshot: a concurrent writer of the same person holds the lock
  until it commits, and is then seen. (Read inside the SERIALIZABLE transaction, the digests'
  index pages would be predicate-locked, and concurrent creates of different people would fail
  each other's transactions, as `onboarding.taken` explains for cross-references.) A customer so
  seen that the transaction's own snapshot predates is not visible to it: the write is retried.
- CockroachDB reads the digests inside its serializable transaction, which conflicts only with
  writers of the same keys.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.engine import Connection

from customer_core.crypto import primitives
from customer_core.kernel.matching.keys import Key
from customer_core.kernel.matching.policy import Policy, tier_rank
from customer_core.storage.deferred import defer
from customer_core.storage.tables import customers, match_candidates, match_keys
from customer_core.storage.transaction import RetryTransaction

#: Reads, as committed, the (digest, customer id) rows holding some of the digests.
Lookup = Callable[[Sequence[str]], list[tuple[str, uuid.UUID]]]

OPEN = "OPEN"
MERGED = "MERGED"
NOT_SAME = "NOT_SAME"


@dataclass
class Found:
    """What a customer's keys met: customers to merge with, and pairs to list (by tier)."""

    merge: list[tuple[Any, str]] = field(default_factory=list)
    listed: dict[uuid.UUID, tuple[Any, str]] = field(default_factory=dict)


def stored_keys(connection: Connection, customer_id: uuid.UUID) -> list[Key]:
    rows = connection.execute(
        select(match_keys.c.tier, match_keys.c.rule, match_keys.c.digest).where(
            match_keys.c.customer_id == customer_id
        )
    ).all()
    return [Key(r.tier, r.rule, r.digest) for r in rows]


def store_keys(
    connection: Connection, customer_id: uuid.UUID, keys: Sequence[Key], *, new: bool = False
) -> None:
    """Replaces a customer's match keys (`new`: it has none yet, nothing to delete)."""
    if not new:
        connection.execute(delete(match_keys).where(match_keys.c.customer_id == customer_id))
    if keys:
        defer(
            connection,
            match_keys,
            [
                {
                    "id": uuid.uuid4(),
                    "customer_id": customer_id,
                    "tier": k.tier,
                    "rule": k.rule,
                    "digest": k.digest,
                }
                for k in keys
            ],
        )


def fingerprint(*key_sets: Iterable[Key]) -> str:
    """SM3 of the digests of both customers of a pair: changes when a match key of either does."""
    digests = sorted({k.digest for keys in key_sets for k in keys})
    return primitives.sm3("\n".join(digests).encode()).hex()


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


def pair_row(connection: Connection, a: uuid.UUID, b: uuid.UUID) -> Any:
    first, second = ordered(a, b)
    return connection.execute(
        select(match_candidates).where(
            match_candidates.c.customer_a == first, match_candidates.c.customer_b == second
        )
    ).first()


def committed_holders(
    connection: Connection, digests: Sequence[str]
) -> list[tuple[str, uuid.UUID]]:
    """The (digest, customer id) rows holding some of `digests` (for `Lookup`)."""
    rows = connection.execute(
        select(match_keys.c.digest, match_keys.c.customer_id).where(
            match_keys.c.digest.in_(list(digests))
        )
    )
    return [(r.digest, r.customer_id) for r in rows]


def _holders(
    connection: Connection, policy: Policy, keys: Sequence[Key], lookup: Lookup
) -> list[tuple[str, uuid.UUID]]:
    digests = [k.digest for k in keys]
    engine = connection.dialect.name
    if engine != "postgresql":  # SQLite (its writer lock taken by this read) and CockroachDB
        return committed_holders(connection, digests)
    if engine == "postgresql":
        for digest in sorted({k.digest for k in keys if k.tier in policy.auto_merge}):
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:digest, 0))"),
                {"digest": digest},
            )
    return lookup(digests)


def identify(
    connection: Connection,
    policy: Policy,
    customer: Any,
    keys: Sequence[Key],
    lookup: Lookup,
    *,
    new: bool = False,
    current: Sequence[Key] | None = None,
) -> Found:
    """The active customers of the same type holding one of `keys`, by the most precise tier met:
    those met at an automatic-merge tier to merge with, the others to list. A pair a steward
    marked not the same counts only once a match key of either has changed since (`current`:
    all of the customer's keys, when `keys` are only some of them).

    Raises:
        RetryTransaction: a customer holding a key was committed after this transaction began.
    """
    found = Found()
    if not keys:
        return found
    by_digest = {k.digest: k for k in keys}
    held = [(d, c) for d, c in _holders(connection, policy, keys, lookup) if c != customer.id]
    if not held:
        return found
    ids = sorted({c for _, c in held}, key=str)
    visible = {
        row.id: row for row in connection.execute(select(customers).where(customers.c.id.in_(ids)))
    }
    if len(visible) < len(ids):
        raise RetryTransaction("a customer holding a match key is newer than this transaction")
    best: dict[uuid.UUID, tuple[Any, str]] = {}
    for digest, holder in held:
        row = visible[holder]
        if row.status != "ACTIVE" or row.type != customer.type:
            continue
        tier = by_digest[digest].tier
        known = best.get(row.id)
        if known is None or tier_rank(tier) < tier_rank(known[1]):
            best[row.id] = (row, tier)
    if not best:
        return found
    decided = {}
    if not new:
        mine = list(current if current is not None else keys)
        for other_id in best:
            pair = pair_row(connection, customer.id, other_id)
            if pair is not None and pair.status == NOT_SAME:
                decided[other_id] = pair.keys_fingerprint == fingerprint(
                    mine, stored_keys(connection, other_id)
                )
    for other_id, (row, tier) in best.items():
        if decided.get(other_id):
            continue
        if tier in policy.auto_merge:
            found.merge.append((row, tier))
        else:
            found.listed[other_id] = (row, tier)
    return found


def list_pairs(
    connection: Connection,
    customer: Any,
    listed: dict[uuid.UUID, tuple[Any, str]],
    now: datetime,
    origin: str,
    score: float = 1.0,
    agreed: str = "",
    differed: str = "",
) -> None:
    """Puts each (customer, other) pair on the similar-customer list (or reopens it there, at
    the tier now met)."""
    for other_id, (_, tier) in listed.items():
        first, second = ordered(customer.id, other_id)
        existing = pair_row(connection, first, second)
        values = {
            "tier": tier,
            "score": score,
            "agreed": agreed,
            "differed": differed,
            "status": OPEN,
            "origin": origin,
            "update_time": now,
        }
        if existing is None:
            defer(
                connection,
                match_candidates,
                [
                    {
                        "id": uuid.uuid4(),
                        "customer_a": first,
                        "customer_b": second,
                        "keys_fingerprint": "",
                        "actor": "",
                        "comment": "",
                        "create_time": now,
                        **values,
                    }
                ],
            )
        elif existing.status != OPEN or tier_rank(tier) < tier_rank(existing.tier):
            connection.execute(
                update(match_candidates)
                .where(match_candidates.c.id == existing.id)
                .values(**values)
            )


def decide_pair(
    connection: Connection,
    a: uuid.UUID,
    b: uuid.UUID,
    status: str,
    now: datetime,
    *,
    actor: str,
    comment: str,
    tier: str = "HIGHEST",
    keys_fingerprint: str = "",
) -> None:
    """Records a decision on a pair (MERGED or NOT_SAME), listed or not."""
    first, second = ordered(a, b)
    existing = pair_row(connection, first, second)
    values = {
        "status": status,
        "actor": actor,
        "comment": comment,
        "keys_fingerprint": keys_fingerprint,
        "update_time": now,
    }
    if existing is None:
        connection.execute(
            match_candidates.insert().values(
                id=uuid.uuid4(),
                customer_a=first,
                customer_b=second,
                tier=tier,
                score=1.0,
                agreed="",
                differed="",
                origin="REAL_TIME",
                create_time=now,
                **values,
            )
        )
    else:
        connection.execute(
            update(match_candidates).where(match_candidates.c.id == existing.id).values(**values)
        )


def close_pairs_of(connection: Connection, customer_id: uuid.UUID, now: datetime) -> None:
    """Open pairs of a customer that was merged away are no longer a steward's question."""
    connection.execute(
        update(match_candidates)
        .where(
            match_candidates.c.status == OPEN,
            or_(
                match_candidates.c.customer_a == customer_id,
                match_candidates.c.customer_b == customer_id,
            ),
        )
        .values(status=MERGED, update_time=now, comment="merged into another customer")
    )
