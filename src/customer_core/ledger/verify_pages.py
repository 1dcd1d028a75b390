"""Verification of the sealed ledger in bounded parts, one part per `VerifyLedger` call.

A whole ledger is too much work for one call: `verify_part` checks, from `first_block`, at most
`max_blocks` blocks holding at most `max_entries` entries (a first block with more is checked
alone, so every call gets on), and says where the rest of the range starts. Each part is checked
by `verify.verify`, which also checks its first block against the block before it (its prev_hash,
offsets and fencing token), so the parts together check the chain of blocks as one call would.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from customer_core.errors import InvalidArgument
from customer_core.ledger.verify import verify
from customer_core.storage.tables import ledger_blocks
from customer_core.v1 import ledger_pb2

__all__ = ["part_end", "verify_part"]

_B = ledger_blocks.c


def verify_part(
    connection: Connection,
    first_block: int,
    last_block: int,
    chains: bool,
    *,
    max_blocks: int,
    max_entries: int,
) -> ledger_pb2.VerifyLedgerResponse:
    """Verifies the first part of blocks `first_block`..`last_block` (0: the latest).

    The response's `next_block` is where the rest of the range starts (0 when the range is done
    or a failure was found) and `last_block` the range's last block, resolved.

    Raises:
        InvalidArgument: `last_block` is below `first_block` or beyond the latest block.
    """
    first = max(first_block, 1)
    latest = int(connection.execute(select(func.max(_B.height))).scalar_one() or 0)
    if last_block and last_block < first:
        raise InvalidArgument.field("last_block", "must not be below first_block")
    if last_block > latest:
        raise InvalidArgument.field("last_block", f"the latest block is {latest}")
    last = last_block or latest
    if first > last:  # nothing (left) to check
        return ledger_pb2.VerifyLedgerResponse(ok=True, last_block=last)
    end = part_end(connection, first, last, max_blocks=max_blocks, max_entries=max_entries)
    response = verify(connection, first, end, chains)
    response.last_block = last
    if response.ok and end < last:
        response.next_block = end + 1
    return response


def part_end(
    connection: Connection, first: int, last: int, *, max_blocks: int, max_entries: int
) -> int:
    """The last height of the part from `first`: at most `max_blocks` blocks up to `last`, and
    no more entries than `max_entries` unless the first block alone has more.

    The sizes are the block heads' own (their offsets); a head that lies about them fails its
    own check, whatever part it ends up in.
    """
    upto = min(last, first + max(max_blocks, 1) - 1)
    sizes = connection.execute(
        select(_B.height, _B.last_offset - _B.first_offset + 1)
        .where(_B.height.between(first, upto))
        .order_by(_B.height)
    ).all()
    end, entries = first, 0
    for height, size in sizes:
        entries += max(int(size), 1)
        if entries > max_entries and height > first:
            break
        end = height
    # A height missing among the heads is named by the part it falls in or, past `end`, the next.
    return end
