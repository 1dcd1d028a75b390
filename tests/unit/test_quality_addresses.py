"""The divisions at the start of a free-text address line, for completing an address."""

from __future__ import annotations

import time

import pytest

from customer_core.quality.addresses import Divisions, divisions_of


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "北京市海淀区中关村大街1号",
            Divisions("北京市", "北京市", "海淀区", "110108", "中关村大街1号"),
        ),
        ("广东省深圳市南山区科技园", Divisions("广东省", "深圳市", "南山区", "440305", "科技园")),
        ("海淀区xx路", Divisions("北京市", "北京市", "海淀区", "110108", "xx路")),
        ("广东深圳南山区", Divisions("广东省", "深圳市", "南山区", "440305", "")),
        (
            "上海浦东新区世纪大道100号",
            Divisions("上海市", "上海市", "浦东新区", "310115", "世纪大道100号"),
        ),
        ("天津 和平区", Divisions("天津市", "天津市", "和平区", "120101", "")),
        ("重庆万州区", Divisions("重庆市", "重庆市", "万州区", "500101", "")),
        ("吉林省长春市朝阳区", Divisions("吉林省", "长春市", "朝阳区", "220104", "")),
        ("北京朝阳区建国路", Divisions("北京市", "北京市", "朝阳区", "110105", "建国路")),
        ("江苏省昆山市前进路", Divisions("江苏省", "苏州市", "昆山市", "320583", "前进路")),
        ("湖北省仙桃市", Divisions("湖北省", None, "仙桃市", "429004", "")),
        ("延边朝鲜族自治州延吉市", Divisions("吉林省", "延边朝鲜族自治州", "延吉市", "222401", "")),
        ("吉林市丰满区", Divisions("吉林省", "吉林市", "丰满区", "220211", "")),
        ("广东省某某路", Divisions("广东省", None, None, "440000", "某某路")),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_divisions_an_address_starts_with_are_found(line: str, expected: Divisions) -> None:
    assert divisions_of(line) == expected


def test_a_district_name_several_cities_share_gives_no_code() -> None:
    found = divisions_of("朝阳区建国路")
    assert (found.district, found.code, found.province) == ("朝阳区", None, None)


def test_an_address_without_divisions_is_left_alone() -> None:
    assert divisions_of("中关村大街1号") == Divisions(rest="中关村大街1号")
    assert divisions_of("") == Divisions()


def test_completion_is_fast_enough_for_every_write() -> None:
    divisions_of("北京市")  # the index is built once, on first use
    start = time.perf_counter()
    for _ in range(1000):
        divisions_of("广东省深圳市南山区科技园")
    assert time.perf_counter() - start < 1.0
