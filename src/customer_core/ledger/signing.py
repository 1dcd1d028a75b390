"""The sealer's SM2 key pair, kept in the database with its private half wrapped by the keyring.

One key pair serves every replica, so whichever replica holds the sealer lease signs with it. Its
private key (hex) is SM4-GCM-encrypted under a data key of the kernel-wide scope `ledger-signing`
(KEK domain `auth`, like the token-signing key), bound by associated data to its version and
public key; the master key never enters the database, so a copy of the database cannot sign.
`ledger_signing_keys` is append-only: every public key that ever signed stays registered, and
verification accepts a block only under one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from customer_core.crypto import primitives
from customer_core.crypto.keyring import AUTH, Keyring
from customer_core.storage.tables import ledger_signing_keys
from customer_core.storage.transaction import RetryTransaction

#: The data-key scope whose key encrypts the sealer's private key.
SCOPE = "ledger-signing"


@dataclass(frozen=True)
class SigningKey:
    """An unwrapped sealer key pair."""

    version: int
    public_key: str
    private_key: str = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte SM2 signature (r || s) of `data`."""
        return primitives.sm2_sign(self.private_key, self.public_key, data)


def _aad(version: int, public_key: str) -> bytes:
    return f"ledger-signing|{version}|{public_key}".encode()


def active_key(connection: Connection, keyring: Keyring) -> SigningKey:
    """The newest signing key, unwrapped; created (version 1) on first use."""
    row = connection.execute(
        select(ledger_signing_keys).order_by(ledger_signing_keys.c.version.desc()).limit(1)
    ).first()
    if row is None:
        return create_key(connection, keyring, 1)
    data_key = keyring.data_key(connection, row.data_key_id)
    wrapped = bytes(row.wrapped)
    private = primitives.sm4_gcm_decrypt(
        data_key.key, wrapped[:12], wrapped[12:], _aad(row.version, row.public_key)
    )
    return SigningKey(row.version, row.public_key, private.decode())


def create_key(connection: Connection, keyring: Keyring, version: int) -> SigningKey:
    """Generates a key pair and stores it as `version` (the newest signs from then on)."""
    private, public = primitives.generate_sm2_keypair()
    data_key = keyring.data_key_for_write(connection, SCOPE, AUTH)
    nonce = primitives.random_nonce()
    sealed = primitives.sm4_gcm_encrypt(
        data_key.key, nonce, private.encode(), _aad(version, public)
    )
    try:
        connection.execute(
            insert(ledger_signing_keys).values(
                version=version,
                public_key=public,
                data_key_id=data_key.id,
                wrapped=nonce + sealed,
                create_time=datetime.now(UTC),
            )
        )
    except IntegrityError as exc:  # another replica created it first: use theirs
        raise RetryTransaction("ledger signing key raced") from exc
    return SigningKey(version, public, private)


def public_keys(connection: Connection) -> set[str]:
    """Every registered sealer public key (hex, lower case)."""
    return {
        str(k).lower()
        for k in connection.execute(select(ledger_signing_keys.c.public_key)).scalars()
    }
