"""Backup and restore of a base of customers against pg_dump and pg_restore, same database, same run.

A PostgreSQL server (`tests/support/postgres.py`, PostgreSQL 15) is started and one database of it
migrated and loaded with `--customers` (100,000) customers through the server's
`BatchCreateCustomers` (`customer-core serve`, one process), as `set_based_writes.py` loads them (a
profile, a resident ID card and a mobile phone, fresh values, one cross-reference each), their
ledger then sealed. On that database, in customers per second:

- backup: `customer-core backup create` (one consistent snapshot, rows as tagged JSON, zlib and
  SM4-GCM chunks under a per-backup key, SM3 per chunk and table, the MACed manifest) to a local
  directory object store, against `pg_dump -Fc` (custom format, zlib at its default level) of the
  same database to a file;
- restore: `customer-core backup restore ID` (verifies the whole backup first, migrates the empty
  target itself, then inserts the rows, re-applies the shred list) into a fresh empty database,
  against `pg_restore -j 1` of the dump into another fresh empty database (it creates the schema
  from the dump; one job, as ours is one process and one connection; `-j` > 1 would compare
  pg_restore's parallelism with our single stream).

Both sides run as separate processes started by this script and are timed from start to exit, so
process start-up (for ours, Python's imports and opening the kernel) counts on both. Each
direction runs `--rounds` (2) rounds alternating (ours, pg, pg, ours, ...) so drift of the
machine weighs on both alike; each restored database is checked to hold every customer and then
dropped. Printed: the time of every run, customers/s of each side (all its runs added up), the
ratio ours/pg of backup and of restore (goal: at least 0.5 each), and the size in bytes of the dump
and of our backup. About 8 minutes for the default 100,000 on 2 cores, most of it the load.

    .venv/bin/python bench/backup.py [--customers 100000] [--rounds 2] [--batch 1000] [--callers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL = 0.5


def load(postgres: Any, tmp: Path, args: argparse.Namespace) -> str:
    """The source database, migrated, loaded with `args.customers` customers, ledger sealed."""
    from kernel_throughput import kernel_server  # the server as `customer-core serve` runs it
    from set_based_writes import batch_rate

    from customer_core.kernel.app import Kernel
    from customer_core.kernel.config import Settings
    from customer_core.storage import migrate

    url = postgres.create_database("source")
    migrate(url)
    settings = Settings(
        database_url=url, host="127.0.0.1", port=0, processes=1,
        master_key_file=str(tmp / "master.key"),
    )  # fmt: skip
    with kernel_server(settings) as server:
        rate = batch_rate(server.target, server.token, args)
    print(f"loaded at {rate:,.0f} customers/s; sealing the ledger ...", flush=True)
    kernel = Kernel.open(settings)
    try:
        kernel.ledger_sealer.seal_now(timeout=600)  # waits out the stopped server's lease if held
    finally:
        kernel.close()
    return url


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Runs `command` to its end: (seconds from start to exit, its stdout)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def customers_in(postgres: Any, database: str) -> int:
    import psycopg

    with psycopg.connect(postgres._dsn(database)) as conn:
        row = conn.execute("SELECT count(*) FROM customers").fetchone()
    return int(row[0]) if row else 0


def drop(postgres: Any, database: str) -> None:
    import psycopg

    with psycopg.connect(postgres._dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.*
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from tests.support.postgres import PostgresServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--callers", type=int, default=2)
    args = parser.parse_args(argv)
    n, began = args.customers, time.perf_counter()
    cli = str(Path(sys.executable).parent / "customer-core")
    times: dict[str, list[float]] = {k: [] for k in ("ours backup", "pg_dump", "ours restore",
                                                     "pg_restore")}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cc-backupbench-") as name, PostgresServer() as pg:
        tmp = Path(name)
        source = load(pg, tmp, args)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_CORE_")}
        env |= {
            "CUSTOMER_CORE_MASTER_KEY_FILE": str(tmp / "master.key"),
            "CUSTOMER_CORE_OBJECTS_STORE": "local",
            "CUSTOMER_CORE_OBJECTS_DIR": str(tmp / "objects"),
        }
        bin_dir, dump = pg.bin, tmp / "source.dump"
        connect = ["-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres"]
        backup_id = ""

        def ours_backup() -> float:
            nonlocal backup_id
            seconds, out = run([cli, "backup", "create", "--database-url", source], env)
            backup_id = json.loads(out.strip().splitlines()[-1])["id"]
            return seconds

        def pg_dump() -> float:
            command = [str(bin_dir / "pg_dump"), *connect, "-Fc", "-f", str(dump), "source"]
            return run(command)[0]

        print(f"backup: {args.rounds} rounds of ours and pg_dump -Fc ...", flush=True)
        for i in range(args.rounds):
            pair = (("ours backup", ours_backup), ("pg_dump", pg_dump))
            for label, measure in pair if i % 2 == 0 else pair[::-1]:
                times[label].append(measure())
                print(f"  {label:<12} {times[label][-1]:8.2f} s", flush=True)
        dump_bytes = dump.stat().st_size
        ours_bytes = directory_bytes(tmp / "objects" / "backups" / backup_id)

        def ours_restore(target: str) -> float:
            url = pg.url(target)
            return run([cli, "backup", "restore", backup_id, "--database-url", url], env)[0]

        def pg_restore(target: str) -> float:
            command = [str(bin_dir / "pg_restore"), *connect, "-j", "1", "--exit-on-error",
                       "-d", target, str(dump)]  # fmt: skip
            return run(command)[0]

        print(f"restore of backup {backup_id} and of the dump: {args.rounds} rounds ...")
        for i in range(args.rounds):
            pair = (("ours restore", ours_restore), ("pg_restore", pg_restore))
            for label, measure in pair if i % 2 == 0 else pair[::-1]:
                target = f"restored_{label.split()[0]}_{i}"
                pg.create_database(target)
                times[label].append(measure(target))
                found = customers_in(pg, target)
                if found != n:
                    raise RuntimeError(f"{label} restored {found} customers, not {n}")
                drop(pg, target)
                print(f"  {label:<12} {times[label][-1]:8.2f} s", flush=True)
    rate = {k: n * len(v) / sum(v) for k, v in times.items()}
    print()
    print(f"PostgreSQL 15, {n:,} customers with 3 records each, {args.rounds} rounds, local store")
    print(f"{'':8} {'ours customers/s':>17} {'pg customers/s':>15} {'ours/pg':>8}  goal >= {GOAL}")
    for label, ours, theirs in (("backup", "ours backup", "pg_dump"),
                                ("restore", "ours restore", "pg_restore")):  # fmt: skip
        ratio = rate[ours] / rate[theirs]
        met = "met" if ratio >= GOAL else "NOT met"
        print(f"{label:<8} {rate[ours]:>17,.0f} {rate[theirs]:>15,.0f} {ratio:>8.3f}  {met}")
    print(f"size: pg_dump -Fc {dump_bytes:,} bytes, our backup {ours_bytes:,} bytes "
          f"({ours_bytes / dump_bytes:.2f} x)")  # fmt: skip
    print(f"({time.perf_counter() - began:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
