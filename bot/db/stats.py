"""Reading the maintained per-book aggregates."""

from __future__ import annotations

import sqlite3

from bot.db.database import Database
from bot.models.stats import BookStats

STATS_COLUMNS = """
    ratings_count, ratings_sum_x2, stars_1, stars_2, stars_3, stars_4, stars_5, reviews_count,
    want_to_read, currently_reading, read_count, did_not_finish
"""


def stats_from_row(row: sqlite3.Row | None) -> BookStats:
    if row is None or row["ratings_count"] is None:
        return BookStats()
    return BookStats(
        ratings_count=row["ratings_count"],
        ratings_sum_x2=row["ratings_sum_x2"],
        stars=(row["stars_1"], row["stars_2"], row["stars_3"], row["stars_4"], row["stars_5"]),
        reviews_count=row["reviews_count"],
        want_to_read=row["want_to_read"],
        currently_reading=row["currently_reading"],
        read_count=row["read_count"],
        did_not_finish=row["did_not_finish"],
    )


async def get_book_stats(db: Database, guild_id: int, book_id: int) -> BookStats:
    """One primary-key read, whatever the number of ratings."""
    query = f"SELECT {STATS_COLUMNS} FROM book_stats WHERE guild_id = ? AND book_id = ?"
    return stats_from_row(await db.fetchone(query, (guild_id, book_id)))
