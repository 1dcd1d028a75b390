"""The layers hold (`.importlinter`, run by `make lint`), and the check catches an upward import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def lint_imports(source: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the project's contracts, over the `customer_core` under `source`."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=source, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def copy_of_the_package(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "customer_core",
        source / "customer_core",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return source


def test_the_layers_hold(tmp_path: Path) -> None:
    result = lint_imports(copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_planted_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    source = copy_of_the_package(tmp_path)
    chain = source / "customer_core" / "ledger" / "chain.py"
    chain.write_text(chain.read_text() + "\nimport customer_core.kernel.app  # planted\n")
    result = lint_imports(source)
    assert result.returncode != 0
    assert "Each layer imports only the layers below it BROKEN" in result.stdout
    assert "customer_core.ledger.chain -> customer_core.kernel.app" in result.stdout
