"""The data-quality engine: the stewards' queue and the trail of corrections.

`data_quality_issues` gains a status (OPEN, RESOLVED or WAIVED by a steward, SUPERSEDED by a
later version of the record; issues closed before this revision were superseded), the record's
source system (the queue and the report are per source), and who closed an issue and why.
`data_quality_changes` keeps each correction and completion the rules made to a record version:
the rule, the field, and the value as received (sealed like the record when the field is
sensitive), so a steward can see what a source system really sent. UUID keys, no sequence
(CockroachDB); the status index leads the queue's scan.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on every engine (SQLite adds and, since 3.35, drops columns in place).
    for column in (
        sa.Column("status", sa.String(16), nullable=False, server_default="OPEN"),
        sa.Column("source_system", sa.String(64), nullable=False, server_default=""),
        sa.Column("actor", sa.String(128), nullable=False, server_default=""),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
    ):
        op.add_column("data_quality_issues", column)
    op.execute(
        "UPDATE data_quality_issues SET status = 'SUPERSEDED' WHERE resolve_time IS NOT NULL"
    )
    op.create_index(
        "ix_data_quality_issues_status_create_time",
        "data_quality_issues",
        ["status", "create_time"],
    )
    op.create_table(
        "data_quality_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("field_path", sa.String(256), nullable=False),
        sa.Column("original", sa.LargeBinary(), nullable=True),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_data_quality_changes"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_data_quality_changes_customer_id_customers"
        ),
    )
    op.create_index("ix_data_quality_changes_record_id", "data_quality_changes", ["record_id"])
    op.create_index("ix_data_quality_changes_customer_id", "data_quality_changes", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_data_quality_changes_customer_id", table_name="data_quality_changes")
    op.drop_index("ix_data_quality_changes_record_id", table_name="data_quality_changes")
    op.drop_table("data_quality_changes")
    op.drop_index("ix_data_quality_issues_status_create_time", table_name="data_quality_issues")
    for name in ("comment", "actor", "source_system", "status"):
        op.drop_column("data_quality_issues", name)
