"""The forms of identity document numbers other than the resident ID: passports, the permits of
Hong Kong, Macao and Taiwan residents, the foreign permanent resident ID card, a military
officer's ID.

Only the form is checked (and a check character where the document has one): issuing
authorities change series now and then, and a false rejection stops a real customer, so each
pattern errs on the side of accepting. Numbers are to be tidied first
(`customer_core.quality.text.tidy_identifier`).
"""

from __future__ import annotations

import re

from customer_core.quality.resident_ids import check_character, resident_id_problem

__all__ = ["KINDS", "document_problem", "is_prc_passport"]

# PRC passports: ordinary E + 8 digits (from 2012; E + a letter other than I or O + 7 digits
# once E00000001-E99999999 ran out), G + 8 digits (before 2012); diplomatic, service and
# public-affairs ones D, S, P (DE, SE, PE) + 7 or 8 digits.
_PRC_PASSPORT = re.compile(r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|(?:D|S|P)E?[0-9]{7,8}")
# Any country's: ICAO 9303 allows up to 9 characters in the machine-readable zone, some
# countries print more; at least one digit, so a name typed into the field is caught.
_PASSPORT = re.compile(r"(?=[A-Z]*[0-9])[A-Z0-9]{5,17}")
# 港澳居民来往内地通行证: H (Hong Kong) or M (Macao), 8 digits, and on the older card 2 more (the
# number of times it was issued).
_HK_MACAO_PERMIT = re.compile(r"[HM](?:[0-9]{8}|[0-9]{10})")
# 往来港澳通行证 of mainland residents: C + 8 digits or letters (the card), W + 8 digits (booklet).
_HK_MACAO_PASS = re.compile(r"C[0-9A-Z]{8}|W[0-9]{8}")
# 台湾居民来往大陆通行证: 8 digits.
_TAIWAN_PERMIT = re.compile(r"[0-9]{8}")
# 外国人永久居留身份证: before December 2023 three letters (the ISO 3166 alpha-3 nationality)
# and 12 digits; since, 18 characters laid out like a resident ID's, starting with 9 (province
# of issue, ISO 3166 numeric nationality, birth date, sequence, MOD 11-2 check character).
_FOREIGN_PR_OLD = re.compile(r"[A-Z]{3}[0-9]{12}")
_FOREIGN_PR_NEW = re.compile(r"9[0-9]{16}[0-9X]")
# 军官证 and the like: "南字第3734246号" (the issuing command's character, 字第, digits, 号),
# or plain digits and letters.
_MILITARY_ID = re.compile(r"[\u4e00-\u9fff]{1,4}字第[0-9]{3,10}号|[0-9A-Z]{6,12}")

KINDS = frozenset(
    {
        "resident_id",
        "passport",
        "hk_macao_permit",
        "hk_macao_pass",
        "taiwan_permit",
        "foreign_permanent_resident",
        "military_id",
    }
)


def is_prc_passport(number: str) -> bool:
    """Whether `number` has the form of a passport of the People's Republic of China."""
    return _PRC_PASSPORT.fullmatch(number) is not None


def document_problem(kind: str, number: str, *, country: str | None = None) -> str | None:
    """Why `number` is not a well-formed number of a document of `kind` (one of `KINDS`), or None
    if it is. For a passport, `country` "CN" or "CHN" asks for the PRC forms. The messages never
    quote the number."""
    if kind == "resident_id":
        return resident_id_problem(number)
    if kind == "passport":
        if country in ("CN", "CHN"):
            if is_prc_passport(number):
                return None
            return "must be a PRC passport number (E or G and 8 digits, or E, a letter, 7 digits)"
        if _PASSPORT.fullmatch(number):
            return None
        return "must be 5 to 17 letters and digits, with at least one digit"
    if kind == "hk_macao_permit":
        if _HK_MACAO_PERMIT.fullmatch(number):
            return None
        return "must be H or M followed by 8 (or, on older permits, 10) digits"
    if kind == "hk_macao_pass":
        if _HK_MACAO_PASS.fullmatch(number):
            return None
        return "must be C followed by 8 digits or letters (or W and 8 digits)"
    if kind == "taiwan_permit":
        return None if _TAIWAN_PERMIT.fullmatch(number) else "must be 8 digits"
    if kind == "foreign_permanent_resident":
        return _foreign_permanent_resident_problem(number)
    if kind == "military_id":
        if _MILITARY_ID.fullmatch(number):
            return None
        return "must be the issuer's character, 字第, digits and 号, or 6 to 12 digits and letters"
    raise ValueError(f"unknown document kind {kind!r}; expected one of {sorted(KINDS)}")


def _foreign_permanent_resident_problem(number: str) -> str | None:
    if _FOREIGN_PR_OLD.fullmatch(number):
        return None
    if not _FOREIGN_PR_NEW.fullmatch(number):
        return "must be 18 characters starting with 9, or (before 2023) 3 letters and 12 digits"
    if number[17] != check_character(number[:17]):
        return "the check character of the permanent resident ID number does not match"
    return None
