"""Everything one book page shows, fetched in one query: the catalogue row and this club's stats."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database
from bot.db.books import book_from_row, get_book
from bot.db.stats import stats_from_row
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
    query = """
        SELECT b.*, s.ratings_count, s.ratings_sum_x2, s.stars_1, s.stars_2, s.stars_3, s.stars_4,
               s.stars_5, s.reviews_count, s.want_to_read, s.currently_reading, s.read_count,
               s.did_not_finish
        FROM books AS b
        LEFT JOIN book_stats AS s ON s.guild_id = ? AND s.book_id = b.book_id
        WHERE b.book_id = ?
    """
    row = await db.fetchone(query, (guild_id or 0, book_id))
    if row is None:
        return None
    return BookPage(book_from_row(row), stats_from_row(row), note)


async def load_book(db: Database, book_id: int) -> Book | None:
    """The catalogue book alone (for its full description), or None when it is gone."""
    return await get_book(db, book_id)
