"""A bounded, thread-safe map whose entries expire: the one cache every layer uses.

`cachetools.TTLCache` does the work (expiry on a monotonic clock, least-recently-used eviction
when full); it is not thread-safe on its own, so every access takes the map's lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Entries a map holds at most, by default (the least recently used go first).
MAXSIZE = 100_000


class TTLMap(Generic[K, V]):
    """Entries kept for `ttl` seconds after they were put, at most `maxsize` of them."""

    def __init__(self, ttl: float, maxsize: int = MAXSIZE) -> None:
        self.ttl = ttl
        self._items: TTLCache[K, V] = TTLCache(maxsize, ttl, timer=time.monotonic)
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The live value of `key`, or None."""
        with self._lock:
            return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value

    def drop(self, predicate: Callable[[K, V], bool]) -> None:
        """Removes every entry for which `predicate(key, value)` holds."""
        with self._lock:
            for key in [k for k, v in self._items.items() if predicate(k, v)]:
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
