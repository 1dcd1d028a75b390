"""Abandoned document uploads are found by status and age (kernel.documents.sweep_uploads).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_status_update_time", "documents", ["status", "update_time"])


def downgrade() -> None:
    op.drop_index("ix_documents_status_update_time", table_name="documents")
