"""Serving from several processes that share one port (`SO_REUSEPORT`), because of the GIL.

CPython runs one thread of Python at a time in a process, and a kernel call is mostly Python
(authorization, building SQL, protobuf conversion). One process therefore serves about one core's
worth of calls however many threads it has; more threads only add GIL hand-offs, which cost more
than the work when every database call releases the GIL. `ProcessGroup` starts `count` worker
processes, each a whole kernel (its own engine, caches, audit writer and ledger-sealer candidate)
listening on the same port, and Linux spreads the connections across them: the pattern of
grpcio's own `examples/python/multiprocessing`.

Workers relate to each other as replicas do: a binding change or a token revocation made through
one applies in the others within their caches' time to live. The group fails as a whole: when a
worker dies the others are stopped and `ProcessGroup.wait` raises, so the orchestrator restarts
the server rather than leaving it serving at part strength.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import signal
import socket
import threading
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType

from customer_core.kernel.config import Settings

log = logging.getLogger(__name__)

#: Seconds a worker may take to open its kernel and start serving.
START_TIMEOUT = 120.0
#: Seconds a worker gets to drain after SIGTERM before it is killed.
STOP_GRACE = 10.0


class WorkerFailed(RuntimeError):
    """A worker process failed to start, or exited while the group was serving."""


def cpu_count() -> int:
    """The CPUs this process may use: its affinity, capped by a cgroup v2 CPU quota (a
    container's CPU limit), not the machine's total."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        limit = cpus if quota == "max" else math.ceil(int(quota) / int(period))
    except (OSError, ValueError):
        return cpus
    return max(1, min(cpus, limit))


@contextmanager
def reserved_port(host: str, port: int) -> Iterator[int]:
    """Binds (without listening) a `SO_REUSEPORT` socket on `host:port` and yields its port.

    Port 0 resolves to a free port here, once, so every worker binds the same one; holding the
    socket keeps any other program that does not set `SO_REUSEPORT` off the port meanwhile.
    """
    address = host.strip("[]")
    family, kind, proto, _, sockaddr = socket.getaddrinfo(
        address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(sockaddr)
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def _worker(settings: Settings, conn: Connection) -> None:
    """A worker process: opens its own kernel, serves on the shared port until SIGTERM or SIGINT."""
    from customer_core.api.memory import cap_malloc_arenas
    from customer_core.api.server import create_server  # imported in the child only
    from customer_core.kernel.app import Kernel

    cap_malloc_arenas()

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"
    )
    parent = os.getppid()
    stopped = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        running = create_server(Kernel.open(settings), settings, reuse_port=True)
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        raise SystemExit(3) from None
    conn.send(("ready", running.port))
    conn.close()
    while not stopped.wait(1.0):
        if os.getppid() != parent:  # the parent died (SIGKILL, OOM): never serve unsupervised
            log.error("parent process %d is gone: stopping", parent)
            break
    running.stop(grace=STOP_GRACE / 2)


class ProcessGroup:
    """`count` worker processes serving `settings` on one port; use it as a context manager."""

    def __init__(self, settings: Settings, count: int) -> None:
        if count < 2:
            raise ValueError("a process group has at least two workers")
        self.settings = settings
        self.count = count
        self.port = 0
        self._workers: list[BaseProcess] = []
        self._stack = ExitStack()

    def __enter__(self) -> ProcessGroup:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _start(self) -> None:
        settings = self.settings
        self.port = self._stack.enter_context(reserved_port(settings.host, settings.port))
        if settings.health_port:
            self._stack.enter_context(reserved_port(settings.host, settings.health_port))
        # Each worker serves in one process: it must not start a group of its own.
        worker_settings = settings.model_copy(update={"port": self.port, "processes": 1})
        context = mp.get_context("spawn")  # no fork: the parent may hold threads and connections
        pipes = []
        for index in range(self.count):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker, args=(worker_settings, sender), name=f"worker-{index}"
            )
            process.start()
            sender.close()
            self._workers.append(process)
            pipes.append(receiver)
        for index, pipe in enumerate(pipes):
            with pipe:
                if not pipe.poll(START_TIMEOUT):
                    raise WorkerFailed(f"worker {index} did not start in {START_TIMEOUT:.0f} s")
                try:
                    tag, value = pipe.recv()
                except EOFError:
                    code = self._workers[index].exitcode
                    raise WorkerFailed(f"worker {index} died at start (exit {code})") from None
                if tag != "ready":
                    raise WorkerFailed(f"worker {index} failed to start:\n{value}")

    def wait(self, stopped: threading.Event, poll: float = 0.5) -> None:
        """Returns when `stopped` is set; raises `WorkerFailed` as soon as a worker exits."""
        while not stopped.wait(poll):
            for index, process in enumerate(self._workers):
                if not process.is_alive():
                    raise WorkerFailed(f"worker {index} exited with status {process.exitcode}")

    def stop(self) -> None:
        """SIGTERM to every worker, then SIGKILL to any still running after the grace period."""
        for process in self._workers:
            if process.is_alive():
                process.terminate()
        for process in self._workers:
            process.join(STOP_GRACE)
            if process.is_alive():
                log.warning(
                    "worker %s did not stop in %.0f s: killing it", process.name, STOP_GRACE
                )
                process.kill()
                process.join(5)
        with suppress(OSError):
            self._stack.close()
        self._workers.clear()
