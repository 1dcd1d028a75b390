"""The set-based write path against CreateCustomer and against PostgreSQL COPY, in one run.

Three figures, in customers per second, each a new individual as a source system sends one (an
individual profile, a resident ID card and a mobile phone, fresh values each, one cross-reference):

- `BatchCreateCustomers`: `--customers` (100,000) customers in calls of `--batch` (1,000) from
  `--callers` (2) callers at once: the set-based path (`kernel.batch_onboarding`) the batch loader
  stands on.
- `CreateCustomer`: `--single` (3,000) of the same customers one call each, from 16 callers.
- `COPY`: the rows the set-based path wrote (customers, cross-references, records, blind indexes,
  data keys, ledger entries), copied by PostgreSQL's COPY into an empty database of the same
  schema: the floor, what storing them costs with no validation, sealing, hashing or gRPC.

Each kernel runs in a process of its own, as `customer-core serve` runs it (one process: these
machines have 2 cores, one for the server and one for the callers). Ratios are to COPY and to
CreateCustomer in the same run; the machine's noise weighs on all three alike.

    .venv/bin/python bench/set_based_writes.py [--backend postgresql|sqlite] [--customers 100000]
        [--batch 1000] [--callers 2] [--single 3000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

#: Tables the set-based path writes, in foreign-key order.
TABLES = (
    "customers",
    "cross_references",
    "data_keys",
    "subject_records",
    "blind_indexes",
    "ledger_entries",
)


def new_request(i: int, run: str) -> Any:
    """Customer `i`: a profile, a resident ID card and a mobile phone, all fresh."""
    from customer_core.client import pack, subject_of
    from customer_core.v1 import customer_pb2
    from customer_core.v1 import customer_service_pb2 as svc
    from tests.integration.helpers import mobile, person

    records = [*person(f"Bench {i}"), mobile(f"+86139{i % 10**8:08d}")]
    return svc.CreateCustomerRequest(
        customer=customer_pb2.Customer(
            type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit="HO01",
            display_name=f"Bench {i}",
        ),
        cross_references=[customer_pb2.CrossReference(source_system="CRM", local_id=f"{run}{i}")],
        records=[customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r)) for r in records],
        request_id=str(uuid.uuid4()),
    )  # fmt: skip


def in_parallel(callers: int, work: Callable[[int], None]) -> float:
    """Runs `work(k)` for k in range(callers) on as many threads; the seconds it took."""
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(callers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


def batch_rate(target: str, token: str, args: argparse.Namespace) -> float:
    from customer_core.client import Client
    from customer_core.v1 import customer_service_pb2 as svc

    n, size = args.customers, args.batch
    print(f"generating {n:,} customers ...", flush=True)
    requests = [new_request(i, "B") for i in range(n)]
    calls = [requests[s : s + size] for s in range(0, n, size)]
    applied = [0]

    def work(k: int) -> None:
        with Client(target, token=token, timeout=600) as client:
            for part in calls[k :: args.callers]:
                outcomes = client.batch_create_customers(part)
                bad = [o for o in outcomes if o.state != svc.LoadOutcome.STATE_APPLIED]
                if bad:
                    raise RuntimeError(f"{len(bad)} not applied: {bad[0]}")
                applied[0] += len(outcomes)

    print(f"BatchCreateCustomers: {len(calls)} calls of {size} from {args.callers} callers ...")
    seconds = in_parallel(args.callers, work)
    assert applied[0] == n
    return n / seconds


def single_rate(target: str, token: str, args: argparse.Namespace) -> float:
    from customer_core.client import Client

    requests = [new_request(i, "S") for i in range(args.single)]
    callers = 16

    def work(k: int) -> None:
        with Client(target, token=token, timeout=60) as client:
            for request in requests[k::callers]:
                client._call(client._customers.CreateCustomer, request)

    print(f"CreateCustomer: {args.single:,} calls from {callers} callers ...", flush=True)
    return args.single / in_parallel(callers, work)


def copy_rate(source_url: str, target_url: str, customers: int) -> tuple[float, int]:
    """COPY of the rows in `source_url`'s tables into `target_url`'s: (customers/s, rows)."""
    import psycopg

    def dsn(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://")

    with psycopg.connect(dsn(source_url)) as src, psycopg.connect(dsn(target_url)) as dst:
        exported: dict[str, bytes] = {}
        for table in TABLES:
            buffer = bytearray()
            with src.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buffer += chunk
            exported[table] = bytes(buffer)
        rows = sum(data.count(b"\n") for data in exported.values())
        start = time.perf_counter()
        with dst.transaction():
            for table in TABLES:
                with dst.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(exported[table])
        seconds = time.perf_counter() - start
    return customers / seconds, rows


@contextmanager
def databases(backend: str, names: tuple[str, ...]) -> Iterator[tuple[dict[str, str], str]]:
    from customer_core.storage import migrate
    from tests.support.postgres import PostgresServer

    with tempfile.TemporaryDirectory(prefix="cc-setbench-") as tmp, ExitStack() as stack:
        postgres = stack.enter_context(PostgresServer()) if backend == "postgresql" else None
        urls = {}
        for name in names:
            url = postgres.create_database(name) if postgres else f"sqlite:///{tmp}/{name}.db"
            migrate(url)
            urls[name] = url
        yield urls, tmp


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from kernel_throughput import kernel_server  # the server as `customer-core serve` runs it

    from customer_core.kernel.config import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--callers", type=int, default=2)
    parser.add_argument("--single", type=int, default=3000)
    args = parser.parse_args(argv)
    names = ("batch", "single", "copied")
    with databases(args.backend, names) as (urls, tmp):
        rates: dict[str, float] = {}
        for name, measure in (("batch", batch_rate), ("single", single_rate)):
            settings = Settings(
                database_url=urls[name], host="127.0.0.1", port=0, processes=1,
                master_key_file=f"{tmp}/master.key",
            )  # fmt: skip
            with kernel_server(settings) as server:
                rates[name] = measure(server.target, server.token, args)
        rows = 0
        if args.backend == "postgresql":
            rates["copy"], rows = copy_rate(urls["batch"], urls["copied"], args.customers)
    print()
    print(f"backend {args.backend}, {args.customers:,} customers with 3 records each")
    print(f"{'path':<22} {'customers/s':>12} {'x CreateCustomer':>17} {'x COPY':>8}")
    for label, key in (("BatchCreateCustomers", "batch"), ("CreateCustomer", "single"),
                       ("COPY (same rows)", "copy")):  # fmt: skip
        if key not in rates:
            continue
        x_copy = f"{rates[key] / rates['copy']:.3f}" if "copy" in rates else "-"
        print(f"{label:<22} {rates[key]:>12,.0f} {rates[key] / rates['single']:>17.2f} {x_copy:>8}")
    if rows:
        print(f"(COPY moved {rows:,} rows: {rows / args.customers:.1f} per customer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
