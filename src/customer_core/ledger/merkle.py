"""The Merkle tree of a block (RFC 6962, over SM3), inclusion proofs, and their client-side check.

The leaves are the entries' hashes in offset order. With `d(0..n)` the n entry hashes:

- `MTH(one leaf d) = SM3(0x00 || d)`;
- `MTH(d(0..n)), n > 1 = SM3(0x01 || MTH(d(0..k)) || MTH(d(k..n)))`, k the largest power of two < n.

That is RFC 6962's Merkle Tree Hash with SM3 for SHA-256; the prefixes keep a leaf from ever
passing for a node. Built level by level it is the same tree: pair neighbours, and carry a lone
last node up unchanged. An inclusion path lists, from the leaf up, each sibling and whether it is
on the left; its length and sides follow from the leaf's index and the tree size alone, so a proof
cannot move an entry to another offset. An empty block has no tree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from customer_core.crypto import primitives
from customer_core.ledger import blocks
from customer_core.ledger.chain import canonical, entry_hash
from customer_core.v1 import ledger_pb2

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

__all__ = [
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "audit_path",
    "leaf_hash",
    "node_hash",
    "path_sides",
    "root",
    "root_from_path",
    "verify_inclusion",
]


def leaf_hash(entry_hash: bytes) -> bytes:
    """SM3(0x00 || entry hash)."""
    return primitives.sm3(LEAF_PREFIX + entry_hash)


def node_hash(left: bytes, right: bytes) -> bytes:
    """SM3(0x01 || left || right)."""
    return primitives.sm3(NODE_PREFIX + left + right)


def _next_level(level: list[bytes]) -> list[bytes]:
    sm3, prefix = primitives.sm3, NODE_PREFIX
    upper = [sm3(prefix + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        upper.append(level[-1])  # a lone last node goes up unchanged
    return upper


def _leaves(entry_hashes: Sequence[bytes]) -> list[bytes]:
    if not entry_hashes:
        raise ValueError("a Merkle tree needs at least one leaf")
    sm3, prefix = primitives.sm3, LEAF_PREFIX
    return [sm3(prefix + h) for h in entry_hashes]


def root(entry_hashes: Sequence[bytes]) -> bytes:
    """The Merkle root of the entry hashes, in order.

    Raises:
        ValueError: no entry hashes.
    """
    level = _leaves(entry_hashes)
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def path_sides(index: int, size: int) -> list[bool]:
    """For a leaf at `index` of a tree of `size` leaves: per path step, whether the sibling is left.

    Raises:
        ValueError: the index is not in the tree.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    sides = []
    while size > 1:
        if index % 2:
            sides.append(True)
        elif index + 1 < size:
            sides.append(False)
        # else: the lone last node, carried up without a sibling
        index, size = index // 2, (size + 1) // 2
    return sides


def audit_path(entry_hashes: Sequence[bytes], index: int) -> list[ledger_pb2.ProofStep]:
    """The path from leaf `index` up to the root: each sibling and whether it is on the left."""
    level = _leaves(entry_hashes)
    if not 0 <= index < len(level):
        raise ValueError(f"leaf {index} is not in a tree of {len(level)}")
    path = []
    while len(level) > 1:
        if index % 2:
            path.append(ledger_pb2.ProofStep(sibling=level[index - 1], left=True))
        elif index + 1 < len(level):
            path.append(ledger_pb2.ProofStep(sibling=level[index + 1], left=False))
        level, index = _next_level(level), index // 2
    return path


def root_from_path(entry_hash: bytes, path: Sequence[ledger_pb2.ProofStep]) -> bytes:
    """The root an entry hash and its path lead to."""
    node = leaf_hash(entry_hash)
    for step in path:
        node = node_hash(step.sibling, node) if step.left else node_hash(node, step.sibling)
    return node


def verify_inclusion(
    proof: ledger_pb2.InclusionProof, *, trusted_keys: Collection[str] | None = None
) -> bool:
    """Whether `proof` shows its entry in its block, checked from the proof alone.

    Checks that the entry's hash is SM3 of its prev_hash and its canonical bytes, that its offset
    lies in the block, that the path has the shape the offset and block size dictate and leads to
    the block's Merkle root, that the block's hash covers its head fields (in the current head
    format or the one before it, see `blocks`), and that the signature verifies under the block's
    public key. Pass `trusted_keys` (the sealer public keys you hold, hex) to also require that key
    to be one of them. (The fencing token is not in a proof: `ledger verify` checks it.)
    """
    try:
        entry, block = proof.entry, proof.block
        if entry.hash != entry_hash(entry.prev_hash, canonical(entry)):
            return False
        size = block.last_offset - block.first_offset + 1
        index = entry.offset - block.first_offset
        if entry.offset < 1 or [step.left for step in proof.path] != path_sides(index, size):
            return False
        if any(len(step.sibling) != 32 for step in proof.path):
            return False
        if root_from_path(entry.hash, proof.path) != block.merkle_root:
            return False
        if block.seal_time.nanos % 1000 or blocks.format_of_head(block) is None:
            return False
        if trusted_keys is not None and block.public_key.lower() not in {
            k.lower() for k in trusted_keys
        }:
            return False
        return primitives.sm2_verify(block.public_key, block.hash, block.signature)
    except ValueError:  # a malformed key, size or number: not a proof
        return False
