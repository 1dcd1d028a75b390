"""The checked-in protobuf and gRPC stubs are exactly what the .proto files generate."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("protogen", ROOT / "protos" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["protogen"] = module
    spec.loader.exec_module(module)
    return module


def test_checked_in_stubs_match_the_protos(tmp_path: Path) -> None:
    protogen = _generator()
    protogen.generate(tmp_path)
    expected = protogen.generated_files(tmp_path)
    assert expected, "no .proto files found"
    stale = [
        str(rel)
        for rel in expected
        if not (ROOT / rel).exists() or (ROOT / rel).read_bytes() != (tmp_path / rel).read_bytes()
    ]
    assert stale == [], f"stale generated code, run `make proto`: {stale}"


def test_no_orphaned_stubs_without_a_proto() -> None:
    protogen = _generator()
    wanted = {str(p) for p in protogen.generated_files(ROOT)}
    present = {
        str(p.relative_to(ROOT))
        for base in ("src", "plugins")
        for p in (ROOT / base).rglob("*_pb2*.py*")
        if "__pycache__" not in p.parts  # bytecode Python caches when it runs, not a stub
    }
    assert present - wanted == set()
