"""Shelves: one exclusive shelf per member per book, with its dates and reading progress."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import aiosqlite

from bot.db.database import Database
from bot.models.shelves import ShelfEntry, ShelvedBook

# The `book_stats` column that counts the members with a book on each shelf.
SHELF_STAT = {
    "want-to-read": "want_to_read",
    "currently-reading": "currently_reading",
    "read": "read_count",
    "did-not-finish": "did_not_finish",
}


def _entry(row: sqlite3.Row) -> ShelfEntry | None:
    if row["shelf"] is None:
        return None
    return ShelfEntry(
        shelf=row["shelf"],
        added_at=row["added_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        times_read=row["times_read"],
        page=row["page"],
        percent=row["percent"],
        progress_at=row["progress_at"],
    )


def _shelved(row: sqlite3.Row) -> ShelvedBook:
    authors = tuple(name for name in (row["authors"] or "").split("\n") if name)
    return ShelvedBook(row["book_id"], row["title"], authors, row["pages"], _entry(row))


_SHELVED_COLUMNS = """
    b.book_id, b.title, b.authors, b.pages, s.shelf, s.added_at, s.started_at, s.finished_at,
    s.times_read, s.page, s.percent, s.progress_at
"""


async def shelved_book_in(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, book_id: int
) -> ShelvedBook | None:
    """The book and the member's shelf entry, read inside a transaction; None when the book is gone."""
    query = f"""
        SELECT {_SHELVED_COLUMNS}
        FROM books AS b
        LEFT JOIN shelves AS s ON s.guild_id = ? AND s.user_id = ? AND s.book_id = b.book_id
        WHERE b.book_id = ?
    """
    rows = await conn.execute_fetchall(query, (guild_id, user_id, book_id))
    row = next(iter(rows), None)
    return None if row is None else _shelved(row)


_SAVE_ENTRY = """
    INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, started_at, finished_at,
                         times_read, page, percent, progress_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (guild_id, user_id, book_id) DO UPDATE SET
        shelf = excluded.shelf, added_at = excluded.added_at, started_at = excluded.started_at,
        finished_at = excluded.finished_at, times_read = excluded.times_read,
        page = excluded.page, percent = excluded.percent, progress_at = excluded.progress_at
"""


def _entry_params(guild_id: int, user_id: int, book_id: int, entry: ShelfEntry) -> tuple[object, ...]:
    return (
        guild_id,
        user_id,
        book_id,
        entry.shelf,
        entry.added_at,
        entry.started_at,
        entry.finished_at,
        entry.times_read,
        entry.page,
        entry.percent,
        entry.progress_at,
    )


async def save_entry_in(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, book_id: int, entry: ShelfEntry
) -> None:
    await conn.execute(_SAVE_ENTRY, _entry_params(guild_id, user_id, book_id, entry))


async def save_entries_in(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, entries: Sequence[tuple[int, ShelfEntry]]
) -> None:
    """`save_entry_in` for many (book_id, entry) pairs of one member, in one round trip."""
    if entries:
        params = [_entry_params(guild_id, user_id, book_id, entry) for book_id, entry in entries]
        await conn.executemany(_SAVE_ENTRY, params)


async def delete_entry_in(conn: aiosqlite.Connection, guild_id: int, user_id: int, book_id: int) -> None:
    query = "DELETE FROM shelves WHERE guild_id = ? AND user_id = ? AND book_id = ?"
    await conn.execute(query, (guild_id, user_id, book_id))


async def shelf_page(
    db: Database, guild_id: int, user_id: int, shelf: str | None, *, offset: int, limit: int
) -> tuple[list[ShelvedBook], int]:
    """One page of a member's shelf (or all shelves, with None), newest first, and the total count."""
    query = f"""
        SELECT {_SHELVED_COLUMNS}, count(*) OVER () AS total
        FROM shelves AS s JOIN books AS b ON b.book_id = s.book_id
        WHERE s.guild_id = ? AND s.user_id = ? AND (CAST(? AS TEXT) IS NULL OR s.shelf = ?)
        ORDER BY s.added_at DESC, s.book_id DESC
        LIMIT ? OFFSET ?
    """
    rows = await db.fetchall(query, (guild_id, user_id, shelf, shelf, limit, offset))
    if not rows and offset:
        total = await db.fetchval(
            "SELECT count(*) FROM shelves WHERE guild_id = ? AND user_id = ? AND (CAST(? AS TEXT) IS NULL OR shelf = ?)",
            (guild_id, user_id, shelf, shelf),
        )
        return [], int(total)
    return [_shelved(row) for row in rows], int(rows[0]["total"]) if rows else 0
