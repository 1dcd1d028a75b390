"""No column of a ledger table can be changed unnoticed: each edit, one at a time, is named.

A sealed ledger (customers with records, written for two source systems, several blocks, kernel-wide
entries, one entry not sealed yet) is built once and copied afresh for every edit. Each edit
changes one column of one row the way someone with the database owner's rights would (around the
append-only guard): another customer's id, a time a second later, another source system, another
offset or key. Verification, both without and with `chains`, in the kernel and through
`customer-core ledger verify --chains`, must fail and name the entry, the block or the signing key.

Blocks sealed in the older head format (before revision 0005: the fencing token not signed) still
verify, below every block of the current format and never above one.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from alembic import command
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from customer_core.client import Client
from customer_core.crypto import primitives
from customer_core.ledger import blocks, merkle, signing
from customer_core.ledger.verify import inclusion_proof, verify
from customer_core.storage import create_engine, migrate, run_in_transaction
from customer_core.storage.migrate import alembic_config
from customer_core.storage.tables import (
    customers,
    ledger_blocks,
    ledger_entries,
    ledger_offsets,
    ledger_signing_keys,
)
from customer_core.v1 import ledger_pb2
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import id_card, mobile, profile, unique

CLI = str(Path(sys.executable).parent / "customer-core")
BLOCK_SIZE = 4
#: Long enough that only `seal_now` seals: the last entry written stays unsealed.
QUIET = {"ledger_block_size": BLOCK_SIZE, "ledger_seal_interval": 3600.0}
SYSTEMS = ("CORE", "CARDS")

_E, _O, _B, _K = ledger_entries.c, ledger_offsets.c, ledger_blocks.c, ledger_signing_keys.c


def write_changes(client: Client, customers: int = 2) -> None:
    """Customers with records and cross-references, each changed a few times."""
    for i in range(customers):
        customer = client.create_customer(
            type="individual", owning_org_unit="HO01", display_name=f"Li Si {i}",
            cross_references=[(client.source_system, unique("L"))], records=[profile(), id_card()],
        )  # fmt: skip
        client.create_record(customer.customer_number, mobile(f"+86138{i:08d}"))
        for n in range(2):
            customer.display_name = f"Li Si {i}.{n}"
            customer = client.update_customer(customer, ["display_name"])


def tamper(url: str, table: str, *statements: Any) -> None:
    """Runs `statements` as the database owner, around the append-only guard of `table`."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                triggers = connection.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                    (table,),
                ).all()
                for name, _ in triggers:
                    connection.exec_driver_sql(f"DROP TRIGGER {name}")
                for statement in statements:
                    connection.execute(statement)
                for _, sql in triggers:
                    connection.exec_driver_sql(sql)
            else:  # the postgres superuser: triggers do not fire for a replication session
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                check = "ck_ledger_blocks_token_signature"  # holds for updated rows too
                if table == "ledger_blocks":
                    connection.exec_driver_sql(f"ALTER TABLE ledger_blocks DROP CONSTRAINT {check}")
                for statement in statements:
                    connection.execute(statement)
                if table == "ledger_blocks":
                    connection.exec_driver_sql(
                        f"ALTER TABLE ledger_blocks ADD CONSTRAINT {check} "
                        "CHECK (token_signature IS NOT NULL) NOT VALID"
                    )
    finally:
        engine.dispose()


def kernel_verify(url: str, chains: bool = True) -> ledger_pb2.VerifyLedgerResponse:
    engine = create_engine(url, pool_size=1)
    try:
        return run_in_transaction(engine, lambda c: verify(c, chains=chains), write=False)
    finally:
        engine.dispose()


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUSTOMER_CORE_DATABASE_URL": url}
    return subprocess.run(
        [CLI, "ledger", *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def read(url: str, work: Callable[[Connection], Any]) -> Any:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return work(connection)
    finally:
        engine.dispose()


def flip(data: bytes, at: int = 5) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@dataclass
class Sealed:
    """The pristine sealed ledger, and a way to copy it."""

    url: str
    copy: Callable[[], str]


@pytest.fixture(scope="module")
def sealed(new_database, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Sealed:  # type: ignore[no-untyped-def]
    url = str(new_database("columns"))
    running = start_server(url, **QUIET)
    try:
        token = admin_token(running)
        for system in SYSTEMS:
            with Client(f"127.0.0.1:{running.port}", token=token, source_system=system) as client:
                write_changes(client)
        running.sealer.seal_now()
        admin_token(running)  # a kernel-wide entry (a role binding) left unsealed
    finally:
        running.stop(grace=1)
    result = kernel_verify(url)
    assert result.ok, result.first_failure
    assert read(url, lambda c: c.execute(select(func.max(_B.height))).scalar_one()) >= 4
    directory = tmp_path_factory.mktemp("copies")

    def copy() -> str:
        name = f"copy_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            target = directory / f"{name}.db"
            source = sqlite3.connect(make_url(url).database or "")
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)
            finally:
                source.close()
                destination.close()
            return f"sqlite:///{target}"
        admin = sqlalchemy.create_engine(
            make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        try:
            with admin.connect() as connection:
                template = make_url(url).database
                connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            admin.dispose()
        return str(make_url(url).set(database=name).render_as_string(hide_password=False))

    return Sealed(url, copy)


@dataclass(frozen=True)
class Edit:
    """One column of one row changed, and what verification must name."""

    table: str
    statement: Any
    entry: str = ""  # the entry id that must be named
    block: int = 0  # or the block height
    key: int = 0  # or the signing key version


# --- Victims: rows of the pristine ledger -------------------------------------------------------


def sealed_tip(c: Connection, system: str = "CORE") -> Any:
    """The last entry of the first customer chain written for `system` (sealed)."""
    chain = c.execute(
        select(_E.chain)
        .where(_E.chain.like("customers/%"), _E.source_system == system)
        .order_by(_E.chain)
        .limit(1)
    ).scalar_one()
    return c.execute(
        select(ledger_entries).where(_E.chain == chain).order_by(_E.sequence.desc()).limit(1)
    ).one()


def other_customer(c: Connection, customer_id: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(
        str(
            c.execute(
                select(customers.c.id).where(customers.c.id != customer_id).limit(1)
            ).scalar_one()
        )
    )


def system_entry(c: Connection) -> Any:
    """A sealed kernel-wide entry (no customer, no source system)."""
    return c.execute(
        select(ledger_entries)
        .join(ledger_offsets, _O.entry_id == _E.id)
        .where(_E.chain.like("system/%"))
        .limit(1)
    ).one()


def block(c: Connection, height: int = 2) -> Any:
    return c.execute(select(ledger_blocks).where(_B.height == height)).one()


def latest(c: Connection) -> Any:
    return c.execute(select(ledger_blocks).order_by(_B.height.desc()).limit(1)).one()


def entry_edit(row: Any, **values: Any) -> Edit:
    statement = update(ledger_entries).where(_E.id == row.id).values(**values)
    return Edit("ledger_entries", statement, entry=str(row.id))


def block_edit(row: Any, **values: Any) -> Edit:
    statement = update(ledger_blocks).where(_B.height == row.height).values(**values)
    return Edit("ledger_blocks", statement, block=row.height)


def offset_edit(c: Connection, **values: Any) -> Edit:
    victim = block(c)
    offset = victim.first_offset + 1
    statement = update(ledger_offsets).where(_O.offset == offset).values(**values)
    return Edit("ledger_offsets", statement, block=victim.height)


def key_edit(c: Connection, **values: Any) -> Edit:
    row = c.execute(select(ledger_signing_keys)).one()
    statement = update(ledger_signing_keys).where(_K.version == row.version).values(**values)
    return Edit("ledger_signing_keys", statement, key=values.get("version", row.version))


def unsealed_id(c: Connection) -> Any:
    return c.execute(
        select(_E.id).where(~sqlalchemy.exists().where(_O.entry_id == _E.id))
    ).scalar_one()


def fresh_public_key() -> str:
    return primitives.generate_sm2_keypair()[1]


def _tip_edit(**change: Callable[[Any], Any]) -> Callable[[Connection], Edit]:
    def make(c: Connection) -> Edit:
        row = sealed_tip(c)
        return entry_edit(row, **{name: value(row) for name, value in change.items()})

    return make


EDITS: dict[str, Callable[[Connection], Edit]] = {
    # ledger_entries: each column of a sealed entry.
    "ledger_entries.id": _tip_edit(id=lambda r: uuid.uuid4()),
    "ledger_entries.chain": _tip_edit(chain=lambda r: "customers/100000000000000000"),
    "ledger_entries.sequence": _tip_edit(sequence=lambda r: r.sequence + 1),
    "ledger_entries.time": _tip_edit(time=lambda r: r.time + timedelta(seconds=1)),
    "ledger_entries.time-by-a-microsecond": _tip_edit(
        time=lambda r: r.time + timedelta(microseconds=1)
    ),
    "ledger_entries.customer_id": lambda c: entry_edit(
        row := sealed_tip(c), customer_id=other_customer(c, row.customer_id)
    ),
    "ledger_entries.customer_id-cleared": _tip_edit(customer_id=lambda r: None),
    "ledger_entries.customer_id-of-no-customer": _tip_edit(customer_id=lambda r: uuid.uuid4()),
    "ledger_entries.customer_id-on-a-kernel-wide-entry": lambda c: entry_edit(
        system_entry(c), customer_id=other_customer(c, uuid.uuid4())
    ),
    "ledger_entries.source_system": _tip_edit(source_system=lambda r: "CARDS"),
    "ledger_entries.source_system-on-a-kernel-wide-entry": lambda c: entry_edit(
        system_entry(c), source_system="CORE"
    ),
    "ledger_entries.entry": _tip_edit(entry=lambda r: flip(bytes(r.entry), 3)),
    "ledger_entries.prev_hash": _tip_edit(prev_hash=lambda r: flip(bytes(r.prev_hash))),
    "ledger_entries.hash": lambda c: block_edit_of_entry(c),
    # ledger_offsets
    "ledger_offsets.offset": lambda c: offset_edit(c, offset=latest(c).last_offset + 100),
    "ledger_offsets.entry_id": lambda c: offset_edit(c, entry_id=unsealed_id(c)),
    "ledger_offsets.block_height": lambda c: offset_edit(c, block_height=3),
    # ledger_blocks: a middle block, and where it matters the first (token signed) and the last.
    "ledger_blocks.height": lambda c: Edit(
        "ledger_blocks",
        update(ledger_blocks).where(_B.height == 2).values(height=latest(c).height + 10),
        block=2,
    ),
    "ledger_blocks.first_offset": lambda c: block_edit(
        b := block(c), first_offset=b.first_offset + 1
    ),
    "ledger_blocks.last_offset": lambda c: block_edit(b := block(c), last_offset=b.last_offset - 1),
    "ledger_blocks.merkle_root": lambda c: block_edit(
        b := block(c), merkle_root=flip(bytes(b.merkle_root))
    ),
    "ledger_blocks.prev_hash": lambda c: block_edit(
        b := block(c), prev_hash=flip(bytes(b.prev_hash))
    ),
    "ledger_blocks.hash": lambda c: block_edit(b := block(c), hash=flip(bytes(b.hash))),
    "ledger_blocks.signature": lambda c: block_edit(
        b := block(c), signature=flip(bytes(b.signature))
    ),
    "ledger_blocks.public_key": lambda c: block_edit(block(c), public_key=fresh_public_key()),
    "ledger_blocks.public_key-in-capitals": lambda c: block_edit(
        b := block(c), public_key=b.public_key.upper()
    ),
    "ledger_blocks.fencing_token": lambda c: block_edit(
        b := block(c), fencing_token=b.fencing_token + 1
    ),
    "ledger_blocks.fencing_token-of-the-first-block": lambda c: block_edit(
        b := block(c, 1), fencing_token=b.fencing_token + 1
    ),
    "ledger_blocks.fencing_token-of-the-last-block": lambda c: block_edit(
        latest(c), fencing_token=10**12
    ),
    "ledger_blocks.sealed_at": lambda c: block_edit(
        b := block(c), sealed_at=b.sealed_at + timedelta(seconds=1)
    ),
    "ledger_blocks.token_signature": lambda c: block_edit(
        block(c), token_signature=bytes(block(c, 1).token_signature)
    ),
    "ledger_blocks.token_signature-of-the-first-block": lambda c: block_edit(
        b := block(c, 1), token_signature=flip(bytes(b.token_signature))
    ),
    "ledger_blocks.token_signature-removed": lambda c: block_edit(block(c), token_signature=None),
    # ledger_signing_keys
    "ledger_signing_keys.version": lambda c: key_edit(c, version=2),
    "ledger_signing_keys.public_key": lambda c: key_edit(c, public_key=fresh_public_key()),
    "ledger_signing_keys.data_key_id": lambda c: key_edit(c, data_key_id=uuid.uuid4()),
    "ledger_signing_keys.wrapped": lambda c: key_edit(
        c, wrapped=flip(bytes(c.execute(select(_K.wrapped)).scalar_one()))
    ),
    "ledger_signing_keys.create_time": lambda c: key_edit(
        c, create_time=c.execute(select(_K.create_time)).scalar_one() + timedelta(seconds=1)
    ),
    "ledger_signing_keys.signature": lambda c: key_edit(
        c, signature=flip(bytes(c.execute(select(_K.signature)).scalar_one()))
    ),
    "ledger_signing_keys.signature-removed": lambda c: key_edit(c, signature=None),
}


def block_edit_of_entry(c: Connection) -> Edit:
    """The tip's hash changed: no successor links to it, so its block's Merkle root is what breaks."""
    row = sealed_tip(c)
    height = c.execute(select(_O.block_height).where(_O.entry_id == row.id)).scalar_one()
    statement = update(ledger_entries).where(_E.id == row.id).values(hash=flip(bytes(row.hash)))
    return Edit("ledger_entries", statement, block=height)


COLUMNS = {
    "ledger_entries": ledger_entries,
    "ledger_offsets": ledger_offsets,
    "ledger_blocks": ledger_blocks,
    "ledger_signing_keys": ledger_signing_keys,
}


def test_every_column_of_every_ledger_table_has_an_edit() -> None:
    edited = {name.split("-")[0] for name in EDITS}
    assert edited == {f"{t}.{column.name}" for t, table in COLUMNS.items() for column in table.c}


def assert_named(result: ledger_pb2.VerifyLedgerResponse, edit: Edit) -> None:
    assert not result.ok, f"{edit.table}: the edit was not noticed"
    failure = result.first_failure
    if edit.entry:
        assert result.failed_entry == edit.entry, failure
        assert f"entry {edit.entry}" in failure
    elif edit.block:
        assert result.failed_block == edit.block, failure
        assert failure.startswith(f"block {edit.block}:") or f"block {edit.block})" in failure
    else:
        assert f"ledger signing key version {edit.key}:" in failure
        assert (result.failed_block, result.failed_entry) == (0, "")


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_of_any_column_is_noticed_and_named(sealed: Sealed, name: str) -> None:
    url = sealed.copy()
    edit = read(url, EDITS[name])
    tamper(url, edit.table, edit.statement)
    for chains in (False, True):
        assert_named(kernel_verify(url, chains=chains), edit)
    damaged = cli(url, "verify", "--chains")
    assert damaged.returncode == 1, damaged.stderr
    assert "LEDGER DOES NOT VERIFY" in damaged.stderr
    named = edit.entry or (f"block {edit.block}" if edit.block else f"version {edit.key}")
    assert named in damaged.stderr, damaged.stderr


def test_the_copies_are_sound_before_the_edits(sealed: Sealed) -> None:
    url = sealed.copy()
    checked = cli(url, "verify", "--chains")
    assert checked.returncode == 0 and "ledger OK" in checked.stderr, checked.stderr
    rows = read(url, lambda c: c.execute(select(ledger_blocks).order_by(_B.height)).all())
    assert {blocks.format_of_row(row) for row in rows} == {blocks.CURRENT}
    # One sealer term: its first block signs the token, the others repeat it.
    assert len(rows[0].token_signature) == 64
    assert all(row.token_signature == b"" for row in rows[1:])
    assert len({row.fencing_token for row in rows}) == 1


# --- Older formats ------------------------------------------------------------------------------


def as_older_release(url: str, key: signing.SigningKey) -> None:
    """Rewrites the ledger as a release before revision 0005 sealed it (0x02 heads, signed by the
    same key), then takes the schema back to 0004 and migrates it again: NULL token signatures,
    an unsigned key row."""
    heads = read(url, lambda c: c.execute(select(ledger_blocks).order_by(_B.height)).all())
    statements, prev = [], blocks.GENESIS
    for head in heads:
        digest = blocks.head_hash(
            head.height, head.first_offset, head.last_offset, bytes(head.merkle_root), prev,
            blocks.micros(head.sealed_at), prefix=blocks.LEGACY_PREFIX,
        )  # fmt: skip
        statements.append(
            update(ledger_blocks)
            .where(_B.height == head.height)
            .values(prev_hash=prev, hash=digest, signature=key.sign(digest))
        )
        prev = digest
    tamper(url, "ledger_blocks", *statements)
    command.downgrade(alembic_config(url), "0004")
    migrate(url)


def as_legacy_block(url: str, key: signing.SigningKey, height: int) -> None:
    """Re-seals block `height` (the last) in the older head format with the real key."""
    head = read(url, lambda c: block(c, height))
    digest = blocks.head_hash(
        head.height, head.first_offset, head.last_offset, bytes(head.merkle_root),
        bytes(head.prev_hash), blocks.micros(head.sealed_at), prefix=blocks.LEGACY_PREFIX,
    )  # fmt: skip
    statement = (
        update(ledger_blocks)
        .where(_B.height == height)
        .values(hash=digest, signature=key.sign(digest), token_signature=None)
    )
    tamper(url, "ledger_blocks", statement)


@pytest.fixture
def older_ledger(new_database) -> Iterator[tuple[str, signing.SigningKey]]:  # type: ignore[no-untyped-def]
    url = str(new_database("older"))
    running = start_server(url, **QUIET)
    try:
        with Client(
            f"127.0.0.1:{running.port}", token=admin_token(running), source_system="CORE"
        ) as client:
            write_changes(client)
        running.sealer.seal_now()
        kernel = running.kernel
        key = run_in_transaction(kernel.engine, lambda c: signing.active_key(c, kernel.keyring))
    finally:
        running.stop(grace=1)
    as_older_release(url, key)
    yield url, key


def test_a_ledger_sealed_by_an_older_release_still_verifies(
    older_ledger: tuple[str, signing.SigningKey],
) -> None:
    url, key = older_ledger
    heads = read(url, lambda c: c.execute(select(ledger_blocks).order_by(_B.height)).all())
    assert len(heads) >= 3
    assert {blocks.format_of_row(h) for h in heads} == {blocks.LEGACY}
    assert {h.token_signature for h in heads} == {None}
    # Until the sealer signs the key row it names it: a missing signature may hide an edit.
    result = kernel_verify(url)
    assert not result.ok
    assert "ledger signing key version 1: it is not signed yet" in result.first_failure
    # An entry of an older-format block has a proof a client can check.
    first = read(url, lambda c: c.execute(select(_O.entry_id).where(_O.offset == 1)).scalar_one())
    proof = read(url, lambda c: inclusion_proof(c, first))
    assert merkle.verify_inclusion(proof, trusted_keys={key.public_key})

    # The sealer of the current release signs the old key row; then the ledger verifies.
    sealed = cli(url, "seal-now")
    assert sealed.returncode == 0, sealed.stderr
    for chains in (False, True):
        result = kernel_verify(url, chains=chains)
        assert result.ok, result.first_failure
    # New blocks follow in the current format, the first of them signing its fencing token.
    running = start_server(url, **QUIET)
    try:
        with Client(
            f"127.0.0.1:{running.port}", token=admin_token(running), source_system="CARDS"
        ) as client:
            write_changes(client, customers=1)
        running.sealer.seal_now()
    finally:
        running.stop(grace=1)
    rows = read(url, lambda c: c.execute(select(ledger_blocks).order_by(_B.height)).all())
    formats = [blocks.format_of_row(row) for row in rows]
    assert formats[: len(heads)] == [blocks.LEGACY] * len(heads)
    assert formats[len(heads) :] and set(formats[len(heads) :]) == {blocks.CURRENT}
    assert len(rows[len(heads)].token_signature) == 64
    assert read(url, lambda c: c.execute(select(_K.signature)).scalar_one()) is not None
    for chains in (False, True):
        result = kernel_verify(url, chains=chains)
        assert result.ok, result.first_failure
        assert result.blocks_checked == len(rows)
    checked = cli(url, "verify", "--chains")
    assert checked.returncode == 0 and "ledger OK" in checked.stderr, checked.stderr

    # No downgrade: a block in the older format after one in the current format is refused,
    # even signed with the real key.
    as_legacy_block(url, key, rows[-1].height)
    result = kernel_verify(url)
    assert (result.ok, result.failed_block) == (False, rows[-1].height), result.first_failure
    assert "older format, after a block in the current one" in result.first_failure


def test_the_database_refuses_a_block_without_its_token_signature(new_database) -> None:  # type: ignore[no-untyped-def]
    """What a sealer of an older release would write: refused, so it cannot downgrade the ledger."""
    url = str(new_database("refuse"))
    engine = sqlalchemy.create_engine(url)
    values = {
        "height": 1, "first_offset": 1, "last_offset": 1, "merkle_root": bytes(32),
        "prev_hash": bytes(32), "hash": bytes(32), "signature": bytes(64),
        "public_key": "0" * 128, "fencing_token": 1, "sealed_at": datetime.now(UTC),
    }  # fmt: skip
    try:
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(insert(ledger_blocks).values(values))
        with engine.begin() as connection:  # what the current sealer writes is accepted
            connection.execute(insert(ledger_blocks).values({**values, "token_signature": b""}))
    finally:
        engine.dispose()


def test_only_a_missing_key_signature_may_be_filled_in(new_database) -> None:  # type: ignore[no-untyped-def]
    url = str(new_database("keys"))
    engine = create_engine(url, pool_size=1)
    keys, now = ledger_signing_keys, datetime.now(UTC)
    try:
        with engine.begin() as connection:  # two rows as an older release wrote them
            for version in (1, 2):
                connection.execute(
                    insert(keys).values(
                        version=version, public_key=f"{version}" * 128, data_key_id=uuid.uuid4(),
                        wrapped=b"w", create_time=now,
                    )
                )  # fmt: skip
        with engine.begin() as connection:  # the sealer's backfill
            connection.execute(update(keys).where(_K.version == 1).values(signature=b"s"))
        for version, values in (
            (1, {"signature": b"t"}),  # a signature, once there, stays
            (2, {"signature": b"s", "wrapped": b"x"}),  # nothing else changes with it
            (2, {"create_time": now + timedelta(seconds=1)}),
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(update(keys).where(_K.version == version).values(values))
    finally:
        engine.dispose()
