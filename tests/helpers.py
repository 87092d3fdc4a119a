"""Test data shared by every layer's tests: the book PRODUCT.md pictures, and one way to store a book."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from bot.db import Database
from bot.db.books import upsert_book
from bot.models.books import Book, BookData

# PRODUCT.md's book page: *MIG Pilot: The Final Escape of Lt. Belenko*, John Barron, 222 pages,
# Mass Market Paperback, first published January 1, 1980.
MIG_PILOT = BookData(
    title="MIG Pilot",
    subtitle="The Final Escape of Lt. Belenko",
    authors=("John Barron",),
    pages=222,
    format="Mass Market Paperback",
    first_published="1980-01-01",
    isbn13="9780380538683",
    ol_work_id="OL2620124W",
)


async def seed_book(db: Database, data: BookData = MIG_PILOT) -> Book:
    """Store a book in the catalogue (MIG Pilot unless told otherwise), as a lookup would."""
    return await upsert_book(db, data)


class Abandoned(Exception):
    """Raised by `abandon` after the writes, as a command failing half-way would."""


async def abandon(db: Database, write: Callable[[aiosqlite.Connection], Awaitable[object]]) -> None:
    """Run `write` inside a transaction that then fails, so the test can check nothing stayed."""
    async with db.transaction() as conn:
        await write(conn)
        raise Abandoned
