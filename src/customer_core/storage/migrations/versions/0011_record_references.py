"""The reverse-reference index: every `customer_ref` value of every record, so a link is seen from
the customer it names too (kernel.references). UUID keys, no sequence (CockroachDB); the inbound
index leads with the named customer's id, a random UUID, so it has no hot spot. References in
records stored before this revision (only `special`'s `agency_payment.payer` among the built-in
models) are indexed when their record is next written.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_references",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("field_path", sa.String(256), nullable=False),
        sa.Column("referenced_customer_id", sa.Uuid(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_references"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_record_references_customer_id_customers"
        ),
        sa.ForeignKeyConstraint(
            ["referenced_customer_id"],
            ["customers.id"],
            name="fk_record_references_referenced_customer_id_customers",
        ),
    )
    op.create_index(
        "ix_record_references_referenced_customer_id_create_time",
        "record_references",
        ["referenced_customer_id", "create_time"],
    )
    op.create_index("ix_record_references_record_id", "record_references", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_references_record_id", table_name="record_references")
    op.drop_index(
        "ix_record_references_referenced_customer_id_create_time", table_name="record_references"
    )
    op.drop_table("record_references")
