"""The throwaway PostgreSQL 15 server the suite starts for itself (tests/support/postgres.py)."""

from __future__ import annotations

import socket

import psycopg
import pytest
import sqlalchemy

from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgresql


def test_server_is_postgres_15_and_pg_dump_sees_a_new_table() -> None:
    with PostgresServer() as postgres:
        url = postgres.create_database("support_check")
        assert url == f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/support_check"
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.begin() as conn:
                version = conn.execute(
                    sqlalchemy.text("SELECT current_setting('server_version_num')")
                ).scalar_one()
                conn.execute(
                    sqlalchemy.text("CREATE TABLE support_widget (id integer PRIMARY KEY)")
                )
                conn.execute(sqlalchemy.text("INSERT INTO support_widget VALUES (42)"))
        finally:
            engine.dispose()
        assert str(version).startswith("15"), version
        dump = postgres.pg_dump("support_check")
        assert b"CREATE TABLE public.support_widget" in dump
        assert b"42" in dump
        assert b"support_widget" not in postgres.pg_dump("postgres")


def test_stop_closes_the_port_and_deletes_the_temp_dir() -> None:
    postgres = PostgresServer()
    postgres.start()
    port, root = postgres.port, postgres.root
    assert root.is_dir()
    postgres.stop()
    assert not root.exists()
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"host=127.0.0.1 port={port} user=postgres", connect_timeout=2)
    postgres.stop()  # idempotent: the integration suite stops a server inside its `with` block
