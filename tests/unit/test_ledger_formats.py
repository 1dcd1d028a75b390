"""Block head formats, fencing-token messages and signing-key row signatures, byte for byte."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from customer_core.crypto import primitives
from customer_core.ledger import blocks, merkle, signing
from customer_core.ledger.chain import GENESIS, canonical, entry_hash
from customer_core.v1 import ledger_pb2

KEY = primitives.generate_sm2_keypair()
FIELDS = (7, 41, 41, bytes(range(32)), bytes(32), 1_795_000_000_000_000)


def test_the_two_head_formats_hash_the_same_fields_under_their_own_prefix() -> None:
    current = blocks.head_hash(*FIELDS)
    legacy = blocks.head_hash(*FIELDS, prefix=blocks.LEGACY_PREFIX)
    assert current != legacy
    assert current == primitives.sm3(
        b"\x03" + (7).to_bytes(8, "big") + (41).to_bytes(8, "big") * 2 + FIELDS[3] + FIELDS[4]
        + FIELDS[5].to_bytes(8, "big")
    )  # fmt: skip
    assert blocks.head_format(current, *FIELDS) == blocks.CURRENT
    assert blocks.head_format(legacy, *FIELDS) == blocks.LEGACY
    # Another prefix (a Merkle node's, say) is neither.
    assert blocks.head_format(blocks.head_hash(*FIELDS, prefix=b"\x01"), *FIELDS) is None


def test_a_fencing_token_message_binds_the_block_hash_and_the_token() -> None:
    digest = blocks.head_hash(*FIELDS)
    message = blocks.token_message(digest, 5)
    assert message == b"\x04" + digest + (5).to_bytes(8, "big")
    assert blocks.token_message(digest, 6) != message
    with pytest.raises(ValueError):
        blocks.token_message(digest, 2**63)


def proof(prefix: bytes) -> ledger_pb2.InclusionProof:
    entry = ledger_pb2.LedgerEntry(
        id=str(uuid.uuid4()), chain="system/keys", sequence=1, prev_hash=GENESIS, offset=41
    )
    entry.hash = entry_hash(GENESIS, canonical(entry))
    head = ledger_pb2.BlockHead(
        height=7, first_offset=41, last_offset=41, merkle_root=merkle.root([entry.hash]),
        prev_hash=bytes(32), public_key=KEY[1],
    )  # fmt: skip
    head.seal_time.FromMicroseconds(FIELDS[5])
    head.hash = blocks.head_hash(
        7, 41, 41, head.merkle_root, head.prev_hash, FIELDS[5], prefix=prefix
    )
    head.signature = primitives.sm2_sign(KEY[0], KEY[1], head.hash)
    return ledger_pb2.InclusionProof(entry=entry, block=head)


@pytest.mark.parametrize("prefix", [blocks.HEAD_PREFIX, blocks.LEGACY_PREFIX])
def test_a_client_checks_a_proof_of_either_format(prefix: bytes) -> None:
    assert merkle.verify_inclusion(proof(prefix), trusted_keys={KEY[1]})


def test_a_proof_whose_head_is_in_neither_format_fails() -> None:
    assert not merkle.verify_inclusion(proof(b"\x01"))


def key_row(**changes: Any) -> SimpleNamespace:
    private, public = KEY
    values: dict[str, Any] = {
        "version": 3, "public_key": public, "data_key_id": uuid.uuid4(), "wrapped": b"wrapped key",
        "create_time": datetime(2026, 12, 2, 8, 0, 0, 123456, tzinfo=UTC),
    }  # fmt: skip
    message = signing.key_message(**values)
    values["signature"] = primitives.sm2_sign(private, public, message)
    values.update(changes)
    return SimpleNamespace(**values)


def test_a_signed_key_row_checks() -> None:
    assert signing.row_problem(key_row()) is None


@pytest.mark.parametrize(
    "column",
    ["version", "public_key", "data_key_id", "wrapped", "create_time", "signature"],
)
def test_a_key_row_with_any_column_changed_fails(column: str) -> None:
    row = key_row()
    changed: Any = {
        "version": row.version + 1,
        "public_key": primitives.generate_sm2_keypair()[1],
        "data_key_id": uuid.uuid4(),
        "wrapped": row.wrapped + b"!",
        "create_time": row.create_time + timedelta(microseconds=1),
        "signature": bytes(64),
    }[column]
    assert signing.row_problem(key_row(**{column: changed})) is not None


def test_a_key_row_without_a_signature_or_in_another_spelling_fails() -> None:
    assert "not signed yet" in (signing.row_problem(key_row(signature=None)) or "")
    row = key_row()
    assert "lower-case hex" in (
        signing.row_problem(key_row(public_key=row.public_key.upper())) or ""
    )
    assert "lower-case hex" in (
        signing.row_problem(key_row(public_key="04" + row.public_key)) or ""
    )
