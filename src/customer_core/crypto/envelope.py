"""Envelope encryption of one value under a data key: SM4-GCM with the value's binding as AAD.

A ciphertext is `0x01 || data key id (16) || nonce (12) || ciphertext || tag (16)`: it names the
data key (and so the key's scope and version) that made it. The associated data binds it to its
customer, subject, record and field path, so it cannot be moved to another record or field.
"""

from __future__ import annotations

import uuid

from customer_core.crypto import primitives
from customer_core.crypto.keyring import DataKey

FORMAT = b"\x01"
_HEADER = 1 + 16 + 12


def encrypt(key: DataKey, plaintext: bytes, aad: bytes) -> bytes:
    """The ciphertext of `plaintext` under `key`, bound to `aad`."""
    return FORMAT + key.id.bytes + primitives.seal(key.key, plaintext, aad)


def key_id(ciphertext: bytes) -> uuid.UUID:
    """The id of the data key that made `ciphertext`."""
    if ciphertext[:1] != FORMAT or len(ciphertext) < _HEADER + 16:
        raise ValueError("not a customer-core ciphertext")
    return uuid.UUID(bytes=ciphertext[1:17])


def decrypt(key: DataKey, ciphertext: bytes, aad: bytes) -> bytes:
    """The plaintext; `primitives.IntegrityError` if the ciphertext or its binding was altered."""
    if key_id(ciphertext) != key.id:
        raise ValueError("ciphertext was made by another data key")
    return primitives.open_sealed(key.key, ciphertext[17:], aad)
