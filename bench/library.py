"""Library import speed, memory and responsiveness, without network.

A generated current-format Goodreads export (10,000 rows: shelves, ratings, reviews with `<br/>`,
valid ISBNs, a share of rows without any) is imported into a fresh database, compared in the same
run with a 1,000-row file. While the big import runs, a ticker task measures the event loop's worst
lag and another task makes a small write every 50 ms, as a member's /rate would: both show the bot
keeps answering. The export of the 10,000 books is timed too, with the loop's worst lag while it
runs, against writing the same CSV on the event loop itself (what the export did before it moved
to a worker thread). Run: `python -m bench.library [scale]` (or `make bench`); `scale` shrinks the
row counts (the test suite runs a tiny one).
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, format_table
from bot.books.identifiers import isbn13_to_10
from bot.db import Database, open_database
from bot.db.library import library_rows
from bot.services.library import (
    GOODREADS_HEADER,
    export_library,
    import_library,
    read_library_file,
    write_goodreads,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SHELVES = ("to-read",) * 6 + ("read",) * 3 + ("currently-reading",)


def _isbn13(n: int) -> str:
    core = f"978{n:09d}"
    check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(core)) % 10) % 10
    return core + str(check)


def goodreads_export(rows: int, seed: int = 7) -> bytes:
    """A plausible Goodreads export of `rows` books."""
    rng = random.Random(seed)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GOODREADS_HEADER)
    for i in range(rows):
        shelf = rng.choice(SHELVES)
        isbn13 = _isbn13(100_000 + i) if rng.random() > 0.15 else ""
        isbn10 = (isbn13_to_10(isbn13) or "") if isbn13 else ""
        rating = rng.randint(1, 5) if shelf == "read" and rng.random() > 0.2 else 0
        review = (
            "Loved it.<br/><br/>" + "Words and more words. " * rng.randint(1, 30)
            if rng.random() < 0.1
            else ""
        )
        year = rng.randint(1950, 2025)
        added = f"{rng.randint(2010, 2025)}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}"
        writer.writerow(
            (
                str(i + 1),
                f"Generated Book Number {i} {rng.choice(('of Stars', 'and Tides', 'in Winter', ''))}".strip(),
                f"Author {i % 997} Lastname",
                f"Lastname, Author {i % 997}",
                "",
                f'="{isbn10}"',
                f'="{isbn13}"',
                rating,
                "3.95",
                "Publisher",
                rng.choice(("Paperback", "Hardcover", "Kindle Edition")),
                rng.randint(90, 900),
                year,
                year,
                added if shelf == "read" else "",
                added,
                shelf,
                f"{shelf} (#{i})",
                shelf,
                review,
                "",
                "",
                1 if shelf == "read" else 0,
                0,
            )
        )
    return out.getvalue().encode()


async def _fresh_db(folder: Path, name: str) -> Database:
    db = await open_database(folder / f"{name}.sqlite3")
    await db.migrate()
    return db


@dataclass
class Run:
    rows: int
    seconds: float
    peak_bytes: int
    text_bytes: int
    max_lag_ms: float
    max_write_ms: float
    writes: int


async def measure(folder: Path, rows: int, *, trace: bool) -> Run:
    data = goodreads_export(rows)
    db = await _fresh_db(folder, f"import{rows}{'m' if trace else ''}")
    stop = asyncio.Event()
    lags: list[float] = []
    write_waits: list[float] = []

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            expected = loop.time() + 0.005
            await asyncio.sleep(0.005)
            lags.append(max(0.0, loop.time() - expected))

    async def member_writes() -> None:
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            await db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('bench', ?)", (str(n),))
            write_waits.append(time.perf_counter() - started)
            n += 1
            await asyncio.sleep(0.05)

    if trace:
        tracemalloc.start()
    side = [asyncio.create_task(ticker()), asyncio.create_task(member_writes())]
    await asyncio.sleep(0.02)  # the ticker is measuring before the import starts
    started = time.perf_counter()
    file = await read_library_file(data)
    summary = await import_library(db, guild_id=1, user_id=2, file=file, now=NOW)
    seconds = time.perf_counter() - started
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    stop.set()
    await asyncio.gather(*side)
    assert summary.added == rows, summary
    text_bytes = sys.getsizeof(file.text)
    await db.close()
    return Run(
        rows,
        seconds,
        peak,
        text_bytes,
        max(lags, default=0) * 1000,
        max(write_waits) * 1000,
        len(write_waits),
    )


async def _max_lag_ms(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(seconds `work` took, the event loop's worst lag in ms meanwhile, on a 5 ms ticker)."""
    stop = asyncio.Event()
    lags: list[float] = []

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            expected = loop.time() + 0.005
            await asyncio.sleep(0.005)
            lags.append(max(0.0, loop.time() - expected))

    side = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    started = time.perf_counter()
    await work()
    seconds = time.perf_counter() - started
    stop.set()
    await side
    return seconds, max(lags, default=0) * 1000


async def measure_export(folder: Path, rows: int) -> tuple[float, float, float, float]:
    """(export seconds, its max lag ms, on-loop CSV seconds, its max lag ms) for a `rows`-book library."""
    db = await _fresh_db(folder, f"export{rows}")
    await import_library(
        db, guild_id=1, user_id=2, file=await read_library_file(goodreads_export(rows)), now=NOW
    )
    exported, export_lag = await _max_lag_ms(lambda: export_library(db, guild_id=1, user_id=2, now=NOW))

    async def on_the_loop() -> bytes:
        return write_goodreads(await library_rows(db, 1, 2))

    inline, inline_lag = await _max_lag_ms(on_the_loop)
    await db.close()
    return exported, export_lag, inline, inline_lag


async def _main(scale: float) -> list[Row]:
    big_rows, small_rows = max(20, round(10_000 * scale)), max(5, round(1_000 * scale))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Timings without tracemalloc (it slows Python down); memory in separate runs with it.
        small = await measure(folder, small_rows, trace=False)
        big = await measure(folder, big_rows, trace=False)
        small_mem = await measure(folder, small_rows, trace=True)
        big_mem = await measure(folder, big_rows, trace=True)
        exported, export_lag, inline, inline_lag = await measure_export(folder, big_rows)
        # Baseline for lag: the same ticker with nothing else running.
        idle: list[float] = []
        loop = asyncio.get_running_loop()
        for _ in range(max(5, round(100 * scale))):
            expected = loop.time() + 0.005
            await asyncio.sleep(0.005)
            idle.append(max(0.0, loop.time() - expected))
    mb = 1 / 1_000_000
    return [
        Row(
            "library",
            f"import {big_rows:,} rows",
            big.seconds * 1000,
            small.seconds * 1000,
            "ms",
            f"{small_rows:,} rows",
        ),
        Row(
            "library",
            "import time per row",
            big.seconds / big.rows * 1000,
            small.seconds / small.rows * 1000,
            "ms",
            f"{small_rows:,}-row run",
        ),
        Row(
            "library",
            f"tracemalloc peak, {big_rows:,} rows",
            big_mem.peak_bytes * mb,
            small_mem.peak_bytes * mb,
            "MB",
            f"{small_rows:,} rows",
        ),
        Row(
            "library",
            "peak minus the decoded file text",
            (big_mem.peak_bytes - big_mem.text_bytes) * mb,
            (small_mem.peak_bytes - small_mem.text_bytes) * mb,
            "MB",
            f"{small_rows:,} rows",
        ),
        Row(
            "library", "max event-loop lag during import", big.max_lag_ms, max(idle) * 1000, "ms", "idle loop"
        ),
        Row(
            "library",
            f"max wait of a member's write ({big.writes} during import)",
            big.max_write_ms,
            small.max_write_ms,
            "ms",
            f"during {small_rows:,}-row import",
        ),
        Row(
            "library",
            f"export {big_rows:,} books",
            exported * 1000,
            inline * 1000,
            "ms",
            "CSV written on the loop",
        ),
        Row(
            "library",
            "max event-loop lag during export",
            export_lag,
            inline_lag,
            "ms",
            "CSV written on the loop",
        ),
    ]


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`; `scale` shrinks the row counts (the test suite runs a tiny one)."""
    return asyncio.run(_main(scale))


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
