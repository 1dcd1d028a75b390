"""The background loops: a periodic loop survives its failures and stops cleanly; a leased role
runs on one replica at a time, renews at a fraction of its TTL, ends a round whose fenced write
is refused, and hands over at once on a clean stop (after the TTL when its holder hangs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from customer_core.coordination.background import LeaseRole, Periodic
from customer_core.coordination.lease import Holding, Lease, LeaseLost
from customer_core.errors import Unavailable
from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.tables import leases

TTL = 0.6
INTERVAL = 0.05


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.02)


@pytest.fixture
def engine(new_database: Callable[[str], str]) -> Iterator[Engine]:
    engine = create_engine(new_database("roles"), pool_size=4)
    yield engine
    engine.dispose()


def lease_row(engine: Engine, name: str) -> tuple[str, int, datetime]:
    row = run_in_transaction(
        engine,
        lambda c: c.execute(select(leases).where(leases.c.name == name)).one(),
        write=False,
    )
    return row.holder, int(row.token), row.expires_at


class Recorder:
    """A role's work: records which holder ran, under which token; can be told to fail."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.rounds: list[int] = []
        self.fail_with: BaseException | None = None
        self.lost = 0

    def work(self, holding: Holding) -> int:
        if self.fail_with is not None:
            raise self.fail_with
        # What a role writes, it writes fenced: the lease checked in the same transaction.
        run_in_transaction(self.lease.engine, lambda c: self.lease.check(c, holding.token))
        self.rounds.append(holding.token)
        return holding.token

    def on_lost(self) -> None:
        self.lost += 1


def test_a_periodic_loop_survives_failures_wakes_on_demand_and_stops(engine: Engine) -> None:
    calls: list[float] = []
    failing = iter([RuntimeError("boom"), Unavailable("db away"), None, None, None])

    def work() -> None:
        calls.append(time.monotonic())
        error = next(failing, None)
        if error is not None:
            raise error

    loop = Periodic("test-periodic", 3600, work)
    loop.start()
    try:
        for expected in range(1, 4):  # each round runs at once when woken, failing or not
            loop.wake()
            wait_for(lambda n=expected: len(calls) >= n, 5, f"round {expected}")
        assert loop.running
    finally:
        loop.stop()
    assert not loop.running and loop.stopping
    count = len(calls)
    loop.wake()
    time.sleep(0.1)
    assert len(calls) == count  # stopped: no more rounds
    fast = Periodic("test-fast", INTERVAL, work)
    fast.start()
    wait_for(lambda: len(calls) >= count + 3, 5, "rounds every interval")
    fast.stop()


def test_a_leased_role_runs_on_one_replica_at_a_time_and_renews(engine: Engine) -> None:
    a_lease, b_lease = Lease(engine, "role", "a", TTL), Lease(engine, "role", "b", TTL)
    a, b = Recorder(a_lease), Recorder(b_lease)
    role_a = LeaseRole("role-a", a_lease, INTERVAL, a.work, on_lost=a.on_lost)
    role_b = LeaseRole("role-b", b_lease, INTERVAL, b.work, on_lost=b.on_lost)
    role_a.start()
    wait_for(lambda: bool(a.rounds), 5, "a's first round")
    role_b.start()
    try:
        time.sleep(3 * TTL)  # several TTLs: a keeps renewing, b never gets a round
        assert b.rounds == [] and b.lost > 0
        assert set(a.rounds) == {1}  # renewing keeps the token
        holder, token, expires = lease_row(engine, "role")
        assert (holder, token) == ("a", 1)
        # Renewed at a fraction of the TTL: never more than the TTL ahead, never left to run out.
        assert datetime.now(UTC) < expires
        # A clean stop hands the role over at once, with the next token.
        stopped = time.monotonic()
        role_a.stop()
        wait_for(lambda: bool(b.rounds), TTL / 2, "b's round after a clean stop")
        assert time.monotonic() - stopped < TTL
        assert set(b.rounds) == {2}
    finally:
        role_a.stop()
        role_b.stop()


def test_a_hung_holder_is_replaced_after_the_ttl_and_cannot_write(engine: Engine) -> None:
    a_lease, b_lease = Lease(engine, "hang", "a", TTL), Lease(engine, "hang", "b", TTL)
    a, b = Recorder(a_lease), Recorder(b_lease)
    role_a = LeaseRole("role-a", a_lease, INTERVAL, a.work, on_lost=a.on_lost)
    role_b = LeaseRole("role-b", b_lease, INTERVAL, b.work, on_lost=b.on_lost)
    role_a.start()
    wait_for(lambda: bool(a.rounds), 5, "a's first round")
    role_b.start()
    try:
        role_a.stop(release=False)  # a hangs, holding the lease
        stale = a_lease.held
        assert stale is not None
        began = time.monotonic()
        wait_for(lambda: bool(b.rounds), TTL + 2, "takeover after the TTL")
        assert time.monotonic() - began >= TTL / 2 - INTERVAL  # not before it could expire
        assert set(b.rounds) == {2}
        # Woken with its stale token, a's fenced write is refused; its role sees the loss.
        with pytest.raises(LeaseLost):
            a.work(stale)
        assert role_a.run(a.work) is None  # b holds it: no round for a
        assert role_a.renewed(Holding(stale.token, datetime.now(UTC))) is None
        assert a.lost >= 2
    finally:
        role_a.stop()
        role_b.stop()


def test_a_round_whose_fenced_write_is_refused_ends_and_the_role_tries_again(
    engine: Engine,
) -> None:
    lease = Lease(engine, "fenced", "a", TTL)
    recorder = Recorder(lease)
    role = LeaseRole("role", lease, INTERVAL, recorder.work, on_lost=recorder.on_lost)
    recorder.fail_with = LeaseLost("taken meanwhile")
    assert role.tick() is None and recorder.lost == 1
    recorder.fail_with = None
    assert role.tick() == 1  # the next round takes the (still free) lease again
    recorder.fail_with = RuntimeError("a bug")
    with pytest.raises(RuntimeError):  # other errors are the loop's to log, not the role's
        role.tick()


def test_a_role_renews_during_a_long_round(engine: Engine) -> None:
    lease = Lease(engine, "long", "a", TTL)
    other = Lease(engine, "long", "b", TTL)
    steps: list[int] = []
    halted = threading.Event()

    def long_round(holding: Holding) -> None:
        # A round longer than the TTL, renewing between steps as the sealer does.
        while not role.stopping and not halted.is_set():
            renewed = role.renewed(holding)
            assert renewed is not None
            holding = renewed
            steps.append(holding.token)
            time.sleep(TTL / 6)

    role = LeaseRole("long", lease, INTERVAL, long_round)
    role.start()
    try:
        wait_for(lambda: len(steps) >= 15, 10, "steps over more than two TTLs")
        assert other.acquire() is None  # renewed all along: never free for another replica
        assert set(steps) == {1}
    finally:
        halted.set()
        role.stop()
