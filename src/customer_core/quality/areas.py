"""GB/T 2260 administrative division codes, current and abolished, and an index of their names.

A resident ID keeps the code of the county where it was first issued, so a district abolished in
2010 still prefixes valid numbers: `area_exists` answers "exists now or ever existed". The
address completion (`customer_core.quality.addresses`) uses only the current divisions' names.
The data file is built by `customer_core.quality.data.build` (its docstring names the sources)
and read once, on first use.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

__all__ = ["Area", "area", "area_exists", "every_area", "name_index", "short_names"]

_CODE = re.compile(r"[0-9]{6}")
_MINORITY_NAMES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
    "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 高山"
)
_MINORITIES = _MINORITY_NAMES.split()
# "延边朝鲜族自治州" -> "延边", "广西壮族自治区" -> "广西": the place before its peoples' names.
_AUTONOMOUS = re.compile(
    "^(.{2,}?)(?:(?:" + "|".join(sorted(_MINORITIES, key=len, reverse=True)) + ")族?)*自治[区州]$"
)
_SUFFIXES = ("特别行政区", "地区", "省", "市", "盟")
# Codes that group counties without being a city: not a name to show as one.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True, slots=True)
class Area:
    """One division code: its name, the names above it, and the years it was listed.

    `first_year` is that of the first revision listing it (1980 means "by 1980"), `last_year` that
    of the last one, or None while it is `current`. `province`, `city` and `district` are the names
    of the levels the code has (None for the levels below it, and for a level above it that has no
    code of its own, like the county-level cities that provinces administer directly).
    """

    code: str
    name: str
    province: str | None
    city: str | None
    district: str | None
    first_year: int
    last_year: int | None
    former_names: tuple[str, ...] = ()

    @property
    def current(self) -> bool:
        """Whether the code exists now."""
        return self.last_year is None

    @property
    def level(self) -> str:
        """'province', 'city' or 'district' (county level), from the shape of the code."""
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "district"


@cache
def _table() -> Mapping[str, Area]:
    raw = resources.files("customer_core.quality").joinpath("data/areas.tsv.gz").read_bytes()
    rows: dict[str, tuple[str, int, int | None, str]] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        code_, name_, first_, last_, former_ = line.split("\t")
        rows[code_] = (name_, int(first_), int(last_) if last_ else None, former_)
    table: dict[str, Area] = {}
    for code, (name, first, last, former) in rows.items():
        province = rows.get(code[:2] + "0000")
        city = rows.get(code[:4] + "00") if not code.endswith("0000") else None
        if city and city[0] in _PLACEHOLDERS:
            city = None
        table[code] = Area(
            code=code,
            name=name,
            province=province[0] if province else None,
            city=city[0] if city else None,
            district=None if code.endswith("00") else name,
            first_year=first,
            last_year=last,
            former_names=tuple(former.split(",")) if former else (),
        )
    return MappingProxyType(table)


def area(code: str) -> Area | None:
    """The division with this 6-digit code, current or abolished, or None if there never was one."""
    return _table().get(code) if _CODE.fullmatch(code) else None


def area_exists(prefix6: str) -> bool:
    """Whether a division had this code at some time from 1980 until now (a resident ID's prefix)."""
    return area(prefix6) is not None


def every_area(*, current_only: bool = False) -> Iterator[Area]:
    """Every division, in code order; only those that exist now if `current_only`."""
    for found in _table().values():
        if found.current or not current_only:
            yield found


def short_names(name: str) -> tuple[str, ...]:
    """The forms of a province's or city's name that addresses use for it besides the full one:
    广东 for 广东省, 北京 for 北京市, 内蒙古 for 内蒙古自治区, 延边 for 延边朝鲜族自治州."""
    matched = _AUTONOMOUS.fullmatch(name)
    if matched:
        return (matched.group(1),)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return (name[: -len(suffix)],)
    return ()


@cache
def name_index() -> Mapping[str, tuple[Area, ...]]:
    """The current divisions by name: full names at every level, plus `short_names` of provinces
    and cities (a district's short form, like 朝阳 for 朝阳区, is too ambiguous to use)."""
    index: dict[str, list[Area]] = {}
    for found in every_area(current_only=True):
        names = [found.name]
        if found.level != "district":
            names += short_names(found.name)
        for name in names:
            if len(name) >= 2:
                index.setdefault(name, []).append(found)
    return MappingProxyType({name: tuple(found) for name, found in index.items()})
