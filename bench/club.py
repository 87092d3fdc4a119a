"""The club read at scale, without network.

1. `/club read status` (the service and the rendered message) for a club of 1,000 readers
   against a club of 10, in the same database: the counts are one aggregate query, so the big
   club should cost at most 1.5× the small one; the database round trips are counted (limit 3).
2. Gating: 1,000 members of a club read (under simcord, the real bot) all reach a new section at
   once; every one of them must be added to that section's thread exactly once (the thread-member
   calls are counted), and a ticker measures the event loop's worst lag meanwhile (limit 50 ms).

Run: `python -m bench.club [scale]` (or `make bench`); `scale` shrinks the clubs and the repeats.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import discord
import simcord

from bench.common import Row, bench_settings, format_table
from bot.client import BookClubBot
from bot.db import Database, open_database
from bot.db.books import upsert_book
from bot.models.books import Book, BookData
from bot.services.club import activate, claim, load_status, plan_read, record_thread
from bot.ui.club import status_view

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # two sections past due
START = date(2026, 11, 25)
READERS = 1_000  # the big club, at scale 1
SMALL = 10
REPEAT = 60
GATED = 1_000  # members gated at once, at scale 1
SMALL_GUILD, BIG_GUILD = 1, 2


async def _book(db: Database) -> Book:
    return await upsert_book(
        db, BookData(title="MIG Pilot", authors=("John Barron",), ol_work_id="OL1W", pages=222)
    )


async def _start(db: Database, guild_id: int, book: Book) -> None:
    plan = plan_read(
        guild_id=guild_id,
        book=book,
        channel_id=guild_id * 10,
        started_by=1,
        sections=4,
        every=7,
        start=START,
        timezone="Europe/Prague",
    )
    read = await claim(db, plan, NOW)
    for section in read.sections:
        await record_thread(db, read.read_id, section.number, guild_id * 1000 + section.number, None)
    await activate(db, read.read_id)


async def _readers(db: Database, guild_id: int, book: Book, count: int) -> None:
    rows = [
        (guild_id, 100_000 + i, book.book_id, "read" if i % 9 == 0 else "currently-reading", "x", i % 222 + 1)
        for i in range(count)
    ]
    await db.executemany(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, page) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


class RoundTrips:
    """Counts the database calls a piece of work makes (each one round trip to SQLite's thread)."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        for name in ("fetchall", "fetchone", "fetchval", "execute", "executemany"):
            setattr(db, name, self._counting(getattr(db, name)))
        transaction = db.transaction

        def counted_transaction() -> Any:
            self.count += 1
            return transaction()

        db.transaction = counted_transaction  # type: ignore[method-assign]

    def _counting(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await method(*args, **kwargs)

        return counted


async def _median_ms(action: Callable[[], Awaitable[object]], repeat: int) -> float:
    await action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def status_rows(folder: Path, readers: int, repeat: int) -> list[Row]:
    db = await open_database(folder / "status.sqlite3")
    await db.migrate()
    book = await _book(db)
    for guild_id, count in ((SMALL_GUILD, SMALL), (BIG_GUILD, readers)):
        await _start(db, guild_id, book)
        await _readers(db, guild_id, book, count)

    async def status(guild_id: int) -> object:
        loaded = await load_status(db, guild_id, 100_005, NOW)
        return status_view(loaded, viewer=100_005).to_components()

    small = await _median_ms(lambda: status(SMALL_GUILD), repeat)
    big = await _median_ms(lambda: status(BIG_GUILD), repeat)
    loaded = await load_status(db, BIG_GUILD, 100_005, NOW)
    assert loaded.numbers.readers == readers, loaded.numbers
    trips = RoundTrips(db)
    await load_status(db, BIG_GUILD, 100_005, NOW)
    await db.close()
    return [
        Row(
            "club", f"/club read status: {readers:,} readers / {SMALL}", big, small, "ms", f"{SMALL} readers"
        ),
        Row(
            "club",
            f"/club read status: database round trips ({readers:,} readers)",
            trips.count,
            3,
            "trips",
            "limit",
        ),
    ]


async def _lag_while(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """The event loop's worst lag in ms while `work` runs, on a 5 ms ticker (wall clock, so a busy
    machine adds its own pauses), and the longest single step the loop ran meanwhile, in ms of the
    main thread's CPU time (what the bot's code itself held the loop for).
    """
    stop = asyncio.Event()
    lags: list[float] = []
    longest, what = 0.0, ""
    run = asyncio.events.Handle._run

    def timed_run(handle: asyncio.events.Handle) -> None:
        nonlocal longest, what
        started = time.thread_time()
        try:
            run(handle)
        finally:
            took = time.thread_time() - started
            if took > longest:
                task = getattr(getattr(handle, "_callback", None), "__self__", None)
                longest, what = took, repr(task if isinstance(task, asyncio.Task) else handle)[:300]

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            expected = loop.time() + 0.005
            await asyncio.sleep(0.005)
            lags.append(max(0.0, loop.time() - expected))

    # The simulator keeps every request, payload and event of the run: a full garbage collection
    # over them takes ~50 ms here, and is the simulator's cost, not the bot's. Frozen out first.
    gc.collect()
    gc.freeze()
    side = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
    try:
        await work()
    finally:
        asyncio.events.Handle._run = run  # type: ignore[method-assign]
        gc.unfreeze()
    stop.set()
    await side
    print(f"# club: the longest loop step ({longest * 1000:.1f} ms CPU): {what}", file=sys.stderr)
    return max(lags, default=0) * 1000, longest * 1000


def _adds(env: simcord.Env, thread_id: int) -> list[str]:
    prefix = f"/channels/{thread_id}/thread-members/"
    return [r.path for r in env.http_requests if r.method == "PUT" and r.path.startswith(prefix)]


async def gating_rows(folder: Path, members: int) -> list[Row]:
    settings = bench_settings(database_path=folder / "gate.sqlite3")
    db = await open_database(settings.database_path)
    session = aiohttp.ClientSession()
    bot = BookClubBot(settings=settings, db=db, session=session, clock=lambda: NOW)
    env = simcord.Env(bot, check_errors=False)
    await env.start()
    try:
        guild = env.create_guild("Readers")
        channel = guild.create_text_channel("general")
        admins = guild.create_role("Admins", permissions=discord.Permissions(administrator=True))
        admin = guild.add_member(env.create_user("ada"), roles=[admins])
        readers = [guild.add_member(env.create_user(f"reader{i}")) for i in range(members)]
        book = await _book(db)
        await admin.slash(channel, "club read start", book=f"book:{book.book_id}")
        cog = bot.get_cog("Club")
        assert cog is not None
        gate = cog.gate  # type: ignore[attr-defined]
        rows = [(guild.id, r.id, book.book_id, "currently-reading", "x", 30) for r in readers]
        await db.executemany(
            "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, page) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        for reader in readers:  # everyone is in Section 1's thread
            bot.progress_moved(guild.id, reader.id, book.book_id)
        await gate.idle()
        await db.execute(
            "UPDATE shelves SET page = 60 WHERE guild_id = ?", (guild.id,)
        )  # all reach Section 2

        async def everyone_moves() -> None:
            for reader in readers:
                bot.progress_moved(guild.id, reader.id, book.book_id)
            await gate.idle()

        lag, step = await _lag_while(everyone_moves)
        threads = sorted(channel.threads, key=lambda t: t.id)
        second = _adds(env, threads[1].id)
        assert len(second) == len(set(second)) == members, (len(second), len(set(second)))
        assert not _adds(env, threads[2].id)
    finally:
        await env.shutdown()
        await session.close()
        await db.close()
    return [
        Row(
            "club",
            f"gating {members:,} members: thread-member adds sent",
            len(second),
            members,
            "calls",
            "members",
        ),
        Row("club", f"gating {members:,} members: max event-loop lag (wall clock)", lag, 50.0, "ms", "limit"),
        Row("club", f"gating {members:,} members: longest loop step (CPU)", step, 50.0, "ms", "limit"),
    ]


async def run(readers: int, gated: int, repeat: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        rows = await status_rows(Path(folder), readers, repeat)
        rows += await gating_rows(Path(folder), gated)
    return rows


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`; `scale` shrinks the big club, the gated members and the repeats."""
    return asyncio.run(
        run(
            max(SMALL * 2, round(READERS * scale)),
            max(5, round(GATED * scale)),
            max(5, round(REPEAT * scale)),
        )
    )


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
