"""An SRE runs `customer-core serve` as several processes sharing one port (SO_REUSEPORT).

Everything here goes through the public surface: the CLI as a child process, its stdout, signals,
gRPC calls over separate connections, and what Linux shows in /proc (which processes are the
server's children, which of them holds which TCP connection). Nothing in the server is hooked.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import grpc
import pytest

from customer_core.client import Client, RPCError

CLI = str(Path(sys.executable).parent / "customer-core")
#: Seconds `customer-core serve` may take to announce itself (every worker serves by then).
START_TIMEOUT = 60.0
#: Seconds the server may take to stop after a signal or a dead worker (grace included).
STOP_TIMEOUT = 20.0
#: Separate connections the tests call over: with two workers, all of them landing on one
#: worker has a probability of 2 x 2**-16 (about 1 in 33,000).
CONNECTIONS = 16
LISTENING = re.compile(r"^customer-core listening on (?P<host>\S+):(?P<port>\d+) \((?P<what>.*)\)$")
TOKEN = re.compile(r"^\s*export CUSTOMER_CORE_TOKEN=(?P<token>\S+)$")
#: Seconds after which a revocation applies everywhere: CUSTOMER_CORE_TOKEN_REVOCATION_INTERVAL
#: (1 s by default) plus one read of the revoked tokens, with room for a loaded machine.
REVOCATION_BOUND = 2.0
#: /proc/net/tcp state of an established connection.
ESTABLISHED = "01"


class Served:
    """`customer-core serve` as a child process, with its stdout read line by line."""

    def __init__(self, database_url: str, processes: str, workdir: Path, master_key: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_CORE_")}
        env |= {
            "CUSTOMER_CORE_DATABASE_URL": database_url,
            "CUSTOMER_CORE_MASTER_KEY_FILE": str(master_key),
            "CUSTOMER_CORE_PROCESSES": processes,
            "CUSTOMER_CORE_HOST": "127.0.0.1",
            "CUSTOMER_CORE_PORT": "0",
            "PYTHONUNBUFFERED": "1",  # stdout is a pipe: announce each line as it is written
        }
        self.database_url, self.master_key, self.env = database_url, master_key, env
        self.stderr_path = workdir / "serve.stderr"
        with self.stderr_path.open("w") as stderr:  # a file: a full pipe would block the server
            self.process = subprocess.Popen(
                [CLI, "serve"],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
                cwd=workdir,
                start_new_session=True,  # a Ctrl-C of pytest does not reach it; teardown stops it
            )
        self.pid = self.process.pid
        self.workers: list[int] = []
        #: (pid, start time) of every process this server started, for teardown.
        self._started: list[tuple[int, int | None]] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def ready(self) -> Served:
        """Waits for the announcement: the port, what serves, the development token."""
        announced = self.expect(LISTENING)
        self.port = int(announced["port"])
        self.announced = announced["what"]
        self.target = f"127.0.0.1:{self.port}"
        self.token = self.expect(TOKEN)["token"]
        self.workers = workers_of(self.pid)
        self._started = [(pid, started_at(pid)) for pid in children_of(self.pid)]
        return self

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def expect(self, pattern: re.Pattern[str], timeout: float = START_TIMEOUT) -> re.Match[str]:
        """The first line of stdout from here on matching `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {pattern.pattern!r} in {timeout:.0f} s; stderr:\n{self.stderr}"
                ) from None
            if line is None:
                raise AssertionError(
                    f"serve exited ({self.process.wait()}) before printing a line matching "
                    f"{pattern.pattern!r}; stderr:\n{self.stderr}"
                )
            found = pattern.match(line)
            if found:
                return found

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve still running after {timeout:.0f} s") from None

    def kill_all(self) -> None:
        """Teardown: SIGKILL to the server and to the processes it started, if still running
        (each checked by its start time, so that a reused pid is left alone)."""
        started = set(self._started)
        if self.process.poll() is None:
            started |= {(pid, started_at(pid)) for pid in children_of(self.pid)}
            self.process.kill()
        for pid, start in started:
            if alive(pid) and started_at(pid) == start:
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)
        self._reader.join(10)  # end of stdout: the workers, which share it, are gone too
        if self.process.stdout is not None:
            self.process.stdout.close()


# ---- what /proc shows ----------------------------------------------------------------------------


def _stat(pid: str) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # `pid (comm) state ppid ... starttime (field 22) ...`: comm may hold spaces and parentheses.
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[19])


def started_at(pid: int) -> int | None:
    """When the process started (clock ticks after boot): with its pid, names it even if the pid
    is reused later."""
    stat = _stat(str(pid))
    return None if stat is None else stat[2]


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    stat = _stat(str(pid))
    return stat is not None and stat[0] not in ("Z", "X")


def workers_of(parent: int) -> list[int]:
    """The worker processes `parent` started: its children running multiprocessing's spawn_main
    (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(entry.name)
        if stat is None or stat[1] != parent:
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def children_of(parent: int) -> list[int]:
    """Every live child process of `parent`."""
    return [
        int(e.name)
        for e in Path("/proc").iterdir()
        if e.name.isdigit() and (s := _stat(e.name)) is not None and s[1] == parent
    ]


def established_connections(pid: int, port: int) -> int:
    """TCP connections to local `port` whose socket is open in process `pid`."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == ESTABLISHED and int(local.rsplit(":", 1)[1], 16) == port:
                count += inode in inodes
    return count


def wait_until_gone(pids: list[int], timeout: float = STOP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes still running: {left}"


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def separate_clients(stack: ExitStack, target: str, token: str, count: int) -> list[Client]:
    """`count` clients, each over a TCP connection of its own (a channel does not share its
    subchannel, hence its connection, with other channels of this process)."""
    return [
        stack.enter_context(
            Client(
                target,
                token=token,
                channel=stack.enter_context(
                    grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
                ),
            )
        )
        for _ in range(count)
    ]


# ---- fixtures ------------------------------------------------------------------------------------


ServeFactory = Callable[..., Served]


@pytest.fixture
def serve(
    new_database: Callable[[str], str], master_key_file: Path, tmp_path: Path
) -> Iterator[ServeFactory]:
    """Starts `customer-core serve` on a fresh database of the session's backend."""
    started: list[Served] = []

    def start(processes: str = "2") -> Served:
        served = Served(new_database("processes"), processes, tmp_path, master_key_file)
        started.append(served)
        return served.ready()

    yield start
    for served in started:
        served.kill_all()


# ---- tests ---------------------------------------------------------------------------------------


def test_two_processes_serve_calls_over_separate_connections_and_share_the_data(
    serve: ServeFactory, org_unit: str
) -> None:
    served = serve("2")
    assert "2 processes" in served.announced
    assert len(served.workers) == 2, f"workers of {served.pid}: {served.workers}"
    with ExitStack() as stack:
        clients = separate_clients(stack, served.target, served.token, CONNECTIONS)
        created = [
            client.create_customer(
                type="individual", owning_org_unit=org_unit, display_name=f"Customer {index}"
            )
            for index, client in enumerate(clients)
        ]
        # Linux hands each connection to one listening process: both have some.
        held = {pid: established_connections(pid, served.port) for pid in served.workers}
        assert sum(held.values()) == CONNECTIONS, held
        assert all(held.values()), f"connections per worker: {held}"
        # What one process wrote, every other reads: each customer through another connection.
        for index, customer in enumerate(created):
            reader = clients[(index + 1) % CONNECTIONS]
            found = reader.get_customer(customer.customer_number)
            assert (found.name, found.display_name) == (customer.name, f"Customer {index}")
        listed = list(clients[0].list_customers(filter=f"owning_org_unit = {org_unit}"))
        assert sorted(c.customer_number for c in listed) == sorted(
            c.customer_number for c in created
        )
    assert served.process.poll() is None and all(alive(p) for p in served.workers)


@pytest.mark.parametrize("path", ["rpc", "cli"])
def test_a_revocation_applies_in_every_process_within_the_revocation_interval(
    serve: ServeFactory, path: str
) -> None:
    """Through the RPC (served by one of the processes) or the CLI (writing to the database while
    the server runs), a revocation is refused by every process within the stated bound."""
    served = serve("2")
    principal = f"auditor-{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        (admin,) = separate_clients(stack, served.target, served.token, 1)
        admin.create_role_binding(principal, "auditor", "*")
        issued = admin.issue_token(principal)
        auditors = separate_clients(stack, served.target, issued.token, CONNECTIONS)
        for auditor in auditors:  # every process has seen the token as valid
            assert auditor.subject_models()
        assert len({p for p in served.workers if established_connections(p, served.port)}) == 2
        if path == "rpc":
            admin.revoke_token(issued.token_id, "laptop stolen")
        else:
            subprocess.run(
                [CLI, "tokens", "revoke", issued.token_id, "--reason", "laptop stolen"],
                env=served.env, capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
        revoked = time.monotonic()
        # Every call that starts REVOCATION_BOUND after the revocation (on the clock all the
        # processes share) is refused, whichever process serves it.
        still_accepted = list(auditors)
        while still_accepted:
            for auditor in list(still_accepted):
                called = time.monotonic()
                try:
                    auditor.subject_models()
                except RPCError as error:
                    assert (error.code, error.reason) == (
                        grpc.StatusCode.UNAUTHENTICATED,
                        "TOKEN_REVOKED",
                    )
                    still_accepted.remove(auditor)
                else:
                    assert called - revoked < REVOCATION_BOUND, (
                        f"a call {called - revoked:.1f} s after the revocation was served"
                    )
            time.sleep(0.05)


def test_sigterm_stops_every_worker_and_exits_zero(serve: ServeFactory) -> None:
    served = serve("2")
    children = children_of(served.pid)  # the workers and multiprocessing's resource tracker
    assert len(served.workers) == 2
    with ExitStack() as stack:
        (client,) = separate_clients(stack, served.target, served.token, 1)
        assert client.subject_models()  # a client connected while the server stops
        stopping = time.monotonic()
        os.kill(served.pid, signal.SIGTERM)
        assert served.wait() == 0, served.stderr
    assert time.monotonic() - stopping < 10, "serve took more than 10 s to stop"
    wait_until_gone(children)  # no orphan left behind
    assert refuses_connections(served.port)


def test_a_killed_worker_stops_the_others_and_serve_exits_non_zero(serve: ServeFactory) -> None:
    served = serve("2")
    children = children_of(served.pid)
    killed, survivor = served.workers
    os.kill(killed, signal.SIGKILL)
    # The group fails as a whole, so that the orchestrator restarts it at full strength.
    status = served.wait()
    assert status != 0
    # A clear message for the operator, not a traceback.
    assert re.search(r"worker \d exited with status -9", served.stderr), served.stderr
    assert "Traceback" not in served.stderr, served.stderr
    wait_until_gone([survivor, *children])
    assert refuses_connections(served.port)


def test_processes_0_starts_one_per_cpu(serve: ServeFactory) -> None:
    cpus = len(os.sched_getaffinity(0))
    served = serve("0")
    if cpus > 1:
        assert f"{cpus} processes" in served.announced
        assert len(served.workers) == cpus
    else:  # one CPU: served in-process, as with CUSTOMER_CORE_PROCESSES=1
        assert "1 process" in served.announced
        assert served.workers == []
    with ExitStack() as stack:
        (client,) = separate_clients(stack, served.target, served.token, 1)
        assert client.subject_models()
    os.kill(served.pid, signal.SIGTERM)
    assert served.wait() == 0, served.stderr


def test_one_client_with_several_connections_is_served_by_every_process(
    serve: ServeFactory, org_unit: str
) -> None:
    served = serve("2")
    with Client(served.target, token=served.token, connections=CONNECTIONS) as client:
        created = [
            client.create_customer(
                type="individual", owning_org_unit=org_unit, display_name=f"Customer {index}"
            )
            for index in range(CONNECTIONS)  # in turn: each connection is used once
        ]
        held = {pid: established_connections(pid, served.port) for pid in served.workers}
        assert sum(held.values()) == CONNECTIONS, held
        assert all(held.values()), f"connections per worker: {held}"
        for customer in created:
            assert client.get_customer(customer.customer_number).name == customer.name
    with pytest.raises(ValueError, match="connections"):
        Client(served.target, connections=0)
