"""Names of individuals: the pinyin of a Chinese name, and telling a Chinese name from a
romanised one.

A mobile-app record often carries `ZHANG SANFENG` where the legal name should be: it belongs in
the pinyin field, not stored as a second legal name. Pinyin follows passport practice: no tones,
upper case, surname first, the surname's syllables joined and the given name's joined; ü is
written V (`LV`), as bank systems do.
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

__all__ = ["is_chinese", "looks_romanised", "pinyin_of", "split_surname"]

# Two-character surnames, so that 欧阳修 is OUYANG XIU and not OU YANGXIU.
_COMPOUND_SURNAME_LIST = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 "
    "西门 万俟 百里 呼延 澹台 公冶 太史 申屠 闻人 东郭 濮阳 宗政 钟离 司空 第五 拓跋 赫连 "
    "完颜 钟吾 左丘 谷梁 梁丘 羊舌 微生 公西 漆雕 乐正 壤驷 公良 巫马 亓官 司寇 仉督 子车 "
    "颛孙 段干 闾丘 东门 鲜于 叱干 单于 耶律 爱新觉罗"
)
_COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAME_LIST.split())
# Surnames read otherwise than the character's commonest reading (单 is shan, not dan).
_SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
    "盖": "ge", "乐": "yue", "缪": "miao", "翟": "zhai", "覃": "qin", "种": "chong", "秘": "bi",
    "召": "shao", "员": "yun", "繁": "po", "尉": "yu", "句": "gou", "冼": "xian", "长": "chang",
    "重": "chong", "折": "she", "蕃": "pi", "祭": "zhai", "谌": "chen", "褚": "chu", "阚": "kan",
    "柏": "bai", "卜": "bu", "薄": "bo", "万俟": "moqi", "尉迟": "yuchi", "长孙": "zhangsun",
    "单于": "chanyu", "乐正": "yuezheng", "澹台": "tantai", "亓官": "qiguan", "仉督": "zhangdu",
}  # fmt: skip
# The separator of a transliterated name (阿依古丽·买买提) and its look-alikes.
_NAME_DOTS = re.compile("\\s*[\u00b7\u2022\u2027\u30fb.\uff0e]\\s*")


def _ideograph(ch: str) -> bool:
    return unicodedata.category(ch) == "Lo" and unicodedata.name(ch, "").startswith("CJK")


def is_chinese(name: str) -> bool:
    """Whether `name` is written in Chinese characters (with the `·` of a transliterated name)."""
    parts = [part for part in _NAME_DOTS.split(name.strip())]
    return all(part and all(_ideograph(ch) for ch in part) for part in parts)


def looks_romanised(name: str) -> bool:
    """Whether `name` is in Latin letters, with spaces, hyphens, apostrophes and dots between
    words (ZHANG SANFENG, Zhang San-feng, O'Brien): a romanised name, not a Chinese one."""
    letters = 0
    for ch in name.strip():
        if ch.isalpha():
            if not unicodedata.name(ch, "").startswith("LATIN"):
                return False
            letters += 1
        elif ch not in " -'\u2019.,":
            return False
    return letters > 0


def split_surname(name: str) -> tuple[str, str]:
    """A Chinese name's surname and given name: a two-character surname (欧阳, 诸葛) if it starts
    with one, else the first character."""
    if name[:4] in _COMPOUND_SURNAMES:
        return name[:4], name[4:]
    size = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    return name[:size], name[size:]


def _syllables(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def pinyin_of(chinese_name: str) -> str:
    """The pinyin of a Chinese name: 张三丰 -> ZHANG SANFENG, 欧阳修 -> OUYANG XIU, 单雄信 ->
    SHAN XIONGXIN. A transliterated name (买买提·艾力) gives each part in turn (MAIMAITI AILI).
    Characters that are not Chinese are left out."""
    parts = [part for part in _NAME_DOTS.split(chinese_name.strip()) if part]
    if len(parts) > 1:
        return " ".join(_syllables(part) for part in parts).upper()
    if not parts:
        return ""
    surname, given = split_surname(parts[0])
    words = [_SURNAME_READINGS.get(surname) or _syllables(surname), _syllables(given)]
    return " ".join(word for word in words if word).upper()
