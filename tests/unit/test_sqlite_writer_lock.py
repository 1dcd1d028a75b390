"""SQLite writers queue on a lock that wakes the next one, across threads and processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from customer_core.errors import Aborted
from customer_core.storage import RetryPolicy, create_engine, run_in_transaction
from customer_core.storage import writer_lock as writer_lock_module
from customer_core.storage.writer_lock import writer_lock

# Another process tries the writer lock without waiting: exit 0 if it got it, 1 if it is held.
TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
sys.exit(0)
"""


def other_process_gets_lock(path: Path) -> bool:
    result = subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)], check=False)
    assert result.returncode in (0, 1)
    return result.returncode == 0


def test_a_writer_holds_the_database_against_other_processes_until_it_ends(tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    engine = create_engine(f"sqlite:///{database}")
    lock_file = Path(f"{database}-writer.lock")
    with writer_lock(engine):
        assert lock_file.exists()
        assert not other_process_gets_lock(lock_file)
    assert other_process_gets_lock(lock_file)
    engine.dispose()


# Another process holds the writer lock until its standard input closes.
HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_writer_holding_the_lock_too_long_makes_the_others_abort_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_lock_module, "WRITER_WAIT", 0.05)
    database = tmp_path / "w.db"
    engine = create_engine(f"sqlite:///{database}")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, f"{database}-writer.lock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        quick = RetryPolicy(max_attempts=3, base_delay=0.001)
        with pytest.raises(Aborted):
            run_in_transaction(engine, lambda c: c.execute(text("SELECT 1")), policy=quick)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    assert run_in_transaction(engine, lambda c: c.execute(text("SELECT 1")).scalar_one()) == 1
    engine.dispose()


def test_a_writer_takes_the_lock_at_its_first_statement_and_holds_it_to_its_end(
    tmp_path: Path,
) -> None:
    """What a unit of work computes before its first statement (sealing, hashing) runs outside
    the lock, beside the other writers; from that statement on it is the one writer."""
    database = tmp_path / "w.db"
    engine = create_engine(f"sqlite:///{database}")
    lock_file = Path(f"{database}-writer.lock")
    run_in_transaction(engine, lambda c: c.execute(text("CREATE TABLE t (k int)")))
    seen: list[tuple[bool, bool]] = []

    def work(connection: Any) -> None:
        driver = connection.connection.dbapi_connection
        seen.append((other_process_gets_lock(lock_file), driver.in_transaction))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        seen.append((other_process_gets_lock(lock_file), driver.in_transaction))

    run_in_transaction(engine, work)
    assert seen == [(True, False), (False, True)]  # free, no BEGIN; then held, in BEGIN IMMEDIATE
    assert other_process_gets_lock(lock_file)  # released once committed
    count = run_in_transaction(
        engine, lambda c: c.execute(text("SELECT count(*) FROM t")).scalar_one(), write=False
    )
    assert count == 1
    engine.dispose()
