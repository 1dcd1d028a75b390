"""CockroachDB's native backup statements, compiled against the cockroachdb dialect (no
CockroachDB can run here)."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select, text
from sqlalchemy_cockroachdb.psycopg import CockroachDBDialect_psycopg

from customer_core.backup.cockroach import (
    native_backup_sql,
    native_location,
    native_restore_sql,
    native_uri,
)
from customer_core.backup.snapshot import kernel_tables

BACKUP_ID = "20261205T120000Z-0123abcd"


def settings(**overrides: object) -> SimpleNamespace:
    values = {
        "objects_bucket": "customer-core", "objects_endpoint": "minio:9000",
        "objects_access_key": "AKIA/EXAMPLE", "objects_secret_key": "s3cr&t=+'x",
        "objects_tls": True, "objects_region": "",
    }  # fmt: skip
    return SimpleNamespace(**{**values, **overrides})


def test_the_destination_names_the_bucket_the_backup_and_the_store() -> None:
    uri = native_uri(settings(), BACKUP_ID)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "s3", "customer-core", f"/backups/{BACKUP_ID}/native",
    )  # fmt: skip
    query = parse_qs(parts.query)
    assert query == {
        "AWS_ACCESS_KEY_ID": ["AKIA/EXAMPLE"],
        "AWS_SECRET_ACCESS_KEY": ["s3cr&t=+'x"],
        "AWS_ENDPOINT": ["https://minio:9000"],
    }
    assert "AWS_REGION=cn-north-1" in native_uri(settings(objects_region="cn-north-1"), BACKUP_ID)
    assert "AWS_ENDPOINT=http%3A%2F%2Fminio%3A9000" in native_uri(
        settings(objects_tls=False), BACKUP_ID
    )
    assert (
        native_location("customer-core", BACKUP_ID)
        == f"s3://customer-core/backups/{BACKUP_ID}/native"
    )


def test_backup_into_compiles_with_quoted_literals() -> None:
    uri = native_uri(settings(), BACKUP_ID)
    sql = native_backup_sql(uri)
    assert sql.startswith(
        f"BACKUP INTO 's3://customer-core/backups/{BACKUP_ID}/native?AWS_ACCESS_KEY_ID="
    )
    assert sql.endswith(" AS OF SYSTEM TIME '-10s'")
    assert "%27" in sql  # the secret's quote is URL-encoded: nothing ends the literal early
    tricky = native_backup_sql(
        "s3://b/p?AWS_SECRET_ACCESS_KEY=it's", as_of="1733400000000000000.0000000000"
    )
    assert tricky == (
        "BACKUP INTO 's3://b/p?AWS_SECRET_ACCESS_KEY=it''s' "
        "AS OF SYSTEM TIME '1733400000000000000.0000000000'"
    )


def test_restore_compiles() -> None:
    assert native_restore_sql("s3://b/backups/x/native?AWS_ENDPOINT=e") == (
        "RESTORE DATABASE customer_core FROM LATEST IN 's3://b/backups/x/native?AWS_ENDPOINT=e'"
    )


def test_the_manifest_reads_compile_for_cockroachdb() -> None:
    dialect = CockroachDBDialect_psycopg()
    for table in kernel_tables():
        count = str(select(func.count()).select_from(table).compile(dialect=dialect))
        assert count == f"SELECT count(*) AS count_1 \nFROM {table.name}"
    as_of = text("SET TRANSACTION AS OF SYSTEM TIME :t").bindparams(t="-10s")
    assert str(as_of.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) == (
        "SET TRANSACTION AS OF SYSTEM TIME '-10s'"
    )
