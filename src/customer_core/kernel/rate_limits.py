"""Sliding-window rate limits by key (a caller, a customer), in this process.

Each key may be charged at most `limit` times in any `window` seconds; a charge past that is
refused with the seconds until the oldest charge in the window expires. Kept in memory, so with
several server processes each enforces its own window (the limit per deployment is the
processes' number times it). Keys with no charge in the window are dropped as they are met.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `limit` charges per key in any `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._charges: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def charge(self, key: str) -> float | None:
        """Charges `key` once: None when allowed, else the seconds until it would be."""
        now = self._clock()
        with self._lock:
            charges = self._charges.setdefault(key, deque())
            while charges and charges[0] <= now - self.window:
                charges.popleft()
            if len(charges) >= self.limit:
                return charges[0] + self.window - now
            charges.append(now)
            if len(self._charges) > 10_000:  # forget keys whose window has passed
                self._charges = {
                    k: v for k, v in self._charges.items() if v and v[-1] > now - self.window
                }
            return None
