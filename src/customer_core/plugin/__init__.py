"""The public API for subject-model plugin authors.

A plugin is one .proto (its record messages, annotated with `customer_core.v1` options) and one
small module implementing the hooks below, registered under the `customer_core.plugins`
entry-point group::

    from customer_core.plugin import hookimpl
    from my_plugin.v1 import vehicle_pb2

    @hookimpl
    def subject_models():
        return [vehicle_pb2.Vehicle]

Its .proto compiles against the installed kernel's contract::

    python -m grpc_tools.protoc -I "$(python -c 'import customer_core.plugin as p; print(p.proto_include())')" \\
        -I protos --python_out=src protos/my_plugin/v1/vehicle.proto
"""

from __future__ import annotations

from pathlib import Path

from customer_core.errors import FieldViolation, InvalidArgument, NotFound
from customer_core.plugin._hookspecs import (
    ENTRY_POINT_GROUP,
    CustomerFacts,
    CustomerView,
    ExpectedAttribute,
    Fix,
    Kind,
    Permission,
    QualityIssue,
    QualityRule,
    Severity,
    hookimpl,
    hookspec,
)
from customer_core.plugin._services import (
    InboundReference,
    Party,
    PluginService,
    ServiceContext,
    StoredRecord,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "CustomerFacts",
    "CustomerView",
    "ExpectedAttribute",
    "FieldViolation",
    "Fix",
    "InboundReference",
    "InvalidArgument",
    "Kind",
    "NotFound",
    "Party",
    "Permission",
    "PluginService",
    "QualityIssue",
    "QualityRule",
    "ServiceContext",
    "Severity",
    "StoredRecord",
    "hookimpl",
    "hookspec",
    "proto_include",
]


def proto_include() -> str:
    """The directory to give protoc as `-I`, so `import "customer_core/v1/options.proto";` resolves.

    It holds every `customer_core/v1/*.proto` of the installed kernel (shipped in the wheel). The
    well-known types (`google/protobuf/*.proto`) come with grpcio-tools: `python -m
    grpc_tools.protoc` adds them itself.
    """
    return str(Path(__file__).resolve().parent / "protos")
