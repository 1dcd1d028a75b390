"""Builds the loyalty plugin: its stubs are compiled from protos/ against the installed kernel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PROTOS = HERE / "protos"


class BuildWithStubs(build_py):
    """`build_py`, then protoc over protos/ into the build (the stubs are never checked in)."""

    def run(self) -> None:
        super().run()
        from grpc_tools import protoc

        from customer_core.plugin import proto_include

        out = Path(self.build_lib)
        files = [str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto")]
        well_known = str(resources.files("grpc_tools") / "_proto")
        args = [f"-I{PROTOS}", f"-I{proto_include()}", f"-I{well_known}"]
        if protoc.main(["protoc", *args, f"--python_out={out}", f"--pyi_out={out}", *files]):
            raise SystemExit("protoc failed")
        for proto in files:
            for folder in Path(proto).parents:
                if folder != Path(".") and not (out / folder / "__init__.py").exists():
                    (out / folder / "__init__.py").touch()


setup(cmdclass={"build_py": BuildWithStubs})
