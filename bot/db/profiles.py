"""Follows, reading goals and what a profile reads: counters, shelf counts, current books."""

from __future__ import annotations

import aiosqlite

from bot.db.database import Database
from bot.db.ratings import bump_member_stats
from bot.db.shelves import MEMBER_SHELF_STAT
from bot.models.profiles import MemberSummary, ReadingNow


async def member_summary(db: Database, guild_id: int, user_id: int, year: int) -> MemberSummary:
    """One statement: primary-key reads of the counters (the shelf counts are the ones migration
    0015's triggers keep), the name and the goal, and the count of read books finished this year —
    a range of the member's read shelf in the (guild, user, shelf, …) index."""
    shelf_columns = ", ".join(f"s.{column} AS {column}" for column in MEMBER_SHELF_STAT.values())
    query = f"""
        SELECT
            (SELECT display_name FROM members WHERE guild_id = :g AND user_id = :u) AS display_name,
            s.reviews_count, s.followers_count, s.following_count, s.ratings_count, s.ratings_sum_x2,
            (SELECT books FROM goals WHERE guild_id = :g AND user_id = :u AND year = :y) AS goal,
            {shelf_columns},
            (SELECT count(*) FROM shelves
             WHERE guild_id = :g AND user_id = :u AND shelf = 'read' AND finished_at >= :since) AS this_year
        FROM (SELECT 1) LEFT JOIN member_stats AS s ON s.guild_id = :g AND s.user_id = :u
    """
    row = await db.fetchone(query, {"g": guild_id, "u": user_id, "y": year, "since": f"{year:04d}-01-01"})
    assert row is not None
    return MemberSummary(
        display_name=row["display_name"],
        reviews_count=row["reviews_count"] or 0,
        followers_count=row["followers_count"] or 0,
        following_count=row["following_count"] or 0,
        ratings_count=row["ratings_count"] or 0,
        ratings_sum_x2=row["ratings_sum_x2"] or 0,
        goal=row["goal"],
        shelves={shelf: row[column] for shelf, column in MEMBER_SHELF_STAT.items() if row[column]},
        read_this_year=row["this_year"],
    )


async def reading_now(db: Database, guild_id: int, user_id: int, *, limit: int = 5) -> list[ReadingNow]:
    query = """
        SELECT b.book_id, b.title, b.pages, s.page, s.percent
        FROM shelves AS s JOIN books AS b ON b.book_id = s.book_id
        WHERE s.guild_id = ? AND s.user_id = ? AND s.shelf = 'currently-reading'
        ORDER BY s.added_at DESC
        LIMIT ?
    """
    rows = await db.fetchall(query, (guild_id, user_id, limit))
    return [ReadingNow(r["book_id"], r["title"], r["pages"], r["page"], r["percent"]) for r in rows]


async def add_follow_in(
    conn: aiosqlite.Connection, guild_id: int, follower_id: int, followee_id: int, created_at: str
) -> bool:
    """Follow inside a transaction, with both counters; False when already following."""
    query = """
        INSERT INTO follows (guild_id, follower_id, followee_id, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT DO NOTHING
    """
    cursor = await conn.execute(query, (guild_id, follower_id, followee_id, created_at))
    if cursor.rowcount == 0:
        return False
    await bump_member_stats(conn, guild_id, follower_id, {"following_count": 1})
    await bump_member_stats(conn, guild_id, followee_id, {"followers_count": 1})
    return True


async def remove_follow_in(
    conn: aiosqlite.Connection, guild_id: int, follower_id: int, followee_id: int
) -> bool:
    """Unfollow inside a transaction, with both counters; False when not following."""
    query = "DELETE FROM follows WHERE guild_id = ? AND follower_id = ? AND followee_id = ?"
    cursor = await conn.execute(query, (guild_id, follower_id, followee_id))
    if cursor.rowcount == 0:
        return False
    await bump_member_stats(conn, guild_id, follower_id, {"following_count": -1})
    await bump_member_stats(conn, guild_id, followee_id, {"followers_count": -1})
    return True


async def set_goal(db: Database, guild_id: int, user_id: int, year: int, books: int) -> None:
    query = """
        INSERT INTO goals (guild_id, user_id, year, books) VALUES (?, ?, ?, ?)
        ON CONFLICT (guild_id, user_id, year) DO UPDATE SET books = excluded.books
    """
    await db.execute(query, (guild_id, user_id, year, books))


async def display_name(db: Database, guild_id: int, user_id: int) -> str | None:
    """The member's display name as last stored, or None."""
    query = "SELECT display_name FROM members WHERE guild_id = ? AND user_id = ?"
    value = await db.fetchval(query, (guild_id, user_id))
    return None if value is None else str(value)
