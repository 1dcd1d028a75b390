"""SERIALIZABLE conflicts (SQLSTATE 40001) are retried by the one transaction helper."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from customer_core.storage import create_engine, run_in_transaction


@pytest.mark.postgresql_only
def test_two_conflicting_transactions_end_in_one_retry_with_both_effects(database_url: str) -> None:
    table = f"skew_{uuid.uuid4().hex[:8]}"
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {table} (k text PRIMARY KEY, v int NOT NULL)"))
        connection.execute(text(f"INSERT INTO {table} VALUES ('a', 0), ('b', 0)"))
    attempts: Counter[str] = Counter()
    retries: list[tuple[str, str]] = []
    both_read = threading.Barrier(2, timeout=20)

    def bump(key: str):  # type: ignore[no-untyped-def]
        # Classic write skew: each reads both rows and writes its own from their sum.
        def unit(connection: Connection) -> None:
            attempts[key] += 1
            total = connection.execute(text(f"SELECT sum(v) FROM {table}")).scalar_one()
            if attempts[key] == 1:
                both_read.wait()  # the first attempts overlap for sure
            connection.execute(
                text(f"UPDATE {table} SET v = :v WHERE k = :k"), {"v": total + 1, "k": key}
            )

        def on_retry(attempt: int, error: BaseException) -> None:
            retries.append((key, getattr(getattr(error, "orig", None), "sqlstate", "")))

        run_in_transaction(engine, unit, on_retry=on_retry)

    threads = [threading.Thread(target=bump, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as connection:
        values = dict(connection.execute(text(f"SELECT k, v FROM {table}")).tuples().all())
        connection.execute(text(f"DROP TABLE {table}"))
        connection.commit()
    engine.dispose()
    assert len(retries) == 1 and retries[0][1] == "40001"
    assert sum(attempts.values()) == 3
    assert sorted(values.values()) == [1, 2]  # as if one ran after the other


def test_an_autocommit_read_opens_no_transaction_and_leaves_the_pool_transactional(
    database_url: str,
) -> None:
    """`autocommit` reads without BEGIN; the connection goes back to the pool as it came, so the
    next unit of work on it is one transaction again (a failure rolls all of it back)."""
    engine = create_engine(database_url, pool_size=1)  # every unit of work gets the same connection
    table = f"ac_{uuid.uuid4().hex[:8]}"
    run_in_transaction(engine, lambda c: c.execute(text(f"CREATE TABLE {table} (k int)")))

    def in_transaction(connection: Connection) -> bool:
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None
        connection.execute(text(f"SELECT count(*) FROM {table}"))
        if engine.dialect.name == "sqlite":
            return bool(dbapi.in_transaction)
        return bool(dbapi.info.transaction_status != 0)  # 0: idle

    assert run_in_transaction(engine, in_transaction, write=False, autocommit=True) is False
    assert run_in_transaction(engine, in_transaction, write=False) is True

    def insert_then_fail(connection: Connection) -> None:
        connection.execute(text(f"INSERT INTO {table} VALUES (1)"))
        raise LookupError("the unit of work fails after writing")

    with pytest.raises(LookupError):
        run_in_transaction(engine, insert_then_fail)
    count = run_in_transaction(
        engine,
        lambda c: c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one(),
        write=False,
        autocommit=True,
    )
    assert count == 0  # rolled back: the autocommit read did not leak into the next transaction
    with pytest.raises(ValueError, match="write"):
        run_in_transaction(engine, lambda c: None, autocommit=True)
    run_in_transaction(engine, lambda c: c.execute(text(f"DROP TABLE {table}")))
    engine.dispose()
