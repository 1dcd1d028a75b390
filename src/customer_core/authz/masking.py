"""How a sensitive value is shown to a caller without the unmask permission (a field's `mask` rule)."""

from __future__ import annotations

import re

_KEEP = re.compile(r"(\d+),(\d+)")


def mask(value: str, rule: str) -> str:
    """`value` with the characters `rule` hides replaced by `*` (length is kept).

    Rules: `<first>,<last>` keeps that many leading and trailing characters; `email` keeps the
    first character of the local part and the domain; empty keeps the last 4 of values of 9 or
    more characters and hides shorter ones entirely.
    """
    if not value:
        return value
    if rule == "email":
        local, at, domain = value.partition("@")
        if not at:
            return "*" * len(value)
        return local[:1] + "*" * (len(local) - 1) + "@" + domain
    match = _KEEP.fullmatch(rule)
    first, last = (
        (int(match.group(1)), int(match.group(2))) if match else (0, 4 if len(value) >= 9 else 0)
    )
    if first + last >= len(value):  # too short to show that much: hide all but the first
        first, last = min(first, 1), 0
    return (
        value[:first]
        + "*" * (len(value) - first - last)
        + (value[len(value) - last :] if last else "")
    )


def valid_rule(rule: str) -> bool:
    """True for a mask rule `mask` understands."""
    return rule in ("", "email") or _KEEP.fullmatch(rule) is not None
