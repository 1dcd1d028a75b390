"""Property tests of the corrections: each is idempotent, and none turns a valid value invalid
(resident IDs, e-mail addresses, phone numbers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_core.quality.areas import every_area
from customer_core.quality.emails import email_problem, normalize_email
from customer_core.quality.phones import normalize_phone
from customer_core.quality.resident_ids import check_character, resident_id_problem
from customer_core.quality.text import compact, half_width, tidy_identifier, tidy_spaces

# No example database: nothing is written into the working tree.
FAST = settings(max_examples=100, deadline=None, database=None)
CODES = [area.code for area in every_area()]
# Text as it arrives: ASCII, its full-width forms, Chinese, and every kind of space.
SPACES = " \t\n\u00a0\u2002\u2003\u2009\u3000\u200b\ufeff"
MESSY = st.text(
    st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.sampled_from(SPACES),
        st.characters(),
    ),
    max_size=40,
)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    body = (
        draw(st.sampled_from(CODES)) + born.strftime("%Y%m%d") + f"{draw(st.integers(0, 999)):03d}"
    )
    return body + check_character(body)


@st.composite
def as_typed(draw: st.DrawFn, value: str) -> str:
    """`value` as a person might type it: some characters full-width, spaces in between, a
    lower-case x."""
    out = []
    for ch in value:
        if draw(st.booleans()) and 0x21 <= ord(ch) <= 0x7E:
            ch = chr(ord(ch) + 0xFEE0)
        if ch in "Xx" and draw(st.booleans()):
            ch = "x"
        out.append(ch + draw(st.sampled_from(["", "", " ", "\u3000", "\u00a0"])))
    return draw(st.sampled_from(["", " ", "\t"])) + "".join(out)


CORRECTIONS: list[Callable[[str], str]] = [half_width, tidy_spaces, compact, tidy_identifier]


@pytest.mark.parametrize("correct", CORRECTIONS, ids=lambda f: f.__name__)
@FAST
@given(text=MESSY)
def test_each_correction_is_idempotent(correct: Callable[[str], str], text: str) -> None:
    once = correct(text)
    assert correct(once) == once


@FAST
@given(text=MESSY)
def test_corrections_leave_no_full_width_ascii_and_no_odd_spaces(text: str) -> None:
    assert not any(0xFF01 <= ord(ch) <= 0xFF5E or ch == "\u3000" for ch in half_width(text))
    tidy = tidy_spaces(text)
    assert tidy == tidy.strip() and "  " not in tidy
    assert all(ch == " " or not ch.isspace() for ch in tidy)
    assert not any(ch.isspace() for ch in compact(text))


@FAST
@given(number=resident_ids())
def test_tidying_a_valid_resident_id_keeps_it_valid_and_unchanged(number: str) -> None:
    assert resident_id_problem(number) is None
    assert tidy_identifier(number) == number
    assert half_width(number) == number and tidy_spaces(number) == number


@FAST
@given(data=st.data(), number=resident_ids())
def test_a_resident_id_as_typed_is_tidied_back_to_itself(data: st.DataObject, number: str) -> None:
    typed = data.draw(as_typed(number))
    assert tidy_identifier(typed) == number


@FAST
@given(address=st.emails())
def test_normalizing_a_valid_email_keeps_it_valid_and_is_idempotent(address: str) -> None:
    if email_problem(address) is not None:
        return  # hypothesis' grammar allows forms email-validator refuses (special-use domains)
    stored = normalize_email(address)
    assert stored is not None and email_problem(stored) is None
    assert normalize_email(stored) == stored


REGIONS = ["CN", "HK", "MO", "TW", "US", "GB", "SG", "JP", "DE", "AU"]
TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


@st.composite
def valid_phones(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    """A valid number: a region's example number with its last digits varied (kept only if still
    valid, else the example itself)."""
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(TYPES)))
    assert example is not None
    national = str(example.national_number)
    tail = draw(st.integers(0, 999))
    varied = phonenumbers.parse(f"+{example.country_code}{national[:-3]}{tail:03d}")
    return varied if phonenumbers.is_valid_number(varied) else example


@FAST
@given(number=valid_phones())
def test_an_e164_number_normalizes_to_itself_in_any_written_form(
    number: phonenumbers.PhoneNumber,
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert normalize_phone(e164).e164 == e164
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert normalize_phone(international, "CN").e164 == e164
    region = phonenumbers.region_code_for_number(number)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    assert normalize_phone(national, region).e164 == e164
    assert normalize_phone(tidy_spaces(half_width(e164))).e164 == e164


def test_the_corrections_on_what_forms_and_scans_send() -> None:
    assert half_width("ＡＢＣ１２３，") == "ABC123,"  # noqa: RUF001
    assert tidy_spaces("\u3000张\u00a0\u00a0三丰 \u200b") == "张 三丰"
    assert compact("138 0013\u30008000") == "13800138000"
    assert tidy_identifier(" 11010519491231002x ") == "11010519491231002X"
    assert tidy_identifier("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"  # noqa: RUF001
    assert tidy_identifier("南字第 3734246 号") == "南字第3734246号"
