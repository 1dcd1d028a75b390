"""The master key: level one of the key hierarchy, held outside the database.

A provider wraps and unwraps key-encrypting keys; the plaintext master key never leaves it. The
embedded default keeps versioned keys in a JSON key file created owner-only on first run; a
deployment may give them in an environment variable instead, or implement `MasterKeyProvider`
over its KMS or HSM (whose master key never leaves the device).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from customer_core.crypto import primitives
from customer_core.errors import FailedPrecondition

#: Env var of `EnvMasterKey`: `1:<32 hex>,2:<32 hex>`; the highest version is active.
ENV_VAR = "CUSTOMER_CORE_MASTER_KEY"


class RetiredKeyError(FailedPrecondition):
    """A key version was retired: it no longer decrypts anything."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is retired", subject=what, violation_type="KEY_RETIRED")


class MasterKeyProvider(Protocol):
    """What the kernel needs of a master key, wherever it lives."""

    def active_version(self) -> int:
        """The version new wraps use."""

    def versions(self) -> dict[int, str]:
        """Every version with its status: `active`, `decrypt-only` or `retired`."""

    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[int, bytes]:
        """Encrypts a key under the active version: (version, wrapped)."""

    def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        """Decrypts a key wrapped under `version`; refuses a retired version."""

    def rotate(self) -> int:
        """Creates a new version and makes it active; the old one stays decrypt-only. Returns it."""

    def retire(self, version: int) -> None:
        """Retires a version nothing is wrapped under any more."""

    def erased(self) -> frozenset[str]:
        """Ids of customers whose data keys were destroyed (kept outside the database)."""

    def record_erasure(self, customer_id: str) -> None:
        """Remembers, outside the database, that a customer's data keys were destroyed.

        A database backup taken before the erasure still holds the customer's wrapped data keys;
        this record is what makes the kernel refuse them, and shred them again, after a restore.
        """


class LocalMasterKey:
    """Versioned SM4 master keys held in this process (the base of the file and env providers)."""

    def __init__(
        self, keys: dict[int, bytes], active: int, retired: set[int] | None = None
    ) -> None:
        if active not in keys:
            raise ValueError(f"active master key version {active} is missing")
        self._keys = dict(keys)
        self._active = active
        self._retired = set(retired or ())
        self._erased: set[str] = set()
        self._lock = threading.RLock()

    def _sync(self) -> None:
        """Takes in what another process changed (nothing to do for keys held only here)."""

    def active_version(self) -> int:
        with self._lock:
            self._sync()
            return self._active

    def versions(self) -> dict[int, str]:
        with self._lock:
            self._sync()
        return {
            v: "active"
            if v == self._active
            else "retired"
            if v in self._retired
            else "decrypt-only"
            for v in sorted(self._keys)
        }

    def wrap(self, plaintext: bytes, aad: bytes) -> tuple[int, bytes]:
        with self._lock:
            self._sync()  # never wrap under a version another process has retired
            version = self._active
            key = self._keys[version]
        return version, primitives.seal(key, plaintext, aad)

    def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        if version in self._retired:
            raise RetiredKeyError(f"master key version {version}")
        key = self._keys.get(version)
        if key is None:
            raise FailedPrecondition(
                f"master key version {version} is not available to this server",
                subject=f"master key version {version}",
                violation_type="KEY_UNAVAILABLE",
            )
        return primitives.open_sealed(key, wrapped, aad)

    def rotate(self) -> int:
        with self._lock:
            self._sync()
            version, previous = max(self._keys) + 1, self._active
            self._keys[version] = primitives.random_key()
            self._active = version
            try:
                self._saved()
            except BaseException:  # never wrap under a version that would not survive a restart
                del self._keys[version]
                self._active = previous
                raise
            return version

    def retire(self, version: int) -> None:
        with self._lock:
            self._sync()
            if version == self._active:
                raise ValueError("the active master key version cannot be retired")
            self._retired.add(version)
            self._saved()

    def erased(self) -> frozenset[str]:
        with self._lock:
            self._sync()
            return frozenset(self._erased)

    def record_erasure(self, customer_id: str) -> None:
        with self._lock:
            self._sync()
            if customer_id not in self._erased:
                self._erased.add(customer_id)
                self._saved()

    def has_example_key(self) -> bool:
        """True when some version is the all-zero example key of the deployment examples."""
        return any(key == bytes(16) for key in self._keys.values())

    def _saved(self) -> None:
        """Persists a change (nothing to do for keys held only in memory)."""


class FileMasterKey(LocalMasterKey):
    """Master keys in a JSON file readable by the owner only; created on first use.

    Several processes share the file (the server's workers, the CLI): each takes in what the
    others wrote before it wraps under the active version or changes anything, and changes it
    under an exclusive lock of the file (`<file>.lock`), so no process wraps under a version
    another has retired, nor writes back a stale copy over another's rotation or erasure.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write({"active": 1, "keys": {"1": primitives.random_key().hex()}, "retired": []})
        self._seen = self._stamp()
        keys, active, retired, erased = self._read()
        super().__init__(keys, active, retired)
        self._erased = erased

    def _stamp(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    def _sync(self) -> None:
        stamp = self._stamp()
        if stamp != self._seen:
            self._keys, self._active, self._retired, self._erased = self._read()
            self._seen = stamp

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with self._lock:
                    self._seen = (-1, -1)  # read it again whatever its stamp says
                    self._sync()
                    yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def rotate(self) -> int:
        with self._exclusive():
            return super().rotate()

    def retire(self, version: int) -> None:
        with self._exclusive():
            super().retire(version)

    def record_erasure(self, customer_id: str) -> None:
        with self._exclusive():
            super().record_erasure(customer_id)

    def _read(self) -> tuple[dict[int, bytes], int, set[int], set[str]]:
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(
                f"master key file {self.path} must be readable by its owner only (mode {mode:o})"
            )
        data = json.loads(self.path.read_text())
        return (
            {int(v): bytes.fromhex(k) for v, k in data["keys"].items()},
            int(data["active"]),
            {int(v) for v in data.get("retired", [])},
            set(data.get("erased", [])),
        )

    def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        if version not in self._keys:  # rotated by another process (the CLI): read the file again
            with self._lock:
                self._sync()
        return super().unwrap(version, wrapped, aad)

    def _write(self, data: dict[str, object]) -> None:
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(temporary, self.path)

    def _saved(self) -> None:
        self._write(
            {
                "active": self._active,
                "keys": {str(v): k.hex() for v, k in self._keys.items()},
                "retired": sorted(self._retired),
                "erased": sorted(self._erased),
            }
        )
        self._seen = self._stamp()


class EnvMasterKey(LocalMasterKey):
    """Master keys from `CUSTOMER_CORE_MASTER_KEY`; rotation means deploying a new value."""

    def __init__(self, value: str) -> None:
        keys: dict[int, bytes] = {}
        for item in value.split(","):
            version, _, hexkey = item.strip().partition(":")
            key = bytes.fromhex(hexkey)
            if len(key) != 16:
                raise ValueError(f"{ENV_VAR}: version {version} is not a 16-byte key in hex")
            keys[int(version)] = key
        super().__init__(keys, max(keys))

    def rotate(self) -> int:
        raise FailedPrecondition(
            f"master keys from {ENV_VAR} rotate by deploying a value with a new version",
            subject="master key",
            violation_type="ROTATION_UNSUPPORTED",
        )
