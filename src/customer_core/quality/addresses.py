"""The administrative divisions named at the start of a free-text Chinese address line
(`广东省深圳市南山区科技园` -> 广东省, 深圳市, 南山区, 440305), to complete an address's
province, city and district fields.

A longest-match scan over the current divisions' names (`customer_core.quality.areas.name_index`,
built once): a province, then a city within it, then a district within those, each optional and
each in full or short form (广东, 北京). A district name that several cities have (朝阳区) gives
no code unless a province or city before it settles which.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from customer_core.quality.areas import Area, name_index

__all__ = ["Divisions", "divisions_of"]


@dataclass(frozen=True, slots=True)
class Divisions:
    """What an address line says of its divisions: names found (None where not found), the most
    precise code they settle, and the rest of the line after them."""

    province: str | None = None
    city: str | None = None
    district: str | None = None
    code: str | None = None
    rest: str = ""


@cache
def _longest_name() -> int:
    return max(map(len, name_index()))


def _match(text: str, start: int, level: str, within: str) -> tuple[int, tuple[Area, ...]]:
    """The end of the longest name at `start` of a division at `level` whose code starts with
    `within`, and the divisions it may be; (start, ()) if none."""
    index = name_index()
    for end in range(min(len(text), start + _longest_name()), start + 1, -1):
        found = tuple(
            area
            for area in index.get(text[start:end], ())
            if area.level == level and area.code.startswith(within)
        )
        if found:
            return end, found
    return start, ()


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def divisions_of(address_line: str) -> Divisions:
    """The province, city and district that `address_line` starts with, as far as they go."""
    at = _skip_spaces(address_line, 0)
    chosen: dict[str, Area] = {}
    district_name: str | None = None
    within = ""
    levels = ("province", "city", "district")
    next_level = 0
    while next_level < len(levels):
        # The longest name at any level still open: 朝阳区 (a district) beats 朝阳 (a city).
        best: tuple[int, tuple[Area, ...], int] | None = None
        for rank in range(next_level, len(levels)):
            end, found = _match(address_line, at, levels[rank], within)
            if found and (best is None or end > best[0]):
                best = (end, found, rank)
        if best is None:
            break
        end, found, rank = best
        at = _skip_spaces(address_line, end)
        next_level = rank + 1
        if len(found) == 1:
            chosen[levels[rank]] = found[0]
            within = found[0].code[: (2, 4, 6)[rank]]
        elif levels[rank] == "district":
            district_name = found[0].name
    if not chosen:
        return Divisions(district=district_name, rest=address_line[at:])
    precise = chosen.get("district") or chosen.get("city") or chosen["province"]
    district = chosen.get("district")
    return Divisions(
        province=precise.province,
        city=precise.city if precise.level != "province" else None,
        district=district.name if district else district_name,
        code=precise.code,
        rest=address_line[at:],
    )
