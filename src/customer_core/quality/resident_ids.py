"""PRC resident ID numbers (GB 11643-1999): the check, the upgrade of 15-digit numbers, and the
facts a number holds (birth date, gender, area) for completing a record.

The messages never quote the number: it is sensitive, and messages end up in logs and responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from customer_core.quality.areas import area_exists

__all__ = ["ResidentIdFacts", "check_character", "facts", "resident_id_problem", "upgrade_15"]

_NUMBER_18 = re.compile(r"[0-9]{17}[0-9X]")
_NUMBER_15 = re.compile(r"[0-9]{15}")
# ISO 7064 MOD 11-2: digit i of 17 weighs 2^(17-i) mod 11 (7, 9, 10, 5, 8, 4, 2, 1, 6, ...).
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class ResidentIdFacts:
    """What a resident ID number says about its holder."""

    birth_date: date
    gender: str
    """'M' or 'F', from the parity of the 17th digit."""
    area_code: str
    """The 6-digit GB/T 2260 code of the county where the number was first issued."""


def check_character(first17: str) -> str:
    """The MOD 11-2 check character (0-9 or X) of a number's first 17 digits."""
    return _CHECK[
        sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True)) % 11
    ]


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def resident_id_problem(number: str, *, today: date | None = None) -> str | None:
    """Why `number` is not an 18-character resident ID number, or None if it is one: its form,
    its check character, a real birth date from 1900 to `today`, and an area code that exists or
    existed. A 15-digit number is to be upgraded first (`upgrade_15`)."""
    if not _NUMBER_18.fullmatch(number):
        if _NUMBER_15.fullmatch(number):
            return "is a 15-digit resident ID number: upgrade it to 18 characters first"
        return "must be 17 digits followed by a check character (0-9 or X)"
    if number[17] != check_character(number[:17]):
        return "the check character of the resident ID number does not match (GB 11643)"
    birth = _birth_date(number[6:14])
    if birth is None:
        return "the birth date in the resident ID number is not a real date"
    if birth > (today or date.today()):
        return "the birth date in the resident ID number is in the future"
    if birth < _EARLIEST_BIRTH:
        return "the birth date in the resident ID number is before 1900"
    if not area_exists(number[:6]):
        return (
            "the area code of the resident ID number is not one that exists or existed (GB/T 2260)"
        )
    return None


def upgrade_15(number15: str) -> str | None:
    """The 18-character form of a legacy 15-digit number (born in the 1900s: `19` goes before the
    two-digit year, and the check character after), or None if it is not 15 digits with a real
    birth date."""
    if not _NUMBER_15.fullmatch(number15):
        return None
    first17 = f"{number15[:6]}19{number15[6:]}"
    if _birth_date(first17[6:14]) is None:
        return None
    return first17 + check_character(first17)


def facts(number: str) -> ResidentIdFacts | None:
    """The birth date, gender and area code in an 18-character or 15-digit number, or None if its
    form, check character or birth date is wrong (the area and the date's range are not checked:
    see `resident_id_problem`)."""
    full = upgrade_15(number) if len(number) == 15 else number
    if full is None or not _NUMBER_18.fullmatch(full) or full[17] != check_character(full[:17]):
        return None
    birth = _birth_date(full[6:14])
    if birth is None:
        return None
    return ResidentIdFacts(birth, "M" if int(full[16]) % 2 else "F", full[:6])
