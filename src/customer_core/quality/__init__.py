"""The built-in data-quality rules: checks, corrections and completions of customer data.

Pure functions over values, for the subject-model plugins' hooks to call: they import nothing of
the kernel (only the standard library and a few libraries), so any plugin may use them.

- `areas`: GB/T 2260 division codes, current and abolished; `addresses`: the divisions named in
  an address line.
- `resident_ids`: PRC resident ID numbers; `documents`: the other identity documents.
- `phones`, `emails`: contact details into one stored form.
- `names`: pinyin of Chinese names, romanised names; `text`: full-width and space corrections.
"""

from __future__ import annotations

from customer_core.quality.addresses import Divisions, divisions_of
from customer_core.quality.areas import Area, area, area_exists, every_area, name_index
from customer_core.quality.documents import KINDS, document_problem, is_prc_passport
from customer_core.quality.emails import email_problem, normalize_email
from customer_core.quality.names import is_chinese, looks_romanised, pinyin_of, split_surname
from customer_core.quality.phones import Phone, normalize_phone, region_alpha2
from customer_core.quality.resident_ids import (
    ResidentIdFacts,
    check_character,
    facts,
    resident_id_problem,
    upgrade_15,
)
from customer_core.quality.text import compact, half_width, tidy_identifier, tidy_spaces

__all__ = [
    "KINDS",
    "Area",
    "Divisions",
    "Phone",
    "ResidentIdFacts",
    "area",
    "area_exists",
    "check_character",
    "compact",
    "divisions_of",
    "document_problem",
    "email_problem",
    "every_area",
    "facts",
    "half_width",
    "is_chinese",
    "is_prc_passport",
    "looks_romanised",
    "name_index",
    "normalize_email",
    "normalize_phone",
    "pinyin_of",
    "region_alpha2",
    "resident_id_problem",
    "split_surname",
    "tidy_identifier",
    "tidy_spaces",
    "upgrade_15",
]
