"""The plugin authors' surface, `customer_core.plugin`, is pinned: a name leaves it only on purpose."""

from __future__ import annotations

import customer_core.plugin

EXPECTED = {
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
}


def test_the_plugin_module_exports_exactly_the_contract() -> None:
    assert set(customer_core.plugin.__all__) == EXPECTED
    assert all(hasattr(customer_core.plugin, name) for name in EXPECTED)
