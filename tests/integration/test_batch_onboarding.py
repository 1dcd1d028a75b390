"""BatchCreateCustomers, as a batch loader calls it: the set-based path writes what CreateCustomer
writes, refuses each bad request alone with the reason a single call would get, loses nothing
when it races, and a load run again through its journal writes nothing twice."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from customer_core.api.server import RunningServer
from customer_core.client import Client, InvalidArgumentError, NotFoundError, pack, subject_of
from customer_core.storage import create_engine
from customer_core.storage.tables import (
    blind_indexes,
    cross_references,
    customers,
    data_keys,
    data_quality_issues,
    ledger_entries,
    load_journal,
    subject_records,
)
from customer_core.v1 import customer_pb2, ledger_pb2
from customer_core.v1 import customer_service_pb2 as svc
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.helpers import id_card, mobile, profile, resident_id

APPLIED = svc.LoadOutcome.STATE_APPLIED
REJECTED = svc.LoadOutcome.STATE_REJECTED
UNCHANGED = svc.LoadOutcome.STATE_UNCHANGED
REASON = "batch equivalence check"
TABLES = (
    customers, cross_references, subject_records, blind_indexes, data_keys, ledger_entries,
    data_quality_issues,
)  # fmt: skip


def new_request(
    label: str, *, org_unit: str = "HO01", source: str = "CRM"
) -> svc.CreateCustomerRequest:
    """A customer as a source system sends one: a profile, an ID card and a mobile phone."""
    records = [
        profile(label),
        id_card(resident_id()),
        mobile(f"+86139{uuid.uuid4().int % 10**8:08d}"),
    ]
    return svc.CreateCustomerRequest(
        customer=customer_pb2.Customer(
            type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit=org_unit, display_name=label
        ),
        cross_references=[customer_pb2.CrossReference(source_system=source, local_id=label)],
        records=[customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r)) for r in records],
        request_id=str(uuid.uuid4()),
    )


class Rig:
    def __init__(self, running: RunningServer, url: str) -> None:
        self.running = running
        self.token = admin_token(running)
        self.target = f"127.0.0.1:{running.port}"
        self.engine: Engine = create_engine(url, pool_size=2)

    def client(self, token: str | None = None) -> Client:
        return Client(self.target, token=token or self.token, timeout=120)

    def count(self, table: Any) -> int:
        with self.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(table)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()
        self.running.stop(grace=1)


@pytest.fixture
def rigs(new_database: Any) -> Iterator[tuple[Rig, Rig]]:
    made = []
    try:
        for label in ("single", "batch"):
            url = new_database(label)
            made.append(Rig(start_server(url), url))
        yield made[0], made[1]
    finally:
        for rig in made:
            rig.close()


@pytest.fixture
def rig(rigs: tuple[Rig, Rig]) -> Rig:
    return rigs[1]


def normalized_360(client: Client, local_id: str) -> customer_pb2.Customer360:
    """A customer's 360 view in clear, without what differs between two databases (numbers,
    ids, times, etags)."""
    number = client.lookup("CRM", local_id).customer_number
    view = client.get_360(number, unmask_reason=REASON)
    for field in ("name", "customer_number", "etag", "create_time", "update_time"):
        view.customer.ClearField(field)
    for group in view.subjects:
        for record in group.records:
            for field in ("name", "etag", "create_time", "update_time"):
                record.ClearField(field)
    for xref in view.cross_references:
        xref.ClearField("customer")
        xref.ClearField("create_time")
    return view


def chains(rig: Rig) -> Counter[tuple[tuple[int, str, int, str], ...]]:
    """Every customer's ledger chain as (sequence, subject, action, principal), as a multiset."""
    with rig.engine.connect() as c:
        rows = c.execute(
            select(ledger_entries.c.chain, ledger_entries.c.entry)
            .where(ledger_entries.c.customer_id.is_not(None))
            .order_by(ledger_entries.c.chain, ledger_entries.c.sequence)
        ).all()
    found: dict[str, list[tuple[int, str, int, str]]] = {}
    for chain, body in rows:
        entry = ledger_pb2.LedgerEntry.FromString(bytes(body))
        found.setdefault(chain, []).append(
            (entry.sequence, entry.subject, entry.action, entry.method)
        )
    return Counter(tuple(v) for v in found.values())


def shapes(counted: Counter[tuple[tuple[int, str, int, str], ...]]) -> Counter[Any]:
    """The chains without the method that made each entry."""
    found: Counter[Any] = Counter()
    for chain, k in counted.items():
        found[tuple(e[:3] for e in chain)] += k
    return found


def test_the_set_based_path_writes_what_create_customer_writes(rigs: tuple[Rig, Rig]) -> None:
    single, batch = rigs
    n = 1000
    requests = [new_request(f"EQ{i:04d}") for i in range(n)]
    with single.client() as client:
        errors: list[BaseException] = []

        def create(part: list[svc.CreateCustomerRequest]) -> None:
            try:
                for r in part:
                    client._call(client._customers.CreateCustomer, r)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=create, args=(requests[k::8],)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    with batch.client() as client:
        outcomes = []
        for start in range(0, n, 250):
            outcomes += client.batch_create_customers(
                requests[start : start + 250], first_line=start + 1
            )
    assert [o.state for o in outcomes] == [APPLIED] * n
    assert [o.line for o in outcomes] == list(range(1, n + 1))
    assert all(o.customer.customer_number and o.customer.display_name == f"EQ{i:04d}"
               for i, o in enumerate(outcomes))  # fmt: skip
    for table in TABLES:
        assert single.count(table) == batch.count(table), table.name
    assert batch.count(customers) == n and batch.count(subject_records) == 3 * n
    # The same ledger entries on every chain, apart from which RPC made them.
    assert shapes(chains(single)) == shapes(chains(batch))
    assert {e[3] for chain in chains(batch) for e in chain} == {
        "/customer_core.v1.CustomerService/BatchCreateCustomers"
    }
    with single.client() as a, batch.client() as b:
        for i in range(0, n, 37):
            assert normalized_360(a, f"EQ{i:04d}") == normalized_360(b, f"EQ{i:04d}")
        verified = b.verify_ledger(chains=True)
        assert verified.ok, verified


def test_each_bad_request_is_rejected_alone_with_its_reason(rig: Rig) -> None:
    with rig.client() as client:
        client.create_customer(type="individual", owning_org_unit="HO01", display_name="Owner",
                               cross_references=[("CRM", "TAKEN")])  # fmt: skip
        good = [new_request(f"OK{i}") for i in range(3)]
        bad_field = new_request("BADFIELD")
        bad_field.customer.display_name = ""
        bad_record = new_request("BADRECORD")
        bad_record.records[1].data.CopyFrom(
            pack(id_card("110105194912310021"))
        )  # a bad check digit
        taken = new_request("X1")
        taken.cross_references[0].local_id = "TAKEN"
        twice = [new_request("TWICE"), new_request("TWICE")]
        batch = [good[0], bad_field, good[1], bad_record, taken, *twice, good[2]]
        before = rig.count(customers)
        outcomes = client.batch_create_customers(batch, first_line=10)
        assert [o.line for o in outcomes] == list(range(10, 18))
        states = [o.state for o in outcomes]
        assert states == [
            APPLIED,
            REJECTED,
            APPLIED,
            REJECTED,
            REJECTED,
            APPLIED,
            REJECTED,
            APPLIED,
        ]
        assert (outcomes[1].code, outcomes[1].reason) == ("INVALID_ARGUMENT", "INVALID_ARGUMENT")
        assert [v.field for v in outcomes[1].field_violations] == ["customer.display_name"]
        assert outcomes[3].code == "INVALID_ARGUMENT"
        assert any(v.field.startswith("records[1].data") for v in outcomes[3].field_violations)
        for k in (4, 6):
            assert (outcomes[k].code, outcomes[k].reason) == (
                "ALREADY_EXISTS", "CROSS_REFERENCE_OWNED_BY_ANOTHER_CUSTOMER",
            )  # fmt: skip
        assert rig.count(customers) == before + 4  # the applied ones, and nothing of the others
        for k in (0, 2, 5, 7):
            found = client.lookup("CRM", batch[k].cross_references[0].local_id)
            assert found.customer_number == outcomes[k].customer.customer_number
        for label in ("BADFIELD", "BADRECORD"):
            with pytest.raises(NotFoundError):
                client.lookup("CRM", label)


def test_a_caller_is_refused_per_request_where_it_may_not_create(rig: Rig) -> None:
    token = grant(rig.running.kernel, f"branch-{uuid.uuid4().hex[:6]}", "teller", "BR01")
    with rig.client(token) as client:
        outcomes = client.batch_create_customers(
            [new_request("MINE", org_unit="BR01"), new_request("THEIRS", org_unit="BR02")]
        )
    assert [o.state for o in outcomes] == [APPLIED, REJECTED]
    assert (outcomes[1].code, outcomes[1].reason) == ("PERMISSION_DENIED", "PERMISSION_DENIED")


def test_a_malformed_batch_is_refused_whole(rig: Rig) -> None:
    with rig.client() as client:
        for kwargs, field in (
            ({"requests": []}, "requests"),
            ({"requests": [new_request("L")] * 1001}, "requests"),
            ({"requests": [new_request("L")], "load_id": "no spaces"}, "load_id"),
        ):
            requests = kwargs.pop("requests")
            with pytest.raises(InvalidArgumentError) as caught:
                client.batch_create_customers(requests, **kwargs)  # type: ignore[arg-type]
            assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
            assert list(caught.value.field_violations) == [field]


def test_a_load_run_again_writes_nothing_twice(rig: Rig) -> None:
    load = f"crm-daily-{uuid.uuid4().hex[:8]}"
    lines = [new_request(f"LD{i}") for i in range(5)]
    lines[3].customer.display_name = ""  # a bad line
    with rig.client() as client:
        first = client.batch_create_customers(lines, load_id=load)
        assert [o.state for o in first] == [APPLIED, APPLIED, APPLIED, REJECTED, APPLIED]
        count = rig.count(customers)
        entries = rig.count(ledger_entries)
        again = client.batch_create_customers(lines, load_id=load)
        assert [o.state for o in again] == [UNCHANGED, UNCHANGED, UNCHANGED, REJECTED, UNCHANGED]
        assert [o.customer.customer_number for o in again] == [
            o.customer.customer_number for o in first
        ]
        assert again[3].reason == "INVALID_ARGUMENT"
        assert (rig.count(customers), rig.count(ledger_entries)) == (count, entries)
        # The load's changes are correlated by the load, not by the call that carried them.
        made = list(client.history(first[0].customer.customer_number))
        assert len(made) == 5 and {e.request_id for e in made} == {load}
        # The bad line corrected is applied; an applied line changed is refused.
        lines[3].customer.display_name = "LD3"
        lines[1].customer.display_name = "Someone else"
        third = client.batch_create_customers(lines, load_id=load)
        assert [o.state for o in third] == [UNCHANGED, REJECTED, UNCHANGED, APPLIED, UNCHANGED]
        assert third[1].reason == "LOAD_LINE_CHANGED"
        assert [v.field for v in third[1].field_violations] == ["requests[1]"]
        assert rig.count(customers) == count + 1
        # Lines are the load's: a later part of the same load goes on numbering.
        more = client.batch_create_customers([new_request("LD5")], load_id=load, first_line=6)
        assert [(o.line, o.state) for o in more] == [(6, APPLIED)]
    with rig.engine.connect() as c:
        journal = c.execute(
            select(load_journal.c.line, load_journal.c.outcome)
            .where(load_journal.c.load_id == load)
            .order_by(load_journal.c.line)
        ).all()
    assert [tuple(r) for r in journal] == [(i, "APPLIED") for i in range(1, 7)]


def test_batches_racing_for_one_cross_reference_lose_nothing(rig: Rig) -> None:
    contested = f"RACE{uuid.uuid4().hex[:6]}"
    batches = []
    for k in range(4):
        batch = [new_request(f"R{k}-{i}-{uuid.uuid4().hex[:6]}") for i in range(20)]
        batch[7].cross_references[0].local_id = contested
        batches.append(batch)
    results: list[list[svc.LoadOutcome]] = []
    barrier = threading.Barrier(len(batches))

    def send(batch: list[svc.CreateCustomerRequest]) -> None:
        with rig.client() as client:
            barrier.wait()
            results.append(client.batch_create_customers(batch))

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == len(batches)
    contested_states = Counter(r[7].state for r in results)
    assert contested_states == {APPLIED: 1, REJECTED: len(batches) - 1}
    for r in results:
        assert [o.state for i, o in enumerate(r) if i != 7] == [APPLIED] * 19
        if r[7].state == REJECTED:
            assert r[7].reason == "CROSS_REFERENCE_OWNED_BY_ANOTHER_CUSTOMER"
    with rig.client() as client:
        winner = next(r[7] for r in results if r[7].state == APPLIED)
        assert client.lookup("CRM", contested).customer_number == winner.customer.customer_number
