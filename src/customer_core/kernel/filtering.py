"""The filter language of ListCustomers: a small AIP-160 subset.

`field = value` terms joined by `AND`; values may be quoted. Fields: `status`, `type` (enum names,
with or without their prefix) and `owning_org_unit`.
"""

from __future__ import annotations

import re

from customer_core.errors import InvalidArgument

_TERM = re.compile(r'\s*([a-z_]+)\s*=\s*(?:"([^"]*)"|([^\s"]+))\s*')
_AND = re.compile(r"\s+AND\s+")
_ENUMS = {
    "status": ("CUSTOMER_STATUS_", {"ACTIVE", "MERGED", "CLOSED"}),
    "type": ("CUSTOMER_TYPE_", {"INDIVIDUAL", "ORGANIZATION"}),
}
FIELDS = ("status", "type", "owning_org_unit")


def parse_filter(text: str, field: str = "filter") -> dict[str, str]:
    """The equality constraints of a filter: field -> value (enum values without their prefix)."""
    constraints: dict[str, str] = {}
    if not text.strip():
        return constraints
    for term in _AND.split(text.strip()):
        match = _TERM.fullmatch(term)
        if match is None:
            raise InvalidArgument.field(
                field, f"cannot parse {term!r}: expected field = value terms joined by AND"
            )
        name, value = (
            match.group(1),
            match.group(2) if match.group(2) is not None else match.group(3),
        )
        if name not in FIELDS:
            raise InvalidArgument.field(
                field, f"unknown field {name!r}; filterable: {', '.join(FIELDS)}"
            )
        if name in constraints:
            raise InvalidArgument.field(field, f"{name!r} appears twice")
        if name in _ENUMS:
            prefix, allowed = _ENUMS[name]
            value = value.removeprefix(prefix)
            if value not in allowed:
                raise InvalidArgument.field(
                    field, f"{name} must be one of {', '.join(sorted(allowed))}"
                )
        constraints[name] = value
    return constraints
