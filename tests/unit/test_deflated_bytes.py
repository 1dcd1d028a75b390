"""Ledger entries are stored deflated against a preset dictionary: what is read back is exactly
what was hashed, entries stored before compression read as they are, and damage is reported."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import sqlite

from customer_core.storage.types import DEFLATED, DeflatedBytes, deflate, inflate
from customer_core.v1 import ledger_pb2

ENTRY = ledger_pb2.LedgerEntry(
    id="5d1f2e0a-8f7e-4a53-9d0e-2b7c1f3a9e10",
    chain="customers/156954605071913084",
    sequence=3,
    principal="teller-01",
    method="/customer_core.v1.CustomerService/CreateSubjectRecord",
    customer="customers/156954605071913084",
    subject="contact",
    resource="customers/156954605071913084/records/0b9f6c1e-4c3a-4d2b-8e1f-7a6b5c4d3e2f",
    action=ledger_pb2.CHANGE_ACTION_CREATE,
    after=b"type.googleapis.com/customer_core_contact.v1.ContactPoint" + bytes(40),
    prev_hash=bytes(32),
).SerializeToString(deterministic=True)


def test_what_is_read_back_is_exactly_what_was_hashed_and_smaller() -> None:
    stored = deflate(ENTRY)
    assert stored[:1] == DEFLATED and len(stored) < len(ENTRY) * 0.7
    assert inflate(stored) == ENTRY
    assert deflate(stored) == stored  # already deflated: as it is


def test_entries_stored_before_compression_read_as_they_are() -> None:
    assert ENTRY[:1] != DEFLATED  # a serialized message never starts with the marker
    assert inflate(ENTRY) == ENTRY


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s[:-3],  # truncated
        lambda s: s + b"\x01\x02",  # followed by other bytes
        lambda s: s[:1] + b"\x7f" + s[2:],  # an unknown dictionary
        lambda s: s[:1],  # nothing after the marker
    ],
)
def test_damaged_values_are_refused_and_the_column_reads_them_raw(damage) -> None:  # type: ignore[no-untyped-def]
    damaged = damage(deflate(ENTRY))
    with pytest.raises(ValueError):
        inflate(damaged)
    column = DeflatedBytes()
    assert (
        column.process_result_value(damaged, sqlite.dialect()) == damaged
    )  # verification names it
    assert column.process_result_value(deflate(ENTRY), sqlite.dialect()) == ENTRY
