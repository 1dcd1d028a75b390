"""The manifest of a backup (`backups/{id}/manifest.json`) and its authentication.

The manifest is canonical JSON (sorted keys, no spaces) with a `mac` member: HMAC-SM3, under a key
derived from the backup key, of the canonical JSON of everything else. A manifest is accepted only
if it is byte for byte its canonical form and its MAC verifies, so no edit of it goes unnoticed;
the key it is checked under is unwrapped from the manifest itself, which only the master key can
do (the wrapped forms are SM4-GCM-authenticated, bound to the backup's id).
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Any

from customer_core.backup.keys import BackupKey
from customer_core.crypto import primitives

FORMAT = "customer-core-backup/1"
#: Logical backups: the kernel's chunks. Native: CockroachDB's `BACKUP INTO`, beside the manifest.
LOGICAL, NATIVE = "logical", "cockroachdb-native"
PREFIX = "backups/"
#: What a backup id looks like: the UTC time it was taken and a random tail (sorts by time).
BACKUP_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")


class BackupCorrupt(ValueError):
    """The backup does not verify: a chunk or the manifest is missing, altered or misplaced."""


def manifest_key(backup_id: str) -> str:
    """The object key of a backup's manifest."""
    return f"{PREFIX}{check_id(backup_id)}/manifest.json"


def chunk_key(backup_id: str, table: str, index: int) -> str:
    """The object key of a backup's chunk `index` of `table`."""
    return f"{PREFIX}{check_id(backup_id)}/tables/{table}/{index:06d}.chunk"


def check_id(backup_id: str) -> str:
    """`backup_id` if it is one (ValueError if not)."""
    if not BACKUP_ID.fullmatch(backup_id):
        raise ValueError(f"not a backup id: {backup_id!r}")
    return backup_id


def canonical(value: Any) -> bytes:
    """The canonical JSON of `value`."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal_manifest(body: dict[str, Any], key: BackupKey) -> bytes:
    """The stored manifest: `body` with its MAC."""
    mac = primitives.hmac_sm3(key.manifest_key, canonical(body)).hex()
    return canonical({**body, "mac": mac})


def parse_manifest(raw: bytes) -> dict[str, Any]:
    """The manifest's content, not yet authenticated (only its wrapped key is to be trusted
    before `check_manifest`: it authenticates itself).

    Raises:
        BackupCorrupt: it is not a canonical manifest of this format.
    """
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise BackupCorrupt("the manifest is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupCorrupt("the manifest is not of format " + FORMAT)
    if canonical(manifest) != raw:
        raise BackupCorrupt("the manifest is not in its canonical form: it was edited")
    return manifest


def check_manifest(manifest: dict[str, Any], key: BackupKey) -> dict[str, Any]:
    """`manifest` without its MAC, once the MAC verifies under `key`.

    Raises:
        BackupCorrupt: the MAC is missing or does not verify.
    """
    body = {k: v for k, v in manifest.items() if k != "mac"}
    mac = manifest.get("mac")
    expected = primitives.hmac_sm3(key.manifest_key, canonical(body)).hex()
    if not isinstance(mac, str) or not hmac.compare_digest(mac, expected):
        raise BackupCorrupt("the manifest's MAC does not verify: it was edited")
    return body
