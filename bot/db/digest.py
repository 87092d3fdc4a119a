"""Queries for the weekly digest: schedules, the per-week post records and the digest's content."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.db.database import Database, db_time, lock_key, parse_db_time
from bot.db.shards import owned
from bot.models.digest import (
    FinishedEntry,
    PlannedMessage,
    PostRecord,
    ReadingEntry,
    ReviewEntry,
    Schedule,
    ScheduleTime,
    Unfinished,
    WantedEntry,
)
from bot.models.shards import ALL, Shards

# -- time stamps ---------------------------------------------------------------------------


def bound(moment: datetime) -> str:
    """A range bound that compares correctly against every stored time, whatever its precision.

    Stored times are `db_time` stamps ('…:SS.mmmZ'), or dates and midnight stamps from imports;
    a bound of exactly 'YYYY-MM-DDTHH:MM:SS' sorts right against all of them.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def from_db_time(text: str | None) -> datetime | None:
    """A stored time (or None) as an aware UTC datetime."""
    return parse_db_time(text).astimezone(UTC) if text else None


# -- schedules -----------------------------------------------------------------------------


def _schedule(row: sqlite3.Row) -> Schedule:
    since = from_db_time(row["since"])
    assert since is not None
    return Schedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        weekday=row["weekday"],
        hour=row["hour"],
        minute=row["minute"],
        timezone=row["timezone"],
        since=since,
        last_error=row["last_error"],
        last_error_at=from_db_time(row["last_error_at"]),
    )


async def get_schedule(db: Database, guild_id: int) -> Schedule | None:
    query = "SELECT * FROM digest_settings WHERE guild_id = ?"
    row = await db.fetchone(query, (guild_id,))
    return None if row is None else _schedule(row)


async def schedule_groups(db: Database, shards: Shards = ALL) -> list[tuple[ScheduleTime, list[int]]]:
    """The clubs of the servers `shards` owns grouped by digest time (zone, weekday, hour, minute): one
    statement over digest_settings_by_time, a row per distinct time rather than per club.

    SQLite's group_concat; PostgreSQL's form is string_agg(guild_id::text, ',').
    """
    where, params = owned(shards)
    query = f"""
        SELECT timezone, weekday, hour, minute, group_concat(guild_id) AS guilds
        FROM digest_settings
        WHERE {where}
        GROUP BY timezone, weekday, hour, minute
    """
    groups = []
    for row in await db.fetchall(query, params):
        guild_ids = list(map(int, str(row[4]).split(",")))
        groups.append((ScheduleTime(guild_ids[0], row[1], row[2], row[3], row[0]), guild_ids))
    return groups


async def claimed_guilds(db: Database, shards: Shards = ALL) -> list[int]:
    """The servers (`shards`' own) with a week claimed and never finished (index: digest_posts_claimed)."""
    where, params = owned(shards)
    query = f"SELECT DISTINCT guild_id FROM digest_posts WHERE status = 'claimed' AND {where}"
    return [row[0] for row in await db.fetchall(query, params)]


async def schedule_times(db: Database, shards: Shards = ALL) -> list[ScheduleTime]:
    """Every club's digest time in the servers `shards` owns, with its latest week on record and
    whether a week is left claimed: one statement, two index seeks a club (primary key and
    digest_posts_latest)."""
    where, params = owned(shards, "s.guild_id")
    query = f"""
        SELECT s.guild_id, s.weekday, s.hour, s.minute, s.timezone,
               (SELECT max(p.period) FROM digest_posts AS p WHERE p.guild_id = s.guild_id) AS last_period,
               EXISTS (
                   SELECT 1 FROM digest_posts AS c WHERE c.guild_id = s.guild_id AND c.status = 'claimed'
               ) AS claimed
        FROM digest_settings AS s
        WHERE {where}
    """
    rows = await db.fetchall(query, params)
    return [ScheduleTime(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6])) for row in rows]


async def all_schedules(db: Database, shards: Shards = ALL) -> list[Schedule]:
    """Every schedule of the servers `shards` owns, in one query."""
    where, params = owned(shards)
    query = f"SELECT * FROM digest_settings WHERE {where} ORDER BY guild_id"
    return [_schedule(row) for row in await db.fetchall(query, params)]


async def save_schedule(db: Database, schedule: Schedule) -> None:
    """Insert or replace a club's schedule; a new schedule starts with no error."""
    query = """
        INSERT INTO digest_settings (guild_id, channel_id, weekday, hour, minute, timezone, since)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (guild_id) DO UPDATE SET
            channel_id = excluded.channel_id, weekday = excluded.weekday, hour = excluded.hour,
            minute = excluded.minute, timezone = excluded.timezone, since = excluded.since,
            last_error = NULL, last_error_at = NULL
    """
    params = (
        schedule.guild_id,
        schedule.channel_id,
        schedule.weekday,
        schedule.hour,
        schedule.minute,
        schedule.timezone,
        db_time(schedule.since),
    )
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO guilds (guild_id) VALUES (?)", (schedule.guild_id,))
        await conn.execute(query, params)


async def delete_schedule(db: Database, guild_id: int) -> bool:
    """Remove a club's schedule (its post history stays); True when there was one."""
    query = "DELETE FROM digest_settings WHERE guild_id = ?"
    return await db.execute(query, (guild_id,)) > 0


# -- post records --------------------------------------------------------------------------


def _post(row: sqlite3.Row) -> PostRecord:
    slot_at = from_db_time(row["slot_at"])
    assert slot_at is not None
    return PostRecord(
        guild_id=row["guild_id"],
        period=row["period"],
        slot_at=slot_at,
        status=row["status"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        messages=row["messages"],
        error=row["error"],
    )


async def claim_period(
    db: Database, guild_id: int, period: str, slot_at: datetime, now: datetime, *, status: str = "claimed"
) -> bool:
    """Claim a club's week; True only for the one caller whose INSERT created the row.

    The primary key (guild_id, period) makes this atomic: two overlapping triggers, or a restart
    after a post, both reach this INSERT and exactly one of them wins, whatever memory says.
    """
    query = """
        INSERT INTO digest_posts (guild_id, period, slot_at, claimed_at, status) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (guild_id, period) DO NOTHING
    """
    params = (guild_id, period, db_time(slot_at), db_time(now), status)
    async with db.transaction() as conn:
        cursor = await conn.execute(query, params)
        return cursor.rowcount == 1


async def finish_period(
    db: Database,
    guild_id: int,
    period: str,
    *,
    status: str,
    now: datetime,
    channel_id: int | None = None,
    message_id: int | None = None,
    messages: int = 0,
    error: str | None = None,
) -> None:
    """Record a claimed week's outcome, and the club's last error (cleared by a success)."""
    post = """
        UPDATE digest_posts SET status = ?, channel_id = ?, message_id = ?, messages = ?, error = ?
        WHERE guild_id = ? AND period = ?
    """
    settings = """
        UPDATE digest_settings SET last_error = ?, last_error_at = ? WHERE guild_id = ?
    """
    async with db.transaction() as conn:
        await conn.execute(post, (status, channel_id, message_id, messages, error, guild_id, period))
        if error is not None:
            await conn.execute(settings, (error, db_time(now), guild_id))
        elif status == "posted":
            await conn.execute(settings, (None, None, guild_id))


async def get_post(db: Database, guild_id: int, period: str) -> PostRecord | None:
    query = "SELECT * FROM digest_posts WHERE guild_id = ? AND period = ?"
    row = await db.fetchone(query, (guild_id, period))
    return None if row is None else _post(row)


async def last_post(db: Database, guild_id: int) -> PostRecord | None:
    """The latest week that was actually posted."""
    query = """
        SELECT * FROM digest_posts WHERE guild_id = ? AND status = 'posted'
        ORDER BY slot_at DESC LIMIT 1
    """
    row = await db.fetchone(query, (guild_id,))
    return None if row is None else _post(row)


async def claimed_posts(db: Database, guild_id: int) -> list[PostRecord]:
    """The club's weeks that were claimed and never finished, oldest first."""
    query = """
        SELECT * FROM digest_posts WHERE guild_id = ? AND status = 'claimed' ORDER BY slot_at
    """
    return [_post(row) for row in await db.fetchall(query, (guild_id,))]


async def unfinished(db: Database, guild_id: int) -> Unfinished | None:
    """The latest claimed week that is not finished, with how many of its messages are known sent."""
    query = """
        SELECT p.slot_at, count(m.part) AS planned, count(m.message_id) AS sent
        FROM digest_posts AS p
        LEFT JOIN digest_messages AS m ON m.guild_id = p.guild_id AND m.period = p.period
        WHERE p.guild_id = ? AND p.status = 'claimed'
        GROUP BY p.period, p.slot_at
        ORDER BY p.slot_at DESC LIMIT 1
    """
    row = await db.fetchone(query, (guild_id,))
    if row is None:
        return None
    slot_at = from_db_time(row["slot_at"])
    assert slot_at is not None
    return Unfinished(slot_at, planned=row["planned"], sent=row["sent"])


# -- the messages of a post ----------------------------------------------------------------


def _planned(row: sqlite3.Row) -> PlannedMessage:
    return PlannedMessage(
        guild_id=row["guild_id"],
        period=row["period"],
        part=row["part"],
        channel_id=row["channel_id"],
        nonce=row["nonce"],
        blocks=tuple(json.loads(row["blocks"])),
        first_attempt_at=from_db_time(row["first_attempt_at"]),
        message_id=row["message_id"],
    )


async def planned_messages(db: Database, guild_id: int, period: str) -> list[PlannedMessage]:
    query = "SELECT * FROM digest_messages WHERE guild_id = ? AND period = ? ORDER BY part"
    return [_planned(row) for row in await db.fetchall(query, (guild_id, period))]


async def plan_messages(
    db: Database,
    guild_id: int,
    period: str,
    channel_id: int,
    pages: Sequence[Sequence[str]],
    nonces: Sequence[str],
) -> bool:
    """Record every message of a claimed week, each with its nonce, in one transaction; False when the
    week was planned already (by another process resuming it): the first plan is kept, whole."""
    exists = "SELECT 1 FROM digest_messages WHERE guild_id = ? AND period = ? LIMIT 1"
    query = """
        INSERT INTO digest_messages (guild_id, period, part, channel_id, nonce, blocks)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (guild_id, period, part) DO NOTHING
    """
    rows = [
        (guild_id, period, part, channel_id, nonce, json.dumps(list(blocks)))
        for part, (blocks, nonce) in enumerate(zip(pages, nonces, strict=True))
    ]
    async with db.transaction() as conn:
        # Two processes planning the same week at once (PostgreSQL runs their transactions side by
        # side): the second waits here, then finds the first's plan.
        await lock_key(conn, "digest plan", guild_id, period)
        if await conn.execute_fetchall(exists, (guild_id, period)):
            return False
        await conn.executemany(query, rows)
    return True


async def note_attempt(
    db: Database, message: PlannedMessage, now: datetime, *, holder: str, lease: timedelta
) -> bool:
    """Written before a message's POST, taking its lease: from its first attempt on, it may exist on
    Discord. False when it is known sent, or another holder took its lease less than `lease` ago."""
    query = """
        UPDATE digest_messages SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, :now),
            lease_holder = :holder, lease_at = :now
        WHERE guild_id = :guild AND period = :period AND part = :part AND message_id IS NULL
          AND (lease_holder IS NULL OR lease_holder = :holder OR lease_at <= :expired)
    """
    params = {
        "now": db_time(now),
        "holder": holder,
        "guild": message.guild_id,
        "period": message.period,
        "part": message.part,
        "expired": db_time(now - lease),
    }
    return await db.execute(query, params) == 1


async def note_sent(db: Database, message: PlannedMessage, message_id: int) -> None:
    """Written after a message's POST answered: it exists, with this id."""
    query = "UPDATE digest_messages SET message_id = ? WHERE guild_id = ? AND period = ? AND part = ?"
    await db.execute(query, (message_id, message.guild_id, message.period, message.part))


# -- content -------------------------------------------------------------------------------


async def currently_reading(db: Database, guild_id: int) -> list[ReadingEntry]:
    """Every book on a currently-reading shelf, grouped by member (index: shelves_by_shelf)."""
    query = """
        SELECT s.user_id, m.display_name, b.title, b.authors, b.pages, s.page, s.percent,
               coalesce(s.started_at, s.added_at) AS since
        FROM shelves AS s
        JOIN books AS b ON b.book_id = s.book_id
        LEFT JOIN members AS m ON m.guild_id = s.guild_id AND m.user_id = s.user_id
        WHERE s.guild_id = ? AND s.shelf = 'currently-reading'
        ORDER BY m.display_name IS NULL, m.display_name COLLATE NOCASE, s.user_id, since, b.title
    """
    rows = await db.fetchall(query, (guild_id,))
    return [
        ReadingEntry(
            user_id=row[0],
            member=row[1],
            title=row[2],
            authors=row[3],
            pages=row[4],
            page=row[5],
            percent=row[6],
            since=from_db_time(row[7]),
        )
        for row in rows
    ]


async def finished_between(
    db: Database, guild_id: int, start: datetime, end: datetime
) -> list[FinishedEntry]:
    """Books moved to 'read' in [start, end), with the reader's rating (index: shelves_finished)."""
    query = """
        SELECT s.user_id, m.display_name, b.title, b.authors, r.stars_x2, s.finished_at
        FROM shelves AS s
        JOIN books AS b ON b.book_id = s.book_id
        LEFT JOIN ratings AS r ON r.guild_id = s.guild_id AND r.book_id = s.book_id AND r.user_id = s.user_id
        LEFT JOIN members AS m ON m.guild_id = s.guild_id AND m.user_id = s.user_id
        WHERE s.guild_id = ? AND s.finished_at >= ? AND s.finished_at < ? AND s.shelf = 'read'
        ORDER BY s.finished_at, s.user_id
    """
    rows = await db.fetchall(query, (guild_id, bound(start), bound(end)))
    return [
        FinishedEntry(
            user_id=row[0],
            member=row[1],
            title=row[2],
            authors=row[3],
            stars_x2=row[4],
            finished_at=from_db_time(row[5]),
        )
        for row in rows
    ]


async def reviews_between(
    db: Database, guild_id: int, start: datetime, end: datetime, *, limit: int
) -> tuple[list[ReviewEntry], int]:
    """The best-liked reviews written in [start, end) and how many there were (index: reviews_by_week)."""
    query = """
        SELECT r.review_id, r.user_id, m.display_name, b.title, r.stars_x2, r.likes, r.spoiler,
               substr(r.body, 1, 400), r.channel_id, r.message_id, r.created_at,
               count(*) OVER () AS total
        FROM reviews AS r
        JOIN books AS b ON b.book_id = r.book_id
        LEFT JOIN members AS m ON m.guild_id = r.guild_id AND m.user_id = r.user_id
        WHERE r.guild_id = ? AND r.created_at >= ? AND r.created_at < ? AND r.imported = 0
        ORDER BY r.likes DESC, r.created_at, r.review_id
        LIMIT ?
    """
    rows = await db.fetchall(query, (guild_id, bound(start), bound(end), limit))
    entries = [
        ReviewEntry(
            review_id=row[0],
            user_id=row[1],
            member=row[2],
            title=row[3],
            stars_x2=row[4],
            likes=row[5],
            spoiler=bool(row[6]),
            excerpt=row[7],
            channel_id=row[8],
            message_id=row[9],
            created_at=from_db_time(row[10]),
        )
        for row in rows
    ]
    return entries, (rows[0][11] if rows else 0)


async def most_wanted(db: Database, guild_id: int, *, limit: int) -> list[WantedEntry]:
    """The club's most wanted books, from the maintained book_stats counters."""
    query = """
        SELECT bs.book_id, b.title, b.authors, bs.want_to_read
        FROM book_stats AS bs
        JOIN books AS b ON b.book_id = bs.book_id
        WHERE bs.guild_id = ? AND bs.want_to_read > 0
        ORDER BY bs.want_to_read DESC, b.title
        LIMIT ?
    """
    rows = await db.fetchall(query, (guild_id, limit))
    return [WantedEntry(book_id=row[0], title=row[1], authors=row[2], count=row[3]) for row in rows]
