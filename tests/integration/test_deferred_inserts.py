"""Deferred inserts (`storage.deferred`): held back, then sent together, and never observably so:
reads see them, conditions and collisions retry the transaction, nothing is lost at commit."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from customer_core.storage import bulk, create_engine, deferred, run_in_transaction
from customer_core.storage.driver import add_statement_observer
from customer_core.storage.tables import cross_references, customers, ledger_entries
from tests.integration.helpers import id_card, mobile, profile, unique


def _customer(number: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(), "customer_number": number or uuid.uuid4().hex[:17],
        "type": "INDIVIDUAL", "status": "ACTIVE", "owning_org_unit": "HO01",
        "display_name": "Deferred", "version": 1, "create_time": now, "update_time": now,
        "merged_into_id": None, "close_reason": None, "close_time": None, "erase_time": None,
    }  # fmt: skip


def _entry(customer_id: uuid.UUID, sequence: int) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(), "chain": f"test/{customer_id}", "sequence": sequence,
        "time": datetime.now(UTC), "customer_id": customer_id, "source_system": "",
        "entry": b"\x00entry", "prev_hash": b"\x01" * 32, "hash": b"\x02" * 32,
    }  # fmt: skip


def _count(engine: Any, table: Any, where: Any) -> int:
    query = select(func.count()).select_from(table).where(where)
    return int(run_in_transaction(engine, lambda c: c.execute(query).scalar_one(), write=False))


def _sent_to_driver(kind: str) -> Iterator[list[str]]:
    """The statements of `kind` this thread sends to the driver itself, as they go (told by
    `storage.driver`'s observers; not the test server's audit writer, on threads of its own)."""
    sent: list[str] = []
    thread = threading.get_ident()

    def observe(seen: str, _dialect: str, sql: str, *_rest: Any) -> None:
        if seen == kind and threading.get_ident() == thread:
            sent.append(sql)

    remove = add_statement_observer(observe)
    try:
        yield sent
    finally:
        remove()


@pytest.fixture
def numbered() -> Iterator[list[str]]:
    """The deferred inserts' statements sent through psycopg's RawCursor."""
    yield from _sent_to_driver("deferred")


@pytest.fixture
def executemany() -> Iterator[list[str]]:
    """The INSERTs sent to sqlite3's executemany."""
    yield from _sent_to_driver("executemany")


@pytest.fixture
def engine(new_database: Any) -> Any:
    # A database of its own: the ledger entries written here are not real ones.
    engine = create_engine(new_database("deferred"))
    yield engine
    engine.dispose()


def test_a_read_in_the_same_transaction_sees_deferred_rows(engine: Any) -> None:
    row = _customer()

    def work(connection: Any) -> int:
        deferred.defer(connection, customers, [row])
        deferred.defer(connection, ledger_entries, [_entry(row["id"], 1), _entry(row["id"], 2)])
        seen = connection.execute(
            select(func.count())
            .select_from(ledger_entries)
            .where(ledger_entries.c.customer_id == row["id"])
        ).scalar_one()
        return int(seen)

    assert run_in_transaction(engine, work) == 2  # flushed before the read, in order (FK)
    assert _count(engine, customers, customers.c.id == row["id"]) == 1


def test_the_gate_and_the_rows_go_as_one_statement_on_postgresql(
    engine: Any, backend: str, numbered: list[str], executemany: list[str]
) -> None:
    row = _customer()
    through_sqlalchemy: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: through_sqlalchemy.append(a[2]))
    gate = (text("SELECT CAST(:word AS TEXT)"), {"word": "done"})  # lets the rows in

    def work(connection: Any) -> Any:
        deferred.defer(connection, customers, [row])
        for sequence in (1, 2, 3):
            deferred.defer(connection, ledger_entries, [_entry(row["id"], sequence)])
        return deferred.flush(connection, gate=gate)

    assert run_in_transaction(engine, work) == "done"
    assert _count(engine, ledger_entries, ledger_entries.c.customer_id == row["id"]) == 3
    if backend == "postgresql":
        assert len(numbered) == 1 and through_sqlalchemy[:-1] == []  # [-1]: the count above
        assert numbered[0].startswith("WITH gate AS (SELECT CAST($1 AS TEXT)), g0 AS (INSERT INTO")
        assert "g1 AS (INSERT INTO ledger_entries" in numbered[0]  # the 3 rows, together
    else:  # SQLite: the gate, then one executemany per table, straight to the driver
        assert numbered == [] and through_sqlalchemy[0] == "SELECT CAST(? AS TEXT)"
        assert len(through_sqlalchemy) == 2  # the gate and the count above
        assert [sql.split()[2] for sql in executemany] == ["customers", "ledger_entries"]


def test_a_computed_column_that_is_null_retries_the_transaction(engine: Any) -> None:
    row, attempts, errors = _customer(), [], []

    def work(connection: Any) -> None:
        attempts.append(1)
        deferred.defer(connection, customers, [_customer()])  # goes (or not) with it
        deferred.defer(
            connection, ledger_entries, [_entry(row["id"], 1)],
            computed=(("source_system", "SELECT CAST(:name AS TEXT) WHERE :attempt > 1"),),
            on_error=lambda: errors.append(1), name="CORE", attempt=len(attempts),
        )  # fmt: skip

    run_in_transaction(engine, work)  # NULL, then NOT NULL is refused, on the first attempt
    assert len(attempts) == 2 and len(errors) == 1
    entries = run_in_transaction(
        engine,
        lambda c: (
            c.execute(
                select(ledger_entries.c.source_system).where(
                    ledger_entries.c.customer_id == row["id"]
                )
            )
            .scalars()
            .all()
        ),
        write=False,
    )
    assert entries == ["CORE"]  # one entry: the first attempt's rows all went back


def test_a_collision_retries_the_transaction(engine: Any) -> None:
    taken = _customer()
    run_in_transaction(engine, lambda c: deferred.defer(c, customers, [taken]))
    attempts: list[int] = []

    def work(connection: Any) -> None:
        attempts.append(1)
        number = taken["customer_number"] if len(attempts) == 1 else uuid.uuid4().hex[:17]
        deferred.defer(connection, customers, [_customer(number)])

    run_in_transaction(engine, work)  # the number was taken: drawn again on the retry
    assert len(attempts) == 2


def test_a_commit_with_rows_still_held_back_fails(engine: Any) -> None:
    row = _customer()
    failed = pytest.raises(RuntimeError, match="deferred inserts not flushed")
    with failed, engine.begin() as connection:  # not run_in_transaction, which flushes first
        deferred.defer(connection, customers, [row])
    assert _count(engine, customers, customers.c.id == row["id"]) == 0


def test_a_table_met_again_starts_another_statement(
    engine: Any, backend: str, numbered: list[str]
) -> None:
    # CockroachDB refuses two modifications of one table in one statement.
    first, second = _customer(), _customer()

    def work(connection: Any) -> None:
        for row in (first, second):  # two conditions: two groups of one table
            deferred.defer(  # computed columns: a group of its own
                connection, customers, [row],
                computed=(("display_name", "SELECT CAST(:n AS TEXT)"),), n="computed",
            )  # fmt: skip
            deferred.defer(connection, ledger_entries, [_entry(row["id"], 1)])

    run_in_transaction(engine, work)
    assert _count(engine, customers, customers.c.id.in_([first["id"], second["id"]])) == 2
    if backend == "postgresql":
        assert len(numbered) == 2
        for sql in numbered:
            assert sql.count("INSERT INTO customers") == 1
            assert sql.count(" AS (INSERT") == sql.count("SELECT count(*) FROM g")  # all read


def test_a_gate_that_yields_nothing_lets_no_row_in(engine: Any) -> None:
    row = _customer()
    closed = (text("SELECT CAST(:word AS TEXT) WHERE 1 = 0"), {"word": "never"})

    def work(connection: Any) -> Any:
        deferred.defer(connection, customers, [row])
        deferred.defer(connection, ledger_entries, [_entry(row["id"], 1)])
        return deferred.flush(connection, gate=closed, last=True)

    assert run_in_transaction(engine, work) is None
    assert _count(engine, customers, customers.c.id == row["id"]) == 0
    assert _count(engine, ledger_entries, ledger_entries.c.customer_id == row["id"]) == 0


@pytest.mark.postgresql_only
def test_a_write_that_did_nothing_else_is_one_statement_on_its_own(engine: Any) -> None:
    # No BEGIN and no COMMIT: the statement is its own transaction; not with computed columns
    # (they read, and a statement on its own is READ COMMITTED on PostgreSQL).
    gate = (text("SELECT CAST(:word AS TEXT)"), {"word": "in"})
    status: dict[str, str] = {}

    def work(connection: Any, computed: Any) -> None:
        deferred.defer(connection, customers, [_customer()], computed=computed, n="computed")
        deferred.flush(connection, gate=gate, last=True)
        driver = connection.connection.driver_connection
        status[computed[0][0] if computed else "none"] = driver.info.transaction_status.name

    run_in_transaction(engine, lambda c: work(c, ()))
    run_in_transaction(engine, lambda c: work(c, (("display_name", "SELECT CAST(:n AS TEXT)"),)))
    assert status == {"none": "IDLE", "display_name": "INTRANS"}
    # Not when something ran before it in the transaction.
    run_in_transaction(engine, lambda c: (c.execute(text("SELECT 1")), work(c, ())))
    assert status["none"] == "INTRANS"


def test_rows_go_after_the_rows_they_refer_to_whatever_was_deferred_between(engine: Any) -> None:
    # Plain rows of a table go together, but not ahead of a group of a table they refer to
    # (here customers with a computed column, deferred between the two cross-references).
    first, second = _customer(), _customer()

    def xref(customer: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(), "customer_id": customer["id"], "source_system": "CORE",
            "local_id": uuid.uuid4().hex, "create_time": datetime.now(UTC),
        }  # fmt: skip

    def work(connection: Any) -> None:
        deferred.defer(connection, customers, [first])
        deferred.defer(connection, cross_references, [xref(first)])
        deferred.defer(
            connection, customers, [second],
            computed=(("display_name", "SELECT CAST(:n AS TEXT)"),), n="computed",
        )  # fmt: skip
        deferred.defer(connection, cross_references, [xref(second)])  # after `second`

    run_in_transaction(engine, work)  # once: no foreign key refused it
    ids = [first["id"], second["id"]]
    assert _count(engine, cross_references, cross_references.c.customer_id.in_(ids)) == 2


def test_a_row_that_is_not_a_driver_row_is_a_mistake_not_a_race(engine: Any) -> None:
    # A misspelled column is NULL in a NOT NULL column: named, not retried as a collision.
    row = _customer()
    row["displayname"] = row.pop("display_name")
    attempts: list[int] = []

    def work(connection: Any) -> None:
        attempts.append(1)
        deferred.defer(connection, customers, [row])

    with pytest.raises(ValueError, match="'displayname' is not a column"):
        run_in_transaction(engine, work)
    assert len(attempts) == 1


def test_the_kernels_own_rows_are_driver_rows(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # As in Python's development mode: every row deferred or inserted is checked first.
    monkeypatch.setattr(bulk, "CHECK_ROWS", True)
    customer = client.create_customer(
        type="individual", owning_org_unit="HO01", display_name="Checked",
        cross_references=[("CORE", unique("C"))], records=[profile(), id_card(), mobile()],
    )  # fmt: skip
    view = client.get_360(customer.customer_number)
    assert sum(len(subject.records) for subject in view.subjects) == 3
