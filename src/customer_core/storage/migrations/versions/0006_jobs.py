"""Jobs: runs of long work claimed by one replica at a time, fenced, resumable from a checkpoint.

Key rotations become runs of the job type `key-rotation`: every `key_rotations` row is copied into
`jobs` with the same id (so `keyRotations/{id}` names stay valid), its level and target as the
run's parameters, its new version and cursor as the checkpoint. A rotation that was RUNNING is
copied as `queued`: no replica of this release holds it, so the first job runner to look claims
it and carries on from its cursor (of several RUNNING rotations of the same level and target,
which the old code could leave, the latest; the others are copied as failed). `key_rotations`
itself stays, unread and unwritten (migrations are additive). Plain SQL, so that it also runs
offline (`customer-core migrate --sql`, the CockroachDB checks).

Downgrading drops `jobs`: rotations run since are forgotten, those before are still in
`key_rotations`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from customer_core.storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_KEY = "'key-rotation:' || r.\"level\" || ':' || r.\"target\""
_LATEST_RUNNING = """r."state" = 'RUNNING' AND NOT EXISTS (
        SELECT 1 FROM key_rotations AS later
        WHERE later."level" = r."level" AND later."target" = r."target"
          AND later."state" = 'RUNNING'
          AND (later.start_time > r.start_time OR (later.start_time = r.start_time AND later.id > r.id)))"""
_COPY = f"""
INSERT INTO jobs (id, "type", params, "key", active_key, "state", holder, "token", expires_at,
                  "checkpoint", done, total, error, created_by, create_time, start_time,
                  update_time, end_time)
SELECT r.id, 'key-rotation',
       '{{"level": "' || r."level" || '", "target": "' || r."target" || '"}}',
       {_KEY},
       CASE WHEN {_LATEST_RUNNING} THEN {_KEY} END,
       CASE WHEN {_LATEST_RUNNING} THEN 'queued'
            WHEN r."state" = 'SUCCEEDED' THEN 'succeeded' ELSE 'failed' END,
       NULL, 0, NULL,
       '{{"new_version": ' || CAST(r.new_version AS VARCHAR(20)) || ', "cursor": "'
           || r."cursor" || '"}}',
       r.done, r.total,
       CASE WHEN r."state" = 'RUNNING' AND NOT ({_LATEST_RUNNING})
            THEN 'superseded: a later rotation of the same keys was running' ELSE r.error END,
       'customer-core (before revision 0006)', r.start_time, r.start_time,
       COALESCE(r.end_time, r.start_time),
       CASE WHEN r."state" = 'RUNNING' AND NOT ({_LATEST_RUNNING})
            THEN r.start_time ELSE r.end_time END
FROM key_rotations AS r
"""


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("active_key", sa.String(200), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(128), nullable=True),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=True),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.Column("end_time", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.UniqueConstraint("active_key", name="uq_jobs_active_key"),
    )
    op.create_index("ix_jobs_state_type", "jobs", ["state", "type"])
    op.execute(_COPY)


def downgrade() -> None:
    op.drop_index("ix_jobs_state_type", table_name="jobs")
    op.drop_table("jobs")
