"""The load journal: idempotency at the grain of a batch (BatchCreateCustomers' `load_id`), one
row per line of a load that was applied or rejected, with its request's checksum.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "load_journal",
        sa.Column("load_id", sa.String(128), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("checksum", sa.LargeBinary(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("violations", sa.Text(), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("load_id", "line", name="pk_load_journal"),
    )


def downgrade() -> None:
    op.drop_table("load_journal")
