"""Hashing ledger entries into chains: `hash = SM3(prev_hash || entry)`, one chain per customer."""

from __future__ import annotations

from customer_core.crypto import primitives
from customer_core.v1 import ledger_pb2

#: The prev_hash of a chain's first entry.
GENESIS = bytes(32)


def canonical(entry: ledger_pb2.LedgerEntry) -> bytes:
    """What is hashed of an entry: everything but its offset and its own hash, deterministically."""
    body = ledger_pb2.LedgerEntry()
    body.CopyFrom(entry)
    body.ClearField("offset")
    body.ClearField("hash")
    return body.SerializeToString(deterministic=True)


def entry_hash(prev_hash: bytes, body: bytes) -> bytes:
    """SM3(prev_hash || body)."""
    return primitives.sm3(prev_hash + body)


def customer_chain(customer_number: str) -> str:
    """The chain of a customer's changes."""
    return f"customers/{customer_number}"


def system_chain(kind: str) -> str:
    """The chain of kernel-wide changes of one kind (role bindings, keys)."""
    return f"system/{kind}"
