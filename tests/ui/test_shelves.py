"""The shelf layouts: the page's shelf select, shelf pages, and stored dates."""

from __future__ import annotations

import logging

import pytest

from bot.models.shelves import ShelfEntry, ShelvedBook
from bot.services.shelves import ShelfPage
from bot.ui.shelves import shelf_actions, shelf_view, when
from tests.components import custom_ids, text_of


def test_shelf_actions_carry_the_book_in_the_custom_id() -> None:
    assert custom_ids([row.to_component_dict() for row in shelf_actions(42)]) == ["shelve:42"]


def test_every_stored_time_format_renders() -> None:
    assert when("2026-11-25T12:00:00.000Z") == "<t:1795608000:d>"  # bot.db.db_time
    assert when("2026-11-25T12:00:00.000Z", "R") == "<t:1795608000:R>"
    assert when("2024-03-01") == "<t:1709251200:d>"  # an imported date
    assert when("2024-03-01T00:00:00+00:00") == "<t:1709251200:d>"  # an import's ISO timestamp
    assert when(None) == "—"
    assert when("") == "—"


def test_a_malformed_time_shows_as_unknown_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    # Nothing writes these any more; if one turns up, the display still renders.
    with caplog.at_level(logging.WARNING, logger="bot.ui.shelves"):
        assert when("2024/03/01") == "—"
        assert when("last Tuesday") == "—"
    assert [record.getMessage() for record in caplog.records] == [
        "not a stored time: '2024/03/01'",
        "not a stored time: 'last Tuesday'",
    ]


def test_a_one_page_shelf_has_no_page_buttons() -> None:
    entry = ShelfEntry(
        shelf="read", added_at="2026-01-02T00:00:00.000Z", finished_at="2026-01-02", times_read=3
    )
    page = ShelfPage(7, "read", 1, 1, 1, [ShelvedBook(1, "Dune", ("Frank Herbert",), 412, entry)])
    components = shelf_view(page, "alice", 7).to_components()
    text = text_of(components)
    assert "### alice's shelves · Read\n1 book" in text
    assert "**Dune** by Frank Herbert\n-# Read · finished <t:1767312000:d> · read 3 times" in text
    assert custom_ids(components) == []


def test_the_longest_pager_ids_fit_discords_100_characters() -> None:
    biggest = 2**64 - 1  # wider than any snowflake
    pages = 10**7
    page = ShelfPage(biggest, "currently-reading", pages - 1, pages, pages * 10, [])
    components = shelf_view(page, "ann", biggest).to_components()
    ids = custom_ids(components, "shelfpage:")
    assert ids == [
        f"shelfpage:{biggest}:{biggest}:currently-reading:{pages - 3}",
        f"shelfpage:{biggest}:{biggest}:currently-reading:{pages - 1}",
    ]
    assert max(len(custom_id) for custom_id in ids) <= 100


def read_book(book_id: int, added_at: str) -> ShelvedBook:
    return ShelvedBook(book_id, f"Book {book_id}", (), None, ShelfEntry(shelf="read", added_at=added_at))


def test_previous_and_next_carry_the_edge_books_of_the_page() -> None:
    books = [read_book(30, "2026-11-25T12:00:00.000Z"), read_book(12, "2024-03-01")]
    components = shelf_view(ShelfPage(9, "read", 2, 3, 25, books), "ann", 7).to_components()
    assert custom_ids(components, "shelfpage:") == [
        "shelfpage:7:9:read:0:p:tmww2n400:30",  # Previous: the page's first (newest) book
        "shelfpage:7:9:read:2:n:d20240301:12",  # Next: its last
    ]


def test_a_stored_time_without_a_compact_key_pages_by_number() -> None:
    """An import's ISO timestamp is a stored time too, but has no compact key: that move reads its
    page by number."""
    books = [read_book(30, "2026-11-25T12:00:00.000Z"), read_book(12, "2024-03-01T00:00:00+00:00")]
    components = shelf_view(ShelfPage(9, None, 2, 3, 25, books), "ann", 7).to_components()
    assert custom_ids(components, "shelfpage:") == [
        "shelfpage:7:9:all:0:p:tmww2n400:30",
        "shelfpage:7:9:all:2",
    ]


def test_an_anchor_that_would_not_fit_in_100_characters_is_left_out() -> None:
    snowflake = 1456074443980800029  # today's 19 digits
    books = [read_book(2**31, "2026-11-25T12:00:00.000Z")]
    page = ShelfPage(snowflake, "currently-reading", 999, 1000, 9999, books)
    ids = custom_ids(shelf_view(page, "ann", snowflake).to_components(), "shelfpage:")
    assert all(":n:" in custom_id or ":p:" in custom_id for custom_id in ids)  # today's ids fit
    assert max(len(custom_id) for custom_id in ids) <= 100

    biggest = 2**64 - 1
    page = ShelfPage(
        biggest, "currently-reading", 10**7 - 1, 10**7, 10**8, [read_book(biggest, "2026-11-25")]
    )
    ids = custom_ids(shelf_view(page, "ann", biggest).to_components(), "shelfpage:")
    assert ids == [
        f"shelfpage:{biggest}:{biggest}:currently-reading:{10**7 - 3}",
        f"shelfpage:{biggest}:{biggest}:currently-reading:{10**7 - 1}",
    ]
