"""Identification and consolidation (kernel.matching): match keys, merges and the similar-customer
list. UUID keys, no sequence (CockroachDB). Customers stored before this revision get their match
keys from the end-of-day consolidation job (`customer-core match consolidate`), which rebuilds
them, or when a match key of theirs is next written.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _customer_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["customers.id"], name=f"fk_{table}_{column}_customers"
    )


def upgrade() -> None:
    op.create_table(
        "match_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_match_keys"),
        _customer_fk("match_keys", "customer_id"),
    )
    op.create_index("ix_match_keys_digest", "match_keys", ["digest"])
    op.create_index("ix_match_keys_customer_id", "match_keys", ["customer_id"])
    op.create_table(
        "merges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("loser_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("operation", sa.String(36), nullable=False),
        sa.Column("plan", sa.LargeBinary(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("unmerge_time", UTCDateTime(), nullable=True),
        sa.Column("unmerge_actor", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_merges"),
        _customer_fk("merges", "survivor_id"),
        _customer_fk("merges", "loser_id"),
    )
    op.create_index("ix_merges_survivor_id", "merges", ["survivor_id"])
    op.create_index("ix_merges_loser_id", "merges", ["loser_id"])
    op.create_table(
        "match_candidates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_a", sa.Uuid(), nullable=False),
        sa.Column("customer_b", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("agreed", sa.Text(), nullable=False),
        sa.Column("differed", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("keys_fingerprint", sa.String(64), nullable=False, server_default=""),
        sa.Column("actor", sa.String(128), nullable=False, server_default=""),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_match_candidates"),
        sa.UniqueConstraint(
            "customer_a", "customer_b", name="uq_match_candidates_customer_a_customer_b"
        ),
        _customer_fk("match_candidates", "customer_a"),
        _customer_fk("match_candidates", "customer_b"),
    )
    op.create_index(
        "ix_match_candidates_status_tier_create_time",
        "match_candidates",
        ["status", "tier", "create_time"],
    )
    op.create_index("ix_match_candidates_customer_b", "match_candidates", ["customer_b"])


def downgrade() -> None:
    op.drop_index("ix_match_candidates_customer_b", table_name="match_candidates")
    op.drop_index("ix_match_candidates_status_tier_create_time", table_name="match_candidates")
    op.drop_table("match_candidates")
    op.drop_index("ix_merges_loser_id", table_name="merges")
    op.drop_index("ix_merges_survivor_id", table_name="merges")
    op.drop_table("merges")
    op.drop_index("ix_match_keys_customer_id", table_name="match_keys")
    op.drop_index("ix_match_keys_digest", table_name="match_keys")
    op.drop_table("match_keys")
