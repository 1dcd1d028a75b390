"""Checking a backup without restoring it: every object, checksum, row count and the MAC.

`open_backup` authenticates the manifest; `read_chunks` then yields each table's rows chunk by
chunk, having checked that the chunk is where the manifest says (its key), whole (its size and
SM3), decrypts at its place and holds the rows it should; at each table's end, the table's row
count and SM3. `verify_backup` reads it all, and also refuses objects the manifest does not name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes

from customer_core.backup import chunks, manifest, rows
from customer_core.backup.keys import BackupKey, open_backup_key
from customer_core.backup.manifest import BackupCorrupt
from customer_core.crypto.master_key import MasterKeyProvider
from customer_core.crypto.primitives import IntegrityError
from customer_core.objects import ObjectMissing, ObjectStore


@dataclass(frozen=True)
class OpenBackup:
    """A backup whose manifest verified."""

    id: str
    manifest: dict[str, Any]
    key: BackupKey


def open_backup(store: ObjectStore, backup_id: str, master: MasterKeyProvider) -> OpenBackup:
    """The backup's authenticated manifest.

    Raises:
        BackupCorrupt: the manifest is missing, malformed or altered, or not this backup's.
        FailedPrecondition: the master key version that wraps its key is not available here.
    """
    try:
        raw = store.get(manifest.manifest_key(backup_id))
    except ObjectMissing:
        raise BackupCorrupt(f"backup {backup_id} has no manifest") from None
    parsed = manifest.parse_manifest(raw)
    try:
        key = open_backup_key(master, backup_id, parsed["key"])
    except IntegrityError:
        raise BackupCorrupt("the manifest's wrapped key does not open: it was edited") from None
    except (KeyError, TypeError, ValueError):
        raise BackupCorrupt("the manifest's key record is malformed") from None
    body = manifest.check_manifest(parsed, key)
    if body.get("id") != backup_id:
        raise BackupCorrupt(f"the manifest is of backup {body.get('id')}, not {backup_id}")
    return OpenBackup(backup_id, body, key)


@dataclass(frozen=True)
class Chunk:
    """One verified chunk's rows."""

    table: str
    columns: list[str]
    index: int
    rows: list[dict[str, Any]]


def read_chunks(store: ObjectStore, backup: OpenBackup) -> Iterator[Chunk]:
    """Every chunk of a logical backup, in the manifest's order, verified.

    Raises:
        BackupCorrupt: at the first chunk or table that does not verify.
    """
    for table in backup.manifest["tables"]:
        name, columns = table["name"], list(table["columns"])
        digest = hashes.Hash(hashes.SM3())
        count = 0
        for position, entry in enumerate(table["chunks"]):
            index = int(entry["index"])
            if index != position or entry["key"] != manifest.chunk_key(backup.id, name, index):
                raise BackupCorrupt(f"chunk {name}/{position} is misplaced in the manifest")
            try:
                stored = store.get(entry["key"])
            except ObjectMissing:
                raise BackupCorrupt(f"chunk {name}/{index} is missing") from None
            if len(stored) != int(entry["bytes"]):
                raise BackupCorrupt(
                    f"chunk {name}/{index} has {len(stored)} bytes, not {entry['bytes']}"
                )
            if chunks.digest(stored) != entry["sm3"]:
                raise BackupCorrupt(f"chunk {name}/{index} does not match its SM3 checksum")
            plaintext = chunks.open_chunk(backup.key.chunk_key, backup.id, name, index, stored)
            try:
                decoded = list(rows.decode_rows(plaintext, columns))
            except ValueError as exc:
                raise BackupCorrupt(f"chunk {name}/{index} holds malformed rows: {exc}") from None
            if len(decoded) != int(entry["rows"]):
                raise BackupCorrupt(
                    f"chunk {name}/{index} holds {len(decoded)} rows, not {entry['rows']}"
                )
            digest.update(plaintext)
            count += len(decoded)
            yield Chunk(name, columns, index, decoded)
        if count != int(table["rows"]):
            raise BackupCorrupt(f"table {name} has {count} rows, not {table['rows']}")
        if digest.finalize().hex() != table["sm3"]:
            raise BackupCorrupt(f"table {name} does not match its SM3 checksum")


def named_objects(backup: OpenBackup) -> set[str]:
    """The object keys of the backup the manifest names."""
    keys = {manifest.manifest_key(backup.id)}
    for table in backup.manifest.get("tables", []):
        keys.update(entry["key"] for entry in table["chunks"])
    return keys


def verify_backup(
    store: ObjectStore,
    backup_id: str,
    master: MasterKeyProvider,
    on_chunk: Callable[[int, int], None] | None = None,
) -> OpenBackup:
    """Checks a whole backup: the manifest's MAC, every chunk and table; no object more.
    `on_chunk(done, total)` follows each chunk checked.

    Raises:
        BackupCorrupt: naming the first problem.
    """
    backup = open_backup(store, backup_id, master)
    if backup.manifest.get("kind") == manifest.NATIVE:
        native = f"{manifest.PREFIX}{backup_id}/native/"
        if next(iter(store.list(native)), None) is None:
            raise BackupCorrupt(f"the native backup under {native} is missing")
        return backup
    total = sum(len(t.get("chunks", [])) for t in backup.manifest.get("tables", []))
    try:
        for done, _ in enumerate(read_chunks(store, backup), start=1):
            if on_chunk is not None:
                on_chunk(done, total)
    except (KeyError, TypeError) as exc:
        raise BackupCorrupt(f"the manifest is malformed: {exc}") from None
    extra = set(store.list(f"{manifest.PREFIX}{backup_id}/")) - named_objects(backup)
    if extra:
        raise BackupCorrupt(f"objects the manifest does not name: {', '.join(sorted(extra))}")
    return backup
