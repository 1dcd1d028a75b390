"""Phone numbers as written by people (`138-0013-8000`, `+86 138 0013 8000`, `852-9123 4567`,
`010-12345678`) into one form, E.164, with what kind of number it is.

Built on `phonenumbers` (Google's libphonenumber metadata). The region that a number without a
country code belongs to may be given as ISO 3166 alpha-2 (`HK`) or, as the contact model stores
it, alpha-3 (`HKG`).
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = ["Phone", "normalize_phone", "region_alpha2"]

# The alpha-3 codes the contact model meets most; others can be given as alpha-2.
_ALPHA3 = {
    "CHN": "CN", "HKG": "HK", "MAC": "MO", "TWN": "TW", "USA": "US", "CAN": "CA", "GBR": "GB",
    "AUS": "AU", "NZL": "NZ", "JPN": "JP", "KOR": "KR", "SGP": "SG", "MYS": "MY", "THA": "TH",
    "VNM": "VN", "PHL": "PH", "IDN": "ID", "IND": "IN", "DEU": "DE", "FRA": "FR", "ITA": "IT",
    "ESP": "ES", "NLD": "NL", "CHE": "CH", "RUS": "RU", "ARE": "AE", "BRA": "BR",
}  # fmt: skip
_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number in E.164 form, or why it could not be read as one.

    `e164` is None exactly when `problem` is set.
    """

    e164: str | None
    region: str | None = None
    """ISO 3166 alpha-2 region of the number (`CN`, `HK`), None if not known."""
    mobile: bool = False
    problem: str | None = None

    @property
    def mainland_mobile(self) -> bool:
        """Whether it is a mobile number of mainland China (+86 1xx xxxx xxxx)."""
        return self.mobile and self.region == "CN"


def region_alpha2(region: str) -> str | None:
    """The alpha-2 form of an alpha-2 or alpha-3 region code, None if not one phones know."""
    upper = region.strip().upper()
    alpha2 = _ALPHA3.get(upper, upper)
    return alpha2 if alpha2 in phonenumbers.SUPPORTED_REGIONS else None


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except NumberParseException:
        return None


def normalize_phone(raw: str, default_region: str = "CN") -> Phone:
    """`raw` as an E.164 number, reading a number without a country code as one of
    `default_region`'s (alpha-2 or alpha-3). A number whose digits start with a country code but
    no `+` (`8613800138000`, `852-9123 4567`) is read as international when it is not a valid
    number of the region."""
    region = region_alpha2(default_region)
    if region is None:
        return Phone(None, problem=f"{default_region!r} is not a known region code")
    parsed = _parse(raw, region)
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        digits = "".join(ch for ch in raw if ch.isdigit())
        if digits and not raw.lstrip().startswith("+"):
            international = _parse("+" + digits, region)
            if international is not None and phonenumbers.is_valid_number(international):
                parsed = international
    if parsed is None:
        return Phone(None, problem="is not a phone number")
    if not phonenumbers.is_valid_number(parsed):
        return Phone(None, problem="is not a valid phone number of any region")
    return Phone(
        e164=phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        region=phonenumbers.region_code_for_number(parsed),
        mobile=phonenumbers.number_type(parsed) in _MOBILE,
    )
