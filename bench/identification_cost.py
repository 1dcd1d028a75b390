"""What real-time identification costs CreateCustomer: onboarding throughput with the bank's
precision tiers against the same server with identification off, in the same run.

Per backend, two kernel servers on fresh databases, as `customer-core serve` runs them (see
`kernel_throughput.py`, whose load generator this uses): one with the default policy (every
create's match keys derived, stored as blind digests and looked up, the highest tier merging),
one with a policy file of no rules (no match key, no lookup). The call is Onboarding: a new
individual with a profile and a resident ID card that agree, a mobile phone, an e-mail address
and a cross-reference, fresh values every call (so nothing is identified: the cost measured is
that of looking, which every create pays). Halves in the order on, off, off, on, so drift weighs
on both alike.

Printed: calls/s, p50 and p99 per case, and the ratio on/off (goal: at least 0.75, i.e. the
identification costs at most 25% of CreateCustomer throughput).

    .venv/bin/python bench/identification_cost.py [--backends sqlite,postgresql] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from functools import partial
from pathlib import Path

from kernel_throughput import (
    CALL_TIMEOUT,
    MAX_WORKERS,
    Result,
    Server,
    combine,
    connections,
    drive,
    kernel_server,
    load_average,
    onboarding_request,
    parse_args,
)

from customer_core.kernel.config import Settings
from customer_core.storage import migrate
from customer_core.v1 import customer_service_pb2_grpc

GOAL = 0.75


@contextmanager
def servers(backend: str, processes: int) -> Iterator[dict[str, Server]]:
    """Identification "on" (the bank's policy) and "off" (no rules), each on a fresh database."""
    from tests.support.postgres import PostgresServer

    with tempfile.TemporaryDirectory(prefix="cc-ident-") as tmp, ExitStack() as stack:
        postgres = stack.enter_context(PostgresServer()) if backend == "postgresql" else None
        no_rules = Path(tmp, "no-rules.json")
        no_rules.write_text(json.dumps({"rules": []}), encoding="utf-8")
        found: dict[str, Server] = {}
        for mode in ("on", "off"):
            name = f"ident_{mode}"
            url = postgres.create_database(name) if postgres else f"sqlite:///{tmp}/{name}.db"
            migrate(url)
            settings = Settings(
                database_url=url, host="127.0.0.1", port=0, processes=processes,
                max_workers=MAX_WORKERS, master_key_file=f"{tmp}/master.key",
                match_policy_file="" if mode == "on" else str(no_rules),
            )  # fmt: skip
            found[mode] = stack.enter_context(kernel_server(settings))
        yield found


async def measure(
    backend: str, running: dict[str, Server], args: argparse.Namespace
) -> list[Result]:
    async with AsyncExitStack() as stack:
        calls = {}
        for mode, server in running.items():
            options = {
                "timeout": CALL_TIMEOUT,
                "metadata": (("authorization", f"Bearer {server.token}"),),
            }
            calls[mode] = [
                partial(
                    lambda stub, options=options: stub.CreateCustomer(
                        onboarding_request(), **options
                    ),
                    customer_service_pb2_grpc.CustomerServiceStub(channel),
                )
                for channel in await connections(stack, server, args)
            ]
        halves: dict[str, list[Result]] = {mode: [] for mode in running}
        for mode in ("on", "off", "off", "on"):
            case = (backend, mode, "Onboarding")
            halves[mode].append(
                await drive(case, calls[mode], running[mode], args, args.duration / 2)
            )
        return [combine(halves[mode]) for mode in running]


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    args = parse_args(argv)
    print(f"concurrency {args.concurrency}, {args.duration:g} s measured per case, "
          f"{args.processes} server processes, load average {load_average()}", flush=True)  # fmt: skip
    rows, failed = [], False
    for backend in args.backends:
        with servers(backend, args.processes) as running:
            on, off = asyncio.run(measure(backend, running, args))
        ratio = on.calls_per_s / off.calls_per_s if off.calls_per_s else 0.0
        failed = failed or bool(on.errors or off.errors)
        rows.append((backend, on, off, ratio))
    print("\nbackend     ident calls/s  p50_ms  p99_ms  err")
    for backend, on, off, ratio in rows:
        for mode, r in (("on", on), ("off", off)):
            print(f"{backend:<11} {mode:<5} {r.calls_per_s:8.0f} {r.p50_ms:7.1f} {r.p99_ms:7.1f}"
                  f" {r.errors:4d}")  # fmt: skip
        met = "met" if ratio >= GOAL else "NOT met"
        print(f"{backend:<11} on/off {ratio:.3f} (goal >= {GOAL}: {met})")
    if failed:
        print("!! calls failed: the numbers are not trustworthy", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
