"""The bank-wide customer number: 17 digits and an ISO 7064 MOD 11-2 check character.

Numbers are drawn at random (the unique index rejects the rare collision and the caller draws
again), so issuing one needs no sequence: no single hot row or range that every branch's
onboarding writes to. The check character catches every single-character error and every
transposition of two adjacent characters before a request reaches the database.
"""

from __future__ import annotations

import re
import secrets

from customer_core.plugin.checks import mod11_2_check

_FORMAT = re.compile(r"[1-9]\d{16}[0-9X]")
check_character = mod11_2_check


def new_customer_number() -> str:
    """A fresh random customer number."""
    body = str(secrets.randbelow(9 * 10**16) + 10**16)
    return body + check_character(body)


def problem(number: str) -> str | None:
    """Why `number` is not a customer number, or None when it is one."""
    if not _FORMAT.fullmatch(number):
        return "must be 17 digits (the first not 0) followed by a check character (0-9 or X)"
    if check_character(number[:17]) != number[17]:
        return "check character does not match: mistyped customer number"
    return None
