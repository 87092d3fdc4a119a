"""The one rendering helper: markdown escaped, names on one line, clips that never break an escape."""

from __future__ import annotations

import pytest

from bot.render import clip, escape, fold_spoilers, names, one_line, plain


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("[Official page](https://phish.example/login)", r"\[Official page\](https://phish.example/login)"),
        ("# big **bold** ||x", r"\# big \*\*bold\*\* \|\|x"),
        ("## heading", r"\## heading"),
        ("-# subtext", r"\-# subtext"),
        ("- item", r"\- item"),
        ("1. numbered", r"1\. numbered"),
        ("> quote", r"\> quote"),
        (">>> quotes", r"\>>> quotes"),
        ("__under__ ~~struck~~ `code`", r"\_\_under\_\_ \~\~struck\~\~ \`code\`"),
        ("a \\ backslash", r"a \\ backslash"),
        ("1984", "1984"),
        ("Catch-22: a novel", "Catch-22: a novel"),
        ("<@1> @everyone", "<@1> @everyone"),  # shown as written: messages never ping
        ("see https://example.org/a_b_c here", "see https://example.org/a_b_c here"),
    ],
)
def test_escape_shows_text_as_typed(typed: str, shown: str) -> None:
    assert escape(typed) == shown


def test_escape_reaches_every_line() -> None:
    assert escape("fine\n# big\n  - list") == "fine\n\\# big\n  \\- list"


def test_one_line_drops_line_breaks_controls_and_bidi_overrides() -> None:
    assert one_line("A\n# title\t\x00with\u202e tricks\r\n") == "A # title with tricks"


def test_plain_escapes_then_clips_to_the_limit() -> None:
    assert plain("**" * 100, 11) == r"\*\*\*\*\*…"
    assert len(plain("x" * 10_000, 256)) == 256
    assert plain("short", 256) == "short"


@pytest.mark.parametrize("limit", range(1, 12))
def test_a_clip_never_leaves_half_an_escape(limit: int) -> None:
    clipped = clip(escape("a*b*c*d*e*f*g"), limit)
    assert len(clipped) <= limit
    body = clipped.removesuffix("…")
    assert (len(body) - len(body.rstrip("\\"))) % 2 == 0


def test_a_clip_keeps_characters_whole() -> None:
    assert clip("ab😀cd", 4) == "ab😀…"
    assert clip("ab\ud83d\ude00cd", 4) == "ab…"  # a surrogate pair (as JSON may carry one) stays whole
    assert clip("ne\u0301e\u0301", 3) == "n…"  # an accent stays on its letter
    assert clip("x👩\u200d💻y", 3) == "x…"  # a joined emoji stays whole


def test_a_clip_at_a_word() -> None:
    assert clip("one two three", 9, at_word=True) == "one two…"
    assert clip("one, two three", 8, at_word=True) == "one…"
    assert clip("onetwothree", 6, at_word=True) == "onetw…"


def test_names_join_and_clip() -> None:
    assert names(("Ann", "", "Bob_Writer")) == r"Ann, Bob\_Writer"
    assert len(names(tuple(f"Author {n}" for n in range(100)), 50)) == 50


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("a ||b|| c", "a (spoiler) c"),
        ("a ||b|| c ||d e", "a (spoiler) c (spoiler)"),  # left open, e.g. by an earlier cut
        ("||all of it", "(spoiler)"),
        ("no spoilers", "no spoilers"),
    ],
)
def test_spoilers_fold_before_any_cut(text: str, folded: str) -> None:
    assert fold_spoilers(text) == folded
