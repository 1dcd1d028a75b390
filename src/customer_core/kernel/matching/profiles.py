"""What the end-of-day comparison knows of a customer: its match-key attributes, normalized and
folded (`keys.fold`), with the variants blocking and fuzzy comparison use (pinyin, sorted digits,
name tokens). Built in memory from records decrypted in memory; never written anywhere.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from google.protobuf.message import Message
from pypinyin import lazy_pinyin

from customer_core.kernel.matching.keys import fold, usable, values_at
from customer_core.kernel.matching.policy import Policy
from customer_core.quality.names import is_chinese, pinyin_of, split_surname
from customer_core.quality.resident_ids import resident_id_problem

RESIDENT_ID = "ID_TYPE_RESIDENT_ID_CARD"

#: Where each attribute of the comparison is read from: (subject, path).
NAME_FIELDS = (("individual", "name"), ("organization", "legal_name"))
PINYIN_FIELDS = (("individual", "pinyin_name"),)
BIRTH_FIELD = ("individual", "birth_date")
GENDER_FIELD = ("individual", "gender")
PHONE_FIELD = ("contact", "phone.number")
STREET_FIELD = ("contact", "address.street")
#: People an organization's records name by identity document, for relationship discovery:
#: (subject, path of the person, the relationship kind they would be linked as); a path's
#: `kind` and `title` fields, where it has them, override the default kind and give the title.
PARTY_FIELDS = (
    ("organization", "legal_representative", "RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE"),
    ("relationship", "outside_party", ""),
)
ORG_CODES = (
    "unified_social_credit_code",
    "organization_code",
    "registration_number",
    "business_licence_number",
    "loan_card_number",
    "national_tax_registration_number",
    "local_tax_registration_number",
    "account_opening_permit_number",
)


@dataclass
class Profile:
    """One customer as the comparison sees it."""

    customer_id: uuid.UUID
    customer_number: str
    type: str
    create_time: datetime
    names: set[str] = field(default_factory=set)
    #: Pinyin of the Chinese names, and romanised names, without spaces: homophones and
    #: romanised forms meet here.
    sounds: set[str] = field(default_factory=set)
    #: Each name's words, sorted: foreign names written in another order meet here.
    word_sets: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)
    genders: set[str] = field(default_factory=set)
    #: Documents by type: numbers.
    documents: dict[str, set[str]] = field(default_factory=dict)
    phones: set[str] = field(default_factory=set)
    streets: set[str] = field(default_factory=set)
    #: Surnames of Chinese names (a compound one whole): family discovery.
    surnames: set[str] = field(default_factory=set)
    #: People the customer's records name by document: (kind, title, folded document number).
    parties: set[tuple[str, str, str]] = field(default_factory=set)

    def valid_resident_ids(self) -> set[str]:
        return {n for n in self.documents.get(RESIDENT_ID, ()) if resident_id_problem(n) is None}


def _first(message: Message, path: str) -> list[str]:
    return values_at(message, path)


def _words(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).upper().replace("·", " ").replace(".", " ")
    return " ".join(sorted(w for w in text.replace(",", " ").split() if w))


def profile_of(
    policy: Policy,
    customer_id: uuid.UUID,
    customer_number: str,
    customer_type: str,
    create_time: datetime,
    records: Iterable[tuple[str, Message]],
) -> Profile:
    """A customer's profile from its (subject, message) records in clear."""
    p = Profile(customer_id, customer_number, customer_type, create_time)
    for subject, message in records:
        if not usable(policy, subject, message):
            continue
        for s, path in NAME_FIELDS:
            if s == subject:
                for name in _first(message, path):
                    p.names.add(fold(name))
                    p.word_sets.add(_words(name))
                    if is_chinese(fold(name)):
                        if subject == "individual":
                            p.surnames.add(split_surname(fold(name))[0])
                        # The name's reading (曾 as a surname: ZENG), and each character's
                        # commonest one (CENG), as a clerk romanising it may have used.
                        p.sounds.add(fold(pinyin_of(fold(name))))
                        p.sounds.add("".join(lazy_pinyin(fold(name), errors="ignore")).upper())
                    else:
                        p.sounds.add(fold(name))
        for s, path in PINYIN_FIELDS:
            if s == subject:
                p.sounds.update(fold(v) for v in _first(message, path))
        if subject == BIRTH_FIELD[0]:
            p.birth_dates.update(_first(message, BIRTH_FIELD[1]))
            p.genders.update(_first(message, GENDER_FIELD[1]))
        if subject == "identification":
            kinds = _first(message, "id_type") or ["ID_TYPE_UNSPECIFIED"]
            for number in _first(message, "id_number"):
                p.documents.setdefault(kinds[0], set()).add(fold(number))
        if subject == "organization":
            for code in ORG_CODES:
                for value in _first(message, code):
                    p.documents.setdefault(code, set()).add(fold(value))
        if subject == PHONE_FIELD[0]:
            p.phones.update(fold(v) for v in _first(message, PHONE_FIELD[1]))
            p.streets.update(fold(v) for v in _first(message, STREET_FIELD[1]))
        for s, path, kind in PARTY_FIELDS:
            if s == subject:
                kinds = _first(message, "kind") if not kind else [kind]
                title = "".join(_first(message, "title")).strip()
                for number in _first(message, f"{path}.id_number"):
                    p.parties.update((k, title, fold(number)) for k in kinds)
    p.sounds.discard("")
    p.genders.discard("GENDER_UNSPECIFIED")
    return p
