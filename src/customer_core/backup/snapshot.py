"""Taking a backup: one consistent read of every kernel table, streamed out as chunks.

The whole read is one transaction — REPEATABLE READ, READ ONLY on PostgreSQL (a snapshot that
never conflicts with the writers it runs beside), a read transaction on SQLite (WAL: a snapshot
from its first read, writers carry on) and CockroachDB — so every table, the ledger head and the
key versions are of one moment, while the server goes on serving writes. Rows are read in primary
key order a batch at a time and cut into chunks of about `chunk_bytes` of plaintext; each chunk
is written as soon as it is full, so memory holds one chunk whatever the database's size. The
manifest goes last: a backup without one is incomplete (and is pruned).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives import hashes
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Engine

from customer_core.backup import chunks, manifest, rows
from customer_core.backup.keys import BackupKey, ensure_kek, new_backup_key
from customer_core.crypto.keyring import Keyring
from customer_core.objects import ObjectStore
from customer_core.storage import run_in_transaction
from customer_core.storage.tables import data_keys, key_encryption_keys, ledger_blocks, metadata

log = logging.getLogger(__name__)

#: Rows fetched from the database at a time.
FETCH = 500


def new_backup_id(now: datetime) -> str:
    """A fresh backup id: the time it is taken and a random tail."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def kernel_tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return list(metadata.sorted_tables)


def ledger_head(connection: Connection) -> dict[str, Any] | None:
    """The last sealed block (None before the first)."""
    row = connection.execute(
        select(ledger_blocks).order_by(ledger_blocks.c.height.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return {
        "height": int(row.height),
        "last_offset": int(row.last_offset),
        "merkle_root": bytes(row.merkle_root).hex(),
        "hash": bytes(row.hash).hex(),
        "signature": bytes(row.signature).hex(),
        "public_key": row.public_key,
        "sealed_at": row.sealed_at.isoformat(),
    }


def key_versions(connection: Connection, keyring: Keyring) -> dict[str, Any]:
    """The master key versions, every KEK version's status and the data keys by status."""
    keks: dict[str, dict[str, str]] = {}
    for domain, version, status in connection.execute(
        select(
            key_encryption_keys.c.domain,
            key_encryption_keys.c.version,
            key_encryption_keys.c.status,
        ).order_by(key_encryption_keys.c.domain, key_encryption_keys.c.version)
    ):
        keks.setdefault(domain, {})[str(version)] = status
    counts = dict(
        connection.execute(select(data_keys.c.status, func.count()).group_by(data_keys.c.status))
        .tuples()
        .all()
    )
    return {
        "master": {str(v): s for v, s in keyring.master.versions().items()},
        "keks": keks,
        "data_keys": {str(s): int(n) for s, n in counts.items()},
    }


def schema_revision(connection: Connection) -> str | None:
    """The database's Alembic revision."""
    return MigrationContext.configure(connection).get_current_revision()


class _TableWriter:
    """Cuts one table's rows into chunks and stores each as it fills."""

    def __init__(
        self, store: ObjectStore, key: BackupKey, backup_id: str, table: Table, chunk_bytes: int
    ) -> None:
        self.store, self.key, self.backup_id, self.table = store, key, backup_id, table
        self.chunk_bytes = chunk_bytes
        self.buffer: list[bytes] = []
        self.size = 0
        self.buffered_rows = 0
        self.rows = 0
        self.hash = hashes.Hash(hashes.SM3())
        self.chunks: list[dict[str, Any]] = []

    def add(self, values: Any) -> None:
        line = rows.encode_row(values)
        self.buffer.append(line)
        self.size += len(line)
        self.buffered_rows += 1
        if self.size >= self.chunk_bytes:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        plaintext = b"".join(self.buffer)
        index = len(self.chunks)
        stored = chunks.seal_chunk(
            self.key.chunk_key, self.backup_id, self.table.name, index, plaintext
        )
        key = manifest.chunk_key(self.backup_id, self.table.name, index)
        self.store.put(key, stored)
        self.hash.update(plaintext)
        self.chunks.append(
            {
                "index": index,
                "key": key,
                "rows": self.buffered_rows,
                "bytes": len(stored),
                "sm3": chunks.digest(stored),
            }
        )
        self.rows += self.buffered_rows
        self.buffer, self.size, self.buffered_rows = [], 0, 0

    def entry(self) -> dict[str, Any]:
        self.flush()
        return {
            "name": self.table.name,
            "columns": [c.name for c in self.table.columns],
            "rows": self.rows,
            "sm3": self.hash.finalize().hex(),
            "chunks": self.chunks,
        }


def _begin_snapshot(connection: Connection) -> None:
    """Makes the transaction a read-only snapshot (its first statement)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def read_snapshot(
    connection: Connection,
    keyring: Keyring,
    store: ObjectStore,
    backup_id: str,
    *,
    chunk_bytes: int,
    now: datetime,
    on_table: Callable[[str, int], None] | None = None,
) -> tuple[dict[str, Any], BackupKey]:
    """Reads every table in this one transaction and stores its chunks; the manifest's body and
    the backup key (the manifest is not written)."""
    _begin_snapshot(connection)
    key = new_backup_key(keyring, connection, backup_id)
    body: dict[str, Any] = {
        "format": manifest.FORMAT,
        "id": backup_id,
        "kind": manifest.LOGICAL,
        "time": now.isoformat(),
        "source": connection.dialect.name,
        "schema_revision": schema_revision(connection),
        "key": key.wrapped,
        "key_versions": key_versions(connection, keyring),
        "ledger_head": ledger_head(connection),
    }
    tables = []
    for table in kernel_tables():
        writer = _TableWriter(store, key, backup_id, table, chunk_bytes)
        query = select(table).order_by(*table.primary_key.columns)
        result = connection.execution_options(yield_per=FETCH).execute(query)
        for row in result:
            writer.add(tuple(row))
        entry = writer.entry()
        tables.append(entry)
        if on_table is not None:
            on_table(table.name, entry["rows"])
    body["tables"] = tables
    return body, key


def create_backup(
    engine: Engine,
    keyring: Keyring,
    store: ObjectStore,
    *,
    chunk_bytes: int = 4 * 1024 * 1024,
    now: datetime | None = None,
    backup_id: str | None = None,
    on_table: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Takes a logical backup of the database now (under `backup_id`, a fresh one by default);
    its manifest (as stored, without the MAC). `on_table(name, rows)` follows each table done.

    Raises:
        StoreUnavailable: the object store failed (what was written of the backup is removed).
    """
    moment = now or datetime.now(UTC)
    backup_id = manifest.check_id(backup_id) if backup_id else new_backup_id(moment)
    run_in_transaction(engine, lambda c: ensure_kek(keyring, c))
    try:
        body, key = run_in_transaction(
            engine,
            lambda c: read_snapshot(
                c, keyring, store, backup_id, chunk_bytes=chunk_bytes, now=moment,
                on_table=on_table,
            ),
            write=False,
        )  # fmt: skip
        store.put(manifest.manifest_key(backup_id), manifest.seal_manifest(body, key))
    except BaseException:
        remove_quietly(store, backup_id)
        raise
    return body


def remove_quietly(store: ObjectStore, backup_id: str) -> None:
    """Removes what was written of a backup that failed (logging what cannot be)."""
    try:
        for key in list(store.list(f"{manifest.PREFIX}{backup_id}/")):
            store.delete(key)
    except Exception as exc:
        log.warning("could not remove the failed backup %s: %s", backup_id, exc)
