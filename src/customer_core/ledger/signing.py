"""The sealer's SM2 key pair, kept in the database with its private half wrapped by the keyring.

One key pair serves every replica, so whichever replica holds the sealer lease signs with it. Its
private key (hex) is SM4-GCM-encrypted under a data key of the kernel-wide scope `ledger-signing`
(KEK domain `auth`, like the token-signing key), bound by associated data to its version and
public key; the master key never enters the database, so a copy of the database cannot sign.
`ledger_signing_keys` is append-only: every public key that ever signed stays registered, and
verification accepts a block only under one of them.

Each row is signed by its own key (`signature`, SM2 over `key_message`: a 0x05 prefix, then
version, public key, data key id, wrapped private key and creation time), so no column of it can
change unnoticed: verification checks every row's signature under the row's own public key, which
must be 128 lower-case hex digits. Rows written before revision 0005 have no signature (NULL): the
sealer signs them when it next holds the lease (`sign_unsigned`; the database lets exactly that
update through), and until then verification fails naming the key version, since a missing
signature cannot be told from one removed to hide an edit.
"""

from __future__ import annotations

import logging
import re
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from customer_core.crypto import primitives
from customer_core.crypto.keyring import AUTH, Keyring
from customer_core.errors import CustomerCoreError
from customer_core.ledger.blocks import micros
from customer_core.storage.tables import ledger_signing_keys
from customer_core.storage.transaction import RetryTransaction

log = logging.getLogger(__name__)

#: The data-key scope whose key encrypts the sealer's private key.
SCOPE = "ledger-signing"
#: What a key row's self-signature signs starts with this (block heads and tokens use 0x00-0x04).
KEY_PREFIX = b"\x05"
_K = ledger_signing_keys.c
_CANONICAL_KEY = re.compile("[0-9a-f]{128}")
_LENGTH = struct.Struct(">I")
_NUMBER = struct.Struct(">q")


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


def canonical_public_key(public_key: str) -> bool:
    """Whether `public_key` is in the form keys are generated and stored in: 128 lower-case hex."""
    return _CANONICAL_KEY.fullmatch(public_key) is not None


def key_message(
    version: int, public_key: str, data_key_id: uuid.UUID, wrapped: bytes, create_time: datetime
) -> bytes:
    """What a key row's self-signature signs: every column of the row but the signature.

    `0x05 || version || len || public_key || data_key_id || len || wrapped || create_time`, the
    version and the time (microseconds since the epoch) signed 64-bit and the lengths unsigned
    32-bit big-endian, the public key as ASCII and the data key id as its 16 bytes.

    Raises:
        ValueError: a value cannot be encoded (out of range, not ASCII).
    """
    key = public_key.encode("ascii")
    try:
        version_bytes = _NUMBER.pack(version)
        time_bytes = _NUMBER.pack(micros(create_time))
    except struct.error as exc:
        raise ValueError(f"signing key number out of range: {exc}") from None
    return b"".join(
        (
            KEY_PREFIX,
            version_bytes,
            _LENGTH.pack(len(key)),
            key,
            data_key_id.bytes,
            _LENGTH.pack(len(wrapped)),
            wrapped,
            time_bytes,
        )
    )


def row_message(row: Any) -> bytes:
    """`key_message` of a `ledger_signing_keys` row."""
    return key_message(
        row.version, row.public_key, row.data_key_id, bytes(row.wrapped), row.create_time
    )


def row_problem(row: Any) -> str | None:
    """What is wrong with a `ledger_signing_keys` row; None when its self-signature verifies."""
    if not canonical_public_key(row.public_key):
        return "its public key is not 128 lower-case hex digits"
    if row.signature is None:
        return (
            "it is not signed yet (a key from before revision 0005: the sealer signs it when it "
            "next holds the lease, e.g. at `customer-core ledger seal-now`)"
        )
    try:
        signed = primitives.sm2_verify(row.public_key, row_message(row), bytes(row.signature))
    except ValueError:
        signed = False
    return None if signed else "its self-signature does not verify"


def _unwrap(connection: Connection, keyring: Keyring, row: Any) -> SigningKey:
    data_key = keyring.data_key(connection, row.data_key_id)
    wrapped = bytes(row.wrapped)
    private = primitives.open_sealed(data_key.key, wrapped, _aad(row.version, row.public_key))
    return SigningKey(row.version, row.public_key, private.decode())


def active_key(connection: Connection, keyring: Keyring) -> SigningKey:
    """The newest signing key, unwrapped; created (version 1) on first use."""
    row = connection.execute(
        select(ledger_signing_keys).order_by(_K.version.desc()).limit(1)
    ).first()
    if row is None:
        return create_key(connection, keyring, 1)
    return _unwrap(connection, keyring, row)


def sign_unsigned(connection: Connection, keyring: Keyring) -> int:
    """Signs the rows written before revision 0005 (no `signature`) with their own keys; how many.

    A row whose private key does not unwrap is left unsigned (and logged): verification names it.
    """
    signed = 0
    unsigned = connection.execute(select(ledger_signing_keys).where(_K.signature.is_(None)))
    for row in unsigned.all():
        try:
            key = _unwrap(connection, keyring, row)
            signature = key.sign(row_message(row))
        except (CustomerCoreError, ValueError):  # a destroyed data key, a damaged row
            log.warning("ledger signing key %d cannot be unwrapped to sign it", row.version)
            continue
        result = connection.execute(
            update(ledger_signing_keys)
            .where(_K.version == row.version, _K.signature.is_(None))
            .values(signature=signature)
        )
        signed += result.rowcount
    return signed


def create_key(connection: Connection, keyring: Keyring, version: int) -> SigningKey:
    """Generates a key pair and stores it as `version` (the newest signs from then on)."""
    private, public = primitives.generate_sm2_keypair()
    data_key = keyring.data_key_for_write(connection, SCOPE, AUTH)
    wrapped = primitives.seal(data_key.key, private.encode(), _aad(version, public))
    create_time = datetime.now(UTC)
    key = SigningKey(version, public, private)
    try:
        connection.execute(
            insert(ledger_signing_keys).values(
                version=version,
                public_key=public,
                data_key_id=data_key.id,
                wrapped=wrapped,
                create_time=create_time,
                signature=key.sign(key_message(version, public, data_key.id, wrapped, create_time)),
            )
        )
    except IntegrityError as exc:  # another replica created it first: use theirs
        raise RetryTransaction("ledger signing key raced") from exc
    return key


def public_keys(connection: Connection) -> set[str]:
    """Every registered sealer public key (hex, lower case)."""
    return {str(k).lower() for k in connection.execute(select(_K.public_key)).scalars()}
