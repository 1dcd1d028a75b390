"""Suite-wide options (which database backend the integration tests run against) and the S3
server the object-storage tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.s3 import S3Server


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database the integration tests run against (PostgreSQL is started by the suite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql_only: runs in the PostgreSQL phase only (needs SQLSTATE 40001)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Deselected (not skipped): these run, and must pass, in the `--backend=postgresql` phase.
    if config.getoption("--backend") == "postgresql":
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3 server (SeaweedFS) for the session; a missing `weed` fails, never skips."""
    with S3Server() as server:
        yield server
