"""Fixtures: a migrated database of the chosen backend, a running server on a free port, a client."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from customer_core.api.server import RunningServer, create_server
from customer_core.client import Client
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.storage import migrate
from customer_core.v1 import admin_service_pb2
from tests.support.postgres import PostgresServer


@pytest.fixture(scope="session", autouse=True)
def master_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A master key file of this test session (a TEST key, generated per run, owner-only)."""
    path = tmp_path_factory.mktemp("keys") / "master.key"
    previous = os.environ.get("CUSTOMER_CORE_MASTER_KEY_FILE")
    os.environ["CUSTOMER_CORE_MASTER_KEY_FILE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("CUSTOMER_CORE_MASTER_KEY_FILE", None)
    else:
        os.environ["CUSTOMER_CORE_MASTER_KEY_FILE"] = previous


def grant(
    kernel: Kernel,
    principal: str,
    role: str,
    org_unit: str = "*",
    *,
    read_subjects: tuple[str, ...] = (),
    write_subjects: tuple[str, ...] = (),
    ttl: int = 3600,
) -> str:
    """Binds `role` to `principal` over `org_unit` and issues it a token, as an administrator would."""
    binding = admin_service_pb2.RoleBinding(
        principal=principal, role=role, org_unit=org_unit,
        read_subjects=list(read_subjects), write_subjects=list(write_subjects),
    )  # fmt: skip
    return kernel.bind_and_issue_token(binding, ttl_seconds=ttl, issued_by="tests")


def admin_token(running: RunningServer) -> str:
    """A token of a fresh administrator over the whole bank."""
    return grant(running.kernel, f"admin-{uuid.uuid4().hex[:8]}", "admin")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--backend"))


@pytest.fixture(scope="session")
def postgres(backend: str) -> Iterator[PostgresServer | None]:
    if backend != "postgresql":
        yield None
        return
    with PostgresServer() as server:  # in CI a missing PostgreSQL fails here, never skips
        yield server


@pytest.fixture(scope="session")
def new_database(
    backend: str, postgres: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory
):  # type: ignore[no-untyped-def]
    """A factory of fresh, migrated databases of the session's backend: returns the URL."""

    def make(label: str = "db") -> str:
        name = f"{label}_{uuid.uuid4().hex[:8]}"
        if postgres is None:
            url = f"sqlite:///{tmp_path_factory.mktemp(label) / (name + '.db')}"
        else:
            url = postgres.create_database(name)
        migrate(url)
        return url

    return make


@pytest.fixture(scope="session")
def database_url(new_database) -> str:  # type: ignore[no-untyped-def]
    return str(new_database("suite"))


def start_server(
    database_url: str, extra_plugins: list[tuple[str, object]] | None = None, **overrides: object
) -> RunningServer:
    """A server of its own on a free port (stop it when done).

    The suite's servers merge no match automatically (they list every tier instead), so tests
    of other features may create the sample person of `helpers` (`profile()`, `id_card()`) as
    many customers as they need; tests of identification pass `match_auto_merge_tiers="highest"`,
    the bank's default.
    """
    # Each server keeps objects (documents, ledger digests) of its own unless told otherwise:
    # servers on different databases sharing `var/objects` would see each other's digests.
    objects_dir = tempfile.mkdtemp(prefix="objects-")
    settings = Settings(
        **{
            "database_url": database_url,
            "port": 0,
            "match_auto_merge_tiers": "",
            "objects_dir": objects_dir,
            **overrides,
        }
    )  # type: ignore[arg-type]
    return create_server(Kernel.open(settings, extra_plugins=extra_plugins), settings)


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[RunningServer]:
    running = start_server(database_url)
    yield running
    running.stop(grace=1)


@pytest.fixture(scope="session")
def target(server: RunningServer) -> str:
    return f"127.0.0.1:{server.port}"


@pytest.fixture(scope="session")
def token(server: RunningServer) -> str:
    return admin_token(server)


@pytest.fixture(scope="session")
def client(target: str, token: str) -> Iterator[Client]:
    with Client(target, token=token) as c:
        yield c


@pytest.fixture
def org_unit() -> str:
    """An org unit of this test alone, so list filters see only its customers."""
    return f"T{uuid.uuid4().hex[:10].upper()}"
