"""Phone numbers as people write them, into E.164."""

from __future__ import annotations

import pytest

from customer_core.quality.phones import normalize_phone, region_alpha2


@pytest.mark.parametrize(
    ("raw", "region", "e164", "where", "mainland_mobile"),
    [
        ("138-0013-8000", "CN", "+8613800138000", "CN", True),
        ("+86 138 0013 8000", "CN", "+8613800138000", "CN", True),
        ("8613800138000", "CN", "+8613800138000", "CN", True),
        ("13800138000", "CHN", "+8613800138000", "CN", True),
        ("9123 4567", "HK", "+85291234567", "HK", False),
        ("91234567", "HKG", "+85291234567", "HK", False),
        ("852-9123 4567", "CN", "+85291234567", "HK", False),
        ("010-12345678", "CN", "+861012345678", "CN", False),
        ("(0755) 8888 8888", "CN", "+8675588888888", "CN", False),
        ("+1 650-253-0000", "CN", "+16502530000", "US", False),
    ],
)
def test_written_forms_become_e164(
    raw: str, region: str, e164: str, where: str, mainland_mobile: bool
) -> None:
    phone = normalize_phone(raw, region)
    assert (phone.e164, phone.region, phone.mainland_mobile, phone.problem) == (
        e164,
        where,
        mainland_mobile,
        None,
    )


@pytest.mark.parametrize("raw", ["12345", "not a phone", "", "+86 138 0013 800"])
def test_what_is_not_a_phone_number_says_so(raw: str) -> None:
    phone = normalize_phone(raw)
    assert phone.e164 is None and phone.problem


def test_an_unknown_region_is_a_problem_not_a_crash() -> None:
    phone = normalize_phone("91234567", "XYZ")
    assert phone.e164 is None and phone.problem is not None and "region" in phone.problem


def test_regions_are_read_in_either_iso_form() -> None:
    assert region_alpha2("CHN") == "CN" and region_alpha2("hkg") == "HK"
    assert region_alpha2("MO") == "MO" and region_alpha2("QQQ") is None
