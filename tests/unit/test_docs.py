"""The README documents every RPC, hook, CLI command and setting (the test fails when one is missing)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from customer_core.cli import app
from customer_core.kernel.config import Settings
from customer_core.plugin import _hookspecs
from customer_core.v1 import (
    admin_service_pb2,
    customer_service_pb2,
    ledger_pb2,
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
        else:
            names.append(name)
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
