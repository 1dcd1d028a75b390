"""The Python example in the README runs as written against a real server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from customer_core_identification.v1 import identification_pb2

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_python_example_runs(
    target: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOMER_CORE_TOKEN", token)
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    assert len(blocks) == 1
    code = blocks[0].replace("127.0.0.1:50051", target)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    document = namespace["document"]
    assert isinstance(document, identification_pb2.IdentificationDocument)
    assert document.id_number == "11010519491231002X"
