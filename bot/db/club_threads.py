"""Section-thread memberships: the queue of members the bot owes a thread, and what Discord said."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite

from bot.db.club import Source, rows_of
from bot.db.database import Database
from bot.db.shards import owned_named
from bot.models.club import ThreadAdd
from bot.models.shards import ALL, Shards


async def queue_adds_in(
    conn: aiosqlite.Connection, read_id: int, reached: Sequence[tuple[int, int]], now: str
) -> None:
    """Owe each (section, member) its thread once; a refusal is tried again (their progress moved)."""
    query = """
        INSERT INTO club_thread_members (read_id, number, user_id, state, updated_at)
        VALUES (?, ?, ?, 'pending', ?)
        ON CONFLICT (read_id, number, user_id) DO UPDATE
            SET state = 'pending', error = NULL, updated_at = excluded.updated_at
            WHERE club_thread_members.state = 'refused'
    """
    if reached:
        await conn.executemany(query, [(read_id, number, user_id, now) for number, user_id in reached])


async def pending_adds(
    source: Source,
    *,
    read_id: int | None = None,
    user_ids: Sequence[int] | None = None,
    shards: Shards = ALL,
) -> list[ThreadAdd]:
    """Invitations still owed, for active reads whose channel exists (optionally one read / members),
    in the servers `shards` owns."""
    where, owned_params = owned_named(shards, "r.guild_id")
    query = f"""
        SELECT m.read_id, r.guild_id, r.channel_id, m.number, s.thread_id, m.user_id
        FROM club_thread_members AS m
        JOIN club_reads AS r ON r.read_id = m.read_id
        JOIN club_sections AS s ON s.read_id = m.read_id AND s.number = m.number
        WHERE m.state = 'pending' AND r.status = 'active' AND r.channel_gone_at IS NULL
          AND (CAST(:read AS BIGINT) IS NULL OR m.read_id = :read)
          AND (CAST(:users AS TEXT) IS NULL OR m.user_id IN (SELECT CAST(value AS BIGINT) FROM json_each(:users)))
          AND {where}
        ORDER BY m.read_id, m.number, m.user_id
    """
    users = None if user_ids is None else json.dumps(list(user_ids))
    rows = await rows_of(source, query, {"read": read_id, "users": users, **owned_params})
    return [
        ThreadAdd(
            row["read_id"],
            row["guild_id"],
            row["channel_id"],
            row["number"],
            row["thread_id"],
            row["user_id"],
        )
        for row in rows
    ]


_SET_STATE = """
    UPDATE club_thread_members SET state = ?, error = ?, updated_at = ?
    WHERE read_id = ? AND number = ? AND user_id = ?
"""


async def set_state(db: Database, add: ThreadAdd, state: str, error: str | None, now: str) -> None:
    await db.execute(_SET_STATE, (state, error, now, add.read_id, add.number, add.user_id))


async def set_states(
    db: Database, adds: Sequence[ThreadAdd], state: str, error: str | None, now: str
) -> None:
    """`set_state` for many invitations, in one transaction."""
    await db.executemany(_SET_STATE, [(state, error, now, a.read_id, a.number, a.user_id) for a in adds])


async def note_error(db: Database, add: ThreadAdd, error: str, now: str) -> None:
    """Keep the invitation owed (it is resumed later) but remember why it failed this time."""
    await set_state(db, add, "pending", error, now)


async def section_of_thread(db: Database, thread_id: int) -> tuple[int, int] | None:
    """(read_id, section) of an active read's section thread."""
    query = """
        SELECT s.read_id, s.number FROM club_sections AS s
        JOIN club_reads AS r ON r.read_id = s.read_id AND r.status = 'active'
        WHERE s.thread_id = ?
    """
    row = await db.fetchone(query, (thread_id,))
    return None if row is None else (row["read_id"], row["number"])


async def replace_thread(
    db: Database,
    read_id: int,
    number: int,
    old_thread_id: int | None,
    thread_id: int,
    message_id: int | None,
    now: str,
) -> bool:
    """Point a section at its recreated thread and owe everyone who was in the old one again.

    False (and nothing changed) when the section no longer has `old_thread_id`: someone else
    already recreated it.
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            """
            UPDATE club_sections SET thread_id = ?, message_id = ?, recreated_at = ?
            WHERE read_id = ? AND number = ? AND thread_id IS ?
            """,
            (thread_id, message_id, now, read_id, number, old_thread_id),
        )
        if cursor.rowcount != 1:
            return False
        await conn.execute(
            """
            UPDATE club_thread_members SET state = 'pending', error = NULL, updated_at = ?
            WHERE read_id = ? AND number = ? AND state = 'added'
            """,
            (now, read_id, number),
        )
    return True
