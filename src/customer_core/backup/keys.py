"""The backup key: a data key per backup under the `backups` KEK, itself under the master key.

The manifest keeps both wrapped forms — the KEK as the master key wrapped it, the backup key as
the KEK wrapped it — so a restore unwraps them with the master key alone. Two keys are derived
from the backup key (HMAC-SM3 with a label, truncated to an SM4 key): one encrypts the chunks,
one authenticates the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from customer_core.crypto import primitives
from customer_core.crypto.keyring import Keyring, _kek_aad
from customer_core.crypto.master_key import MasterKeyProvider
from customer_core.storage.tables import key_encryption_keys

#: The KEK domain of backup keys.
BACKUPS = "backups"


@dataclass(frozen=True)
class BackupKey:
    """A backup's key and what the manifest keeps of it."""

    key: bytes
    wrapped: dict[str, Any]

    @property
    def chunk_key(self) -> bytes:
        """Encrypts the chunks."""
        return primitives.hmac_sm3(self.key, b"customer-core backup chunks")[: primitives.KEY_SIZE]

    @property
    def manifest_key(self) -> bytes:
        """Authenticates the manifest."""
        return primitives.hmac_sm3(self.key, b"customer-core backup manifest")


def _key_aad(backup_id: str) -> bytes:
    return f"backup-key|{backup_id}".encode()


def ensure_kek(keyring: Keyring, connection: Connection) -> None:
    """Creates the `backups` KEK on first use (a write: run it before the snapshot's read)."""
    keyring.kek(connection, BACKUPS)


def new_backup_key(keyring: Keyring, connection: Connection, backup_id: str) -> BackupKey:
    """A fresh key for `backup_id`, wrapped under the active `backups` KEK (which must exist)."""
    version, kek = keyring.kek(connection, BACKUPS)
    row = connection.execute(
        select(key_encryption_keys).where(
            key_encryption_keys.c.domain == BACKUPS, key_encryption_keys.c.version == version
        )
    ).one()
    key = primitives.random_key()
    return BackupKey(
        key,
        {
            "kek_domain": BACKUPS,
            "kek_version": version,
            "kek_master_version": row.master_version,
            "kek_wrapped": bytes(row.wrapped).hex(),
            "wrapped": primitives.seal(kek, key, _key_aad(backup_id)).hex(),
        },
    )


def open_backup_key(
    master: MasterKeyProvider, backup_id: str, wrapped: dict[str, Any]
) -> BackupKey:
    """The backup key, unwrapped from the manifest's record with the master key.

    Raises:
        IntegrityError: a wrapped form was altered (or the master key is not the backup's).
        ValueError: the record is malformed.
        FailedPrecondition: the master key version is retired or unavailable here.
    """
    domain, version = str(wrapped["kek_domain"]), int(wrapped["kek_version"])
    kek = master.unwrap(
        int(wrapped["kek_master_version"]),
        bytes.fromhex(str(wrapped["kek_wrapped"])),
        _kek_aad(domain, version),
    )
    key = primitives.open_sealed(kek, bytes.fromhex(str(wrapped["wrapped"])), _key_aad(backup_id))
    return BackupKey(key, dict(wrapped))
