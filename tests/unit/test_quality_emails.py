"""E-mail address syntax and its stored form."""

from __future__ import annotations

import pytest

from customer_core.quality.emails import email_problem, normalize_email


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("zhang.san@Example.COM", "zhang.san@example.com"),
        ("  li.si@bank.cn ", "li.si@bank.cn"),
        ("Wang+alerts@mail.bank.com.cn", "Wang+alerts@mail.bank.com.cn"),
        ("用户@例子.中国", "用户@例子.中国"),
    ],
)
def test_well_formed_addresses_are_stored_with_the_domain_lower_cased(
    address: str, stored: str
) -> None:
    assert normalize_email(address) == stored
    assert email_problem(stored) is None


@pytest.mark.parametrize(
    "address", ["zhang.san", "zhang san@example.com", "a@b", "@example.com", "a@@example.com"]
)
def test_malformed_addresses_are_refused(address: str) -> None:
    assert email_problem(address) is not None
    assert normalize_email(address) is None
