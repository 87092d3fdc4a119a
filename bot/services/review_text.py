"""What a member types becomes a review's text: control characters dropped, invisible text refused.

A control character is removed wherever it is (a NUL also cuts the text short for SQLite's
`length()`, so `"\\x00 Great book"` would fail the table's CHECK); newlines and tabs stay, and a
carriage return becomes a newline. Text that draws nothing — spaces, format characters such as
U+200B or U+2060, Hangul fillers, the blank Braille cell, variation selectors — is an empty review;
text with anything visible is kept as typed.
"""

from __future__ import annotations

import unicodedata

from bot.errors import UserFacingError
from bot.models.reviews import MAX_REVIEW

EMPTY = "Your review is empty; write a few words about the book."

_KEPT_CONTROLS = frozenset("\n\t")

# Characters that draw nothing beyond whitespace and format (Cf) characters: Unicode's
# Default_Ignorable_Code_Point ranges (soft hyphen, the combining grapheme joiner, Hangul fillers,
# Khmer inherent vowels, Mongolian and standard variation selectors, tags…) and the blank Braille cell.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def is_blank(char: str) -> bool:
    """True for a character that shows nothing: whitespace, a format character, a filler."""
    if char.isspace() or unicodedata.category(char) == "Cf":
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _INVISIBLE_RANGES)


def without_controls(text: str) -> str:
    """`text` without control characters (newlines and tabs kept, CR as a newline) or lone surrogates."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char for char in text if char in _KEPT_CONTROLS or unicodedata.category(char) not in ("Cc", "Cs")
    )


def clean_body(text: str) -> str:
    """The review text to store, or a UserFacingError for an empty or over-long one."""
    body = without_controls(text).strip()
    if all(is_blank(char) for char in body):
        raise UserFacingError(EMPTY)
    if len(body) > MAX_REVIEW:
        raise UserFacingError(
            f"Your review is {len(body):,} characters; keep it within {MAX_REVIEW:,}. Nothing was saved."
        )
    return body
