"""Checks every subject model needs, shared by the built-in plugins and open to outside authors.

Part of the plugin contract (it imports nothing of the kernel): a plugin's data-quality rules use
these rather than writing their own, and the kernel's customer number uses the same check
character.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["mod11_2_check", "parse_iso_date"]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ISO 7064 MOD 11-2: digit i of 17 weighs 2^(17-i) mod 11 (GB 11643's 7, 9, 10, 5, ...).
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def parse_iso_date(value: str) -> date | None:
    """The date of a `YYYY-MM-DD` string, or None if it is malformed or not in the calendar."""
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def mod11_2_check(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character (`0`-`9` or `X`) of 17 digits: the 18th character
    of a resident ID number (GB 11643) and of a customer number."""
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)
