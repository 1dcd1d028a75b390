"""The append-only change ledger: entries in per-customer hash chains, sealed blocks, leases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = ("ledger_entries", "ledger_offsets", "ledger_blocks")


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("chain", sa.String(80), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("source_system", sa.String(32), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.UniqueConstraint("chain", "sequence", name="uq_ledger_entries_chain_sequence"),
    )
    op.create_index("ix_ledger_entries_customer_id_time", "ledger_entries", ["customer_id", "time"])
    if dialect == "cockroachdb":
        op.execute("CREATE INDEX ix_ledger_entries_time ON ledger_entries (time) USING HASH")
    else:
        op.create_index("ix_ledger_entries_time", "ledger_entries", ["time"])
    op.create_table(
        "ledger_offsets",
        sa.Column("offset", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("block_height", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("offset", name="pk_ledger_offsets"),
        sa.UniqueConstraint("entry_id", name="uq_ledger_offsets_entry_id"),
    )
    op.create_table(
        "ledger_blocks",
        sa.Column("height", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_offset", sa.BigInteger(), nullable=False),
        sa.Column("last_offset", sa.BigInteger(), nullable=False),
        sa.Column("merkle_root", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.String(130), nullable=False),
        sa.Column("fencing_token", sa.BigInteger(), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("height", name="pk_ledger_blocks"),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leases"),
    )
    security = importlib.import_module("customer_core.storage.migrations.versions.0002_security")
    security.append_only(dialect, APPEND_ONLY)


def downgrade() -> None:
    for table in ("leases", "ledger_blocks", "ledger_offsets", "ledger_entries"):
        op.drop_table(table)
