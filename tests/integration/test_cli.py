"""An operator drives the server from the shell with `customer-core`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.integration.helpers import unique

CLI = str(Path(sys.executable).parent / "customer-core")


def run(*args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUSTOMER_CORE_TOKEN": token}
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


def test_create_lookup_update_and_360_from_the_shell(
    target: str, token: str, org_unit: str
) -> None:
    local = unique("C")
    created = run(
        "customers",
        "create",
        "--target",
        target,
        "--type",
        "individual",
        "--org-unit",
        org_unit,
        "--display-name",
        "Zhang San",
        "--xref",
        f"CORE:{local}",
        token=token,
    )
    assert created.returncode == 0, created.stderr
    number = json.loads(created.stdout)["customer_number"]
    found = run("customers", "lookup", "CORE", local, "--target", target, token=token)
    assert json.loads(found.stdout)["customer_number"] == number
    updated = run(
        "customers",
        "update",
        number,
        "--display-name",
        "Zhang San Jr",
        "--target",
        target,
        token=token,
    )
    assert json.loads(updated.stdout)["display_name"] == "Zhang San Jr"
    view = json.loads(run("customers", "360", number, "--target", target, token=token).stdout)
    assert view["cross_references"][0]["local_id"] == local
    run(
        "customers",
        "create",
        "--target",
        target,
        "--type",
        "organization",
        "--org-unit",
        org_unit,
        "--display-name",
        "ACME Ltd",
        token=token,
    )
    listed = run(
        "customers",
        "list",
        "--filter",
        f"owning_org_unit = {org_unit}",
        "--target",
        target,
        token=token,
    )
    assert sorted(json.loads(line)["display_name"] for line in listed.stdout.splitlines()) == [
        "ACME Ltd",
        "Zhang San Jr",
    ]


def test_bad_input_prints_the_field_and_exits_non_zero(target: str, token: str) -> None:
    result = run("customers", "get", "12345", "--target", target, token=token)
    assert result.returncode == 1
    assert "INVALID_ARGUMENT" in result.stderr
    assert "name: customer number '12345' must be 17 digits" in result.stderr


def test_plugins_command_lists_models_and_hooks() -> None:
    result = run("plugins")
    assert result.returncode == 0, result.stderr
    assert "model individual v1 (customer_core_individual.v1.IndividualProfile)" in result.stdout
    assert (
        "identification: hooks expected_attributes, expire_record, normalize_record, "
        "quality_rules, record_expiry, subject_models, validate_record" in result.stdout
    )
    assert (
        "relationship: hooks grpc_services, normalize_record, permissions, quality_rules, "
        "subject_models, validate_record" in result.stdout
    )


def test_migrate_creates_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = run("migrate", "--database-url", url)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.db").exists()


def test_production_refuses_to_start_without_tls(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CUSTOMER_CORE_ENVIRONMENT": "production",
        "CUSTOMER_CORE_DATABASE_URL": "postgresql://db.example/customer_core",
        "CUSTOMER_CORE_QUALITY_RULES": "false",
    }
    result = subprocess.run(
        [CLI, "serve"], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert result.returncode == 3
    assert "TLS is off" in result.stderr and "client certificates are not verified" in result.stderr
    assert "the data-quality rules are off" in result.stderr


def test_production_refuses_the_example_master_key(tmp_path: Path) -> None:
    cert, key, ca = (tmp_path / n for n in ("c.pem", "k.pem", "ca.pem"))
    for path in (cert, key, ca):
        path.write_text("placeholder")
    env = {
        **os.environ,
        "CUSTOMER_CORE_ENVIRONMENT": "production",
        "CUSTOMER_CORE_DATABASE_URL": "postgresql://db.example/customer_core",
        "CUSTOMER_CORE_TLS_CERT_FILE": str(cert),
        "CUSTOMER_CORE_TLS_KEY_FILE": str(key),
        "CUSTOMER_CORE_TLS_CLIENT_CA_FILE": str(ca),
        "CUSTOMER_CORE_MASTER_KEY": "1:" + "00" * 16,
    }
    result = subprocess.run(
        [CLI, "serve"], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert result.returncode == 3
    assert "all-zero (example) master key" in result.stderr
