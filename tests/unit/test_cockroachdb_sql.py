"""The CockroachDB paths, compiled against the cockroachdb dialect (no CockroachDB can run here)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy_cockroachdb.psycopg import CockroachDBDialect_psycopg

from customer_core.storage.engine import normalize_url
from customer_core.storage.migrate import offline_sql
from customer_core.storage.tables import customers, data_keys, subject_records


def test_migration_uses_uuid_keys_and_a_hash_sharded_time_index() -> None:
    sql = offline_sql("cockroachdb://root@localhost:26257/customer_core")
    assert "CREATE TABLE customers (\n    id UUID NOT NULL" in sql
    assert "ON idempotency_records (create_time) USING HASH" in sql
    assert "SERIAL" not in sql.upper().replace("SERIALIZABLE", "")  # no sequence as a hot key


def test_postgresql_migration_has_a_plain_time_index() -> None:
    sql = offline_sql("postgresql://localhost/customer_core")
    assert "USING HASH" not in sql
    assert (
        "CREATE INDEX ix_idempotency_records_create_time ON idempotency_records (create_time)"
        in sql
    )


def test_urls_without_a_driver_get_psycopg() -> None:
    assert normalize_url("cockroachdb://root@db:26257/cc").drivername == "cockroachdb+psycopg"
    assert normalize_url("postgresql://db/cc").drivername == "postgresql+psycopg"


def test_kernel_queries_compile_for_cockroachdb() -> None:
    dialect = CockroachDBDialect_psycopg()
    listing = (
        select(customers)
        .where(customers.c.owning_org_unit == "HO01", customers.c.customer_number > "1")
        .order_by(customers.c.customer_number)
        .limit(51)
    )
    compiled = str(listing.compile(dialect=dialect))
    assert "ORDER BY customers.customer_number" in compiled
    assert "LIMIT" in compiled
    records = select(subject_records).where(subject_records.c.customer_id == subject_records.c.id)
    assert str(records.compile(dialect=dialect)) == str(
        records.compile(dialect=postgresql.dialect())
    )


def test_ledger_tables_are_append_only_on_cockroachdb() -> None:
    sql = offline_sql("cockroachdb://root@localhost:26257/customer_core")
    for table in ("ledger_entries", "ledger_offsets", "ledger_blocks", "ledger_signing_keys"):
        assert f"REVOKE UPDATE, DELETE ON TABLE {table} FROM public;" in sql
    assert "CREATE TRIGGER" not in sql  # CockroachDB has none: the grants are the guard


def test_the_live_360_view_is_one_statement_with_typed_nulls_for_cockroachdb() -> None:
    from customer_core.kernel.customer360 import _LIVE

    compiled = _LIVE.compiled(CockroachDBDialect_psycopg())  # what the driver is sent
    sql = compiled.sql
    assert sql.count("UNION ALL") == 2 and sql.count("SELECT") == 5  # 3 branches, 2 subqueries
    # Typed NULLs, so every branch agrees on each column's type (CockroachDB is strict about it).
    assert "CAST(NULL AS UUID) AS customer_id" in sql and "CAST(NULL AS BYTEA) AS payload" in sql
    assert "NULL AS" not in sql.replace("CAST(NULL AS", "")
    # One customer number, bound once as $1 wherever it is compared (psycopg's RawCursor).
    assert compiled.names == ["number"] and sql.count("$1") == 3 and "%(" not in sql


def test_bulk_inserts_cast_each_value_to_a_type_cockroachdb_has() -> None:
    from customer_core.storage.bulk import bulk_insert
    from customer_core.storage.tables import metadata

    # Types CockroachDB and PostgreSQL both accept under these names, and arrays of them.
    known = {"UUID", "TIMESTAMPTZ", "BYTEA", "BIGINT", "INTEGER", "BOOLEAN", "TEXT", "FLOAT8"}
    for table in metadata.sorted_tables:
        names = [column.name for column in table.c]
        head = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT "
        many = bulk_insert(table, 1000).text  # one array per column
        assert many.startswith(head + ", ".join(f"source.{n}" for n in names) + " FROM unnest(")
        assert many.endswith(f") AS source ({', '.join(names)})")
        casts = re.findall(r"CAST\(:(\w+) AS (\w+)\[\]\)", many)
        assert [name for name, _ in casts] == names
        assert {kind for _, kind in casts} <= known, table.name
        few = bulk_insert(table, 2, "1 = 1").text  # a group of values per row
        assert few.startswith(head + "* FROM (VALUES (") and few.endswith(") AS source WHERE 1 = 1")
        casts = re.findall(r"CAST\(:(\w+) AS (\w+)\)", few)
        assert [name for name, _ in casts] == [f"{n}_{i}" for i in range(2) for n in names]
        assert {kind for _, kind in casts} <= known, table.name


def test_bulk_inserts_put_computed_columns_in_place_of_values() -> None:
    from customer_core.storage.bulk import bulk_insert

    lookup = (("kek_version", "SELECT 1 FOR SHARE"),)
    for count in (2, 1000):
        sql = bulk_insert(data_keys, count, computed=lookup).text
        assert sql.count("(SELECT 1 FOR SHARE)") == (count if count < 10 else 1)
        assert ":kek_version" not in sql and "kek_version_0" not in sql
    casts = dict(re.findall(r"CAST\(:(\w+) AS (\w+)\[\]\)", bulk_insert(data_keys, 99).text))
    assert casts["id"] == "UUID" and casts["create_time"] == "TIMESTAMPTZ"
    assert casts["wrapped"] == "BYTEA" and casts["scope"] == "TEXT"


def test_the_deferred_statement_gets_dollar_placeholders_compiled_for_cockroachdb() -> None:
    from sqlalchemy import text

    from customer_core.storage.deferred import _Group, _one_statement
    from customer_core.storage.driver import positional

    lookup = (("kek_version", "SELECT version FROM key_encryption_keys WHERE domain = :domain"),)
    groups = [
        _Group(customers, [{}]),
        _Group(data_keys, [{}, {}], lookup, {"domain": "customer-data"}),
    ]
    gate = text("INSERT INTO t (k) VALUES (:request_id) ON CONFLICT DO NOTHING RETURNING k")
    statement = _one_statement(groups, gate)
    sql, names, _ = positional(statement, CockroachDBDialect_psycopg())
    # SQLAlchemy's numeric_dollar paramstyle: every name once, numbered in order of appearance.
    assert ":" not in sql.replace("::", "") and "%(" not in sql
    first_seen = list(dict.fromkeys(re.findall(r"\$\d+", sql)))
    assert first_seen == [f"${n}" for n in range(1, len(names) + 1)]
    assert names[0] == "request_id" and "g1_domain" in names and names.count("g1_domain") == 1
    assert sql.count("$" + str(names.index("g1_domain") + 1) + ")") == 2  # one per data key row
    assert sql.startswith("WITH gate AS (INSERT INTO t (k) VALUES ($1) ON CONFLICT")
    assert sql.endswith(
        "SELECT (SELECT * FROM gate), (SELECT count(*) FROM g0), (SELECT count(*) FROM g1)"
    )
    assert (sql, names) == tuple(positional(statement, postgresql.psycopg.dialect()))[:2]
