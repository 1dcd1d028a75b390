"""Ledger digests: every sealed block head, also kept outside the database (like QLDB digests).

After a block's transaction commits, the sealer writes its head to the object store as canonical
JSON (sorted keys, no spaces, bytes as lower-case hex, the seal time as microseconds since the
epoch) at `ledger/digests/{height:012d}.json`, under object lock until the retention the settings
give (`ledger_digest_retention_days`) where the store enforces it. A digest is written once: one
already there is left alone when it says the same, and never replaced when it says something else
(that is logged as an error, and `compare` names the block).

So a database rewritten wholesale by someone with its credentials — blocks re-hashed and re-signed
under a key they registered, which the database's own verification accepts — still differs from
the digests: `customer-core ledger verify --digests` names the first block that does (`compare`).

A store that cannot be reached never stops sealing: the sealer logs a warning and the
`DigestPublisher` publishes the missing digests (every block after the last one published) on a
later round.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from customer_core.ledger.blocks import micros
from customer_core.objects.store import ObjectMissing, ObjectStore
from customer_core.storage.tables import ledger_blocks
from customer_core.storage.transaction import run_in_transaction

log = logging.getLogger(__name__)

#: Where the digests are kept in the object store.
PREFIX = "ledger/digests/"
#: The digest format (a field of every digest).
FORMAT = 1
#: The head fields a digest states, in the order a mismatch is looked for.
FIELDS = (
    "height", "first_offset", "last_offset", "merkle_root", "prev_hash", "hash", "signature",
    "public_key", "fencing_token", "token_signature", "sealed_at",
)  # fmt: skip
_BYTES = ("merkle_root", "prev_hash", "hash", "signature", "token_signature")
_B = ledger_blocks.c
#: Most digests a catch-up publishes at a time (the rest on later rounds).
CATCH_UP_BATCH = 500
#: Seconds after a failed publication before the store is tried again (sealing is not slowed
#: by a store that is down: each try may take the client's retries and timeouts).
RETRY_AFTER = 30.0


class DigestConflict(Exception):
    """The store holds a digest of this height that says something else; it is not replaced."""


def key(height: int) -> str:
    """The object key of block `height`'s digest."""
    return f"{PREFIX}{height:012d}.json"


def height_of(object_key: str) -> int | None:
    """The block height a digest key names; None for any other key."""
    name = object_key.removeprefix(PREFIX)
    if name == object_key or not name.endswith(".json") or not name[:-5].isdigit():
        return None
    return int(name[:-5])


def digest_of_row(row: Any) -> dict[str, Any]:
    """A `ledger_blocks` row as the digest's fields."""
    digest: dict[str, Any] = {"format": FORMAT}
    for name in FIELDS:
        value = getattr(row, name)
        if name == "sealed_at":
            value = micros(value if value.tzinfo else value.replace(tzinfo=UTC))
        elif name in _BYTES:
            value = None if value is None else bytes(value).hex()
        digest[name] = value
    return digest


def encode(digest: dict[str, Any]) -> bytes:
    """The canonical JSON of a digest."""
    return json.dumps(digest, sort_keys=True, separators=(",", ":")).encode()


def publish(store: ObjectStore, row: Any, *, retain_until: datetime | None = None) -> bool:
    """Writes block `row`'s digest unless it is there already; whether it wrote it.

    Raises:
        DigestConflict: a different digest of this height is there (it is left as it is).
        StoreUnavailable: the store cannot be reached.
        ObjectLocked: the store refused the write.
    """
    data = encode(digest_of_row(row))
    existing = load_bytes(store, row.height)
    if existing is not None:
        if existing == data:
            return False
        log.error(
            "ledger digest of block %d in %s differs from the block sealed: not replaced",
            row.height,
            store.location,
        )
        raise DigestConflict(f"the store's digest of block {row.height} differs")
    store.put(key(row.height), data, retain_until=retain_until)
    return True


def load_bytes(store: ObjectStore, height: int) -> bytes | None:
    """The stored digest of block `height` as written; None when there is none."""
    try:
        return store.get(key(height))
    except ObjectMissing:
        return None


def load(store: ObjectStore, height: int) -> dict[str, Any] | None:
    """The stored digest of block `height`; None when there is none.

    Raises:
        ValueError: it is not a digest (not JSON of an object).
        StoreUnavailable: the store cannot be reached.
    """
    data = load_bytes(store, height)
    if data is None:
        return None
    digest = json.loads(data)
    if not isinstance(digest, dict):
        raise ValueError(f"the digest of block {height} is not a JSON object")
    return digest


def published_heights(store: ObjectStore) -> Iterator[int]:
    """The heights whose digests the store holds, in order."""
    for object_key in store.list(PREFIX):
        height = height_of(object_key)
        if height is not None:
            yield height


@dataclass
class Comparison:
    """What `compare` found: how many blocks it checked, and the first mismatch (if any)."""

    checked: int = 0
    failed_block: int = 0
    failure: str = ""

    @property
    def ok(self) -> bool:
        return not self.failure


def _mismatch(row: Any, digest: dict[str, Any] | None) -> str | None:
    if digest is None:
        return f"digest missing for block {row.height}"
    ours = digest_of_row(row)
    for name in FIELDS:
        if digest.get(name) != ours[name]:
            return f"block {row.height}: {name} differs from its digest in the object store"
    return None


def compare(
    connection: Connection, store: ObjectStore, first: int = 1, last: int | None = None
) -> Comparison:
    """Compares blocks `first`..`last` (None or 0: the latest, and then every digest above the
    latest block too) with the store's digests; the first mismatch by height.

    Raises:
        StoreUnavailable: the store cannot be reached.
    """
    first = max(first, 1)
    latest = int(connection.execute(select(func.max(_B.height))).scalar_one() or 0)
    top = last or latest
    stored = {h for h in published_heights(store) if h >= first and (not last or h <= last)}
    result = Comparison()
    rows = connection.execute(
        select(ledger_blocks).where(_B.height >= first, _B.height <= top).order_by(_B.height)
    )
    expected = first
    for row in rows:
        gone = [h for h in range(expected, row.height) if h in stored]
        if gone:  # a gap in the database's heights where the store has a block
            return _failed(result, gone[0], _missing(gone[0]))
        expected = row.height + 1
        try:
            digest = load(store, row.height) if row.height in stored else None
        except ValueError:
            return _failed(result, row.height, f"block {row.height}: its digest is not valid JSON")
        problem = _mismatch(row, digest)
        if problem is not None:
            return _failed(result, row.height, problem)
        result.checked += 1
    beyond = sorted(h for h in stored if h >= expected)
    if beyond:
        return _failed(result, beyond[0], _missing(beyond[0]))
    return result


def _missing(height: int) -> str:
    return f"block {height} missing from database but its digest exists"


def _failed(result: Comparison, height: int, message: str) -> Comparison:
    result.failed_block, result.failure = height, message
    return result


class DigestPublisher:
    """Publishes the digests of sealed blocks, catching up on those a store outage held back.

    Args:
        engine: the database, to read blocks whose digests are missing.
        store: the object store.
        retention_days: days each digest is kept under object lock (0: no lock).
        retry_after: seconds after a failure before the store is tried again.
    """

    def __init__(
        self,
        engine: Engine,
        store: ObjectStore,
        *,
        retention_days: int = 0,
        retry_after: float = RETRY_AFTER,
    ) -> None:
        self.engine = engine
        self.store = store
        self.retention_days = retention_days
        self.retry_after = retry_after
        self._retry_at = 0.0
        self._published: int | None = None  # every digest up to here is published
        self._lock = threading.Lock()
        #: Whether blocks may wait for their digests (not yet looked up, an outage, a backlog).
        self.behind = True

    def _retain_until(self) -> datetime | None:
        if self.retention_days <= 0:
            return None
        return datetime.now(UTC) + timedelta(days=self.retention_days)

    def catch_up(self) -> int:
        """Publishes the digests of the blocks after the last one published (at most
        `CATCH_UP_BATCH`); how many. Never raises: a failure is logged and retried later."""
        with self._lock:
            if time.monotonic() < self._retry_at:
                self.behind = True
                return 0
            try:
                return self._catch_up()
            except Exception as exc:  # sealing goes on whatever happens to the store
                self.behind = True
                self._retry_at = time.monotonic() + self.retry_after
                log.warning(
                    "ledger digests not published to %s (retried on a later round): %s",
                    self.store.location,
                    exc,
                )
                return 0

    def _catch_up(self) -> int:
        if self._published is None:
            self._published = max(published_heights(self.store), default=0)
        after = self._published
        rows = run_in_transaction(
            self.engine,
            lambda c: c.execute(
                select(ledger_blocks)
                .where(_B.height > after)
                .order_by(_B.height)
                .limit(CATCH_UP_BATCH)
            ).all(),
            write=False,
        )
        written = 0
        for row in rows:
            # A conflict is logged by publish, and `ledger verify --digests` names the block.
            with contextlib.suppress(DigestConflict):
                written += publish(self.store, row, retain_until=self._retain_until())
            self._published = row.height
        self.behind = len(rows) >= CATCH_UP_BATCH
        return written
