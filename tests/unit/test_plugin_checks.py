"""The plugin contract's shared checks against the standards' published examples, valid and
corrupted: GB 11643 / ISO 7064 MOD 11-2, GB 32100 (USCC) and GB 11714 (organization code)."""

from __future__ import annotations

from datetime import date

import pytest

from customer_core.plugin.checks import (
    mod11_2_check,
    organization_code_problem,
    parse_iso_date,
    uscc_problem,
)

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize(
    ("body", "check"),
    [("11010519491231002", "X"), ("44052418800101001", "4"), ("34052419800101001", "X")],
)
def test_mod11_2_gives_the_published_check_characters(body: str, check: str) -> None:
    assert mod11_2_check(body) == check


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300MA5DC0Q0X1", "12100000400000624D"])
def test_valid_credit_codes_pass_and_every_single_substitution_is_caught(code: str) -> None:
    assert uscc_problem(code) is None
    for i in range(18):
        for c in USCC_CHARSET:
            if c != code[i]:
                corrupted = code[:i] + c + code[i + 1 :]
                assert uscc_problem(corrupted) is not None, corrupted


def test_credit_codes_of_the_wrong_form_are_refused() -> None:
    assert uscc_problem("91350100M000100Y4") is not None  # 17 characters
    assert uscc_problem("91350100M000100I43") is not None  # I is not in the alphabet


@pytest.mark.parametrize("code", ["D2143569X", "M000100Y4", "400000624"])
def test_valid_organization_codes_pass_and_digit_errors_are_caught(code: str) -> None:
    """A digit mistyped as another digit, or two different adjacent digits swapped, always
    changes the weighted sum modulo 11 (letters count 10 to 35, so a letter for a digit may not)."""
    assert organization_code_problem(code) is None
    for i in range(9):
        if not code[i].isdigit():
            continue
        for c in "0123456789":
            if c != code[i]:
                corrupted = code[:i] + c + code[i + 1 :]
                assert organization_code_problem(corrupted) is not None, corrupted
    for i in range(7):
        a, b = code[i], code[i + 1]
        if a.isdigit() and b.isdigit() and a != b:
            swapped = code[:i] + b + a + code[i + 2 :]
            assert organization_code_problem(swapped) is not None, swapped


def test_dates_must_exist() -> None:
    assert parse_iso_date("2024-02-29") == date(2024, 2, 29)
    assert parse_iso_date("2023-02-29") is None
    assert parse_iso_date("2023-2-28") is None


def test_date_issues_name_unreal_future_and_backwards_dates() -> None:
    from datetime import timedelta

    from customer_core_risk.v1.risk_pb2 import AmlAssessment

    from customer_core.plugin.checks import date_issues

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    spans = (("assessed_on", "next_review"),)
    issues = date_issues("R", AmlAssessment(assessed_on=tomorrow), "aml", events=("assessed_on",))
    assert [(i.rule, i.field, i.message) for i in issues] == [
        ("R", "aml.assessed_on", "is in the future")
    ]
    backwards = AmlAssessment(assessed_on="2026-06-01", next_review="2026-05-01")
    assert [i.field for i in date_issues("R", backwards, "aml", spans=spans)] == ["aml.next_review"]
    unreal = AmlAssessment(assessed_on="2026-02-30")
    assert [i.message for i in date_issues("R", unreal, "aml", spans=spans)] == [
        "'2026-02-30' is not a real date"
    ]
    assert date_issues("R", AmlAssessment(), "aml", events=("assessed_on",), spans=spans) == []
