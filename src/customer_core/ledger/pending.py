"""Which unsealed entries the next block takes, in which order.

Entries are taken in (time, chain, sequence) order through the time index, from a given time on,
so a round costs what is new rather than the whole ledger. Within a block a chain's entries keep
their sequence order (writers' clocks may disagree), and an unsealed predecessor of a chain's
first entry in the batch (or an entry missing between two of them) is pulled in, so offsets
always follow each chain's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.engine import Connection

from customer_core.storage.tables import ledger_entries, ledger_offsets

_E, _O = ledger_entries.c, ledger_offsets.c
#: `WHERE` clause: the entry has no offset yet.
UNSEALED = ~exists().where(_O.entry_id == _E.id)
_COLUMNS = (_E.id, _E.chain, _E.sequence, _E.time, _E.hash)
_CHUNK = 200
#: Which of _CHUNK (chain, sequence) pairs are unsealed entries. OR-ed pairs, not a row-value IN:
#: SQLite searches the (chain, sequence) index for each term of an OR, but scans for a VALUES list.
_PREDECESSORS = select(_E.chain).where(
    or_(
        *(
            and_(_E.chain == bindparam(f"c{n}"), _E.sequence == bindparam(f"s{n}"))
            for n in range(_CHUNK)
        )
    ),
    UNSEALED,
)


def _chain_ordered(rows: Sequence[Any]) -> list[Any]:
    """`rows` in (time, chain, sequence) order, except that each chain's entries follow their
    sequence even where writers' clocks disagree."""
    ordered = sorted(rows, key=lambda r: (r.time, r.chain, r.sequence))
    slots: dict[str, list[int]] = {}
    for i, row in enumerate(ordered):
        slots.setdefault(row.chain, []).append(i)
    result = list(ordered)
    for positions in slots.values():
        chain_rows = sorted((ordered[i] for i in positions), key=lambda r: r.sequence)
        for i, row in zip(positions, chain_rows, strict=True):
            result[i] = row
    return result


def pending(
    connection: Connection, since: datetime | None, limit: int
) -> tuple[list[Any], datetime | None]:
    """The next unsealed entries in sealing order, and where the time window goes on (None: done).

    At most `limit` entries of time >= `since` (None: any), plus the unsealed predecessors of
    their chains, which must be sealed first.
    """
    query = select(*_COLUMNS).where(UNSEALED).order_by(_E.time, _E.chain, _E.sequence).limit(limit)
    if since is not None:
        query = query.where(_E.time >= since)
    rows = connection.execute(query).all()
    if not rows:
        return [], None
    cursor = rows[-1].time if len(rows) >= limit else None
    lowest: dict[str, int] = {}
    highest: dict[str, int] = {}
    count: dict[str, int] = {}
    for row in rows:
        lowest[row.chain] = min(lowest.get(row.chain, row.sequence), row.sequence)
        highest[row.chain] = max(highest.get(row.chain, row.sequence), row.sequence)
        count[row.chain] = count.get(row.chain, 0) + 1
    # A chain whose entries in the batch have a hole (clock skew between writers) needs its
    # unsealed entries below the highest; one whose lowest has an unsealed predecessor, those too.
    suspect = {c for c in lowest if highest[c] - lowest[c] + 1 != count[c]}
    pairs = [(c, s - 1) for c, s in lowest.items() if s > 1 and c not in suspect]
    for i in range(0, len(pairs), _CHUNK):
        chunk = pairs[i : i + _CHUNK]
        chunk += [chunk[-1]] * (_CHUNK - len(chunk))  # one statement shape, compiled once
        params: dict[str, Any] = {f"c{n}": c for n, (c, _) in enumerate(chunk)}
        params.update({f"s{n}": s for n, (_, s) in enumerate(chunk)})
        suspect.update(connection.execute(_PREDECESSORS, params).scalars())
    if suspect:
        have = {row.id for row in rows}
        for chain in sorted(suspect):
            more = connection.execute(
                select(*_COLUMNS).where(_E.chain == chain, _E.sequence < highest[chain], UNSEALED)
            ).all()
            rows = [*rows, *(r for r in more if r.id not in have)]
    rows = _chain_ordered(rows)
    if len(rows) > limit:  # predecessors were pulled in: the rest waits for the next block
        rest = min(r.time for r in rows[limit:])
        rows, cursor = rows[:limit], rest if cursor is None else min(cursor, rest)
    return rows, cursor
