"""Queries for club meetings: one row per Discord scheduled event the club made."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.db.database import Database, db_time, parse_db_time
from bot.db.shards import owned
from bot.models.meetings import Meeting
from bot.models.shards import ALL, Shards


def _meeting(row: sqlite3.Row) -> Meeting:
    return Meeting(
        meeting_id=row["meeting_id"],
        guild_id=row["guild_id"],
        event_id=row["event_id"],
        channel_id=row["channel_id"],
        name=row["name"],
        description=row["description"],
        topic=row["topic"],
        where_channel_id=row["where_channel_id"],
        location=row["location"],
        starts_at=parse_db_time(row["starts_at"]),
        ends_at=parse_db_time(row["ends_at"]),
        timezone=row["timezone"],
        repeat=row["repeat"],
        status=row["status"],
        created_by=row["created_by"],
        follows=row["follows"],
    )


async def claim(db: Database, plan: Meeting, now: datetime) -> int:
    """The row of a meeting about to be asked of Discord ('creating'): its id."""
    query = """
        INSERT INTO meetings (guild_id, channel_id, name, description, topic, where_channel_id, location,
                              starts_at, ends_at, timezone, repeat, status, created_by, created_at, follows)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?)
    """
    params = (
        plan.guild_id,
        plan.channel_id,
        plan.name,
        plan.description,
        plan.topic,
        plan.where_channel_id,
        plan.location,
        db_time(plan.starts_at),
        db_time(plan.ends_at),
        plan.timezone,
        plan.repeat,
        plan.created_by,
        db_time(now),
        plan.follows,
    )
    async with db.transaction() as conn:
        cursor = await conn.execute(query, params)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def drop(db: Database, meeting_id: int) -> None:
    """Forget a meeting Discord never made."""
    await db.execute("DELETE FROM meetings WHERE meeting_id = ? AND status = 'creating'", (meeting_id,))


async def get(db: Database, meeting_id: int) -> Meeting | None:
    row = await db.fetchone("SELECT * FROM meetings WHERE meeting_id = ?", (meeting_id,))
    return None if row is None else _meeting(row)


async def by_event(db: Database, event_id: int) -> Meeting | None:
    row = await db.fetchone("SELECT * FROM meetings WHERE event_id = ?", (event_id,))
    return None if row is None else _meeting(row)


async def with_status(db: Database, status: str, shards: Shards = ALL) -> list[Meeting]:
    where, params = owned(shards)
    rows = await db.fetchall(
        f"SELECT * FROM meetings WHERE status = ? AND {where} ORDER BY starts_at, meeting_id",
        (status, *params),
    )
    return [_meeting(row) for row in rows]


async def upcoming(db: Database, guild_id: int, now: datetime, *, limit: int = 25) -> list[Meeting]:
    """The server's scheduled meetings not over yet, soonest first (index: meetings_upcoming)."""
    query = """
        SELECT * FROM meetings WHERE guild_id = ? AND status = 'scheduled' AND ends_at > ?
        ORDER BY starts_at, meeting_id LIMIT ?
    """
    rows = await db.fetchall(query, (guild_id, db_time(now), limit))
    return [_meeting(row) for row in rows]


async def set_status(db: Database, meeting_id: int, status: str, *, was: str = "scheduled") -> bool:
    """Move a meeting on from `was`, once: False when another run moved it first."""
    query = "UPDATE meetings SET status = ? WHERE meeting_id = ? AND status = ?"
    return await db.execute(query, (status, meeting_id, was)) == 1


async def set_event(db: Database, meeting_id: int, event_id: int) -> None:
    query = (
        "UPDATE meetings SET event_id = ?, status = 'scheduled' WHERE meeting_id = ? AND status = 'creating'"
    )
    await db.execute(query, (event_id, meeting_id))


async def move(
    db: Database,
    meeting_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    name: str,
    where_channel_id: int | None,
    location: str | None,
) -> None:
    """Follow an edit made in Discord: the new time, name and place."""
    query = """
        UPDATE meetings SET starts_at = ?, ends_at = ?, name = ?, where_channel_id = ?, location = ?
        WHERE meeting_id = ?
    """
    await db.execute(
        query, (db_time(starts_at), db_time(ends_at), name, where_channel_id, location, meeting_id)
    )
