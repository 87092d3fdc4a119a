"""Shelf moves, progress and profile services on a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.models.shelves import ShelfEntry
from bot.services.profiles import follow, load_profile, set_reading_goal, unfollow
from bot.services.shelves import (
    SHELF_PAGE_SIZE,
    check_progress,
    finish_book,
    load_shelf_page,
    move_to_shelf,
    progress_brief,
    progress_phrase,
    record_progress,
    shelve_book,
    unshelve_book,
)
from tests.helpers import seed_book

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STAMP = "2026-11-25T12:00:00.000Z"
GUILD = 1


async def shelf_stats(db: Database, book_id: int) -> tuple[int, int, int, int]:
    row = await db.fetchone(
        "SELECT want_to_read, currently_reading, read_count, did_not_finish FROM book_stats "
        "WHERE guild_id = ? AND book_id = ?",
        (GUILD, book_id),
    )
    return (0, 0, 0, 0) if row is None else (row[0], row[1], row[2], row[3])


async def recount(db: Database, book_id: int) -> tuple[int, int, int, int]:
    rows = await db.fetchall(
        "SELECT shelf, count(*) FROM shelves WHERE guild_id = ? AND book_id = ? GROUP BY shelf",
        (GUILD, book_id),
    )
    counts = {row[0]: row[1] for row in rows}
    return tuple(  # type: ignore[return-value]
        counts.get(s, 0) for s in ("want-to-read", "currently-reading", "read", "did-not-finish")
    )


def test_moves_between_shelves() -> None:
    entry = move_to_shelf(None, "want-to-read", NOW)
    assert entry == ShelfEntry(shelf="want-to-read", added_at=STAMP)
    reading = move_to_shelf(entry, "currently-reading", NOW)
    assert reading.started_at == STAMP
    read = move_to_shelf(reading, "read", NOW)
    assert (read.finished_at, read.times_read) == (STAMP, 1)
    again = move_to_shelf(read, "read", NOW + timedelta(days=30))
    assert again.times_read == 2
    assert again.finished_at == "2026-12-25T12:00:00.000Z"
    with pytest.raises(UserFacingError, match="already on your Want to read shelf"):
        move_to_shelf(entry, "want-to-read", NOW)


@pytest.mark.parametrize(
    ("page", "pages", "percent", "shown"),
    [
        (120, 222, None, "p. 120/222 · 54%"),
        (120, 222, 99, "p. 120/222 · 54%"),  # the page is the truth when the count is known
        (300, 222, None, "p. 300/222 · 100%"),
        (120, None, None, "p. 120"),
        (120, None, 40, "p. 120 · 40%"),
        (None, None, 54, "54%"),
        (None, 222, None, "just started"),
    ],
)
def test_progress_brief_as_the_digest_shows_it(
    page: int | None, pages: int | None, percent: int | None, shown: str
) -> None:
    assert progress_brief(page, pages, percent) == shown


def test_progress_phrases_and_checks() -> None:
    assert progress_phrase(120, 222, 54) == "is on page 120 of 222 (54%)"
    assert progress_phrase(120, None, None) == "is on page 120"
    assert progress_phrase(None, 222, 30) == "is at 30%"
    assert progress_phrase(None, None, None) == "has just started"
    # Saved by page while the page count was unknown (no percent stored), the count filled in later:
    assert progress_phrase(120, 222, None) == "is on page 120 of 222 (54%)"
    # The page decides once the count is known, floored and never past the end.
    assert progress_phrase(120, 300, 54) == "is on page 120 of 300 (40%)"
    assert progress_phrase(300, 222, None) == "is on page 300 of 222 (100%)"
    assert progress_phrase(1_200, None, 40) == "is on page 1,200 (40%)"
    for page, percent in ((None, None), (1, 1)):
        with pytest.raises(UserFacingError, match="either `page` or `percent`"):
            check_progress(page, percent)


async def test_shelf_counts_follow_every_move(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    await shelve_book(db, GUILD, 1, book_id, "want-to-read", NOW)
    await shelve_book(db, GUILD, 2, book_id, "currently-reading", NOW)
    await shelve_book(db, GUILD, 3, book_id, "currently-reading", NOW)
    await shelve_book(db, GUILD, 3, book_id, "did-not-finish", NOW)
    await finish_book(db, GUILD, 2, book_id, 10, NOW)
    assert await shelf_stats(db, book_id) == (1, 0, 1, 1) == await recount(db, book_id)
    await unshelve_book(db, GUILD, 1, book_id)
    assert await shelf_stats(db, book_id) == (0, 0, 1, 1) == await recount(db, book_id)


async def test_concurrent_shelving_stays_consistent(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    shelves = ("want-to-read", "currently-reading", "read", "did-not-finish")
    await asyncio.gather(
        *(shelve_book(db, GUILD, user, book_id, shelves[user % 4], NOW) for user in range(100)),
        *(shelve_book(db, GUILD, user, book_id, shelves[(user + 1) % 4], NOW) for user in range(100)),
    )
    assert await shelf_stats(db, book_id) == await recount(db, book_id)
    assert sum(await shelf_stats(db, book_id)) == 100


async def test_progress_computes_floored_percent_and_starts_reading(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    progress = await record_progress(db, GUILD, 1, book_id, page=120, now=NOW)
    assert progress.phrase == "is on page 120 of 222 (54%)"
    assert progress.started
    assert not progress.finished
    progress = await record_progress(db, GUILD, 1, book_id, page=222, now=NOW)
    assert progress.finished
    assert not progress.started
    assert await shelf_stats(db, book_id) == (0, 1, 0, 0)


async def test_progress_without_a_page_count(db: Database) -> None:
    book_id = (await seed_book(db, BookData(title="Unpaged"))).book_id
    progress = await record_progress(db, GUILD, 1, book_id, page=5000, now=NOW)
    assert progress.phrase == "is on page 5,000"
    assert not progress.finished
    row = await db.fetchone("SELECT page, percent FROM shelves WHERE book_id = ?", (book_id,))
    assert row is not None
    assert tuple(row) == (5000, None)


async def test_a_page_count_found_later_gives_progress_its_percent(db: Database) -> None:
    book_id = (await seed_book(db, BookData(title="Unpaged"))).book_id
    await record_progress(db, GUILD, 1, book_id, page=120, now=NOW)
    await db.execute("UPDATE books SET pages = 222 WHERE book_id = ?", (book_id,))  # as enrichment does
    shelf = await load_shelf_page(db, GUILD, 1, "currently-reading", 1)
    [shelved] = shelf.books
    assert shelved.entry is not None
    assert (shelved.pages, shelved.entry.page, shelved.entry.percent) == (222, 120, None)
    assert progress_phrase(shelved.entry.page, shelved.pages, shelved.entry.percent) == (
        "is on page 120 of 222 (54%)"
    )
    profile = await load_profile(db, GUILD, 1, name="ann", now=NOW)
    [reading] = profile.reading
    assert progress_phrase(reading.page, reading.pages, reading.percent) == "is on page 120 of 222 (54%)"


async def test_shelf_pages_clamp_when_the_shelf_shrank(db: Database) -> None:
    for n in range(SHELF_PAGE_SIZE + 1):
        book_id = (await seed_book(db, BookData(title=f"Book {n}", pages=222))).book_id
        await shelve_book(db, GUILD, 1, book_id, "read", NOW + timedelta(minutes=n))
    page = await load_shelf_page(db, GUILD, 1, "read", 2)
    assert (page.page, page.pages, page.total, len(page.books)) == (2, 2, 11, 1)
    await unshelve_book(db, GUILD, 1, page.books[0].book_id)
    page = await load_shelf_page(db, GUILD, 1, "read", 2)
    assert (page.page, page.pages, page.total, len(page.books)) == (1, 1, 10, 10)
    empty = await load_shelf_page(db, GUILD, 2, None, 4)
    assert (empty.page, empty.pages, empty.total) == (1, 1, 0)


async def test_follows_goal_and_profile(db: Database) -> None:
    await follow(db, GUILD, 1, 2, followee_name="bob", followee_is_bot=False, now=NOW)
    await follow(db, GUILD, 3, 2, followee_name="bob", followee_is_bot=False, now=NOW)
    with pytest.raises(UserFacingError, match="already follow"):
        await follow(db, GUILD, 1, 2, followee_name="bob", followee_is_bot=False, now=NOW)
    await unfollow(db, GUILD, 3, 2, followee_name="bob")
    with pytest.raises(UserFacingError, match="don't follow"):
        await unfollow(db, GUILD, 3, 2, followee_name="bob")
    assert await set_reading_goal(db, GUILD, 2, 10, NOW) == 2026
    book_id = (await seed_book(db)).book_id
    await finish_book(db, GUILD, 2, book_id, 7, NOW)
    last_year = (await seed_book(db, BookData(title="Old", pages=222))).book_id
    await finish_book(db, GUILD, 2, last_year, None, NOW.replace(year=2025))
    profile = await load_profile(db, GUILD, 2, name=None, now=NOW)
    assert profile.name == "Member 2"  # no stored display name
    assert (profile.summary.followers_count, profile.summary.following_count) == (1, 0)
    assert (profile.summary.ratings_count, profile.average) == (1, 3.5)
    assert profile.shelves["read"] == 2
    assert profile.read_this_year == 1
    assert profile.summary.goal == 10
