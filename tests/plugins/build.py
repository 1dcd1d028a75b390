"""Compiles the sample plugins' .proto files with protoc, as their author's build would."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

HERE = Path(__file__).resolve().parent
PROTOS = HERE.parents[1] / "protos"


def build(out: Path) -> None:
    """Generates the sample plugins' stubs into `out` and puts `out` on the import path."""
    files = [str(p.relative_to(HERE)) for p in HERE.rglob("*.proto")]
    well_known = str(resources.files("grpc_tools") / "_proto")
    code = protoc.main(
        ["protoc", f"-I{HERE}", f"-I{PROTOS}", f"-I{well_known}", f"--python_out={out}", *files]
    )
    if code != 0:
        raise RuntimeError("protoc failed on the sample plugins")
    for package in {Path(f).parts[0] for f in files}:
        for folder in [out / package, *(p for p in (out / package).rglob("*") if p.is_dir())]:
            (folder / "__init__.py").touch()
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
