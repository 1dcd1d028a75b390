"""Block heads: exactly what a block's hash and signatures cover, and a stored block as a `BlockHead`.

`hash = SM3(0x03 || height || first_offset || last_offset || merkle_root || prev_hash || seal_time)`
with the three offsets/heights as unsigned 64-bit big-endian integers, the two hashes as their 32
bytes and the seal time as signed 64-bit big-endian microseconds since the Unix epoch (UTC). The
prefix keeps a head apart from the Merkle tree's leaves (0x00) and nodes (0x01), and says the
head's format. The sealer signs the 32-byte hash with SM2 (`sm2_sign`: SM3(Z || hash), default
user id): that signature is what an inclusion proof carries and checks.

The fencing token is the sealer's, not the block's, so it is not in the head a client checks (the
contract's `BlockHead` has no such field); it is signed beside it. In a 0x03 head the sealer also
signs `0x04 || hash || fencing_token` (the token signed 64-bit big-endian), stored as
`token_signature`, in the first block of its lease term (whenever the token differs from the
previous block's, and in the first 0x03 block); the term's later blocks carry an empty
`token_signature` and must repeat the previous block's token. So a block's token is always the
one its term's first block signed, and every column of a block is covered.

Blocks sealed before revision 0005 have 0x02 heads (`LEGACY_PREFIX`): the same fields, their token
not signed and `token_signature` NULL. They verify only below every 0x03 block: once a block of
the current format is seen, an older-format one after it is a failure, never a downgrade.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import Any

from customer_core.crypto import primitives
from customer_core.v1 import ledger_pb2

#: The prev_hash of block 1.
GENESIS = bytes(32)
#: The head prefix of blocks sealed now: their fencing token is signed (`token_message`).
HEAD_PREFIX = b"\x03"
#: The head prefix of blocks sealed before revision 0005: the fencing token was not signed.
LEGACY_PREFIX = b"\x02"
#: What a fencing-token signature signs starts with this.
TOKEN_PREFIX = b"\x04"
#: Head formats, by prefix.
CURRENT, LEGACY = 3, 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEAD = struct.Struct(">QQQ")
_TIME = struct.Struct(">q")


def micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def head_hash(
    height: int,
    first_offset: int,
    last_offset: int,
    merkle_root: bytes,
    prev_hash: bytes,
    seal_time_micros: int,
    *,
    prefix: bytes = HEAD_PREFIX,
) -> bytes:
    """The hash of a block head (see the module docstring); `prefix` picks the format.

    Raises:
        ValueError: a hash is not 32 bytes, or a number is out of range.
    """
    if len(merkle_root) != 32 or len(prev_hash) != 32:
        raise ValueError("merkle_root and prev_hash must be 32 bytes")
    try:
        numbers = _HEAD.pack(height, first_offset, last_offset)
        time = _TIME.pack(seal_time_micros)
    except struct.error as exc:
        raise ValueError(f"block head number out of range: {exc}") from None
    return primitives.sm3(prefix + numbers + merkle_root + prev_hash + time)


def head_format(
    stored_hash: bytes,
    height: int,
    first_offset: int,
    last_offset: int,
    merkle_root: bytes,
    prev_hash: bytes,
    seal_time_micros: int,
) -> int | None:
    """`CURRENT` or `LEGACY`: the format whose hash of these fields is `stored_hash`; None if neither.

    Raises:
        ValueError: as `head_hash`.
    """
    fields = (height, first_offset, last_offset, merkle_root, prev_hash, seal_time_micros)
    if head_hash(*fields) == stored_hash:
        return CURRENT
    if head_hash(*fields, prefix=LEGACY_PREFIX) == stored_hash:
        return LEGACY
    return None


def token_message(block_hash: bytes, fencing_token: int) -> bytes:
    """What a block's fencing-token signature signs: `0x04 || hash || fencing_token`.

    Raises:
        ValueError: the token is out of range.
    """
    try:
        return TOKEN_PREFIX + block_hash + _TIME.pack(fencing_token)
    except struct.error as exc:
        raise ValueError(f"fencing token out of range: {exc}") from None


def hash_of_head(head: ledger_pb2.BlockHead) -> bytes:
    """The hash a `BlockHead`'s fields give in the current format."""
    return head_hash(
        head.height,
        head.first_offset,
        head.last_offset,
        head.merkle_root,
        head.prev_hash,
        head.seal_time.ToMicroseconds(),
    )


def format_of_head(head: ledger_pb2.BlockHead) -> int | None:
    """The format in which a `BlockHead`'s fields give its `hash`; None if in none.

    Raises:
        ValueError: as `head_hash`.
    """
    return head_format(
        head.hash,
        head.height,
        head.first_offset,
        head.last_offset,
        head.merkle_root,
        head.prev_hash,
        head.seal_time.ToMicroseconds(),
    )


def hash_of_row(row: Any) -> bytes:
    """The hash a `ledger_blocks` row's fields give in the current format."""
    return head_hash(
        row.height,
        row.first_offset,
        row.last_offset,
        bytes(row.merkle_root),
        bytes(row.prev_hash),
        micros(row.sealed_at),
    )


def format_of_row(row: Any) -> int | None:
    """The format in which a `ledger_blocks` row's fields give its `hash`; None if in none.

    Raises:
        ValueError: as `head_hash`.
    """
    return head_format(
        bytes(row.hash),
        row.height,
        row.first_offset,
        row.last_offset,
        bytes(row.merkle_root),
        bytes(row.prev_hash),
        micros(row.sealed_at),
    )


def head_of_row(row: Any) -> ledger_pb2.BlockHead:
    """A `ledger_blocks` row as the contract's `BlockHead`."""
    head = ledger_pb2.BlockHead(
        height=row.height,
        first_offset=row.first_offset,
        last_offset=row.last_offset,
        merkle_root=bytes(row.merkle_root),
        prev_hash=bytes(row.prev_hash),
        hash=bytes(row.hash),
        signature=bytes(row.signature),
        public_key=row.public_key,
    )
    head.seal_time.FromMicroseconds(micros(row.sealed_at))
    return head
