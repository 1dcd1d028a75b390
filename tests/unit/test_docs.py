"""The README documents every RPC, hook, CLI command, setting and error reason (the test fails when one is missing)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer.main

from customer_core.cli import app
from customer_core.kernel.config import Settings
from customer_core.plugin import _hookspecs
from customer_core.v1 import (
    admin_service_pb2,
    backup_service_pb2,
    consolidation_service_pb2,
    customer_service_pb2,
    document_service_pb2,
    ledger_pb2,
    quality_service_pb2,
    subject_model_service_pb2,
)

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _rpcs() -> list[str]:
    return [
        method.name
        for module in (
            customer_service_pb2,
            subject_model_service_pb2,
            admin_service_pb2,
            ledger_pb2,
            quality_service_pb2,
            consolidation_service_pb2,
            document_service_pb2,
            backup_service_pb2,
        )
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    ]


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            names += [f"{name} {sub}" for sub in subcommands]
        if not subcommands or getattr(command, "invoke_without_command", False):
            names.append(name)  # a command, or a group that runs on its own too
    return names


@pytest.mark.parametrize("rpc", _rpcs())
def test_rpc_is_documented(rpc: str) -> None:
    assert f"| `{rpc}` |" in README


@pytest.mark.parametrize(
    "hook",
    sorted(n for n in dir(_hookspecs) if hasattr(getattr(_hookspecs, n), "customer_core_spec")),
)
def test_hook_is_documented(hook: str) -> None:
    assert f"| `{hook}(" in README


@pytest.mark.parametrize("command", _commands())
def test_cli_command_is_documented(command: str) -> None:
    assert f"| `customer-core {command}` |" in README


@pytest.mark.parametrize("setting", sorted(Settings.model_fields))
def test_setting_is_documented(setting: str) -> None:
    assert f"| `CUSTOMER_CORE_{setting.upper()}` |" in README


def test_the_lists_are_not_empty() -> None:
    assert {"CreateCustomer", "GetCustomer360", "RotateDataKeys", "ListAuditEvents"} <= set(_rpcs())
    assert {"serve", "migrate", "plugins", "customers 360"} <= set(_commands())


def _raised_reasons() -> set[str]:
    """Every ErrorInfo reason the code can raise: `reason=` and `violation_type=` constants (or
    module constants they name) and the error classes' `default_reason`, found in the source."""
    root = Path(__file__).resolve().parents[2]
    found: set[str] = set()
    for path in [*(root / "src/customer_core").rglob("*.py"), *(root / "plugins").rglob("*.py")]:
        if "/v1/" in path.as_posix():
            continue
        tree = ast.parse(path.read_text())
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg in ("reason", "violation_type"):
                values.append(node.value)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "default_reason" for t in targets):
                    values.append(node.value)
            for value in values:
                if isinstance(value, ast.Name):
                    value = ast.Constant(constants.get(value.id))
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
    return found


def _documented_reasons() -> set[str]:
    section = README[README.index("| reason | status | when |") :]
    rows = section.split("\n\n", 1)[0].splitlines()[2:]
    return {row.split("|")[1].strip().strip("`") for row in rows}


def test_every_error_reason_is_documented_and_every_documented_one_is_raised() -> None:
    raised, documented = _raised_reasons(), _documented_reasons()
    assert {"ETAG_MISMATCH", "TOKEN_REVOKED", "CUSTOMER_NOT_ACTIVE", "INTERNAL"} <= raised
    assert raised - documented == set(), "raised but missing from the README's reason table"
    assert documented - raised == set(), "in the README's reason table but raised nowhere"
