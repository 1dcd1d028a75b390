"""The public API for subject-model plugin authors.

A plugin is one .proto (its record messages, annotated with `customer_core.v1` options) and one
small module implementing the hooks below, registered under the `customer_core.plugins`
entry-point group::

    from customer_core.plugin import hookimpl
    from my_plugin.v1 import vehicle_pb2

    @hookimpl
    def subject_models():
        return [vehicle_pb2.Vehicle]
"""

from __future__ import annotations

from customer_core.errors import FieldViolation
from customer_core.plugin._hookspecs import (
    ENTRY_POINT_GROUP,
    CustomerFacts,
    hookimpl,
    hookspec,
)

__all__ = ["ENTRY_POINT_GROUP", "CustomerFacts", "FieldViolation", "hookimpl", "hookspec"]
