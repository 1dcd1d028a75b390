"""Resident ID numbers (GB 11643) against the published examples, and no false rejection over
10,000 valid numbers generated across current and abolished area codes, in 15- and 18-digit form."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from customer_core.plugin.checks import mod11_2_check
from customer_core.quality import areas
from customer_core.quality.resident_ids import (
    ResidentIdFacts,
    check_character,
    facts,
    resident_id_problem,
    upgrade_15,
)

TODAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "440524188001010014", "34052419800101001X"]
)
def test_the_published_examples_have_the_right_check_character(number: str) -> None:
    assert check_character(number[:17]) == number[17]


def test_the_check_character_is_the_plugin_contracts_one() -> None:
    rng = random.Random(7)
    for _ in range(500):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        assert check_character(body) == mod11_2_check(body)


def test_the_standards_example_is_valid() -> None:
    assert resident_id_problem("11010519491231002X", today=TODAY) is None


def test_a_number_born_before_1900_is_refused() -> None:
    # GB 11643's own example is born in 1880: well-formed, but no living customer.
    problem = resident_id_problem("440524188001010014", today=TODAY)
    assert problem is not None and "1900" in problem


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("11010519491231002", "17 digits"),
        ("11010519491231002x", "17 digits"),  # lower-case: text.tidy_identifier corrects it
        ("110105491231002", "15-digit"),
        ("110105194912310021", "check character"),
        ("11010519490230002" + check_character("11010519490230002"), "not a real date"),
    ],
)
def test_malformed_numbers_are_refused_and_the_message_never_quotes_them(
    number: str, words: str
) -> None:
    problem = resident_id_problem(number, today=TODAY)
    assert problem is not None and words in problem
    assert number not in problem and number[:6] not in problem


def test_a_birth_date_in_the_future_is_refused() -> None:
    body = "11010520300101002"
    problem = resident_id_problem(body + check_character(body), today=TODAY)
    assert problem is not None and "future" in problem


def with_check(body: str) -> str:
    return body + check_character(body)


def test_a_district_abolished_in_2010_still_prefixes_valid_numbers() -> None:
    chongwen = areas.area("110103")
    assert chongwen is not None and chongwen.name == "崇文区" and not chongwen.current
    assert resident_id_problem(with_check("11010319750315123"), today=TODAY) is None
    assert resident_id_problem(with_check("11010419620708221"), today=TODAY) is None  # 宣武区


@pytest.mark.parametrize("prefix", ["999999", "000000", "110199", "710199"])
def test_a_prefix_that_never_existed_is_refused(prefix: str) -> None:
    problem = resident_id_problem(with_check(prefix + "19800101001"), today=TODAY)
    assert problem is not None and "area code" in problem


def random_numbers(count: int, seed: int) -> list[str]:
    """Valid numbers over every code that exists or existed: a third issued as 15 digits (born
    1900-1999) and upgraded, the rest 18 characters born 1900 to TODAY."""
    rng = random.Random(seed)
    codes = [area.code for area in areas.every_area()]
    span = (TODAY - date(1900, 1, 1)).days
    numbers = []
    for i in range(count):
        code = rng.choice(codes)
        sequence = f"{rng.randrange(1000):03d}"
        if i % 3 == 0:
            born = date(1900, 1, 1) + timedelta(days=rng.randrange(36524))
            upgraded = upgrade_15(code + born.strftime("%y%m%d") + sequence)
            assert upgraded is not None
            numbers.append(upgraded)
        else:
            born = date(1900, 1, 1) + timedelta(days=rng.randrange(span + 1))
            numbers.append(with_check(code + born.strftime("%Y%m%d") + sequence))
    return numbers


def test_no_false_rejection_over_ten_thousand_valid_numbers() -> None:
    numbers = random_numbers(10_000, seed=11643)
    prefixes = {number[:6] for number in numbers}
    abolished = {code for code in prefixes if not areas.area(code).current}  # type: ignore[union-attr]
    assert len(abolished) > 1000 and len(prefixes) - len(abolished) > 1000
    rejected = [n for n in numbers if resident_id_problem(n, today=TODAY) is not None]
    assert rejected == []


def test_every_corrupted_check_character_and_single_digit_is_caught() -> None:
    for number in random_numbers(300, seed=2260):
        for wrong in "0123456789X":
            if wrong != number[17]:
                assert resident_id_problem(number[:17] + wrong, today=TODAY) is not None
        for i in range(17):
            digit = str((int(number[i]) + 1 + i % 9) % 10)
            assert resident_id_problem(number[:i] + digit + number[i + 1 :], today=TODAY)


def test_a_15_digit_number_is_upgraded_with_19_and_a_check_character() -> None:
    assert upgrade_15("110105491231002") == "11010519491231002X"
    assert upgrade_15("11010549123100") is None  # 14 digits
    assert upgrade_15("110105490230002") is None  # 30 February
    assert upgrade_15("11010549123100X") is None


def test_the_facts_of_a_number_complete_a_record() -> None:
    assert facts("11010519491231002X") == ResidentIdFacts(date(1949, 12, 31), "F", "110105")
    assert facts("110105491231002") == ResidentIdFacts(date(1949, 12, 31), "F", "110105")
    assert facts(with_check("44030519900101001")) == ResidentIdFacts(
        date(1990, 1, 1), "M", "440305"
    )
    assert facts("110105194912310021") is None  # wrong check character
    assert facts("not a number") is None
