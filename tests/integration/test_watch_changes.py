"""Systems follow the change stream: every sealed change once, in offset order, across reconnects.

A bank's data warehouse follows every change; the card system follows every change but its own.
Meanwhile eight systems' writers (four for cards, four for core banking) change customers as
fast as they can, and the ledger sealer seals their changes into blocks in the background. The
warehouse's connection drops mid-stream; it reconnects from the last offset it received + 1.
When the writers stop and everything is sealed, each follower has received exactly the sealed
entries it was owed — the warehouse all of them, the card system all but those made on behalf of
CARDS — once each, in strictly increasing offsets, as the ledger tables hold them.

A branch's channel system only hears about its branch's customers and the subjects it may read;
a teller may not follow the stream at all; a follower whose token is revoked is cut off.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from typing import Any

import grpc
import pytest
from sqlalchemy import select

from customer_core.api.server import RunningServer
from customer_core.client import ChangeStream, Client, RPCError
from customer_core.storage.tables import ledger_entries, ledger_offsets
from customer_core.storage.transaction import run_in_transaction
from customer_core.v1 import customer_pb2, ledger_pb2
from tests.integration.conftest import admin_token, grant, start_server
from tests.integration.helpers import mobile, profile, unique

WRITERS = 8
WRITE_SECONDS = 3.0


def sealed_entries(running: RunningServer) -> list[ledger_pb2.LedgerEntry]:
    """Every sealed entry as the tables hold it, in offset order."""

    def read(connection: Any) -> list[ledger_pb2.LedgerEntry]:
        rows = connection.execute(
            select(ledger_offsets.c.offset, ledger_entries.c.entry, ledger_entries.c.hash)
            .join(ledger_entries, ledger_entries.c.id == ledger_offsets.c.entry_id)
            .order_by(ledger_offsets.c.offset)
        ).all()
        out = []
        for row in rows:
            entry = ledger_pb2.LedgerEntry.FromString(row.entry)
            entry.offset, entry.hash = row.offset, row.hash
            out.append(entry)
        return out

    return run_in_transaction(running.kernel.engine, read, write=False)


class Follower(threading.Thread):
    """A system following the stream on its own connection, reconnecting when its call ends."""

    def __init__(self, target: str, token: str, source_system: str, exclude: str = "") -> None:
        super().__init__(name=f"follower-{source_system}", daemon=True)
        self.client = Client(target, token=token, source_system=source_system)
        self.exclude = exclude
        self.received: list[ledger_pb2.LedgerEntry] = []
        self.connections = 0
        self.error: BaseException | None = None
        self._stream: ChangeStream | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        try:
            while not self._done.is_set():
                resume = self.received[-1].offset + 1 if self.received else 1
                with self._lock:
                    if self._done.is_set():
                        return
                    self._stream = self.client.watch(resume, exclude_source_system=self.exclude)
                    self.connections += 1
                for entry in self._stream:  # ends when the call is cancelled
                    self.received.append(entry)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def kill(self) -> None:
        """Drops the current call mid-stream; the follower resumes from its last offset + 1."""
        with self._lock:
            assert self._stream is not None
            self._stream.cancel()

    def stop(self) -> None:
        with self._lock:
            self._done.set()
            if self._stream is not None:
                self._stream.cancel()
        self.join(timeout=10)
        self.client.close()


class Writer(threading.Thread):
    """A source system's batch job: creates customers and changes them until the deadline."""

    def __init__(self, target: str, token: str, source_system: str, seed: int, until: float):
        super().__init__(name=f"writer-{source_system}-{seed}", daemon=True)
        self.client = Client(target, token=token, source_system=source_system)
        self.source_system = source_system
        self.rng = random.Random(seed)
        self.until = until
        self.writes = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        mine: list[customer_pb2.Customer] = []
        try:
            while time.monotonic() < self.until:
                action = (
                    self.rng.choice(["create", "record", "rename", "link"]) if mine else "create"
                )
                if action == "create":
                    created = self.client.create_customer(
                        type="individual", owning_org_unit="HO01-W", display_name="Writer",
                        cross_references=[(self.source_system, unique("W"))],
                        records=[profile("Writer")],
                    )  # fmt: skip
                    mine.append(created)
                    self.writes += 3  # customer, cross-reference, profile
                    continue
                customer = self.rng.choice(mine)
                if action == "record":
                    number = f"+86139{self.rng.randrange(10**8):08d}"
                    self.client.create_record(customer.name, mobile(number))
                elif action == "rename":
                    self.client.update_customer(
                        customer_pb2.Customer(name=customer.name, display_name=unique("N")),
                        ["display_name"],
                    )
                else:
                    self.client.link(customer.name, self.source_system, unique("L"))
                self.writes += 1
        except BaseException as exc:
            self.error = exc
        finally:
            self.client.close()


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_followers_get_every_sealed_change_once_in_order_across_a_reconnect(new_database) -> None:  # type: ignore[no-untyped-def]
    running = start_server(new_database("watch"), ledger_seal_interval=0.2)
    target = f"127.0.0.1:{running.port}"
    token = admin_token(running)
    warehouse = Follower(target, token, "DWH")
    cards = Follower(target, token, "CARDS", exclude="CARDS")
    writers: list[Writer] = []
    try:
        warehouse.start()
        cards.start()
        until = time.monotonic() + WRITE_SECONDS
        writers = [
            Writer(target, token, "CARDS" if i % 2 else "CORE", seed=i, until=until)
            for i in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        # The blocks are sealed while the writers write, and the followers hear of them.
        _wait(lambda: len(warehouse.received) >= 30, 20, "the first sealed changes")
        warehouse.kill()
        for writer in writers:
            writer.join(timeout=60)
        received_while_writing = len(warehouse.received), len(cards.received)
        assert not [w.error for w in writers if w.error], [w.error for w in writers]
        running.sealer.seal_now()
        expected = sealed_entries(running)
        not_cards = [e for e in expected if e.source_system != "CARDS"]
        _wait(lambda: len(warehouse.received) >= len(expected), 30, "the warehouse")
        _wait(lambda: len(cards.received) >= len(not_cards), 30, "the card system")
        time.sleep(0.5)  # anything sent twice would arrive now
    finally:
        for follower in (warehouse, cards):
            follower.stop()
        running.stop(grace=1)

    assert warehouse.error is None and cards.error is None, (warehouse.error, cards.error)
    writes = sum(w.writes for w in writers)
    assert writes > 100
    assert sum(e.source_system in ("CARDS", "CORE") for e in expected) == writes
    assert all(n > 0 for n in received_while_writing)
    assert warehouse.connections == 2 and cards.connections == 1
    # Every sealed entry exactly once, in strictly increasing consecutive offsets.
    assert [e.offset for e in warehouse.received] == list(range(1, len(expected) + 1))
    assert warehouse.received == expected
    # The card system: exactly the entries not made on behalf of CARDS.
    assert cards.received == not_cards
    assert any(e.source_system == "CARDS" for e in expected)
    assert all(b.offset > a.offset for a, b in itertools.pairwise(cards.received))


def test_a_follower_hears_only_of_what_it_may_read(
    server: RunningServer, target: str, client: Client
) -> None:
    unit = f"B{uuid.uuid4().hex[:8].upper()}"
    sealer = server.sealer
    sealer.seal_now()
    start = len(sealed_entries(server)) + 1
    mine = client.create_customer(
        type="individual", owning_org_unit=f"{unit}-SB01", display_name="Branch",
        cross_references=[("CORE", unique("C"))], records=[profile("Branch"), mobile()],
    )  # fmt: skip
    client.create_customer(type="individual", owning_org_unit=f"X{unit}", display_name="Other")
    client.update_customer(
        customer_pb2.Customer(name=mine.name, display_name="Branch 2"), ["display_name"]
    )
    sealer.seal_now()
    app = grant(server.kernel, f"app-{unit}", "channel_system", unit, read_subjects=("contact",))
    with Client(target, token=app) as as_app:
        seen = _collect(as_app.watch(start), until=lambda got: len(got) >= 4)
        assert {e.customer for e in seen} == {mine.name}
        assert [(e.subject, e.action) for e in seen] == [
            ("customer", ledger_pb2.CHANGE_ACTION_CREATE),
            ("cross_reference", ledger_pb2.CHANGE_ACTION_CREATE),
            ("contact", ledger_pb2.CHANGE_ACTION_CREATE),
            ("customer", ledger_pb2.CHANGE_ACTION_UPDATE),
        ]  # not its individual profile, not the other branch's customer, no role bindings
        only = _collect(as_app.watch(start, subjects=["contact"]), until=lambda got: len(got) >= 1)
        assert [e.subject for e in only] == ["contact"]
        with pytest.raises(RPCError) as exc:
            next(iter(as_app.watch(-1)))
        assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
    # Each stream is audited once, when it ends.
    _wait(lambda: len(_watch_events(client, f"app-{unit}")) == 3, 10, "the audit events")
    assert sorted(e.outcome for e in _watch_events(client, f"app-{unit}")) == [
        "CANCELLED",
        "CANCELLED",
        "INVALID_ARGUMENT",
    ]
    teller = grant(server.kernel, f"teller-{unit}", "teller", unit)
    with Client(target, token=teller) as as_teller, pytest.raises(RPCError) as exc:
        next(iter(as_teller.watch()))
    assert exc.value.code == grpc.StatusCode.PERMISSION_DENIED


def _watch_events(client: Client, principal: str) -> list[Any]:
    events = client.list_audit_events(principal=principal)
    return [e for e in events if e.method.endswith("/WatchChanges")]


def _collect(stream: ChangeStream, until: Any, quiet: float = 0.6) -> list[ledger_pb2.LedgerEntry]:
    """Entries from `stream` until `until(entries)` holds and nothing more came for `quiet` s."""
    got: list[ledger_pb2.LedgerEntry] = []

    def read() -> None:
        for entry in stream:
            got.append(entry)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    _wait(lambda: until(got), 10, "the stream")
    time.sleep(quiet)
    stream.cancel()
    reader.join(timeout=5)
    return got


def test_a_revoked_follower_is_cut_off_and_the_stream_is_audited(
    server: RunningServer, target: str, client: Client
) -> None:
    principal = f"dwh-{uuid.uuid4().hex[:8]}"
    grant(server.kernel, principal, "batch_system", "*")
    issued = client.issue_token(principal)
    previous = server.pipeline.recheck_interval
    server.pipeline.recheck_interval = 0.2
    try:
        with Client(target, token=issued.token) as follower:
            stream = follower.watch(10**12)  # far ahead: it waits for offsets to come
            got: list[BaseException] = []

            def read() -> None:
                try:
                    for _ in stream:
                        pass
                except RPCError as exc:
                    got.append(exc)

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            time.sleep(0.5)
            assert reader.is_alive()
            client.revoke_token(issued.token_id, "the warehouse was decommissioned")
            reader.join(timeout=10)
            assert not reader.is_alive()
    finally:
        server.pipeline.recheck_interval = previous
    assert len(got) == 1 and isinstance(got[0], RPCError)
    assert got[0].code == grpc.StatusCode.UNAUTHENTICATED

    _wait(lambda: len(_watch_events(client, principal)) == 1, 10, "the audit event")
    assert _watch_events(client, principal)[0].outcome == "UNAUTHENTICATED"
