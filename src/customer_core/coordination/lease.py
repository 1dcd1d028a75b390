"""A named lease in the database, with a fencing token: one holder at a time among the replicas.

A replica takes the lease when it is free or expired, which increments `token`; the holder renews
it (same token) well before `expires_at`. Clocks only decide *when* a lease looks expired, never
safety: work that must happen under the lease calls `check` inside its own transaction, which
fails unless the row still names this holder with the same token (and then extends it) — so a
holder that paused past its expiry, and was replaced, cannot act on its stale belief. The token
only grows, so whatever the work stores with it is ordered by holder.

A holder renews once `renew_at` of the TTL has gone (half, by default): `acquire` writes only
then, and `due` tells a long round when to call it again (`background.LeaseRole.renewed`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from customer_core.storage.tables import leases
from customer_core.storage.transaction import RetryTransaction, run_in_transaction

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The lease is no longer held with the token the work was started under."""


@dataclass(frozen=True)
class Holding:
    """A lease as held: its fencing token and when it expires."""

    token: int
    expires_at: datetime


class Lease:
    """The lease `name`, as seen by the replica `holder`.

    Args:
        engine: the database.
        name: the lease's row in `leases`.
        holder: this replica's identity (unique per process and kernel).
        ttl: seconds the lease lasts after each acquisition or renewal.
        renew_at: the fraction of `ttl` after which the holder renews (0 < renew_at < 1).
    """

    def __init__(
        self, engine: Engine, name: str, holder: str, ttl: float, *, renew_at: float = 0.5
    ) -> None:
        if not 0 < renew_at < 1:
            raise ValueError("renew_at is a fraction of the TTL, between 0 and 1")
        self.engine = engine
        self.name = name
        self.holder = holder
        self.ttl = timedelta(seconds=ttl)
        self.renew_at = renew_at
        self._held: Holding | None = None
        self._lock = threading.Lock()

    @property
    def held(self) -> Holding | None:
        """The holding this replica last acquired or renewed (it may have expired since)."""
        return self._held

    def due(self, holding: Holding) -> bool:
        """Whether `holding` should be renewed now: `renew_at` of its TTL has gone."""
        return holding.expires_at - datetime.now(UTC) <= self.ttl * (1 - self.renew_at)

    def acquire(self) -> Holding | None:
        """Takes or renews the lease; the holding, or None while another replica holds it."""
        with self._lock:
            row = run_in_transaction(self.engine, self._read, write=False)
            now = datetime.now(UTC)
            if row is not None and row.holder != self.holder and row.expires_at > now:
                self._held = None  # held elsewhere: no write transaction needed to learn that
                return None
            if row is not None and row.holder == self.holder:
                held = Holding(int(row.token), row.expires_at)
                if not self.due(held):
                    self._held = held  # renewed recently enough
                    return held
            self._held = run_in_transaction(self.engine, self._take)
            return self._held

    def _read(self, connection: Connection) -> Any:
        return connection.execute(select(leases).where(leases.c.name == self.name)).first()

    def _take(self, connection: Connection) -> Holding | None:
        row = self._read(connection)
        now = datetime.now(UTC)
        expires = now + self.ttl
        if row is None:
            try:
                connection.execute(
                    insert(leases).values(
                        name=self.name, holder=self.holder, token=1, expires_at=expires
                    )
                )
            except IntegrityError as exc:  # another replica created the row first
                raise RetryTransaction("lease row raced") from exc
            return Holding(1, expires)
        mine = row.holder == self.holder
        if not mine and row.expires_at > now:
            return None
        # Renewing keeps the token (nobody else held it meanwhile); taking over increments it.
        token = int(row.token) if mine else int(row.token) + 1
        connection.execute(
            update(leases)
            .where(leases.c.name == self.name)
            .values(holder=self.holder, token=token, expires_at=expires)
        )
        if not mine:
            log.info("lease %s taken by %s (token %d)", self.name, self.holder, token)
        return Holding(token, expires)

    def check(self, connection: Connection, token: int) -> Holding:
        """Inside the caller's transaction: the lease is still ours with `token`; extends it.

        A lease past its expiry that nobody took over (same holder, same token) is still ours:
        whoever takes it over changes the token, and this transaction and theirs serialize on
        the row, so exactly one of them wins.

        Returns:
            The holding as extended (valid once the caller's transaction commits).

        Raises:
            LeaseLost: another replica holds it, or held it since.
        """
        row = self._read(connection)
        if row is None or row.holder != self.holder or int(row.token) != token:
            raise LeaseLost(f"lease {self.name} is no longer held by {self.holder} (token {token})")
        expires = datetime.now(UTC) + self.ttl
        connection.execute(
            update(leases).where(leases.c.name == self.name).values(expires_at=expires)
        )
        return Holding(token, expires)

    def release(self) -> None:
        """Gives the lease up at once (if held), so another replica need not wait for expiry."""
        with self._lock:
            held, self._held = self._held, None
            if held is None:
                return

            def work(connection: Connection) -> None:
                connection.execute(
                    update(leases)
                    .where(
                        leases.c.name == self.name,
                        leases.c.holder == self.holder,
                        leases.c.token == held.token,
                    )
                    .values(expires_at=datetime.now(UTC))
                )

            run_in_transaction(self.engine, work)
