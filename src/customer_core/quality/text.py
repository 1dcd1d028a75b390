"""Corrections of text as it arrives from forms, scans and mobile apps: full-width characters,
Unicode spaces, stray spaces, a lower-case check character.

Each is idempotent (applying it twice is applying it once) and leaves a well-formed value as it
is, so a plugin may apply them on every write without ever turning a valid value invalid.
"""

from __future__ import annotations

import re

__all__ = ["compact", "half_width", "tidy_identifier", "tidy_spaces"]

# U+FF01..U+FF5E are the full-width forms of ASCII 0x21..0x7E; U+3000 is the ideographic space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Characters that show as nothing but break comparisons: zero-width spaces and joiners, the BOM.
_INVISIBLE = dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF))
# Every Unicode space (no-break, en, em, thin, ideographic, ...), tabs and line breaks.
_SPACES = re.compile(r"\s+")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def half_width(text: str) -> str:
    """`text` with full-width ASCII letters, digits and punctuation (U+FF01 to U+FF5E) and the
    ideographic space (U+3000) in their ASCII forms."""
    return text.translate(_HALF_WIDTH)


def tidy_spaces(text: str) -> str:
    """`text` trimmed, with each run of spaces of any kind as one ASCII space, and the
    zero-width characters removed: for names and address lines."""
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


def compact(text: str) -> str:
    """`text` with no spaces of any kind at all: for numbers typed in groups (`1380 013 8000`)."""
    return _SPACES.sub("", text.translate(_INVISIBLE))


def tidy_identifier(text: str) -> str:
    """An identifier as stored: half-width, without spaces, ASCII letters upper-cased (so a
    resident ID's check character `x` becomes `X`). Chinese characters, as in a military
    officer's ID (南字第3734246号), are kept."""
    return compact(half_width(text)).translate(_ASCII_UPPER)
