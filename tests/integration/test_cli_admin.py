"""An SRE bootstraps access, rotates keys and reads the audit log from the shell."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import uuid
from pathlib import Path

from customer_core.client import Client, unpack
from tests.integration.conftest import start_server
from tests.integration.helpers import mobile

CLI = str(Path(sys.executable).parent / "customer-core")


def cli(url: str, key_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CUSTOMER_CORE_DATABASE_URL": url,
        "CUSTOMER_CORE_MASTER_KEY_FILE": str(key_file),
    }
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_bootstrap_an_administrator_then_rotate_keys_and_read_the_audit(
    new_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url = str(new_database("cli"))
    key_file = tmp_path / "master.key"  # this database's own: its master rotation retires versions
    alice = f"alice-{uuid.uuid4().hex[:6]}"
    granted = cli(
        url,
        key_file,
        "bindings",
        "grant",
        "--principal",
        alice,
        "--role",
        "admin",
        "--org-unit",
        "*",
    )
    assert granted.returncode == 0, granted.stderr
    issued = cli(url, key_file, "tokens", "issue", "--principal", alice, "--ttl", "600")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    running = start_server(url, master_key_file=str(key_file))
    try:
        with Client(f"127.0.0.1:{running.port}", token=token) as client:
            customer = client.create_customer(
                type="individual", owning_org_unit="HO01", display_name="Rotated"
            )
            record = client.create_record(customer.customer_number, mobile("+8613512345678"))
        for level in ("master", "kek", "data"):
            rotated = cli(url, key_file, "keys", "rotate", level)
            assert rotated.returncode == 0, rotated.stderr
            assert '"state": "ROTATION_STATE_SUCCEEDED"' in rotated.stdout
        status = cli(url, key_file, "keys", "status")
        assert "master key versions: {1: 'retired', 2: 'active'}" in status.stdout
        assert (
            "kek customer-data v1: retired" in status.stdout
            and "kek customer-data v2: active" in status.stdout
        )
        with Client(f"127.0.0.1:{running.port}", token=token) as client:
            fetched = client.get_record(record.name, unmask_reason="post-rotation check")
            assert unpack(fetched.data).phone.number == "+8613512345678"
        listed = cli(url, key_file, "audit", "list", "--principal", alice)
        assert "GetSubjectRecord OK" in listed.stdout
        assert f"{record.name}#phone.number" in listed.stdout
        revoked_id = (
            cli(url, key_file, "tokens", "issue", "--principal", alice)
            .stderr.split()[2]
            .rstrip(",")
        )
        assert (
            cli(url, key_file, "tokens", "revoke", revoked_id, "--reason", "laptop lost").returncode
            == 0
        )
    finally:
        running.stop(grace=1)


def test_changes_made_by_the_cli_and_by_background_work_are_recorded_under_their_actor(
    new_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The ledger names who made each change: the CLI's operator and command, a job's run."""
    url = str(new_database("provenance"))
    key_file = tmp_path / "master.key"
    admin = f"admin-{uuid.uuid4().hex[:6]}"
    assert cli(url, key_file, "bindings", "grant", "--principal", admin, "--role", "admin",
               "--org-unit", "*").returncode == 0  # fmt: skip
    token = cli(url, key_file, "tokens", "issue", "--principal", admin).stdout.strip()
    rotated = cli(url, key_file, "keys", "rotate", "data")
    assert rotated.returncode == 0, rotated.stderr
    sealed = cli(url, key_file, "ledger", "seal-now")
    assert sealed.returncode == 0, sealed.stderr
    running = start_server(url, master_key_file=str(key_file))
    try:
        with Client(f"127.0.0.1:{running.port}", token=token) as client:
            stream = client.watch(1, timeout=30)
            entries = []
            for entry in stream:
                entries.append(entry)
                if entry.subject == "key":
                    break
            stream.cancel()
    finally:
        running.stop(grace=1)
    binding, rotation = entries[0], entries[-1]
    user = getpass.getuser()
    assert binding.resource.startswith("roleBindings/")
    assert (binding.principal, binding.method) == (f"cli:{user}", "cli bindings grant")
    assert rotation.resource.startswith("keyRotations/")
    assert rotation.principal not in ("", "system")
    assert rotation.request_id == rotation.resource.removeprefix("keyRotations/")
    assert all(e.principal not in ("", "system") for e in entries)
