"""Benchmark: book statistics and /rate stay flat as the ratings table grows.

Run with `python -m bench.ratings [scale]` (about half a minute at scale 1; the test suite runs
it at a tiny scale to keep it working). Rows are `name | value | baseline | ratio`:
- the book page's statistics for a book with 1M ratings against a book with 10 (one primary-key
  read of `book_stats` either way), and against raw sqlite3 doing the same read and doing the full
  scan the aggregates avoid;
- the `/rate` service call on a table of 1M rows against a table of 1k rows, and against raw
  sqlite3 running the same statements.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, format_table
from bot.db import Database, open_database
from bot.db.books import upsert_book
from bot.db.stats import get_book_stats
from bot.models.books import BookData
from bot.services.ratings import rate_book

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BLOCKS = 4  # in_blocks splits the calls into this many blocks per action


@dataclass(frozen=True, slots=True)
class Sizes:
    big: int = 1_000_000  # ratings of the big book / rows of the big table
    small: int = 10  # ratings of the small book
    small_table: int = 1_000
    reads: int = 2_000
    writes: int = 1_000
    warmup: int = 200

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        """Every count times `scale`, kept large enough for the checks below to hold."""
        full = cls()

        def blocks(n: int) -> int:
            return max(BLOCKS, round(n * scale) // BLOCKS * BLOCKS)

        small_table = max(8, round(full.small_table * scale))
        return cls(
            big=max(100, round(full.big * scale)),
            small=full.small,
            small_table=small_table,
            reads=blocks(full.reads),
            writes=blocks(full.writes),
            warmup=min(small_table, max(4, round(full.warmup * scale))),
        )


RECOUNT = """
    INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2,
                            stars_1, stars_2, stars_3, stars_4, stars_5)
    SELECT guild_id, book_id, count(*), sum(stars_x2), sum(stars_x2 / 2 = 1), sum(stars_x2 / 2 = 2),
           sum(stars_x2 / 2 = 3), sum(stars_x2 / 2 = 4), sum(stars_x2 / 2 = 5)
    FROM ratings GROUP BY guild_id, book_id
"""
SCAN = """
    SELECT count(*), sum(stars_x2), sum(stars_x2 / 2 = 1), sum(stars_x2 / 2 = 2), sum(stars_x2 / 2 = 3),
           sum(stars_x2 / 2 = 4), sum(stars_x2 / 2 = 5)
    FROM ratings WHERE guild_id = ? AND book_id = ?
"""
PK_READ = "SELECT * FROM book_stats WHERE guild_id = ? AND book_id = ?"


def bulk_ratings(path: Path, counts: dict[int, int]) -> None:
    """Insert `count` ratings for each book with raw sqlite3, then recompute the aggregates once."""
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    with conn:
        for book_id, count in counts.items():
            conn.executemany(
                "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, ?, ?, ?, ?)",
                (
                    (GUILD, book_id, user, rng.randint(2, 10), "2026-01-01T00:00:00.000Z")
                    for user in range(count)
                ),
            )
        conn.execute("DELETE FROM book_stats")
        conn.execute(RECOUNT)
    conn.close()


async def per_call(calls: int, action: Callable[[int], Awaitable[object]]) -> float:
    """Median microseconds per call over `calls` calls."""
    samples = []
    for index in range(calls):
        start = time.perf_counter()
        await action(index)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


async def in_blocks(
    calls: int,
    first: Callable[[int], Awaitable[object]],
    second: Callable[[int], Awaitable[object]],
    *,
    blocks: int = 4,
) -> tuple[float, float]:
    """Median µs per call of two actions, timed in alternating blocks so that drift hits both alike.

    (Blocks rather than call-by-call alternation: switching between two databases on every call
    makes one of them pay for waking its connection's thread, which swamps what is measured.)
    """
    samples: tuple[list[float], list[float]] = ([], [])
    size = calls // blocks
    for block in range(blocks):
        for action, bucket in ((first, samples[0]), (second, samples[1])):
            for index in range(block * size, (block + 1) * size):
                start = time.perf_counter()
                await action(index)
                bucket.append(time.perf_counter() - start)
    return statistics.median(samples[0]) * 1e6, statistics.median(samples[1]) * 1e6


def per_call_sync(calls: int, action: Callable[[int], object]) -> float:
    samples = []
    for index in range(calls):
        start = time.perf_counter()
        action(index)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


ROWS: list[Row] = []


def row(name: str, value: float, baseline: float) -> None:
    """Record one comparison (microseconds) for make bench's table."""
    ROWS.append(Row("ratings", name, value, baseline, unit="µs"))


async def prepare(path: Path, counts: dict[int, int]) -> tuple[Database, list[int]]:
    db = await open_database(path)
    await db.migrate()
    books = [(await upsert_book(db, BookData(title=f"Book {n}"))).book_id for n in range(len(counts))]
    await db.close()
    bulk_ratings(path, dict(zip(books, counts.values(), strict=True)))
    return await open_database(path), books


async def bench_stats(folder: Path, sizes: Sizes) -> None:
    db, (big, small) = await prepare(folder / "stats.sqlite3", {0: sizes.big, 1: sizes.small})
    try:
        big_stats = await get_book_stats(db, GUILD, big)
        assert big_stats.ratings_count == sizes.big
        await per_call(sizes.warmup, lambda _: get_book_stats(db, GUILD, small))  # warm up
        t_big, t_small = await in_blocks(
            sizes.reads, lambda _: get_book_stats(db, GUILD, big), lambda _: get_book_stats(db, GUILD, small)
        )
        raw = sqlite3.connect(db.path)
        raw_pk = per_call_sync(sizes.reads, lambda _: raw.execute(PK_READ, (GUILD, big)).fetchone())
        raw_scan = per_call_sync(min(5, sizes.reads), lambda _: raw.execute(SCAN, (GUILD, big)).fetchone())
        plan = " ".join(str(r[-1]) for r in raw.execute("EXPLAIN QUERY PLAN " + PK_READ, (GUILD, big)))
        raw.close()
    finally:
        await db.close()
    print(f"# ratings: book statistics ({sizes.reads} reads each; plan: {plan})", file=sys.stderr)
    row(f"get_book_stats, {sizes.big:,} ratings vs {sizes.small}", t_big, t_small)
    row(f"get_book_stats, {sizes.big:,} ratings vs raw sqlite3 PK read", t_big, raw_pk)
    row(f"raw sqlite3 full scan of {sizes.big:,} ratings vs PK read", raw_scan, raw_pk)


async def bench_rate(folder: Path, sizes: Sizes) -> None:
    small_db, (small_book,) = await prepare(folder / "rate-small.sqlite3", {0: sizes.small_table})
    big_db, (big_book,) = await prepare(folder / "rate-big.sqlite3", {0: sizes.big})
    try:
        # New raters (inserts), then the same raters changing their minds (replacements); each
        # database is warmed up first.
        for db, book_id in ((big_db, big_book), (small_db, small_book)):
            await per_call(
                sizes.warmup, lambda i, db=db, book_id=book_id: rate_book(db, GUILD, i, book_id, 6, NOW)
            )
        inserts = await in_blocks(
            sizes.writes,
            lambda i: rate_book(big_db, GUILD, sizes.big + i, big_book, 2 + i % 9, NOW),
            lambda i: rate_book(small_db, GUILD, sizes.big + i, small_book, 2 + i % 9, NOW),
        )
        replaces = await in_blocks(
            sizes.writes,
            lambda i: rate_book(big_db, GUILD, sizes.big + i, big_book, 10 - i % 9, NOW),
            lambda i: rate_book(small_db, GUILD, sizes.big + i, small_book, 10 - i % 9, NOW),
        )
        assert (await get_book_stats(big_db, GUILD, big_book)).ratings_count == sizes.big + sizes.writes
        assert (
            await get_book_stats(small_db, GUILD, small_book)
        ).ratings_count == sizes.small_table + sizes.writes
    finally:
        await small_db.close()
        await big_db.close()
    raw_big = raw_rate_timing(folder / "rate-big.sqlite3", sizes)
    raw_small = raw_rate_timing(folder / "rate-small.sqlite3", sizes)
    print(
        f"# ratings: /rate ({sizes.writes} calls each, after {sizes.warmup} warm-up calls)", file=sys.stderr
    )
    row(f"rate_book insert, {sizes.big:,} rows vs {sizes.small_table:,}", *inserts)
    row(f"rate_book replace, {sizes.big:,} rows vs {sizes.small_table:,}", *replaces)
    row(f"raw sqlite3 same statements, {sizes.big:,} rows vs {sizes.small_table:,}", raw_big, raw_small)
    row(f"rate_book insert vs raw sqlite3 same statements, {sizes.big:,}", inserts[0], raw_big)


def raw_rate_timing(path: Path, sizes: Sizes) -> float:
    """Median µs of the statements rate_book runs, issued with raw sqlite3 (no thread hop)."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")

    def raw_rate(index: int) -> None:
        user = 2 * sizes.big + index
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "SELECT b.title, r.stars_x2 FROM books AS b LEFT JOIN ratings AS r "
            "ON r.guild_id = ? AND r.book_id = b.book_id AND r.user_id = ? WHERE b.book_id = ?",
            (GUILD, user, 1),
        ).fetchone()
        raw.execute(
            "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, 1, ?, 8, 'x') "
            "ON CONFLICT DO UPDATE SET stars_x2 = excluded.stars_x2",
            (GUILD, user),
        )
        raw.execute(
            "INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2, stars_4) "
            "VALUES (?, 1, 1, 8, 1) ON CONFLICT DO UPDATE SET ratings_count = ratings_count + 1, "
            "ratings_sum_x2 = ratings_sum_x2 + 8, stars_4 = stars_4 + 1",
            (GUILD,),
        )
        raw.execute(
            "INSERT INTO member_stats (guild_id, user_id, ratings_count, ratings_sum_x2) VALUES (?, ?, 1, 8) "
            "ON CONFLICT DO UPDATE SET ratings_count = ratings_count + 1, ratings_sum_x2 = ratings_sum_x2 + 8",
            (GUILD, user),
        )
        raw.execute("COMMIT")

    per_call_sync(sizes.warmup, lambda i: raw_rate(sizes.writes + i))
    timing = per_call_sync(sizes.writes, raw_rate)
    raw.close()
    return timing


async def run(sizes: Sizes) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ratings-") as folder:
        await bench_stats(Path(folder), sizes)
        await bench_rate(Path(folder), sizes)


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`; `scale` shrinks every count (the test suite runs a tiny one)."""
    ROWS.clear()
    asyncio.run(run(Sizes.scaled(scale)))
    return list(ROWS)


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
