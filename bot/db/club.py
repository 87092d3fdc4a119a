"""Queries for the club read: the current read and its sections, counts, organisers and history.

Thread memberships (the gating queue) are in `bot/db/club_threads.py`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date

import aiosqlite

from bot.db.database import Database, Params, parse_db_time
from bot.db.shards import owned
from bot.models.club import ClubRead, PastRead, ReadNumbers, Section
from bot.models.shards import ALL, Shards

Source = Database | aiosqlite.Connection


async def rows_of(source: Source, query: str, params: Params = ()) -> list[sqlite3.Row]:
    """Rows from the reader, or from the writer inside a transaction."""
    if isinstance(source, Database):
        return await source.fetchall(query, params)
    return list(await source.execute_fetchall(query, params))


def _authors(text: str | None) -> tuple[str, ...]:
    return tuple(name for name in (text or "").split("\n") if name)


# Where a member is in the read, in its units (pages, or percent when it has no page count):
# the end once the book is on `read`; NULL without progress or off the two reading shelves.
# The one definition of "where a member is", used by the counts, the gating and the history.
# Reads `sh` (shelves) and the named parameters :read_pages (the read's page count, NULL when
# split by percent) and :book_pages (the book's page count now, for pages noted by percent reads).
POSITION = """
    CASE
        WHEN sh.shelf = 'read' THEN coalesce(:read_pages, 100)
        WHEN sh.shelf <> 'currently-reading' THEN NULL
        WHEN :read_pages IS NOT NULL THEN min(:read_pages, coalesce(sh.page, sh.percent * :read_pages / 100))
        ELSE coalesce(
            sh.percent,
            CASE WHEN sh.page IS NOT NULL AND :book_pages > 0 THEN min(100, sh.page * 100 / :book_pages)
                 WHEN sh.page IS NOT NULL THEN 0 END)
    END
"""


def _units(read: ClubRead) -> dict[str, object]:
    """The parameters POSITION reads, and the read's keys."""
    return {
        "read_pages": read.pages,
        "book_pages": read.book_pages,
        "read": read.read_id,
        "guild": read.guild_id,
        "book": read.book_id,
    }


# -- the read and its sections ---------------------------------------------------------------

_READ = """
    SELECT r.*, coalesce(d.timezone, 'UTC') AS timezone, b.pages AS book_pages,
           s.number, s.first_page, s.last_page, s.name, s.due_date, s.thread_id, s.message_id,
           s.recreated_at
    FROM club_reads AS r
    JOIN club_sections AS s ON s.read_id = r.read_id
    LEFT JOIN digest_settings AS d ON d.guild_id = r.guild_id
    LEFT JOIN books AS b ON b.book_id = r.book_id
"""


def _read(rows: list[sqlite3.Row]) -> ClubRead | None:
    if not rows:
        return None
    first = rows[0]
    sections = tuple(
        Section(
            number=row["number"],
            first_page=row["first_page"],
            last_page=row["last_page"],
            due_date=date.fromisoformat(row["due_date"]),
            name=row["name"],
            thread_id=row["thread_id"],
            message_id=row["message_id"],
            recreated_at=parse_db_time(row["recreated_at"]) if row["recreated_at"] else None,
        )
        for row in rows
    )
    return ClubRead(
        read_id=first["read_id"],
        guild_id=first["guild_id"],
        book_id=first["book_id"],
        title=first["title"],
        authors=_authors(first["authors"]),
        pages=first["pages"],
        book_pages=first["book_pages"],
        channel_id=first["channel_id"],
        start_date=date.fromisoformat(first["start_date"]),
        every_days=first["every_days"],
        status=first["status"],
        started_by=first["started_by"],
        timezone=first["timezone"],
        sections=sections,
        channel_gone=first["channel_gone_at"] is not None,
    )


async def current_read(source: Source, guild_id: int) -> ClubRead | None:
    """The server's active read with its sections, in one round trip."""
    query = f"{_READ} WHERE r.guild_id = ? AND r.status = 'active' ORDER BY s.number"
    return _read(await rows_of(source, query, (guild_id,)))


async def read_by_id(source: Source, read_id: int) -> ClubRead | None:
    query = f"{_READ} WHERE r.read_id = ? ORDER BY s.number"
    return _read(await rows_of(source, query, (read_id,)))


async def claimed_title(db: Database, guild_id: int) -> tuple[str, str] | None:
    """(title, status) of the read holding the server's one slot ('starting' or 'active')."""
    query = "SELECT title, status FROM club_reads WHERE guild_id = ? AND status IN ('starting', 'active')"
    row = await db.fetchone(query, (guild_id,))
    return None if row is None else (row["title"], row["status"])


async def timezone_of(db: Database, guild_id: int) -> str:
    """The server's time zone: the digest's, else UTC."""
    zone = await db.fetchval("SELECT timezone FROM digest_settings WHERE guild_id = ?", (guild_id,))
    return str(zone) if zone else "UTC"


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def on_track_bounds(read: ClubRead, threshold: int) -> tuple[str, str, int, int | None]:
    """ "POSITION >= threshold" for a currently-reading row, as two index ranges:
    `first >= bound` or (`first` NULL and `second >= second_bound`); (first, second, bound, second_bound).

    The same rule as POSITION (a read counts from `threshold` 1 on; no progress is position 0):
    by pages, the page, else the percent's page (percent * pages // 100 >= t ⇔ percent >=
    ceil(100 t / pages)); by percent, the percent, else the page's percent, when the book's page
    count is known (page * 100 // book_pages >= t ⇔ page >= ceil(t * book_pages / 100)).
    """
    if read.pages is not None:
        return "page", "percent", threshold, _ceil_div(100 * threshold, read.pages)
    book_pages = read.book_pages or 0
    return "percent", "page", threshold, _ceil_div(threshold * book_pages, 100) if book_pages > 0 else None


async def read_numbers(db: Database, read: ClubRead, user_id: int, threshold: int) -> ReadNumbers:
    """Readers, those at or past `threshold`, and the member's place, threads and refusals: one query.

    The counts are ranges of the `shelves_club_progress` index (no per-row arithmetic), so a big
    club costs about what a small one does. Before anything is due (`threshold` 0) every reader
    is on track.
    """
    first, second, bound, second_bound = on_track_bounds(read, threshold)
    on_track = (
        "readers"
        if threshold <= 0
        else f"""
            (SELECT count(*) FROM shelves WHERE guild_id = :guild AND book_id = :book AND shelf = 'read')
            + (SELECT count(*) FROM shelves WHERE guild_id = :guild AND book_id = :book
               AND shelf = 'currently-reading' AND {first} >= :bound)
            + (SELECT count(*) FROM shelves WHERE guild_id = :guild AND book_id = :book
               AND shelf = 'currently-reading' AND {first} IS NULL AND {second} >= :second_bound)
        """
    )
    query = f"""
        SELECT readers, {on_track} AS on_track, my_shelf, my_position, joined, refused FROM (
        SELECT (SELECT count(*) FROM shelves
                WHERE guild_id = :guild AND book_id = :book AND shelf IN ('currently-reading', 'read')) AS readers,
               (SELECT sh.shelf FROM shelves AS sh
                WHERE sh.guild_id = :guild AND sh.user_id = :user AND sh.book_id = :book
                  AND sh.shelf IN ('currently-reading', 'read')) AS my_shelf,
               (SELECT {POSITION} FROM shelves AS sh
                WHERE sh.guild_id = :guild AND sh.user_id = :user AND sh.book_id = :book) AS my_position,
               (SELECT group_concat(number) FROM club_thread_members
                WHERE read_id = :read AND user_id = :user AND state = 'added') AS joined,
               (SELECT group_concat(number || ':' || refused) FROM (
                    SELECT number, count(*) AS refused FROM club_thread_members
                    WHERE read_id = :read AND state = 'refused' GROUP BY number)) AS refused)
    """
    params = _units(read) | {"user": user_id, "bound": bound, "second_bound": second_bound}
    row = await db.fetchone(query, params)
    assert row is not None
    joined = frozenset(int(n) for n in (row["joined"] or "").split(",") if n)
    pairs = (pair.split(":") for pair in (row["refused"] or "").split(",") if pair)
    return ReadNumbers(
        readers=int(row["readers"]),
        on_track=int(row["on_track"]),
        shelf=row["my_shelf"],
        position=row["my_position"],
        joined=joined,
        refused=tuple(sorted((int(n), int(c)) for n, c in pairs)),
    )


async def member_positions(
    source: Source, read: ClubRead, user_ids: Sequence[int] | None = None
) -> list[tuple[int, int]]:
    """(user_id, position) of every placed reader of the read's book (or of the members listed)."""
    query = f"""
        SELECT sh.user_id, {POSITION} AS position
        FROM shelves AS sh
        WHERE sh.guild_id = :guild AND sh.book_id = :book AND sh.shelf IN ('currently-reading', 'read')
          AND (CAST(:users AS TEXT) IS NULL OR sh.user_id IN (SELECT CAST(value AS BIGINT) FROM json_each(:users)))
    """
    users = None if user_ids is None else json.dumps(list(user_ids))
    rows = await rows_of(source, query, _units(read) | {"users": users})
    return [(row["user_id"], row["position"]) for row in rows if row["position"] is not None]


# -- starting, editing, ending ---------------------------------------------------------------


async def claim_read_in(conn: aiosqlite.Connection, read: ClubRead, created_at: str) -> int | None:
    """Insert the read as 'starting' with its sections; None when the server's slot is taken."""
    query = """
        INSERT INTO club_reads (guild_id, book_id, title, authors, pages, channel_id, start_date,
                                every_days, status, started_by, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'starting', ?, ?)
    """
    params = (
        read.guild_id,
        read.book_id,
        read.title,
        "\n".join(read.authors),
        read.pages,
        read.channel_id,
        read.start_date.isoformat(),
        read.every_days,
        read.started_by,
        created_at,
    )
    try:
        cursor = await conn.execute(query, params)
    except sqlite3.IntegrityError:
        return None
    read_id = cursor.lastrowid
    assert read_id is not None
    sections = """
        INSERT INTO club_sections (read_id, number, first_page, last_page, due_date)
        VALUES (?, ?, ?, ?, ?)
    """
    await conn.executemany(
        sections,
        [(read_id, s.number, s.first_page, s.last_page, s.due_date.isoformat()) for s in read.sections],
    )
    return read_id


async def set_section_thread(
    db: Database, read_id: int, number: int, thread_id: int, message_id: int | None
) -> None:
    query = "UPDATE club_sections SET thread_id = ?, message_id = ? WHERE read_id = ? AND number = ?"
    await db.execute(query, (thread_id, message_id, read_id, number))


async def activate_read(db: Database, read_id: int) -> None:
    await db.execute(
        "UPDATE club_reads SET status = 'active' WHERE read_id = ? AND status = 'starting'", (read_id,)
    )


async def drop_read(db: Database, read_id: int) -> None:
    """Remove a read that never started (its sections go with it)."""
    await db.execute("DELETE FROM club_reads WHERE read_id = ? AND status = 'starting'", (read_id,))


async def starting_reads(db: Database, shards: Shards = ALL) -> list[tuple[int, int, tuple[int, ...]]]:
    """(read_id, guild_id, thread ids made so far) of every read left 'starting' in the servers `shards` owns."""
    where, params = owned(shards, "r.guild_id")
    query = f"""
        SELECT r.read_id, r.guild_id, group_concat(s.thread_id) AS threads
        FROM club_reads AS r LEFT JOIN club_sections AS s ON s.read_id = r.read_id
        WHERE r.status = 'starting' AND {where}
        GROUP BY r.read_id
    """
    rows = await db.fetchall(query, params)
    return [
        (row["read_id"], row["guild_id"], tuple(int(t) for t in (row["threads"] or "").split(",") if t))
        for row in rows
    ]


async def update_sections(
    db: Database, read_id: int, changes: Sequence[tuple[int, str | None, date]]
) -> None:
    """Rename sections and move due dates — (number, name, due date) each — in one transaction."""
    query = "UPDATE club_sections SET name = ?, due_date = ? WHERE read_id = ? AND number = ?"
    await db.executemany(query, [(name, due.isoformat(), read_id, number) for number, name, due in changes])


async def mark_channel_gone(db: Database, read_id: int, now: str) -> None:
    query = "UPDATE club_reads SET channel_gone_at = ? WHERE read_id = ? AND channel_gone_at IS NULL"
    await db.execute(query, (now, read_id))


async def end_read(db: Database, read: ClubRead, end_date: date, now: str) -> PastRead | None:
    """Record who read along and who finished, the club's ratings, and close the read; None if it was not active."""
    readers = f"""
        INSERT INTO club_read_readers (read_id, user_id, finished)
        SELECT :read, sh.user_id, CAST(({POSITION} >= coalesce(:read_pages, 100)) AS INTEGER)
        FROM shelves AS sh
        WHERE sh.guild_id = :guild AND sh.book_id = :book AND sh.shelf IN ('currently-reading', 'read')
    """
    close = """
        UPDATE club_reads SET
            status = 'ended', end_date = ?, ended_at = ?,
            readers = (SELECT count(*) FROM club_read_readers WHERE read_id = club_reads.read_id),
            finished = (SELECT coalesce(sum(finished), 0) FROM club_read_readers
                        WHERE read_id = club_reads.read_id),
            ratings_count = coalesce((SELECT ratings_count FROM book_stats
                                      WHERE guild_id = club_reads.guild_id AND book_id = club_reads.book_id), 0),
            ratings_sum_x2 = coalesce((SELECT ratings_sum_x2 FROM book_stats
                                       WHERE guild_id = club_reads.guild_id AND book_id = club_reads.book_id), 0)
        WHERE read_id = ? AND status = 'active'
    """
    async with db.transaction() as conn:
        status = await conn.execute_fetchall(
            "SELECT status FROM club_reads WHERE read_id = ?", (read.read_id,)
        )
        if [row["status"] for row in status] != ["active"]:
            return None
        await conn.execute(readers, _units(read))
        await conn.execute(close, (end_date.isoformat(), now, read.read_id))
        rows = await conn.execute_fetchall(f"{_PAST} WHERE read_id = ?", (read.read_id,))
    return _past(next(iter(rows)))


async def finished_names(db: Database, read_id: int, *, limit: int) -> list[str]:
    """Display names of the members who finished an ended read (as last seen), up to `limit`."""
    query = """
        SELECT coalesce(m.display_name, '<@' || rr.user_id || '>') AS name
        FROM club_read_readers AS rr
        JOIN club_reads AS r ON r.read_id = rr.read_id
        LEFT JOIN members AS m ON m.guild_id = r.guild_id AND m.user_id = rr.user_id
        WHERE rr.read_id = ? AND rr.finished = 1
        ORDER BY lower(coalesce(m.display_name, '<@' || rr.user_id || '>'))
        LIMIT ?
    """
    return [row["name"] for row in await db.fetchall(query, (read_id, limit))]


# -- history ---------------------------------------------------------------------------------

_PAST = """
    SELECT read_id, title, authors, start_date, end_date, readers, finished, ratings_count,
           ratings_sum_x2
    FROM club_reads
"""


def _past(row: sqlite3.Row) -> PastRead:
    return PastRead(
        read_id=row["read_id"],
        title=row["title"],
        authors=_authors(row["authors"]),
        start_date=date.fromisoformat(row["start_date"]),
        end_date=date.fromisoformat(row["end_date"]),
        readers=row["readers"] or 0,
        finished=row["finished"] or 0,
        ratings_count=row["ratings_count"] or 0,
        ratings_sum_x2=row["ratings_sum_x2"] or 0,
    )


async def past_reads(db: Database, guild_id: int, *, offset: int, limit: int) -> tuple[list[PastRead], int]:
    """One page of the server's ended reads, newest first, and how many there are."""
    query = f"""
        {_PAST.replace("SELECT ", "SELECT count(*) OVER () AS total, ", 1)}
        WHERE guild_id = ? AND status = 'ended'
        ORDER BY ended_at DESC, read_id DESC
        LIMIT ? OFFSET ?
    """
    rows = await db.fetchall(query, (guild_id, limit, offset))
    if not rows:
        total = await db.fetchval(
            "SELECT count(*) FROM club_reads WHERE guild_id = ? AND status = 'ended'", (guild_id,)
        )
        return [], int(total)
    return [_past(row) for row in rows], int(rows[0]["total"])
