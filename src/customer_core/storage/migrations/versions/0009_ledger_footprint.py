"""A smaller ledger: the unused index on (customer_id, time) goes.

No query reads ledger entries by customer id (a customer's entries are read by chain; the
change stream joins customers by primary key), so the index only cost space: about a twelfth of
the ledger. Entries written from this release on are also stored deflated against a preset
dictionary (`storage.types.DeflatedBytes`, about half their size); those written before stay as
they are and read as before, so nothing is rewritten (the table is append-only).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ledger_entries_customer_id_time", table_name="ledger_entries")


def downgrade() -> None:
    op.create_index("ix_ledger_entries_customer_id_time", "ledger_entries", ["customer_id", "time"])
