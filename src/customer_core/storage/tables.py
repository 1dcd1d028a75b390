"""The kernel's tables (SQLAlchemy Core). Plugins add none: their records live in `subject_records`.

Keys are UUIDs so no table has a hot, ever-increasing key (CockroachDB spreads them over ranges).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from customer_core.storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = Table(
    "customers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_number", String(18), nullable=False, unique=True),
    Column("type", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("owning_org_unit", String(64), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("merged_into_id", Uuid, ForeignKey("customers.id"), nullable=True),
    Column("close_reason", String(500), nullable=True),
    Column("version", Integer, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
    Column("close_time", UTCDateTime, nullable=True),
    Index(None, "owning_org_unit", "customer_number"),
    Index(None, "status", "customer_number"),
)

cross_references = Table(
    "cross_references",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("source_system", String(32), nullable=False),
    Column("local_id", String(128), nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    UniqueConstraint("source_system", "local_id"),
    Index(None, "customer_id"),
)

subject_records = Table(
    "subject_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("type_url", String(256), nullable=False),
    Column("schema_version", Integer, nullable=False),
    # The plugin message, serialized deterministically.
    Column("payload", LargeBinary, nullable=False),
    Column("source_system", String(32), nullable=True),
    Column("version", Integer, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
    Index(None, "customer_id", "subject", "create_time"),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("method", String(128), nullable=False),
    # SHA-256 of the request without its request_id: a reused id with another body is refused.
    Column("fingerprint", String(64), nullable=False),
    Column("response", LargeBinary, nullable=False),
    Column("create_time", UTCDateTime, nullable=False),
    Index(None, "create_time"),
)

subject_model_schemas = Table(
    "subject_model_schemas",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("message_type", String(256), nullable=False),
    Column("schema_version", Integer, nullable=False),
    # JSON: field path -> {number, type, repeated}; what stored records were written with.
    Column("fields", Text, nullable=False),
    Column("update_time", UTCDateTime, nullable=False),
)
