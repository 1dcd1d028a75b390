"""Two kernel replicas share one database: one seals at a time, and sealing moves when it stops.

Both replicas take writes all along. The replica holding the sealer lease is paused (its sealer
thread stops without giving the lease up, as if the process hung): the other takes sealing over
once the short lease expires, and the paused one, woken with its stale fencing token, cannot seal.
Then the new holder's server is stopped cleanly and sealing moves back at once. In the end every
entry has exactly one offset, offsets run 1..N, heights run 1..H, fencing tokens never decrease
and the whole ledger verifies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from customer_core.api.server import RunningServer
from customer_core.client import Client
from customer_core.coordination.lease import Holding, Lease, LeaseLost
from customer_core.ledger.sealer import LEASE_NAME
from customer_core.ledger.verify import verify
from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.tables import leases, ledger_blocks, ledger_entries, ledger_offsets
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import mobile, unique

LEASE_TTL = 1.5
INTERVAL = 0.1
SETTINGS = {
    "ledger_lease_ttl": LEASE_TTL,
    "ledger_seal_interval": INTERVAL,
    "ledger_block_size": 5,
}


class Writer(threading.Thread):
    """Writes changes through one replica until stopped (a customer, a record, an update)."""

    def __init__(self, running: RunningServer) -> None:
        super().__init__(daemon=True)
        self.running = running
        self.token = admin_token(running)
        self.halt = threading.Event()
        self.writes = 0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            with Client(f"127.0.0.1:{self.running.port}", token=self.token) as client:
                while not self.halt.is_set():
                    customer = client.create_customer(
                        type="individual", owning_org_unit="HO01", display_name="Failover",
                        cross_references=[("CORE", unique("F"))],
                    )  # fmt: skip
                    client.create_record(customer.customer_number, mobile())
                    customer.display_name = "Failover 2"
                    client.update_customer(customer, ["display_name"])
                    self.writes += 1
        except BaseException as exc:
            self.errors.append(exc)

    def finish(self) -> None:
        self.halt.set()
        self.join(60)
        assert not self.errors, self.errors


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `condition()` held (fails after `timeout`)."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - began


def lease_row(running: RunningServer) -> tuple[str, int]:
    with running.kernel.engine.connect() as connection:
        row = connection.execute(select(leases).where(leases.c.name == LEASE_NAME)).one()
    return row.holder, int(row.token)


def block_tokens(running: RunningServer) -> list[int]:
    with running.kernel.engine.connect() as connection:
        query = select(ledger_blocks.c.fencing_token).order_by(ledger_blocks.c.height)
        return [int(t) for t in connection.execute(query).scalars()]


def test_one_replica_seals_at_a_time_and_sealing_moves_when_it_stops(new_database) -> None:  # type: ignore[no-untyped-def]
    url = str(new_database("failover"))
    first, second = start_server(url, **SETTINGS), start_server(url, **SETTINGS)
    servers = {first.sealer.lease.holder: first, second.sealer.lease.holder: second}
    writers = {id(s): Writer(s) for s in (first, second)}
    for writer in writers.values():
        writer.start()
    try:
        wait_for(lambda: len(block_tokens(first)) >= 3, 20, "the first blocks")
        holder_name, token = lease_row(first)
        holder, other = servers[holder_name], servers[next(n for n in servers if n != holder_name)]
        assert other.sealer.lease.held is None  # the other replica knows it does not hold it

        # The holder hangs: its sealer stops without giving the lease up.
        holder.sealer.stop(release=False)
        stale = holder.sealer.lease.held
        assert stale is not None and stale.token == token
        taken = wait_for(
            lambda: lease_row(first)[0] == other.sealer.lease.holder, LEASE_TTL + 5, "takeover"
        )
        assert taken <= LEASE_TTL + 2 * INTERVAL + 1.5, f"takeover took {taken:.2f} s"
        new_token = lease_row(first)[1]
        assert new_token == token + 1
        wait_for(lambda: block_tokens(first)[-1] == new_token, 10, "a block by the new holder")

        # Woken with its stale token, the old holder's block is refused and nothing is written.
        columns = (ledger_entries.c.id, ledger_entries.c.chain, ledger_entries.c.sequence)
        columns += (ledger_entries.c.time, ledger_entries.c.hash)
        with holder.kernel.engine.connect() as connection:
            rows = connection.execute(select(*columns).limit(5)).all()
        before = len(block_tokens(first))
        with pytest.raises(LeaseLost):
            holder.sealer._seal(Holding(token, datetime.now(UTC) + timedelta(hours=1)), rows)
        assert token not in block_tokens(first)[before:]

        # The old holder's sealer comes back; the new holder keeps the lease while it lives...
        holder.sealer.start()
        time.sleep(LEASE_TTL)
        assert lease_row(first) == (other.sealer.lease.holder, new_token)
        # ...and when its server stops, it gives the lease up and sealing moves back at once.
        writers[id(other)].finish()
        other.stop(grace=1)
        moved = wait_for(
            lambda: lease_row(holder)[0] == holder.sealer.lease.holder, 5, "handover on stop"
        )
        assert moved < LEASE_TTL, f"a clean stop should hand over at once, took {moved:.2f} s"
        assert lease_row(holder)[1] == new_token + 1
        time.sleep(0.5)
        writers[id(holder)].finish()
        holder.sealer.seal_now()
        assert sum(w.writes for w in writers.values()) > 0
        print(f"takeover after a hang {taken:.2f} s, after a clean stop {moved:.2f} s")
        assert_sealed_exactly_once(holder, {token, new_token, new_token + 1})
    finally:
        for writer in writers.values():
            writer.halt.set()
        for running in (first, second):
            running.stop(grace=1)


def assert_sealed_exactly_once(running: RunningServer, tokens: set[int]) -> None:
    with running.kernel.engine.connect() as connection:
        entries = set(connection.execute(select(ledger_entries.c.id)).scalars())
        offsets = connection.execute(
            select(ledger_offsets.c.offset, ledger_offsets.c.entry_id).order_by(
                ledger_offsets.c.offset
            )
        ).all()
        heights = list(
            connection.execute(
                select(ledger_blocks.c.height).order_by(ledger_blocks.c.height)
            ).scalars()
        )
        result = verify(connection, chains=True)
    assert [o.offset for o in offsets] == list(range(1, len(entries) + 1))  # no gap, no repeat
    assert {o.entry_id for o in offsets} == entries  # each entry exactly once
    assert heights == list(range(1, len(heights) + 1))
    sealed_by = block_tokens(running)
    assert sealed_by == sorted(sealed_by)  # one holder at a time, never back to an older one
    assert set(sealed_by) >= tokens
    assert result.ok, result.first_failure
    assert result.entries_checked == len(entries)
    print(f"{len(heights)} blocks, {len(entries)} entries, fencing tokens {sorted(set(sealed_by))}")


def test_the_lease_has_one_holder_and_fences_a_stale_one(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(str(new_database("lease")), pool_size=2)
    try:
        a, b = Lease(engine, "test", "a", 0.5), Lease(engine, "test", "b", 0.5)
        held = a.acquire()
        assert held is not None and held.token == 1
        assert b.acquire() is None
        run_in_transaction(engine, lambda c: a.check(c, 1))
        time.sleep(0.6)  # a did not renew: the lease expires...
        extended = run_in_transaction(engine, lambda c: a.check(c, 1))
        assert extended.token == 1  # ...but nobody took it over: a still holds it, extended
        assert b.acquire() is None
        time.sleep(0.6)
        taken = b.acquire()
        assert taken is not None and taken.token == 2
        with pytest.raises(LeaseLost):
            run_in_transaction(engine, lambda c: a.check(c, 1))
        assert a.acquire() is None
        renewed = b.acquire()
        assert renewed is not None and renewed.token == 2  # renewing keeps the token
        b.release()
        again = a.acquire()
        assert again is not None and again.token == 3
        count = run_in_transaction(
            engine, lambda c: c.execute(select(func.count()).select_from(leases)).scalar_one()
        )
        assert count == 1
    finally:
        engine.dispose()
