"""Restoring a backup into an empty database, of any supported engine.

The backup is verified whole first (nothing is written from one that does not verify), the
target is checked empty and migrated to the backup's schema revision, then rows go in table by
table, parents first (`metadata.sorted_tables`); a table's references to itself (a merged
customer's survivor) are filled in once the whole table is in. PostgreSQL sequences, if any, are
moved past the restored values. Last, erasures made since the backup are applied again (see
`reshred`) before anything serves the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Integer, Table, func, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine

from customer_core.backup import manifest
from customer_core.backup.cockroach import native_restore_sql
from customer_core.backup.snapshot import kernel_tables
from customer_core.backup.verify import OpenBackup, read_chunks, verify_backup
from customer_core.crypto.master_key import MasterKeyProvider
from customer_core.objects import ObjectStore
from customer_core.storage import create_engine, migrate, run_in_transaction
from customer_core.storage.migrate import alembic_config


class RestoreRefused(Exception):
    """The restore cannot go ahead: nothing of the target was changed."""


@dataclass(frozen=True)
class Restored:
    """What a restore put in."""

    backup: OpenBackup
    rows: dict[str, int]


def is_empty(engine: Engine) -> bool:
    """Whether the database holds no kernel row (it may be migrated, or hold nothing at all)."""
    names = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in kernel_tables():
            if table.name in names and connection.execute(select(table).limit(1)).first():
                return False
    return True


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _insert(table: Table, values: list[dict[str, Any]]) -> Callable[[Connection], None]:
    def insert(connection: Connection) -> None:
        connection.execute(table.insert(), values)

    return insert


def _reset_sequences(connection: Connection) -> None:
    """Moves each PostgreSQL sequence owned by a restored column past the column's values."""
    for table in kernel_tables():
        for column in table.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if sequence:
                top = connection.execute(select(func.max(column))).scalar()
                connection.execute(
                    text("SELECT setval(:s, :v, :called)"),
                    {"s": sequence, "v": top or 1, "called": top is not None},
                )


def check_revision(url: str, revision: str | None) -> None:
    """Refuses a backup of a schema revision this code does not migrate to."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if revision != head:
        raise RestoreRefused(
            f"the backup is of schema revision {revision} and this release's schema is {head}: "
            "restore it with the release that took it"
        )


def restore_backup(
    store: ObjectStore,
    backup_id: str,
    master: MasterKeyProvider,
    target_url: str,
    *,
    on_table: Callable[[str, int], None] | None = None,
) -> Restored:
    """Verifies the backup, then restores it into the empty database at `target_url`.

    Raises:
        BackupCorrupt: the backup does not verify (the target is left untouched).
        RestoreRefused: the target is not empty, or the backup is of another schema revision or
            a native CockroachDB backup.
    """
    backup = verify_backup(store, backup_id, master)
    body = backup.manifest
    if body.get("kind") == manifest.NATIVE:
        raise RestoreRefused(
            "a native CockroachDB backup is restored by CockroachDB itself: "
            + native_restore_sql(str(body["native"]["location"]) + "?<credentials>")
        )
    check_revision(target_url, body.get("schema_revision"))
    known = {t.name for t in kernel_tables()}
    unknown = [t["name"] for t in body["tables"] if t["name"] not in known]
    if unknown:
        raise RestoreRefused(f"the backup has tables this release does not: {', '.join(unknown)}")
    engine = create_engine(target_url, pool_size=2)
    try:
        if not is_empty(engine):
            raise RestoreRefused("the target database is not empty: restore only into an empty one")
        migrate(target_url)
        counts = _load(engine, store, backup, on_table)
        if engine.dialect.name == "postgresql":
            run_in_transaction(engine, _reset_sequences)
    finally:
        engine.dispose()
    return Restored(backup, counts)


def _load(
    engine: Engine,
    store: ObjectStore,
    backup: OpenBackup,
    on_table: Callable[[str, int], None] | None,
) -> dict[str, int]:
    tables = {t.name: t for t in kernel_tables()}
    counts: dict[str, int] = {}
    later: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    order = {t.name: i for i, t in enumerate(kernel_tables())}
    # Chunks come in the manifest's order, which is the kernel's table order when it was taken.
    listed = sorted(backup.manifest["tables"], key=lambda t: order[t["name"]])
    by_name = {t["name"]: t for t in listed}
    current: str | None = None
    for chunk in read_chunks(
        store, OpenBackup(backup.id, {**backup.manifest, "tables": listed}, backup.key)
    ):
        if chunk.table != current:
            if current is not None:
                _finish(engine, tables[current], later.pop(current, []), counts, on_table)
            current = chunk.table
            counts[current] = 0
        table = tables[chunk.table]
        refs = _self_references(table)
        pk = [c.name for c in table.primary_key.columns]
        values = []
        for row in chunk.rows:
            pending = {c: row[c] for c in refs if row.get(c) is not None}
            if pending:
                later.setdefault(chunk.table, []).append(({k: row[k] for k in pk}, pending))
                row = {**row, **dict.fromkeys(pending)}
            values.append(row)
        run_in_transaction(engine, _insert(table, values))
        counts[chunk.table] += len(values)
    if current is not None:
        _finish(engine, tables[current], later.pop(current, []), counts, on_table)
    for name in by_name:
        counts.setdefault(name, 0)
    return counts


def _finish(
    engine: Engine,
    table: Table,
    pending: list[tuple[dict[str, Any], dict[str, Any]]],
    counts: dict[str, int],
    on_table: Callable[[str, int], None] | None,
) -> None:
    """Fills in a restored table's references to itself."""

    def fill(connection: Connection) -> None:
        for key, values in pending:
            where = [table.c[k] == v for k, v in key.items()]
            connection.execute(update(table).where(*where).values(**values))

    if pending:
        run_in_transaction(engine, fill)
    if on_table is not None:
        on_table(table.name, counts[table.name])
