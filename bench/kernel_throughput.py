"""Throughput and latency of the customer-core gRPC server, against a bare grpcio echo server.

Each server runs in a spawned process of its own (port 0, reported back through a pipe); the load
generator is one grpc.aio client running `--concurrency` tasks that call in a loop. Measured: echo
(the baseline: grpcio alone, same thread pool), then per backend GetCustomer360 of a customer with
3 subject records and 2 cross-references, and CreateCustomer (a new customer per call). Ratios are
to the echo baseline of the same run. Exit status 1 when any call failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent import futures
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import grpc

from customer_core.v1 import customer_pb2, customer_service_pb2_grpc
from customer_core.v1 import customer_service_pb2 as svc

REPO = Path(__file__).resolve().parents[1]
BACKENDS = ("sqlite", "postgresql")
MAX_WORKERS = 32  # the kernel server's default (Settings.max_workers); the echo server uses it too
ECHO_METHOD = "/bench.Echo/Echo"
#: As large as a GetCustomer360 request (a name with an 18-character customer number).
ECHO_PAYLOAD = b"x" * svc.GetCustomer360Request(name="customers/" + "0" * 18).ByteSize()
CALL_TIMEOUT = 10.0
START_TIMEOUT = 120.0
#: (backend, or None for every backend; operation): least throughput as a fraction of echo's.
GOALS: dict[tuple[str | None, str], float] = {
    (None, "GetCustomer360"): 0.35,
    ("postgresql", "CreateCustomer"): 0.15,
}
HEADER = "backend operation calls/s p50_ms p99_ms errors x_echo p50/echo goal met srv_cpu cli_cpu"
BENCH_CUSTOMER = customer_pb2.Customer(
    type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit="HO01", display_name="Bench"
)
Call = Callable[[], Awaitable[object]]


def _identity(data: bytes) -> bytes:
    return data


def _start_echo() -> tuple[int, Callable[[], None]]:
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="rpc"),
        options=[("grpc.so_reuseport", 0)],
    )
    echo = grpc.unary_unary_rpc_method_handler(
        lambda request, _context: request,
        request_deserializer=_identity,
        response_serializer=_identity,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("bench.Echo", {"Echo": echo}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return port, lambda: server.stop(1).wait()


def _start_kernel(database_url: str) -> tuple[int, Callable[[], None]]:
    from customer_core.api.server import create_server
    from customer_core.kernel.app import Kernel
    from customer_core.kernel.config import Settings

    settings = Settings(
        database_url=database_url, host="127.0.0.1", port=0, max_workers=MAX_WORKERS
    )
    running = create_server(Kernel.open(settings), settings)
    return running.port, lambda: running.stop(grace=1)


def serve(kind: str, database_url: str, conn: Connection) -> None:
    """Child process: starts the server, sends ("port", n) or ("error", text), serves until told."""
    try:
        port, stop = _start_echo() if kind == "echo" else _start_kernel(database_url)
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        return
    conn.send(("port", port))
    try:
        conn.recv()  # any message, or the parent gone (EOF), stops the server
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        stop()


@contextmanager
def server_process(kind: str, database_url: str = "") -> Iterator[tuple[str, int]]:
    """A server of `kind` ("echo" or "kernel") in a spawned process, always ended on exit."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(kind, database_url, child), name=f"bench-{kind}")
    proc.start()
    child.close()
    try:
        if not parent.poll(START_TIMEOUT):
            raise RuntimeError(f"{kind} server did not start within {START_TIMEOUT:.0f} s")
        try:
            tag, value = parent.recv()
        except EOFError:
            raise RuntimeError(f"{kind} server died at start (exit {proc.exitcode})") from None
        if tag != "port":
            raise RuntimeError(f"{kind} server failed to start:\n{value}")
        assert proc.pid is not None
        yield f"127.0.0.1:{value}", proc.pid  # target, pid
    finally:
        with suppress(OSError):
            parent.send("stop")
        proc.join(10)
        for end in (proc.terminate, proc.kill):  # escalate only if it did not stop by itself
            if proc.is_alive():
                end()
                proc.join(5)
        parent.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    backend: str
    operation: str
    calls: int  # completed without error inside the measured window
    errors: int  # failed calls, warm-up included
    calls_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu: float  # cores busy in the server process (warm-up and measurement)
    client_cpu: float  # the same for the load generator
    first_error: str = ""
    ratio: float | None = None  # throughput / echo throughput
    latency_ratio: float | None = None  # p50 / echo p50
    goal: float | None = None
    met: bool | None = None


async def drive(
    backend: str, operation: str, call: Call, server_pid: int, args: argparse.Namespace
) -> Result:
    """Runs `args.concurrency` tasks calling `call` in a loop; measures the calls ending in the window."""
    begin = time.perf_counter()
    measure_from, end = begin + args.warmup, begin + args.warmup + args.duration
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    latencies: list[float] = []
    failures, first_error = 0, ""

    async def worker() -> None:
        nonlocal failures, first_error
        while (start := time.perf_counter()) < end:
            try:
                await call()
            except Exception as error:  # every failure counts, whatever its kind
                failures += 1
                if isinstance(error, grpc.aio.AioRpcError):
                    first_error = first_error or f"{error.code().name}: {error.details()}"
                first_error = first_error or repr(error)
                continue
            if measure_from <= (done := time.perf_counter()) <= end:
                latencies.append(done - start)

    tasks = asyncio.gather(*(worker() for _ in range(args.concurrency)))
    await asyncio.wait_for(tasks, args.warmup + args.duration + CALL_TIMEOUT + 5)
    elapsed = time.perf_counter() - begin
    latencies.sort()

    def ms(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3 if latencies else 0

    rate = len(latencies) / args.duration
    server_cpu = (cpu_seconds(server_pid) - server_cpu) / elapsed
    client_cpu = (time.process_time() - client_cpu) / elapsed
    print(f"  {backend} {operation}: {rate:.0f} calls/s", flush=True)
    stats = (len(latencies), failures, rate, ms(0.50), ms(0.99), server_cpu, client_cpu)
    return Result(backend, operation, *stats, first_error=first_error)


async def bench_echo(target: str, pid: int, args: argparse.Namespace) -> Result:
    async with grpc.aio.insecure_channel(target) as channel:
        await asyncio.wait_for(channel.channel_ready(), START_TIMEOUT)
        echo = channel.unary_unary(
            ECHO_METHOD, request_serializer=_identity, response_deserializer=_identity
        )
        call = lambda: echo(ECHO_PAYLOAD, timeout=CALL_TIMEOUT)  # noqa: E731
        return await drive("-", "echo", call, pid, args)


def new_customer() -> svc.CreateCustomerRequest:
    """A CreateCustomerRequest of a new individual, with a fresh request id."""
    return svc.CreateCustomerRequest(customer=BENCH_CUSTOMER, request_id=str(uuid.uuid4()))


async def bench_kernel(
    backend: str, target: str, pid: int, args: argparse.Namespace
) -> list[Result]:
    from customer_core.client import pack, subject_of
    from tests.integration.helpers import id_card, mobile, profile, unique

    async with grpc.aio.insecure_channel(target) as channel:
        await asyncio.wait_for(channel.channel_ready(), START_TIMEOUT)
        stub = customer_service_pb2_grpc.CustomerServiceStub(channel)
        setup = new_customer()  # the customer GetCustomer360 reads: 3 records, 2 cross-references
        for record in (profile(), id_card(), mobile()):
            setup.records.add(subject=subject_of(record), data=pack(record))
        for source_system, prefix in (("CORE", "C"), ("CARDS", "K")):
            setup.cross_references.add(source_system=source_system, local_id=unique(prefix))
        customer = await stub.CreateCustomer(setup, timeout=CALL_TIMEOUT)
        get = svc.GetCustomer360Request(name=customer.name)
        view = await stub.GetCustomer360(get, timeout=CALL_TIMEOUT)
        records = sum(len(group.records) for group in view.subjects)
        if records != 3 or len(view.cross_references) != 2:
            raise RuntimeError(f"360 holds {records} records, {len(view.cross_references)} xrefs")
        calls: dict[str, Call] = {
            "GetCustomer360": lambda: stub.GetCustomer360(get, timeout=CALL_TIMEOUT),
            "CreateCustomer": lambda: stub.CreateCustomer(new_customer(), timeout=CALL_TIMEOUT),
        }
        return [await drive(backend, op, call, pid, args) for op, call in calls.items()]


@contextmanager
def database(backend: str) -> Iterator[str]:
    """The URL of a fresh, migrated database of `backend`; PostgreSQL is started and stopped."""
    from customer_core.storage import migrate
    from tests.support.postgres import PostgresServer

    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
            migrate(url := f"sqlite:///{tmp}/bench.db")
            yield url
        return
    postgres = PostgresServer()
    try:
        postgres.start()
        migrate(url := postgres.create_database("bench"))
        yield url
    finally:
        postgres.stop()


def judge(results: list[Result]) -> None:
    """Fills in the ratios to the echo baseline and the goals."""
    echo = next(r for r in results if r.operation == "echo")
    for r in results:
        r.ratio = r.calls_per_s / echo.calls_per_s if echo.calls_per_s else None
        r.latency_ratio = r.p50_ms / echo.p50_ms if echo.p50_ms else None
        r.goal = GOALS.get((r.backend, r.operation), GOALS.get((None, r.operation)))
        if r.goal is not None and r.ratio is not None:
            r.met = r.errors == 0 and r.ratio >= r.goal


def table(results: list[Result]) -> str:
    row = "{:<11}{:<16}{:>9}{:>9}{:>9}{:>8}{:>8}{:>10}{:>8}  {:<5}{:>8}{:>8}".format
    lines = [row(*(title.replace("_", " ") for title in HEADER.split()))]
    lines.append("-" * len(lines[0]))
    for r in results:
        ratio = "-" if r.ratio is None else f"{r.ratio:.3f}"
        p50_ratio = "-" if r.latency_ratio is None else f"{r.latency_ratio:.2f}"
        goal = "-" if r.goal is None else f">={r.goal:.2f}"
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        numbers = (f"{r.calls_per_s:.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", r.errors)
        cpu = (f"{r.server_cpu:.2f}", f"{r.client_cpu:.2f}")
        lines.append(row(r.backend, r.operation, *numbers, ratio, p50_ratio, goal, met, *cpu))
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds measured per case")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(args.backends) - set(BACKENDS):
        parser.error(f"unknown backends {sorted(unknown)}; choose from {', '.join(BACKENDS)}")
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1:
        parser.error("--duration must be > 0, --warmup >= 0, --concurrency >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(REPO))  # for tests.support.postgres and tests.integration.helpers
    print(
        f"concurrency {args.concurrency}, warm-up {args.warmup:g} s, {args.duration:g} s measured,"
        f" {MAX_WORKERS} server threads, {os.cpu_count()} CPUs, echo payload {len(ECHO_PAYLOAD)} B",
        flush=True,
    )
    results: list[Result] = []
    with server_process("echo") as (target, pid):
        results.append(asyncio.run(bench_echo(target, pid, args)))
    for backend in args.backends:
        with database(backend) as url, server_process("kernel", url) as (target, pid):
            results += asyncio.run(bench_kernel(backend, target, pid, args))
    judge(results)
    print(f"\n{table(results)}\n")
    print("goals: throughput as a fraction of echo's; CreateCustomer's is for PostgreSQL only")
    print("srv/cli cpu: cores busy in the server process and in the load generator")
    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        config.update(max_workers=MAX_WORKERS, echo_payload_bytes=len(ECHO_PAYLOAD))
        payload = {"config": config, "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"results written to {args.json}")
    if failed := [r for r in results if r.errors]:
        bar = "!" * 78
        print(f"\n{bar}\n!! CALLS FAILED: the numbers above are not trustworthy", file=sys.stderr)
        for r in failed:
            first = f"first: {r.first_error}"
            print(f"!! {r.backend} {r.operation}: {r.errors} errors; {first}", file=sys.stderr)
        print(bar, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
