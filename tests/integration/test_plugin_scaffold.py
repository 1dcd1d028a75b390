"""`customer-core plugins new`, as a plugin author uses it: the package it writes passes its own
test, builds against the installed kernel, installs, and is served, with no edit at all."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2

from customer_core.client import Client, RPCError, unpack
from tests.integration.conftest import admin_token, start_server
from tests.integration.test_plugin_author import pip_install

CLI = str(Path(sys.executable).parent / "customer-core")
NAME = "acme_collateral"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scaffolded plugin's package, written by the CLI."""
    where = tmp_path_factory.mktemp("authoring")
    made = subprocess.run(
        [CLI, "plugins", "new", NAME, "--directory", str(where)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    root = where / "customer-core-acme-collateral"
    assert {p.name for p in root.iterdir()} >= {
        "pyproject.toml",
        "setup.py",
        "protos",
        "src",
        "tests",
    }
    return root


@pytest.fixture(scope="module")
def site(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The scaffolded plugin, pip-installed as it was written into a directory of its own."""
    target = tmp_path_factory.mktemp("site-packages")
    pip_install(root, target)
    yield target


def test_the_cli_refuses_a_bad_name_or_an_existing_directory(tmp_path: Path) -> None:
    bad = subprocess.run([CLI, "plugins", "new", "Bad-Name", "--directory", str(tmp_path)],
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert bad.returncode == 2 and "lower-case" in bad.stderr
    assert subprocess.run([CLI, "plugins", "new", "twice", "--directory", str(tmp_path)],
                          capture_output=True, timeout=60, check=False).returncode == 0  # fmt: skip
    again = subprocess.run([CLI, "plugins", "new", "twice", "--directory", str(tmp_path)],
                           capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert again.returncode == 2 and "exists already" in again.stderr


def test_the_package_passes_its_own_test_and_is_listed(
    root: Path, site: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    listed = subprocess.run(
        [sys.executable, "-c", "from customer_core.cli import main; main()", "plugins"],
        check=True, capture_output=True, text=True, timeout=60, env=env,
    ).stdout  # fmt: skip
    assert f"model {NAME} v1 (customer_core_{NAME}.v1.AcmeCollateralRecord)" in listed


def test_the_new_model_is_served(site: Path, new_database) -> None:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        running = start_server(str(new_database("scaffold")))
        module = importlib.import_module(f"customer_core_{NAME}.v1.{NAME}_pb2")
    finally:
        sys.path.remove(str(site))
    try:
        with Client(f"127.0.0.1:{running.port}", token=admin_token(running)) as client:
            assert NAME in {m.name for m in client.subject_models()}
            customer = client.create_customer(
                type="individual", owning_org_unit="HO01", display_name="Scaffolded",
                records=[module.AcmeCollateralRecord(reference=" c 42 ", secret="s3cret", quantity=2)],
            )  # fmt: skip
            (record,) = client.list_records(customer.customer_number, subject=NAME)
            stored = unpack(record.data)
            assert stored.reference == "C42" and stored.secret != "s3cret"  # normalized; masked
            clear = unpack(client.get_record(record.name, unmask_reason="scaffold check").data)
            assert clear.secret == "s3cret"
            with pytest.raises(RPCError) as exc:
                client.create_record(
                    customer.customer_number,
                    module.AcmeCollateralRecord(reference="C43", quantity=-1),
                )
            assert exc.value.code == grpc.StatusCode.INVALID_ARGUMENT
            bad = exc.value.detail(error_details_pb2.BadRequest)
            assert [(v.field, v.reason) for v in bad.field_violations] == [
                ("record.data.quantity", "ACME_COLLATERAL_QUANTITY_NOT_NEGATIVE")
            ]
    finally:
        running.stop(grace=1)
