"""Verification of the sealed ledger, and inclusion proofs of single entries.

`verify` re-derives, over a range of blocks, everything the sealer asserted: block heights and
offsets follow on without gaps, each head links to the previous block's hash, its hash covers its
fields, its signature verifies under a registered sealer key, fencing tokens never decrease, every
offset names an existing entry whose hash is SM3 of its prev_hash and bytes, and the entries'
hashes give the Merkle root. With `chains`, it also walks every hash chain the range touches from
sequence 1: no gaps, each prev_hash the previous entry's hash, the entry bytes' own id, chain,
sequence and prev_hash those of the row, and offsets in sequence order. The first mismatch is named.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from google.protobuf.message import DecodeError
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from customer_core.crypto import primitives
from customer_core.errors import FailedPrecondition, InvalidArgument, NotFound
from customer_core.ledger import blocks, merkle, signing
from customer_core.ledger.chain import GENESIS
from customer_core.storage.tables import ledger_blocks, ledger_entries, ledger_offsets
from customer_core.v1 import ledger_pb2

__all__ = ["inclusion_proof", "verify"]

_E, _O, _B = ledger_entries.c, ledger_offsets.c, ledger_blocks.c
_STREAM = {"stream_results": True, "yield_per": 5000}
_CHUNK = 400


class _Failure(Exception):
    def __init__(self, message: str, *, block: int = 0, entry: str = "") -> None:
        super().__init__(message)
        self.block = block
        self.entry = entry


def _entry_failure(row: Any, problem: str) -> _Failure:
    return _Failure(
        f"entry {row.id} ({row.chain}, sequence {row.sequence}): {problem}", entry=str(row.id)
    )


def _block_failure(height: int, problem: str) -> _Failure:
    return _Failure(f"block {height}: {problem}", block=height)


def verify(
    connection: Connection,
    first_block: int = 1,
    last_block: int | None = None,
    chains: bool = False,
    *,
    trusted_keys: Collection[str] | None = None,
) -> ledger_pb2.VerifyLedgerResponse:
    """Verifies blocks `first_block`..`last_block` (default 1..the latest), and with `chains` the
    hash chains of their entries; `ok` is False and the first failure is named when one fails.

    Args:
        connection: a connection in a transaction (a consistent snapshot).
        first_block: the first height (below 1 means 1).
        last_block: the last height; None or 0 for the latest.
        chains: also recompute every chain touched, from its first entry.
        trusted_keys: the sealer public keys (hex) to accept; default those registered.

    Raises:
        InvalidArgument: the range is empty or beyond the latest block.
    """
    first = max(first_block, 1)
    latest = int(connection.execute(select(func.max(_B.height))).scalar_one() or 0)
    last = last_block or latest
    if last_block and last_block < first:
        raise InvalidArgument.field("last_block", "must not be below first_block")
    if last > latest:
        raise InvalidArgument.field("last_block", f"the latest block is {latest}")
    keys = {
        k.lower()
        for k in (trusted_keys if trusted_keys is not None else signing.public_keys(connection))
    }
    response = ledger_pb2.VerifyLedgerResponse(ok=True)
    try:
        response.entries_checked = _check_blocks(
            connection, first, last, keys, response, not chains
        )
        if chains and last >= first:
            whole = first == 1 and last == latest
            response.entries_checked = _check_chains(connection, first, last, whole)
    except _Failure as failure:
        response.ok = False
        response.first_failure = str(failure)
        response.failed_block = failure.block
        response.failed_entry = failure.entry
    return response


def _check_blocks(
    connection: Connection,
    first: int,
    last: int,
    keys: set[str],
    response: ledger_pb2.VerifyLedgerResponse,
    entry_hashes: bool,
) -> int:
    """Checks the blocks and their entries; entries checked."""
    before = connection.execute(select(ledger_blocks).where(_B.height == first - 1)).first()
    prev_hash = bytes(before.hash) if before else blocks.GENESIS
    next_offset = before.last_offset + 1 if before else 1
    min_token = before.fencing_token if before else 0
    height, entries = first, 0
    query = select(ledger_blocks).where(_B.height.between(first, last)).order_by(_B.height)
    for block in connection.execute(query).all():
        if block.height != height:
            raise _block_failure(height, "is missing")
        if block.first_offset != next_offset or block.last_offset < block.first_offset:
            raise _block_failure(
                height,
                f"offsets {block.first_offset}-{block.last_offset} do not follow on from {next_offset - 1}",
            )
        if bytes(block.prev_hash) != prev_hash:
            raise _block_failure(height, "prev_hash is not the hash of the block before")
        if block.fencing_token < min_token:
            raise _block_failure(height, f"fencing token {block.fencing_token} < {min_token}")
        try:
            computed = blocks.hash_of_row(block)
        except ValueError as exc:
            raise _block_failure(height, f"malformed head: {exc}") from None
        if computed != bytes(block.hash):
            raise _block_failure(height, "hash does not match its head")
        if block.public_key.lower() not in keys:
            raise _block_failure(height, "signed by a key that is not a registered sealer key")
        try:
            signed = primitives.sm2_verify(
                block.public_key, bytes(block.hash), bytes(block.signature)
            )
        except ValueError:
            signed = False
        if not signed:
            raise _block_failure(height, "signature does not verify")
        hashes = _block_entries(connection, block, entry_hashes)
        if merkle.root(hashes) != bytes(block.merkle_root):
            raise _block_failure(height, "Merkle root does not match its entries")
        entries += len(hashes)
        response.blocks_checked += 1
        prev_hash, next_offset = bytes(block.hash), block.last_offset + 1
        min_token, height = block.fencing_token, height + 1
    if height <= last:
        raise _block_failure(height, "is missing")
    return entries


def _block_entries(connection: Connection, block: Any, entry_hashes: bool) -> list[bytes]:
    """The entry hashes of a block in offset order, each offset and (optionally) entry checked."""
    query = (
        select(_O.offset, _O.entry_id, _O.block_height, _E.id, _E.chain, _E.sequence, _E.entry)
        .add_columns(_E.prev_hash, _E.hash)
        .select_from(ledger_offsets.outerjoin(ledger_entries, _E.id == _O.entry_id))
        .where(_O.offset.between(block.first_offset, block.last_offset))
        .order_by(_O.offset)
    )
    hashes: list[bytes] = []
    expected, sm3 = block.first_offset, primitives.sm3
    for row in connection.execute(query.execution_options(**_STREAM)):
        if row.offset != expected:
            raise _block_failure(block.height, f"offset {expected} is missing")
        if row.block_height != block.height:
            raise _block_failure(
                block.height, f"offset {expected} is assigned to block {row.block_height}"
            )
        if row.id is None:
            raise _Failure(
                f"entry {row.entry_id} (offset {row.offset}): is missing", entry=str(row.entry_id)
            )
        digest = bytes(row.hash)
        if entry_hashes and sm3(bytes(row.prev_hash) + bytes(row.entry)) != digest:
            raise _entry_failure(row, "hash does not match")
        hashes.append(digest)
        expected += 1
    if expected != block.last_offset + 1:
        raise _block_failure(block.height, f"offset {expected} is missing")
    return hashes


def _chain_rows(connection: Connection, first: int, last: int, whole: bool) -> Iterator[Any]:
    """The entries of every chain with an entry in blocks first..last, by chain and sequence."""
    columns = (_E.id, _E.chain, _E.sequence, _E.entry, _E.prev_hash, _E.hash, _O.offset)
    base = select(*columns).select_from(
        ledger_entries.outerjoin(ledger_offsets, _O.entry_id == _E.id)
    )
    if whole:
        query = base.order_by(_E.chain, _E.sequence).execution_options(**_STREAM)
        yield from connection.execute(query)
        return
    in_range = (
        select(_E.chain)
        .select_from(ledger_offsets.join(ledger_entries, _E.id == _O.entry_id))
        .join(ledger_blocks, _B.height == _O.block_height)
        .where(_B.height.between(first, last))
        .distinct()
    )
    names = sorted(connection.execute(in_range).scalars())
    for i in range(0, len(names), _CHUNK):
        query = base.where(_E.chain.in_(names[i : i + _CHUNK])).order_by(_E.chain, _E.sequence)
        yield from connection.execute(query.execution_options(**_STREAM))


def _check_chains(connection: Connection, first: int, last: int, whole: bool) -> int:
    return _walk(_chain_rows(connection, first, last, whole))


def _walk(rows: Iterable[Any]) -> int:
    """Walks chain rows ordered by (chain, sequence); entries checked."""
    chain, expected, prev_hash, last_offset, gap = "", 1, GENESIS, 0, False
    parse, sm3, checked = ledger_pb2.LedgerEntry.FromString, primitives.sm3, 0
    for row in rows:
        if row.chain != chain:
            chain, expected, prev_hash, last_offset, gap = row.chain, 1, GENESIS, 0, False
        if row.sequence != expected:
            raise _entry_failure(row, f"sequence {expected} of the chain is missing")
        body_bytes, stored_prev = bytes(row.entry), bytes(row.prev_hash)
        try:
            body = parse(body_bytes)
        except DecodeError:
            raise _entry_failure(row, "entry bytes do not parse") from None
        if body.sequence != row.sequence or body.chain != row.chain:
            raise _entry_failure(row, f"its bytes say {body.chain}, sequence {body.sequence}")
        if body.id != str(row.id):
            raise _entry_failure(row, f"its bytes say id {body.id}")
        if body.offset or body.hash:
            raise _entry_failure(row, "its bytes carry an offset or hash (not canonical)")
        if stored_prev != prev_hash or body.prev_hash != stored_prev:
            raise _entry_failure(row, "prev_hash is not the hash of the entry before")
        if sm3(stored_prev + body_bytes) != bytes(row.hash):
            raise _entry_failure(row, "hash does not match")
        if row.offset is not None:
            if gap or row.offset < last_offset:
                raise _entry_failure(row, f"offset {row.offset} comes before its predecessor's")
            last_offset = row.offset
        else:
            gap = True
        prev_hash, expected, checked = bytes(row.hash), expected + 1, checked + 1
    return checked


def inclusion_proof(connection: Connection, entry_id: uuid.UUID | str) -> ledger_pb2.InclusionProof:
    """The proof that a sealed entry is in its signed block (check it with `merkle.verify_inclusion`).

    Raises:
        InvalidArgument: `entry_id` is not a UUID.
        NotFound: no entry has this id, or it is not sealed yet.
        FailedPrecondition: its block's entries are damaged (run `verify`).
    """
    if not isinstance(entry_id, uuid.UUID):
        try:
            entry_id = uuid.UUID(entry_id)
        except ValueError:
            raise InvalidArgument.field("entry_id", "must be a UUID") from None
    row = connection.execute(
        select(_O.offset, _O.block_height, _E.entry, _E.hash)
        .select_from(ledger_offsets.join(ledger_entries, _E.id == _O.entry_id))
        .where(_O.entry_id == entry_id)
    ).first()
    if row is None:
        raise NotFound(
            "customer_core.v1.LedgerEntry",
            str(entry_id),
            f"ledger entry {entry_id} does not exist or is not sealed yet",
        )
    block = connection.execute(select(ledger_blocks).where(_B.height == row.block_height)).one()
    hashes = [
        bytes(h)
        for h in connection.execute(
            select(_E.hash)
            .select_from(ledger_offsets.join(ledger_entries, _E.id == _O.entry_id))
            .where(_O.offset.between(block.first_offset, block.last_offset))
            .order_by(_O.offset)
        ).scalars()
    ]
    if len(hashes) != block.last_offset - block.first_offset + 1:
        raise FailedPrecondition(
            f"block {block.height} has lost entries; run ledger verification",
            subject=f"ledgerBlocks/{block.height}",
            violation_type="LEDGER_DAMAGED",
        )
    entry = ledger_pb2.LedgerEntry.FromString(bytes(row.entry))
    entry.offset, entry.hash = row.offset, bytes(row.hash)
    path = merkle.audit_path(hashes, row.offset - block.first_offset)
    return ledger_pb2.InclusionProof(entry=entry, block=blocks.head_of_row(block), path=path)
