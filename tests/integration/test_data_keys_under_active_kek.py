"""New data keys are wrapped under the KEK last seen active without reading it, and only while it
still is: a replica whose knowledge is stale (another one rotated the KEK) wraps under the new one."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, update

from customer_core.crypto.keyring import CUSTOMER_DATA, Keyring, customer_scope
from customer_core.crypto.master_key import FileMasterKey
from customer_core.storage import create_engine, run_in_transaction
from customer_core.storage.tables import data_keys, key_encryption_keys


def _make_keys(keyring: Keyring, engine: Any, subject: str) -> Any:
    customer = uuid.uuid4()
    scope = customer_scope(customer, subject)
    run_in_transaction(
        engine, lambda c: keyring.create_data_keys(c, [(scope, customer)], CUSTOMER_DATA, 1)
    )
    row = run_in_transaction(
        engine,
        lambda c: c.execute(select(data_keys).where(data_keys.c.scope == scope)).one(),
        write=False,
    )
    return row


def test_a_stale_kek_version_is_never_used_for_new_keys(new_database: Any, tmp_path: Path) -> None:
    engine = create_engine(new_database("kekhint"))
    master = FileMasterKey(tmp_path / "master.key")
    replica_a, replica_b = Keyring(master), Keyring(master)
    kek_reads: list[str] = []

    def seen(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "key_encryption_keys" in statement:
            kek_reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        first = _make_keys(replica_a, engine, "contact")  # creates KEK v1, learns it is active
        assert first.kek_version == 1
        kek_reads.clear()
        again = _make_keys(replica_a, engine, "identification")
        assert again.kek_version == 1
        assert kek_reads == []  # wrapped under the known version: no statement read the KEK

        def rotate(c: Any) -> None:  # replica B rotates the KEK; A does not know
            c.execute(
                update(key_encryption_keys)
                .where(key_encryption_keys.c.domain == CUSTOMER_DATA)
                .values(status="decrypt-only")
            )
            replica_b.create_kek(c, CUSTOMER_DATA, 2)

        run_in_transaction(engine, rotate)
        after = _make_keys(replica_a, engine, "contact")
        assert after.kek_version == 2  # the guard refused v1; the active KEK was read instead
        fresh = Keyring(master)  # nothing cached: unwraps the stored key under KEK v2
        key = run_in_transaction(engine, lambda c: fresh.data_key(c, after.id), write=False)
        assert key.scope == after.scope and len(key.key) == 16
    finally:
        engine.dispose()
