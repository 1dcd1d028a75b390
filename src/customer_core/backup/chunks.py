"""A chunk of a backup: rows of one table, compressed (zlib), then SM4-GCM-encrypted.

Stored as `nonce || ciphertext || tag`, with the backup id, table and index as additional data,
so a chunk moved to another place (another backup, table or position) does not decrypt. The
manifest holds the SM3 of the stored bytes, which `verify` checks before decrypting.
"""

from __future__ import annotations

import zlib

from customer_core.backup.manifest import BackupCorrupt
from customer_core.crypto import primitives


def _aad(backup_id: str, table: str, index: int) -> bytes:
    return f"backup-chunk|{backup_id}|{table}|{index}".encode()


def seal_chunk(key: bytes, backup_id: str, table: str, index: int, plaintext: bytes) -> bytes:
    """The stored form of a chunk's plaintext."""
    return primitives.seal(key, zlib.compress(plaintext, 6), _aad(backup_id, table, index))


def open_chunk(key: bytes, backup_id: str, table: str, index: int, stored: bytes) -> bytes:
    """The plaintext of a stored chunk.

    Raises:
        BackupCorrupt: it does not decrypt at this place, or does not decompress.
    """
    if len(stored) < primitives.NONCE_SIZE + primitives.TAG_SIZE:
        raise BackupCorrupt(f"chunk {table}/{index} is truncated")
    try:
        packed = primitives.open_sealed(key, stored, _aad(backup_id, table, index))
    except primitives.IntegrityError:
        raise BackupCorrupt(f"chunk {table}/{index} does not decrypt: altered or moved") from None
    try:
        unpacker = zlib.decompressobj()
        plaintext = unpacker.decompress(packed) + unpacker.flush()
    except zlib.error:
        raise BackupCorrupt(f"chunk {table}/{index} does not decompress") from None
    if not unpacker.eof or unpacker.unused_data:
        raise BackupCorrupt(f"chunk {table}/{index} is not one whole compressed stream")
    return plaintext


def digest(stored: bytes) -> str:
    """The SM3 (hex) of a chunk's stored bytes, as the manifest keeps it."""
    return primitives.sm3(stored).hex()
