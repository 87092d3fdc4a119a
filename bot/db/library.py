"""Queries for library import/export: batched catalogue matching, a member's entries, the
aggregate recomputation, import jobs, and the enrichment queue.

Every function taking `conn` runs inside the caller's `db.transaction()`; those taking `db` read
on their own. Lists of ids travel as one JSON parameter (`json_each`), so a batch is one round
trip whatever its size.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

from bot.db.database import Database
from bot.db.shards import owned
from bot.models.library import (
    CatalogueMatch,
    ImportedRating,
    ImportJob,
    LibraryEntry,
    MemberEntry,
    MemberReview,
    NewBook,
    QueuedBook,
)
from bot.models.shards import ALL, Shards
from bot.models.shelves import ShelfEntry


def _ids(values: Iterable[Any]) -> str:
    return json.dumps(list(values))


async def _rows(conn: aiosqlite.Connection, query: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(query, params))


# -- catalogue matching ------------------------------------------------------------------------
async def books_by_isbn(
    conn: aiosqlite.Connection, isbn13s: Iterable[str], isbn10s: Iterable[str]
) -> list[CatalogueMatch]:
    query = """
        SELECT book_id, title, authors, isbn13, isbn10 FROM books
        WHERE isbn13 IN (SELECT value FROM json_each(?))
        UNION
        SELECT book_id, title, authors, isbn13, isbn10 FROM books
        WHERE isbn10 IN (SELECT value FROM json_each(?))
    """
    rows = await _rows(conn, query, (_ids(isbn13s), _ids(isbn10s)))
    return [CatalogueMatch(*row) for row in rows]


async def books_by_title(conn: aiosqlite.Connection, titles: Iterable[str]) -> list[CatalogueMatch]:
    """Catalogue books whose title equals one of `titles`, ignoring case (authors checked by caller)."""
    query = """
        SELECT book_id, title, authors, isbn13, isbn10 FROM books
        WHERE title COLLATE NOCASE IN (SELECT lower(value) FROM json_each(?))
        ORDER BY book_id
    """
    rows = await _rows(conn, query, (_ids(titles),))
    return [CatalogueMatch(*row) for row in rows]


async def insert_imported_books(
    conn: aiosqlite.Connection, guild_id: int, books: Sequence[NewBook]
) -> list[int]:
    """Catalogue books made from CSV rows of an import in `guild_id` (source 'import', queued for
    enrichment, provisional: shown only in that server until a provider's data replaces theirs), in
    one round trip plus one; returns their ids in order.

    The ids are assigned here: inside `BEGIN IMMEDIATE` this connection is the only writer, so
    max(book_id) + 1 … cannot be taken by anyone else before the commit.
    """
    if not books:
        return []
    rows = await _rows(conn, "SELECT coalesce(max(book_id), 0) FROM books")
    first = int(rows[0][0]) + 1
    ids = list(range(first, first + len(books)))
    query = """
        INSERT INTO books (
            book_id, title, authors, isbn13, isbn10, pages, format, first_published, source, import_guild_id
        )
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'import', ?)
    """
    await conn.executemany(
        query,
        [
            (
                book_id,
                b.title,
                "\n".join(b.authors),
                b.isbn13,
                b.isbn10,
                b.pages,
                b.format,
                b.first_published,
                guild_id,
            )
            for book_id, b in zip(ids, books, strict=True)
        ],
    )
    return ids


# -- a member's entries ------------------------------------------------------------------------
async def member_entries(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, book_ids: Iterable[int]
) -> dict[int, MemberEntry]:
    ids = _ids(set(book_ids))
    entries: dict[int, MemberEntry] = {}
    query = """
        SELECT book_id, shelf, added_at, started_at, finished_at, times_read, page, percent, progress_at
        FROM shelves
        WHERE guild_id = ? AND user_id = ? AND book_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))
    """
    for row in await _rows(conn, query, (guild_id, user_id, ids)):
        entries.setdefault(row[0], MemberEntry()).shelf = ShelfEntry(*row[1:])
    query = """
        SELECT book_id, stars_x2 FROM ratings
        WHERE guild_id = ? AND user_id = ? AND book_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))
    """
    for row in await _rows(conn, query, (guild_id, user_id, ids)):
        entries.setdefault(row[0], MemberEntry()).stars_x2 = row[1]
    query = """
        SELECT book_id, body, stars_x2, spoiler, created_at, imported FROM reviews
        WHERE guild_id = ? AND user_id = ? AND book_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))
    """
    for row in await _rows(conn, query, (guild_id, user_id, ids)):
        entries.setdefault(row[0], MemberEntry()).review = MemberReview(
            row[1], row[2], bool(row[3]), row[4], bool(row[5])
        )
    return entries


async def write_ratings(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, ratings: Sequence[ImportedRating]
) -> None:
    """Set a member's ratings of these books, in one round trip."""
    query = """
        INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (guild_id, book_id, user_id) DO UPDATE SET
            stars_x2 = excluded.stars_x2, rated_at = excluded.rated_at
    """
    if ratings:
        params = [(guild_id, r.book_id, user_id, r.stars_x2, r.rated_at) for r in ratings]
        await conn.executemany(query, params)


async def write_imported_reviews(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, reviews: Sequence[tuple[int, MemberReview]]
) -> None:
    """Store (book_id, review) pairs as imported reviews; only ever replaces an imported review."""
    query = """
        INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, spoiler, created_at, imported)
        VALUES (?, ?, ?, ?, ?, ?, ?, 1)
        ON CONFLICT (guild_id, book_id, user_id) DO UPDATE SET
            stars_x2 = excluded.stars_x2, body = excluded.body, spoiler = excluded.spoiler,
            created_at = excluded.created_at
        WHERE reviews.imported = 1
    """
    if reviews:
        params = [
            (guild_id, book_id, user_id, r.stars_x2, r.body, int(r.spoiler), r.created_at)
            for book_id, r in reviews
        ]
        await conn.executemany(query, params)


# -- aggregates --------------------------------------------------------------------------------
async def recompute_book_stats(conn: aiosqlite.Connection, guild_id: int, book_ids: Iterable[int]) -> None:
    """Rebuild `book_stats` for these books in this club from the base tables (always consistent).

    A half star counts in its whole-star row: stars_x2 / 2 in integer division (9 → 4 stars).
    """
    query = """
        WITH ids (book_id) AS (SELECT DISTINCT CAST(value AS BIGINT) FROM json_each(:ids)),
        r AS (
            SELECT book_id, count(*) AS n, sum(stars_x2) AS s,
                   count(*) FILTER (WHERE stars_x2 / 2 = 1) AS s1, count(*) FILTER (WHERE stars_x2 / 2 = 2) AS s2, count(*) FILTER (WHERE stars_x2 / 2 = 3) AS s3,
                   count(*) FILTER (WHERE stars_x2 / 2 = 4) AS s4, count(*) FILTER (WHERE stars_x2 / 2 = 5) AS s5
            FROM ratings WHERE guild_id = :guild AND book_id IN (SELECT book_id FROM ids)
            GROUP BY book_id
        ),
        v AS (
            SELECT book_id, count(*) AS n FROM reviews
            WHERE guild_id = :guild AND book_id IN (SELECT book_id FROM ids) GROUP BY book_id
        ),
        s AS (
            SELECT book_id,
                   count(*) FILTER (WHERE shelf = 'want-to-read') AS wtr, count(*) FILTER (WHERE shelf = 'currently-reading') AS cr,
                   count(*) FILTER (WHERE shelf = 'read') AS rd, count(*) FILTER (WHERE shelf = 'did-not-finish') AS dnf
            FROM shelves WHERE guild_id = :guild AND book_id IN (SELECT book_id FROM ids)
            GROUP BY book_id
        )
        INSERT INTO book_stats (
            guild_id, book_id, ratings_count, ratings_sum_x2, stars_1, stars_2, stars_3, stars_4, stars_5,
            reviews_count, want_to_read, currently_reading, read_count, did_not_finish
        )
        SELECT :guild, ids.book_id, coalesce(r.n, 0), coalesce(r.s, 0), coalesce(r.s1, 0),
               coalesce(r.s2, 0), coalesce(r.s3, 0), coalesce(r.s4, 0), coalesce(r.s5, 0),
               coalesce(v.n, 0), coalesce(s.wtr, 0), coalesce(s.cr, 0), coalesce(s.rd, 0),
               coalesce(s.dnf, 0)
        FROM ids LEFT JOIN r USING (book_id) LEFT JOIN v USING (book_id) LEFT JOIN s USING (book_id)
        WHERE true
        ON CONFLICT (guild_id, book_id) DO UPDATE SET
            ratings_count = excluded.ratings_count, ratings_sum_x2 = excluded.ratings_sum_x2,
            stars_1 = excluded.stars_1, stars_2 = excluded.stars_2, stars_3 = excluded.stars_3,
            stars_4 = excluded.stars_4, stars_5 = excluded.stars_5,
            reviews_count = excluded.reviews_count, want_to_read = excluded.want_to_read,
            currently_reading = excluded.currently_reading, read_count = excluded.read_count,
            did_not_finish = excluded.did_not_finish
    """
    await conn.execute(query, {"guild": guild_id, "ids": _ids(book_ids)})


async def recompute_member_stats(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> None:
    """Rebuild a member's review and rating counters; follower counts are left as they are."""
    query = """
        INSERT INTO member_stats (guild_id, user_id, reviews_count, ratings_count, ratings_sum_x2)
        SELECT :guild, :user,
               (SELECT count(*) FROM reviews WHERE guild_id = :guild AND user_id = :user),
               (SELECT count(*) FROM ratings WHERE guild_id = :guild AND user_id = :user),
               (SELECT coalesce(sum(stars_x2), 0) FROM ratings WHERE guild_id = :guild AND user_id = :user)
        WHERE true
        ON CONFLICT (guild_id, user_id) DO UPDATE SET
            reviews_count = excluded.reviews_count, ratings_count = excluded.ratings_count,
            ratings_sum_x2 = excluded.ratings_sum_x2
    """
    await conn.execute(query, {"guild": guild_id, "user": user_id})


# -- import jobs -------------------------------------------------------------------------------
async def start_job(
    conn: aiosqlite.Connection, guild_id: int, user_id: int, fmt: str, sha256: str, total: int, now: str
) -> ImportJob:
    """The job for this import: a cut-off or failed run of the same file is resumed (running
    again), else a new one starts (and the club gets its row, which the job refers to)."""
    await conn.execute("INSERT OR IGNORE INTO guilds (guild_id) VALUES (?)", (guild_id,))
    query = """
        SELECT job_id, rows_done FROM import_jobs
        WHERE guild_id = ? AND user_id = ? AND status IN ('running', 'failed') AND file_sha256 = ?
        ORDER BY job_id DESC LIMIT 1
    """
    rows = await _rows(conn, query, (guild_id, user_id, sha256))
    if rows:
        query = "UPDATE import_jobs SET status = 'running', error = NULL, finished_at = NULL WHERE job_id = ?"
        await conn.execute(query, (rows[0][0],))
        return ImportJob(int(rows[0][0]), int(rows[0][1]), True)
    query = """
        INSERT INTO import_jobs (guild_id, user_id, format, file_sha256, rows_total, started_at)
        VALUES (?, ?, ?, ?, ?, ?) RETURNING job_id
    """
    rows = await _rows(conn, query, (guild_id, user_id, fmt, sha256, total, now))
    return ImportJob(int(rows[0][0]), 0, False)


async def update_job(
    conn: aiosqlite.Connection,
    job_id: int,
    *,
    rows_done: int,
    added: int,
    updated: int,
    unchanged: int,
    skipped: int,
    finished_at: str | None = None,
) -> None:
    query = """
        UPDATE import_jobs SET rows_done = max(rows_done, ?), added = ?, updated = ?, unchanged = ?,
               skipped = ?, finished_at = ?, status = CASE WHEN CAST(? AS TEXT) IS NULL THEN status ELSE 'done' END
        WHERE job_id = ?
    """
    params = (rows_done, added, updated, unchanged, skipped, finished_at, finished_at, job_id)
    await conn.execute(query, params)


async def fail_job(db: Database, job_id: int, *, now: str, error: str) -> None:
    """Mark a job whose task ended without finishing; the same file resumes it."""
    query = """
        UPDATE import_jobs SET status = 'failed', finished_at = ?, error = ?
        WHERE job_id = ? AND status = 'running'
    """
    await db.execute(query, (now, error, job_id))


async def fail_running_jobs(db: Database, *, now: str, error: str, shards: Shards = ALL) -> int:
    """Mark every running job of the servers `shards` owns failed (at start-up, when none of theirs can
    still be running; another process's run on by then); returns how many."""
    where, params = owned(shards)
    query = f"""
        UPDATE import_jobs SET status = 'failed', finished_at = ?, error = ?
        WHERE status = 'running' AND {where} RETURNING job_id
    """
    async with db.transaction() as conn:
        return len(await _rows(conn, query, (now, error, *params)))


# -- export ------------------------------------------------------------------------------------
async def library_rows(db: Database, guild_id: int, user_id: int) -> list[LibraryEntry]:
    """Every book on a member's shelves in a club (plus rated or reviewed books off any shelf)."""
    query = """
        WITH mine (book_id) AS (
            SELECT book_id FROM shelves WHERE guild_id = :guild AND user_id = :user
            UNION SELECT book_id FROM ratings WHERE guild_id = :guild AND user_id = :user
            UNION SELECT book_id FROM reviews WHERE guild_id = :guild AND user_id = :user
        )
        SELECT b.title, b.authors, b.isbn13, b.isbn10, coalesce(s.shelf, 'read') AS shelf,
               r.stars_x2, CAST(st.ratings_sum_x2 AS REAL) / nullif(st.ratings_count, 0) AS average_x2,
               v.body, coalesce(v.spoiler, 0) AS spoiler, s.added_at,
               s.finished_at, coalesce(s.times_read, 0) AS times_read, b.pages, b.format,
               b.first_published, coalesce(s.added_at, r.rated_at, v.created_at) AS sort_key
        FROM mine
        JOIN books AS b ON b.book_id = mine.book_id
        LEFT JOIN shelves AS s ON s.guild_id = :guild AND s.user_id = :user AND s.book_id = mine.book_id
        LEFT JOIN ratings AS r ON r.guild_id = :guild AND r.user_id = :user AND r.book_id = mine.book_id
        LEFT JOIN reviews AS v ON v.guild_id = :guild AND v.user_id = :user AND v.book_id = mine.book_id
        LEFT JOIN book_stats AS st ON st.guild_id = :guild AND st.book_id = mine.book_id
        ORDER BY sort_key DESC, b.book_id DESC
    """
    rows = await db.fetchall(query, {"guild": guild_id, "user": user_id})
    return [
        LibraryEntry(
            title=row["title"],
            authors=tuple(a for a in row["authors"].split("\n") if a),
            isbn13=row["isbn13"],
            isbn10=row["isbn10"],
            shelf=row["shelf"],
            stars_x2=row["stars_x2"],
            average_x2=row["average_x2"],
            review=row["body"],
            spoiler=bool(row["spoiler"]),
            added_at=row["added_at"],
            finished_at=row["finished_at"],
            times_read=row["times_read"],
            pages=row["pages"],
            format=row["format"],
            first_published=row["first_published"],
        )
        for row in rows
    ]


# -- enrichment queue --------------------------------------------------------------------------
async def enrichment_queue(db: Database, *, limit: int, max_attempts: int) -> list[QueuedBook]:
    """Imported books not yet completed from a provider, that have an ISBN to look up."""
    query = """
        SELECT b.book_id, b.isbn13, b.isbn10 FROM books AS b
        LEFT JOIN enrich_attempts AS a ON a.book_id = b.book_id
        WHERE b.enriched_at IS NULL AND b.source = 'import'
          AND (b.isbn13 IS NOT NULL OR b.isbn10 IS NOT NULL)
          AND coalesce(a.attempts, 0) < ?
        ORDER BY b.book_id
        LIMIT ?
    """
    rows = await db.fetchall(query, (max_attempts, limit))
    return [QueuedBook(*row) for row in rows]


async def count_enrichment_queue(db: Database, *, max_attempts: int) -> int:
    query = """
        SELECT count(*) FROM books AS b LEFT JOIN enrich_attempts AS a ON a.book_id = b.book_id
        WHERE b.enriched_at IS NULL AND b.source = 'import'
          AND (b.isbn13 IS NOT NULL OR b.isbn10 IS NOT NULL) AND coalesce(a.attempts, 0) < ?
    """
    return int(await db.fetchval(query, (max_attempts,)))


async def mark_enriched_in(conn: aiosqlite.Connection, book_id: int, now: str) -> None:
    """Take a completed book off the enrichment queue (its fields are filled by `complete_book_in`):
    it is no longer provisional."""
    query = """
        UPDATE books SET enriched_at = :now, updated_at = :now, import_guild_id = NULL
        WHERE book_id = :book_id
    """
    await conn.execute(query, {"now": now, "book_id": book_id})
    await conn.execute("DELETE FROM enrich_attempts WHERE book_id = ?", (book_id,))


async def note_attempt(
    db: Database, book_ids: Iterable[int], *, now: str, error: str, definitive: bool
) -> None:
    """Count a failed look-up; a definitive miss (not found) takes the book off the queue at once."""
    query = """
        INSERT INTO enrich_attempts (book_id, attempts, last_tried_at, last_error) VALUES (?, ?, ?, ?)
        ON CONFLICT (book_id) DO UPDATE SET
            attempts = CASE WHEN ? THEN excluded.attempts ELSE enrich_attempts.attempts + 1 END,
            last_tried_at = excluded.last_tried_at, last_error = excluded.last_error
    """
    big = 1_000_000
    rows = [(book_id, big if definitive else 1, now, error, definitive) for book_id in book_ids]
    if rows:
        await db.executemany(query, rows)
