"""The book page's fact strings, exactly as PRODUCT.md's Displays give them."""

from __future__ import annotations

from dataclasses import asdict

from bot.models.books import Book
from bot.services.book_page import BookPage
from bot.ui.book_page import book_page_view, pages_line, published_line, trim
from tests.components import text_of
from tests.helpers import MIG_PILOT
from tests.models.test_stats import seed_stats

BOOK = Book(book_id=1, **asdict(MIG_PILOT))


def test_fact_lines() -> None:
    assert pages_line(BOOK) == "222 pages, Mass Market Paperback"
    assert published_line("1980-01-01") == "First published January 1, 1980"
    assert published_line("1980") == "First published 1980"
    assert published_line(None) is None


def test_page_shows_facts_and_club_half() -> None:
    view = book_page_view(BookPage(BOOK, seed_stats()))
    text = text_of(view.to_components())
    for expected in (
        "## MIG Pilot",
        "by John Barron",
        "222 pages, Mass Market Paperback",
        "First published January 1, 1980",
        "0 people are currently reading",
        "**4.24** · 650 ratings · 83 reviews",
        "5 stars 290 (44%)",
        "1 star 0 (0%)",
    ):
        assert expected in text


def test_trim_cuts_on_a_word() -> None:
    assert trim("one two three", 9) == "one two…"
    assert trim("short", 10) == "short"
