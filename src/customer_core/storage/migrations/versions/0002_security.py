"""Security: key hierarchy, sealed fields, blind indexes, role bindings, tokens, the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_events", "audit_event_customers")


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.add_column("customers", sa.Column("erase_time", UTCDateTime(), nullable=True))
    op.add_column("subject_records", sa.Column("sealed", sa.LargeBinary(), nullable=True))

    op.create_table(
        "key_encryption_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("master_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_key_encryption_keys"),
        sa.UniqueConstraint("domain", "version", name="uq_key_encryption_keys_domain_version"),
    )
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(160), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kek_domain", sa.String(64), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_data_keys"),
        sa.UniqueConstraint("scope", "version", name="uq_data_keys_scope_version"),
    )
    op.create_index("ix_data_keys_customer_id", "data_keys", ["customer_id"])
    op.create_index(
        "ix_data_keys_kek_domain_kek_version", "data_keys", ["kek_domain", "kek_version"]
    )
    op.create_table(
        "key_rotations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("new_version", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(160), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("end_time", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_key_rotations"),
    )
    op.create_table(
        "blind_indexes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("field_path", sa.String(128), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blind_indexes"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_blind_indexes_customer_id_customers"
        ),
    )
    op.create_index(
        "ix_blind_indexes_subject_field_path_digest",
        "blind_indexes",
        ["subject", "field_path", "digest"],
    )
    op.create_index("ix_blind_indexes_record_id", "blind_indexes", ["record_id"])
    op.create_table(
        "role_bindings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("principal", sa.String(128), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(64), nullable=False),
        sa.Column("read_subjects", sa.Text(), nullable=False),
        sa.Column("write_subjects", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_role_bindings"),
    )
    op.create_index("ix_role_bindings_principal", "role_bindings", ["principal"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("principal", sa.String(128), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("expire_time", UTCDateTime(), nullable=False),
        sa.Column("revoke_time", UTCDateTime(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("principal", sa.String(128), nullable=False),
        sa.Column("method", sa.String(160), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("customers", sa.Text(), nullable=False),
        sa.Column("unmasked_fields", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_principal_time", "audit_events", ["principal", "time"])
    if dialect == "cockroachdb":  # time-ordered inserts: spread them over ranges
        op.execute("CREATE INDEX ix_audit_events_time ON audit_events (time) USING HASH")
    else:
        op.create_index("ix_audit_events_time", "audit_events", ["time"])
    op.create_table(
        "audit_event_customers",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("customer_number", sa.String(18), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "customer_number", name="pk_audit_event_customers"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name="fk_audit_event_customers_event_id_audit_events"
        ),
    )
    op.create_index(
        "ix_audit_event_customers_customer_number_time",
        "audit_event_customers",
        ["customer_number", "time"],
    )
    append_only(dialect, APPEND_ONLY)


def append_only(dialect: str, tables: tuple[str, ...]) -> None:
    """The database itself refuses to change or delete rows of `tables` (used by later revisions too)."""
    for table in tables:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only' USING ERRCODE = 'insufficient_privilege'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            )
        elif dialect == "cockroachdb":
            # CockroachDB has no such triggers: the service's SQL user may only read and insert.
            op.execute(f"REVOKE UPDATE, DELETE ON TABLE {table} FROM public")


def downgrade() -> None:
    for table in (
        "audit_event_customers",
        "audit_events",
        "tokens",
        "role_bindings",
        "blind_indexes",
        "key_rotations",
        "data_keys",
        "key_encryption_keys",
    ):
        op.drop_table(table)
    op.drop_column("subject_records", "sealed")
    op.drop_column("customers", "erase_time")
