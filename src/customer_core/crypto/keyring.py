"""Levels two and three of the key hierarchy: key-encrypting keys and data keys.

- A **key-encrypting key** (KEK) per domain (`customer-data`, `index`, `auth`), versioned, stored
  wrapped by the master key.
- A **data key** per scope — per customer and subject model for personal data, so erasing a
  customer destroys exactly its keys — versioned, stored wrapped by its domain's KEK.

Unwrapped keys are cached for a bounded time. A version is `active` (used for new encryption),
`decrypt-only` (still decrypts while a rotation moves data off it) or `retired`. A retired KEK
refuses. A retired data key refuses live data (no stored record is under one once its rotation
ends) but still opens the ledger's snapshots sealed under it, for history (`history=True`): the
ledger is append-only and hash-chained, so a rotation cannot re-encrypt what it recorded, and the
360 view as of a time before a rotation (and, later, an unmerge) needs those values. So a KEK
rotation rewraps retired data keys too, and only erasure, which deletes every version of a
customer's data keys, makes history unreadable.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from customer_core.caching import TTLMap
from customer_core.crypto import primitives
from customer_core.crypto.master_key import MasterKeyProvider, RetiredKeyError
from customer_core.errors import FailedPrecondition
from customer_core.storage.deferred import defer
from customer_core.storage.tables import data_keys, key_encryption_keys
from customer_core.storage.transaction import RetryTransaction, transaction_memo

#: KEK domain of customers' personal data.
CUSTOMER_DATA = "customer-data"
#: KEK domain of the blind-index key.
INDEX = "index"
#: KEK domain of the token-signing key.
AUTH = "auth"
DOMAINS = (CUSTOMER_DATA, INDEX, AUTH)


class KeyDestroyedError(FailedPrecondition):
    """The data key was destroyed (crypto-shredding): what it encrypted is gone for good."""

    def __init__(self, key_id: uuid.UUID) -> None:
        super().__init__(
            "the data key of this value was destroyed; the value is erased",
            subject=f"dataKeys/{key_id}",
            violation_type="KEY_DESTROYED",
        )


@dataclass(frozen=True)
class DataKey:
    """An unwrapped data key."""

    id: uuid.UUID
    scope: str
    version: int
    key: bytes


def customer_scope(customer_id: uuid.UUID, subject: str) -> str:
    """The data-key scope of one customer's records of one subject model."""
    return f"customer/{customer_id}/{subject}"


# Built once: read in every transaction that makes a data key.
_KEK_OF_DOMAIN = select(key_encryption_keys).where(
    key_encryption_keys.c.domain == bindparam("domain")
)
_ACTIVE_KEK = _KEK_OF_DOMAIN.where(key_encryption_keys.c.status == "active")
_KEK_VERSION = _KEK_OF_DOMAIN.where(key_encryption_keys.c.version == bindparam("version"))

# New data keys wrapped under a cached KEK version name that version only while it is still the
# active one: their `kek_version` is looked up in the insert itself, and is NULL (so the insert,
# and the whole write with it, fails and is retried with the KEK read) once it is not. The lookup
# reads the KEK row in the writer's transaction, as `kek` would, so a concurrent KEK rotation and
# the insert serialize; it just costs no statement of its own.
_KEK_IF_STILL_ACTIVE = (
    "SELECT version FROM key_encryption_keys WHERE domain = CAST(:guard_domain AS TEXT)"
    " AND version = CAST(:guard_version AS INTEGER) AND status = 'active'"
)


class Keyring:
    """Creates, unwraps, caches and destroys KEKs and data keys."""

    def __init__(self, master: MasterKeyProvider, *, cache_ttl: float = 300.0) -> None:
        self.master = master
        self._keks: TTLMap[tuple[str, int], bytes] = TTLMap(cache_ttl)
        self._data: TTLMap[uuid.UUID, DataKey] = TTLMap(cache_ttl)
        #: The version of each domain's KEK last read as active (see `create_data_keys`).
        self._active_kek: dict[str, int] = {}
        #: Called with a customer's id when its data keys are destroyed, after the master key
        #: provider has recorded the erasure (the kernel adds it to the object store's shred list).
        self.erasure_hooks: list[Callable[[uuid.UUID], object]] = []

    # Key-encrypting keys

    def _kek_row(self, connection: Connection, domain: str, version: int | None) -> Any:
        if version is None:
            return connection.execute(_ACTIVE_KEK, {"domain": domain}).first()
        return connection.execute(_KEK_VERSION, {"domain": domain, "version": version}).first()

    def kek(
        self, connection: Connection, domain: str, version: int | None = None
    ) -> tuple[int, bytes]:
        """(version, key) of a domain's KEK: the active one, or `version`; created on first use.

        The row is always read, so a version retired meanwhile refuses even when it is cached;
        the cache spares only the unwrap (which would need the master version the row names in
        this transaction's snapshot, possibly one a master rotation has just retired).
        """
        seen: dict[tuple[str, int | None], tuple[int, bytes]] = transaction_memo(
            connection, "keks_seen"
        )
        if (
            domain,
            version,
        ) in seen:  # read already in this transaction: same snapshot, same answer
            return seen[(domain, version)]
        answer = self._kek(connection, domain, version)
        seen[(domain, version)] = answer
        return answer

    def _kek(self, connection: Connection, domain: str, version: int | None) -> tuple[int, bytes]:
        row = self._kek_row(connection, domain, version)
        if row is None:
            if version is not None:
                raise FailedPrecondition(
                    f"KEK {domain} v{version} does not exist",
                    subject=f"kek/{domain}",
                    violation_type="KEY_MISSING",
                )
            row = self.create_kek(connection, domain, 1)
        if row.status == "retired":
            raise RetiredKeyError(f"KEK {domain} v{row.version}")
        if row.status == "active":
            self._active_kek[domain] = row.version
        if (cached := self._keks.get((domain, row.version))) is not None:
            return row.version, cached
        key = self.master.unwrap(row.master_version, row.wrapped, _kek_aad(domain, row.version))
        self._keks.put((domain, row.version), key)
        return row.version, key

    def create_kek(self, connection: Connection, domain: str, version: int) -> Any:
        """Inserts a fresh active KEK version; the inserted row."""
        key = primitives.random_key()
        master_version, wrapped = self.master.wrap(key, _kek_aad(domain, version))
        values = {
            "id": uuid.uuid4(),
            "domain": domain,
            "version": version,
            "master_version": master_version,
            "wrapped": wrapped,
            "status": "active",
            "create_time": datetime.now(UTC),
        }
        try:
            connection.execute(insert(key_encryption_keys).values(**values))
        except IntegrityError as exc:  # another replica created it first
            raise RetryTransaction("kek raced") from exc
        self._keks.put((domain, version), key)
        self._active_kek[domain] = version
        return SimpleNamespace(**values)

    # Data keys

    def data_key_for_write(
        self,
        connection: Connection,
        scope: str,
        domain: str,
        customer_id: uuid.UUID | None = None,
        *,
        new_scope: bool = False,
    ) -> DataKey:
        """The active data key of `scope`, created on first use.

        The active row is read in the writer's own transaction (never from a cache), so a
        concurrent rotation and this write serialize: no ciphertext is made under a version
        that a rotation is retiring. With `new_scope` (the scope's customer was created in this
        transaction) there is nothing to read: looking up a key that cannot exist yet would only
        give SERIALIZABLE engines a predicate to conflict on.
        """
        made: dict[str, DataKey] = transaction_memo(connection, "data_keys_made")
        if scope in made:
            return made[scope]
        if new_scope:
            made[scope] = self.create_data_key(connection, scope, domain, 1, customer_id)
            return made[scope]
        row = connection.execute(
            select(data_keys).where(data_keys.c.scope == scope, data_keys.c.status == "active")
        ).first()
        if row is None:
            return self.create_data_key(connection, scope, domain, 1, customer_id)
        cached = self._data.get(row.id)
        return cached if cached is not None else self._unwrap_data_key(connection, row)

    def create_data_key(
        self,
        connection: Connection,
        scope: str,
        domain: str,
        version: int,
        customer_id: uuid.UUID | None,
    ) -> DataKey:
        """Inserts a fresh active data-key version of `scope`."""
        return self.create_data_keys(connection, [(scope, customer_id)], domain, version)[0]

    def create_data_keys(
        self,
        connection: Connection,
        scopes: Sequence[tuple[str, uuid.UUID | None]],
        domain: str,
        version: int,
    ) -> list[DataKey]:
        """Makes fresh active data-key versions of `scopes` (each with the customer it belongs
        to, if any), inserted together (with the transaction's other rows; see
        `storage.deferred`).

        Onboarding customers with records of several subject models makes all their keys at
        once; they are then found by `data_key_for_write` in the same transaction.
        """
        if not scopes:
            return []
        keys = [
            DataKey(uuid.uuid4(), scope, version, primitives.random_key()) for scope, _ in scopes
        ]
        owners = [owner for _, owner in scopes]
        now = datetime.now(UTC)
        # The KEK last seen active, if its key is still cached, wraps the keys with no KEK read:
        # the insert fails unless it is still active. If a rotation elsewhere has moved on, the
        # transaction starts again without it, reads the active KEK and wraps under that.
        hint = self._active_kek.get(domain)
        kek = self._keks.get((domain, hint)) if hint is not None else None
        if hint is not None and kek is not None:
            defer(
                connection,
                data_keys,
                _data_key_rows(keys, owners, domain, hint, kek, now),
                computed=(("kek_version", _KEK_IF_STILL_ACTIVE),),
                on_error=lambda: self._active_kek.pop(domain, None),
                guard_domain=domain,
                guard_version=hint,
            )
        else:
            kek_version, kek = self.kek(connection, domain)
            defer(
                connection,
                data_keys,
                _data_key_rows(keys, owners, domain, kek_version, kek, now),
            )
        made: dict[str, DataKey] = transaction_memo(connection, "data_keys_made")
        for key in keys:
            self._data.put(key.id, key)
            made[key.scope] = key
        return keys

    def data_key(
        self, connection: Connection, key_id: uuid.UUID, *, history: bool = False
    ) -> DataKey:
        """The data key a ciphertext names; refuses a destroyed one, and a retired one unless
        `history` (the ciphertext is a ledger snapshot's, read for the past).

        The key's row is read even when the key is cached, so a key
        destroyed by another replica, or retired while a reader with an older snapshot put it
        back in the cache, refuses at once; the cache spares only the unwrap.
        """
        cached = self._data.get(key_id)
        row = connection.execute(select(data_keys).where(data_keys.c.id == key_id)).first()
        if row is None or (
            row.customer_id is not None and str(row.customer_id) in self.master.erased()
        ):
            self._data.drop(lambda k, _: k == key_id)
            raise KeyDestroyedError(key_id)
        if row.status == "retired" and not history:
            raise RetiredKeyError(f"data key {row.scope} v{row.version}")
        return cached if cached is not None else self._unwrap_data_key(connection, row)

    def _unwrap_data_key(self, connection: Connection, row: Any) -> DataKey:
        _, kek = self.kek(connection, row.kek_domain, row.kek_version)
        plaintext = primitives.open_sealed(kek, row.wrapped, _data_key_aad(row.id))
        key = DataKey(row.id, row.scope, row.version, plaintext)
        self._data.put(row.id, key)
        return key

    def destroy_customer_keys(self, connection: Connection, customer_id: uuid.UUID) -> int:
        """Crypto-shredding: deletes every data key of a customer; how many were destroyed.

        The erasure is first recorded with the master key provider, outside the database, so a
        backup restored later cannot bring the keys back into use.
        """
        self.master.record_erasure(str(customer_id))
        for hook in self.erasure_hooks:
            hook(customer_id)
        result = connection.execute(delete(data_keys).where(data_keys.c.customer_id == customer_id))
        self.forget(lambda k, v: getattr(v, "scope", "").startswith(f"customer/{customer_id}/"))
        return int(result.rowcount)

    def forget(self, predicate: Any = None) -> None:
        """Drops cached keys (all, or those `predicate(cache_key, value)` selects)."""
        match = predicate or (lambda k, v: True)
        self._data.drop(match)
        if predicate is None:
            self._keks.drop(match)


def _data_key_rows(
    keys: list[DataKey],
    owners: list[uuid.UUID | None],
    domain: str,
    kek_version: int,
    kek: bytes,
    now: datetime,
) -> list[dict[str, Any]]:
    rows = []
    for key, customer_id in zip(keys, owners, strict=True):
        wrapped = primitives.seal(kek, key.key, _data_key_aad(key.id))
        rows.append(
            {
                "id": key.id,
                "scope": key.scope,
                "customer_id": customer_id,
                "version": key.version,
                "kek_domain": domain,
                "kek_version": kek_version,
                "wrapped": wrapped,
                "status": "active",
                "create_time": now,
            }
        )
    return rows


def _kek_aad(domain: str, version: int) -> bytes:
    return f"kek|{domain}|{version}".encode()


def _data_key_aad(key_id: uuid.UUID) -> bytes:
    return b"dk|" + key_id.bytes
