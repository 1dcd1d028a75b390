"""An auditor verifies the ledger: sealed, signed blocks check out, and every kind of tampering by
someone with the database owner's rights is caught and named (the exact entry or block).

Each test has a server and database of its own, since tampering cannot be undone.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from customer_core.api.server import RunningServer
from customer_core.client import Client
from customer_core.ledger import blocks, merkle, signing
from customer_core.ledger.chain import entry_hash
from customer_core.ledger.verify import verify
from customer_core.storage.tables import (
    ledger_blocks,
    ledger_entries,
    ledger_offsets,
    ledger_signing_keys,
)
from customer_core.v1 import customer_pb2, ledger_pb2, ledger_pb2_grpc
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import id_card, mobile, profile, unique

CLI = str(Path(sys.executable).parent / "customer-core")
BLOCK_SIZE = 4
APPEND_ONLY = ("ledger_entries", "ledger_offsets", "ledger_blocks", "ledger_signing_keys")


@dataclass
class Ledger:
    url: str
    running: RunningServer
    client: Client
    stub: Any
    metadata: tuple[tuple[str, str], ...]

    def verify(self, chains: bool = True, first: int = 0, last: int = 0) -> Any:
        request = ledger_pb2.VerifyLedgerRequest(first_block=first, last_block=last, chains=chains)
        return self.stub.VerifyLedger(request, metadata=self.metadata, timeout=60)

    def proof(self, entry_id: str) -> ledger_pb2.InclusionProof:
        request = ledger_pb2.GetInclusionProofRequest(entry_id=entry_id)
        return self.stub.GetInclusionProof(request, metadata=self.metadata, timeout=30)

    def rows(self, query: Any) -> list[Any]:
        with self.running.kernel.engine.connect() as connection:
            return list(connection.execute(query).all())


@pytest.fixture
def ledger(new_database) -> Iterator[Ledger]:  # type: ignore[no-untyped-def]
    url = str(new_database("ledger"))
    running = start_server(url, ledger_block_size=BLOCK_SIZE)
    token = admin_token(running)
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        with Client(f"127.0.0.1:{running.port}", token=token) as client:
            yield Ledger(
                url,
                running,
                client,
                ledger_pb2_grpc.LedgerServiceStub(channel),
                (("authorization", f"Bearer {token}"),),
            )
    finally:
        channel.close()
        running.stop(grace=1)


def write_changes(client: Client, customers: int = 3) -> list[customer_pb2.Customer]:
    """Customers with records and cross-references, each changed a few times (chains of 5+)."""
    made = []
    for i in range(customers):
        customer = client.create_customer(
            type="individual", owning_org_unit="HO01", display_name=f"Zhang San {i}",
            cross_references=[("CORE", unique("C"))], records=[profile(), id_card()],
        )  # fmt: skip
        client.create_record(customer.customer_number, mobile(f"+86139{i:08d}"))
        for n in range(2):
            customer.display_name = f"Zhang San {i}.{n}"
            customer = client.update_customer(customer, ["display_name"])
        made.append(customer)
    return made


def chain_rows(ledger: Ledger, customer: customer_pb2.Customer) -> list[Any]:
    return ledger.rows(
        select(ledger_entries)
        .where(ledger_entries.c.chain == f"customers/{customer.customer_number}")
        .order_by(ledger_entries.c.sequence)
    )


def block_of(ledger: Ledger, entry_id: uuid.UUID) -> int:
    rows = ledger.rows(
        select(ledger_offsets.c.block_height).where(ledger_offsets.c.entry_id == entry_id)
    )
    return int(rows[0].block_height)


def tamper(url: str, table: str, statement: Any) -> None:
    """Runs `statement` as the database owner, around the append-only guard of `table`."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                for action in ("UPDATE", "DELETE"):
                    connection.exec_driver_sql(f"DROP TRIGGER {table}_no_{action.lower()}")
                connection.execute(statement)
                for action in ("UPDATE", "DELETE"):
                    connection.exec_driver_sql(
                        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                    )
            else:  # the postgres superuser: triggers do not fire for a replication session
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                connection.execute(statement)
    finally:
        engine.dispose()


def flip(data: bytes, at: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_changes_are_sealed_into_chained_signed_blocks_that_verify(ledger: Ledger) -> None:
    write_changes(ledger.client)
    ledger.running.sealer.seal_now()
    entries = ledger.rows(select(ledger_entries.c.id))
    offsets = ledger.rows(select(ledger_offsets).order_by(ledger_offsets.c.offset))
    heads = ledger.rows(select(ledger_blocks).order_by(ledger_blocks.c.height))
    # Every entry exactly once, offsets 1..N, blocks of at most BLOCK_SIZE covering them in order.
    assert [o.offset for o in offsets] == list(range(1, len(entries) + 1))
    assert {o.entry_id for o in offsets} == {e.id for e in entries}
    assert [b.height for b in heads] == list(range(1, len(heads) + 1))
    assert heads[0].first_offset == 1 and heads[-1].last_offset == len(entries)
    for before, block in itertools.pairwise(heads):
        assert block.first_offset == before.last_offset + 1 and block.prev_hash == before.hash
    assert max(b.last_offset - b.first_offset + 1 for b in heads) <= BLOCK_SIZE
    keys = ledger.rows(select(ledger_signing_keys.c.public_key))
    assert {b.public_key for b in heads} == {keys[0].public_key}
    for chains in (False, True):
        result = ledger.verify(chains=chains)
        assert result.ok, result.first_failure
        assert result.blocks_checked == len(heads)
        assert result.entries_checked == len(entries)
    middle = ledger.verify(first=2, last=3)
    assert middle.ok and middle.blocks_checked == 2


def test_the_background_sealer_seals_without_being_asked(new_database) -> None:  # type: ignore[no-untyped-def]
    running = start_server(str(new_database("background")), ledger_seal_interval=0.2)
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            write_changes(client, customers=2)
        engine = running.kernel.engine

        def unsealed() -> int:
            with engine.connect() as connection:
                entries = connection.execute(
                    select(sqlalchemy.func.count()).select_from(ledger_entries)
                )
                return int(entries.scalar_one()) - len(
                    connection.execute(select(ledger_offsets)).all()
                )

        for _ in range(100):
            if unsealed() == 0:
                break
            time.sleep(0.1)
        assert unsealed() == 0
    finally:
        running.stop(grace=1)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_database_refuses_to_change_or_delete_ledger_rows(ledger: Ledger, table: str) -> None:
    write_changes(ledger.client, customers=1)
    ledger.running.sealer.seal_now()
    target = sqlalchemy.Table(
        table, sqlalchemy.MetaData(), autoload_with=ledger.running.kernel.engine
    )
    column = next(iter(target.primary_key.columns))
    for statement in (update(target).values({column.name: column}), delete(target)):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            ledger.running.kernel.engine.begin() as connection,
        ):
            connection.execute(statement)
    assert ledger.verify().ok


def test_an_edited_entry_is_named(ledger: Ledger) -> None:
    customer = write_changes(ledger.client)[1]
    ledger.running.sealer.seal_now()
    victim = chain_rows(ledger, customer)[1]
    body = ledger_pb2.LedgerEntry.FromString(victim.entry)
    body.principal = "someone-else"  # a well-formed entry that says something else
    forged = body.SerializeToString(deterministic=True)
    statement = update(ledger_entries).where(ledger_entries.c.id == victim.id).values(entry=forged)
    tamper(ledger.url, "ledger_entries", statement)
    for chains in (False, True):
        result = ledger.verify(chains=chains)
        assert not result.ok
        assert result.failed_entry == str(victim.id), result.first_failure
        assert result.failed_block == 0
        assert "hash does not match" in result.first_failure


def test_an_edited_entry_with_recomputed_hashes_breaks_its_block(ledger: Ledger) -> None:
    customer = write_changes(ledger.client)[0]
    ledger.running.sealer.seal_now()
    last = chain_rows(ledger, customer)[-1]  # the chain's tip: no successor links to its hash
    forged = flip(bytes(last.entry), len(last.entry) - 1)
    statement = (
        update(ledger_entries)
        .where(ledger_entries.c.id == last.id)
        .values(entry=forged, hash=entry_hash(bytes(last.prev_hash), forged))
    )
    tamper(ledger.url, "ledger_entries", statement)
    result = ledger.verify(chains=False)
    assert not result.ok
    assert result.failed_block == block_of(ledger, last.id), result.first_failure
    assert "Merkle root" in result.first_failure


def test_a_deleted_entry_is_named(ledger: Ledger) -> None:
    customer = write_changes(ledger.client)[2]
    ledger.running.sealer.seal_now()
    victim = chain_rows(ledger, customer)[2]
    tamper(
        ledger.url, "ledger_entries", delete(ledger_entries).where(ledger_entries.c.id == victim.id)
    )
    for chains in (False, True):
        result = ledger.verify(chains=chains)
        assert not result.ok
        assert result.failed_entry == str(victim.id), result.first_failure
        assert "missing" in result.first_failure


def test_two_entries_of_a_chain_swapped_are_named(ledger: Ledger) -> None:
    customer = write_changes(ledger.client)[1]
    ledger.running.sealer.seal_now()
    rows = chain_rows(ledger, customer)
    second, third = rows[1], rows[2]
    where = ledger_entries.c.id
    for entry_id, sequence in ((second.id, -1), (third.id, 2), (second.id, 3)):
        tamper(
            ledger.url,
            "ledger_entries",
            update(ledger_entries).where(where == entry_id).values(sequence=sequence),
        )
    result = ledger.verify(chains=True)
    assert not result.ok
    # The chain now reads 1, third, second: the entry in second place is the first wrong one.
    assert result.failed_entry == str(third.id), result.first_failure
    assert "sequence 3" in result.first_failure


@pytest.mark.parametrize("column", ["merkle_root", "signature", "prev_hash", "fencing_token"])
def test_an_edited_block_is_named(ledger: Ledger, column: str) -> None:
    write_changes(ledger.client)
    ledger.running.sealer.seal_now()
    heads = ledger.rows(select(ledger_blocks).order_by(ledger_blocks.c.height))
    assert len(heads) >= 3
    victim = heads[1]
    # A token below the one before it (tokens are signed, so raising them all would break block 1).
    value: Any = -1 if column == "fencing_token" else flip(bytes(getattr(victim, column)), 5)
    statement = (
        update(ledger_blocks).where(ledger_blocks.c.height == victim.height).values({column: value})
    )
    tamper(ledger.url, "ledger_blocks", statement)
    result = ledger.verify(chains=False)
    assert not result.ok
    assert result.failed_block == victim.height, result.first_failure
    assert result.failed_entry == ""
    assert result.blocks_checked == victim.height - 1


def test_a_block_rehashed_by_someone_without_the_key_fails_its_signature(ledger: Ledger) -> None:
    write_changes(ledger.client)
    ledger.running.sealer.seal_now()
    block = ledger.rows(select(ledger_blocks).where(ledger_blocks.c.height == 2))[0]
    root = flip(bytes(block.merkle_root))
    rehashed = blocks.head_hash(
        2,
        block.first_offset,
        block.last_offset,
        root,
        bytes(block.prev_hash),
        blocks.micros(block.sealed_at),
    )
    statement = (
        update(ledger_blocks)
        .where(ledger_blocks.c.height == 2)
        .values(merkle_root=root, hash=rehashed)
    )
    tamper(ledger.url, "ledger_blocks", statement)
    result = ledger.verify(chains=False)
    assert (result.ok, result.failed_block) == (False, 2)
    assert "signature" in result.first_failure


def test_an_entry_has_an_inclusion_proof_that_checks_alone(ledger: Ledger) -> None:
    customer = write_changes(ledger.client)[0]
    ledger.running.sealer.seal_now()
    with ledger.running.kernel.engine.connect() as connection:
        trusted = signing.public_keys(connection)
    for row in chain_rows(ledger, customer):
        proof = ledger.proof(str(row.id))
        assert proof.entry.id == str(row.id) and proof.entry.offset > 0
        assert merkle.verify_inclusion(proof, trusted_keys=trusted)
        data = proof.SerializeToString()
        for at in (len(data) // 3, len(data) // 2, len(data) - 3):  # entry, path, signature
            try:
                altered = ledger_pb2.InclusionProof.FromString(flip(data, at))
            except Exception:
                continue
            assert not merkle.verify_inclusion(altered, trusted_keys=trusted)
    # The same proof built straight from the database.
    with ledger.running.kernel.engine.connect() as connection:
        assert verify(connection).ok


def test_an_unknown_or_unsealed_entry_has_no_proof(ledger: Ledger) -> None:
    with pytest.raises(grpc.RpcError) as unknown:
        ledger.proof(str(uuid.uuid4()))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    ledger.running.sealer.stop()  # nothing gets sealed from here on
    write_changes(ledger.client, customers=1)
    unsealed = ledger.rows(
        select(ledger_entries.c.id).where(
            ~sqlalchemy.exists().where(ledger_offsets.c.entry_id == ledger_entries.c.id)
        )
    )
    assert unsealed
    with pytest.raises(grpc.RpcError) as pending:
        ledger.proof(str(unsealed[0].id))
    assert pending.value.code() == grpc.StatusCode.NOT_FOUND


def test_the_cli_seals_and_verifies_and_exits_1_naming_the_damage(ledger: Ledger) -> None:
    customer = write_changes(ledger.client, customers=2)[0]
    env = {
        **os.environ,
        "CUSTOMER_CORE_DATABASE_URL": ledger.url,
        "CUSTOMER_CORE_LEDGER_BLOCK_SIZE": str(BLOCK_SIZE),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, "ledger", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )

    sealed = cli("seal-now")
    assert sealed.returncode == 0, sealed.stderr
    checked = cli("verify", "--chains")
    assert checked.returncode == 0, checked.stderr
    assert "ledger OK" in checked.stderr
    assert cli("verify", "--from", "1", "--to", "2").returncode == 0
    victim = chain_rows(ledger, customer)[0]
    tamper(
        ledger.url,
        "ledger_entries",
        update(ledger_entries)
        .where(ledger_entries.c.id == victim.id)
        .values(entry=flip(bytes(victim.entry), 3)),
    )
    damaged = cli("verify", "--chains")
    assert damaged.returncode == 1
    assert str(victim.id) in damaged.stderr
