"""The club read's queries: the index-range on-track count agrees with POSITION row by row."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from bot.db import Database
from bot.db import club as store
from bot.db.books import upsert_book
from bot.models.books import BookData
from bot.services import club as service

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("pages", "book_pages"), [(222, 222), (None, None), (None, 300), (7, 7)])
async def test_the_on_track_count_agrees_with_each_readers_position(
    db: Database, pages: int | None, book_pages: int | None
) -> None:
    book = await upsert_book(db, BookData(title="T", ol_work_id="OL9W", pages=pages))
    plan = service.plan_read(
        guild_id=GUILD,
        book=book,
        channel_id=5,
        started_by=1,
        sections=3,
        every=7,
        start=date(2026, 11, 25),
        timezone="UTC",
    )
    read = await service.claim(db, plan, NOW)
    await service.activate(db, read.read_id)
    if book_pages != pages:  # the page count was learned after a read by percent started
        await db.execute("UPDATE books SET pages = ? WHERE book_id = ?", (book_pages, book.book_id))
    read = await service.require_read(db, GUILD)
    rng = random.Random(3)
    rows = []
    for user in range(400):
        shelf = rng.choice(("currently-reading",) * 4 + ("read", "want-to-read", "did-not-finish"))
        page = rng.choice((None, rng.randint(1, (book_pages or 400))))
        percent = rng.choice((None, rng.randint(0, 100)))
        rows.append((GUILD, user, book.book_id, shelf, "x", page, percent))
    await db.executemany(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, page, percent) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    placed = dict(await store.member_positions(db, read))
    readers = [row[1] for row in rows if row[3] in ("currently-reading", "read")]
    for threshold in sorted(
        {0, 1, *(s.first_page for s in read.sections), *(s.last_page for s in read.sections)}
    ):
        numbers = await store.read_numbers(db, read, 0, threshold)
        expected = sum(1 for user in readers if placed.get(user, 0) >= threshold)
        assert (numbers.readers, numbers.on_track) == (len(readers), expected), threshold
