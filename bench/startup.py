"""Benchmark: start-up with 10,000 clubs' weekly digests scheduled, against an empty database.

Run with `python -m bench startup` (or `python bench/startup.py [scale]`) from the repository root.
The real bot starts on simcord (login, `setup_hook`, the gateway's READY) on a copy of a seeded
database; measured: until READY, and until the digest catch-up that runs after READY has finished
(every club already posted its latest week, as after a restart of a running bot, so the catch-up
only has to find that out). The baseline is the same start on an empty database, in the same run.

The seed (10,000 clubs' settings, the last four weeks' posts each, written in SQL on the project's
migrations) is cached in ~/.cache/bookclub-bench, keyed by the migrations and the scale.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import simcord

from bench.common import Row, bench_settings, format_table
from bot.client import build_bot
from bot.db import db_time, open_database
from bot.db.database import load_migrations
from bot.models.digest import Schedule
from bot.services import digest as service

CLUBS = 10_000  # at scale 1
WEEKS = 4
REPEAT = 9
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CACHE = Path.home() / ".cache" / "bookclub-bench"
# Where clubs are: a few dozen zones, most of them in a handful (as a bot's servers are).
ZONES = [
    "Europe/Prague", "Europe/London", "America/New_York", "America/Los_Angeles", "Europe/Berlin",
    "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Asia/Tokyo", "Europe/Moscow",
    "America/Chicago", "Europe/Paris", "Asia/Kathmandu", "Pacific/Auckland", "UTC", "Africa/Lagos",
]  # fmt: skip


def _seed(path: Path, clubs: int) -> None:
    """Migrate, then write the clubs' settings and their last weeks' posts through plain sqlite3."""
    rng = random.Random(14)
    conn = sqlite3.connect(path)
    for migration in load_migrations():
        conn.executescript(migration.sql)
    conn.execute(f"PRAGMA user_version = {len(load_migrations())}")
    settings, posts = [], []
    handled = NOW - timedelta(days=7)
    for n in range(clubs):
        guild_id = ((1_100_000_000_000 + n) << 22) | 5
        schedule = Schedule(
            guild_id=guild_id,
            channel_id=guild_id + 1,
            weekday=rng.choice((4, 4, 5, 6, 6, 0, 2)),
            hour=rng.choice((9, 12, 17, 18, 18, 19, 20, 21)),
            minute=rng.choice((0, 0, 0, 30, 15)),
            timezone=ZONES[min(int(rng.expovariate(0.35)), len(ZONES) - 1)],
            since=NOW - timedelta(days=60),
        )
        settings.append(
            (guild_id, schedule.channel_id, schedule.weekday, schedule.hour, schedule.minute,
             schedule.timezone, db_time(schedule.since))
        )  # fmt: skip
        slot = service.latest_slot(schedule, NOW)
        handled = max(handled, slot)
        for week in range(WEEKS):
            at = slot - timedelta(days=7 * week)
            period = service.period_of(at, schedule.timezone)
            posts.append(
                (guild_id, period, db_time(at), db_time(at), "posted", schedule.channel_id, n + 1, 1)
            )
    conn.executemany(
        "INSERT INTO digest_settings (guild_id, channel_id, weekday, hour, minute, timezone, since) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        settings,
    )
    conn.executemany(
        "INSERT INTO digest_posts (guild_id, period, slot_at, claimed_at, status, channel_id, message_id, "
        "messages) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        posts,
    )
    # The running bot's mark: every slot up to the last one before the restart was handled.
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)", ("digest_handled_until:unsharded", db_time(handled))
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def seeded(clubs: int) -> Path:
    """The seeded database for `clubs` clubs, built once and cached (keyed by the migrations)."""
    key = hashlib.sha256("".join(m.sql for m in load_migrations()).encode()).hexdigest()[:12]
    path = CACHE / f"startup-{clubs}-{key}.sqlite3"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        _seed(partial, clubs)
        partial.rename(path)
    return path


async def start_once(path: Path) -> tuple[float, float]:
    """Seconds from creating the bot until READY, and until the digest catch-up has finished.

    Both are taken inside the bot (its READY listener, the catch-up task's completion), so the time
    simcord takes to decide that everything has settled is not counted.
    """
    settings = bench_settings(database_path=path)
    marks: dict[str, float] = {}
    started = time.perf_counter()
    db = await open_database(path)
    async with aiohttp.ClientSession() as session:
        bot = build_bot(settings=settings, db=db, session=session, clock=lambda: NOW)
        bot.sync_on_start = False  # syncing commands is Discord's time, not ours
        setup_hook = bot.setup_hook

        async def timed_setup_hook() -> None:
            await setup_hook()
            cog: Any = bot.get_cog("Digest")
            done = cog._catch_up if cog is not None else None
            if done is None or done.done():
                marks["caught_up"] = time.perf_counter()
            else:
                done.add_done_callback(lambda _: marks.setdefault("caught_up", time.perf_counter()))

        async def on_ready() -> None:
            marks.setdefault("ready", time.perf_counter())

        bot.setup_hook = timed_setup_hook  # type: ignore[method-assign]
        bot.add_listener(on_ready)
        env = simcord.Env(bot, check_errors=False)
        try:
            await env.start()  # login, setup_hook, connect, READY (and simcord settling)
            cog: Any = bot.get_cog("Digest")
            if cog is not None and cog._catch_up is not None:
                await cog._catch_up
        finally:
            await env.shutdown()
            await db.close()
    return marks["ready"] - started, max(marks["ready"], marks["caught_up"]) - started


async def start_copy(template: Path | None, path: Path, *, first_start: bool = False) -> tuple[float, float]:
    """One start on a fresh copy of `template` (None: an empty database); `first_start`: without the
    mark of the slots handled, as a first start or new shards find it."""
    path.unlink(missing_ok=True)
    if template is not None:
        shutil.copyfile(template, path)
        if first_start:
            with sqlite3.connect(path) as conn:
                conn.execute("DELETE FROM meta WHERE key LIKE 'digest_handled_until:%'")
    ready, caught = await start_once(path)
    return ready * 1000, caught * 1000


async def measure(template: Path, folder: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """The best of `repeat` starts of each kind, interleaved so that a busy machine weighs on all alike."""
    best: dict[str, tuple[float, float]] = {}
    empty = seeded(0)  # migrated, no clubs
    kinds = [("empty", empty, False), ("seeded", template, False), ("first", template, True)]
    for n in range(repeat):
        for kind, source, first in kinds[n % 3 :] + kinds[: n % 3]:  # each kind goes first in turn
            ready, caught = await start_copy(source, folder / f"{kind}-{n}.sqlite3", first_start=first)
            old = best.get(kind, (float("inf"), float("inf")))
            best[kind] = (min(old[0], ready), min(old[1], caught))
    return best


def main(scale: float = 1.0) -> list[Row]:
    clubs = max(10, int(CLUBS * scale))
    repeat = REPEAT if scale >= 0.1 else 2
    template = seeded(clubs)
    with tempfile.TemporaryDirectory() as folder:
        best = asyncio.run(measure(template, Path(folder), repeat))
    (empty_ready, empty_caught), (ready, caught), (_, first) = best["empty"], best["seeded"], best["first"]
    label = f"{clubs:,} digests"
    return [
        Row("startup", f"until READY, {label}", ready, empty_ready, baseline_label="empty"),
        Row(
            "startup",
            f"until the digest catch-up is done, {label}",
            caught,
            empty_caught,
            baseline_label="empty",
        ),
        Row(
            "startup",
            f"first start (no handled mark), catch-up done, {label}",
            first,
            empty_caught,
            baseline_label="empty",
        ),
    ]


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
