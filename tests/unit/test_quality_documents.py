"""The forms of other identity documents' numbers, including a military officer's ID written
with Chinese characters."""

from __future__ import annotations

import pytest

from customer_core.quality.documents import KINDS, document_problem, is_prc_passport
from customer_core.quality.resident_ids import check_character

VALID = [
    ("passport", "E12345678", "CHN"),
    ("passport", "EA1234567", "CN"),
    ("passport", "G12345678", "CHN"),
    ("passport", "DE1234567", "CHN"),
    ("passport", "533380006", "USA"),
    ("passport", "K1234567", None),
    ("hk_macao_permit", "H12345678", None),
    ("hk_macao_permit", "M1234567801", None),
    ("hk_macao_pass", "C12345678", None),
    ("hk_macao_pass", "CA1234567", None),
    ("taiwan_permit", "12345678", None),
    ("foreign_permanent_resident", "USA110081231001", None),
    (
        "foreign_permanent_resident",
        "93184019850315001" + check_character("93184019850315001"),
        None,
    ),
    ("military_id", "南字第3734246号", None),
    ("military_id", "军字第0012345号", None),
    ("resident_id", "11010519491231002X", None),
]
INVALID = [
    ("passport", "E1234567", "CHN"),
    ("passport", "EI1234567", "CHN"),  # no I in the series letters
    ("passport", "K1234567", "CHN"),
    ("passport", "ZHANGSAN", None),  # a name in the number field
    ("passport", "E12", None),
    ("hk_macao_permit", "H1234567", None),
    ("hk_macao_permit", "X12345678", None),
    ("hk_macao_pass", "D12345678", None),
    ("taiwan_permit", "1234567", None),
    ("foreign_permanent_resident", "931840198503150010", None),  # wrong check character
    ("foreign_permanent_resident", "US110081231001", None),
    ("military_id", "南字第号", None),
    ("military_id", "第3734246号", None),
    ("resident_id", "110105194912310021", None),
]


@pytest.mark.parametrize(("kind", "number", "country"), VALID, ids=[v[1] for v in VALID])
def test_well_formed_numbers_are_accepted(kind: str, number: str, country: str | None) -> None:
    assert document_problem(kind, number, country=country) is None


@pytest.mark.parametrize(("kind", "number", "country"), INVALID, ids=[v[1] for v in INVALID])
def test_malformed_numbers_are_refused_without_quoting_them(
    kind: str, number: str, country: str | None
) -> None:
    problem = document_problem(kind, number, country=country)
    assert problem is not None and number not in problem


def test_every_kind_is_known_and_an_unknown_one_is_a_programming_error() -> None:
    assert {kind for kind, _, _ in VALID} == KINDS
    with pytest.raises(ValueError, match="unknown document kind"):
        document_problem("library_card", "123")


def test_prc_passports_are_told_from_others() -> None:
    assert is_prc_passport("E12345678") and not is_prc_passport("533380006")
