"""Benchmark: build (and render) the weekly digests of 1,000 clubs with realistic data.

Run with `python -m bench.digest [scale]` (or `python bench/digest.py`) from the repository root;
`scale` shrinks the number of clubs (the test suite runs a tiny one). Each club
has 30 named members, 10 of them currently reading, 3 books finished and rated this week, 6 new
reviews (two of them last week's) and wish lists over a shared catalogue of 600 books.
Baselines in the same run: the same four queries through plain sqlite3 (no asyncio, no
dataclasses), and one club built 1,000 times (everything hot in the page cache).

Returns rows for `make bench`'s table; the query plans are checked for full scans.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, format_table
from bot.db import db_time, open_database
from bot.db.database import Database
from bot.db.digest import bound
from bot.services import digest as service
from bot.ui.digest import digest_pages

CLUBS = 1_000  # at scale 1
MEMBERS = 30
READERS = 10
FINISHED = 3
REVIEWS = 6
WANTS = 15
BOOKS = 600
END = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
START = END - timedelta(days=7)
WEEK_AGO = timedelta(days=7)


def seed(path: Path, clubs: int) -> None:
    """Fill the migrated database through plain sqlite3 (seeding speed is not what we measure)."""
    rng = random.Random(6)
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO books (book_id, title, authors, pages) VALUES (?, ?, ?, ?)",
        [
            (n, f"Book number {n} of the catalogue", f"Author {n % 97}", 150 + n % 400)
            for n in range(1, BOOKS + 1)
        ],
    )
    members, shelves, ratings, reviews, stats = [], [], [], [], {}

    def stat(guild: int, book: int, column: str) -> None:
        row = stats.setdefault((guild, book), {"want_to_read": 0, "currently_reading": 0, "read_count": 0})
        row[column] += 1

    for guild in range(1, clubs + 1):
        users = list(range(guild * 1000, guild * 1000 + MEMBERS))
        members += [(guild, user, f"Member {user}") for user in users]
        books = rng.sample(range(1, BOOKS + 1), READERS + FINISHED + REVIEWS + WANTS)
        for user, book in zip(users[:READERS], books[:READERS], strict=True):
            at = db_time(START - timedelta(days=rng.randint(1, 30)))
            shelves.append((guild, user, book, "currently-reading", at, at, None, rng.randint(1, 150), None))
            stat(guild, book, "currently_reading")
        done = books[READERS : READERS + FINISHED]
        for user, book in zip(users[READERS:], done, strict=False):
            at = db_time(START + timedelta(hours=rng.randint(1, 160)))
            shelves.append((guild, user, book, "read", at, at, at, None, None))
            ratings.append((guild, book, user, rng.randint(2, 10), at))
            stat(guild, book, "read_count")
        for index, book in enumerate(books[READERS + FINISHED : READERS + FINISHED + REVIEWS]):
            when = START + timedelta(hours=rng.randint(1, 160)) - (WEEK_AGO if index < 2 else timedelta())
            card = (guild * 10, guild * 100 + index) if index % 2 else (None, None)
            body = "A thoughtful review. " * rng.randint(1, 20)
            reviews.append((guild, book, users[index], 8, body, db_time(when), rng.randint(0, 9), *card))
        for user, book in zip(users[-WANTS:], books[-WANTS:], strict=True):
            shelves.append((guild, user, book, "want-to-read", db_time(START), None, None, None, None))
            for _ in range(rng.randint(1, 3)):
                stat(guild, book, "want_to_read")
    conn.executemany("INSERT INTO members (guild_id, user_id, display_name) VALUES (?, ?, ?)", members)
    conn.executemany(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, started_at, finished_at, page, percent)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        shelves,
    )
    conn.executemany(
        "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, ?, ?, ?, ?)", ratings
    )
    conn.executemany(
        "INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, created_at, likes, channel_id, message_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        reviews,
    )
    conn.executemany(
        "INSERT INTO book_stats (guild_id, book_id, want_to_read, currently_reading, read_count) VALUES (?, ?, ?, ?, ?)",
        [(g, b, s["want_to_read"], s["currently_reading"], s["read_count"]) for (g, b), s in stats.items()],
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


RAW_QUERIES = (
    """SELECT s.user_id, m.display_name, b.title, b.authors, b.pages, s.page, s.percent,
              coalesce(s.started_at, s.added_at) FROM shelves s JOIN books b ON b.book_id = s.book_id
       LEFT JOIN members m ON m.guild_id = s.guild_id AND m.user_id = s.user_id
       WHERE s.guild_id = ? AND s.shelf = 'currently-reading'""",
    """SELECT s.user_id, m.display_name, b.title, r.stars_x2 FROM shelves s JOIN books b ON b.book_id = s.book_id
       LEFT JOIN ratings r ON r.guild_id = s.guild_id AND r.book_id = s.book_id AND r.user_id = s.user_id
       LEFT JOIN members m ON m.guild_id = s.guild_id AND m.user_id = s.user_id
       WHERE s.guild_id = ? AND s.finished_at >= ? AND s.finished_at < ? AND s.shelf = 'read'""",
    """SELECT r.review_id, m.display_name, b.title, r.likes, substr(r.body, 1, 400), count(*) OVER ()
       FROM reviews r JOIN books b ON b.book_id = r.book_id
       LEFT JOIN members m ON m.guild_id = r.guild_id AND m.user_id = r.user_id
       WHERE r.guild_id = ? AND r.created_at >= ? AND r.created_at < ? AND r.imported = 0
       ORDER BY r.likes DESC LIMIT 10""",
    """SELECT b.title, bs.want_to_read FROM book_stats bs JOIN books b ON b.book_id = bs.book_id
       WHERE bs.guild_id = ? AND bs.want_to_read > 0 ORDER BY bs.want_to_read DESC LIMIT 5""",
)


def raw_baseline(path: Path, clubs: int) -> float:
    conn = sqlite3.connect(path)
    start, end = bound(START), bound(END)
    began = time.perf_counter()
    for guild in range(1, clubs + 1):
        conn.execute(RAW_QUERIES[0], (guild,)).fetchall()
        conn.execute(RAW_QUERIES[1], (guild, start, end)).fetchall()
        conn.execute(RAW_QUERIES[2], (guild, start, end)).fetchall()
        conn.execute(RAW_QUERIES[3], (guild,)).fetchall()
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed


def full_scans(path: Path) -> list[str]:
    """Query-plan lines that scan a club table instead of searching an index."""
    conn = sqlite3.connect(path)
    found = []
    for query in RAW_QUERIES:
        params = (1, bound(START), bound(END)) if query.count("?") == 3 else (1,)
        for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", params):
            detail = str(row[3])
            # A window function's materialised result is scanned, not a table.
            if detail.startswith("SCAN") and "USING" not in detail and "subquery" not in detail:
                found.append(detail)
    conn.close()
    return found


async def build_all(db: Database, guilds: list[int], *, render: bool) -> tuple[float, int]:
    began = time.perf_counter()
    pages = 0
    for guild in guilds:
        digest = await service.build_digest(db, guild, START, END)
        if render:
            pages += len(digest_pages(digest, club=f"Club {guild}"))
    return time.perf_counter() - began, pages


async def run(path: Path, clubs: int = CLUBS) -> list[Row]:
    db = await open_database(path)
    await db.migrate()
    await db.close()
    seed(path, clubs)
    db = await open_database(path)
    try:
        every = list(range(1, clubs + 1))
        sample = await service.build_digest(db, 1, START, END)
        assert len(sample.reading) == READERS, "seeded data is what the digest reads"
        assert len(sample.finished) == FINISHED
        assert sample.reviews_total == REVIEWS - 2
        # Best of three runs each, so a stray GC pause or cold page does not decide a row.
        raw = min(raw_baseline(path, clubs) for _ in range(3))
        built = min([(await build_all(db, every, render=False))[0] for _ in range(3)])
        rendered, pages = min([await build_all(db, every, render=True) for _ in range(3)])
        one = min([(await build_all(db, [1] * clubs, render=False))[0] for _ in range(3)])
    finally:
        await db.close()
    scans = full_scans(path)
    if scans:
        raise SystemExit("digest queries scan a club table: " + "; ".join(scans))
    return [
        Row(
            "digest",
            f"build {clubs} digests",
            built * 1000,
            raw * 1000,
            baseline_label="raw sqlite3, same queries",
        ),
        Row(
            "digest", f"build {clubs} digests", built * 1000, one * 1000, baseline_label=f"one club ×{clubs}"
        ),
        Row(
            "digest",
            f"build + render {clubs} digests ({pages} messages)",
            rendered * 1000,
            2000 * clubs / CLUBS,
            baseline_label=f"{2 * clubs / CLUBS:g} s target",
        ),
        Row(
            "digest",
            "per digest, build + render",
            rendered / clubs * 1000,
            raw / clubs * 1000,
            baseline_label="raw queries",
        ),
    ]


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`; `scale` shrinks the number of clubs (at least two)."""
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(run(Path(folder) / "bench.sqlite3", max(2, round(CLUBS * scale))))


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
