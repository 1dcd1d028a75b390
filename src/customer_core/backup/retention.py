"""Which backups to keep: the newest `keep_last`, and every one younger than `keep_days`.

A backup without a manifest is one being taken, or one that failed; it counts towards neither
rule and is removed once it is a day old (no backup takes that long).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from customer_core.backup import manifest
from customer_core.objects import ObjectStore

#: Age after which a backup without a manifest is abandoned.
INCOMPLETE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Listed:
    """A backup as the object store lists it."""

    id: str
    time: datetime
    complete: bool
    objects: int
    bytes: int


def backup_time(backup_id: str) -> datetime:
    """When the backup was taken (from its id)."""
    return datetime.strptime(backup_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def list_backups(
    store: ObjectStore, *, sizes: bool = False, only: str | None = None
) -> list[Listed]:
    """Every backup under `backups/` (or only the one of id `only`), oldest first."""
    found: dict[str, list[str]] = {}
    prefix = f"{manifest.PREFIX}{manifest.check_id(only)}/" if only else manifest.PREFIX
    for key in store.list(prefix):
        backup_id = key[len(manifest.PREFIX) :].split("/", 1)[0]
        if manifest.BACKUP_ID.fullmatch(backup_id):
            found.setdefault(backup_id, []).append(key)
    listed = []
    for backup_id in sorted(found):
        keys = found[backup_id]
        total = sum(store.size(k) or 0 for k in keys) if sizes else 0
        complete = manifest.manifest_key(backup_id) in keys
        listed.append(Listed(backup_id, backup_time(backup_id), complete, len(keys), total))
    return listed


def expired(backups: list[Listed], keep_last: int, keep_days: int, now: datetime) -> list[Listed]:
    """The backups retention no longer keeps."""
    complete = [b for b in backups if b.complete]
    newest = {b.id for b in complete[-keep_last:]} if keep_last > 0 else set()
    young = now - timedelta(days=keep_days)
    gone = []
    for b in backups:
        if b.complete:
            if b.id not in newest and b.time < young:
                gone.append(b)
        elif b.time < now - INCOMPLETE_AFTER:
            gone.append(b)
    return gone


def delete_backup(store: ObjectStore, backup_id: str) -> None:
    """Removes a backup, its manifest first (so a half-removed one reads as incomplete)."""
    store.delete(manifest.manifest_key(backup_id))
    for key in list(store.list(f"{manifest.PREFIX}{manifest.check_id(backup_id)}/")):
        store.delete(key)


def prune(
    store: ObjectStore, keep_last: int, keep_days: int, now: datetime | None = None
) -> list[str]:
    """Removes the backups retention no longer keeps; their ids."""
    gone = expired(list_backups(store), keep_last, keep_days, now or datetime.now(UTC))
    for b in gone:
        delete_backup(store, b.id)
    return [b.id for b in gone]
