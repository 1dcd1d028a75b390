"""The sealer: gives committed entries global offsets in signed, chained blocks, on one replica.

Every replica runs a `LedgerSealer` thread; the one holding the `ledger-sealer` lease seals. Each
round (every `interval` seconds) it takes the unsealed entries in time order, at most `block_size`
per block, and for each block:

1. in a read transaction: the entries and the latest block;
2. outside any transaction: offsets (the previous block's last + 1, ...), the Merkle root of the
   entries' hashes, the head hash (`ledger.blocks`) and its SM2 signature, and in the first block
   of its lease term (a fencing token the previous block does not have) the token's signature;
3. in a write transaction that first re-checks (and extends) the lease with its fencing token and
   checks no block was added meanwhile: the `ledger_offsets` rows and the `ledger_blocks` row.

Offsets therefore grow by one without gaps, and the primary keys (offset, block height) and the
unique entry id make a second seal of an entry or a height impossible even if two sealers raced.
Within a block a chain's entries keep their sequence order, and an unsealed predecessor is pulled
into the block with its successor. Entries are found through the time index: from a little before
the last round (`LOOKBACK`), and once a minute (and on taking the lease) over everything, but only
when the entry count says something is missing — a transaction that commits long after its
timestamp is sealed by that sweep.

After each block's transaction commits, its head is written to the object store as a digest
(`ledger.digests`), when the sealer was given a store; a store that cannot be reached never
stops sealing: the digests it missed are published on a later round.

On taking the lease the sealer also signs the signing keys registered before revision 0005, which
have no self-signature yet (`signing.sign_unsigned`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine

from customer_core.coordination import replica_id
from customer_core.coordination.background import LeaseRole
from customer_core.coordination.lease import Holding, Lease, LeaseLost
from customer_core.crypto.keyring import Keyring
from customer_core.errors import Unavailable
from customer_core.ledger import blocks, merkle, signing
from customer_core.ledger.digests import DigestPublisher
from customer_core.ledger.pending import UNSEALED, pending
from customer_core.objects.store import ObjectStore
from customer_core.storage.tables import ledger_blocks, ledger_entries, ledger_offsets
from customer_core.storage.transaction import run_in_transaction

log = logging.getLogger(__name__)

#: The lease row of the sealer.
LEASE_NAME = "ledger-sealer"
#: How far before the previous round each round looks for entries (commits that came late).
LOOKBACK = timedelta(seconds=10)
#: How often the sealer checks the whole ledger for entries committed later than LOOKBACK.
SWEEP_EVERY = timedelta(seconds=60)

_E, _O, _B = ledger_entries.c, ledger_offsets.c, ledger_blocks.c


def _latest_block(connection: Connection) -> Any:
    return connection.execute(select(ledger_blocks).order_by(_B.height.desc()).limit(1)).first()


class LedgerSealer:
    """Seals the ledger in the background while this replica holds the sealer lease.

    Args:
        engine: the database.
        keyring: unwraps (or creates) the sealer's SM2 key.
        interval: seconds between rounds.
        block_size: most entries per block (a chain's unsealed predecessors may add a few).
        lease_ttl: seconds the lease lasts unrenewed: how soon another replica takes over.
        holder: this replica's identity in the lease (default: host, process and a random tag).
        digest_store: where each sealed block's digest is written (None: no digests).
        digest_retention_days: days a digest is kept under object lock (0: no lock).
    """

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        interval: float = 1.0,
        block_size: int = 1000,
        lease_ttl: float = 10.0,
        holder: str | None = None,
        digest_store: ObjectStore | None = None,
        digest_retention_days: int = 0,
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.interval = interval
        self.block_size = block_size
        self.lease = Lease(engine, LEASE_NAME, holder or replica_id(), lease_ttl)
        #: The background role: a round every `interval` seconds while this replica holds the lease.
        self.role = LeaseRole(
            "ledger-sealer", self.lease, interval, self._background_round, on_lost=self._restart
        )
        self._key: signing.SigningKey | None = None
        self._drained_at: datetime | None = None  # start of the last round that sealed all it saw
        self._swept_at: datetime | None = None
        self._keys_signed_under: int | None = None  # the term in which old keys were signed
        #: Publishes each sealed block's digest to the object store (None: no digests).
        self.digests = (
            DigestPublisher(engine, digest_store, retention_days=digest_retention_days)
            if digest_store is not None
            else None
        )

    def start(self) -> None:
        """Starts sealing in the background (once; again after `stop`)."""
        self.role.start()

    def stop(self, *, release: bool = True) -> None:
        """Stops after the current block; gives the lease up unless `release` is False."""
        self.role.stop(release=release)

    def tick(self) -> int:
        """One round: takes or renews the lease and, if held, seals what is pending; entries sealed."""
        return self.role.run(self._background_round) or 0

    def _background_round(self, holding: Holding) -> int:
        return self._round(holding, full=False)

    def _restart(self) -> None:
        """The lease is not (or no longer) held here: a future holding starts with a sweep."""
        self._drained_at = self._swept_at = None

    def seal_now(self, timeout: float = 30.0) -> int:
        """Seals every entry committed before the call; how many this replica sealed.

        If another replica holds the lease, waits (up to `timeout` seconds) for it to seal them.

        Raises:
            Unavailable: they were not sealed in time.
        """
        cutoff, deadline = datetime.now(UTC), time.monotonic() + timeout
        while True:
            sealed = self.role.run(lambda holding: self._round(holding, full=True))
            if sealed is not None:
                return sealed
            if (
                run_in_transaction(self.engine, lambda c: self._unsealed(c, cutoff), write=False)
                == 0
            ):
                return 0
            if time.monotonic() > deadline:
                raise Unavailable(
                    f"ledger entries were not sealed within {timeout:g} s",
                    reason="LEDGER_NOT_SEALED",
                )
            time.sleep(min(self.interval, 0.2))

    @staticmethod
    def _unsealed(connection: Connection, before: datetime) -> int:
        query = select(func.count()).select_from(ledger_entries).where(UNSEALED, _E.time <= before)
        return int(connection.execute(query).scalar_one())

    @staticmethod
    def _all_sealed(connection: Connection) -> bool:
        entries = connection.execute(select(func.count()).select_from(ledger_entries)).scalar_one()
        last = connection.execute(select(func.max(_O.offset))).scalar_one()
        return int(entries) == int(last or 0)

    def _sign_keys(self, holding: Holding) -> None:
        """Once per lease term: signs the keys registered before revision 0005."""
        if self._keys_signed_under == holding.token:
            return
        self._keys_signed_under = holding.token  # tried once a term: sealing must go on
        try:
            signed = run_in_transaction(
                self.engine, lambda c: signing.sign_unsigned(c, self.keyring)
            )
        except Exception:  # e.g. no UPDATE grant: verification names the unsigned key
            log.warning("could not sign the ledger signing keys of older releases", exc_info=True)
            return
        if signed:
            log.info("signed %d ledger signing key(s) of older releases", signed)

    def _round(self, holding: Holding, *, full: bool) -> int:
        self._sign_keys(holding)
        if self.digests is not None and self.digests.behind:
            self.digests.catch_up()  # digests an outage held back (or, at start, looked up)
        started = datetime.now(UTC)
        sweep = full or self._swept_at is None or started - self._swept_at >= SWEEP_EVERY
        since = None if sweep or self._drained_at is None else self._drained_at - LOOKBACK
        if sweep and run_in_transaction(self.engine, self._all_sealed, write=False):
            self._drained_at = self._swept_at = started
            return 0
        sealed = 0
        while full or not self.role.stopping:
            renewed = self.role.renewed(holding)
            if renewed is None:
                return sealed
            holding = renewed
            batch = partial(pending, since=since, limit=self.block_size)
            rows, cursor = run_in_transaction(self.engine, batch, write=False)
            if not rows:
                break
            try:
                holding = self._seal(holding, rows)
            except LeaseLost as lost:
                log.warning("ledger sealer stopped: %s", lost)
                return sealed
            sealed += len(rows)
            if cursor is None:
                break
            since = cursor  # every unsealed entry before it is in this block
        self._drained_at = started
        if sweep:
            self._swept_at = started
        return sealed

    def _signing_key(self) -> signing.SigningKey:
        if self._key is None:
            self._key = run_in_transaction(
                self.engine, lambda c: signing.active_key(c, self.keyring)
            )
        return self._key

    def _seal(self, holding: Holding, rows: Sequence[Any]) -> Holding:
        """Seals `rows`, in this order, as the next block; the lease as extended by doing so.

        Raises:
            LeaseLost: the lease moved on, or another block was sealed meanwhile.
        """
        key = self._signing_key()
        last = run_in_transaction(self.engine, _latest_block, write=False)
        height = last.height + 1 if last else 1
        first = last.last_offset + 1 if last else 1
        prev = bytes(last.hash) if last else blocks.GENESIS
        end = first + len(rows) - 1
        root = merkle.root([bytes(r.hash) for r in rows])
        sealed_at = datetime.now(UTC)
        head = blocks.head_hash(height, first, end, root, prev, blocks.micros(sealed_at))
        signature = key.sign(head)
        # The token is signed where the previous block cannot vouch for it: a new term, or the
        # first block after older-format ones (ledger.blocks); later blocks of the term repeat it.
        new_term = last is None or last.fencing_token != holding.token
        if new_term or blocks.format_of_row(last) != blocks.CURRENT:
            token_signature = key.sign(blocks.token_message(head, holding.token))
        else:
            token_signature = b""
        offsets = [
            {"offset": first + i, "entry_id": row.id, "block_height": height}
            for i, row in enumerate(rows)
        ]

        def commit(connection: Connection) -> Holding:
            extended = self.lease.check(connection, holding.token)
            latest = _latest_block(connection)
            if (latest.height if latest else 0) != height - 1:
                raise LeaseLost(f"block {height} was sealed by another replica")
            if latest is not None and latest.fencing_token > holding.token:
                raise LeaseLost(
                    f"a newer sealer (token {latest.fencing_token}) sealed block {height - 1}"
                )
            connection.execute(insert(ledger_offsets), offsets)
            connection.execute(
                insert(ledger_blocks).values(
                    height=height, first_offset=first, last_offset=end, merkle_root=root,
                    prev_hash=prev, hash=head, signature=signature, public_key=key.public_key,
                    fencing_token=holding.token, sealed_at=sealed_at,
                    token_signature=token_signature,
                )
            )  # fmt: skip
            return extended

        extended = run_in_transaction(self.engine, commit)
        log.debug("sealed block %d: offsets %d-%d", height, first, end)
        if self.digests is not None:
            self.digests.catch_up()  # this block's digest, and any an outage held back
        return extended
