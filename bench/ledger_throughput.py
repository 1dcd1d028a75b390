"""Ledger throughput: sealing, verification over a million entries, and writes with the ledger on/off.

1. **Sealing**: 20,000 entries appended through `customer_core.ledger.recorder.append` (in
   transactions of 100, over 2,000 chains) into a fresh SQLite database, then one sealer seals them
   all (`seal_now`, blocks of 1,000): entries/s.
2. **Verification**: 1,000,000 synthetic entries — valid SM3 chains, 100,000 chains of 10 — written
   straight into a fresh SQLite database with executemany, sealed (blocks of 10,000), then
   `verify(..., chains=False)` and `verify(..., chains=True)` over all of it: entries/s.
3. **Writes, ledger on vs off**: CreateCustomer with 3 subject records against two kernel servers on
   fresh SQLite databases, one normal and one whose `recorder.append` is a no-op (nothing appended,
   nothing to seal), measured alternately on, off, on, off: calls/s and the ratio (goal >= 0.7).

Absolute times are noisy, so sealing and verification are also printed as a ratio to raw SM3
throughput (hashes/s of byte strings of the same sizes, via the same `primitives.sm3`) measured in
the same run. A default run takes about 2-4 minutes on 2 cores; `--quick` is a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import grpc
from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from customer_core.crypto import primitives
from customer_core.crypto.keyring import Keyring
from customer_core.crypto.master_key import LocalMasterKey
from customer_core.kernel.config import Settings
from customer_core.ledger import recorder, signing
from customer_core.ledger.chain import GENESIS, canonical
from customer_core.ledger.sealer import LedgerSealer
from customer_core.ledger.verify import verify
from customer_core.storage import create_engine, migrate, run_in_transaction
from customer_core.storage.tables import ledger_entries
from customer_core.v1 import ledger_pb2

PRINCIPAL = "bench-admin"
#: Who the ledger entries the bench appends directly are attributed to.
BENCH = recorder.Provenance("bench", "ledger_throughput")
GOAL_ON_OFF = 0.7


def sm3_rate(samples: list[bytes], seconds: float = 1.0) -> float:
    """Raw SM3 hashes per second over `samples` (cycled), the baseline of the ratios."""
    sm3, done, began = primitives.sm3, 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        for data in samples:
            sm3(data)
        done += len(samples)
    return done / elapsed


@contextmanager
def sqlite_database(label: str) -> Iterator[tuple[Engine, Keyring]]:
    """A fresh, migrated SQLite database in a temporary directory, and a keyring for it."""
    with tempfile.TemporaryDirectory(prefix=f"bench-ledger-{label}-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'ledger.db'}"
        migrate(url)
        engine = create_engine(url, pool_size=4)
        try:
            yield engine, Keyring(LocalMasterKey({1: primitives.random_key()}, 1))
        finally:
            engine.dispose()


def bench_sealing(entries: int) -> tuple[float, float]:
    """(entries sealed per second, SM3 hashes per second of a leaf's and a node's size)."""
    chains = max(1, entries // 10)
    with sqlite_database("seal") as (engine, keyring):
        now = datetime.now(UTC)
        # The signing key is created (an SM2 key generation) before the clock starts.
        run_in_transaction(engine, lambda c: signing.active_key(c, keyring))

        def batch(connection: Connection, start: int) -> None:
            for i in range(start, min(start + 100, entries)):
                chain = f"customers/{i % chains:018d}"
                recorder.append(
                    connection, chain=chain, subject="customer", resource=chain,
                    action=recorder.UPDATE, now=now + timedelta(microseconds=i),
                    after=secrets.token_bytes(200), provenance=BENCH,
                )  # fmt: skip

        for start in range(0, entries, 100):
            run_in_transaction(engine, lambda c, s=start: batch(c, s))  # type: ignore[misc]
        sealer = LedgerSealer(engine, keyring, block_size=1000)
        began = time.perf_counter()
        sealed = sealer.seal_now(timeout=600)
        rate = sealed / (time.perf_counter() - began)
        sealer.stop()
    assert sealed == entries, (sealed, entries)
    return rate, sm3_rate([b"\x00" + bytes(32), b"\x01" + bytes(64)] * 500)


def synthesize(engine: Engine, entries: int, chains: int) -> list[bytes]:
    """Writes `entries` valid chained entries (round-robin over `chains`); some hashed inputs.

    Each is what the recorder would store: its canonical bytes (no offset, no hash), chained by
    SM3 to the chain's previous entry; times 100 microseconds apart.
    """
    tips = [GENESIS] * chains
    start = datetime(2026, 1, 1, tzinfo=UTC)
    epoch_us = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    payloads = [secrets.token_bytes(160) for _ in range(997)]
    sm3, samples, rows = primitives.sm3, [], []
    entry = ledger_pb2.LedgerEntry(
        principal="batch-import", method="/customer_core.v1.CustomerService/UpdateCustomer",
        subject="customer", action=ledger_pb2.CHANGE_ACTION_UPDATE,
    )  # fmt: skip
    with engine.begin() as connection:
        for i in range(entries):
            c = i % chains
            chain, prev = f"customers/{c:018d}", tips[c]
            micros = epoch_us + 100 * i
            entry_id = uuid.uuid4()
            entry.id, entry.chain, entry.sequence = str(entry_id), chain, i // chains + 1
            entry.customer = entry.resource = chain
            entry.after, entry.prev_hash = payloads[i % 997], prev
            entry.time.seconds, entry.time.nanos = divmod(micros, 1_000_000)
            entry.time.nanos *= 1000
            body = entry.SerializeToString(deterministic=True)  # = canonical(entry): no offset/hash
            digest = sm3(prev + body)
            rows.append(
                {"id": entry_id, "chain": chain, "sequence": entry.sequence,
                 "time": start + timedelta(microseconds=100 * i), "customer_id": None,
                 "source_system": "", "entry": body, "prev_hash": prev, "hash": digest}
            )  # fmt: skip
            tips[c] = digest
            if len(samples) < 2000:
                samples.append(prev + body)
            if len(rows) == 20_000:
                connection.execute(insert(ledger_entries), rows)
                rows = []
        if rows:
            connection.execute(insert(ledger_entries), rows)
    assert canonical(entry) == body
    return samples


def bench_verification(entries: int) -> dict[str, float]:
    """Entries/s of generation, sealing and verification over `entries` synthetic entries."""
    out: dict[str, float] = {}
    with sqlite_database("verify") as (engine, keyring):
        began = time.perf_counter()
        samples = synthesize(engine, entries, max(1, entries // 10))
        out["generate"] = entries / (time.perf_counter() - began)
        print(
            f"  generated {entries:,} chained entries: {out['generate']:,.0f} entries/s", flush=True
        )
        sealer = LedgerSealer(engine, keyring, block_size=10_000)
        began = time.perf_counter()
        assert sealer.seal_now(timeout=3600) == entries
        out["seal"] = entries / (time.perf_counter() - began)
        print(f"  sealed them in blocks of 10,000: {out['seal']:,.0f} entries/s", flush=True)
        for chains in (False, True):
            began = time.perf_counter()
            result = run_in_transaction(
                engine, lambda c, x=chains: verify(c, chains=x), write=False
            )  # type: ignore[misc]
            assert result.ok and result.entries_checked == entries, result
            key = "verify+chains" if chains else "verify"
            out[key] = entries / (time.perf_counter() - began)
            print(
                f"  {key}: {out[key]:,.0f} entries/s ({result.blocks_checked} blocks)", flush=True
            )
        out["sm3"] = sm3_rate(samples)
        sealer.stop()
    return out


# Writes with the ledger on and off: kernel servers in spawned processes.


def _no_append(*args: Any, **kwargs: Any) -> None:
    """The recorder bypassed: the change is made, no ledger entry is appended."""


def serve(settings: Settings, ledger: bool, pipe: Pipe) -> None:
    """Child process: a kernel server (its recorder a no-op unless `ledger`), until told to stop."""
    from customer_core.api.server import create_server
    from customer_core.authz.principal import WHOLE_BANK
    from customer_core.kernel.app import Kernel
    from customer_core.v1.admin_service_pb2 import RoleBinding

    if not ledger:
        recorder.append = _no_append  # type: ignore[assignment]
    os.environ.pop("CUSTOMER_CORE_MASTER_KEY", None)
    kernel = Kernel.open(settings)

    admin = RoleBinding(principal=PRINCIPAL, role="admin", org_unit=WHOLE_BANK)
    token = kernel.bind_and_issue_token(admin, ttl_seconds=3600, issued_by="bench")
    running = create_server(kernel, settings)
    pipe.send((running.port, token))
    with suppress(EOFError, OSError, KeyboardInterrupt):
        pipe.recv()
    running.stop(grace=1)


@contextmanager
def kernel_server(tmp: Path, ledger: bool) -> Iterator[tuple[str, str]]:
    """(target, token) of a kernel server on a fresh SQLite database, in a spawned process."""
    name = "on" if ledger else "off"
    url = f"sqlite:///{tmp / f'writes-{name}.db'}"
    migrate(url)
    settings = Settings(database_url=url, port=0, master_key_file=str(tmp / f"master-{name}.key"))  # type: ignore[call-arg]
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(settings, ledger, child), name=f"ledger-{name}")
    proc.start()
    child.close()
    try:
        if not parent.poll(120):
            raise RuntimeError(f"ledger-{name} server did not start")
        port, token = parent.recv()
        yield f"127.0.0.1:{port}", token
    finally:
        with suppress(OSError):
            parent.send("stop")
        proc.join(15)
        if proc.is_alive():
            proc.kill()
            proc.join(5)


async def create_rate(target: str, token: str, args: argparse.Namespace) -> tuple[float, int]:
    """CreateCustomer+3 records calls/s over `args.duration` after `args.warmup`; and failures."""
    from customer_core.client import pack, subject_of
    from customer_core.v1 import customer_pb2, customer_service_pb2_grpc
    from customer_core.v1 import customer_service_pb2 as svc
    from tests.integration.helpers import id_card, mobile, profile

    records = [
        customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r))
        for r in (profile(), id_card(), mobile())
    ]
    customer = customer_pb2.Customer(
        type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit="HO01", display_name="Bench"
    )
    metadata = (("authorization", f"Bearer {token}"),)
    began = time.perf_counter()
    measure_from, end = began + args.warmup, began + args.warmup + args.duration
    done, failed = 0, 0
    async with grpc.aio.insecure_channel(target) as channel:
        stub = customer_service_pb2_grpc.CustomerServiceStub(channel)

        async def worker() -> None:
            nonlocal done, failed
            while time.perf_counter() < end:
                request = svc.CreateCustomerRequest(
                    customer=customer, records=records, request_id=str(uuid.uuid4())
                )
                try:
                    await stub.CreateCustomer(request, metadata=metadata, timeout=30)
                except grpc.aio.AioRpcError:
                    failed += 1
                    continue
                if measure_from <= time.perf_counter() <= end:
                    done += 1

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return done / args.duration, failed


def bench_writes(args: argparse.Namespace) -> tuple[float, float, int]:
    """(calls/s ledger on, calls/s ledger off, failed calls), measured on, off, on, off."""
    rates: dict[bool, list[float]] = {True: [], False: []}
    failures = 0
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ledger-")))
        on = stack.enter_context(kernel_server(tmp, True))
        off = stack.enter_context(kernel_server(tmp, False))
        for ledger in (True, False, True, False):
            rate, failed = asyncio.run(create_rate(*(on if ledger else off), args))
            print(f"  ledger {'on ' if ledger else 'off'}: {rate:,.0f} calls/s", flush=True)
            rates[ledger].append(rate)
            failures += failed
    return sum(rates[True]) / 2, sum(rates[False]) / 2, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, short runs")
    parser.add_argument("--seal-entries", type=int, help="entries sealed (20,000)")
    parser.add_argument("--verify-entries", type=int, help="entries verified (1,000,000)")
    parser.add_argument("--duration", type=float, help="seconds measured per write run (4)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per write run (1)")
    parser.add_argument("--concurrency", type=int, default=16, help="write calls in flight")
    args = parser.parse_args(argv)
    args.seal_entries = args.seal_entries or (2_000 if args.quick else 20_000)
    args.verify_entries = args.verify_entries or (20_000 if args.quick else 1_000_000)
    args.duration = args.duration or (1.5 if args.quick else 4.0)
    args.warmup = args.warmup or (0.5 if args.quick else 1.0)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    began = time.perf_counter()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)

    print(f"sealing {args.seal_entries:,} entries appended through the recorder (SQLite)")
    seal, seal_sm3 = bench_sealing(args.seal_entries)
    print(f"verifying {args.verify_entries:,} synthetic entries (SQLite)")
    ver = bench_verification(args.verify_entries)
    print("CreateCustomer+3 records, ledger on vs off (SQLite)")
    on, off, failures = bench_writes(args)

    rows: list[tuple[str, float, str, Callable[[], str]]] = [
        (f"seal ({args.seal_entries:,} recorded)", seal, "leaf+node SM3", lambda: f"{seal / seal_sm3:.4f}"),
        (f"seal ({args.verify_entries:,} synthetic)", ver["seal"], "entry-size SM3", lambda: f"{ver['seal'] / ver['sm3']:.4f}"),
        ("verify", ver["verify"], "entry-size SM3", lambda: f"{ver['verify'] / ver['sm3']:.4f}"),
        ("verify --chains", ver["verify+chains"], "entry-size SM3", lambda: f"{ver['verify+chains'] / ver['sm3']:.4f}"),
    ]  # fmt: skip
    print(f"\n{'measure':26} {'entries/s':>12}  baseline (hashes/s)           ratio")
    for label, rate, base, ratio in rows:
        base_rate = seal_sm3 if base.startswith("leaf") else ver["sm3"]
        print(f"{label:26} {rate:12,.0f}  {base:15} {base_rate:12,.0f}  {ratio()}")
    ratio = on / off if off else 0.0
    met = "yes" if ratio >= GOAL_ON_OFF and not failures else "NO"
    print(f"\nwrites: ledger on {on:,.0f} calls/s, off {off:,.0f} calls/s, on/off {ratio:.2f}"
          f" (goal >= {GOAL_ON_OFF}, met: {met}; {failures} failed calls)")  # fmt: skip
    print(f"took {time.perf_counter() - began:.0f} s; load average now {os.getloadavg()[0]:.2f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
