"""A kernel started on a database not migrated to its schema refuses, and says what to run,
rather than answering that the database is unreachable."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from customer_core.errors import ConfigurationError
from customer_core.kernel.app import Kernel
from customer_core.kernel.config import Settings
from customer_core.storage import migrate


def _empty_database(postgres: Any, tmp_path: Path) -> str:
    if postgres is None:
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(postgres.create_database(f"empty_{uuid.uuid4().hex[:8]}"))


@pytest.mark.parametrize("revision", [None, "0002"], ids=["empty", "behind"])
def test_the_kernel_refuses_a_database_behind_its_schema(
    postgres: Any, tmp_path: Path, revision: str | None
) -> None:
    url = _empty_database(postgres, tmp_path)
    if revision:
        migrate(url, revision)
    settings = Settings(database_url=url, master_key_file=str(tmp_path / "master.key"))
    with pytest.raises(ConfigurationError) as refused:
        Kernel.open(settings)
    assert f"schema revision {revision or 'none (empty)'}" in str(refused.value)
    assert "run `customer-core migrate` first" in str(refused.value)
    migrate(url)  # and once migrated, it starts
    Kernel.open(settings).close()


def test_serve_on_an_empty_database_says_to_migrate(postgres: Any, tmp_path: Path) -> None:
    url = _empty_database(postgres, tmp_path)
    env = {"CUSTOMER_CORE_MASTER_KEY_FILE": str(tmp_path / "master.key"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "customer-core"), "serve", "--database-url", url],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "refusing to start" in done.stderr and "customer-core migrate" in done.stderr
    assert "unreachable" not in done.stderr
