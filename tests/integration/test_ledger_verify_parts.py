"""`VerifyLedger` over RPC checks a bounded part of the ledger per call and says where to go on;
the parts together check what one call would (tampering in a later part is found and named),
a process runs only so many verifications at once (RESOURCE_EXHAUSTED past them), and the CLI
still checks the whole database in one go.

Each test has a server (with small blocks and small bounds) and a database of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import func, select, update

from customer_core.api.server import RunningServer
from customer_core.client import Client, RPCError
from customer_core.errors import ERROR_DOMAIN
from customer_core.storage.tables import ledger_blocks, ledger_entries, ledger_offsets
from customer_core.v1 import ledger_pb2, ledger_pb2_grpc
from tests.integration.conftest import admin_token, start_server
from tests.integration.test_ledger_seal_verify import flip, tamper, write_changes

CLI = str(Path(sys.executable).parent / "customer-core")
BLOCK_SIZE = 4


@dataclass
class Ledger:
    url: str
    running: RunningServer
    client: Client
    stub: Any
    metadata: tuple[tuple[str, str], ...]

    def call(self, **fields: Any) -> ledger_pb2.VerifyLedgerResponse:
        request = ledger_pb2.VerifyLedgerRequest(**fields)
        response: ledger_pb2.VerifyLedgerResponse = self.stub.VerifyLedger(
            request, metadata=self.metadata, timeout=30
        )
        return response

    def parts(self, **fields: Any) -> list[ledger_pb2.VerifyLedgerResponse]:
        """Every call of a verification, each from the one before's next_block."""
        answers = [self.call(**fields)]
        while answers[-1].next_block:
            fields.update(first_block=answers[-1].next_block, last_block=answers[-1].last_block)
            answers.append(self.call(**fields))
        return answers

    def heads(self) -> list[Any]:
        with self.running.kernel.engine.connect() as connection:
            return list(connection.execute(select(ledger_blocks).order_by(ledger_blocks.c.height)))

    def sealed_entries(self) -> int:
        with self.running.kernel.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(ledger_offsets)).scalar_one()
            )


def open_ledger(url: str, **settings: Any) -> Ledger:
    running = start_server(url, ledger_block_size=BLOCK_SIZE, **settings)
    token = admin_token(running)
    target = f"127.0.0.1:{running.port}"
    return Ledger(
        url,
        running,
        Client(target, token=token, timeout=60),
        ledger_pb2_grpc.LedgerServiceStub(grpc.insecure_channel(target)),
        (("authorization", f"Bearer {token}"),),
    )


@pytest.fixture
def make_ledger(new_database) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    opened: list[Ledger] = []

    def make(customers: int, **settings: Any) -> Ledger:
        ledger = open_ledger(str(new_database("parts")), **settings)
        opened.append(ledger)
        write_changes(ledger.client, customers=customers)
        ledger.running.sealer.seal_now()
        return ledger

    yield make
    for ledger in opened:
        ledger.client.close()
        ledger.running.stop(grace=1)


def block_sizes(ledger: Ledger) -> dict[int, int]:
    return {h.height: h.last_offset - h.first_offset + 1 for h in ledger.heads()}


@pytest.mark.parametrize(("max_entries", "per_call"), [(10, 2), (3, 1)])
def test_a_long_ledger_is_verified_in_bounded_calls_following_next_block(
    make_ledger: Any, max_entries: int, per_call: int
) -> None:
    # Blocks of 4: a limit of 10 entries takes two full blocks a call (a third would make 12);
    # a limit of 3 still takes one block a call (a first block is checked whatever its size).
    ledger = make_ledger(6, ledger_verify_max_blocks=5, ledger_verify_max_entries=max_entries)
    sizes = block_sizes(ledger)
    assert len(sizes) >= 8 and max(sizes.values()) <= BLOCK_SIZE
    for chains in (False, True):
        parts = ledger.parts(chains=chains)
        assert len(parts) >= len(sizes) // max(per_call, 1) // 2 + 1
        expected_first = 1
        for part in parts:
            assert part.ok, part.first_failure
            assert part.last_block == len(sizes)
            assert 1 <= part.blocks_checked <= 5
            checked = range(expected_first, expected_first + part.blocks_checked)
            in_blocks = sum(sizes[h] for h in checked)
            assert part.blocks_checked == 1 or in_blocks <= max_entries
            if not chains:  # with chains, entries_checked counts the chains walked
                assert part.entries_checked == in_blocks
            if part.next_block:  # the call stopped at the bound, not short of it
                assert part.next_block == checked[-1] + 1
                assert part.blocks_checked == 5 or in_blocks + sizes[part.next_block] > max_entries
            expected_first += part.blocks_checked
        assert expected_first == len(sizes) + 1 and parts[-1].next_block == 0
        if not chains:
            assert sum(p.entries_checked for p in parts) == ledger.sealed_entries()
    # The request may ask for fewer blocks a call, never for more than the server's bound.
    assert {p.blocks_checked for p in ledger.parts(max_blocks=1)} == {1}
    assert max(p.blocks_checked for p in ledger.parts(max_blocks=1000)) <= 5
    # The client follows next_block and gives the combined result.
    seen: list[ledger_pb2.VerifyLedgerResponse] = []
    whole = ledger.client.verify_ledger(chains=True, progress=seen.append)
    assert whole.ok and whole.blocks_checked == len(sizes) and whole.next_block == 0
    assert len(seen) == len(ledger.parts(chains=True)) > 1
    plain = ledger.client.verify_ledger()
    assert (plain.blocks_checked, plain.entries_checked) == (len(sizes), ledger.sealed_entries())
    middle = ledger.client.verify_ledger(3, 7, max_blocks=2)
    assert middle.ok and middle.blocks_checked == 5


def test_the_range_is_the_one_the_first_call_resolved(make_ledger: Any) -> None:
    ledger = make_ledger(4, ledger_verify_max_blocks=2)
    heights = len(ledger.heads())
    first = ledger.call()
    assert (first.last_block, first.next_block) == (heights, 3)
    write_changes(ledger.client, customers=2)  # more blocks while the caller pages through
    ledger.running.sealer.seal_now()
    assert len(ledger.heads()) > heights
    rest = ledger.parts(first_block=first.next_block, last_block=first.last_block)
    assert first.blocks_checked + sum(p.blocks_checked for p in rest) == heights
    assert ledger.client.verify_ledger().blocks_checked == len(ledger.heads())


def test_tampering_in_a_later_call_is_found_and_named(make_ledger: Any) -> None:
    ledger = make_ledger(6, ledger_verify_max_blocks=2)
    heads = ledger.heads()
    assert len(heads) >= 8
    # The first block of the fourth call no longer links to the last block of the third: only
    # the check across calls (against the block before `first_block`) can see it.
    victim = heads[6]
    tamper(
        ledger.url,
        "ledger_blocks",
        update(ledger_blocks)
        .where(ledger_blocks.c.height == victim.height)
        .values(prev_hash=flip(bytes(victim.prev_hash), 7)),
    )
    parts = ledger.parts()
    assert [p.ok for p in parts] == [True, True, True, False]
    assert [p.next_block for p in parts] == [3, 5, 7, 0]
    failed = parts[-1]
    assert failed.failed_block == victim.height and failed.blocks_checked == 0
    assert "prev_hash is not the hash of the block before" in failed.first_failure
    whole = ledger.client.verify_ledger()
    assert (whole.ok, whole.failed_block, whole.blocks_checked) == (False, victim.height, 6)
    assert whole.first_failure == failed.first_failure


def test_an_edited_entry_in_a_later_call_is_named(make_ledger: Any) -> None:
    ledger = make_ledger(6, ledger_verify_max_blocks=2)
    last = ledger.heads()[-1]
    with ledger.running.kernel.engine.connect() as connection:
        victim = connection.execute(
            select(ledger_entries)
            .join(ledger_offsets, ledger_offsets.c.entry_id == ledger_entries.c.id)
            .where(ledger_offsets.c.offset == last.first_offset)
        ).one()
    tamper(
        ledger.url,
        "ledger_entries",
        update(ledger_entries)
        .where(ledger_entries.c.id == victim.id)
        .values(entry=flip(bytes(victim.entry), 3)),
    )
    for chains in (False, True):
        parts = ledger.parts(chains=chains)
        assert all(p.ok for p in parts[:-1]) and len(parts) > 1
        assert (parts[-1].ok, parts[-1].failed_entry) == (False, str(victim.id))
        whole = ledger.client.verify_ledger(chains=chains)
        assert (whole.ok, whole.failed_entry) == (False, str(victim.id)), whole.first_failure


def test_a_bad_range_or_page_size_is_invalid_argument(make_ledger: Any) -> None:
    ledger = make_ledger(1)
    latest = len(ledger.heads())
    for fields, field in (
        ({"max_blocks": -1}, "max_blocks"),
        ({"last_block": latest + 1}, "last_block"),
        ({"first_block": 2, "last_block": 1}, "last_block"),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            ledger.call(**fields)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in (refused.value.details() or "")
    beyond = ledger.call(first_block=latest + 1)
    assert (beyond.ok, beyond.blocks_checked, beyond.next_block) == (True, 0, 0)


def busy_details(error: grpc.RpcError) -> tuple[str, float]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    reason, delay = "", 0.0
    for packed in status.details:
        if packed.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            packed.Unpack(info)
            assert info.domain == ERROR_DOMAIN
            reason = info.reason
        if packed.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            packed.Unpack(retry)
            delay = retry.retry_delay.ToNanoseconds() / 1e9
    return reason, delay


def at_once(callers: int, call: Callable[[], Any], error: type[Exception]) -> list[Any]:
    """The answers (or errors) of `callers` threads making `call`, released together."""
    barrier = threading.Barrier(callers)
    answers: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            answers.append(call())
        except error as exc:
            answers.append(exc)

    threads = [threading.Thread(target=run) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_past_the_concurrency_limit_a_verification_is_refused_and_the_client_waits_its_turn(
    make_ledger: Any,
) -> None:
    # One verification at a time, each call about 20 blocks: several callers released together
    # overlap, and all but the one running are refused at once.
    ledger = make_ledger(12, ledger_verify_concurrency=1, ledger_verify_max_blocks=20)
    answers: list[Any] = []
    for _ in range(5):  # real concurrency: a round whose calls happen not to overlap is retried
        answers = at_once(8, lambda: ledger.call(chains=True), grpc.RpcError)
        if any(isinstance(a, grpc.RpcError) for a in answers):
            break
    done = [a for a in answers if isinstance(a, ledger_pb2.VerifyLedgerResponse)]
    refused = [a for a in answers if isinstance(a, grpc.RpcError)]
    assert done and refused, "no two verifications overlapped in 5 rounds"
    assert all(a.ok and a.blocks_checked >= 15 for a in done)
    for error in refused:
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert busy_details(error)[0] == "VERIFICATION_BUSY" and busy_details(error)[1] > 0
    # The client raises it as RPCError with the reason and delay; its verify_ledger waits them out.
    heights = len(ledger.heads())
    results = at_once(4, lambda: ledger.client.verify_ledger(chains=True), RPCError)
    assert [(r.ok, r.blocks_checked) for r in results] == [(True, heights)] * 4, results


def test_the_cli_still_verifies_the_whole_database_in_one_go(make_ledger: Any) -> None:
    ledger = make_ledger(6, ledger_verify_max_blocks=1, ledger_verify_max_entries=1)
    heights, entries = len(ledger.heads()), ledger.sealed_entries()
    env = {
        **os.environ,
        "CUSTOMER_CORE_DATABASE_URL": ledger.url,
        "CUSTOMER_CORE_LEDGER_VERIFY_MAX_BLOCKS": "1",  # bounds RPCs only
        "CUSTOMER_CORE_LEDGER_VERIFY_MAX_ENTRIES": "1",
    }
    checked = subprocess.run(
        [CLI, "ledger", "verify"], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert f"ledger OK: {heights} blocks, {entries} entries" in checked.stderr
    assert '"next_block"' not in checked.stdout
