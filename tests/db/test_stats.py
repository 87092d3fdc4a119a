"""Reading a book's maintained aggregates: one row per book per server, or all zeros."""

from __future__ import annotations

from bot.db import Database
from bot.db.ratings import bump_book_stats
from bot.db.stats import get_book_stats, stats_from_row
from bot.models.stats import BookStats
from tests.helpers import seed_book

GUILD, OTHER_GUILD = 1, 2


async def test_a_book_nobody_touched_has_empty_stats(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    assert await get_book_stats(db, GUILD, book_id) == BookStats()
    assert await get_book_stats(db, GUILD, 404) == BookStats()
    assert stats_from_row(None) == BookStats()


async def test_every_counter_is_read_into_book_stats(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    deltas = {
        "ratings_count": 6,
        "ratings_sum_x2": 42,
        "stars_1": 1,
        "stars_2": 0,
        "stars_3": 1,
        "stars_4": 2,
        "stars_5": 2,
        "reviews_count": 3,
        "want_to_read": 4,
        "currently_reading": 5,
        "read_count": 7,
        "did_not_finish": 8,
    }
    async with db.transaction() as conn:
        await bump_book_stats(conn, GUILD, book_id, deltas)
        await bump_book_stats(conn, OTHER_GUILD, book_id, {"want_to_read": 1})
    assert await get_book_stats(db, GUILD, book_id) == BookStats(
        ratings_count=6,
        ratings_sum_x2=42,
        stars=(1, 0, 1, 2, 2),
        reviews_count=3,
        want_to_read=4,
        currently_reading=5,
        read_count=7,
        did_not_finish=8,
    )
    assert await get_book_stats(db, OTHER_GUILD, book_id) == BookStats(want_to_read=1)
