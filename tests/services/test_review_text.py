"""What a member types becomes a review's text: controls dropped, text that draws nothing refused."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from bot.errors import UserFacingError
from bot.models.reviews import MAX_REVIEW
from bot.services.review_text import EMPTY, clean_body, is_blank, without_controls


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("\x00 Great book", "Great book"),
        ("Great\x00book", "Greatbook"),
        ("Line one\r\nline two\rline three", "Line one\nline two\nline three"),
        ("\tIndented\tkept", "Indented\tkept"),
        ("Bell\x07 escape\x1b[0m delete\x7f next-line\x85 end", "Bell escape[0m delete next-line end"),
        ("Lone \ud800surrogate", "Lone surrogate"),
        ("\u200bGreat\u200d book", "\u200bGreat\u200d book"),
        ("\U0001f44d\U0001f3fd \u2764\ufe0f", "\U0001f44d\U0001f3fd \u2764\ufe0f"),
        ("Ｆｕｌｌ ｗｉｄｔｈ 本 e\u0301", "Ｆｕｌｌ ｗｉｄｔｈ 本 e\u0301"),
        ("  spaced  ", "spaced"),
    ],
)
def test_controls_go_and_real_text_is_kept_as_typed(typed: str, stored: str) -> None:
    assert clean_body(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "\x00",
        "\x00\x01\x02\x1f\x7f\x9f",
        " \n\t\r ",
        "\u200b",
        "\u2060",
        "\u3164",
        "\u2800",
        "\u115f\u1160\uffa0",
        "\u2028\u2029",
        "\ufe00\ufe0f\U000e0100\U000e01ef",
        "\u180b\u180e\u180f",
        "\U000e0001\U000e0020\U000e007f",
        "\u00ad\u034f\u061c\u17b4\u17b5",
        "\u202a\u202e\u2066\u2069\u200e\u200f",
        "\U0001d173\U0001d17a\U0001bca0",
        "\u3000\u00a0\u2007\u202f\u205f\u1680",
        "\x00\u200b \u3164\n\u2800",
    ],
)
def test_text_that_draws_nothing_is_empty(typed: str) -> None:
    with pytest.raises(UserFacingError) as refused:
        clean_body(typed)
    assert refused.value.message == EMPTY


def test_every_format_character_alone_is_empty() -> None:
    formats = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"]
    assert len(formats) > 150
    assert all(is_blank(char) for char in formats)
    for char in formats:
        with pytest.raises(UserFacingError):
            clean_body(char * 3)


@pytest.mark.parametrize("char", ["a", "本", "\U0001f44d", "-", ".", "\u0301", "\ufffc", "\ue000"])
def test_visible_characters_are_content(char: str) -> None:
    assert not is_blank(char)
    assert clean_body(f"\u200b{char}\u200b") == f"\u200b{char}\u200b"


def test_the_length_limit_counts_what_is_stored() -> None:
    assert clean_body("a" * MAX_REVIEW + "\x00" * 50) == "a" * MAX_REVIEW
    with pytest.raises(UserFacingError, match="4,001 characters; keep it within 4,000"):
        clean_body("a" * (MAX_REVIEW + 1))


def test_without_controls_keeps_newlines_and_tabs_only() -> None:
    every_control = "".join(chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)])
    assert without_controls(every_control) == "\t\n\n"  # tab, line feed, carriage return as a newline
