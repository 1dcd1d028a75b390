"""A generator of Chinese individual customers as five source systems hold them, with the
corruptions and look-alikes identification must cope with, and the truth to judge it by.

Each person is held by one to five source systems (CORE, CARDS, LOANS, WEALTH, CRM); each
system's copy may be corrupted as such systems corrupt data: a name with a typo (a character of
similar shape or the same sound), in traditional script or romanised; an ID number with two
digits transposed, in its legacy 15-digit form, typed in lower case or full-width, or a passport
in place of the ID card; a mobile number formatted another way, or changed; an address with or
without its district, or moved; a missing birth date. Look-alikes are distinct people who must
never be merged: two given the same ID number by an issuing error, namesakes born the same day,
a parent and child sharing an address, phone and surname, and twins (same birth date, address,
surname, consecutive ID sequence numbers).

    records, truth = generate(persons=2000, seed=7)

`truth.person[(system, local_id)]` is the person a source record is; `truth.lookalikes` the pairs
of persons that must stay apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from customer_core_contact.v1 import contact_pb2
from customer_core_identification.v1 import identification_pb2
from customer_core_individual.v1 import individual_pb2

SYSTEMS = ("CORE", "CARDS", "LOANS", "WEALTH", "CRM")
SURNAMES = [
    *"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤",
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容",
]  # fmt: skip
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国宁浩宇晨欣怡子涵梓轩雨婷思远博文嘉琪一鸣佳俊凯峰琳雪梅志刚海燕春晓东"
)
#: Characters of similar shape, and of the same sound, a clerk may type instead.
LOOKALIKE = {"未": "末", "己": "已", "晓": "晚", "斌": "彬", "娟": "涓", "静": "靜", "明": "朋", "伟": "玮",
             "芳": "方", "丽": "莉", "军": "君", "洋": "阳", "杰": "洁", "涛": "滔", "红": "虹", "辉": "晖",
             "浩": "皓", "宇": "雨", "欣": "鑫", "琳": "林", "峰": "锋", "玉": "钰", "平": "萍"}  # fmt: skip
TRADITIONAL = {"伟": "偉", "丽": "麗", "军": "軍", "杰": "傑", "涛": "濤", "红": "紅", "辉": "輝", "华": "華",
               "兰": "蘭", "鹏": "鵬", "国": "國", "宁": "寧", "晓": "曉", "东": "東", "刘": "劉", "陈": "陳",
               "杨": "楊", "黄": "黃", "赵": "趙", "吴": "吳", "孙": "孫", "马": "馬", "郑": "鄭", "韩": "韓",
               "冯": "馮", "邓": "鄧", "叶": "葉", "苏": "蘇", "欧": "歐", "阳": "陽", "龙": "龍", "钱": "錢"}  # fmt: skip
AREAS = (
    "110105",
    "110108",
    "310104",
    "310115",
    "440106",
    "440305",
    "330106",
    "320102",
    "510107",
    "420106",
)
DISTRICTS = {"110105": "北京市朝阳区", "110108": "北京市海淀区", "310104": "上海市徐汇区", "310115": "上海市浦东新区",
             "440106": "广东省广州市天河区", "440305": "广东省深圳市南山区", "330106": "浙江省杭州市西湖区",
             "320102": "江苏省南京市玄武区", "510107": "四川省成都市武侯区", "420106": "湖北省武汉市武昌区"}  # fmt: skip
STREETS = list("建国中山人民解放和平长安复兴南京北京新华文化青年团结光明胜利")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECKS = "10X98765432"


def check(body: str) -> str:
    return _CHECKS[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


@dataclass
class Person:
    id: int
    name: str
    surname: str
    gender: int
    birth: date
    id_number: str
    mobile: str
    area: str
    street: str
    passport: str


@dataclass
class SourceRecord:
    system: str
    local_id: str
    person: int
    records: list = field(default_factory=list)  # type: ignore[type-arg]


@dataclass
class Truth:
    person: dict[tuple[str, str], int] = field(default_factory=dict)
    lookalikes: set[tuple[int, int]] = field(default_factory=set)


class _Maker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_ids: set[str] = set()
        self.people: list[Person] = []

    def resident_id(self, area: str, birth: date, gender: int, seq: int | None = None) -> str:
        while True:
            s = seq if seq is not None else self.rng.randrange(0, 100)
            body = f"{area}{birth:%Y%m%d}{s:02d}{self._gender_digit(gender)}"
            number = body + check(body)
            if number not in self.used_ids or seq is not None:
                self.used_ids.add(number)
                return number

    def _gender_digit(self, gender: int) -> int:
        return self.rng.choice(
            (1, 3, 5, 7, 9) if gender == individual_pb2.GENDER_MALE else (0, 2, 4, 6, 8)
        )

    def person(
        self, *, surname: str | None = None, birth: date | None = None, area: str | None = None,
        street: str | None = None, mobile: str | None = None, id_number: str | None = None,
        gender: int | None = None, given: str | None = None,
    ) -> Person:  # fmt: skip
        rng = self.rng
        surname = surname or rng.choice(SURNAMES)
        given = given or "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        gender = gender or rng.choice((individual_pb2.GENDER_MALE, individual_pb2.GENDER_FEMALE))
        birth = birth or date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
        area = area or rng.choice(AREAS)
        p = Person(
            id=len(self.people), name=surname + given, surname=surname, gender=gender, birth=birth,
            id_number=id_number or self.resident_id(area, birth, gender),
            mobile=mobile or f"+861{rng.choice('3578')}{rng.randrange(10**9):09d}",
            area=area,
            street=street or f"{rng.choice(STREETS)}{rng.choice(STREETS)}路{rng.randrange(1, 999)}号",
            passport=f"E{rng.randrange(10**8):08d}",
        )  # fmt: skip
        self.people.append(p)
        return p


def _pinyin(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(name, style=Style.NORMAL)).title()


def _corrupt_name(rng: random.Random, p: Person) -> str:
    roll = rng.random()
    given = p.name[len(p.surname) :]
    if roll < 0.06 and any(ch in LOOKALIKE for ch in given):
        ch = next(c for c in given if c in LOOKALIKE)
        return p.surname + given.replace(ch, LOOKALIKE[ch], 1)
    if roll < 0.12 and any(ch in TRADITIONAL for ch in p.name):
        return "".join(TRADITIONAL.get(ch, ch) for ch in p.name)
    if roll < 0.15:
        surname, rest = _pinyin(p.surname).replace(" ", ""), _pinyin(given).replace(" ", "")
        return f"{surname} {rest.capitalize()}"
    return p.name


def _document(rng: random.Random, p: Person) -> identification_pb2.IdentificationDocument:
    number = p.id_number
    kind = identification_pb2.ID_TYPE_RESIDENT_ID_CARD
    roll = rng.random()
    if roll < 0.05:
        i = rng.randrange(6, 16)
        number = number[:i] + number[i + 1] + number[i] + number[i + 2 :]  # two digits transposed
    elif roll < 0.10 and p.birth.year < 2000:
        number = number[:6] + number[8:17]  # the legacy 15-digit form
    elif roll < 0.13:
        number = number.lower().replace("1", "\uff11")  # full-width, lower case
    elif roll < 0.17:
        return identification_pb2.IdentificationDocument(
            id_type=identification_pb2.ID_TYPE_PASSPORT, id_number=p.passport,
            issuing_country="CHN", status=identification_pb2.ID_STATUS_VALID,
        )  # fmt: skip
    return identification_pb2.IdentificationDocument(
        id_type=kind, id_number=number, status=identification_pb2.ID_STATUS_VALID, primary=True
    )


def _contacts(rng: random.Random, p: Person) -> list:  # type: ignore[type-arg]
    found = []
    roll = rng.random()
    if roll < 0.85:
        number = p.mobile
        if rng.random() < 0.25:
            national = number[3:]
            number = f"{national[:3]}-{national[3:7]}-{national[7:]}"
        elif rng.random() < 0.05:
            number = f"+861{rng.choice('3578')}{rng.randrange(10**9):09d}"  # changed since
        found.append(
            contact_pb2.ContactPoint(
                phone=contact_pb2.Phone(number=number, country="CHN", mobile=True),
                purpose=contact_pb2.CONTACT_PURPOSE_HOME,
            )
        )
    if rng.random() < 0.7:
        street = p.street if rng.random() < 0.5 else DISTRICTS[p.area] + p.street
        found.append(
            contact_pb2.ContactPoint(
                address=contact_pb2.PostalAddress(street=street, country="CHN"),
                purpose=contact_pb2.CONTACT_PURPOSE_HOME,
            )
        )
    return found


def _records(rng: random.Random, p: Person) -> list:  # type: ignore[type-arg]
    profile = individual_pb2.IndividualProfile(name=_corrupt_name(rng, p), gender=p.gender)
    if rng.random() < 0.95:
        profile.birth_date = p.birth.isoformat()
    profile.nationality = "CHN"
    return [profile, _document(rng, p), *_contacts(rng, p)]


def generate(
    persons: int = 2000, seed: int = 7, lookalike_share: float = 0.08
) -> tuple[list[SourceRecord], Truth]:
    """Source records of about `persons` people (look-alike groups included), shuffled."""
    rng = random.Random(seed)
    maker = _Maker(rng)
    truth = Truth()
    groups = int(persons * lookalike_share / 2)
    for g in range(groups):
        kind = g % 4
        a = maker.person()
        if kind == 0:  # an issuing error: the same ID number given to another person
            b = maker.person(id_number=a.id_number, birth=a.birth, area=a.area, gender=a.gender)
        elif kind == 1:  # namesakes born the same day
            b = maker.person(
                surname=a.surname, given=a.name[len(a.surname) :], birth=a.birth, gender=a.gender
            )
        elif kind == 2:  # a parent and child
            child_birth = min(
                a.birth + timedelta(days=rng.randrange(22 * 365, 35 * 365)), date(2008, 1, 1)
            )
            b = maker.person(
                surname=a.surname, birth=child_birth, area=a.area, street=a.street, mobile=a.mobile
            )
        else:  # twins: consecutive sequence numbers
            seq = int(a.id_number[14:16])
            b = maker.person(
                surname=a.surname, birth=a.birth, area=a.area, street=a.street,
                id_number=maker.resident_id(a.area, a.birth, a.gender, seq=(seq + 1) % 100),
                gender=a.gender,
            )  # fmt: skip
        truth.lookalikes.add((a.id, b.id))
    while len(maker.people) < persons:
        maker.person()
    out: list[SourceRecord] = []
    for p in maker.people:
        copies = rng.choices((1, 2, 3, 4, 5), weights=(40, 30, 15, 10, 5))[0]
        for system in rng.sample(SYSTEMS, copies):
            local = f"{system[:2]}{rng.randrange(10**10):010d}"
            out.append(SourceRecord(system, local, p.id, _records(rng, p)))
            truth.person[(system, local)] = p.id
    rng.shuffle(out)
    return out, truth


def true_pairs(truth: Truth) -> set[frozenset[tuple[str, str]]]:
    """Pairs of source records of the same person."""
    by_person: dict[int, list[tuple[str, str]]] = {}
    for key, person in truth.person.items():
        by_person.setdefault(person, []).append(key)
    return {
        frozenset((a, b))
        for keys in by_person.values()
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
    }
