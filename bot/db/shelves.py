"""Shelves: one exclusive shelf per member per book, with its dates and reading progress."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Literal

import aiosqlite

from bot.db.database import Database, Steps, run_steps
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


_SHELVED_BOOK = f"""
    SELECT {_SHELVED_COLUMNS}
    FROM books AS b
    LEFT JOIN shelves AS s ON s.guild_id = ? AND s.user_id = ? AND s.book_id = b.book_id
    WHERE b.book_id = ?
"""


def shelved_book_steps(guild_id: int, user_id: int, book_id: int) -> Steps[ShelvedBook | None]:
    """The book and the member's shelf entry, read inside a transaction; None when the book is gone."""
    rows = yield _SHELVED_BOOK, (guild_id, user_id, book_id)
    return _shelved(rows[0]) if rows else None


async def shelved_book_in(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, book_id: int
) -> ShelvedBook | None:
    """`shelved_book_steps` on the connection of `Database.transaction()`."""
    return await run_steps(conn, shelved_book_steps(guild_id, user_id, book_id))


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


def save_entry_steps(guild_id: int, user_id: int, book_id: int, entry: ShelfEntry) -> Steps[None]:
    yield _SAVE_ENTRY, _entry_params(guild_id, user_id, book_id, entry)


async def save_entry_in(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, book_id: int, entry: ShelfEntry
) -> None:
    await run_steps(conn, save_entry_steps(guild_id, user_id, book_id, entry))


async def save_entries_in(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, entries: Sequence[tuple[int, ShelfEntry]]
) -> None:
    """`save_entry_in` for many (book_id, entry) pairs of one member, in one round trip."""
    if entries:
        params = [_entry_params(guild_id, user_id, book_id, entry) for book_id, entry in entries]
        await conn.executemany(_SAVE_ENTRY, params)


def delete_entry_steps(guild_id: int, user_id: int, book_id: int) -> Steps[None]:
    yield (
        "DELETE FROM shelves WHERE guild_id = ? AND user_id = ? AND book_id = ?",
        (guild_id, user_id, book_id),
    )


async def delete_entry_in(conn: aiosqlite.Connection, guild_id: int, user_id: int, book_id: int) -> None:
    await run_steps(conn, delete_entry_steps(guild_id, user_id, book_id))


# The member_stats column counting each shelf's books (kept by the triggers of migration 0015).
MEMBER_SHELF_STAT = {
    "want-to-read": "shelf_want_to_read",
    "currently-reading": "shelf_currently_reading",
    "read": "shelf_read",
    "did-not-finish": "shelf_did_not_finish",
}


async def shelf_head(db: Database, guild_id: int, user_id: int, shelf: str | None) -> tuple[int, str | None]:
    """How many books are on the member's shelf (or all shelves, with None) — a maintained count —
    and their stored display name: one statement of primary-key reads."""
    counted = [MEMBER_SHELF_STAT[shelf]] if shelf is not None else list(MEMBER_SHELF_STAT.values())
    query = f"""
        SELECT {" + ".join(f"s.{column}" for column in counted)} AS total,
               (SELECT display_name FROM members WHERE guild_id = :g AND user_id = :u) AS name
        FROM (SELECT 1) LEFT JOIN member_stats AS s ON s.guild_id = :g AND s.user_id = :u
    """
    row = await db.fetchone(query, {"g": guild_id, "u": user_id})
    assert row is not None  # always one row, from (SELECT 1)
    return int(row["total"] or 0), row["name"]


# Keyset seeks: the page's books strictly older ("after", for Next) or newer ("before", for
# Previous) than an anchor (added_at, book_id) — a range of the newest-first index, read from the
# anchor on, so page 500 costs what page 2 costs.
_SEEK = {
    "after": ("AND (added_at, book_id) < (:key, :anchor)", "DESC"),
    "before": ("AND (added_at, book_id) > (:key, :anchor)", "ASC"),
}


async def shelf_books(
    db: Database,
    guild_id: int,
    user_id: int,
    shelf: str | None,
    *,
    offset: int = 0,
    limit: int,
    seek: tuple[Literal["after", "before"], str, int] | None = None,
) -> list[ShelvedBook]:
    """One page of a member's shelf (or all shelves, with None), newest first, in one statement.

    The page's books are found in the (guild, user[, shelf], added_at, book_id) index alone —
    `seek` ("after" or "before", the anchor's added_at and book_id) starts the page next to an
    anchor; otherwise `offset` skips index entries, never rows; nothing is sorted —, then only they
    are read.
    """
    where, order = _SEEK[seek[0]] if seek is not None else ("", "DESC")
    query = f"""
        SELECT {_SHELVED_COLUMNS}
        FROM shelves AS s JOIN books AS b ON b.book_id = s.book_id
        WHERE s.guild_id = :g AND s.user_id = :u AND s.book_id IN (
            SELECT book_id FROM shelves
            WHERE guild_id = :g AND user_id = :u {"AND shelf = :shelf" if shelf is not None else ""} {where}
            ORDER BY added_at {order}, book_id {order}
            LIMIT :limit OFFSET :offset
        )
    """
    params: dict[str, object] = {
        "g": guild_id,
        "u": user_id,
        "shelf": shelf,
        "limit": limit,
        "offset": offset,
    }
    if seek is not None:
        params.update(key=seek[1], anchor=seek[2])
    rows = await db.fetchall(query, params)
    rows.sort(key=lambda row: (row["added_at"], row["book_id"]), reverse=True)
    return [_shelved(row) for row in rows]


async def shelf_page(
    db: Database, guild_id: int, user_id: int, shelf: str | None, *, offset: int, limit: int
) -> tuple[list[ShelvedBook], int]:
    """A page of `shelf_books` and the maintained total of `shelf_head`."""
    total, _ = await shelf_head(db, guild_id, user_id, shelf)
    return await shelf_books(db, guild_id, user_id, shelf, offset=offset, limit=limit), total
