"""Reads run on the driver (`storage.prepared`): the same rows as SQLAlchemy gives, the
transaction's own deferred rows seen, and driver errors raised as SQLAlchemy's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import DBAPIError

from customer_core.storage import create_engine, deferred, run_in_transaction
from customer_core.storage.prepared import PreparedSelect
from customer_core.storage.tables import customers, subject_records


def _customer(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    row = {
        "id": uuid.uuid4(), "customer_number": uuid.uuid4().hex[:17], "type": "INDIVIDUAL",
        "status": "ACTIVE", "owning_org_unit": "HO01", "display_name": "100% Prepared",
        "version": 3, "create_time": now - timedelta(days=400, microseconds=7),
        "update_time": now, "merged_into_id": None, "close_reason": None, "close_time": None,
        "erase_time": None,
    }  # fmt: skip
    row.update(overrides)
    return row


def _record(customer_id: uuid.UUID, payload: bytes) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(), "customer_id": customer_id, "subject": "contact",
        "type_url": "type.googleapis.com/x.Y", "schema_version": 1, "payload": payload,
        "sealed": None, "source_system": None, "version": 1, "create_time": now,
        "update_time": now,
    }  # fmt: skip


#: A customer by number and its records by the customer's id, with typed NULLs, as the 360 view.
_BY_NUMBER = select(customers.c.id).where(customers.c.customer_number == bindparam("number"))
_VIEW = union_all(
    select(
        literal_column("'customer'", String).label("kind"),
        customers.c.id,
        customers.c.display_name,
        customers.c.create_time,
        customers.c.close_time,
        cast(null(), subject_records.c.payload.type).label("payload"),
    ).where(customers.c.customer_number == bindparam("number")),
    select(
        literal_column("'record'", String).label("kind"),
        subject_records.c.id,
        cast(null(), customers.c.display_name.type).label("display_name"),
        subject_records.c.create_time,
        cast(null(), customers.c.close_time.type).label("close_time"),
        subject_records.c.payload,
    ).where(subject_records.c.customer_id == _BY_NUMBER.scalar_subquery()),
)
PREPARED = PreparedSelect(_VIEW)


@pytest.fixture
def engine(new_database: Any) -> Any:
    engine = create_engine(new_database("prepared"))
    yield engine
    engine.dispose()


def _insert(engine: Any, customer: dict[str, Any], *records: dict[str, Any]) -> None:
    def work(connection: Any) -> None:
        connection.execute(customers.insert(), [customer])
        if records:
            connection.execute(subject_records.insert(), list(records))

    run_in_transaction(engine, work)


def test_rows_are_those_sqlalchemy_gives_with_the_columns_as_attributes(engine: Any) -> None:
    customer = _customer()
    records = [_record(customer["id"], b"\x00\x01 binary \xff"), _record(customer["id"], b"")]
    _insert(engine, customer, *records)

    def both(connection: Any) -> tuple[list[Any], list[Any]]:
        number = customer["customer_number"]
        by_sqlalchemy = [tuple(r) for r in connection.execute(_VIEW, {"number": number})]
        return by_sqlalchemy, PREPARED.all(connection, number=number)

    expected, rows = run_in_transaction(engine, both, write=False)
    assert sorted(map(tuple, rows), key=repr) == sorted(expected, key=repr)
    first = next(r for r in rows if r.kind == "customer")
    assert first.id == customer["id"] and isinstance(first.id, uuid.UUID)
    assert first.display_name == "100% Prepared"  # a literal % is not a placeholder
    assert first.create_time == customer["create_time"] and first.create_time.tzinfo is not None
    assert first.close_time is None
    assert {r.payload for r in rows if r.kind == "record"} == {b"\x00\x01 binary \xff", b""}


def test_an_unknown_number_gives_no_rows_outside_a_transaction(engine: Any) -> None:
    rows = run_in_transaction(
        engine, lambda c: PREPARED.all(c, number="0" * 18), write=False, autocommit=True
    )
    assert rows == []


def test_a_read_in_a_transaction_sees_the_rows_it_deferred(engine: Any) -> None:
    customer = _customer()

    def work(connection: Any) -> list[Any]:
        deferred.defer(connection, customers, [customer])
        return PREPARED.all(connection, number=customer["customer_number"])

    rows = run_in_transaction(engine, work)
    assert [r.id for r in rows] == [customer["id"]]


def test_a_driver_error_is_raised_as_sqlalchemys_and_the_connection_is_usable_after(
    engine: Any,
) -> None:
    missing = Table("no_such_table", MetaData(), Column("id", Uuid))
    broken = PreparedSelect(select(missing.c.id).where(missing.c.id == bindparam("id")))
    with engine.connect() as connection, pytest.raises(DBAPIError, match="no_such_table") as raised:
        broken.all(connection, id=uuid.uuid4())
    assert not raised.value.connection_invalidated  # the server answered: not a lost connection
    customer = _customer()
    _insert(engine, customer)
    rows = run_in_transaction(
        engine, lambda c: PREPARED.all(c, number=customer["customer_number"]), write=False
    )
    assert len(rows) == 1


def test_parameters_are_bound_as_sqlalchemy_binds_them(engine: Any) -> None:
    # A UUID is stored as text on SQLite: its bind processor must run on the driver path too.
    customer = _customer()
    _insert(engine, customer)
    by_id = PreparedSelect(
        select(customers.c.customer_number).where(customers.c.id == bindparam("id"))
    )
    rows = run_in_transaction(engine, lambda c: by_id.all(c, id=customer["id"]), write=False)
    assert [r.customer_number for r in rows] == [customer["customer_number"]]


def test_a_missing_parameter_names_it(engine: Any) -> None:
    with pytest.raises(KeyError, match="number"):
        run_in_transaction(engine, lambda c: PREPARED.all(c), write=False)
