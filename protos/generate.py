"""Generates the Python protobuf and gRPC stubs from the .proto files (run by `make proto`).

The kernel's contract (`customer_core/v1`) is generated into `src/`, each built-in plugin's own
.proto into `plugins/`. The stubs are checked in; `tests/test_generated_code.py` regenerates them
into a temporary directory and fails when they differ, so they are never stale.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

PROTOS = Path(__file__).resolve().parent
ROOT = PROTOS.parent


def targets() -> dict[str, list[str]]:
    """Maps an output directory (relative to the repository) to the .proto files generated into it."""
    kernel = sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / "customer_core").rglob("*.proto"))
    plugins = sorted(
        str(p.relative_to(PROTOS))
        for p in PROTOS.rglob("*.proto")
        if p.relative_to(PROTOS).parts[0] != "customer_core"
    )
    return {"src": kernel, "plugins": plugins}


def generate(out_root: Path) -> None:
    """Writes the stubs for every target under `out_root` (the repository root when generating)."""
    well_known = str(resources.files("grpc_tools") / "_proto")
    for out_dir, files in targets().items():
        dest = out_root / out_dir
        dest.mkdir(parents=True, exist_ok=True)
        args = [
            "grpc_tools.protoc",
            f"-I{PROTOS}",
            f"-I{well_known}",
            f"--python_out={dest}",
            f"--pyi_out={dest}",
            f"--grpc_python_out={dest}",
            *files,
        ]
        if protoc.main(args) != 0:
            raise SystemExit(f"protoc failed for {out_dir}")


def generated_files(root: Path) -> list[Path]:
    """Every generated stub under `root`, relative to it."""
    found: list[Path] = []
    for out_dir, files in targets().items():
        for proto in files:
            stem = str(Path(proto).with_suffix(""))
            for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
                found.append(Path(out_dir) / f"{stem}{suffix}")
    return found


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
