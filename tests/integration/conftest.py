"""Fixtures: a migrated database of the chosen backend, a running server on a free port, a client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from customer_core.api.server import RunningServer, create_server
from customer_core.client import Client
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.storage import migrate
from tests.support.postgres import PostgresServer


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
    """A server of its own on a free port (stop it when done)."""
    settings = Settings(**{"database_url": database_url, "port": 0, **overrides})  # type: ignore[arg-type]
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
def client(target: str) -> Iterator[Client]:
    with Client(target) as c:
        yield c


@pytest.fixture
def org_unit() -> str:
    """An org unit of this test alone, so list filters see only its customers."""
    return f"T{uuid.uuid4().hex[:10].upper()}"
