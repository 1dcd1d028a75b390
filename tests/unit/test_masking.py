"""Masked values show what a teller may see and nothing more."""

from __future__ import annotations

import pytest

from customer_core.authz.masking import mask, valid_rule


@pytest.mark.parametrize(
    ("value", "rule", "shown"),
    [
        ("11010519491231002X", "6,4", "110105********002X"),
        ("+8613800138000", "6,4", "+86138****8000"),
        ("zhang.san@example.com", "email", "z********@example.com"),
        ("No. 1 Chang'an Avenue", "4,0", "No. *****************"),
        ("6222021234567890", "", "************7890"),
        ("12345678", "", "********"),
        ("AB", "6,4", "A*"),
        ("not-an-email", "email", "************"),
        ("", "6,4", ""),
    ],
    ids=[
        "id-card",
        "phone",
        "email",
        "street",
        "default-long",
        "default-short",
        "too-short",
        "bad-email",
        "empty",
    ],
)
def test_mask_keeps_only_what_the_rule_allows(value: str, rule: str, shown: str) -> None:
    masked = mask(value, rule)
    assert masked == shown
    assert len(masked) == len(value)


@pytest.mark.parametrize(
    ("rule", "valid"), [("6,4", True), ("email", True), ("", True), ("6", False), ("x,y", False)]
)
def test_rules_are_validated(rule: str, valid: bool) -> None:
    assert valid_rule(rule) is valid
