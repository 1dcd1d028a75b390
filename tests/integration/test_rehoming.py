"""Re-homing, the kernel operation merge and unmerge stand on: a record and a cross-reference moved
from one customer to another, sealed again under the new customer's keys and binding, found by
search under the new customer only, ledgered as one operation on both chains that verification
checks whole (naming a tampered or missing member), and the old customer's past intact."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from customer_core.api.server import RunningServer
from customer_core.client import Client, unpack
from customer_core.crypto import primitives
from customer_core.crypto.keyring import CUSTOMER_DATA, customer_scope
from customer_core.kernel import rehoming, sealing
from customer_core.ledger import recorder as ledger
from customer_core.storage import create_engine
from customer_core.storage.tables import customers, data_keys, ledger_entries, subject_records
from customer_core.v1 import ledger_pb2
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import id_card, mobile, profile, resident_id
from tests.integration.test_ledger_tamper_columns import flip, kernel_verify, tamper

REASON = "re-homing check"
ACTOR = ledger.Provenance("test:steward", "test move", correlation_id="merge-drill-1")


@dataclass
class Moved:
    running: RunningServer
    url: str
    client: Client
    loser: str
    survivor: str
    record: str  # the ID card's record name under the loser
    id_number: str
    before_move: datetime
    operation: str


@pytest.fixture
def moved(new_database: Any) -> Iterator[Moved]:
    url = new_database("rehoming")
    running = start_server(url, ledger_seal_interval=3600)  # sealed by hand below
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            number = resident_id()
            loser = client.create_customer(
                type="individual", owning_org_unit="HO01", display_name="Wang Wu",
                cross_references=[("CRM", "W1")],
                records=[profile("Wang Wu"), id_card(number), mobile("+8613700001111")],
            ).customer_number  # fmt: skip
            survivor = client.create_customer(
                type="individual", owning_org_unit="HO01", display_name="Wang Wu",
                cross_references=[("CORE", "W9")], records=[profile("Wang Wu")],
            ).customer_number  # fmt: skip
            record = next(
                r.name
                for g in client.get_360(loser).subjects
                for r in g.records
                if g.subject == "identification"
            )
            running.kernel.ledger_sealer.seal_now()  # block 1: both customers as created
            time.sleep(0.01)
            before_move = datetime.now(UTC)
            time.sleep(0.01)
            operation = move(running, loser, survivor, record)
            yield Moved(running, url, client, loser, survivor, record, number, before_move,
                        operation)  # fmt: skip
    finally:
        running.stop(grace=1)


def move(running: RunningServer, loser: str, survivor: str, record: str) -> str:
    """Moves the loser's ID card and its CRM link to the survivor, as a merge will; the
    operation's id."""
    kernel = running.kernel
    record_id = uuid.UUID(record.rsplit("/", 1)[1])

    def work(connection: Any) -> str:
        now = datetime.now(UTC)
        source, target = (customer_row(connection, n) for n in (loser, survivor))
        with rehoming.moving(connection, source, target) as op:
            rehoming.move_record(connection, kernel.codec, record_id, source, target, now)
            rehoming.move_cross_reference(connection, source, target, "CRM", "W1", now)
        return op

    return kernel.run(work, actor=ACTOR)


def customer_row(connection: Any, number: str) -> Any:
    return connection.execute(select(customers).where(customers.c.customer_number == number)).one()


def records_of(client: Client, number: str, subject: str) -> list[Any]:
    view = client.get_360(number, unmask_reason=REASON)
    return [r for g in view.subjects if g.subject == subject for r in g.records]


def test_the_record_and_link_now_belong_to_the_survivor(moved: Moved) -> None:
    c = moved.client
    [card] = records_of(c, moved.survivor, "identification")
    assert unpack(card.data).id_number == moved.id_number  # in clear, under the survivor's keys
    assert card.name == f"customers/{moved.survivor}/records/{moved.record.rsplit('/', 1)[1]}"
    assert records_of(c, moved.loser, "identification") == []
    assert len(records_of(c, moved.loser, "contact")) == 1  # what was not moved stays
    assert c.lookup("CRM", "W1").customer_number == moved.survivor
    found = c.search("identification", "id_number", moved.id_number)
    assert [x.customer_number for x in found] == [moved.survivor]  # blind index moved too
    # The loser's past is intact: as of before the move it still had the card, in clear.
    past = records_of_as_of(c, moved.loser, moved.before_move)
    assert [unpack(r.data).id_number for r in past] == [moved.id_number]


def records_of_as_of(client: Client, number: str, when: datetime) -> list[Any]:
    view = client.get_360(number, unmask_reason=REASON, as_of=when)
    return [r for g in view.subjects if g.subject == "identification" for r in g.records]


def test_the_moved_record_decrypts_only_under_its_new_customer(moved: Moved) -> None:
    kernel = moved.running.kernel
    record_id = uuid.UUID(moved.record.rsplit("/", 1)[1])
    engine = create_engine(moved.url, pool_size=1)
    try:
        with engine.connect() as c:
            row = c.execute(select(subject_records).where(subject_records.c.id == record_id)).one()
            keys = {
                r.id: r.scope
                for r in c.execute(select(data_keys).where(data_keys.c.kek_domain == CUSTOMER_DATA))
            }
    finally:
        engine.dispose()
    survivor_id = row.customer_id
    [key_id] = sealing.key_ids(row.sealed)
    assert keys[key_id] == customer_scope(survivor_id, "identification")
    model = kernel.registry.get("identification")
    opened, _ = kernel.read(
        lambda c: kernel.codec.cipher.unseal(c, model, row.payload, row.sealed, survivor_id, row.id)
    )
    assert opened.id_number == moved.id_number
    loser_id = kernel.read(lambda c: customer_row(c, moved.loser).id)
    with pytest.raises(primitives.IntegrityError):  # bound to the survivor: not the loser's
        kernel.read(
            lambda c: kernel.codec.cipher.unseal(
                c, model, row.payload, row.sealed, loser_id, row.id
            )
        )


def operation_entries(moved: Moved) -> list[ledger_pb2.LedgerEntry]:
    found = []
    for number in (moved.loser, moved.survivor):
        found += [e for e in moved.client.history(number) if e.operation_id == moved.operation]
    return found


def test_the_move_is_one_operation_on_both_chains(moved: Moved) -> None:
    entries = operation_entries(moved)
    chains = sorted({f"customers/{moved.loser}", f"customers/{moved.survivor}"})
    assert (
        len(entries) == 4
    )  # the record and the link, each leaving one chain and joining the other
    assert {e.action for e in entries} == {ledger_pb2.CHANGE_ACTION_MOVE}
    assert all(list(e.operation_chains) == chains for e in entries)
    assert {(e.principal, e.request_id) for e in entries} == {("test:steward", "merge-drill-1")}
    left = [e for e in entries if e.chain == f"customers/{moved.loser}"]
    assert all(e.before and not e.after for e in left)
    assert all(e.after and not e.before for e in entries if e not in left)
    moved.running.kernel.ledger_sealer.seal_now()
    verified = moved.client.verify_ledger(chains=True)
    assert verified.ok, verified.first_failure


def test_verification_names_a_tampered_or_missing_member(moved: Moved) -> None:
    entries = operation_entries(moved)
    member = next(e for e in entries if e.chain == f"customers/{moved.loser}")
    engine = create_engine(moved.url, pool_size=1)
    try:
        with engine.connect() as c:
            original = c.execute(
                select(ledger_entries.c.entry).where(ledger_entries.c.id == uuid.UUID(member.id))
            ).scalar_one()
    finally:
        engine.dispose()
    assert kernel_verify(moved.url).ok
    where = ledger_entries.c.id == uuid.UUID(member.id)
    tamper(
        moved.url,
        "ledger_entries",
        update(ledger_entries).where(where).values(entry=flip(bytes(original), 40)),
    )
    result = kernel_verify(moved.url)
    assert not result.ok and result.failed_entry == member.id
    assert f"operation {moved.operation}" in result.first_failure, result.first_failure
    tamper(moved.url, "ledger_entries", update(ledger_entries).where(where).values(entry=original))
    assert kernel_verify(moved.url).ok
    # The survivor's entries of the operation are its chain's last two, not sealed yet: without
    # them its chain is still whole, and only the operation tells that members are gone.
    joined = [uuid.UUID(e.id) for e in entries if e.chain == f"customers/{moved.survivor}"]
    tamper(
        moved.url, "ledger_entries", delete(ledger_entries).where(ledger_entries.c.id.in_(joined))
    )
    result = kernel_verify(moved.url)
    assert not result.ok
    assert result.first_failure.startswith(f"operation {moved.operation}"), result.first_failure
    assert f"customers/{moved.survivor} has no entry of it" in result.first_failure
