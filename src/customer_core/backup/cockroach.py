"""Backups of a CockroachDB cluster by CockroachDB itself: `BACKUP INTO` the object store.

CockroachDB writes its own consistent backup (`AS OF SYSTEM TIME`, so it reads a moment in the
recent past and blocks no writer) under `backups/{id}/native/` of the S3 bucket; the kernel writes
the same manifest beside it (row counts and the ledger head read at that same moment, the key
versions, the time), so `backup list` and `verify` treat both kinds alike. It is restored with
CockroachDB's `RESTORE` (see `native_restore_sql`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy_cockroachdb.psycopg import CockroachDBDialect_psycopg

from customer_core.backup import manifest
from customer_core.backup.keys import ensure_kek, new_backup_key
from customer_core.backup.snapshot import kernel_tables, key_versions, ledger_head, schema_revision
from customer_core.crypto.keyring import Keyring
from customer_core.objects import ObjectStore
from customer_core.storage import run_in_transaction

#: How far in the past the native backup reads (CockroachDB's advice: a few seconds back, so it
#: conflicts with no transaction still running).
DEFAULT_AS_OF = "-10s"


def native_location(bucket: str, backup_id: str) -> str:
    """Where CockroachDB writes a backup: `s3://bucket/backups/{id}/native` (no credentials)."""
    return f"s3://{bucket}/{manifest.PREFIX}{manifest.check_id(backup_id)}/native"


def native_uri(settings: Any, backup_id: str) -> str:
    """The `BACKUP INTO` destination with the object store's credentials and endpoint."""
    scheme = "https" if settings.objects_tls else "http"
    params = {
        "AWS_ACCESS_KEY_ID": settings.objects_access_key,
        "AWS_SECRET_ACCESS_KEY": settings.objects_secret_key,
        "AWS_ENDPOINT": f"{scheme}://{settings.objects_endpoint}",
    }
    if settings.objects_region:
        params["AWS_REGION"] = settings.objects_region
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return f"{native_location(settings.objects_bucket, backup_id)}?{query}"


def _literal(statement: Any) -> str:
    return str(
        statement.compile(
            dialect=CockroachDBDialect_psycopg(), compile_kwargs={"literal_binds": True}
        )
    )


def native_backup_sql(uri: str, as_of: str = DEFAULT_AS_OF) -> str:
    """`BACKUP INTO '<uri>' AS OF SYSTEM TIME '<as_of>'`, its strings quoted by the dialect."""
    return _literal(
        text("BACKUP INTO :uri AS OF SYSTEM TIME :as_of").bindparams(uri=uri, as_of=as_of)
    )


def native_restore_sql(uri: str) -> str:
    """The statement that restores the latest native backup at `uri` into a new cluster."""
    return _literal(text("RESTORE DATABASE customer_core FROM LATEST IN :uri").bindparams(uri=uri))


def snapshot_time(connection: Connection, seconds_back: float = 10.0) -> str:
    """A fixed HLC timestamp `seconds_back` ago, so the backup and the manifest read one moment."""
    now = connection.execute(text("SELECT cluster_logical_timestamp()")).scalar_one()
    return str(now - int(seconds_back * 1_000_000_000))


def _manifest_at(
    connection: Connection, keyring: Keyring, bucket: str, backup_id: str, as_of: str, now: datetime
) -> dict[str, Any]:
    """The manifest's body but its key, read at `as_of` (the statement that starts the transaction)."""
    connection.exec_driver_sql(
        f"SET TRANSACTION AS OF SYSTEM TIME {_literal(text(':t').bindparams(t=as_of))}"
    )
    tables = [
        {
            "name": table.name,
            "columns": [c.name for c in table.columns],
            "rows": int(connection.execute(select(func.count()).select_from(table)).scalar_one()),
            "sm3": "",
            "chunks": [],
        }
        for table in kernel_tables()
    ]
    return {
        "format": manifest.FORMAT,
        "id": backup_id,
        "kind": manifest.NATIVE,
        "time": now.isoformat(),
        "source": "cockroachdb",
        "schema_revision": schema_revision(connection),
        "key_versions": key_versions(connection, keyring),
        "ledger_head": ledger_head(connection),
        "native": {"location": native_location(bucket, backup_id), "as_of": as_of},
        "tables": tables,
    }


def create_native_backup(
    engine: Engine,
    keyring: Keyring,
    store: ObjectStore,
    settings: Any,
    backup_id: str,
    now: datetime,
) -> dict[str, Any]:
    """Runs `BACKUP INTO` the object store and writes the manifest; the manifest's body."""
    run_in_transaction(engine, lambda c: ensure_kek(keyring, c))
    key = run_in_transaction(engine, lambda c: new_backup_key(keyring, c, backup_id), write=False)
    with engine.connect() as connection:
        as_of = snapshot_time(connection)
        connection.rollback()
        # BACKUP runs outside any transaction of the client's; its URI's %-escapes are no
        # placeholders.
        connection.execution_options(
            isolation_level="AUTOCOMMIT", no_parameters=True
        ).exec_driver_sql(native_backup_sql(native_uri(settings, backup_id), as_of))
    body = run_in_transaction(
        engine,
        lambda c: _manifest_at(c, keyring, settings.objects_bucket, backup_id, as_of, now),
        write=False,
    )
    body["key"] = key.wrapped
    store.put(manifest.manifest_key(backup_id), manifest.seal_manifest(body, key))
    return body
