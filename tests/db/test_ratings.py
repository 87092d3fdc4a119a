"""Ratings and the aggregates moved with them, in one transaction, per server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db import Database
from bot.db.ratings import (
    RatingWrite,
    bump_book_stats,
    bump_member_stats,
    get_rating,
    rating_deltas,
    star_column,
    write_rating_in,
)
from bot.db.stats import get_book_stats
from bot.models.stats import BookStats
from tests.helpers import Abandoned, abandon, seed_book

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 1, 2
ALICE, BOB = 10, 20


async def rate(db: Database, guild_id: int, user_id: int, book_id: int, x2: int | None) -> RatingWrite | None:
    async with db.transaction() as conn:
        return await write_rating_in(conn, guild_id, user_id, book_id, x2, NOW)


async def member_ratings(db: Database, guild_id: int, user_id: int) -> tuple[int, int] | None:
    row = await db.fetchone(
        "SELECT ratings_count, ratings_sum_x2 FROM member_stats WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    return None if row is None else (row[0], row[1])


def test_half_stars_count_in_their_whole_star_row() -> None:
    assert star_column(9) == "stars_4"
    assert star_column(3) == "stars_1"
    assert star_column(10) == "stars_5"
    assert rating_deltas(9, 4) == {"ratings_count": 0, "ratings_sum_x2": -5, "stars_4": -1, "stars_2": 1}
    assert rating_deltas(None, None) == {}


def test_rating_deltas_for_a_new_and_a_removed_rating() -> None:
    assert rating_deltas(None, 10) == {"ratings_count": 1, "ratings_sum_x2": 10, "stars_5": 1}
    assert rating_deltas(3, None) == {"ratings_count": -1, "ratings_sum_x2": -3, "stars_1": -1}
    assert +rating_deltas(8, 9) == {"ratings_sum_x2": 1}  # same row: only the sum moves


async def test_a_rating_write_reports_before_and_after(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    assert await rate(db, GUILD, ALICE, book_id, 9) == RatingWrite(book_id, "MIG Pilot", None, 9)
    assert await rate(db, GUILD, ALICE, book_id, 4) == RatingWrite(book_id, "MIG Pilot", 9, 4)
    assert await get_rating(db, GUILD, book_id, ALICE) == 4
    assert await rate(db, GUILD, ALICE, book_id, None) == RatingWrite(book_id, "MIG Pilot", 4, None)
    assert await get_rating(db, GUILD, book_id, ALICE) is None
    # Removing a rating that is not there changes nothing and says so.
    assert await rate(db, GUILD, ALICE, book_id, None) == RatingWrite(book_id, "MIG Pilot", None, None)
    assert await get_book_stats(db, GUILD, book_id) == BookStats()
    assert await member_ratings(db, GUILD, ALICE) == (0, 0)


async def test_a_missing_book_writes_nothing(db: Database) -> None:
    assert await rate(db, GUILD, ALICE, 404, 8) is None
    assert await get_rating(db, GUILD, 404, ALICE) is None
    for table in ("ratings", "book_stats", "member_stats"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0


async def test_aggregates_move_with_the_rating(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    await rate(db, GUILD, ALICE, book_id, 9)
    await rate(db, GUILD, BOB, book_id, 4)
    await rate(db, GUILD, BOB, book_id, 10)
    stats = await get_book_stats(db, GUILD, book_id)
    assert (stats.ratings_count, stats.ratings_sum_x2, stats.stars) == (2, 19, (0, 0, 0, 1, 1))
    assert await member_ratings(db, GUILD, ALICE) == (1, 9)
    assert await member_ratings(db, GUILD, BOB) == (1, 10)


async def test_a_rolled_back_rating_leaves_no_aggregate_behind(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    with pytest.raises(Abandoned):
        await abandon(db, lambda conn: write_rating_in(conn, GUILD, ALICE, book_id, 8, NOW))
    assert await get_rating(db, GUILD, book_id, ALICE) is None
    assert await get_book_stats(db, GUILD, book_id) == BookStats()
    assert await member_ratings(db, GUILD, ALICE) is None


async def test_ratings_belong_to_one_server(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    await rate(db, GUILD, ALICE, book_id, 2)
    await rate(db, OTHER_GUILD, ALICE, book_id, 10)
    assert await get_rating(db, GUILD, book_id, ALICE) == 2
    assert await get_rating(db, OTHER_GUILD, book_id, ALICE) == 10
    assert (await get_book_stats(db, GUILD, book_id)).stars == (1, 0, 0, 0, 0)
    assert (await get_book_stats(db, OTHER_GUILD, book_id)).stars == (0, 0, 0, 0, 1)
    assert await member_ratings(db, OTHER_GUILD, ALICE) == (1, 10)
    await rate(db, OTHER_GUILD, ALICE, book_id, None)
    assert await get_rating(db, GUILD, book_id, ALICE) == 2  # the other server's removal left it


async def test_bumps_create_the_row_on_first_use_and_skip_zero_deltas(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    async with db.transaction() as conn:
        await bump_book_stats(conn, GUILD, book_id, {"reviews_count": 0})
        await bump_member_stats(conn, GUILD, ALICE, {})
    assert await db.fetchval("SELECT count(*) FROM book_stats") == 0
    assert await db.fetchval("SELECT count(*) FROM member_stats") == 0
    async with db.transaction() as conn:
        await bump_book_stats(conn, GUILD, book_id, {"want_to_read": 2, "read_count": 1})
        await bump_book_stats(conn, GUILD, book_id, {"want_to_read": -1})
        await bump_member_stats(conn, GUILD, ALICE, {"followers_count": 3})
    stats = await get_book_stats(db, GUILD, book_id)
    assert (stats.want_to_read, stats.read_count) == (1, 1)
    assert await db.fetchval("SELECT followers_count FROM member_stats") == 3


async def test_bumping_an_unknown_column_is_refused(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    async with db.transaction() as conn:
        with pytest.raises(ValueError, match="not a book_stats column"):
            await bump_book_stats(conn, GUILD, book_id, {"ratings_count; DROP TABLE books": 1})
        with pytest.raises(ValueError, match="not a member_stats column"):
            await bump_member_stats(conn, GUILD, ALICE, {"want_to_read": 1})
