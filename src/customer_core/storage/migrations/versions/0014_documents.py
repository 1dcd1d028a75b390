"""Customer documents (kernel.documents): their metadata; the content is in the object store.
UUID keys, no sequence (CockroachDB).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("upload_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False, server_default=""),
        sa.Column("display_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("part_size", sa.Integer(), nullable=False),
        sa.Column("sm3", sa.String(64), nullable=True),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("retain_until", UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("customer_id", "upload_id", name="uq_documents_customer_id_upload_id"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_documents_customer_id_customers"
        ),
    )
    op.create_index(
        "ix_documents_customer_id_status_create_time",
        "documents",
        ["customer_id", "status", "create_time"],
    )


def downgrade() -> None:
    op.drop_index("ix_documents_customer_id_status_create_time", table_name="documents")
    op.drop_table("documents")
