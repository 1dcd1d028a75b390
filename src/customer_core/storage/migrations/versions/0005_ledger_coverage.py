"""Every ledger column covered: blocks sign their fencing token, signing keys sign their own rows.

`ledger_blocks.token_signature`: the sealer's SM2 signature of `0x04 || hash || fencing_token`
(ledger.blocks). Rows already there keep NULL (they are of the older head format); the database
refuses a new block without one (a CHECK constraint NOT VALID, so it holds for new rows only; on
SQLite a trigger), so a sealer of an older release cannot seal an older-format block after a
newer one.

`ledger_signing_keys.signature`: the key's signature of its own row (ledger.signing). Rows already
there keep NULL until the sealer signs them: the one UPDATE the append-only guard now lets through
is filling in a missing signature, every other column unchanged (on CockroachDB UPDATE stays
revoked from public; the kernel's SQL user owns the table).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REFUSED = "ledger_signing_keys is append-only (only a missing signature may be filled in)"
_KEY_COLUMNS = ("version", "public_key", "data_key_id", "wrapped", "create_time")
_CHECK = "ck_ledger_blocks_token_signature"


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.add_column("ledger_blocks", sa.Column("token_signature", sa.LargeBinary(), nullable=True))
    op.add_column("ledger_signing_keys", sa.Column("signature", sa.LargeBinary(), nullable=True))
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER ledger_blocks_token_signed BEFORE INSERT ON ledger_blocks "
            "WHEN NEW.token_signature IS NULL BEGIN SELECT RAISE(ABORT, "
            "'ledger_blocks: a block needs its token_signature (revision 0005)'); END"
        )
        unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEY_COLUMNS)
        op.execute("DROP TRIGGER ledger_signing_keys_no_update")
        op.execute(
            "CREATE TRIGGER ledger_signing_keys_no_update BEFORE UPDATE ON ledger_signing_keys "
            f"WHEN NOT (OLD.signature IS NULL AND NEW.signature IS NOT NULL AND {unchanged}) "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
        )
    elif dialect in ("postgresql", "cockroachdb"):
        op.execute(
            f"ALTER TABLE ledger_blocks ADD CONSTRAINT {_CHECK} "
            "CHECK (token_signature IS NOT NULL) NOT VALID"
        )
    if dialect == "postgresql":
        new = ", ".join(f"NEW.{c}" for c in _KEY_COLUMNS)
        old = ", ".join(f"OLD.{c}" for c in _KEY_COLUMNS)
        op.execute("DROP TRIGGER ledger_signing_keys_append_only ON ledger_signing_keys")
        op.execute(
            "CREATE TRIGGER ledger_signing_keys_append_only BEFORE DELETE OR TRUNCATE "
            "ON ledger_signing_keys FOR EACH STATEMENT EXECUTE FUNCTION "
            "ledger_signing_keys_append_only()"
        )
        op.execute(
            "CREATE FUNCTION ledger_signing_keys_sign_once() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF OLD.signature IS NULL AND NEW.signature IS NOT NULL "
            f"AND ({new}) IS NOT DISTINCT FROM ({old}) THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{_REFUSED}' USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        op.execute(
            "CREATE TRIGGER ledger_signing_keys_sign_once BEFORE UPDATE ON ledger_signing_keys "
            "FOR EACH ROW EXECUTE FUNCTION ledger_signing_keys_sign_once()"
        )


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER ledger_blocks_token_signed")
        op.execute("DROP TRIGGER ledger_signing_keys_no_update")
        op.execute(
            "CREATE TRIGGER ledger_signing_keys_no_update BEFORE UPDATE ON ledger_signing_keys "
            "BEGIN SELECT RAISE(ABORT, 'ledger_signing_keys is append-only'); END"
        )
    elif dialect in ("postgresql", "cockroachdb"):
        op.execute(f"ALTER TABLE ledger_blocks DROP CONSTRAINT {_CHECK}")
    if dialect == "postgresql":
        op.execute("DROP TRIGGER ledger_signing_keys_sign_once ON ledger_signing_keys")
        op.execute("DROP FUNCTION ledger_signing_keys_sign_once()")
        op.execute("DROP TRIGGER ledger_signing_keys_append_only ON ledger_signing_keys")
        op.execute(
            "CREATE TRIGGER ledger_signing_keys_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON ledger_signing_keys FOR EACH STATEMENT EXECUTE FUNCTION "
            "ledger_signing_keys_append_only()"
        )
    op.drop_column("ledger_signing_keys", "signature")
    op.drop_column("ledger_blocks", "token_signature")
