"""Verification of the sealed ledger, and inclusion proofs of single entries.

`verify` re-derives, over a range of blocks, everything the sealer asserted, so that no column of
a ledger table can change unnoticed:

- `ledger_signing_keys`: every row's self-signature verifies under its own public key (all its
  columns, `signing.key_message`); a row without one (registered before revision 0005 and not yet
  signed by the sealer) fails, naming its version.
- `ledger_blocks`: heights and offsets follow on without gaps, each head links to the previous
  block's hash, its hash covers height, offsets, Merkle root, prev_hash and seal time (in the
  current head format, or the older one only below every current-format block), its signature
  verifies under a registered sealer key given in canonical form, fencing tokens never decrease
  and each is signed (`token_signature`) or, in a current-format block, repeats the previous
  block's (`ledger.blocks`).
- `ledger_offsets`: each offset of a block, in order, is assigned to that block and names an
  existing entry, and the entries' hashes in offset order give the Merkle root.
- `ledger_entries`: each entry's hash is SM3 of its prev_hash and bytes, and every other column is
  the one its bytes state: id, chain, sequence, prev_hash, time (to the microsecond),
  source_system, and customer_id, whose customer's number must be the bytes' `customer` (no
  customer_id when the bytes name none).

Without `chains` the entry checks are made on the entries the blocks name; with `chains` they are
made while walking every hash chain the range touches from sequence 1 (sealed and not yet sealed
entries): no gaps, each prev_hash the previous entry's hash, and offsets in sequence order; and
every operation met (a change spanning several chains, `recorder.operation`) has the same chains
named by all its entries and an entry on each of those chains that was walked. The first mismatch
is named: the entry's id (and the operation it is a member of), the block's height, or the key's
version.
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
from customer_core.storage.tables import (
    customers,
    ledger_blocks,
    ledger_entries,
    ledger_offsets,
    ledger_signing_keys,
)
from customer_core.v1 import ledger_pb2

__all__ = ["inclusion_proof", "verify"]

_E, _O, _B, _C = ledger_entries.c, ledger_offsets.c, ledger_blocks.c, customers.c
#: The entry columns checked against its bytes, and its customer's number (outer join).
_ENTRY_COLUMNS = (
    _E.id, _E.chain, _E.sequence, _E.time, _E.customer_id, _E.source_system, _E.entry,
    _E.prev_hash, _E.hash, _C.customer_number,
)  # fmt: skip
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
    response = ledger_pb2.VerifyLedgerResponse(ok=True)
    try:
        registered = _check_keys(connection)
        keys = {k.lower() for k in (trusted_keys if trusted_keys is not None else registered)}
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


def _check_keys(connection: Connection) -> set[str]:
    """Checks every signing key row's self-signature; the registered public keys."""
    keys: set[str] = set()
    query = select(ledger_signing_keys).order_by(ledger_signing_keys.c.version)
    for row in connection.execute(query):
        problem = signing.row_problem(row)
        if problem is not None:
            raise _Failure(f"ledger signing key version {row.version}: {problem}")
        keys.add(row.public_key)
    return keys


def _check_token(block: Any, format_: int, previous: tuple[int | None, int] | None) -> None:
    """Checks a block's fencing token is signed, or repeats the previous current-format block's."""
    token_signature = block.token_signature
    if format_ == blocks.LEGACY:
        if previous is not None and previous[0] == blocks.CURRENT:
            raise _block_failure(
                block.height, "its head is in the older format, after a block in the current one"
            )
        if token_signature is not None:
            raise _block_failure(block.height, "an older-format head has a token_signature")
        return
    if token_signature is None:
        raise _block_failure(block.height, "a current-format head has no token_signature")
    if token_signature:
        try:
            message = blocks.token_message(bytes(block.hash), block.fencing_token)
            signed = primitives.sm2_verify(block.public_key, message, bytes(token_signature))
        except ValueError:
            signed = False
        if not signed:
            raise _block_failure(block.height, "fencing token signature does not verify")
    elif previous is None or previous != (blocks.CURRENT, block.fencing_token):
        raise _block_failure(
            block.height,
            f"fencing token {block.fencing_token} is not signed and not the previous block's",
        )


def _format(block: Any) -> int:
    try:
        format_ = blocks.format_of_row(block)
    except ValueError as exc:
        raise _block_failure(block.height, f"malformed head: {exc}") from None
    if format_ is None:
        raise _block_failure(block.height, "hash does not match its head")
    return format_


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
    # (format, fencing token) of the block before; a range trusts the block below it.
    previous: tuple[int | None, int] | None = None
    if before is not None:
        try:
            previous = (blocks.format_of_row(before), before.fencing_token)
        except ValueError:
            previous = (None, before.fencing_token)
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
        format_ = _format(block)
        if not signing.canonical_public_key(block.public_key):
            raise _block_failure(height, "public key is not 128 lower-case hex digits")
        if block.public_key not in keys:
            raise _block_failure(height, "signed by a key that is not a registered sealer key")
        try:
            signed = primitives.sm2_verify(
                block.public_key, bytes(block.hash), bytes(block.signature)
            )
        except ValueError:
            signed = False
        if not signed:
            raise _block_failure(height, "signature does not verify")
        _check_token(block, format_, previous)
        hashes, damaged = _block_entries(connection, block, entry_hashes)
        if merkle.root(hashes) != bytes(block.merkle_root):
            raise _block_failure(height, "Merkle root does not match its entries")
        if damaged is not None:  # an entry that disagrees with itself, under the right hash
            raise damaged
        entries += len(hashes)
        response.blocks_checked += 1
        prev_hash, next_offset = bytes(block.hash), block.last_offset + 1
        min_token, height = block.fencing_token, height + 1
        previous = (format_, block.fencing_token)
    if height <= last:
        raise _block_failure(height, "is missing")
    return entries


def _with_customers(source: Any) -> Any:
    return source.outerjoin(customers, _C.id == _E.customer_id)


def _column_problem(row: Any, body: ledger_pb2.LedgerEntry) -> str | None:
    """Which column of an entry row is not what its (parsed) bytes state; None if all are."""
    if body.sequence != row.sequence or body.chain != row.chain:
        return f"its bytes say {body.chain}, sequence {body.sequence}"
    if body.id != str(row.id):
        return f"its bytes say id {body.id}"
    if body.offset or body.hash:
        return "its bytes carry an offset or hash (not canonical)"
    if body.prev_hash != bytes(row.prev_hash):
        return "prev_hash is not the one its bytes state"
    return _denormalized_problem(row, body)


def _denormalized_problem(row: Any, body: ledger_pb2.LedgerEntry) -> str | None:
    """Which of the columns readers select and filter on (time, source_system, customer_id) is
    not what the entry's bytes state; None if all are."""
    if body.time.nanos % 1000 or body.time.ToMicroseconds() != blocks.micros(row.time):
        return f"time {row.time.isoformat()} is not {body.time.ToJsonString()}, its bytes' time"
    if body.source_system != row.source_system:
        return f"source_system {row.source_system!r} is not its bytes' {body.source_system!r}"
    if row.customer_id is None:
        if body.customer:
            return f"it has no customer_id but its bytes name {body.customer}"
    elif row.customer_number is None:
        return f"customer_id {row.customer_id} is no customer's"
    elif body.customer != f"customers/{row.customer_number}":
        return (
            f"customer_id {row.customer_id} is customers/{row.customer_number}'s, "
            f"its bytes name {body.customer or 'no customer'}"
        )
    return None


def _block_entries(
    connection: Connection, block: Any, check_entries: bool
) -> tuple[list[bytes], _Failure | None]:
    """The entry hashes of a block in offset order, each offset checked, and (if `check_entries`)
    the first entry that does not check: named after the Merkle root, which a rehashed entry
    breaks first."""
    query = (
        select(_O.offset, _O.entry_id, _O.block_height, *_ENTRY_COLUMNS)
        .select_from(
            _with_customers(ledger_offsets.outerjoin(ledger_entries, _E.id == _O.entry_id))
        )
        .where(_O.offset.between(block.first_offset, block.last_offset))
        .order_by(_O.offset)
    )
    hashes: list[bytes] = []
    damaged: _Failure | None = None
    expected, sm3, parse = block.first_offset, primitives.sm3, ledger_pb2.LedgerEntry.FromString
    for row in connection.execute(query.execution_options(**_STREAM)):
        if row.offset != expected:
            raise _block_failure(block.height, f"offset {expected} is missing")
        if row.block_height != block.height:
            raise _block_failure(
                block.height, f"offset {expected} is assigned to block {row.block_height}"
            )
        if row.id is None:
            raise _Failure(
                f"entry {row.entry_id} (offset {row.offset}, block {block.height}): is missing",
                block=block.height,
                entry=str(row.entry_id),
            )
        digest = bytes(row.hash)
        if check_entries and damaged is None:
            body_bytes = bytes(row.entry)
            if sm3(bytes(row.prev_hash) + body_bytes) != digest:
                problem: str | None = "hash does not match"
            else:
                try:
                    problem = _column_problem(row, parse(body_bytes))
                except DecodeError:
                    problem = "entry bytes do not parse"
            if problem is not None:
                damaged = _entry_failure(row, problem)
        hashes.append(digest)
        expected += 1
    if expected != block.last_offset + 1:
        raise _block_failure(block.height, f"offset {expected} is missing")
    return hashes, damaged


def _chain_rows(connection: Connection, first: int, last: int, whole: bool) -> Iterator[Any]:
    """The entries of every chain with an entry in blocks first..last, by chain and sequence."""
    base = select(*_ENTRY_COLUMNS, _O.offset).select_from(
        _with_customers(ledger_entries.outerjoin(ledger_offsets, _O.entry_id == _E.id))
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
    return _walk(_chain_rows(connection, first, last, whole), whole)


def _walk(rows: Iterable[Any], whole: bool = True) -> int:
    """Walks chain rows ordered by (chain, sequence), then checks the operations met; entries
    checked."""
    chain, expected, prev_hash, last_offset, gap = "", 1, GENESIS, 0, False
    parse, sm3, checked = ledger_pb2.LedgerEntry.FromString, primitives.sm3, 0
    operations = _Operations(whole)
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
            raise _member_failure(
                row, body, f"its bytes say {body.chain}, sequence {body.sequence}"
            )
        if body.id != str(row.id):
            raise _member_failure(row, body, f"its bytes say id {body.id}")
        if body.offset or body.hash:
            raise _member_failure(row, body, "its bytes carry an offset or hash (not canonical)")
        if stored_prev != prev_hash or body.prev_hash != stored_prev:
            raise _member_failure(row, body, "prev_hash is not the hash of the entry before")
        if sm3(stored_prev + body_bytes) != bytes(row.hash):
            raise _member_failure(row, body, "hash does not match")
        operations.add(row, body)
        problem = _denormalized_problem(row, body)
        if problem is not None:
            raise _member_failure(row, body, problem)
        if row.offset is not None:
            if gap or row.offset < last_offset:
                raise _member_failure(
                    row, body, f"offset {row.offset} comes before its predecessor's"
                )
            last_offset = row.offset
        else:
            gap = True
        prev_hash, expected, checked = bytes(row.hash), expected + 1, checked + 1
    operations.check()
    return checked


def _member_failure(row: Any, body: ledger_pb2.LedgerEntry, problem: str) -> _Failure:
    """An entry's failure, naming the operation its bytes say it is a member of (if any)."""
    if body.operation_id:
        chains = ", ".join(body.operation_chains)
        problem += f" (a member of operation {body.operation_id}, on {chains})"
    return _entry_failure(row, problem)


class _Operations:
    """The operations met while walking chains: every entry of one names the same chains, and
    each of those chains holds an entry of it: every chain when the whole ledger is walked, else
    each chain that was walked (from sequence 1)."""

    def __init__(self, whole: bool) -> None:
        self.whole = whole
        self.chains: dict[str, tuple[str, ...]] = {}
        self.first: dict[str, Any] = {}
        self.seen: dict[str, set[str]] = {}
        self.walked: set[str] = set()

    def add(self, row: Any, body: ledger_pb2.LedgerEntry) -> None:
        self.walked.add(row.chain)
        op = body.operation_id
        if not op:
            return
        named = tuple(body.operation_chains)
        if row.chain not in named:
            raise _entry_failure(row, f"its operation {op} does not name its chain")
        if self.chains.setdefault(op, named) != named:
            raise _entry_failure(
                row, f"its operation {op} names {', '.join(named)}, another member of it "
                f"{', '.join(self.chains[op])}",
            )  # fmt: skip
        self.first.setdefault(op, row)
        self.seen.setdefault(op, set()).add(row.chain)

    def check(self) -> None:
        for op, named in self.chains.items():
            missing = [
                c for c in named if (self.whole or c in self.walked) and c not in self.seen[op]
            ]
            if missing:
                row = self.first[op]
                raise _Failure(
                    f"operation {op} (on {', '.join(named)}): {missing[0]} has no entry of it "
                    f"(a member is missing; entry {row.id} on {row.chain} is one of it)",
                    entry=str(row.id),
                )


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
