"""The object-store interface and its errors.

Objects are written whole (`put`) and read whole or in ranges (`get`): every caller splits what
it keeps into bounded parts (a document's parts, a backup's chunks), so no object is larger than
a part and memory never grows with a document's size. Keys are `/`-separated paths of safe
characters.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime

from customer_core.errors import Unavailable

#: What a key may be: `/`-separated segments of letters, digits, `.`, `_`, `-`, `=`.
KEY = re.compile(r"[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*")


class StoreUnavailable(Unavailable):
    """The object store cannot be reached (after retries); the call may be retried later."""

    default_reason = "OBJECT_STORE_UNAVAILABLE"


class ObjectMissing(LookupError):
    """No object has this key."""


class ObjectLocked(PermissionError):
    """The store refuses to delete or overwrite the object: it is under object lock."""


def check_key(key: str) -> str:
    """`key`, if it is a well-formed object key (no empty, `.` or `..` segment)."""
    if not KEY.fullmatch(key) or any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"not an object key: {key!r}")
    return key


class ObjectStore(ABC):
    """Where documents, backups and ledger digests are kept.

    Attributes:
        kind: `s3` or `local`, for health and logs.
        location: the bucket's endpoint and name, or the directory (never a credential).
    """

    kind: str = ""
    location: str = ""

    @abstractmethod
    def put(
        self, key: str, data: bytes | bytearray, *, retain_until: datetime | None = None
    ) -> None:
        """Stores `data` under `key` (replacing an unlocked object), under object lock until
        `retain_until` where the store supports it.

        Raises:
            StoreUnavailable: the store cannot be reached.
            ObjectLocked: an object under lock has this key.
        """

    @abstractmethod
    def get(self, key: str, offset: int = 0, length: int | None = None) -> bytes:
        """The object's bytes (from `offset`, `length` of them if given).

        Raises:
            ObjectMissing: there is none.
            StoreUnavailable: the store cannot be reached.
        """

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Removes the object, every version of it; nothing when there is none.

        Raises:
            ObjectLocked: the store keeps it under object lock.
            StoreUnavailable: the store cannot be reached.
        """

    @abstractmethod
    def list(self, prefix: str) -> Iterator[str]:
        """The keys under `prefix` (a folder: `backups/` lists everything below it), sorted."""

    @abstractmethod
    def check(self) -> None:
        """Raises StoreUnavailable unless the store answers now."""

    @abstractmethod
    def lock_enforced(self) -> bool:
        """Whether the store itself refuses to delete an object under lock, found by trying:
        a probe object is written locked for a moment and deleted. A store that takes the
        lock but deletes the object anyway (or has no lock) answers False."""
