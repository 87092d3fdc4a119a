"""Queries for club_sends: the club features' scheduled messages, each claimed once with its nonce."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import aiosqlite

from bot.db.database import Database, db_time, parse_db_time
from bot.db.shards import owned
from bot.models.sends import PlannedSend
from bot.models.shards import ALL, Shards

Source = Database | aiosqlite.Connection


def _send(row: sqlite3.Row) -> PlannedSend:
    return PlannedSend(
        key=row["send_key"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        due_at=parse_db_time(row["due_at"]),
        nonce=row["nonce"],
        status=row["status"],
        first_attempt_at=parse_db_time(row["first_attempt_at"]) if row["first_attempt_at"] else None,
        message_id=row["message_id"],
        error=row["error"],
    )


async def plan_in(
    conn: aiosqlite.Connection,
    key: str,
    *,
    guild_id: int,
    channel_id: int,
    due_at: datetime,
    nonce: str,
    now: datetime,
) -> bool:
    """Claim a send inside the caller's transaction; False when the key was claimed before."""
    query = """
        INSERT INTO club_sends (send_key, guild_id, channel_id, due_at, nonce, status, updated_at)
        VALUES (?, ?, ?, ?, ?, 'planned', ?)
        ON CONFLICT (send_key) DO NOTHING
    """
    cursor = await conn.execute(query, (key, guild_id, channel_id, db_time(due_at), nonce, db_time(now)))
    return cursor.rowcount == 1


async def plan(
    db: Database, key: str, *, guild_id: int, channel_id: int, due_at: datetime, nonce: str, now: datetime
) -> bool:
    async with db.transaction() as conn:
        return await plan_in(
            conn, key, guild_id=guild_id, channel_id=channel_id, due_at=due_at, nonce=nonce, now=now
        )


async def get_send(db: Database, key: str) -> PlannedSend | None:
    row = await db.fetchone("SELECT * FROM club_sends WHERE send_key = ?", (key,))
    return None if row is None else _send(row)


async def planned_sends(db: Database, shards: Shards = ALL) -> list[PlannedSend]:
    """Every send of the servers `shards` owns not finished yet (index: club_sends_planned), oldest due first."""
    where, params = owned(shards)
    query = f"SELECT * FROM club_sends WHERE status = 'planned' AND {where} ORDER BY due_at, send_key"
    rows = await db.fetchall(query, params)
    return [_send(row) for row in rows]


async def note_attempt(db: Database, key: str, now: datetime, *, holder: str, lease: timedelta) -> bool:
    """Written before the POST, taking the send's lease; False when the send is no longer planned
    (another run settled it) or another holder took its lease less than `lease` ago."""
    query = """
        UPDATE club_sends SET first_attempt_at = coalesce(first_attempt_at, :now), updated_at = :now,
            lease_holder = :holder, lease_at = :now
        WHERE send_key = :key AND status = 'planned'
          AND (lease_holder IS NULL OR lease_holder = :holder OR lease_at <= :expired)
    """
    params = {"now": db_time(now), "holder": holder, "key": key, "expired": db_time(now - lease)}
    return await db.execute(query, params) == 1


async def note_sent(db: Database, key: str, message_id: int, now: datetime) -> None:
    """Written after the POST answered."""
    query = """
        UPDATE club_sends SET status = 'sent', message_id = ?, error = NULL, updated_at = ?
        WHERE send_key = ?
    """
    await db.execute(query, (message_id, db_time(now), key))


async def settle(db: Database, key: str, status: str, error: str, now: datetime) -> bool:
    """A planned send that will not go out ('skipped', 'lost' or 'failed'), with why; False when it was
    no longer planned."""
    query = """
        UPDATE club_sends SET status = ?, error = ?, updated_at = ?
        WHERE send_key = ? AND status = 'planned'
    """
    return await db.execute(query, (status, error, db_time(now), key)) == 1


async def drop_planned(db: Database, prefix: str, now: datetime, error: str) -> int:
    """Settle as 'skipped' every planned send whose key starts with `prefix` (a cancelled meeting)."""
    query = """
        UPDATE club_sends SET status = 'skipped', error = ?, updated_at = ?
        WHERE status = 'planned' AND substr(send_key, 1, length(?)) = ?
    """
    return await db.execute(query, (error, db_time(now), prefix, prefix))
