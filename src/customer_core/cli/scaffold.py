"""`customer-core plugins new NAME`: a plugin package that builds, installs and is served as it is.

The package is what an outside author's repository holds: a `.proto` declaring the subject model
(compiled at build time against the installed kernel's contract, `customer_core.plugin.
proto_include()`), one module implementing the hooks, the packaging with its
`customer_core.plugins` entry point, and a test of its rule. The author then edits the message
and the rules; nothing in the kernel changes.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

#: A plugin's name: its subject model's name, and the `customer_core_<name>` package's.
NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")
NAME_RULE = "2 to 31 lower-case letters, digits or underscores, starting with a letter"

_PYPROJECT = Template("""\
# The $name subject model for customer-core. Install it into the kernel's environment:
#   pip install --no-build-isolation .
# (without build isolation, so the build sees the installed customer-core and grpcio-tools).
[build-system]
requires = ["setuptools>=77", "grpcio-tools>=1.85", "customer-core"]
build-backend = "setuptools.build_meta"

[project]
name = "customer-core-$dashed"
version = "0.1.0"
description = "The $name subject model for customer-core."
requires-python = ">=3.11"
dependencies = ["customer-core", "protobuf>=6.31"]

[project.entry-points."customer_core.plugins"]
$name = "customer_core_$name"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
customer_core_$name = ["py.typed"]
""")

_SETUP = '''\
"""Builds the plugin: its stubs are compiled from protos/ against the installed kernel."""

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
'''

_PROTO = Template("""\
syntax = "proto3";

// The $name subject model. Edit the message: add fields with their kernel rules
// (`[(customer_core.v1.field) = {...}]`: required, sensitive, match_key, pattern, max_length,
// customer_ref, document_ref, ...), and bump `schema_version` when you change it.
package customer_core_$name.v1;

import "customer_core/v1/options.proto";

// One $name record of a customer.
message ${message} {
  option (customer_core.v1.subject_model) = {
    name: "$name"
    schema_version: 1
    description: "The $name records of a customer."
    survivorship: SURVIVORSHIP_MOST_RECENT
  };

  // The record's number, as the source system gives it.
  string reference = 1 [(customer_core.v1.field) = {required: true, match_key: true, max_length: 64}];
  // A sensitive value: encrypted at rest, masked in answers.
  string secret = 2 [(customer_core.v1.field) = {sensitive: true, max_length: 64}];
  // A count that must not be negative (see the module's rule).
  int64 quantity = 3;
}
""")

_MODULE = Template('''\
"""The $name subject model: its message, and the rules the kernel applies to its records.

The kernel calls these hooks only for $name records. A rule is declared in `quality_rules`
(id, severity, description) and applied in `validate_record`: an ERROR refuses the write naming
the field, a WARNING stores the record and raises an issue for data stewards.
"""

from __future__ import annotations

from google.protobuf.message import Message

from customer_core.plugin import QualityIssue, QualityRule, Severity, hookimpl
from customer_core_$name.v1 import ${name}_pb2

SUBJECT = "$name"
QUANTITY_NOT_NEGATIVE = "${upper}_QUANTITY_NOT_NEGATIVE"


@hookimpl
def subject_models() -> list[type[Message]]:
    """The model's message."""
    return [${name}_pb2.${message}]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """The rules `validate_record` applies."""
    return [
        QualityRule(QUANTITY_NOT_NEGATIVE, SUBJECT, Severity.ERROR, "A quantity is never negative."),
    ]


@hookimpl
def normalize_record(record: ${name}_pb2.${message}) -> None:
    """References are upper case, without spaces."""
    record.reference = "".join(record.reference.split()).upper()


@hookimpl
def validate_record(record: ${name}_pb2.${message}) -> list[QualityIssue]:
    """Refuses a negative quantity."""
    if record.quantity < 0:
        return [QualityIssue(QUANTITY_NOT_NEGATIVE, "quantity", "must not be negative")]
    return []
''')

_TEST = Template('''\
"""The $name plugin's rules, as the kernel calls them (run with pytest once it is installed)."""

from __future__ import annotations

from customer_core_$name import QUANTITY_NOT_NEGATIVE, normalize_record, validate_record
from customer_core_$name.v1.${name}_pb2 import ${message}


def test_references_are_normalized_and_negative_quantities_refused() -> None:
    record = ${message}(reference=" ab 12 ", quantity=-1)
    normalize_record(record)
    assert record.reference == "AB12"
    assert [issue.rule for issue in validate_record(record)] == [QUANTITY_NOT_NEGATIVE]
    assert validate_record(${message}(reference="AB12", quantity=3)) == []
''')

_README = Template("""\
# customer-core-$dashed

The `$name` subject model for customer-core, made by `customer-core plugins new $name`.

- `protos/customer_core_$name/v1/$name.proto`: the message and its field rules;
- `src/customer_core_$name/__init__.py`: the hooks (normalization, data-quality rules);
- `tests/`: a test of the rules.

Install it into the kernel's environment and restart the server:

    pip install --no-build-isolation .
    customer-core plugins        # lists it
""")


def message_name(name: str) -> str:
    """`loan_collateral` -> `LoanCollateralRecord`."""
    return "".join(part.capitalize() for part in name.split("_")) + "Record"


def files(name: str) -> dict[str, str]:
    """The package's files, by path relative to its directory."""
    values = {
        "name": name,
        "dashed": name.replace("_", "-"),
        "upper": name.upper(),
        "message": message_name(name),
    }
    return {
        "pyproject.toml": _PYPROJECT.substitute(values),
        "setup.py": _SETUP,
        "README.md": _README.substitute(values),
        f"protos/customer_core_{name}/v1/{name}.proto": _PROTO.substitute(values),
        f"src/customer_core_{name}/__init__.py": _MODULE.substitute(values),
        f"src/customer_core_{name}/py.typed": "",
        f"tests/test_{name}.py": _TEST.substitute(values),
    }


def write(name: str, directory: Path) -> Path:
    """Writes the package of plugin `name` into `directory/customer-core-<name>` (which must not
    exist); its path."""
    root = directory / f"customer-core-{name.replace('_', '-')}"
    root.mkdir(parents=True)
    for relative, text in files(name).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
