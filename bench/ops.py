"""Benchmark: operating the bot: a backup of a 1M-rating database, commands while it runs, /metrics,
and a graceful stop with 20 commands in flight.

Run with `python -m bench ops` (about a minute at scale 1). Rows:
- the online backup of a database with 1M ratings, against a plain file copy of the same file;
- the p99 of a command (a /rate write, then the book page's statistics read) while backups run,
  against the same commands with no backup running;
- a scrape of /metrics with every command's series filled in, against a scrape of an empty registry;
- (scale ≥ 0.1) the real `python -m bot` process stopping on SIGTERM with 20 commands in flight, each
  answer held 1 s by the fake Discord, against that 1 s.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, format_table
from bench.ratings import bulk_ratings
from bot.db import Database, open_database
from bot.db.books import upsert_book
from bot.db.stats import get_book_stats
from bot.models.books import BookData
from bot.ops.metrics import PrometheusTelemetry
from bot.services.backups import Backups
from bot.services.ratings import rate_book

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FULL_RATINGS = 1_000_000
BOOKS = 100


async def build(path: Path, ratings: int) -> tuple[Database, list[int]]:
    db = await open_database(path)
    await db.migrate()
    books = [
        (await upsert_book(db, BookData(title=f"Book {n}", ol_work_id=f"OL{n}W"))).book_id
        for n in range(BOOKS)
    ]
    await db.close()
    per_book = max(1, ratings // BOOKS)
    bulk_ratings(path, dict.fromkeys(books, per_book))
    return await open_database(path), books


async def command(db: Database, books: list[int], index: int) -> float:
    """One /rate and one book page read; seconds."""
    started = time.perf_counter()
    book = books[index % len(books)]
    await rate_book(db, GUILD, 5_000_000 + index, book, 2 + index % 9, NOW)
    await get_book_stats(db, GUILD, book)
    return time.perf_counter() - started


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98] * 1000 if len(samples) > 1 else 0.0


async def commands_while(
    db: Database, books: list[int], until: asyncio.Future[object], start: int
) -> list[float]:
    samples = []
    index = start
    while not until.done():
        samples.append(await command(db, books, index))
        index += 1
        await asyncio.sleep(0)  # a real bot serves other tasks too
    return samples


async def backup_rows(scale: float, folder: Path) -> list[Row]:
    ratings = max(1_000, round(FULL_RATINGS * scale))
    db, books = await build(folder / "bookclub.sqlite3", ratings)
    label = f"{ratings / 1e6:g}M ratings" if ratings >= 1e6 else f"{ratings:,} ratings"
    try:
        backups = Backups(db, folder=folder / "backups")
        started = time.perf_counter()
        shutil.copyfile(db.path, folder / "plain-copy.sqlite3")
        plain = (time.perf_counter() - started) * 1000
        record = await backups.backup()
        baseline_samples = [await command(db, books, n) for n in range(max(50, round(2000 * scale)))]
        during: list[float] = []
        rounds = 3 if scale >= 0.1 else 1
        for round_ in range(rounds):
            copy = asyncio.ensure_future(backups.backup(folder / f"during-{round_}.sqlite3"))
            during += await commands_while(db, books, copy, 1_000_000 * (round_ + 1))
            await copy
    finally:
        await db.close()
    return [
        Row("ops", f"online backup, {label}", record.seconds * 1000, plain, baseline_label="file copy"),
        Row(
            "ops",
            f"p99 command during backups ({len(during)} commands)",
            p99(during),
            p99(baseline_samples),
            baseline_label="no backup",
        ),
    ]


def scrape_rows() -> list[Row]:
    empty = PrometheusTelemetry("bench")
    full = PrometheusTelemetry("bench")
    for n in range(40):
        for kind, outcome in (
            ("command", "ok"),
            ("command", "refused"),
            ("command", "error"),
            ("autocomplete", "ok"),
        ):
            full.interaction(f"command-{n}", kind, outcome, 0.05 * (n % 7))
    for kind in ("read", "write"):
        full.database(kind, 0.002)
    for provider in ("openlibrary", "googlebooks"):
        for outcome in ("ok", "error", "skipped", "not_found"):
            full.provider_call(provider, outcome, 0.3)
    timings = []
    for telemetry in (full, empty):
        samples = []
        for _ in range(50):
            started = time.perf_counter()
            telemetry.render()
            samples.append(time.perf_counter() - started)
        timings.append(statistics.median(samples) * 1000)
    return [
        Row("ops", "/metrics scrape, 40 commands' series", timings[0], timings[1], baseline_label="empty")
    ]


async def shutdown_row(folder: Path) -> list[Row]:
    """The real process against the fake Discord (the helpers of tests/process)."""
    from tests.process.bot_process import BotProcess
    from tests.process.conftest import bot_settings
    from tests.process.fake_discord import FakeDiscord
    from tests.process.test_operations import rate, seed_book

    fake = FakeDiscord()
    await fake.start()
    workdir = folder / "process"
    workdir.mkdir()
    await seed_book(workdir / "bookclub.sqlite3")
    bot = BotProcess(workdir, bot_settings(fake, workdir, SHUTDOWN_TIMEOUT="10"))
    try:
        guild = fake.add_guild("Readers")
        await bot.start()
        for _ in range(600):
            if fake.identified and fake.commands:
                break
            await asyncio.sleep(0.05)
        fake.callback_delay = 1.0
        sent = [await rate(fake, guild, 7_000 + n) for n in range(20)]
        for interaction in sent:
            await asyncio.wait_for(interaction.answered.wait(), 20)
        started = time.perf_counter()
        bot.terminate()
        code = await bot.wait(30)
        elapsed = (time.perf_counter() - started) * 1000
        if code != 0 or not all(i.acknowledged.is_set() for i in sent):
            raise RuntimeError(f"the stop was not clean (exit {code})\n{bot.logs()}")
    finally:
        await bot.stop()
        await fake.close()
    return [
        Row(
            "ops", "SIGTERM to exit, 20 commands in flight", elapsed, 1000.0, baseline_label="answer held 1 s"
        )
    ]


async def run(scale: float) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = await backup_rows(scale, folder)
        rows += scrape_rows()
        if scale >= 0.1:
            rows += await shutdown_row(folder)
    return rows


def main(scale: float = 1.0) -> list[Row]:
    return asyncio.run(run(scale))


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
