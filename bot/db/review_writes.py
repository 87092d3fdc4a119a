"""Writing reviews: insert, edit (the earlier text kept as history), delete, a card's place, likes.

Every write that changes how many reviews a book or a member has also moves
`book_stats.reviews_count` and `member_stats.reviews_count` in the same transaction (and
`review_star_counts` follows by trigger), so headers and profiles read one row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from bot.db.database import Database, db_time, parse_db_time
from bot.db.ratings import bump_book_stats, bump_member_stats
from bot.models.reviews import Review


async def _move_review_counters(
    conn: aiosqlite.Connection, guild_id: int, book_id: int, user_id: int, delta: int
) -> None:
    """book_stats / member_stats reviews_count (review_star_counts follows by trigger, see 0007)."""
    await bump_book_stats(conn, guild_id, book_id, {"reviews_count": delta})
    await bump_member_stats(conn, guild_id, user_id, {"reviews_count": delta})


async def insert_review_in(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    book_id: int,
    user_id: int,
    stars_x2: int | None,
    body: str,
    spoiler: bool,
    created_at: datetime,
    imported: bool = False,
) -> int:
    """Insert a review and move its counters; returns the review id."""
    cursor = await conn.execute(
        """
        INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, spoiler, created_at, imported)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (guild_id, book_id, user_id, stars_x2, body, int(spoiler), db_time(created_at), int(imported)),
    )
    assert cursor.lastrowid is not None
    await _move_review_counters(conn, guild_id, book_id, user_id, +1)
    return cursor.lastrowid


async def update_review_in(
    conn: aiosqlite.Connection,
    review: Review,
    *,
    stars_x2: int | None,
    body: str,
    spoiler: bool,
    now: datetime,
) -> None:
    """Replace a review's text and stars, keeping the earlier version in `review_history`.

    An edited review is the member's own from now on (`imported = 0`): a later import of the same
    Goodreads file never overwrites it.
    """
    rows = list(
        await conn.execute_fetchall(
            "SELECT max(edited_at) FROM review_history WHERE review_id = ?", (review.review_id,)
        )
    )
    edited_at = now
    last = rows[0][0] if rows else None
    if last is not None and db_time(edited_at) <= last:
        # Two edits within a millisecond (or a clock behind the last edit) must both be kept.
        edited_at = parse_db_time(last) + timedelta(milliseconds=1)
    await conn.execute(
        "INSERT INTO review_history (review_id, edited_at, stars_x2, body, spoiler) VALUES (?, ?, ?, ?, ?)",
        (review.review_id, db_time(edited_at), review.stars_x2, review.body, int(review.spoiler)),
    )
    await conn.execute(
        """
        UPDATE reviews SET stars_x2 = ?, body = ?, spoiler = ?, updated_at = ?, imported = 0
        WHERE review_id = ?
        """,
        (stars_x2, body, int(spoiler), db_time(edited_at), review.review_id),
    )


async def delete_review_in(conn: aiosqlite.Connection, review: Review) -> bool:
    """Delete a review (its history and likes cascade) and move its counters; False when gone."""
    cursor = await conn.execute("DELETE FROM reviews WHERE review_id = ?", (review.review_id,))
    if cursor.rowcount == 0:
        return False
    await _move_review_counters(conn, review.guild_id, review.book_id, review.user_id, -1)
    return True


async def toggle_like(db: Database, review_id: int, user_id: int) -> tuple[bool, int] | None:
    """Like or unlike; returns (liked now, likes) or None when the review is gone.

    The review is looked for inside the write transaction: a delete that landed after the caller
    read it would otherwise fail the like's foreign key (`INSERT OR IGNORE` does not cover those).
    """
    async with db.transaction() as conn:
        found = await conn.execute_fetchall("SELECT 1 FROM reviews WHERE review_id = ?", (review_id,))
        if not list(found):
            return None
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO review_likes (review_id, user_id) VALUES (?, ?)", (review_id, user_id)
        )
        liked = cursor.rowcount == 1
        if not liked:
            await conn.execute(
                "DELETE FROM review_likes WHERE review_id = ? AND user_id = ?", (review_id, user_id)
            )
        rows = list(
            await conn.execute_fetchall(
                "UPDATE reviews SET likes = likes + ? WHERE review_id = ? RETURNING likes",
                (1 if liked else -1, review_id),
            )
        )
    return (liked, int(rows[0][0])) if rows else None
