"""Key rotation across processes, as an SRE runs it: `customer-core keys rotate` started in two
shells at once runs once, and one whose process is SIGKILLed mid-way is carried on by another
from its checkpoint, every data key rotated exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from customer_core.client import Client
from customer_core.crypto.keyring import CUSTOMER_DATA
from customer_core.storage import create_engine
from customer_core.storage.tables import data_keys, jobs
from tests.integration.conftest import admin_token, start_server
from tests.integration.helpers import id_card, mobile, profile, resident_id

CLI = str(Path(sys.executable).parent / "customer-core")
#: Customers of the population; each has two data-key scopes (its ID and its contact records:
#: the profile holds nothing sensitive).
CUSTOMERS = 120
SCOPES = 2 * CUSTOMERS
#: The claim's TTL the CLI processes run with: how soon a killed one's run is taken over.
LEASE_TTL = "1.0"


@dataclass
class Base:
    url: str
    key_file: Path
    engine: Engine


@pytest.fixture
def base(new_database: Any, tmp_path: Path) -> Iterator[Base]:
    url = new_database("rotation_procs")
    key_file = tmp_path / "master.key"
    running = start_server(url, master_key_file=str(key_file))
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            for i in range(CUSTOMERS):
                client.create_customer(
                    type="individual", owning_org_unit="HO01", display_name=f"Procs {i}",
                    records=[profile(f"Procs {i}"), id_card(resident_id()),
                             mobile(f"+86139{i:08d}")],
                )  # fmt: skip
    finally:
        running.stop(grace=1)
    engine = create_engine(url, pool_size=2)
    yield Base(url, key_file, engine)
    engine.dispose()


def rotate(base: Base) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "CUSTOMER_CORE_DATABASE_URL": base.url,
        "CUSTOMER_CORE_MASTER_KEY_FILE": str(base.key_file),
        "CUSTOMER_CORE_JOB_LEASE_TTL": LEASE_TTL,
    }
    return subprocess.Popen(
        [CLI, "keys", "rotate", "data"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finished(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    rotation: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert rotation["state"] == "ROTATION_STATE_SUCCEEDED", rotation
    return rotation


def versions(engine: Engine) -> dict[str, list[tuple[int, str]]]:
    """Each customer-data scope's data-key versions and their states."""
    with engine.connect() as c:
        rows = c.execute(
            select(data_keys.c.scope, data_keys.c.version, data_keys.c.status)
            .where(data_keys.c.kek_domain == CUSTOMER_DATA)
            .order_by(data_keys.c.scope, data_keys.c.version)
        ).all()
    found: dict[str, list[tuple[int, str]]] = {}
    for scope, version, state in rows:
        found.setdefault(scope, []).append((version, state))
    return found


def rotation_runs(engine: Engine) -> list[Any]:
    with engine.connect() as c:
        return c.execute(select(jobs).where(jobs.c.type == "key-rotation")).all()


def assert_rotated_exactly_once(before: dict[str, list[tuple[int, str]]], engine: Engine) -> None:
    after = versions(engine)
    assert after.keys() == before.keys()
    for scope, was in before.items():
        (old, _), *rest = was
        assert rest == [] and after[scope] == [(old, "retired"), (old + 1, "active")], scope


def test_a_rotation_started_in_two_processes_at_once_runs_once(base: Base) -> None:
    before = versions(base.engine)
    assert len(before) == SCOPES
    first, second = rotate(base), rotate(base)
    one, other = finished(first), finished(second)
    assert one["name"] == other["name"]  # both followed the same run
    runs = rotation_runs(base.engine)
    assert len(runs) == 1 and f"keyRotations/{runs[0].id}" == one["name"]
    assert (runs[0].state, runs[0].done, runs[0].total) == ("succeeded", SCOPES, SCOPES)
    assert_rotated_exactly_once(before, base.engine)


def test_a_rotation_whose_process_is_killed_is_resumed_by_another(base: Base) -> None:
    before = versions(base.engine)
    victim = rotate(base)
    deadline = time.monotonic() + 120
    run: Any = None
    while time.monotonic() < deadline:  # kill it once some scopes are rotated, not all
        runs = rotation_runs(base.engine)
        if runs and runs[0].done >= 10:
            run = runs[0]
            break
        assert victim.poll() is None, victim.communicate()
        time.sleep(0.005)
    assert run is not None, "the rotation never got going"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(30)
    left = rotation_runs(base.engine)[0]
    assert left.state == "running" and 10 <= left.done < left.total, "killed too late to test"
    half = versions(base.engine)
    rotated = {s for s, v in half.items() if len(v) == 2}
    assert len(rotated) == left.done  # each committed step carried its checkpoint

    resumed = finished(rotate(base))
    assert resumed["name"] == f"keyRotations/{left.id}"  # the same run, carried on
    runs = rotation_runs(base.engine)
    assert len(runs) == 1 and runs[0].state == "succeeded"
    assert runs[0].token > left.token  # claimed again, under a new fencing token
    assert_rotated_exactly_once(before, base.engine)
