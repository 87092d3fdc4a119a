"""Book autocomplete on 200k books against 300, through the real client on simcord (issue #14 item 2).

Two catalogues are built in SQL on the project's migrations (the triggers fill the full-text
indexes): 200,000 generated books (titles and authors in English, Czech and Russian, with
diacritics) and 300. The big one is cached in ~/.cache/bookclub-bench, keyed by a hash of the
migrations and of this generator, so a second run starts in seconds.

For each catalogue the bot runs on simcord with no book provider (suggestions come from the
catalogue alone) and a member types each query into `/book show`'s `book` option; the time is
from the keystroke to the choices. Then the SQL alone: the statement the bot ran for that
keystroke, captured from the database handle and replayed with raw sqlite3 on the same file.
Rows: p50 and p99 over every query (big, with small as the baseline), and each query's p50.

    python -m bench.autocomplete [scale]
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import simcord

from bench import books as books_bench
from bench.common import Row, bench_settings, format_table
from bot.client import BookClubBot
from bot.db import Database, open_database
from bot.db.database import load_migrations

BIG = 200_000  # books, at scale 1
SMALL = 300
REPEAT = 60  # timed keystrokes per query, at scale 1
CACHE_FROM = 20_000  # catalogues this big are kept between runs
QUERIES = (
    "g",
    "go",
    "gold",
    "silver crown ki",
    "élodie",
    "nix",
    "čap",
    "valka s",
    "война",
    "вой",
    "time war",
)

CZECH = [
    "válka",
    "mloky",
    "žert",
    "lehkost",
    "bytí",
    "čapek",
    "hora",
    "řeka",
    "srdce",
    "noc",
    "zámek",
    "děti",
]
RUSSIAN = ["война", "мир", "преступление", "наказание", "идиот", "бесы", "ночь", "река", "сердце", "время"]
# The words and names of bench/books.py's catalogue, with Czech and Russian authors among them.
NAMES = [*books_bench.NAMES, "Лев", "Фёдор"]
SURNAMES = [*books_bench.SURNAMES, "Čapek", "Толстой"]


def generate_books(count: int) -> list[tuple[str, str, str]]:
    """(ol_work_id, title, authors) rows: one to four words (one in eight Czech, one in eight
    Russian) and a number, by one author."""
    rng = random.Random(7)
    rows = []
    for i in range(count):
        pick = rng.random()
        words = CZECH if pick < 0.125 else RUSSIAN if pick < 0.25 else books_bench.WORDS
        title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4))).title()
        author = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"
        rows.append((f"OL{i + 1}W", f"{title} {i}", author))
    return rows


def _cache_key(count: int) -> str:
    digest = hashlib.sha256(inspect.getsource(generate_books).encode())
    for words in (books_bench.WORDS, CZECH, RUSSIAN, NAMES, SURNAMES):
        digest.update(repr(words).encode())
    for migration in load_migrations():
        digest.update(migration.name.encode() + migration.sql.encode())
    digest.update(sqlite3.sqlite_version.encode())
    return f"autocomplete-{count}-{digest.hexdigest()[:16]}.sqlite3"


async def _build(path: Path, count: int) -> None:
    db = await open_database(path)
    await db.migrate()
    await db.close()
    raw = sqlite3.connect(path)
    try:
        with raw:
            raw.executemany(
                "INSERT INTO books (ol_work_id, title, authors) VALUES (?, ?, ?)", generate_books(count)
            )
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


async def catalogue(folder: Path, count: int) -> Path:
    """A private copy of the catalogue of `count` books (from the cache when it is big)."""
    path = folder / f"books-{count}.sqlite3"
    if count < CACHE_FROM:
        await _build(path, count)
        return path
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bookclub-bench"
    cached = cache / _cache_key(count)
    if not cached.exists():
        started = time.perf_counter()
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / (cached.name + ".partial")
        partial.unlink(missing_ok=True)
        await _build(partial, count)
        partial.rename(cached)
        print(
            f"# autocomplete: built {count:,} books in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
    shutil.copyfile(cached, path)
    return path


class Captured:
    """The SQL statements the database handle runs, with their parameters."""

    def __init__(self, db: Database) -> None:
        self.statements: list[tuple[str, Any]] = []
        original = db.fetchall

        async def fetchall(sql: str, params: Any = ()) -> Any:
            self.statements.append((sql, params))
            return await original(sql, params)

        db.fetchall = fetchall  # type: ignore[method-assign]


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class Samples:
    def __init__(self) -> None:
        self.client: list[float] = []
        self.sql: list[float] = []
        self.statement: tuple[str, Any] = ("", ())
        self.shown = 0


async def keystrokes(path: Path, samples: dict[str, Samples], repeat: int) -> None:
    """The bot on the catalogue at `path` under simcord; a member types each query into `/book show`'s
    `book` option `repeat` times (after one untimed keystroke that captures its SQL)."""
    settings = bench_settings(database_path=path)
    db = await open_database(path)
    session = aiohttp.ClientSession()
    bot = BookClubBot(settings=settings, db=db, session=session)  # no providers: the catalogue alone
    env = simcord.Env(bot, check_errors=False)
    try:
        await env.start()
        await bot.tree.sync()  # the second start on this file finds the commands synced already
        guild = env.create_guild("Readers")
        channel = guild.create_text_channel("general")
        member = guild.add_member(env.create_user("alice"))
        captured = Captured(db)
        for typed in QUERIES:
            captured.statements.clear()
            shown = await member.autocomplete(channel, "book show", "book", typed)
            assert len(captured.statements) == 1, captured.statements
            samples[typed].statement = captured.statements[0]
            samples[typed].shown = len(shown)  # type: ignore[arg-type]
            for _ in range(repeat):
                started = time.perf_counter()
                await member.autocomplete(channel, "book show", "book", typed)
                samples[typed].client.append(_ms(started))
    finally:
        await env.shutdown()
        await session.close()
        await db.close()


def statements_alone(paths: tuple[Path, Path], pair: tuple[Samples, Samples], repeat: int) -> None:
    """Each catalogue's captured statement replayed with raw sqlite3, the two alternately."""
    conns = [sqlite3.connect(path) for path in paths]
    try:
        for conn, samples in zip(conns, pair, strict=True):
            conn.execute(*samples.statement).fetchall()  # warm
        for round_ in range(repeat):
            order = 1 if round_ % 2 else -1
            for conn, samples in zip(conns[::order], pair[::order], strict=True):
                started = time.perf_counter()
                conn.execute(*samples.statement).fetchall()
                samples.sql.append(_ms(started))
    finally:
        for conn in conns:
            conn.close()


BLOCKS = 4  # the small and the big catalogue take turns, so a busy moment of a shared machine hits both


async def run(big: int, repeat: int) -> list[Row]:
    results = {typed: (Samples(), Samples()) for typed in QUERIES}
    with tempfile.TemporaryDirectory() as folder:
        paths = (await catalogue(Path(folder), SMALL), await catalogue(Path(folder), big))
        for _ in range(BLOCKS):
            for path, side in zip(paths, (0, 1), strict=True):
                await keystrokes(
                    path, {typed: pair[side] for typed, pair in results.items()}, repeat // BLOCKS
                )
        for pair in results.values():
            statements_alone(paths, pair, repeat * 3)
    label = f"{SMALL} books"
    rows = []
    for name, what in (("keystroke to choices (client)", "client"), ("SQL alone", "sql")):
        every_small = [s for typed in QUERIES for s in getattr(results[typed][0], what)]
        every_big = [s for typed in QUERIES for s in getattr(results[typed][1], what)]
        for q, tag in ((0.5, "p50"), (0.99, "p99")):
            rows.append(
                Row(
                    "autocomplete",
                    f"{name} {tag}, {len(QUERIES)} queries, {big:,} books",
                    _percentile(every_big, q),
                    _percentile(every_small, q),
                    "ms",
                    label,
                )
            )
        for typed in QUERIES:
            few, many = results[typed]
            rows.append(
                Row(
                    "autocomplete",
                    f"  {what} p50 {typed!r} ({many.shown} / {few.shown} choices)",
                    statistics.median(getattr(many, what)),
                    statistics.median(getattr(few, what)),
                    "ms",
                    label,
                )
            )
    return rows


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`; `scale` shrinks the big catalogue and the repeats."""
    return asyncio.run(run(max(SMALL * 2, round(BIG * scale)), max(BLOCKS, round(REPEAT * scale))))


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
