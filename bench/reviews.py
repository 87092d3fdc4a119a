"""Review paging at scale: a book with 100,000 reviews in one server.

Checks that page 1,000 costs about what page 1 costs in every sort order (keyset paging), that
the header count reads a maintained counter instead of counting rows, and compares the bot's
path (aiosqlite + the service) against raw sqlite3 running the same query.

Run: `python -m bench.reviews [scale]` — prints `name | value | baseline | ratio` rows; `scale`
shrinks the number of reviews and of timed runs (the test suite runs a tiny one).
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Row, format_table
from bot.db import db_time, open_database
from bot.db.reviews import PageRequest, count_reviews, page_ids
from bot.services.reviews import PER_PAGE, ListState, load_page

GUILD, BOOK, OTHER_BOOK = 1, 1, 2
REVIEWS = 100_000  # at scale 1
REPEAT = 30  # timed runs per measurement, at scale 1
STAR_PAGE = 202  # the deep page of the 4-star filter, at scale 1


def build(path: Path, reviews: int) -> None:
    """Fill an already-migrated database: `reviews` for BOOK, a tenth as many for another book."""
    rng = random.Random(5)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO books (book_id, title) VALUES (?, 'Big'), (?, 'Other')", (BOOK, OTHER_BOOK))
    rows: list[tuple[Any, ...]] = []
    for book, count in ((BOOK, reviews), (OTHER_BOOK, reviews // 10)):
        for i in range(count):
            stars = rng.choice((2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 10))
            created = db_time(start + timedelta(minutes=i * 7 + rng.randint(0, 5)))
            words = " ".join(
                rng.choice(("good", "slow", "pilot", "escape", "cold", "war")) for _ in range(12)
            )
            rows.append(
                (GUILD, book, 100_000 + i, stars, f"Review {i}: {words}", created, rng.randint(0, 50))
            )
    with conn:
        conn.executemany(
            "INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, created_at, likes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        # The counter the service keeps in step, filled once here in bulk (review_star_counts
        # is filled by its triggers).
        conn.execute(
            "INSERT INTO book_stats (guild_id, book_id, reviews_count) "
            "SELECT guild_id, book_id, count(*) FROM reviews GROUP BY 1, 2"
        )
    conn.execute("ANALYZE")
    conn.close()


async def timed_async(action: Callable[[], Awaitable[Any]], repeat: int = REPEAT) -> float:
    """Median milliseconds of `repeat` runs (after one warm-up)."""
    await action()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def timed_raw(action: Callable[[], Any], repeat: int = REPEAT) -> float:
    action()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def row(name: str, value: float, baseline: float) -> Row:
    return Row("reviews", name, value, baseline)


# The same keyset queries, written by hand for raw sqlite3: (anchor key lookup, page query).
KEYSET_SQL = {
    "newest": ("created_at, review_id", "<", "created_at DESC, review_id DESC"),
    "oldest": ("created_at, review_id", ">", "created_at, review_id"),
    "highest": ("stars_key, created_at, review_id", "<", "stars_key DESC, created_at DESC, review_id DESC"),
    "lowest": ("stars_key, created_at, review_id", ">", "stars_key, created_at, review_id"),
    "liked": ("likes, created_at, review_id", "<", "likes DESC, created_at DESC, review_id DESC"),
}


def raw_keyset(raw: sqlite3.Connection, sort: str, anchor: int) -> list[Any]:
    keys, comparison, order = KEYSET_SQL[sort]
    values = raw.execute(f"SELECT {keys} FROM reviews WHERE review_id = ?", (anchor,)).fetchone()
    marks = ", ".join("?" for _ in values)
    query = (
        f"SELECT review_id FROM reviews WHERE guild_id = ? AND book_id = ? AND ({keys}) {comparison} ({marks}) "
        f"ORDER BY {order} LIMIT ?"
    )
    return raw.execute(query, (GUILD, BOOK, *values, PER_PAGE)).fetchall()


async def run(reviews: int, repeat: int = REPEAT) -> list[Row]:
    async def timed(action: Callable[[], Awaitable[Any]]) -> float:
        return await timed_async(action, repeat)

    def timed_sync(action: Callable[[], Any]) -> float:
        return timed_raw(action, repeat)

    out: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        db = await open_database(path)
        await db.migrate()
        build(path, reviews)
        raw = sqlite3.connect(path)
        target_page = min(1000, reviews // PER_PAGE)
        print(
            f"# reviews: {reviews:,} reviews of one book in one server; page {target_page} vs page 1",
            file=sys.stderr,
        )

        for sort in ("newest", "oldest", "highest", "lowest", "liked"):
            state = ListState(BOOK, sort)  # type: ignore[arg-type]
            # The anchor a "next" button on page target-1 carries: its last review.
            before = PageRequest(
                GUILD, BOOK, sort, None, None, "offset", PER_PAGE, (target_page - 2) * PER_PAGE
            )  # type: ignore[arg-type]
            anchor = (await page_ids(db, before))[-1]

            async def first(state: ListState = state) -> Any:
                return await load_page(db, GUILD, state, page=1, move="first", viewer_id=1)

            async def deep(state: ListState = state, anchor: int = anchor) -> Any:
                return await load_page(
                    db, GUILD, state, page=target_page, move="next", anchor=anchor, viewer_id=1
                )

            page_one, page_deep = await timed(first), await timed(deep)
            out.append(row(f"{sort}: page {target_page} / page 1 (service)", page_deep, page_one))
            raw_deep = timed_sync(lambda sort=sort, anchor=anchor: raw_keyset(raw, sort, anchor))
            raw_one = timed_sync(
                lambda sort=sort: raw.execute(
                    f"SELECT review_id FROM reviews WHERE guild_id = ? AND book_id = ? "
                    f"ORDER BY {KEYSET_SQL[sort][2]} LIMIT ?",
                    (GUILD, BOOK, PER_PAGE),
                ).fetchall()
            )
            out.append(row(f"{sort}: raw sqlite3 page {target_page} / page 1", raw_deep, raw_one))
            keyset = PageRequest(GUILD, BOOK, sort, None, None, "after", PER_PAGE, anchor=anchor)  # type: ignore[arg-type]
            ours = await timed(lambda keyset=keyset: page_ids(db, keyset))
            out.append(row(f"{sort}: page {target_page} keyset ids vs raw sqlite3", ours, raw_deep))

        # Star filter: 4 stars, newest first, deep page.
        filtered = ListState(BOOK, "newest", 4)
        star_page = min(STAR_PAGE, await count_reviews(db, GUILD, BOOK, 4, None) // PER_PAGE)
        before = PageRequest(GUILD, BOOK, "newest", 4, None, "offset", PER_PAGE, (star_page - 2) * PER_PAGE)
        anchor = (await page_ids(db, before))[-1]
        one = await timed(lambda: load_page(db, GUILD, filtered, page=1, move="first", viewer_id=1))
        deep = await timed(
            lambda: load_page(db, GUILD, filtered, page=star_page, move="next", anchor=anchor, viewer_id=1)
        )
        out.append(row(f"4 stars newest: page {star_page} / page 1 (service)", deep, one))

        # Header counts: the maintained counter vs counting the rows.
        counter = await timed(lambda: count_reviews(db, GUILD, BOOK, None, None))
        scan = timed_sync(
            lambda: raw.execute(
                "SELECT count(*) FROM reviews WHERE guild_id = ? AND book_id = ?", (GUILD, BOOK)
            ).fetchone()
        )
        out.append(row("header count: counter vs raw count(*)", counter, scan))
        counter = await timed(lambda: count_reviews(db, GUILD, BOOK, 4, None))
        scan = timed_sync(
            lambda: raw.execute(
                "SELECT count(*) FROM reviews WHERE guild_id = ? AND book_id = ? AND star_row = 4",
                (GUILD, BOOK),
            ).fetchone()
        )
        out.append(row("4-star header count: counter vs raw count(*)", counter, scan))

        # Jump to page k: the one OFFSET, over the index only.
        jump = PageRequest(
            GUILD, BOOK, "newest", None, None, "offset", PER_PAGE, (target_page - 1) * PER_PAGE
        )
        first_ids = PageRequest(GUILD, BOOK, "newest", None, None, "offset", PER_PAGE, 0)
        out.append(
            row(
                f"jump to page {target_page} (index-only OFFSET) / page 1",
                await timed(lambda: page_ids(db, jump)),
                await timed(lambda: page_ids(db, first_ids)),
            )
        )
        # Last page: the index read backwards.
        last = await timed(
            lambda: load_page(db, GUILD, ListState(BOOK), page=10**9, move="last", viewer_id=1)
        )
        one = await timed(lambda: load_page(db, GUILD, ListState(BOOK), page=1, move="first", viewer_id=1))
        out.append(row("last page / page 1 (service)", last, one))

        # Context: what one aiosqlite round trip costs against raw sqlite3 (the floor of every
        # "service vs raw" ratio above), and what OFFSET over full rows would cost at page 1,000.
        floor = await timed(lambda: db.fetchval("SELECT 1"))
        raw_floor = timed_sync(lambda: raw.execute("SELECT 1").fetchone())
        out.append(row("round trip: aiosqlite vs raw sqlite3 (SELECT 1)", floor, raw_floor))
        naive = (
            "SELECT * FROM reviews WHERE guild_id = ? AND book_id = ? "
            "ORDER BY likes DESC, created_at DESC, review_id DESC LIMIT ? OFFSET ?"
        )
        out.append(
            row(
                f"naive OFFSET page {target_page} / page 1 (raw, liked)",
                timed_sync(
                    lambda: raw.execute(
                        naive, (GUILD, BOOK, PER_PAGE, (target_page - 1) * PER_PAGE)
                    ).fetchall()
                ),
                timed_sync(lambda: raw.execute(naive, (GUILD, BOOK, PER_PAGE, 0)).fetchall()),
            )
        )
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT review_id FROM reviews WHERE guild_id = ? AND book_id = ? "
            "AND (stars_key, created_at, review_id) < (?, ?, ?) "
            "ORDER BY stars_key DESC, created_at DESC, review_id DESC LIMIT 5",
            (GUILD, BOOK, 8, "2021", 1),
        ).fetchall()
        print(
            "# reviews: plan (highest, keyset): " + " / ".join(str(step[-1]) for step in plan),
            file=sys.stderr,
        )
        raw.close()
        await db.close()
    return out


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`; `scale` shrinks the reviews (never below 15 pages) and the runs."""
    reviews = max(15 * PER_PAGE, round(REVIEWS * scale))
    return asyncio.run(run(reviews, max(3, round(REPEAT * scale))))


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
