"""The forms of the bank's identifiers that every layer checks: one pattern and one message each.

Org-unit codes are paths, head office first (`HO01-BJ-SB03`); source-system codes name a system of
record (`CORE`, `CARDS`); principal names are token subjects or certificate common names.
"""

from __future__ import annotations

import re

from customer_core.errors import InvalidArgument

ORG_UNIT = re.compile(r"[A-Z0-9][A-Z0-9\-]{0,63}")
ORG_UNIT_RULE = "must be 1-64 upper-case letters, digits and dashes, e.g. HO01-BJ02"

SOURCE_SYSTEM = re.compile(r"[A-Z][A-Z0-9_]{1,31}")
SOURCE_SYSTEM_RULE = (
    "must be 2-32 upper-case letters, digits or underscores, starting with a letter"
)

PRINCIPAL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@:\-]{0,127}")
PRINCIPAL_NAME_RULE = "must be 1-128 letters, digits or _.@:-"


def check_principal(name: str, field: str) -> None:
    """INVALID_ARGUMENT naming `field` unless `name` is a principal's name."""
    if not PRINCIPAL_NAME.fullmatch(name):
        raise InvalidArgument.field(field, PRINCIPAL_NAME_RULE)
