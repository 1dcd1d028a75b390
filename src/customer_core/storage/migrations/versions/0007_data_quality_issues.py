"""Data-quality issues: the warnings of plugins' rules, kept with the record version that raised
them (kernel.quality), for the data stewards' queue.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_quality_issues",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("field_path", sa.String(256), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("resolve_time", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_data_quality_issues"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_data_quality_issues_customer_id_customers"
        ),
    )
    op.create_index("ix_data_quality_issues_record_id", "data_quality_issues", ["record_id"])
    op.create_index("ix_data_quality_issues_customer_id", "data_quality_issues", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_data_quality_issues_customer_id", table_name="data_quality_issues")
    op.drop_index("ix_data_quality_issues_record_id", table_name="data_quality_issues")
    op.drop_table("data_quality_issues")
