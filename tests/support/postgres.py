"""A throwaway PostgreSQL server in a temporary directory, started by the test suite itself.

initdb refuses to run as root (CI runs as root), so there every server command runs as the
`postgres` OS user through `runuser`. In CI a missing PostgreSQL is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

DEFAULT_BIN = Path("/usr/lib/postgresql/15/bin")


def find_bin_dir() -> Path:
    """Where initdb and pg_ctl are: $CUSTOMER_CORE_PG_BIN, the Debian path, or `pg_config --bindir`."""
    candidates = []
    if os.environ.get("CUSTOMER_CORE_PG_BIN"):
        candidates.append(Path(os.environ["CUSTOMER_CORE_PG_BIN"]))
    candidates.append(DEFAULT_BIN)
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError(
        "PostgreSQL server binaries not found (looked in "
        + ", ".join(map(str, candidates))
        + "); install postgresql-15 or set CUSTOMER_CORE_PG_BIN"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server on 127.0.0.1 with trust authentication, deleted on stop."""

    def __init__(self) -> None:
        self.bin = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="cc-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.log = self.root / "server.log"
        self._port = 0
        self._as_root = os.geteuid() == 0

    @property
    def port(self) -> int:
        """The TCP port on 127.0.0.1 (0 until started)."""
        return self._port

    def _command(self, *args: str) -> list[str]:
        """A PostgreSQL program's command line, run as the `postgres` OS user when we are root."""
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return command

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(*args), capture_output=True, text=True, check=False, cwd=self.root
        )

    def start(self) -> PostgresServer:
        """initdb, start and wait until the server accepts connections.

        On failure the server is stopped, its files deleted and a RuntimeError raised that
        includes the tail of the server log.
        """
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> PostgresServer:
        self.root.chmod(0o755)
        self.data.mkdir()
        self.sockets.mkdir()
        self.log.touch()
        if self._as_root:
            for path in (self.data, self.sockets, self.log):
                shutil.chown(path, "postgres", "postgres")
        done = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        for _attempt in range(3):  # another process may take the free port before we bind it
            self._port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self._port} -c unix_socket_directories={self.sockets} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            done = self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
            if done.returncode == 0 or "could not bind" not in self._log_tail():
                break
        if done.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start: {done.stderr.strip()}\n{self._log_tail()}"
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self._dsn("postgres"), connect_timeout=2).close()
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL refuses connections\n{self._log_tail()}"
                    ) from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Stops the server at once and deletes its files."""
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self._port} user=postgres dbname={database}"

    def url(self, database: str = "postgres", driver: str = "psycopg") -> str:
        """The SQLAlchemy URL of `database`."""
        return f"postgresql+{driver}://postgres@127.0.0.1:{self._port}/{database}"

    def create_database(self, name: str) -> str:
        """Creates an empty database; its URL."""
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def pg_dump(self, database: str) -> bytes:
        """A plain-SQL dump of `database` (pg_dump runs as the `postgres` OS user when root)."""
        command = self._command(
            "pg_dump", "-h", "127.0.0.1", "-p", str(self._port), "-U", "postgres", database
        )
        done = subprocess.run(command, capture_output=True, check=False, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {done.stderr.decode(errors='replace')}")
        return done.stdout

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no server log)"
