"""Pinyin of Chinese names, and romanised names told from Chinese ones."""

from __future__ import annotations

import pytest

from customer_core.quality.names import is_chinese, looks_romanised, pinyin_of, split_surname


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("张三丰", "ZHANG SANFENG"),
        ("李四", "LI SI"),
        ("欧阳修", "OUYANG XIU"),
        ("司马懿", "SIMA YI"),
        ("诸葛亮", "ZHUGE LIANG"),
        ("单雄信", "SHAN XIONGXIN"),
        ("曾国藩", "ZENG GUOFAN"),
        ("解缙", "XIE JIN"),
        ("吕布", "LV BU"),
        ("阿依古丽·买买提", "AYIGULI MAIMAITI"),
        (" 王五 ", "WANG WU"),
    ],
)
def test_pinyin_puts_the_surname_first_and_joins_each_part(name: str, pinyin: str) -> None:
    assert pinyin_of(name) == pinyin


def test_compound_surnames_are_split_off_whole() -> None:
    assert split_surname("欧阳修") == ("欧阳", "修")
    assert split_surname("张三丰") == ("张", "三丰")
    assert split_surname("爱新觉罗溥仪") == ("爱新觉罗", "溥仪")


@pytest.mark.parametrize("name", ["张三丰", "阿依古丽·买买提", "欧阳修"])
def test_chinese_names_are_chinese(name: str) -> None:
    assert is_chinese(name) and not looks_romanised(name)


@pytest.mark.parametrize(
    "name", ["ZHANG SANFENG", "Zhang San-feng", "O'Brien", "Zhang\u2019Er", "José Müller"]
)
def test_romanised_names_from_a_mobile_app_are_recognised(name: str) -> None:
    assert looks_romanised(name) and not is_chinese(name)


@pytest.mark.parametrize("name", ["", "张三 Zhang", "Zhang3", "Иван", "李-"])
def test_mixed_or_other_scripts_are_neither_or_not_romanised(name: str) -> None:
    assert not looks_romanised(name) or not is_chinese(name)
    assert not (looks_romanised(name) and is_chinese(name))
