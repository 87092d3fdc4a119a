"""Book lookups: a cached provider lookup, catalogue lookups, and autocomplete over 200k books.

Each row compares the bot's async path (aiosqlite in its own thread, so nothing blocks the event
loop) with raw sqlite3 running the same query on the same file in the same run.

    python -m bench.books [scale]

`scale` shrinks the catalogue and the number of timed calls (the test suite runs a tiny one).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from bench.common import Row, format_table
from bot.books.cache import ResponseCache
from bot.books.provider import BookRef
from bot.books.service import build_book_service
from bot.config import Settings
from bot.db import Database, open_database
from bot.db.books import AUTOCOMPLETE_QUERY, autocomplete_books, fts_query
from bot.models.books import BookData
from bot.services.books import SearchHit, resolve

CATALOGUE_SIZE = 200_000  # at scale 1
WORDS = [
    "night",
    "shadow",
    "river",
    "garden",
    "stone",
    "winter",
    "empire",
    "silver",
    "house",
    "glass",
    "crown",
    "fire",
    "sea",
    "road",
    "war",
    "song",
    "wind",
    "city",
    "light",
    "dark",
    "child",
    "moon",
    "star",
    "iron",
    "bone",
    "blood",
    "king",
    "queen",
    "heart",
    "time",
    "lost",
    "last",
    "first",
    "secret",
    "little",
    "great",
    "old",
    "new",
    "black",
    "white",
    "red",
    "green",
    "golden",
    "hidden",
    "broken",
    "wild",
]
NAMES = [
    "Anna",
    "Ben",
    "Chloé",
    "Dmitri",
    "Élodie",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "José",
    "Kofi",
    "Lena",
    "Mateo",
    "Noor",
    "Olga",
    "Pia",
]
SURNAMES = [
    "Nix",
    "Herbert",
    "Le",
    "Guin",
    "Okafor",
    "Søndergaard",
    "Tanaka",
    "Novak",
    "García",
    "Müller",
    "Haddad",
    "Ruiz",
    "Kim",
]


def per_op_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


async def time_async(fn: Callable[[], Awaitable[object]], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    return per_op_us(samples)


def time_sync(fn: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return per_op_us(samples)


ROWS: list[Row] = []


def row(name: str, value_us: float, baseline_us: float) -> None:
    """Record one comparison (microseconds) for make bench's table."""
    ROWS.append(Row("books", name, value_us, baseline_us, unit="µs"))


def generate_books(count: int) -> list[tuple[str, str, str]]:
    rng = random.Random(7)
    rows = []
    for i in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))).title()
        author = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"
        rows.append((f"OL{i + 1}W", f"{title} {i}", author))
    return rows


async def max_loop_stall(work: Callable[[], Awaitable[object]], n: int) -> float:
    """The longest the event loop went without running a 1 ms ticker while `work` ran n times."""
    stall = 0.0
    running = True

    async def ticker() -> None:
        nonlocal stall
        loop = asyncio.get_running_loop()
        while running:
            before = loop.time()
            await asyncio.sleep(0.001)
            stall = max(stall, loop.time() - before - 0.001)

    task = asyncio.create_task(ticker())
    await asyncio.gather(*(work() for _ in range(n)))
    running = False
    await task
    return stall


async def run(folder: Path, scale: float = 1.0) -> None:
    def times(n: int) -> int:
        """How many timed calls `n` is at this scale."""
        return max(3, round(n * scale))

    catalogue_size = max(500, round(CATALOGUE_SIZE * scale))
    path = folder / "bench.sqlite3"
    db: Database = await open_database(path)
    await db.migrate()
    settings = Settings(_env_file=None, discord_token="bench", openlibrary_url="http://127.0.0.1:9")  # type: ignore[call-arg]
    async with aiohttp.ClientSession() as session:
        books = build_book_service(settings, session, db)
        provider = books.providers[0]
        fetcher = provider.fetcher  # type: ignore[attr-defined]
        # A fresh cache entry shaped like a real work record.
        body = json.dumps(
            {
                "key": "/works/OL15832982W",
                "title": "Sabriel",
                "covers": [6796986],
                "description": {"type": "/type/text", "value": "First in the Old Kingdom. " * 20},
                "authors": [],
                "first_publish_date": "1995",
            }
        )
        now = time.time()
        await ResponseCache(db).put("openlibrary:/works/OL15832982W.json", 200, body, now=now, kind="work")
        await ResponseCache(db).put(
            "openlibrary:/works/OL15832982W/editions.json?limit=20",
            200,
            json.dumps({"entries": []}),
            now=now,
            kind="editions",
        )
        loop = asyncio.get_running_loop()

        async def cached_lookup() -> object:
            found = await provider.get(BookRef("work", "OL15832982W"), deadline=loop.time() + 1)
            assert found.value is not None
            return found

        async def cached_fetch() -> object:
            return await fetcher.get_json(
                "http://127.0.0.1:9/works/OL15832982W.json",
                path="/works/OL15832982W.json",
                kind="work",
                deadline=loop.time() + 1,
            )

        raw = sqlite3.connect(path)
        key = "openlibrary:/works/OL15832982W.json"

        def raw_cached() -> object:
            _status, text = raw.execute(
                "SELECT status, body FROM http_cache WHERE key = ?", (key,)
            ).fetchone()
            return json.loads(text)

        await cached_fetch()
        row(
            "cached response (fetcher, 1 read + JSON)",
            await time_async(cached_fetch, times(2000)),
            time_sync(raw_cached, times(2000)),
        )
        row(
            "cached work lookup (provider, 2 cached reads)",
            await time_async(cached_lookup, times(1000)),
            time_sync(raw_cached, times(2000)) * 2,
        )

        # The catalogue: 200k generated books (at scale 1) through the real schema (triggers fill books_fts).
        generated = generate_books(catalogue_size)
        raw.executemany("INSERT INTO books (ol_work_id, title, authors) VALUES (?, ?, ?)", generated)
        raw.commit()
        # Stored as enriched, as a looked-up book is: resolving it needs no provider.
        stored = await books.store(BookData(title="Sabriel", authors=("Garth Nix",), isbn13="9780060273224"))
        row(
            "resolve ISBN from the catalogue",
            await time_async(
                lambda: resolve(db, books, "0-06-027322-4", deadline=loop.time() + 1), times(1000)
            ),
            time_sync(
                lambda: raw.execute("SELECT * FROM books WHERE isbn13 = ?", ("9780060273224",)).fetchone(),
                times(1000),
            ),
        )
        assert stored.book_id

        # The bot's statement (books_ac read in rank order), and bm25 over every match for comparison.
        in_order = AUTOCOMPLETE_QUERY.replace(":match", "?").replace(":guild", "NULL").replace(":limit", "25")
        unbounded = (
            "SELECT b.* FROM books_fts JOIN books AS b ON b.book_id = books_fts.rowid "
            "WHERE books_fts MATCH ? ORDER BY books_fts.rank LIMIT 25"
        )
        for typed in ("go", "gold", "silver crown ki", "élodie", "nix"):
            match = fts_query(typed)

            async def autocomplete(typed: str = typed) -> object:
                found = await autocomplete_books(db, typed, limit=25)
                return [SearchHit.of_book(book).label for book in found]

            def raw_query(match: str | None = match, query: str = in_order) -> object:
                return raw.execute(query, (match,)).fetchall()

            value = await time_async(autocomplete, times(100))
            row(
                f"autocomplete over {catalogue_size:,} books: {typed!r}",
                value,
                time_sync(raw_query, times(100)),
            )
            row(
                f"  same, vs ranking every match (raw sqlite3): {typed!r}",
                value,
                time_sync(lambda m=match: raw_query(m, unbounded), times(30)),
            )

        stall = await max_loop_stall(cached_fetch, times(500))
        row(f"max event-loop stall, {times(500)} concurrent cached lookups", stall * 1e6, 1000.0)
        raw.close()
    await db.close()


def main(scale: float = 1.0) -> list[Row]:
    """The rows for `make bench`; `scale` shrinks the catalogue and the timed calls."""
    ROWS.clear()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(Path(folder), scale))
    return list(ROWS)


if __name__ == "__main__":
    print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
