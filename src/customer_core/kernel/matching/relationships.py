"""Relationship discovery: links between customers that the base suggests, proposed to stewards.

Run by the end-of-day consolidation over the profiles it reads (`profiles.Profile`), after its
merges:

- **Possible family.** Individuals at the same normalized street address who also share a
  surname or a phone number, proposed as `RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER` on the older
  customer naming the younger (a steward may record it as spouse, parent or child instead). An
  address more than `MAX_HOUSEHOLD` individuals give (a dormitory, an employer's address) proposes
  nothing. A pair that may be one customer (met a tier, scored for the similar-customer list, or
  merged) is not proposed: that is the duplicate list's question.
- **Representatives, executives and other named parties.** A person a customer's records name by
  identity document (an organization's legal representative; an outside party of a
  `relationship` record: an executive, a shareholder, a spouse) whose document number is an
  individual customer's: proposed on that customer, of that kind and title, naming the individual.

A pair already linked by a `relationship` record (either way) is not proposed; a proposal decided
by a steward (confirmed or rejected) is never proposed again; an open one is refreshed.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from customer_core.kernel.matching.policy import INDIVIDUAL
from customer_core.kernel.matching.profiles import Profile
from customer_core.storage.tables import customers, record_references, relationship_proposals

FAMILY = "RELATIONSHIP_KIND_OTHER_FAMILY_MEMBER"
#: The subject model whose records a confirmed proposal becomes.
SUBJECT = "relationship"
#: An address shared by more individuals than this is not a household.
MAX_HOUSEHOLD = 8
OPEN = "OPEN"
CONFIRMED = "CONFIRMED"
REJECTED = "REJECTED"


@dataclass(frozen=True)
class Proposal:
    """A proposed link: `owner`'s relationship record naming `counterparty` (profile indexes)."""

    owner: int
    counterparty: int
    kind: str
    title: str
    evidence: tuple[str, ...]


def _older_first(profiles: Sequence[Profile], a: int, b: int) -> tuple[int, int]:
    first, second = sorted(
        (a, b), key=lambda i: (profiles[i].create_time, profiles[i].customer_number)
    )
    return first, second


def families(profiles: Sequence[Profile], same: Callable[[int, int], bool]) -> list[Proposal]:
    """Individuals sharing an address and a surname or phone; `same(a, b)`: may be one customer."""
    households: dict[str, set[int]] = {}
    for i, p in enumerate(profiles):
        if p.type == INDIVIDUAL:
            for street in p.streets:
                households.setdefault(street, set()).add(i)
    found: dict[tuple[int, int], Proposal] = {}
    for members in households.values():
        if not 2 <= len(members) <= MAX_HOUSEHOLD:
            continue
        for a, b in itertools.combinations(sorted(members), 2):
            if (a, b) in found or same(a, b):
                continue
            evidence = ["address"]
            if profiles[a].surnames & profiles[b].surnames:
                evidence.append("surname")
            if profiles[a].phones & profiles[b].phones:
                evidence.append("phone")
            if len(evidence) > 1:
                owner, other = _older_first(profiles, a, b)
                found[(a, b)] = Proposal(owner, other, FAMILY, "", tuple(evidence))
    return list(found.values())


def named_parties(profiles: Sequence[Profile]) -> list[Proposal]:
    """People named by document in a customer's records who are individual customers."""
    holders: dict[str, set[int]] = {}
    for i, p in enumerate(profiles):
        if p.type == INDIVIDUAL:
            for numbers in p.documents.values():
                for number in numbers:
                    holders.setdefault(number, set()).add(i)
    found: dict[tuple[int, int, str], Proposal] = {}
    for i, p in enumerate(profiles):
        for kind, title, number in sorted(p.parties):
            for person in sorted(holders.get(number, ())):
                if person != i and (i, person, kind) not in found:
                    found[(i, person, kind)] = Proposal(i, person, kind, title, ("id_number",))
    return list(found.values())


def discover(profiles: Sequence[Profile], same: Callable[[int, int], bool]) -> list[Proposal]:
    """Every proposal the profiles suggest (before what is linked or decided is left out)."""
    return families(profiles, same) + named_parties(profiles)


def linked(connection: Connection, ids: Sequence[uuid.UUID]) -> set[frozenset[uuid.UUID]]:
    """Pairs of these customers a `relationship` record already links, either way."""
    pairs: set[frozenset[uuid.UUID]] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for row in connection.execute(
            select(record_references.c.customer_id, record_references.c.referenced_customer_id)
            .where(record_references.c.subject == SUBJECT)
            .where(
                record_references.c.customer_id.in_(chunk)
                | record_references.c.referenced_customer_id.in_(chunk)
            )
        ):
            pairs.add(frozenset((row.customer_id, row.referenced_customer_id)))
    return pairs


def store(
    connection: Connection,
    owner: uuid.UUID,
    counterparty: uuid.UUID,
    proposal: Proposal,
    now: datetime,
) -> bool:
    """Records a proposal unless it was decided or a customer is no longer active; True if open."""
    active = connection.execute(
        select(customers.c.id).where(
            customers.c.id.in_([owner, counterparty]), customers.c.status == "ACTIVE"
        )
    ).all()
    if len(active) < 2:
        return False
    table = relationship_proposals
    row = connection.execute(
        select(table.c.id, table.c.status).where(
            table.c.owner_id == owner,
            table.c.counterparty_id == counterparty,
            table.c.kind == proposal.kind,
        )
    ).first()
    evidence = ",".join(proposal.evidence)
    if row is None:
        connection.execute(
            insert(table).values(
                id=uuid.uuid4(), owner_id=owner, counterparty_id=counterparty,
                kind=proposal.kind, title=proposal.title, evidence=evidence, status=OPEN,
                create_time=now, update_time=now,
            )
        )  # fmt: skip
        return True
    if row.status != OPEN:
        return False
    connection.execute(
        update(table)
        .where(table.c.id == row.id)
        .values(title=proposal.title, evidence=evidence, update_time=now)
    )
    return True
