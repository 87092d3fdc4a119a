"""Everything one book page shows, fetched in one query: the catalogue row and this club's stats."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database
from bot.db.books import get_book, get_book_with_stats
from bot.db.stats import get_book_stats
from bot.models.books import Book
from bot.models.stats import BookStats


@dataclass(frozen=True, slots=True)
class BookPage:
    book: Book
    stats: BookStats
    note: str | None = None  # e.g. "Live data is unavailable right now; showing the catalogue."


async def load_book_page(
    db: Database, guild_id: int | None, book_id: int, *, note: str | None = None
) -> BookPage | None:
    """The page of `book_id` for the club `guild_id`, or None when the book is gone."""
    found = await get_book_with_stats(db, guild_id or 0, book_id)
    return None if found is None else BookPage(*found, note)


async def book_page_of(
    db: Database, guild_id: int | None, book: Book, *, note: str | None = None
) -> BookPage:
    """The page of a book the caller already read (a command's resolved option): its stats only."""
    return BookPage(book, await get_book_stats(db, guild_id or 0, book.book_id), note)


async def load_book(db: Database, book_id: int) -> Book | None:
    """The catalogue book alone (for its full description), or None when it is gone."""
    return await get_book(db, book_id)
