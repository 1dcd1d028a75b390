"""Relationship discovery (kernel.matching.relationships): the links the end-of-day job proposes
to stewards. UUID keys, no sequence (CockroachDB).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _customer_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["customers.id"], name=f"fk_relationship_proposals_{column}_customers"
    )


def upgrade() -> None:
    op.create_table(
        "relationship_proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("counterparty_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False, server_default=""),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False, server_default=""),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_relationship_proposals"),
        sa.UniqueConstraint(
            "owner_id",
            "counterparty_id",
            "kind",
            name="uq_relationship_proposals_owner_id_counterparty_id_kind",
        ),
        _customer_fk("owner_id"),
        _customer_fk("counterparty_id"),
    )
    op.create_index(
        "ix_relationship_proposals_status_create_time",
        "relationship_proposals",
        ["status", "create_time"],
    )
    op.create_index(
        "ix_relationship_proposals_counterparty_id", "relationship_proposals", ["counterparty_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_relationship_proposals_counterparty_id", table_name="relationship_proposals")
    op.drop_index(
        "ix_relationship_proposals_status_create_time", table_name="relationship_proposals"
    )
    op.drop_table("relationship_proposals")
