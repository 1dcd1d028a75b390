"""SQLite writers queue on a lock that wakes the next one, across threads and processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from customer_core.storage import create_engine
from customer_core.storage.engine import writer_lock

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
