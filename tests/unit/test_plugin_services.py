"""A plugin's own gRPC service is served only if every method names a known permission: one
without is refused at start-up, with the plugin, the service and the method named."""

from __future__ import annotations

from typing import Any

import pytest
from customer_core_relationship.v1 import relationship_pb2, relationship_pb2_grpc

from customer_core.errors import PluginRegistrationError
from customer_core.kernel.registry import load_registry
from customer_core.plugin import Permission, PluginService, hookimpl

DESCRIPTOR = relationship_pb2.DESCRIPTOR.services_by_name["RelationshipService"]
SERVICE = DESCRIPTOR.full_name


class Plugin:
    """A plugin object with the given hooks."""

    def __init__(self, **hooks: Any) -> None:
        for name, function in hooks.items():
            setattr(self, name, hookimpl(function))


def service(permissions: dict[str, str]) -> PluginService:
    return PluginService(
        descriptor=DESCRIPTOR,
        add_to_server=relationship_pb2_grpc.add_RelationshipServiceServicer_to_server,
        servicer=lambda context: relationship_pb2_grpc.RelationshipServiceServicer(),
        permissions=permissions,
    )


def refused(plugin: Plugin) -> list[str]:
    with pytest.raises(PluginRegistrationError) as exc:
        load_registry([], extra=[("graphs", plugin)])
    return list(exc.value.problems)


def test_a_service_method_without_a_permission_refuses_start_up() -> None:
    assert refused(Plugin(grpc_services=lambda: [service({})])) == [
        f"plugin 'graphs', service {SERVICE}: method GetRelationshipGraph has no permission"
    ]


def test_a_permission_no_one_declares_and_a_method_that_does_not_exist_are_refused() -> None:
    problems = refused(
        Plugin(
            grpc_services=lambda: [
                service({"GetRelationshipGraph": "graphs.read", "Nope": "customers.read"})
            ]
        )
    )
    assert problems == [
        f"plugin 'graphs', service {SERVICE}: method GetRelationshipGraph needs 'graphs.read', "
        "which is neither a kernel permission nor one a plugin declares",
        f"plugin 'graphs', service {SERVICE}: permissions name 'Nope', which is not a method of "
        "the service",
    ]
    assert refused(Plugin(grpc_services=lambda: ["not a service"])) == [
        "plugin 'graphs': grpc_services() returned 'not a service', not a PluginService"
    ]


def test_a_service_with_a_permission_for_each_method_is_registered() -> None:
    plugin = Plugin(
        grpc_services=lambda: [service({"GetRelationshipGraph": "graphs.read"})],
        permissions=lambda: [Permission("graphs.read", "Read graphs.", ("teller",))],
    )
    registry = load_registry([], extra=[("graphs", plugin)])
    assert registry.service_permissions() == {f"/{SERVICE}/GetRelationshipGraph": "graphs.read"}
    kernel_permission = load_registry(
        [],
        extra=[
            (
                "graphs",
                Plugin(grpc_services=lambda: [service({"GetRelationshipGraph": "customers.read"})]),
            )
        ],
    )
    assert [s.descriptor.full_name for s in kernel_permission.services] == [SERVICE]


def test_the_relationship_plugin_serves_its_graph_with_its_own_permission() -> None:
    registry = load_registry(["relationship"])
    assert registry.service_permissions() == {
        f"/{SERVICE}/GetRelationshipGraph": "relationship.graph.read"
    }
    assert "relationship.graph.read" in registry.roles["teller"].permissions
