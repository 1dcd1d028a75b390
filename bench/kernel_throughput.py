"""Throughput and latency of the customer-core gRPC server, against a bare grpcio echo server.

Every server runs in a spawned process of its own; the load generator is one grpc.aio client with
`--concurrency` tasks calling in a loop, with a bench admin's bearer token. Measured: echo, then per
backend on a server with encryption on (default) and one with it off, each on a fresh database:
GetCustomer360 (3 records, 2 cross-references), CreateCustomer (bare) and CreateCustomer+3 records.
Ratios: to echo, and encryption on to off. Exit status 1 when any call failed.
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
from contextlib import AsyncExitStack, ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

import grpc

from customer_core.api.server import create_server
from customer_core.authz.principal import WHOLE_BANK
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.storage import migrate
from customer_core.v1 import customer_pb2, customer_service_pb2_grpc
from customer_core.v1 import customer_service_pb2 as svc
from customer_core.v1.admin_service_pb2 import RoleBinding

BACKENDS = ("sqlite", "postgresql")
#: The kernel server's default thread pool; the echo server uses the same.
MAX_WORKERS: int = Settings.model_fields["max_workers"].default
PRINCIPAL = "bench-admin"  # bound to the admin role over the whole bank
#: As large as a GetCustomer360 request (a name with an 18-character customer number).
ECHO_PAYLOAD = b"x" * svc.GetCustomer360Request(name="customers/" + "0" * 18).ByteSize()
CALL_TIMEOUT = 10.0
START_TIMEOUT = 120.0
OPERATIONS = ("GetCustomer360", "CreateCustomer", "CreateCustomer+3 records")
#: (backend, or None for all; operation): least throughput, encryption on, as a fraction of echo's.
GOALS: dict[tuple[str | None, str], float] = {
    (None, "GetCustomer360"): 0.35,
    ("postgresql", "CreateCustomer"): 0.15,
}
#: operation: least throughput with encryption on as a fraction of the same with encryption off.
ENCRYPTION_GOALS: dict[str, float] = {"GetCustomer360": 0.85, "CreateCustomer+3 records": 0.85}
HEADER = "backend enc operation calls/s p50_ms p99_ms err x_echo goal met on/off goal met"
HEADER += " srv_cpu cli_cpu"
BENCH_CUSTOMER = customer_pb2.Customer(
    type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit="HO01", display_name="Bench"
)
Call = Callable[[], Awaitable[object]]


class Server(NamedTuple):
    target: str
    pid: int
    token: str  # "" for the echo server


def _start_echo() -> tuple[int, str, Callable[[], None]]:
    pool = futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="rpc")
    server = grpc.server(pool, options=[("grpc.so_reuseport", 0)])
    handlers = {"Echo": grpc.unary_unary_rpc_method_handler(lambda request, _: request)}  # bytes
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Echo", handlers)])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return port, "", lambda: server.stop(1).wait()


def _start_kernel(settings: Settings) -> tuple[int, str, Callable[[], None]]:
    """Starts a kernel server and issues an admin over the whole bank a token, as `grant` does."""
    os.environ.pop("CUSTOMER_CORE_MASTER_KEY", None)  # the temporary key file, whatever the shell
    kernel = Kernel.open(settings)

    admin = RoleBinding(principal=PRINCIPAL, role="admin", org_unit=WHOLE_BANK)
    token = kernel.bind_and_issue_token(admin, ttl_seconds=3600, issued_by="bench")
    running = create_server(kernel, settings)
    return running.port, token, lambda: running.stop(grace=1)


def serve(settings: Settings | None, conn: Connection) -> None:
    """Child process: starts the server (echo when `settings` is None), sends ("ready", port, token)
    or ("error", text), then serves until told to stop."""
    try:
        port, token, stop = _start_echo() if settings is None else _start_kernel(settings)
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        return
    conn.send(("ready", port, token))
    with suppress(EOFError, OSError, KeyboardInterrupt):
        conn.recv()  # any message, or the parent gone (EOF), stops the server
    stop()


@contextmanager
def server_process(settings: Settings | None = None) -> Iterator[Server]:
    """A kernel server (echo when `settings` is None) in a spawned process, always ended on exit."""
    kind = "echo" if settings is None else f"kernel (encryption {settings.encryption})"
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(settings, child), name="bench-server")
    proc.start()
    child.close()
    try:
        if not parent.poll(START_TIMEOUT):
            raise RuntimeError(f"{kind} server did not start within {START_TIMEOUT:.0f} s")
        try:
            tag, *value = parent.recv()
        except EOFError:
            raise RuntimeError(f"{kind} server died at start (exit {proc.exitcode})") from None
        if tag != "ready":
            raise RuntimeError(f"{kind} server failed to start:\n{value[0]}")
        assert proc.pid is not None
        yield Server(f"127.0.0.1:{value[0]}", proc.pid, value[1])
    finally:
        with suppress(OSError):
            parent.send("stop")
        proc.join(10)
        for end in (proc.terminate, proc.kill):  # escalate only if it did not stop by itself
            if proc.is_alive():
                end()
                proc.join(5)
        parent.close()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())  # other work skews every number


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
    encryption: str  # "on", "off", or "-" for echo
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
    goal: float | None = None
    met: bool | None = None
    enc_ratio: float | None = None  # encryption on: throughput / the same with encryption off
    enc_goal: float | None = None
    enc_met: bool | None = None


async def drive(
    case: tuple[str, str, str], call: Call, server_pid: int, args: argparse.Namespace
) -> Result:
    """Runs `args.concurrency` tasks calling `call` in a loop; measures calls ending in the window."""
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
    print(f"  {' '.join(case)}: {rate:.0f} calls/s", flush=True)
    stats = (len(latencies), failures, rate, ms(0.50), ms(0.99), server_cpu, client_cpu)
    return Result(case[0], case[1], case[2], *stats, first_error)


async def bench_echo(server: Server, args: argparse.Namespace) -> Result:
    async with grpc.aio.insecure_channel(server.target) as channel:
        await asyncio.wait_for(channel.channel_ready(), START_TIMEOUT)
        echo = channel.unary_unary("/bench.Echo/Echo")  # no (de)serializers: bytes
        call = lambda: echo(ECHO_PAYLOAD, timeout=CALL_TIMEOUT)  # noqa: E731
        return await drive(("-", "-", "echo"), call, server.pid, args)


def new_customer(records: tuple[customer_pb2.SubjectRecord, ...] = ()) -> svc.CreateCustomerRequest:
    """A CreateCustomerRequest of a new individual with `records`, with a fresh request id."""
    request = svc.CreateCustomerRequest(customer=BENCH_CUSTOMER, request_id=str(uuid.uuid4()))
    request.records.extend(records)
    return request


async def kernel_calls(channel: grpc.aio.Channel, token: str) -> dict[str, Call]:
    """The measured calls of one kernel server, after creating the customer GetCustomer360 reads: a
    profile, a resident ID card and a mobile phone (both sensitive numbers), 2 cross-references."""
    from customer_core.client import pack, subject_of
    from tests.integration.helpers import id_card, mobile, profile, unique

    stub = customer_service_pb2_grpc.CustomerServiceStub(channel)
    metadata = (("authorization", f"Bearer {token}"),)
    records = tuple(
        customer_pb2.SubjectRecord(subject=subject_of(record), data=pack(record))
        for record in (profile(), id_card(), mobile())
    )
    setup = new_customer(records)
    for source_system, prefix in (("CORE", "C"), ("CARDS", "K")):
        setup.cross_references.add(source_system=source_system, local_id=unique(prefix))
    customer = await stub.CreateCustomer(setup, timeout=CALL_TIMEOUT, metadata=metadata)
    get = svc.GetCustomer360Request(name=customer.name)
    view = await stub.GetCustomer360(get, timeout=CALL_TIMEOUT, metadata=metadata)
    held = sum(len(group.records) for group in view.subjects)
    if held != 3 or len(view.cross_references) != 2:
        raise RuntimeError(f"360 holds {held} records, {len(view.cross_references)} xrefs")
    options: dict[str, Any] = {"timeout": CALL_TIMEOUT, "metadata": metadata}
    return {
        "GetCustomer360": lambda: stub.GetCustomer360(get, **options),
        "CreateCustomer": lambda: stub.CreateCustomer(new_customer(), **options),
        "CreateCustomer+3 records": lambda: stub.CreateCustomer(new_customer(records), **options),
    }


async def bench_kernel(
    backend: str, servers: dict[str, Server], args: argparse.Namespace
) -> list[Result]:
    """Each operation on the encryption-on server, then on the -off one (same load and history)."""
    async with AsyncExitStack() as stack:
        calls: dict[str, dict[str, Call]] = {}
        for enc, server in servers.items():
            channel = await stack.enter_async_context(grpc.aio.insecure_channel(server.target))
            await asyncio.wait_for(channel.channel_ready(), START_TIMEOUT)
            calls[enc] = await kernel_calls(channel, server.token)
        results = []
        for op in OPERATIONS:
            for enc, server in servers.items():
                results.append(await drive((backend, enc, op), calls[enc][op], server.pid, args))
        return results


@contextmanager
def kernel_servers(backend: str) -> Iterator[dict[str, Server]]:
    """Two kernel servers of `backend`, encryption "on" and "off", each on a fresh migrated
    database, sharing a temporary master key file; PostgreSQL is started and stopped."""
    from tests.support.postgres import PostgresServer

    with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp, ExitStack() as stack:
        postgres = stack.enter_context(PostgresServer()) if backend == "postgresql" else None
        servers: dict[str, Server] = {}
        for enc in ("on", "off"):
            name = f"bench_{enc}"
            url = postgres.create_database(name) if postgres else f"sqlite:///{tmp}/{name}.db"
            migrate(url)
            settings = Settings(
                database_url=url, host="127.0.0.1", port=0, max_workers=MAX_WORKERS,
                master_key_file=f"{tmp}/master.key", encryption=enc == "on",
            )  # fmt: skip
            servers[enc] = stack.enter_context(server_process(settings))
        yield servers


def judge(results: list[Result]) -> None:
    """Fills in the ratios to the echo baseline, encryption on to off, and the goals."""
    echo = next(r for r in results if r.operation == "echo")
    plain = {(r.backend, r.operation): r for r in results if r.encryption == "off"}
    for r in results:
        r.ratio = r.calls_per_s / echo.calls_per_s if echo.calls_per_s else None
        if r.encryption != "on":
            continue  # the goals are for the default configuration
        r.goal = GOALS.get((r.backend, r.operation), GOALS.get((None, r.operation)))
        if r.goal is not None and r.ratio is not None:
            r.met = r.errors == 0 and r.ratio >= r.goal
        off = plain.get((r.backend, r.operation))
        if off is not None and off.calls_per_s:
            r.enc_ratio = r.calls_per_s / off.calls_per_s
            r.enc_goal = ENCRYPTION_GOALS.get(r.operation)
            if r.enc_goal is not None:
                r.enc_met = r.errors == off.errors == 0 and r.enc_ratio >= r.enc_goal


def table(results: list[Result]) -> str:
    row = "{:<11}{:<4}{:<25}{:>8}{:>8}{:>9}{:>5}{:>7}{:>7}  {:<4}{:>6}{:>7}  {:<4}{:>7}{:>8}"
    lines = [row.format(*(title.replace("_", " ") for title in HEADER.split()))]
    lines.append("-" * len(lines[0]))

    def fmt(value: float | None, spec: str, prefix: str = "") -> str:
        return "-" if value is None else f"{prefix}{value:{spec}}"

    def yes(met: bool | None) -> str:
        return "-" if met is None else ("yes" if met else "NO")

    for r in results:
        numbers = (f"{r.calls_per_s:.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", r.errors)
        echo = (fmt(r.ratio, ".3f"), fmt(r.goal, ".2f", ">="))
        enc = (fmt(r.enc_ratio, ".3f"), fmt(r.enc_goal, ".2f", ">="), yes(r.enc_met))
        cpu = (f"{r.server_cpu:.2f}", f"{r.client_cpu:.2f}")
        cells = (r.backend, r.encryption, r.operation, *numbers, *echo, yes(r.met), *enc, *cpu)
        lines.append(row.format(*cells))
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated")
    parser.add_argument("--duration", type=float, help="seconds measured per case (6; --quick 2)")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (2; --quick 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s measured, 1 s warm-up")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.duration = (2.0 if args.quick else 6.0) if args.duration is None else args.duration
    args.warmup = (1.0 if args.quick else 2.0) if args.warmup is None else args.warmup
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(args.backends) - set(BACKENDS):
        parser.error(f"unknown backends {sorted(unknown)}; choose from {', '.join(BACKENDS)}")
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1:
        parser.error("--duration must be > 0, --warmup >= 0, --concurrency >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    began = time.perf_counter()
    print(f"concurrency {args.concurrency}, warm-up {args.warmup:g} s, {args.duration:g} s measured,"
        f" {MAX_WORKERS} server threads, {os.cpu_count()} CPUs, echo payload {len(ECHO_PAYLOAD)} B,"
        f" load average {load_average()}", flush=True)  # fmt: skip
    results: list[Result] = []
    with server_process() as echo:
        results.append(asyncio.run(bench_echo(echo, args)))
    for backend in args.backends:
        with kernel_servers(backend) as servers:
            results += asyncio.run(bench_kernel(backend, servers, args))
    judge(results)
    print(f"\n{table(results)}\n")
    print("x echo: throughput / echo's; goal for encryption on (CreateCustomer: PostgreSQL only)")
    print("on/off: throughput with encryption on / off, same backend and operation")
    print("srv/cli cpu: cores busy in the server process and in the load generator")
    print(f"took {time.perf_counter() - began:.0f} s; load average now {load_average()}")
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
            case = f"{r.backend} {r.encryption} {r.operation}"
            print(f"!! {case}: {r.errors} errors; first: {r.first_error}", file=sys.stderr)
        print(bar, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
