"""The stored forms of resources as the ledger keeps them (sensitive values stay ciphertext)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from customer_core.v1 import ledger_pb2


def record_snapshot(
    row: Any, quality_changes: Iterable[ledger_pb2.QualityTrace] = ()
) -> ledger_pb2.RecordSnapshot:
    """A subject record row as a RecordSnapshot, with what the data-quality rules changed on the
    write that made it (`quality_changes`)."""
    snapshot = ledger_pb2.RecordSnapshot(
        subject=row.subject,
        type_url=row.type_url,
        schema_version=row.schema_version,
        payload=row.payload,
        sealed=row.sealed or b"",
        source_system=row.source_system or "",
        version=row.version,
        quality_changes=quality_changes,
    )
    snapshot.create_time.FromDatetime(row.create_time)
    snapshot.update_time.FromDatetime(row.update_time)
    return snapshot
