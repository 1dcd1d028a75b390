"""Probabilistic comparison for the end-of-day consolidation: Fellegi-Sunter with
term-frequency adjustment, over blocked pairs.

**Blocking.** Pairs are compared only when they share a blocking key: a document number, its
digits sorted (transposed digits), a phone, or a name variant with the birth date (the folded
name, its pinyin for homophones and romanised names, its words sorted for foreign names in
another order), or a name with a street. Blocks larger than `MAX_BLOCK` (a very common name on
a common birthday) are left out and counted.

**Comparison levels** per attribute (None when either side lacks it):

| attribute | levels |
| --- | --- |
| name | 3 equal (after folding: full-width, traditional script) · 2 same sound (pinyin: homophones, romanised names) · 1 one character off (similar-shape, typo) or the same words in another order · 0 different |
| document | 3 the same number of the same type · 2 one edit or one transposition apart · 0 different (documents of different types are not compared: a passport in place of the ID card) |
| birth date | 2 equal · 1 one digit off, or day and month swapped · 0 different |
| phone | 1 a shared number · 0 none shared |
| street | 2 equal · 1 one within the other (with or without the district) or nearly equal · 0 different |

**Weights.** Each level has an m probability (how often a true duplicate shows it: fixed,
documented in `M`) and a u probability (how often two random customers do: estimated from a
sample of random pairs of the base). At an "equal" level the u probability is the frequency of
the value itself (term-frequency adjustment): sharing a rare name counts for more than sharing
王伟. The pair's weight is the sum of log2(m/u); its probability adds the prior odds of a random
pair being a duplicate (2/N).

**Guards.** Some pairs are never merged automatically, whatever their score (they may still be
listed): both have a valid resident ID and none is shared (twins, a parent and child, namesakes
born the same day); the same document but names that differ entirely (an issuing error); birth
dates that differ entirely; different genders; names that differ or are missing without a shared
document (a parent and child share an address and phone); nothing in common but the name and birth date,
when their phones or streets differ or the base holds two or more people (valid resident IDs) of
that name born that day.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from customer_core.kernel.matching.profiles import Profile

NAME, DOCUMENT, BIRTH, PHONE, STREET = "name", "document", "birth_date", "phone", "street"
ATTRIBUTES = (NAME, DOCUMENT, BIRTH, PHONE, STREET)
#: The policy attribute each comparison attribute shows as on the similar-customer list.
SHOWN_AS = {
    NAME: "individual.name",
    DOCUMENT: "identification.id_number",
    BIRTH: "individual.birth_date",
    PHONE: "contact.phone.number",
    STREET: "contact.address.street",
}
#: m probabilities: how often a true duplicate shows each level.
M: dict[str, dict[int, float]] = {
    NAME: {3: 0.88, 2: 0.06, 1: 0.05, 0: 0.01},
    DOCUMENT: {3: 0.90, 2: 0.08, 0: 0.02},
    BIRTH: {2: 0.95, 1: 0.04, 0: 0.01},
    PHONE: {1: 0.75, 0: 0.25},
    STREET: {2: 0.55, 1: 0.35, 0: 0.10},
}
#: The level of each attribute whose u probability is the value's frequency.
EQUAL = {NAME: 3, DOCUMENT: 3, BIRTH: 2, PHONE: 1, STREET: 2}
MAX_BLOCK = 200
RANDOM_PAIRS = 20_000


def _any(a: Iterable[str], b: Iterable[str], close: object) -> bool:
    return any(close(x, y) for x in a for y in b)  # type: ignore[operator]


def name_level(a: Profile, b: Profile) -> int | None:
    if not a.names or not b.names:
        return None
    if a.names & b.names:
        return 3
    if a.sounds & b.sounds:
        return 2
    if (a.word_sets & b.word_sets - {""}) or _any(
        a.names, b.names, lambda x, y: min(len(x), len(y)) >= 2 and Levenshtein.distance(x, y) <= 1
    ):
        return 1
    if _any(
        a.names,
        b.names,
        lambda x, y: len(x) >= 8 and Levenshtein.normalized_similarity(x, y) >= 0.85,
    ):
        return 1
    return 0


def document_level(a: Profile, b: Profile) -> int | None:
    kinds = set(a.documents) & set(b.documents)
    if not kinds:
        return None
    best = 0
    for kind in kinds:
        mine, theirs = a.documents[kind], b.documents[kind]
        if mine & theirs:
            return 3
        if _any(mine, theirs, lambda x, y: len(x) >= 8 and DamerauLevenshtein.distance(x, y) <= 1):
            best = 2
    return best


def _swapped(x: str, y: str) -> bool:
    return len(x) == len(y) == 10 and x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]


def birth_level(a: Profile, b: Profile) -> int | None:
    if not a.birth_dates or not b.birth_dates:
        return None
    if a.birth_dates & b.birth_dates:
        return 2
    if _any(
        a.birth_dates, b.birth_dates, lambda x, y: Levenshtein.distance(x, y) <= 1 or _swapped(x, y)
    ):
        return 1
    return 0


def phone_level(a: Profile, b: Profile) -> int | None:
    if not a.phones or not b.phones:
        return None
    return 1 if a.phones & b.phones else 0


def street_level(a: Profile, b: Profile) -> int | None:
    if not a.streets or not b.streets:
        return None
    if a.streets & b.streets:
        return 2
    if _any(
        a.streets, b.streets,
        lambda x, y: (min(len(x), len(y)) >= 4 and (x in y or y in x)) or fuzz.ratio(x, y) >= 90,
    ):  # fmt: skip
        return 1
    return 0


LEVELS = {
    NAME: name_level,
    DOCUMENT: document_level,
    BIRTH: birth_level,
    PHONE: phone_level,
    STREET: street_level,
}


def levels(a: Profile, b: Profile) -> dict[str, int | None]:
    return {attribute: level(a, b) for attribute, level in LEVELS.items()}


def guard(a: Profile, b: Profile, found: dict[str, int | None], namesakes: int = 0) -> str | None:
    """Why the pair must never be merged automatically, or None. `namesakes`: how many distinct
    valid resident IDs the base holds under the pair's name and birth date."""
    if a.genders and b.genders and not a.genders & b.genders:
        return "different genders"
    valid_a, valid_b = a.valid_resident_ids(), b.valid_resident_ids()
    if valid_a and valid_b and not valid_a & valid_b:
        return "different valid resident IDs"
    if found[DOCUMENT] == 3 and found[NAME] == 0:
        return "one document, different names"
    if found[BIRTH] == 0:
        return "different birth dates"
    if not found[NAME] and found[DOCUMENT] != 3:
        return "names differ or are unknown, and no document is shared"
    if not any(found[a] for a in (DOCUMENT, PHONE, STREET)) and (
        namesakes > 1 or found[PHONE] == 0 or found[STREET] == 0
    ):
        return "nothing but a name and birth date in common"
    return None


def _values(p: Profile, attribute: str) -> Iterable[str]:
    if attribute == NAME:
        return p.names
    if attribute == DOCUMENT:
        return (f"{k}:{n}" for k, ns in p.documents.items() for n in ns)
    if attribute == BIRTH:
        return p.birth_dates
    if attribute == PHONE:
        return p.phones
    return p.streets


@dataclass(frozen=True)
class Comparison:
    levels: dict[str, int | None]
    weight: float
    probability: float
    guard: str | None

    def agreed(self) -> list[str]:
        return [SHOWN_AS[a] for a, lv in self.levels.items() if lv]

    def differed(self) -> list[str]:
        return [SHOWN_AS[a] for a, lv in self.levels.items() if lv == 0]


class Model:
    """The Fellegi-Sunter model of one base: u probabilities and value frequencies from it."""

    def __init__(self, profiles: Sequence[Profile], *, seed: int = 13) -> None:
        self.size = max(len(profiles), 2)
        self.frequency: dict[str, Counter[str]] = {a: Counter() for a in ATTRIBUTES}
        for p in profiles:
            for attribute in ATTRIBUTES:
                self.frequency[attribute].update(set(_values(p, attribute)))
        counts = {a: Counter() for a in ATTRIBUTES}  # type: dict[str, Counter[int]]
        rng = random.Random(seed)
        pairs = min(RANDOM_PAIRS, len(profiles) * (len(profiles) - 1) // 2)
        for _ in range(pairs):
            a, b = rng.sample(range(len(profiles)), 2)
            for attribute, level in levels(profiles[a], profiles[b]).items():
                if level is not None:
                    counts[attribute][level] += 1
        self.u: dict[str, dict[int, float]] = {}
        for attribute, m in M.items():
            seen = sum(counts[attribute].values())
            self.u[attribute] = {
                level: (counts[attribute][level] + 0.5) / (seen + 0.5 * len(m)) for level in m
            }
        self.prior = math.log2(2 / self.size)
        self.namesakes: dict[str, set[str]] = {}
        for p in profiles:
            valid = p.valid_resident_ids()
            if valid:
                for key in _namesake_keys(p):
                    self.namesakes.setdefault(key, set()).update(valid)

    def _tf(self, a: Profile, b: Profile, attribute: str) -> float:
        shared = set(_values(a, attribute)) & set(_values(b, attribute))
        count = min((self.frequency[attribute][v] for v in shared), default=1)
        return max(count, 1) / self.size

    def compare(self, a: Profile, b: Profile) -> Comparison:
        found = levels(a, b)
        weight = 0.0
        for attribute, level in found.items():
            if level is None:
                continue
            m = M[attribute][level]
            u = self._tf(a, b, attribute) if level == EQUAL[attribute] else self.u[attribute][level]
            weight += math.log2(m / max(u, 1e-9))
        score = weight + self.prior
        probability = 1.0 / (1.0 + 2.0 ** (-score)) if score > -60 else 0.0
        shared = _namesake_keys(a) & _namesake_keys(b)
        namesakes = max((len(self.namesakes.get(k, ())) for k in shared), default=0)
        return Comparison(found, weight, probability, guard(a, b, found, namesakes))


def _namesake_keys(p: Profile) -> set[str]:
    return {f"{s}:{birth}" for s in p.sounds for birth in p.birth_dates}


def blocking_keys(p: Profile) -> set[str]:
    keys = set()
    for kind, numbers in p.documents.items():
        for n in numbers:
            keys.add(f"d:{n}")
            if len(n) >= 8:
                keys.add(f"s:{kind}:{''.join(sorted(n))}")
    keys.update(f"p:{phone}" for phone in p.phones)
    for birth in p.birth_dates:
        keys.update(f"nb:{n}:{birth}" for n in p.names)
        keys.update(f"sb:{s}:{birth}" for s in p.sounds)
        keys.update(f"wb:{w}:{birth}" for w in p.word_sets if w)
    for street in p.streets:
        keys.update(f"ns:{n}:{street}" for n in p.names)
    if p.type == "ORGANIZATION":
        keys.update(f"n:{n}" for n in p.names)
    return keys


def candidate_pairs(profiles: Sequence[Profile]) -> tuple[set[tuple[int, int]], int]:
    """Index pairs sharing a blocking key, and how many blocks were too large to use."""
    blocks: dict[str, list[int]] = {}
    for i, p in enumerate(profiles):
        for key in blocking_keys(p):
            blocks.setdefault(f"{p.type}|{key}", []).append(i)
    pairs: set[tuple[int, int]] = set()
    skipped = 0
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) > MAX_BLOCK:
            skipped += 1
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    return pairs, skipped
