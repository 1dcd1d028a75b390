"""Throughput and latency of the customer-core gRPC server, against a bare grpcio echo server.

Every server runs in a process of its own (spawned, port 0, port reported through a pipe); the
load generator is one grpc.aio client with `--concurrency` tasks calling in a loop. Measured:
echo (the baseline: grpcio alone, same thread pool), then per backend GetCustomer360 of a
customer with 3 subject records and 2 cross-references, and CreateCustomer (a new customer per
call). Ratios are to the echo baseline of the same run.

    .venv/bin/python bench/kernel_throughput.py [--backends sqlite,postgresql] [--duration 8]
        [--warmup 2] [--concurrency 64] [--json results.json]

Exit status 1 when any call failed.
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
from google.protobuf.message import Message

from customer_core.v1 import customer_pb2, customer_service_pb2_grpc
from customer_core.v1 import customer_service_pb2 as svc

REPO = Path(__file__).resolve().parents[1]
MAX_WORKERS = 32  # the kernel server's default (Settings.max_workers); the echo server uses it too
ECHO_METHOD = "/bench.Echo/Echo"
#: The echo payload is as large as a GetCustomer360 request (name with an 18-character number).
ECHO_PAYLOAD = b"x" * svc.GetCustomer360Request(name="customers/" + "0" * 18).ByteSize()
CALL_TIMEOUT = 10.0
START_TIMEOUT = 120.0
#: (backend or None for every backend, operation): least throughput as a fraction of echo's.
GOALS: dict[tuple[str | None, str], float] = {
    (None, "GetCustomer360"): 0.35,
    ("postgresql", "CreateCustomer"): 0.15,
}
BACKENDS = ("sqlite", "postgresql")


# --- Servers (run in a spawned child process) ----------------------------------------------------


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


@dataclass
class ServerProcess:
    target: str
    pid: int


@contextmanager
def server_process(kind: str, database_url: str = "") -> Iterator[ServerProcess]:
    """A server of `kind` ("echo" or "kernel") in a spawned process, always stopped on exit."""
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
        yield ServerProcess(f"127.0.0.1:{value}", proc.pid)
    finally:
        with suppress(OSError):
            parent.send("stop")
        proc.join(10)
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
        parent.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- Load generation -------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    operation: str
    calls: int
    errors: int
    calls_per_s: float
    p50_ms: float
    p99_ms: float
    server_cpu: float  # cores busy in the server process, over warm-up and measurement
    client_cpu: float
    first_error: str = ""
    ratio: float | None = None  # throughput / echo throughput
    latency_ratio: float | None = None  # p50 / echo p50
    goal: float | None = None
    met: bool | None = None


async def drive(
    backend: str,
    operation: str,
    call: Callable[[], Awaitable[object]],
    server_pid: int,
    args: argparse.Namespace,
) -> Result:
    """Runs `args.concurrency` tasks calling `call` in a loop; measures calls ending in the window."""
    begin = time.perf_counter()
    measure_from, end = begin + args.warmup, begin + args.warmup + args.duration
    cpu0, client0 = cpu_seconds(server_pid), time.process_time()
    latencies: list[float] = []
    errors: list[str] = []  # the first message only; `failures` counts them all
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while (start := time.perf_counter()) < end:
            try:
                await call()
            except Exception as error:  # every failure counts, whatever its kind
                failures += 1
                if not errors:
                    code = error.code().name if isinstance(error, grpc.aio.AioRpcError) else ""
                    errors.append(f"{code or type(error).__name__}: {error}"[:400])
                continue
            done = time.perf_counter()
            if measure_from <= done <= end:
                latencies.append(done - start)

    tasks = asyncio.gather(*(worker() for _ in range(args.concurrency)))
    await asyncio.wait_for(tasks, args.warmup + args.duration + CALL_TIMEOUT + 5)
    elapsed = time.perf_counter() - begin
    latencies.sort()

    def quantile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3 if latencies else 0

    return Result(
        backend=backend,
        operation=operation,
        calls=len(latencies),
        errors=failures,
        calls_per_s=len(latencies) / args.duration,
        p50_ms=quantile(0.50),
        p99_ms=quantile(0.99),
        server_cpu=(cpu_seconds(server_pid) - cpu0) / elapsed,
        client_cpu=(time.process_time() - client0) / elapsed,
        first_error=errors[0] if errors else "",
    )


async def bench_echo(server: ServerProcess, args: argparse.Namespace) -> Result:
    async with grpc.aio.insecure_channel(server.target) as channel:
        await asyncio.wait_for(channel.channel_ready(), START_TIMEOUT)
        echo = channel.unary_unary(
            ECHO_METHOD, request_serializer=_identity, response_deserializer=_identity
        )
        return await drive(
            "-", "echo", lambda: echo(ECHO_PAYLOAD, timeout=CALL_TIMEOUT), server.pid, args
        )


def new_customer(
    cross_references: list[tuple[str, str]] | None = None, records: list[Message] | None = None
) -> svc.CreateCustomerRequest:
    """A CreateCustomerRequest of a new individual, with a fresh request id."""
    from customer_core.client import pack, subject_of

    return svc.CreateCustomerRequest(
        customer=customer_pb2.Customer(
            type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL,
            owning_org_unit="HO01",
            display_name="Bench Customer",
        ),
        cross_references=[
            customer_pb2.CrossReference(source_system=s, local_id=i)
            for s, i in cross_references or []
        ],
        records=[
            customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r)) for r in records or []
        ],
        request_id=str(uuid.uuid4()),
    )


async def bench_kernel(
    backend: str, server: ServerProcess, args: argparse.Namespace
) -> list[Result]:
    sys.path.insert(0, str(REPO))
    from tests.integration.helpers import id_card, mobile, profile, unique

    async with grpc.aio.insecure_channel(server.target) as channel:
        await asyncio.wait_for(channel.channel_ready(), START_TIMEOUT)
        stub = customer_service_pb2_grpc.CustomerServiceStub(channel)
        customer = await stub.CreateCustomer(
            new_customer(
                [("CORE", unique("C")), ("CARDS", unique("K"))], [profile(), id_card(), mobile()]
            ),
            timeout=CALL_TIMEOUT,
        )
        get = svc.GetCustomer360Request(name=customer.name)
        view = await stub.GetCustomer360(get, timeout=CALL_TIMEOUT)
        records = sum(len(group.records) for group in view.subjects)
        if records != 3 or len(view.cross_references) != 2:
            raise RuntimeError(f"360 holds {records} records, {len(view.cross_references)} xrefs")
        return [
            await drive(
                backend,
                "GetCustomer360",
                lambda: stub.GetCustomer360(get, timeout=CALL_TIMEOUT),
                server.pid,
                args,
            ),
            await drive(
                backend,
                "CreateCustomer",
                lambda: stub.CreateCustomer(new_customer(), timeout=CALL_TIMEOUT),
                server.pid,
                args,
            ),
        ]


@contextmanager
def database(backend: str) -> Iterator[str]:
    """The URL of a fresh, migrated database of `backend`; PostgreSQL is started and stopped."""
    from customer_core.storage import migrate

    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            migrate(url)
            yield url
        return
    sys.path.insert(0, str(REPO))
    from tests.support.postgres import PostgresServer

    postgres = PostgresServer()
    try:
        postgres.start()
        url = postgres.create_database("bench")
        migrate(url)
        yield url
    finally:
        postgres.stop()


# --- Report ----------------------------------------------------------------------------------------


def judge(results: list[Result]) -> None:
    """Fills in the ratios to the echo baseline and the goals."""
    echo = next(r for r in results if r.operation == "echo")
    for r in results:
        if echo.calls_per_s > 0:
            r.ratio = r.calls_per_s / echo.calls_per_s
        if echo.p50_ms > 0:
            r.latency_ratio = r.p50_ms / echo.p50_ms
        r.goal = GOALS.get((r.backend, r.operation), GOALS.get((None, r.operation)))
        if r.goal is not None and r.ratio is not None:
            r.met = r.errors == 0 and r.ratio >= r.goal


def table(results: list[Result]) -> str:
    def num(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    head = (
        f"{'backend':<11}{'operation':<16}{'calls/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'x echo':>8}{'p50/echo':>10}{'goal':>8}  {'met':<5}{'srv cpu':>8}{'cli cpu':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        goal = "-" if r.goal is None else f">={r.goal:.2f}"
        lines.append(
            f"{r.backend:<11}{r.operation:<16}{r.calls_per_s:>9.0f}{r.p50_ms:>9.2f}"
            f"{r.p99_ms:>9.2f}{r.errors:>8}{num(r.ratio, '.3f'):>8}"
            f"{num(r.latency_ratio, '.2f'):>10}{goal:>8}  {met:<5}"
            f"{r.server_cpu:>8.2f}{r.client_cpu:>8.2f}"
        )
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
    print(
        f"concurrency {args.concurrency}, warm-up {args.warmup:g} s, {args.duration:g} s measured;"
        f" {MAX_WORKERS} server threads; {os.cpu_count()} CPUs; echo payload"
        f" {len(ECHO_PAYLOAD)} B",
        flush=True,
    )
    results: list[Result] = []
    with server_process("echo") as server:
        results.append(asyncio.run(bench_echo(server, args)))
    print(f"  echo: {results[-1].calls_per_s:.0f} calls/s", flush=True)
    for backend in args.backends:
        with database(backend) as url, server_process("kernel", url) as server:
            for result in asyncio.run(bench_kernel(backend, server, args)):
                results.append(result)
                print(
                    f"  {backend} {result.operation}: {result.calls_per_s:.0f} calls/s", flush=True
                )
    judge(results)
    print()
    print(table(results))
    print(
        "\ngoals: throughput as a fraction of echo's; CreateCustomer's applies to PostgreSQL only"
    )
    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        config.update(max_workers=MAX_WORKERS, echo_payload_bytes=len(ECHO_PAYLOAD))
        payload = {"config": config, "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"results written to {args.json}")
    failed = [r for r in results if r.errors]
    if failed:
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
