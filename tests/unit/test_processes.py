"""`reserved_port`: how a group of server processes gets one port and keeps it to itself."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import pytest

from customer_core.api.processes import ProcessGroup, cpu_count, reserved_port
from customer_core.kernel.config import Settings


def _reuseport_listener(family: socket.AddressFamily, address: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((address, port))
    sock.listen()
    return sock


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    ("host", "family", "address"),
    [
        ("127.0.0.1", socket.AF_INET, "127.0.0.1"),
        pytest.param(
            "[::1]",  # as in CUSTOMER_CORE_HOST: brackets, as gRPC addresses write IPv6
            socket.AF_INET6,
            "::1",
            marks=pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here"),
        ),
    ],
)
def test_port_0_resolves_to_one_port_shared_only_with_so_reuseport(
    host: str, family: socket.AddressFamily, address: str
) -> None:
    with reserved_port(host, 0) as port:
        assert 0 < port < 65536
        # What every worker does: listen on the same port with SO_REUSEPORT, side by side.
        with (
            _reuseport_listener(family, address, port) as first,
            _reuseport_listener(family, address, port) as second,
        ):
            assert first.getsockname()[1] == second.getsockname()[1] == port
            with socket.create_connection((address, port), timeout=5):
                pass  # connections are accepted
        # A program that does not set SO_REUSEPORT cannot take the port meanwhile.
        with socket.socket(family, socket.SOCK_STREAM) as plain:
            with pytest.raises(OSError) as refused:
                plain.bind((address, port))
            assert refused.value.errno == errno.EADDRINUSE
    # Released on exit: anyone may bind it again (SO_REUSEADDR only passes over connections of
    # the test in TIME_WAIT, never over a socket still bound without it, as the reserved one was).
    with socket.socket(family, socket.SOCK_STREAM) as plain:
        plain.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        plain.bind((address, port))


def test_a_given_port_is_kept() -> None:
    with reserved_port("127.0.0.1", 0) as free:
        pass
    with reserved_port("127.0.0.1", free) as port:
        assert port == free


def test_a_port_held_without_so_reuseport_cannot_be_reserved() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(OSError) as refused, reserved_port("127.0.0.1", other.getsockname()[1]):
            pass
        assert refused.value.errno == errno.EADDRINUSE


def test_cpu_count_is_the_cpus_this_process_may_use() -> None:
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
    except OSError:
        quota, period = "max", "100000"
    expected = cpus if quota == "max" else min(cpus, -(-int(quota) // int(period)))
    assert cpu_count() == max(1, expected)


@pytest.mark.parametrize("count", [0, 1])
def test_a_group_has_at_least_two_workers(count: int) -> None:
    with pytest.raises(ValueError, match="at least two"):
        ProcessGroup(Settings(), count)
