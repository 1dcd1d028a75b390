"""What the object store holds of backups, summarized as `backup list` and ListBackups show it.

A summary is read from the manifest as stored, without checking it (`verify` does): a backup
whose manifest is missing or unreadable is shown as incomplete.
"""

from __future__ import annotations

from typing import Any

from customer_core.backup import manifest
from customer_core.backup.manifest import BackupCorrupt
from customer_core.backup.retention import Listed, list_backups
from customer_core.objects import ObjectMissing, ObjectStore


def summary(body: dict[str, Any]) -> dict[str, Any]:
    """The headline of a manifest's body: id, kind, time, schema, counts and ledger head."""
    head = body.get("ledger_head") or {}
    return {
        "id": body["id"],
        "kind": body.get("kind"),
        "source": body.get("source"),
        "time": body.get("time"),
        "schema_revision": body.get("schema_revision"),
        "tables": len(body.get("tables", [])),
        "chunks": sum(len(t.get("chunks", [])) for t in body.get("tables", [])),
        "rows": sum(int(t.get("rows", 0)) for t in body.get("tables", [])),
        "ledger_height": head.get("height", 0),
        "ledger_hash": head.get("hash", ""),
    }


def describe(store: ObjectStore, listed: Listed) -> dict[str, Any]:
    """A listed backup: whether it is complete, its manifest's summary, its objects and bytes."""
    line: dict[str, Any] = {"id": listed.id, "complete": listed.complete}
    if listed.complete:
        try:
            line |= summary(manifest.parse_manifest(store.get(manifest.manifest_key(listed.id))))
        except (BackupCorrupt, ObjectMissing):
            line["complete"] = False
    return line | {"objects": listed.objects, "bytes": listed.bytes}


def catalog(store: ObjectStore) -> list[dict[str, Any]]:
    """Every backup in the store, oldest first, described."""
    return [describe(store, listed) for listed in list_backups(store, sizes=True)]


def find(store: ObjectStore, backup_id: str) -> dict[str, Any] | None:
    """One backup described, or None when the store holds nothing of it."""
    listed = list_backups(store, sizes=True, only=backup_id)
    return describe(store, listed[0]) if listed else None


__all__ = ["catalog", "describe", "find", "summary"]
