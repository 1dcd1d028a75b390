"""The customer number's check character catches typing mistakes."""

from __future__ import annotations

from customer_core.kernel.customer_number import check_character, new_customer_number, problem


def test_check_character_matches_the_gb_11643_example() -> None:
    # Same ISO 7064 MOD 11-2 scheme as the resident ID card: 11010519491231002X.
    assert check_character("11010519491231002") == "X"


def test_new_numbers_are_valid_and_distinct() -> None:
    numbers = [new_customer_number() for _ in range(2000)]
    assert all(problem(n) is None for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_every_single_character_error_is_caught() -> None:
    number = new_customer_number()
    for i in range(1, 18):
        for ch in "0123456789X":
            typo = number[:i] + ch + number[i + 1 :]
            if typo != number:
                assert problem(typo) is not None, typo


def test_every_adjacent_transposition_is_caught() -> None:
    for number in [new_customer_number() for _ in range(50)]:
        for i in range(17):
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            if swapped != number:
                assert problem(swapped) is not None, swapped


def test_malformed_numbers_say_why() -> None:
    assert "17 digits" in (problem("123") or "")
    assert "17 digits" in (problem("0" + new_customer_number()[1:]) or "")
