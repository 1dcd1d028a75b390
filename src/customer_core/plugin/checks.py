"""Checks every subject model needs, shared by the built-in plugins and open to outside authors.

Part of the plugin contract (it imports nothing of the kernel): a plugin's data-quality rules use
these rather than writing their own, and the kernel's customer number uses the same check
character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from google.protobuf.message import Message

from customer_core.plugin._hookspecs import QualityIssue

__all__ = [
    "date_issues",
    "mod11_2_check",
    "organization_code_problem",
    "parse_iso_date",
    "uscc_problem",
]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ISO 7064 MOD 11-2: digit i of 17 weighs 2^(17-i) mod 11 (GB 11643's 7, 9, 10, 5, ...).
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
# GB 32100: the unified social credit code alphabet (no I, O, S, V, Z) and position weights.
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714: eight digits or capital letters (A = 10 ... Z = 35), weighted, then a check character.
_ORG_CODE = re.compile(r"[0-9A-Z]{8}[0-9X]")
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def parse_iso_date(value: str) -> date | None:
    """The date of a `YYYY-MM-DD` string, or None if it is malformed or not in the calendar."""
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def date_issues(
    rule: str,
    message: Message,
    prefix: str,
    *,
    events: Sequence[str] = (),
    spans: Sequence[tuple[str, str]] = (),
) -> list[QualityIssue]:
    """Issues of `rule` for the `YYYY-MM-DD` fields of `message` named in `events` and `spans`:
    a value that is not a real date, an event's date (`events`) in the future, an end before its
    start (`spans`: (start, end) pairs). Paths are `prefix.field`; unset fields are skipped."""
    found: list[QualityIssue] = []
    days: dict[str, date] = {}
    named = set(events) | {name for pair in spans for name in pair}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name) if field.name in named else ""
        if not value:
            continue
        parsed = parse_iso_date(value)
        if parsed is None:
            found.append(
                QualityIssue(rule, f"{prefix}.{field.name}", f"{value!r} is not a real date")
            )
        else:
            days[field.name] = parsed
    today = date.today()
    for name in events:
        if name in days and days[name] > today:
            found.append(QualityIssue(rule, f"{prefix}.{name}", "is in the future"))
    for start, end in spans:
        if start in days and end in days and days[end] < days[start]:
            found.append(QualityIssue(rule, f"{prefix}.{end}", f"is before {start}"))
    return found


def mod11_2_check(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character (`0`-`9` or `X`) of 17 digits: the 18th character
    of a resident ID number (GB 11643) and of a customer number."""
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a GB 32100 unified social credit code, or None if it is one (by its form
    and check character; characters 9 to 17 are an organization code, which
    `organization_code_problem` checks)."""
    if len(code) != 18 or any(c not in _USCC_CHARSET for c in code):
        return f"must be 18 characters, each one of {_USCC_CHARSET}"
    values = [_USCC_CHARSET.index(c) for c in code]
    total = sum(v * w for v, w in zip(values[:17], _USCC_WEIGHTS, strict=True))
    if values[17] != (31 - total % 31) % 31:
        return "the check character of the unified social credit code does not match (GB 32100)"
    return None


def organization_code_problem(code: str) -> str | None:
    """Why `code` (9 characters, without the hyphen) is not a GB 11714 organization code, or None."""
    if not _ORG_CODE.fullmatch(code):
        return "must be 8 digits or capital letters followed by a check character (0-9 or X)"
    total = sum(int(c, 36) * w for c, w in zip(code[:8], _ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    check = "X" if value == 10 else "0" if value == 11 else str(value)
    if code[8] != check:
        return "the check character of the organization code does not match (GB 11714)"
    return None
