"""Ratings and the aggregates every club write keeps in step (`book_stats`, `member_stats`).

The aggregates are changed by deltas in the same transaction as the row they count, so a book
page or a profile reads one row whatever the number of ratings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.db.database import Database, Steps, db_time, run_steps

BOOK_STAT_COLUMNS = frozenset(
    {
        "ratings_count",
        "ratings_sum_x2",
        "stars_1",
        "stars_2",
        "stars_3",
        "stars_4",
        "stars_5",
        "reviews_count",
        "want_to_read",
        "currently_reading",
        "read_count",
        "did_not_finish",
    }
)
MEMBER_STAT_COLUMNS = frozenset(
    {"reviews_count", "followers_count", "following_count", "ratings_count", "ratings_sum_x2"}
)


def bump_steps(
    table: str,
    key: tuple[str, str],
    allowed: frozenset[str],
    ids: tuple[int, int],
    deltas: Mapping[str, int],
) -> Steps[None]:
    changed = {column: delta for column, delta in deltas.items() if delta}
    if not changed:
        return
    unknown = set(changed) - allowed
    if unknown:
        raise ValueError(f"not a {table} column: {sorted(unknown)}")
    columns = ", ".join(changed)
    marks = ", ".join("?" for _ in changed)
    updates = ", ".join(f"{column} = {column} + excluded.{column}" for column in changed)
    query = f"""
        INSERT INTO {table} ({key[0]}, {key[1]}, {columns}) VALUES (?, ?, {marks})
        ON CONFLICT ({key[0]}, {key[1]}) DO UPDATE SET {updates}
    """
    yield query, (*ids, *changed.values())


def book_stats_steps(guild_id: int, book_id: int, deltas: Mapping[str, int]) -> Steps[None]:
    """Add `deltas` to one `book_stats` row (created on first use)."""
    return bump_steps("book_stats", ("guild_id", "book_id"), BOOK_STAT_COLUMNS, (guild_id, book_id), deltas)


def member_stats_steps(guild_id: int, user_id: int, deltas: Mapping[str, int]) -> Steps[None]:
    """Add `deltas` to one `member_stats` row (created on first use)."""
    return bump_steps(
        "member_stats", ("guild_id", "user_id"), MEMBER_STAT_COLUMNS, (guild_id, user_id), deltas
    )


async def bump_book_stats(
    conn: aiosqlite.Connection, guild_id: int, book_id: int, deltas: Mapping[str, int]
) -> None:
    """Add `deltas` to one `book_stats` row (created on first use), inside a transaction."""
    await run_steps(conn, book_stats_steps(guild_id, book_id, deltas))


async def bump_member_stats(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, deltas: Mapping[str, int]
) -> None:
    """Add `deltas` to one `member_stats` row (created on first use), inside a transaction."""
    await run_steps(conn, member_stats_steps(guild_id, user_id, deltas))


def star_column(stars_x2: int) -> str:
    """The histogram row a rating counts in: 4½ stars (9) → `stars_4`."""
    return f"stars_{stars_x2 // 2}"


def rating_deltas(previous_x2: int | None, stars_x2: int | None) -> Counter[str]:
    """What replacing `previous_x2` by `stars_x2` (either may be None) changes in the aggregates."""
    deltas: Counter[str] = Counter()
    if previous_x2 is not None:
        deltas.update({"ratings_count": -1, "ratings_sum_x2": -previous_x2, star_column(previous_x2): -1})
    if stars_x2 is not None:
        deltas.update({"ratings_count": 1, "ratings_sum_x2": stars_x2, star_column(stars_x2): 1})
    return deltas


@dataclass(frozen=True, slots=True)
class RatingWrite:
    """The outcome of one rating write: the book's title, what was there and what is now."""

    book_id: int
    title: str
    previous_x2: int | None
    stars_x2: int | None


def write_rating_steps(
    guild_id: int, user_id: int, book_id: int, stars_x2: int | None, now: datetime
) -> Steps[RatingWrite | None]:
    """Set (or, with None, remove) a rating and its aggregates, inside a transaction.

    Returns None when the book is not in the catalogue (nothing written).
    """
    query = """
        SELECT b.title, r.stars_x2
        FROM books AS b
        LEFT JOIN ratings AS r ON r.guild_id = ? AND r.book_id = b.book_id AND r.user_id = ?
        WHERE b.book_id = ?
    """
    rows = yield query, (guild_id, user_id, book_id)
    if not rows:
        return None
    title, previous = str(rows[0][0]), rows[0][1]
    if stars_x2 is None:
        if previous is None:
            return RatingWrite(book_id, title, None, None)
        query = "DELETE FROM ratings WHERE guild_id = ? AND book_id = ? AND user_id = ?"
        yield query, (guild_id, book_id, user_id)
    else:
        query = """
            INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, book_id, user_id)
            DO UPDATE SET stars_x2 = excluded.stars_x2, rated_at = excluded.rated_at
        """
        yield query, (guild_id, book_id, user_id, stars_x2, db_time(now))
    deltas = rating_deltas(previous, stars_x2)
    yield from book_stats_steps(guild_id, book_id, deltas)
    yield from member_stats_steps(
        guild_id,
        user_id,
        {"ratings_count": deltas["ratings_count"], "ratings_sum_x2": deltas["ratings_sum_x2"]},
    )
    return RatingWrite(book_id, title, previous, stars_x2)


async def write_rating_in(
    conn: aiosqlite.Connection,
    guild_id: int,
    user_id: int,
    book_id: int,
    stars_x2: int | None,
    now: datetime,
) -> RatingWrite | None:
    """`write_rating_steps` on the connection of `Database.transaction()`."""
    return await run_steps(conn, write_rating_steps(guild_id, user_id, book_id, stars_x2, now))


async def get_rating(db: Database, guild_id: int, book_id: int, user_id: int) -> int | None:
    """The member's stars (doubled) for a book in this club, or None."""
    query = "SELECT stars_x2 FROM ratings WHERE guild_id = ? AND book_id = ? AND user_id = ?"
    value = await db.fetchval(query, (guild_id, book_id, user_id))
    return None if value is None else int(value)
