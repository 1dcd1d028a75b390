"""Block heads: exactly what a block's hash covers, and a stored block as a `BlockHead`.

`hash = SM3(0x02 || height || first_offset || last_offset || merkle_root || prev_hash || seal_time)`
with the three offsets/heights as unsigned 64-bit big-endian integers, the two hashes as their 32
bytes and the seal time as signed 64-bit big-endian microseconds since the Unix epoch (UTC). The
prefix 0x02 keeps a head apart from the Merkle tree's leaves (0x00) and nodes (0x01). The sealer
signs the 32-byte hash with SM2 (`sm2_sign`: SM3(Z || hash), default user id). The fencing token
is stored beside the head but not hashed: it is the sealer's, not the block's, and verification
checks it never decreases.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import Any

from customer_core.crypto import primitives
from customer_core.v1 import ledger_pb2

#: The prev_hash of block 1.
GENESIS = bytes(32)
HEAD_PREFIX = b"\x02"
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
) -> bytes:
    """The hash of a block head (see the module docstring).

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
    return primitives.sm3(HEAD_PREFIX + numbers + merkle_root + prev_hash + time)


def hash_of_head(head: ledger_pb2.BlockHead) -> bytes:
    """The hash a `BlockHead`'s fields give (to compare with its `hash`)."""
    return head_hash(
        head.height,
        head.first_offset,
        head.last_offset,
        head.merkle_root,
        head.prev_hash,
        head.seal_time.ToMicroseconds(),
    )


def hash_of_row(row: Any) -> bytes:
    """The hash a `ledger_blocks` row's fields give."""
    return head_hash(
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
