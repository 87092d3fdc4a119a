"""Rating services on a real SQLite file: validation, aggregates kept in step, concurrency."""

from __future__ import annotations

import asyncio
import math
import random
import re
from datetime import UTC, datetime

import pytest

from bot.db import Database
from bot.db.stats import get_book_stats
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.models.stats import BookStats
from bot.services.ratings import parse_stars, rate_book, unrate_book
from tests.helpers import seed_book

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD = 1


async def recomputed(db: Database, guild_id: int, book_id: int) -> BookStats:
    """The aggregates as a full scan of `ratings` would give them (what book_stats must equal)."""
    query = """
        SELECT count(*), coalesce(sum(stars_x2), 0),
               count(*) FILTER (WHERE stars_x2 / 2 = 1), count(*) FILTER (WHERE stars_x2 / 2 = 2), count(*) FILTER (WHERE stars_x2 / 2 = 3),
               count(*) FILTER (WHERE stars_x2 / 2 = 4), count(*) FILTER (WHERE stars_x2 / 2 = 5)
        FROM ratings WHERE guild_id = ? AND book_id = ?
    """
    row = await db.fetchone(query, (guild_id, book_id))
    assert row is not None
    stars = tuple(int(value or 0) for value in tuple(row)[2:])
    return BookStats(ratings_count=row[0], ratings_sum_x2=row[1], stars=stars)  # type: ignore[arg-type]


async def rating_stats(db: Database, guild_id: int, book_id: int) -> BookStats:
    stats = await get_book_stats(db, guild_id, book_id)
    return BookStats(
        ratings_count=stats.ratings_count, ratings_sum_x2=stats.ratings_sum_x2, stars=stats.stars
    )


async def member_totals(db: Database, user_id: int) -> tuple[int, int]:
    row = await db.fetchone(
        "SELECT ratings_count, ratings_sum_x2 FROM member_stats WHERE guild_id = ? AND user_id = ?",
        (GUILD, user_id),
    )
    return (0, 0) if row is None else (row[0], row[1])


@pytest.mark.parametrize(("stars", "x2"), [(1, 2), (1.5, 3), (2, 4), (3.5, 7), (4.5, 9), (5, 10), (5.0, 10)])
def test_half_steps_are_accepted(stars: float, x2: int) -> None:
    assert parse_stars(stars) == x2


@pytest.mark.parametrize("stars", [0, 0.5, 5.5, 6, -1, 4.3, 4.25, 1.0001, math.nan, math.inf])
def test_other_values_are_refused_clearly(stars: float) -> None:
    with pytest.raises(UserFacingError, match="give 1 to 5 stars in half steps"):
        parse_stars(stars)


@pytest.mark.parametrize(("stars", "x2"), [(4.999999999, 10), (3.5000004, 7), (1.0000009, 2), (4.4999999, 9)])
def test_values_within_a_millionth_of_a_half_step_are_that_step(stars: float, x2: int) -> None:
    assert parse_stars(stars) == x2


@pytest.mark.parametrize(("stars", "named"), [(4.99999, "4.99999"), (4.3, "4.3"), (1.0001, "1.0001")])
def test_a_refusal_names_the_value_given(stars: float, named: str) -> None:
    with pytest.raises(UserFacingError, match=rf"^{re.escape(named)} is not a rating"):
        parse_stars(stars)


async def test_rate_replace_unrate_keep_aggregates_exact(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    change = await rate_book(db, GUILD, 7, book_id, 9, NOW)
    assert change.message == "You rated *MIG Pilot* ★★★★½ (4.5)."
    change = await rate_book(db, GUILD, 7, book_id, 9, NOW)
    assert change.message == "You had already rated *MIG Pilot* ★★★★½ (4.5)."
    await rate_book(db, GUILD, 8, book_id, 2, NOW)
    assert await rating_stats(db, GUILD, book_id) == BookStats(2, 11, (1, 0, 0, 1, 0))
    change = await unrate_book(db, GUILD, 7, book_id, NOW)
    assert change.message == "Removed your ★★★★½ rating of *MIG Pilot*."
    assert await rating_stats(db, GUILD, book_id) == BookStats(1, 2, (1, 0, 0, 0, 0))
    assert await member_totals(db, 7) == (0, 0)
    assert await member_totals(db, 8) == (1, 2)


async def test_refusals_write_nothing(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    with pytest.raises(UserFacingError, match="nothing to remove"):
        await unrate_book(db, GUILD, 7, book_id, NOW)
    with pytest.raises(UserFacingError, match="no longer in the catalogue"):
        await rate_book(db, GUILD, 7, book_id + 1, 8, NOW)
    with pytest.raises(UserFacingError, match="half steps"):
        await rate_book(db, GUILD, 7, book_id, 11, NOW)
    for table in ("ratings", "book_stats", "member_stats"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0


async def test_two_hundred_members_rating_at_once(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    rng = random.Random(4)
    given = {user_id: rng.randint(2, 10) for user_id in range(1, 201)}
    await asyncio.gather(*(rate_book(db, GUILD, u, book_id, x2, NOW) for u, x2 in given.items()))
    assert await db.fetchval("SELECT count(*) FROM ratings") == 200
    stats = await rating_stats(db, GUILD, book_id)
    assert stats == await recomputed(db, GUILD, book_id)
    assert stats.ratings_count == 200
    assert stats.ratings_sum_x2 == sum(given.values())
    for user_id, x2 in given.items():
        assert await member_totals(db, user_id) == (1, x2)


async def test_one_member_rating_twice_at_once(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    await asyncio.gather(
        rate_book(db, GUILD, 7, book_id, 4, NOW),
        rate_book(db, GUILD, 7, book_id, 8, NOW),
        rate_book(db, GUILD, 7, book_id, 10, NOW),
    )
    rows = await db.fetchall("SELECT stars_x2 FROM ratings")
    assert len(rows) == 1
    final = rows[0][0]
    stats = await rating_stats(db, GUILD, book_id)
    assert stats == await recomputed(db, GUILD, book_id)
    assert (stats.ratings_count, stats.ratings_sum_x2) == (1, final)
    assert await member_totals(db, 7) == (1, final)


async def test_rating_and_unrating_at_once_stays_consistent(db: Database) -> None:
    book_id = (await seed_book(db)).book_id
    await rate_book(db, GUILD, 7, book_id, 6, NOW)
    results = await asyncio.gather(
        unrate_book(db, GUILD, 7, book_id, NOW),
        rate_book(db, GUILD, 7, book_id, 8, NOW),
        unrate_book(db, GUILD, 7, book_id, NOW),
        return_exceptions=True,
    )
    assert all(not isinstance(r, Exception) or isinstance(r, UserFacingError) for r in results)
    stats = await rating_stats(db, GUILD, book_id)
    assert stats == await recomputed(db, GUILD, book_id)
    count = await db.fetchval("SELECT count(*) FROM ratings")
    assert await member_totals(db, 7) == (count, stats.ratings_sum_x2)


async def test_random_histories_match_a_full_recount(db: Database) -> None:
    books = [(await seed_book(db, BookData(title=f"Book {n}", pages=222))).book_id for n in range(3)]
    rng = random.Random(11)
    for _ in range(400):
        guild_id, user_id, book_id = rng.choice((1, 2)), rng.randint(1, 15), rng.choice(books)
        try:
            if rng.random() < 0.25:
                await unrate_book(db, guild_id, user_id, book_id, NOW)
            else:
                await rate_book(db, guild_id, user_id, book_id, rng.randint(2, 10), NOW)
        except UserFacingError:
            pass
    for guild_id in (1, 2):
        for book_id in books:
            assert await rating_stats(db, guild_id, book_id) == await recomputed(db, guild_id, book_id)
