"""Shelf rows: one exclusive entry per member per book per server, and a member's shelf pages."""

from __future__ import annotations

from bot.db import Database
from bot.db.shelves import (
    SHELF_STAT,
    delete_entry_in,
    save_entries_in,
    save_entry_in,
    shelf_page,
    shelved_book_in,
)
from bot.db.stats import STATS_COLUMNS
from bot.models.books import BookData
from bot.models.shelves import SHELVES, ShelfEntry, ShelvedBook
from tests.helpers import seed_book

GUILD, OTHER_GUILD = 1, 2
ALICE, BOB = 10, 20


def added(day: int) -> str:
    return f"2026-11-{day:02d}T12:00:00.000Z"


async def shelved(db: Database, guild_id: int, user_id: int, book_id: int) -> ShelvedBook | None:
    async with db.transaction() as conn:
        return await shelved_book_in(conn, guild_id, user_id, book_id)


async def save(db: Database, guild_id: int, user_id: int, book_id: int, entry: ShelfEntry) -> None:
    async with db.transaction() as conn:
        await save_entry_in(conn, guild_id, user_id, book_id, entry)


def test_every_shelf_has_a_counter_column() -> None:
    assert set(SHELF_STAT) == set(SHELVES)
    assert set(SHELF_STAT.values()) <= {column.strip() for column in STATS_COLUMNS.split(",")}


async def test_an_unshelved_book_has_no_entry_and_a_missing_book_is_none(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    assert await shelved(db, GUILD, ALICE, book_id) == ShelvedBook(
        book_id, "MIG Pilot", ("John Barron",), 222, None
    )
    assert await shelved(db, GUILD, ALICE, 404) is None


async def test_an_entry_is_saved_replaced_and_deleted(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    reading = ShelfEntry("currently-reading", added(1), started_at=added(1), page=120, progress_at=added(2))
    await save(db, GUILD, ALICE, book_id, reading)
    found = await shelved(db, GUILD, ALICE, book_id)
    assert found is not None
    assert found.entry == reading
    done = ShelfEntry("read", added(3), started_at=added(1), finished_at=added(3), times_read=1)
    await save(db, GUILD, ALICE, book_id, done)
    found = await shelved(db, GUILD, ALICE, book_id)
    assert found is not None
    assert found.entry == done  # one row per member and book: the shelf moved, the page went
    assert await db.fetchval("SELECT count(*) FROM shelves") == 1
    async with db.transaction() as conn:
        await delete_entry_in(conn, GUILD, ALICE, book_id)
        await delete_entry_in(conn, GUILD, ALICE, book_id)  # deleting twice is harmless
    found = await shelved(db, GUILD, ALICE, book_id)
    assert found is not None
    assert found.entry is None


async def test_entries_belong_to_one_member_in_one_server(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    await save(db, GUILD, ALICE, book_id, ShelfEntry("read", added(1)))
    await save(db, OTHER_GUILD, ALICE, book_id, ShelfEntry("want-to-read", added(2)))
    for guild_id, user_id, shelf in ((GUILD, ALICE, "read"), (OTHER_GUILD, ALICE, "want-to-read")):
        found = await shelved(db, guild_id, user_id, book_id)
        assert found is not None
        assert found.entry is not None
        assert found.entry.shelf == shelf
    found = await shelved(db, GUILD, BOB, book_id)
    assert found is not None
    assert found.entry is None


async def test_many_entries_in_one_call(db: Database) -> None:
    ids = [(await seed_book(db, BookData(title=f"Book {n}"))).book_id for n in range(3)]
    async with db.transaction() as conn:
        await save_entries_in(conn, GUILD, ALICE, [])
        await save_entries_in(conn, GUILD, ALICE, [(i, ShelfEntry("want-to-read", added(1))) for i in ids])
    books, total = await shelf_page(db, GUILD, ALICE, "want-to-read", offset=0, limit=10)
    assert total == 3
    assert {book.book_id for book in books} == set(ids)


async def test_shelf_pages_are_newest_first_with_a_total(db: Database) -> None:
    ids = [(await seed_book(db, BookData(title=f"Book {n}", authors=("A", "B")))).book_id for n in range(5)]
    for day, book_id in enumerate(ids, start=1):
        shelf = "read" if day % 2 else "want-to-read"
        await save(db, GUILD, ALICE, book_id, ShelfEntry(shelf, added(day)))
    await save(db, GUILD, BOB, ids[0], ShelfEntry("read", added(9)))
    await save(db, OTHER_GUILD, ALICE, ids[1], ShelfEntry("read", added(9)))

    books, total = await shelf_page(db, GUILD, ALICE, None, offset=0, limit=2)
    assert total == 5
    assert [b.title for b in books] == ["Book 4", "Book 3"]
    assert books[0] == ShelvedBook(ids[4], "Book 4", ("A", "B"), None, ShelfEntry("read", added(5)))
    books, total = await shelf_page(db, GUILD, ALICE, None, offset=4, limit=2)
    assert ([b.title for b in books], total) == (["Book 0"], 5)

    books, total = await shelf_page(db, GUILD, ALICE, "read", offset=0, limit=10)
    assert ([b.title for b in books], total) == (["Book 4", "Book 2", "Book 0"], 3)


async def test_empty_shelf_pages(db: Database) -> None:
    assert await shelf_page(db, GUILD, ALICE, None, offset=0, limit=10) == ([], 0)
    book_id = (await seed_book(db)).book_id
    await save(db, GUILD, ALICE, book_id, ShelfEntry("read", added(1)))
    assert await shelf_page(db, GUILD, ALICE, "did-not-finish", offset=0, limit=10) == ([], 0)
    # A page past the end is empty but still knows how many there are (a stale pager button).
    assert await shelf_page(db, GUILD, ALICE, "read", offset=10, limit=10) == ([], 1)
