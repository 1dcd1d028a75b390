"""The kernel schema: customers, cross-references, subject records, idempotency, model schemas.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_number", sa.String(18), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owning_org_unit", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("close_reason", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.Column("close_time", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("customer_number", name="uq_customers_customer_number"),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["customers.id"], name="fk_customers_merged_into_id_customers"
        ),
    )
    op.create_index(
        "ix_customers_owning_org_unit_customer_number",
        "customers",
        ["owning_org_unit", "customer_number"],
    )
    op.create_index(
        "ix_customers_status_customer_number", "customers", ["status", "customer_number"]
    )

    op.create_table(
        "cross_references",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(32), nullable=False),
        sa.Column("local_id", sa.String(128), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cross_references"),
        sa.UniqueConstraint(
            "source_system", "local_id", name="uq_cross_references_source_system_local_id"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_cross_references_customer_id_customers"
        ),
    )
    op.create_index("ix_cross_references_customer_id", "cross_references", ["customer_id"])

    op.create_table(
        "subject_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("type_url", sa.String(256), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("source_system", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subject_records"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_subject_records_customer_id_customers"
        ),
    )
    op.create_index(
        "ix_subject_records_customer_id_subject_create_time",
        "subject_records",
        ["customer_id", "subject", "create_time"],
    )

    op.create_table(
        "idempotency_records",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("method", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_idempotency_records"),
    )
    # Purging expired idempotency records scans by time. On CockroachDB a plain index on a
    # timestamp sends every insert to the same range; a hash-sharded index spreads them.
    if op.get_context().dialect.name == "cockroachdb":
        op.execute(
            "CREATE INDEX ix_idempotency_records_create_time "
            "ON idempotency_records (create_time) USING HASH"
        )
    else:
        op.create_index(
            "ix_idempotency_records_create_time", "idempotency_records", ["create_time"]
        )

    op.create_table(
        "subject_model_schemas",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("message_type", sa.String(256), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_subject_model_schemas"),
    )


def downgrade() -> None:
    op.drop_table("subject_model_schemas")
    op.drop_index("ix_idempotency_records_create_time", "idempotency_records")
    op.drop_table("idempotency_records")
    op.drop_table("subject_records")
    op.drop_table("cross_references")
    op.drop_table("customers")
