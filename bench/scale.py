"""Commands at scale, in-process through the real discord.py client (simcord), on `bench/seed.py`.

For each hot command — `/book show`, `/reviews` (first page, then Next), `/rate`, `/shelf show`
(first page, then Next), `/progress`, `/profile` — p50 and p99 in the big server (900k ratings, a book with 100k reviews, a member with
5,000 shelved books) against the small one (80 members), in the same run and the same database;
the database round trips of one call (every hand-off to aiosqlite's thread, counted by wrapping the
database handle's two connections); and EXPLAIN QUERY PLAN of every statement a call ran (captured
by SQLite's trace hook): a full SCAN of a table or a TEMP B-TREE on these paths is reported.

Then an open-loop `/rate` sweep: requests are issued at a fixed offered rate whatever the answers
do (each one's latency counts from when it was due), and for each rate the achieved rate, p99 and
the share of wall time the writer lock was held.

Size: `BENCH_SCALE=small` (default; 2% of full), `full` (`make bench-scale`) or a fraction.
Run: `python -m bench.scale` (or `make bench` / `make bench-scale`); `BENCH_SCALE_PARTS=latency` or
`sweep` runs one half only.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import simcord

from bench import seed
from bench.common import Row, bench_settings, format_table
from bot.client import BookClubBot
from bot.config import Settings
from bot.db import Database, open_database
from bot.db.library import recompute_member_stats
from bot.services.books import resolve
from bot.services.ratings import rate_book

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
REPEAT = 100  # timed calls per command and size, at scale 1 (any BENCH_SCALE setting)
# Issue #14's round-trip targets per command.
TRIPS = {
    "/book show": 2,
    "/reviews (first page)": 3,
    "/reviews Next": 2,
    "/rate": 2,
    "/shelf show": 3,
    "/shelf show Next": 2,
    "/progress": 3,
    "/profile": 2,
}
SWEEP = (250, 500, 1000, 1500, 2000, 3000)  # offered /rate per second
SWEEP_SECONDS = 2.0

# Names a plan may SCAN without it being a full scan of stored rows.
_HARMLESS_SCAN = re.compile(r"^SCAN (CONSTANT ROW|\(subquery|page\b|picked\b|.* VIRTUAL TABLE INDEX)")


class Trips:
    """Counts the database round trips (hand-offs to aiosqlite's thread) and captures the SQL run.

    Wraps the handle's two connections: every aiosqlite call goes through `Connection._execute`
    (one queued function, one wake-up of the event loop); the statements come from sqlite3's trace
    hook (bound values expanded), including those run inside one hand-off.
    """

    def __init__(self, db: Database) -> None:
        self.count = 0
        self.statements: list[str] = []
        self.recording = False
        for conn in (db._writer, db._reader):  # a benchmark's probe of private state
            original = conn._execute

            async def counted(fn: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                if self.recording:
                    self.count += 1
                return await _original(fn, *args, **kwargs)

            conn._execute = counted  # type: ignore[method-assign]
            conn._conn.set_trace_callback(self._trace)

    def _trace(self, statement: str) -> None:
        if self.recording and not statement.lstrip().startswith("--"):
            self.statements.append(statement)

    async def measure(self, work: Callable[[], Awaitable[object]]) -> tuple[int, list[str]]:
        self.count, self.statements, self.recording = 0, [], True
        try:
            await work()
            await asyncio.sleep(0.01)  # background work the command started (e.g. progress listeners)
        finally:
            self.recording = False
        return self.count, self.statements


def bad_plans(raw: sqlite3.Connection, statements: list[str]) -> tuple[list[str], int]:
    """Every statement whose plan scans a whole table or builds a temp B-tree, and how many were checked."""
    found, checked = [], 0
    for statement in statements:
        head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if head not in ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE"):
            continue
        try:
            plan = [str(step[3]) for step in raw.execute(f"EXPLAIN QUERY PLAN {statement}")]
        except sqlite3.Error:
            continue  # e.g. a statement naming a temp object
        checked += 1
        bad = [
            step
            for step in plan
            if "TEMP B-TREE" in step or (step.startswith("SCAN ") and not _HARMLESS_SCAN.match(step))
        ]
        if bad:
            found.append(f"{' '.join(statement.split())[:160]} → {' / '.join(bad)}")
    return found, checked


def _walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _custom_id(components: object, prefix: str) -> str:
    return str(_control(components, prefix)["custom_id"])


def _control(components: object, prefix: str, *, last: bool = False) -> dict[str, Any]:
    """The first (or `last`) control whose custom id starts with `prefix`."""
    found = [
        node
        for node in _walk(components)
        if isinstance(node.get("custom_id"), str) and node["custom_id"].startswith(prefix)
    ]
    if not found:
        raise AssertionError(f"no control {prefix}… in the answer")
    return found[-1 if last else 0]


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Side:
    """One server's member and the books their commands use."""

    label: str
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    member: simcord.MemberActor
    review_book: int
    rate_book: int
    reading_book: int
    flip: int = field(default=0)
    listed: Any = None  # the /reviews message whose Next is pressed
    shelf: Any = None  # the viewer's copy of a /shelf show list, paged on by Next
    shelf_back: bool = False  # the copy reached the last page: Previous until the first


def _rename(path: Path, guild: int, placeholder: int, user: int) -> None:
    """Give the seed's placeholder member the simcord user's id (a few thousand indexed rows), and
    rebuild their `member_stats` row from a recount (the shelf triggers moved part of it already)."""
    conn = sqlite3.connect(path)
    with conn:
        for table in ("ratings", "shelves", "reviews", "members"):
            conn.execute(
                f"UPDATE {table} SET user_id = ? WHERE guild_id = ? AND user_id = ?",
                (user, guild, placeholder),
            )
        conn.execute(
            "DELETE FROM member_stats WHERE guild_id = ? AND user_id IN (?, ?)", (guild, placeholder, user)
        )
        columns = {row[1] for row in conn.execute("PRAGMA table_info(member_stats)")}
        shelves = [c for c in ("want-to-read", "currently-reading", "read", "did-not-finish")]
        shelf_columns = [f"shelf_{c.replace('-', '_')}" for c in shelves] if "shelf_read" in columns else []
        counts = ", ".join(
            f"(SELECT count(*) FROM shelves WHERE guild_id = :g AND user_id = :u AND shelf = '{c}')"
            for c in shelves[: len(shelf_columns)]
        )
        conn.execute(
            f"""
            INSERT INTO member_stats (guild_id, user_id, reviews_count, ratings_count, ratings_sum_x2
                                      {"".join(", " + c for c in shelf_columns)})
            SELECT :g, :u,
                   (SELECT count(*) FROM reviews WHERE guild_id = :g AND user_id = :u),
                   (SELECT count(*) FROM ratings WHERE guild_id = :g AND user_id = :u),
                   (SELECT coalesce(sum(stars_x2), 0) FROM ratings WHERE guild_id = :g AND user_id = :u)
                   {", " + counts if counts else ""}
            """,
            {"g": guild, "u": user},
        )
    conn.close()


def _first_book(path: Path, guild: int, user: int, shelf: str) -> int:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT book_id FROM shelves WHERE guild_id = ? AND user_id = ? AND shelf = ? ORDER BY book_id LIMIT 1",
            (guild, user, shelf),
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


class Commands:
    """Each measured command, as one awaitable per call."""

    def __init__(self, side: Side) -> None:
        self.side = side

    async def book_show(self) -> object:
        s = self.side
        return await s.member.slash(s.channel, "book show", book=f"book:{s.review_book}")

    async def reviews(self) -> Any:
        s = self.side
        result = await s.member.slash(s.channel, "reviews", book=f"book:{s.review_book}")
        assert result.response is not None, result
        return result

    async def rate(self) -> object:
        s = self.side
        s.flip ^= 1
        return await s.member.slash(s.channel, "rate", book=f"book:{s.rate_book}", stars=4 + s.flip / 2)

    async def shelf_show(self) -> object:
        s = self.side
        return await s.member.slash(s.channel, "shelf show")

    async def profile(self) -> object:
        s = self.side
        return await s.member.slash(s.channel, "profile")

    async def progress(self) -> object:
        s = self.side
        s.flip ^= 1
        return await s.member.slash(s.channel, "progress", book=f"book:{s.reading_book}", page=10 + s.flip)


BATCH = 20  # timed calls per side between two fresh bots


async def _timed(
    big: Callable[[], Awaitable[object]],
    small: Callable[[], Awaitable[object]],
    repeat: int,
    fresh: Callable[[], Awaitable[None]],
) -> tuple[list[float], list[float]]:
    """Milliseconds per call of each, the calls alternating so that any drift weighs on both sides
    alike, in batches of BATCH on a fresh bot (`fresh`): the simulator re-checks every live view at
    each step, so without it each call costs more than the one before, whatever the bot does."""
    samples: tuple[list[float], list[float]] = ([], [])
    for done in range(repeat):
        if done % BATCH == 0:
            await fresh()
            for _ in range(2):  # warm: names noted, a list to page posted, caches filled
                await big()
                await small()
        for action, into in ((big, samples[0]), (small, samples[1])):
            started = time.perf_counter()
            await action()
            into.append((time.perf_counter() - started) * 1000)
    return samples


class HeldLock(asyncio.Lock):
    """The writer lock, timing how long it is held."""

    def __init__(self) -> None:
        super().__init__()
        self.held = 0.0
        self._since = 0.0

    async def acquire(self) -> bool:
        await super().acquire()
        self._since = time.perf_counter()
        return True

    def release(self) -> None:
        self.held += time.perf_counter() - self._since
        super().release()


async def sweep(
    bot: BookClubBot, guild_id: int, books: int, rates: tuple[int, ...], seconds: float
) -> list[Row]:
    """Open loop: /rate's work issued on a fixed schedule by many members; latency from when each was due.

    The command's own path below discord.py: the `book` option resolved as its transformer does
    (`resolve(..., quick=True)`), then `rate_book`. Not through simcord: the simulator spends ~5 ms
    of CPU per interaction itself, which would cap any sweep near 200/s whatever the bot does.
    """
    db = bot.db
    lock = HeldLock()
    db._lock = lock  # the benchmark's probe
    loop = asyncio.get_running_loop()

    async def rate_once(user_id: int, book: int, stars_x2: int) -> None:
        resolution = await resolve(
            db, bot.books, f"book:{book}", deadline=loop.time() + 1.5, quick=True, guild_id=guild_id
        )
        assert resolution.book is not None
        await rate_book(db, guild_id, user_id, resolution.book.book_id, stars_x2, NOW)

    rows: list[Row] = []
    for rate in rates:
        total = max(20, round(rate * seconds))
        latencies: list[float] = []

        async def one(i: int, due: float, latencies: list[float] = latencies) -> None:
            await rate_once(7_000_000 + i % 5_000, 1 + (i * 7919) % min(books, 3_000), 2 + i % 9)
            latencies.append((loop.time() - due) * 1000)

        gc.collect()
        lock.held = 0.0
        start = loop.time() + 0.01
        tasks = []
        for i in range(total):
            due = start + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
        wall = loop.time() - start
        achieved = total / wall
        p99 = _percentile(latencies, 0.99)
        share = lock.held / wall
        print(
            f"# scale: /rate offered {rate}/s → achieved {achieved:.0f}/s, p50 "
            f"{statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms, writer lock held {share:.0%}",
            file=sys.stderr,
        )
        rows.append(Row("scale", f"/rate open loop {rate}/s: achieved", achieved, rate, "/s", "offered"))
        rows.append(Row("scale", f"/rate open loop {rate}/s: p99", p99, 100.0, "ms", "target"))
        rows.append(
            Row("scale", f"/rate open loop {rate}/s: writer lock held", share * 100, 100.0, "%", "wall")
        )
    return rows


@dataclass
class Scene:
    """The bot on a private copy of the seed, with each measured command for both servers."""

    bot: BookClubBot
    path: Path
    sizes: seed.Sizes
    actions: dict[str, dict[str, Callable[[], Awaitable[object]]]]
    sides: list[Side]
    env: simcord.Env
    settings: Settings
    session: aiohttp.ClientSession

    async def restart(self) -> None:
        """A fresh bot on the same file, as a process restart: every view and timer of the calls so
        far goes with the old one. The simulator re-checks each live view's wait at every step, so
        without this each call costs more than the one before, whatever the bot does."""
        old = self.bot.db
        db = await open_database(self.path)
        bot = BookClubBot(settings=self.settings, db=db, session=self.session, clock=lambda: NOW)
        await self.env.restart_bot(bot)
        await old.close()
        _quiet(bot)
        self.bot = bot

    def fresh_channels(self, name: str) -> None:
        """Each command posts in new channels: the simulator's cost per message grows with the
        messages it holds in a channel, which would otherwise weigh on the later commands."""
        for side in self.sides:
            side.channel = side.guild.create_text_channel(name.strip("/").replace(" ", "-"))
            side.listed = None
            side.shelf = None


def _quiet(bot: BookClubBot) -> None:
    """The club-read thread gate runs after /progress answers, in the background; it is not part of
    the command (and has no club read to gate here). Scheduled jobs (the cache's first prune comes
    a few minutes after start-up) go for the same reason: the simulator waits for every runnable
    task before a command counts as answered."""
    bot.progress_listeners.clear()
    bot.scheduler.remove_all_jobs()


@asynccontextmanager
async def scale_bot(setting: str | None, share: float | None) -> AsyncIterator[Scene]:
    """The real bot under simcord on a copy of the seed; the big and the small server each with a
    member whose id replaces the seed's placeholder."""
    with tempfile.TemporaryDirectory() as folder:
        path, sizes = await asyncio.to_thread(seed.copy_to, Path(folder), setting, share=share)
        settings = bench_settings(database_path=path)
        db = await open_database(path)
        session = aiohttp.ClientSession()
        bot = BookClubBot(settings=settings, db=db, session=session, clock=lambda: NOW)
        # A generous settle timeout: on a busy shared machine a slow "before" must still finish.
        env = simcord.Env(bot, check_errors=False, settle_timeout=60.0)
        await env.start()
        scene: Scene | None = None
        try:
            actions: dict[str, dict[str, Callable[[], Awaitable[object]]]] = {}
            sides: list[Side] = []
            for label, guild_id, placeholder, book in (
                ("big", seed.BIG_GUILD, seed.BIG_MEMBER, seed.BIG_BOOK),
                ("small", seed.SMALL_GUILD, seed.SMALL_MEMBER, seed.SMALL_BOOK),
            ):
                guild = env.create_guild(label, id=guild_id)
                channel = guild.create_text_channel("general")
                member = guild.add_member(env.create_user(f"{label}-reader"))
                _rename(path, guild_id, placeholder, member.id)
                reading = _first_book(path, guild_id, member.id, "currently-reading")
                side = Side(label, guild, channel, member, book, book + 10, reading)
                sides.append(side)
                commands = Commands(side)
                # Pressed by another member: the list stays at page 1 and the presser gets a copy
                # of page 2 (the owner's press would move the list on, and the next press with it).
                viewer = guild.add_member(env.create_user(f"{label}-viewer"))

                async def next_page(
                    viewer: Any = viewer, side: Side = side, commands: Commands = commands
                ) -> object:
                    if side.listed is None:  # a list posted by the current bot, in the current channel
                        side.listed = (await commands.reviews()).response
                    next_id = _custom_id(side.listed.components, "rv:nav:n:")
                    return await viewer.click(side.listed, custom_id=next_id)

                async def shelf_next(
                    viewer: Any = viewer, side: Side = side, commands: Commands = commands
                ) -> object:
                    """Next, again and again: the viewer's own copy of the member's list walks down
                    the shelf (page 2, 3, …) and, at the last page, back up with Previous."""
                    if side.shelf is None:  # a list posted by the current bot, in the current channel
                        listed = (await commands.shelf_show()).response
                        next_id = str(_control(listed.components, "shelfpage:", last=True)["custom_id"])
                        side.shelf = (await viewer.click(listed, custom_id=next_id)).response
                        return side.shelf
                    previous, following = (
                        _control(side.shelf.components, "shelfpage:", last=last) for last in (False, True)
                    )
                    if following.get("disabled"):
                        side.shelf_back = True
                    elif previous.get("disabled"):
                        side.shelf_back = False
                    pressed = previous if side.shelf_back else following
                    return await viewer.click(side.shelf, custom_id=str(pressed["custom_id"]))

                for name, action in (
                    ("/book show", commands.book_show),
                    ("/reviews (first page)", commands.reviews),
                    ("/reviews Next", next_page),
                    ("/rate", commands.rate),
                    ("/shelf show", commands.shelf_show),
                    ("/shelf show Next", shelf_next),
                    ("/progress", commands.progress),
                    ("/profile", commands.profile),
                ):
                    actions.setdefault(name, {})[label] = action
            _quiet(bot)
            scene = Scene(bot, path, sizes, actions, sides, env, settings, session)
            yield scene
        finally:
            await env.shutdown()
            await session.close()
            await (scene.bot.db if scene is not None else db).close()


async def probe(scene: Scene) -> tuple[dict[str, int], list[str], int]:
    """Each command once in the big server: its round trips, the statements whose plan scans a
    table or sorts in a temp B-tree, and how many statements were checked."""
    trips = Trips(scene.bot.db)
    raw = sqlite3.connect(scene.path)
    counts: dict[str, int] = {}
    plans: list[str] = []
    checked = 0
    try:
        for name, pair in scene.actions.items():
            await pair["big"]()  # warm: a member's name is noted at their first command
            counts[name], statements = await trips.measure(pair["big"])
            bad, seen = bad_plans(raw, statements)
            plans += [f"{name}: {line}" for line in bad]
            checked += seen
    finally:
        raw.close()
    return counts, plans, checked


async def recompute_rows(scene: Scene, repeat: int) -> list[Row]:
    """recompute_member_stats (run per member by imports) for a member of the big server (900k
    ratings in it) against one of the small server: an index lookup should cost the same."""
    db = scene.bot.db

    async def recompute(guild_id: int, user_id: int) -> None:
        async with db.transaction() as conn:
            await recompute_member_stats(conn, guild_id, user_id)

    samples: dict[int, list[float]] = {seed.BIG_GUILD: [], seed.SMALL_GUILD: []}
    for _ in range(repeat):
        for guild_id in samples:
            started = time.perf_counter()
            await recompute(guild_id, 5)
            samples[guild_id].append((time.perf_counter() - started) * 1000)
    big, small = statistics.median(samples[seed.BIG_GUILD]), statistics.median(samples[seed.SMALL_GUILD])
    return [Row("scale", "recompute_member_stats: big server / small server", big, small)]


async def run(
    setting: str | None, share: float | None, repeat: int, rates: tuple[int, ...], seconds: float
) -> list[Row]:
    rows: list[Row] = []
    parts = set(os.environ.get("BENCH_SCALE_PARTS", "latency,sweep").split(","))
    async with scale_bot(setting, share) as scene:
        sizes = scene.sizes
        if "latency" not in parts:
            await scene.restart()
            return await sweep(scene.bot, seed.BIG_GUILD, sizes.books, rates, seconds) if rates else rows
        print(
            f"# scale: {sizes.guilds:,} servers, {sizes.books:,} books, {sizes.ratings:,} ratings, "
            f"{sizes.big_book_reviews + sizes.other_reviews:,} reviews ({sizes.big_book_reviews:,} on one "
            f"book), {sizes.big_shelf:,} books on one member's shelves",
            file=sys.stderr,
        )
        gc.collect()
        gc.freeze()
        for name, pair in scene.actions.items():

            async def fresh(name: str = name) -> None:
                await scene.restart()
                scene.fresh_channels(name)

            big, small = await _timed(pair["big"], pair["small"], repeat, fresh)
            rows.append(
                Row("scale", f"{name}: p50 big / small", statistics.median(big), statistics.median(small))
            )
            rows.append(
                Row("scale", f"{name}: p99 big / small", _percentile(big, 0.99), _percentile(small, 0.99))
            )
        gc.unfreeze()
        await scene.restart()
        counts, plans, checked = await probe(scene)
        for name, count in counts.items():
            rows.append(Row("scale", f"{name}: round trips", count, TRIPS[name], "trips", "target"))
        for line in plans:
            print(f"# scale: plan: {line}", file=sys.stderr)
        rows.append(
            Row(
                "scale",
                "hot-path statements scanning a table or sorting in a temp B-tree",
                len(plans),
                checked,
                "",
                "statements checked",
            )
        )
        rows += await recompute_rows(scene, max(5, repeat // 4))
        if rates and "sweep" in parts:
            await scene.restart()
            rows += await sweep(scene.bot, seed.BIG_GUILD, sizes.books, rates, seconds)
    return rows


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`. The seed size comes from BENCH_SCALE (`small`, `full` or a
    fraction); a `scale` below 1 (the test suite's tiny run) shrinks the seed and the runs too."""
    setting = os.environ.get("BENCH_SCALE")
    share = scale if scale < 1 else None
    repeat = max(5, round(REPEAT * min(scale, 1.0)))
    rates = SWEEP if scale >= 1 else (100,)
    seconds = SWEEP_SECONDS if scale >= 1 else 0.2
    return asyncio.run(run(setting, share, repeat, rates, seconds))


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
