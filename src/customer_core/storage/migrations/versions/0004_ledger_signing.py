"""The ledger sealer's SM2 signing keys, their private halves wrapped by the keyring.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("ledger_signing_keys",)


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.create_table(
        "ledger_signing_keys",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("public_key", sa.String(130), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_ledger_signing_keys"),
        sa.UniqueConstraint("public_key", name="uq_ledger_signing_keys_public_key"),
    )
    security = importlib.import_module("customer_core.storage.migrations.versions.0002_security")
    security.append_only(dialect, APPEND_ONLY)


def downgrade() -> None:
    op.drop_table("ledger_signing_keys")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_signing_keys_append_only()")
