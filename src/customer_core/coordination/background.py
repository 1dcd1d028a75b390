"""The two loops every background thread of a kernel runs, so they start, fail and stop alike.

- `Periodic(name, interval, work)`: `work()` every `interval` seconds on a daemon thread, on every
  replica (the audit flusher, the database health probe, the job runner). `wake()` runs the next
  round at once.
- `LeaseRole(name, lease, interval, work)`: the same loop, but `work(holding)` runs only on the
  replica holding `lease` (the ledger sealer). Each round takes or renews the lease; a long
  round calls `renewed(holding)` between steps, which renews once `lease.renew_at` of the TTL
  has gone. The role is lost when another replica holds the lease, when renewing finds it taken,
  or when the work's own fenced write raises `LeaseLost`: the round ends and the next one tries
  to take the lease again. `stop()` ends the loop after the current round and gives the lease up
  at once (so another replica need not wait for it to expire); `stop(release=False)` leaves it
  to expire, as a hung process would.

A round that raises is logged and the loop goes on (`Unavailable` as one line: the database is
away, and the next round will tell); nothing a round raises stops the thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from customer_core.coordination.lease import Holding, Lease, LeaseLost
from customer_core.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds `stop` waits for a round in progress to end.
STOP_TIMEOUT = 30.0


class Periodic:
    """Calls `work()` every `interval` seconds on a daemon thread named `name`, until stopped."""

    def __init__(self, name: str, interval: float, work: Callable[[], object]) -> None:
        self.name = name
        self.interval = interval
        self._work = work
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        """True once `stop` was called (a long round should end early)."""
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Starts the thread (once; again after `stop`). The first round runs after `interval`."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Runs the next round now rather than at the end of the interval."""
        self._wake.set()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ends the loop after the current round (waiting at most `timeout` seconds for it)."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("%s: still in a round %.0f s after stop", self.name, timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            run_round(self.name, self._work)


def run_round(name: str, work: Callable[[], T]) -> T | None:
    """`work()`, logging (not raising) what it raises; None when it raised."""
    try:
        return work()
    except Unavailable:
        log.warning("%s: database unavailable", name)
    except Exception:
        log.exception("%s: round failed", name)
    return None


class LeaseRole:
    """A background role one replica at a time holds through `lease`.

    Args:
        name: the thread's name, in logs.
        lease: the lease that elects the replica (its TTL and `renew_at` say when to renew).
        interval: seconds between rounds.
        work: one round, given the holding it runs under; it must fence what it writes
            (`lease.check` in its own transaction) and may call `renewed` between steps.
        on_lost: called whenever a round finds the role not held (state a future holding must
            not trust, e.g. how far the last round got).
    """

    def __init__(
        self,
        name: str,
        lease: Lease,
        interval: float,
        work: Callable[[Holding], object],
        *,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.lease = lease
        self._work = work
        self._on_lost = on_lost
        self._loop = Periodic(name, interval, self.tick)
        self._lock = threading.Lock()  # one round at a time in this replica

    @property
    def stopping(self) -> bool:
        """True once `stop` was called: a long round should end after its current step."""
        return self._loop.stopping

    def start(self) -> None:
        """Starts the loop (once; again after `stop`)."""
        self._loop.start()

    def stop(self, *, release: bool = True) -> None:
        """Ends the loop after its current round; gives the lease up unless `release` is False."""
        self._loop.stop()
        if release:
            try:
                self.lease.release()
            except Exception:  # the database may be gone; the lease then simply expires
                log.warning("%s: could not release the lease", self.name, exc_info=True)

    def tick(self) -> object | None:
        """One round of the role's work, if this replica holds (or can take) the lease."""
        return self.run(self._work)

    def run(self, work: Callable[[Holding], T]) -> T | None:
        """`work(holding)` under the lease, one round at a time; None while another replica holds
        it, or once the work found it lost (`LeaseLost`)."""
        with self._lock:
            holding = self.lease.acquire()
            if holding is None:
                self._lost()
                return None
            try:
                return work(holding)
            except LeaseLost as lost:
                log.warning("%s: lost the lease: %s", self.name, lost)
                self._lost()
                return None

    def renewed(self, holding: Holding) -> Holding | None:
        """`holding`, renewed if `lease.renew_at` of its TTL has gone; None if it was lost."""
        if not self.lease.due(holding):
            return holding
        renewed = self.lease.acquire()
        if renewed is None or renewed.token != holding.token:
            self._lost()
            return None
        return renewed

    def _lost(self) -> None:
        if self._on_lost is not None:
            self._on_lost()
