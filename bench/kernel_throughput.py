"""Throughput and latency of the customer-core gRPC server, against a bare grpcio echo server.

The kernel runs as `customer-core serve` runs it, in `--processes` processes sharing its port (one
per CPU by default); the echo server runs as many processes. The load generator is one grpc.aio
client with `--concurrency` tasks calling in a loop, with a bench admin's bearer token. Measured: echo, then per
backend on a server with encryption on (default) and one with it off, each on a fresh database:
GetCustomer360 (3 records, 2 cross-references), CreateCustomer (bare) and Onboarding: a customer as a
source system sends one (a profile and an ID card that agree, a mobile phone and an e-mail address,
a cross-reference; fresh values every call).
Ratios: to echo, and encryption on to off. Exit status 1 when any call failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent import futures
from contextlib import AsyncExitStack, ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

import grpc

from customer_core.api.processes import cpu_count, reserved_port
from customer_core.authz.principal import WHOLE_BANK
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.storage import migrate
from customer_core.v1 import customer_pb2, customer_service_pb2_grpc
from customer_core.v1 import customer_service_pb2 as svc
from customer_core.v1.admin_service_pb2 import RoleBinding

BACKENDS = ("sqlite", "postgresql")
#: Threads per server process (CUSTOMER_CORE_MAX_WORKERS, else the default); echo uses the same.
MAX_WORKERS: int = Settings().max_workers
PRINCIPAL = "bench-admin"  # bound to the admin role over the whole bank
#: As large as a GetCustomer360 request (a name with an 18-character customer number).
ECHO_PAYLOAD = b"x" * svc.GetCustomer360Request(name="customers/" + "0" * 18).ByteSize()
CALL_TIMEOUT = 10.0
START_TIMEOUT = 120.0
OPERATIONS = ("GetCustomer360", "CreateCustomer", "Onboarding")
#: (backend, or None for all; operation): least throughput, encryption on, as a fraction of echo's.
GOALS: dict[tuple[str | None, str], float] = {
    (None, "GetCustomer360"): 0.35,
    ("postgresql", "CreateCustomer"): 0.15,
}
#: operation: least throughput with encryption on as a fraction of the same with encryption off.
ENCRYPTION_GOALS: dict[str, float] = {"GetCustomer360": 0.85, "Onboarding": 0.85}
HEADER = "backend enc operation calls/s p50_ms p99_ms err x_echo goal met on/off goal met"
HEADER += " srv_cpu cli_cpu"
BENCH_CUSTOMER = customer_pb2.Customer(
    type=customer_pb2.CUSTOMER_TYPE_INDIVIDUAL, owning_org_unit="HO01", display_name="Bench"
)
Call = Callable[[], Awaitable[object]]


class Server(NamedTuple):
    target: str
    pids: tuple[int, ...]  # the server's processes; their descendants count as the server too
    token: str  # "" for the echo server


def _echo(port: int, conn: Connection) -> None:
    """Child process: a bare grpcio echo server on the shared `port`, until SIGTERM."""
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    pool = futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="rpc")
    server = grpc.server(pool, options=[("grpc.so_reuseport", 1)])
    handlers = {"Echo": grpc.unary_unary_rpc_method_handler(lambda request, _: request)}  # bytes
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Echo", handlers)])
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    conn.send(("ready", port))
    stopped.wait()
    server.stop(1).wait()


def _kernel(settings: Settings, conn: Connection) -> None:
    """Child process: the kernel server as `customer-core serve` runs it, until SIGTERM."""
    from customer_core.api.server import serve

    serve(settings, announce=lambda _: None, ready=lambda port: conn.send(("ready", port)))


def _child(target: Callable[..., None], args: tuple[Any, ...], conn: Connection) -> None:
    try:
        target(*args, conn)
    except BaseException:
        conn.send(("error", traceback.format_exc()))


@contextmanager
def child_process(kind: str, target: Callable[..., None], *args: Any) -> Iterator[tuple[int, int]]:
    """Runs `target(*args, conn)` in a spawned process until it sends ("ready", port); yields
    (pid, port); on exit stops it with SIGTERM (SIGKILL if it lingers)."""
    ctx = mp.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(target, args, sender), name=f"bench-{kind}")
    proc.start()
    sender.close()
    try:
        if not receiver.poll(START_TIMEOUT):
            raise RuntimeError(f"{kind} server did not start within {START_TIMEOUT:.0f} s")
        try:
            tag, value = receiver.recv()
        except EOFError:
            raise RuntimeError(f"{kind} server died at start (exit {proc.exitcode})") from None
        if tag != "ready":
            raise RuntimeError(f"{kind} server failed to start:\n{value}")
        assert proc.pid is not None
        yield proc.pid, value
    finally:
        for end in (proc.terminate, proc.kill):  # escalate only if it did not stop by itself
            if proc.is_alive():
                end()
                proc.join(15)
        receiver.close()


@contextmanager
def echo_server(processes: int) -> Iterator[Server]:
    """`processes` echo servers sharing one port, as the kernel's processes do."""
    with reserved_port("127.0.0.1", 0) as port, ExitStack() as stack:
        pids = [
            stack.enter_context(child_process("echo", _echo, port))[0] for _ in range(processes)
        ]
        yield Server(f"127.0.0.1:{port}", tuple(pids), "")


@contextmanager
def kernel_server(settings: Settings) -> Iterator[Server]:
    """A kernel server started as `customer-core serve` starts it, with a token for an admin over
    the whole bank, issued beforehand as `grant` does in the tests."""
    kernel = Kernel.open(settings)
    try:
        admin = RoleBinding(principal=PRINCIPAL, role="admin", org_unit=WHOLE_BANK)
        token = kernel.bind_and_issue_token(admin, ttl_seconds=3600, issued_by="bench")
    finally:
        kernel.close()
    kind = f"kernel (encryption {settings.encryption})"
    with child_process(kind, _kernel, settings) as (pid, port):
        yield Server(f"127.0.0.1:{port}", (pid,), token)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())  # other work skews every number


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pids: tuple[int, ...]) -> float:
    """CPU time of `pids` and of every live descendant of theirs (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    total, todo = 0.0, list(pids)
    while todo:
        pid = todo.pop()
        total += cpu_seconds(pid)
        todo += children.get(pid, [])
    return total


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
    baseline: float = 0.0  # the echo calls/s this case is compared with (see `judge`)
    ratio: float | None = None  # throughput / baseline
    goal: float | None = None
    met: bool | None = None
    enc_ratio: float | None = None  # encryption on: throughput / the same with encryption off
    enc_goal: float | None = None
    enc_met: bool | None = None
    latencies: list[float] = field(default_factory=list, repr=False)  # sorted, in seconds
    duration: float = 0.0  # seconds measured


async def drive(
    case: tuple[str, str, str],
    calls: list[Call],
    server: Server,
    args: argparse.Namespace,
    duration: float | None = None,
) -> Result:
    """Runs `args.concurrency` tasks calling in a loop, task i through `calls[i % len(calls)]` (one
    per connection), for `args.warmup` and then `duration` (`args.duration`) seconds; measures the
    calls ending in that window."""
    duration = args.duration if duration is None else duration
    begin = time.perf_counter()
    measure_from, end = begin + args.warmup, begin + args.warmup + duration
    server_cpu, client_cpu = tree_cpu_seconds(server.pids), time.process_time()
    latencies: list[float] = []
    failures, first_error = 0, ""

    async def worker(call: Call) -> None:
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

    tasks = asyncio.gather(*(worker(calls[i % len(calls)]) for i in range(args.concurrency)))
    await asyncio.wait_for(tasks, args.warmup + duration + CALL_TIMEOUT + 5)
    elapsed = time.perf_counter() - begin
    latencies.sort()

    rate = len(latencies) / duration
    server_cpu = (tree_cpu_seconds(server.pids) - server_cpu) / elapsed
    client_cpu = (time.process_time() - client_cpu) / elapsed
    print(f"  {' '.join(case)}: {rate:.0f} calls/s", flush=True)
    stats = (len(latencies), failures, rate, _ms(latencies, 0.50), _ms(latencies, 0.99))
    result = Result(case[0], case[1], case[2], *stats, server_cpu, client_cpu, first_error)
    result.latencies, result.duration = latencies, duration
    return result


def _ms(latencies: list[float], q: float) -> float:
    """The `q` quantile of sorted latencies, in milliseconds."""
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3 if latencies else 0


def combine(parts: list[Result]) -> Result:
    """One result of several measurements of the same case: calls over their total time,
    quantiles over all their latencies, CPU averaged."""
    latencies = sorted(x for part in parts for x in part.latencies)
    duration = sum(part.duration for part in parts)
    first = parts[0]
    result = Result(
        first.backend, first.encryption, first.operation,
        calls=len(latencies),
        errors=sum(part.errors for part in parts),
        calls_per_s=len(latencies) / duration,
        p50_ms=_ms(latencies, 0.50),
        p99_ms=_ms(latencies, 0.99),
        server_cpu=sum(part.server_cpu for part in parts) / len(parts),
        client_cpu=sum(part.client_cpu for part in parts) / len(parts),
        first_error=next((part.first_error for part in parts if part.first_error), ""),
    )  # fmt: skip
    result.latencies, result.duration = latencies, duration
    return result


async def connections(
    stack: AsyncExitStack, server: Server, args: argparse.Namespace
) -> list[grpc.aio.Channel]:
    """`args.connections` channels to `server`, each with a TCP connection of its own (as separate
    channel systems have): the server's processes share connections, not calls."""
    channels = []
    for _ in range(args.connections):
        options = [("grpc.use_local_subchannel_pool", 1)]  # no sharing of one connection
        channel = grpc.aio.insecure_channel(server.target, options=options)
        channels.append(await stack.enter_async_context(channel))
        await asyncio.wait_for(channel.channel_ready(), START_TIMEOUT)
    return channels


def measure_echo(args: argparse.Namespace) -> Result:
    with echo_server(args.processes) as echo:
        return asyncio.run(bench_echo(echo, args))


async def bench_echo(server: Server, args: argparse.Namespace) -> Result:
    async with AsyncExitStack() as stack:
        calls: list[Call] = []
        for channel in await connections(stack, server, args):
            echo = channel.unary_unary("/bench.Echo/Echo")  # no (de)serializers: bytes
            calls.append(partial(echo, ECHO_PAYLOAD, timeout=CALL_TIMEOUT))
        return await drive(("-", "-", "echo"), calls, server, args)


def new_customer(records: tuple[customer_pb2.SubjectRecord, ...] = ()) -> svc.CreateCustomerRequest:
    """A CreateCustomerRequest of a new individual with `records`, with a fresh request id."""
    request = svc.CreateCustomerRequest(customer=BENCH_CUSTOMER, request_id=str(uuid.uuid4()))
    request.records.extend(records)
    return request


def onboarding_request() -> svc.CreateCustomerRequest:
    """A customer as a source system sends one: a profile and a resident ID card that agree, a
    mobile phone, an e-mail address and its cross-reference, all fresh."""
    from customer_core.client import pack, subject_of
    from customer_core_contact.v1 import contact_pb2
    from tests.integration.helpers import mobile, person, unique

    email = contact_pb2.ContactPoint(
        email=contact_pb2.Email(address=f"{unique('m')}@example.cn"),
        purpose=contact_pb2.CONTACT_PURPOSE_HOME,
    )
    phone = mobile(f"+86139{uuid.uuid4().int % 10**8:08d}")
    request = new_customer(
        tuple(
            customer_pb2.SubjectRecord(subject=subject_of(r), data=pack(r))
            for r in (*person("Bench"), phone, email)
        )
    )
    request.cross_references.add(source_system="CRM", local_id=unique("R"))
    return request


async def kernel_calls(channels: list[grpc.aio.Channel], token: str) -> dict[str, list[Call]]:
    """The measured calls of one kernel server, one per channel, after creating the customer
    GetCustomer360 reads: a profile, a resident ID card and a mobile phone (both sensitive
    numbers), 2 cross-references."""
    from customer_core.client import pack, subject_of
    from tests.integration.helpers import id_card, mobile, profile, unique

    stub = customer_service_pb2_grpc.CustomerServiceStub(channels[0])
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
    calls: dict[str, list[Call]] = {op: [] for op in OPERATIONS}
    for channel in channels:
        stub = customer_service_pb2_grpc.CustomerServiceStub(channel)
        calls["GetCustomer360"].append(partial(stub.GetCustomer360, get, **options))
        create = partial(
            lambda stub, records: stub.CreateCustomer(new_customer(records), **options), stub
        )
        calls["CreateCustomer"].append(partial(create, ()))
        calls["Onboarding"].append(
            partial(lambda stub: stub.CreateCustomer(onboarding_request(), **options), stub)
        )
    return calls


async def bench_kernel(
    backend: str, servers: dict[str, Server], args: argparse.Namespace
) -> list[Result]:
    """Each operation on the encryption-on and -off servers, half the time each in the order on,
    off, off, on: a drift of the machine or the databases during the four weighs on both alike."""
    async with AsyncExitStack() as stack:
        calls: dict[str, dict[str, list[Call]]] = {}
        for enc, server in servers.items():
            calls[enc] = await kernel_calls(await connections(stack, server, args), server.token)
        results = []
        for op in OPERATIONS:
            halves: dict[str, list[Result]] = {enc: [] for enc in servers}
            for enc in ("on", "off", "off", "on"):
                case, server = (backend, enc, op), servers[enc]
                result = await drive(case, calls[enc][op], server, args, args.duration / 2)
                halves[enc].append(result)
            results += [combine(halves[enc]) for enc in servers]
        return results


@contextmanager
def kernel_servers(backend: str, processes: int) -> Iterator[dict[str, Server]]:
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
                database_url=url, host="127.0.0.1", port=0, processes=processes,
                max_workers=MAX_WORKERS, master_key_file=f"{tmp}/master.key",
                encryption=enc == "on",
            )  # fmt: skip
            servers[enc] = stack.enter_context(kernel_server(settings))
        yield servers


def judge(results: list[Result]) -> None:
    """Fills in the ratios to the echo baseline, encryption on to off, and the goals.

    Echo runs before the first backend and after each one; a kernel case is compared with the
    mean of the echo runs on either side of its backend (the machine drifts during a run), and
    each echo run with the mean of all of them (their spread shows how noisy the run was).
    """
    echoes = [i for i, r in enumerate(results) if r.operation == "echo"]
    overall = sum(results[i].calls_per_s for i in echoes) / len(echoes)
    plain = {(r.backend, r.operation): r for r in results if r.encryption == "off"}
    for index, r in enumerate(results):
        before = max((i for i in echoes if i < index), default=echoes[0])
        after = min((i for i in echoes if i > index), default=before)
        side = (results[before].calls_per_s + results[after].calls_per_s) / 2
        r.baseline = overall if r.operation == "echo" else side
        r.ratio = r.calls_per_s / r.baseline if r.baseline else None
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
    parser.add_argument(
        "--connections", type=int, default=16, help="client connections the calls spread over"
    )
    parser.add_argument(
        "--processes", type=int, default=cpu_count(),
        help="server processes, for the kernel and the echo baseline alike (default: one per CPU)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    args.duration = (2.0 if args.quick else 6.0) if args.duration is None else args.duration
    args.warmup = (1.0 if args.quick else 2.0) if args.warmup is None else args.warmup
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(args.backends) - set(BACKENDS):
        parser.error(f"unknown backends {sorted(unknown)}; choose from {', '.join(BACKENDS)}")
    if (
        args.duration <= 0
        or args.warmup < 0
        or min(args.concurrency, args.processes, args.connections) < 1
    ):
        parser.error("--duration must be > 0; --warmup >= 0; the counts >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    began = time.perf_counter()
    os.environ.pop("CUSTOMER_CORE_MASTER_KEY", None)  # the temporary key file, whatever the shell
    print(f"concurrency {args.concurrency}, warm-up {args.warmup:g} s, {args.duration:g} s measured,"
        f" over {args.connections} connections, {args.processes} server processes x {MAX_WORKERS} threads, {os.cpu_count()} CPUs, echo payload {len(ECHO_PAYLOAD)} B,"
        f" load average {load_average()}", flush=True)  # fmt: skip
    results = [measure_echo(args)]
    for backend in args.backends:
        with kernel_servers(backend, args.processes) as servers:
            results += asyncio.run(bench_kernel(backend, servers, args))
        results.append(measure_echo(args))  # the backend's baseline: echo on either side of it
    judge(results)
    print(f"\n{table(results)}\n")
    print("x echo: throughput / mean of the echo runs before and after the backend (echo rows: /")
    print("  mean of all echo runs); goal for encryption on (CreateCustomer: PostgreSQL only)")
    print("on/off: throughput with encryption on / off, same backend and operation")
    print("srv/cli cpu: cores busy in the server's processes (not PostgreSQL) and the client")
    print(f"took {time.perf_counter() - began:.0f} s; load average now {load_average()}")
    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        config.update(max_workers=MAX_WORKERS, echo_payload_bytes=len(ECHO_PAYLOAD))
        rows = [{k: v for k, v in asdict(r).items() if k != "latencies"} for r in results]
        payload = {"config": config, "results": rows}
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
