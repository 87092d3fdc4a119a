"""Queries on the `meta`, `guilds` and `members` tables."""

from __future__ import annotations

from bot.db.database import Database


async def get_meta(db: Database, key: str) -> str | None:
    query = "SELECT value FROM meta WHERE key = ?"
    value = await db.fetchval(query, (key,))
    return None if value is None else str(value)


async def set_meta(db: Database, key: str, value: str) -> None:
    query = """
        INSERT INTO meta (key, value) VALUES (?, ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value
    """
    await db.execute(query, (key, value))


async def remember_member(db: Database, guild_id: int, user_id: int, display_name: str) -> None:
    """Store a member's current display name (and their club's row), only when it changed."""
    query = """
        INSERT INTO members (guild_id, user_id, display_name) VALUES (?, ?, ?)
        ON CONFLICT (guild_id, user_id) DO UPDATE
            SET display_name = excluded.display_name,
                updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            WHERE members.display_name <> excluded.display_name
    """
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO guilds (guild_id) VALUES (?)", (guild_id,))
        await conn.execute(query, (guild_id, user_id, display_name))


async def club_counts(db: Database, guild_id: int) -> tuple[int, int, int]:
    """(books, ratings, reviews) this club holds, from the maintained per-book aggregates.

    A book counts while anyone has it rated, reviewed or shelved: a row whose counters all went
    back to zero (rated, then unrated) stays behind in book_stats but is not counted.
    """
    query = """
        SELECT count(*) FILTER (WHERE ratings_count + reviews_count + want_to_read + currently_reading
                                      + read_count + did_not_finish > 0),
               coalesce(sum(ratings_count), 0), coalesce(sum(reviews_count), 0)
        FROM book_stats WHERE guild_id = ?
    """
    row = await db.fetchone(query, (guild_id,))
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


async def probe_write(db: Database, now: str) -> None:
    """A real write, for the health check: proves the writer is free and the disk takes a page."""
    query = """
        INSERT INTO meta (key, value) VALUES ('health_probe', ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value
    """
    await db.execute(query, (now,))
