"""Benchmark: `/rate` throughput of one process against two processes on one PostgreSQL database.

Each process is a real OS process (`python -m bench.postgres_throughput worker SPEC`) running the
command's own database path below discord.py, as bench/scale.py's open-loop sweep does on SQLite:
`open_configured(settings)` with DATABASE_URL, the `book` option resolved as its transformer does
(`resolve(..., quick=True)`), then `bot.services.ratings.rate_book`. Both processes rate in the
same key space (members spread over servers, half the ratings on each server's few current reads),
so they contend for the same `book_stats` rows and now and then for the same member's rating.

Phases, on one database seeded with a catalogue of a few thousand books and their ratings:
- closed loop (each process keeps CONCURRENCY ratings in flight) with 1 and then 2 processes:
  ratings/s at saturation and p50/p99 (latency includes the wait for the process's writer);
- open loop at the same offered rate (70% of what one process achieved) with 1 and 2 processes,
  the rate split between them: p50/p99 counted from when each rating was due.
Afterwards every `book_stats` and `member_stats` row is compared with a recount of `ratings`, and the
rows added with the new ratings the processes acknowledged: a lost or doubled update fails the run.

The machine's cores are shared by the server and the processes: on 2 cores, two bot processes and
PostgreSQL compete for them, which bounds what a second process can add.
Run with `python -m bench postgres_throughput` (under a minute at scale 1).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Row, bench_settings, format_table
from tests.pg import start_server

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent
CONCURRENCY = 8  # ratings in flight per process in the closed loop
OPEN_SHARE = 0.7  # the open loop's offered rate, as a share of one process's closed-loop rate
HOT_BOOKS = 5  # each server's current reads, which get half of its ratings


@dataclass(frozen=True, slots=True)
class Catalogue:
    guilds: int
    members: int  # per server
    books: int
    ratings_per_member: int  # seeded before the run

    def user(self, guild: int, member: int) -> int:
        return 1_000_000 + guild * 10_000 + member


def catalogue_for(scale: float) -> Catalogue:
    if scale >= 1:
        return Catalogue(guilds=50, members=200, books=4_000, ratings_per_member=20)
    return Catalogue(guilds=3, members=20, books=200, ratings_per_member=5)


# -- the worker process -----------------------------------------------------------------------
def pick(rng: random.Random, c: Catalogue) -> tuple[int, int, int, int]:
    """(guild, user, book, stars doubled): a member of a random server rates one of the server's
    current reads half the time, else any book of the catalogue."""
    guild = rng.randrange(1, c.guilds + 1)
    user = c.user(guild, rng.randrange(c.members))
    if rng.random() < 0.5:
        book = 1 + (guild * 37 + rng.randrange(HOT_BOOKS)) % c.books
    else:
        book = rng.randrange(1, c.books + 1)
    return guild, user, book, rng.randrange(2, 11)


async def worker(spec: dict[str, Any]) -> None:
    """Answers one JSON line per command read on stdin (`closed`, `open`), until `stop`."""
    from bot.books.service import BookService
    from bot.db import open_configured
    from bot.services.books import resolve
    from bot.services.ratings import rate_book

    settings = bench_settings(database_url=spec["url"])
    db = await open_configured(settings)
    books = BookService(db)  # no providers: `book:<id>` resolves from the catalogue
    catalogue = Catalogue(**spec["catalogue"])
    rng = random.Random(spec["seed"])
    loop = asyncio.get_running_loop()
    acknowledged_new = 0

    async def rate_once() -> None:
        nonlocal acknowledged_new
        guild, user, book, stars_x2 = pick(rng, catalogue)
        resolution = await resolve(
            db, books, f"book:{book}", deadline=loop.time() + 1.5, quick=True, guild_id=guild
        )
        assert resolution.book is not None
        change = await rate_book(db, guild, user, resolution.book.book_id, stars_x2, NOW)
        if change.previous_x2 is None:
            acknowledged_new += 1

    async def closed(concurrency: int, seconds: float) -> tuple[int, float, list[float]]:
        latencies: list[float] = []
        start = loop.time()
        end = start + seconds

        async def lane() -> None:
            while loop.time() < end:
                began = loop.time()
                await rate_once()
                latencies.append((loop.time() - began) * 1000)

        await asyncio.gather(*(lane() for _ in range(concurrency)))
        return len(latencies), loop.time() - start, latencies

    async def open_loop(rate: float, seconds: float) -> tuple[int, float, list[float]]:
        latencies: list[float] = []
        total = max(5, round(rate * seconds))
        start = loop.time() + 0.005

        async def one(due: float) -> None:
            await rate_once()
            latencies.append((loop.time() - due) * 1000)

        tasks = []
        for i in range(total):
            due = start + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
        return total, loop.time() - start, latencies

    try:
        print(json.dumps({"ready": True}), flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if command["mode"] == "stop":
                break
            cpu = time.process_time()
            if command["mode"] == "closed":
                done, wall, latencies = await closed(command["concurrency"], command["seconds"])
            else:
                done, wall, latencies = await open_loop(command["rate"], command["seconds"])
            answer = {
                "done": done,
                "wall": wall,
                "cpu": time.process_time() - cpu,
                "latencies": [round(x, 3) for x in latencies],
            }
            print(json.dumps(answer), flush=True)
    finally:
        await db.close()
        print(json.dumps({"acknowledged_new": acknowledged_new}), flush=True)


# -- the coordinating process -----------------------------------------------------------------
async def seed(url: str, c: Catalogue) -> None:
    """Servers, books, members' ratings and their aggregates, in a few set-based statements."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO guilds (guild_id) SELECT g FROM generate_series(1, $1) AS g", c.guilds
            )
            await conn.execute(
                """
                INSERT INTO books (book_id, ol_work_id, title, authors, pages, first_published, source,
                                   enriched_at)
                SELECT i, 'OL' || i || 'W',
                       CASE i % 7 WHEN 0 THEN 'The ' ELSE '' END || 'Book ' || i || ' of ' ||
                       (ARRAY['Winter', 'Pilots', 'Rivers', 'Glass', 'Harbours'])[1 + i % 5],
                       'Author ' || (i % 1500), 100 + i % 700, (1900 + i % 125)::text, 'openlibrary',
                       '2026-01-01T00:00:00.000Z'
                FROM generate_series(1, $1) AS i
                """,
                c.books,
            )
            await conn.execute("SELECT setval(pg_get_serial_sequence('books', 'book_id'), $1)", c.books)
            await conn.execute(
                """
                INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at)
                SELECT g, 1 + (g * 131 + m * 97 + k * 2203) % $3, 1000000 + g * 10000 + m,
                       2 + (g + m * 7 + k * 3) % 9, '2026-11-01T12:00:00.000Z'
                FROM generate_series(1, $1) AS g, generate_series(0, $2 - 1) AS m,
                     generate_series(0, $4 - 1) AS k
                ON CONFLICT DO NOTHING
                """,
                c.guilds,
                c.members,
                c.books,
                c.ratings_per_member,
            )
            await conn.execute(
                """
                INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2,
                                        stars_1, stars_2, stars_3, stars_4, stars_5)
                SELECT guild_id, book_id, count(*), sum(stars_x2),
                       count(*) FILTER (WHERE stars_x2 / 2 = 1), count(*) FILTER (WHERE stars_x2 / 2 = 2),
                       count(*) FILTER (WHERE stars_x2 / 2 = 3), count(*) FILTER (WHERE stars_x2 / 2 = 4),
                       count(*) FILTER (WHERE stars_x2 / 2 = 5)
                FROM ratings GROUP BY guild_id, book_id
                """
            )
            await conn.execute(
                """
                INSERT INTO member_stats (guild_id, user_id, ratings_count, ratings_sum_x2)
                SELECT guild_id, user_id, count(*), sum(stars_x2) FROM ratings GROUP BY guild_id, user_id
                """
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


_BOOK_MISMATCHES = """
    WITH recount AS (
        SELECT guild_id, book_id, count(*) AS n, sum(stars_x2) AS s,
               count(*) FILTER (WHERE stars_x2 / 2 = 1) AS s1, count(*) FILTER (WHERE stars_x2 / 2 = 2) AS s2,
               count(*) FILTER (WHERE stars_x2 / 2 = 3) AS s3, count(*) FILTER (WHERE stars_x2 / 2 = 4) AS s4,
               count(*) FILTER (WHERE stars_x2 / 2 = 5) AS s5
        FROM ratings GROUP BY guild_id, book_id
    )
    SELECT count(*) FILTER (WHERE
               (coalesce(b.ratings_count, 0), coalesce(b.ratings_sum_x2, 0), coalesce(b.stars_1, 0),
                coalesce(b.stars_2, 0), coalesce(b.stars_3, 0), coalesce(b.stars_4, 0), coalesce(b.stars_5, 0))
               IS DISTINCT FROM
               (coalesce(r.n, 0), coalesce(r.s, 0), coalesce(r.s1, 0), coalesce(r.s2, 0), coalesce(r.s3, 0),
                coalesce(r.s4, 0), coalesce(r.s5, 0))),
           count(*)
    FROM book_stats AS b FULL JOIN recount AS r USING (guild_id, book_id)
"""
_MEMBER_MISMATCHES = """
    WITH recount AS (
        SELECT guild_id, user_id, count(*) AS n, sum(stars_x2) AS s FROM ratings GROUP BY guild_id, user_id
    )
    SELECT count(*) FILTER (WHERE
               (coalesce(m.ratings_count, 0), coalesce(m.ratings_sum_x2, 0))
               IS DISTINCT FROM (coalesce(r.n, 0), coalesce(r.s, 0))),
           count(*)
    FROM member_stats AS m FULL JOIN recount AS r USING (guild_id, user_id)
"""


async def audit(url: str) -> tuple[int, int, int]:
    """(aggregate rows that differ from a recount, aggregate rows checked, ratings rows)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        bad_books, books = await conn.fetchrow(_BOOK_MISMATCHES)
        bad_members, members = await conn.fetchrow(_MEMBER_MISMATCHES)
        ratings = await conn.fetchval("SELECT count(*) FROM ratings")
    finally:
        await conn.close()
    return int(bad_books) + int(bad_members), int(books) + int(members), int(ratings)


class Workers:
    """The worker processes, each waiting for commands on stdin."""

    def __init__(self, url: str, catalogue: Catalogue, count: int) -> None:
        self.processes = []
        for index in range(count):
            spec = {
                "url": url,
                "seed": 1000 + index,
                "catalogue": {
                    "guilds": catalogue.guilds,
                    "members": catalogue.members,
                    "books": catalogue.books,
                    "ratings_per_member": catalogue.ratings_per_member,
                },
            }
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bench.postgres_throughput", "worker", json.dumps(spec)],
                    cwd=REPO,
                    env={**os.environ, "PYTHONPATH": str(REPO)},
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        for process in self.processes:
            self._answer(process)  # ready: imported, connected

    def _answer(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"a /rate worker exited with {process.wait()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, count: int, command: dict[str, Any]) -> list[dict[str, Any]]:
        """The command on the first `count` workers at once; their answers."""
        chosen = self.processes[:count]
        for process in chosen:
            assert process.stdin is not None
            process.stdin.write(json.dumps(command) + "\n")
            process.stdin.flush()
        return [self._answer(process) for process in chosen]

    def stop(self) -> int:
        """Stops every worker; the new ratings they acknowledged, all phases together."""
        new = 0
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(json.dumps({"mode": "stop"}) + "\n")
            process.stdin.flush()
            new += int(self._answer(process)["acknowledged_new"])
            if process.wait(timeout=30) != 0:
                raise RuntimeError(f"a /rate worker exited with {process.returncode}")
        return new

    def kill(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


@dataclass(frozen=True, slots=True)
class Phase:
    rate: float  # ratings per second, all processes together
    p50: float
    p99: float
    cpu_ms: float  # CPU time of the bot processes per rating
    busy: float  # share of the machine's CPU time busy during the phase (server and others included)


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat; zeros elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def phase(workers: Workers, count: int, command: dict[str, Any]) -> Phase:
    busy_before, total_before = cpu_ticks()
    answers = workers.run(count, command)
    busy_after, total_after = cpu_ticks()
    latencies = sorted(x for answer in answers for x in answer["latencies"])
    rate = sum(answer["done"] / answer["wall"] for answer in answers)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    cpu_ms = (
        1000 * sum(answer["cpu"] for answer in answers) / max(1, sum(answer["done"] for answer in answers))
    )
    busy = (busy_after - busy_before) / max(1, total_after - total_before)
    return Phase(rate, statistics.median(latencies), p99, cpu_ms, busy)


def measure(scale: float) -> list[Row]:
    catalogue = catalogue_for(scale)
    closed_seconds = 6.0 if scale >= 1 else 0.3
    open_seconds = 5.0 if scale >= 1 else 0.3
    server = start_server()
    if server.unavailable:
        raise RuntimeError(f"no PostgreSQL server for the benchmark: {server.unavailable}")
    try:
        url = asyncio.run(server.create_database())
        asyncio.run(seed(url, catalogue))
        _, _, seeded = asyncio.run(audit(url))
        workers = Workers(url, catalogue, 2)
        try:
            workers.run(2, {"mode": "closed", "concurrency": CONCURRENCY, "seconds": closed_seconds / 3})
            closed = {
                n: phase(
                    workers, n, {"mode": "closed", "concurrency": CONCURRENCY, "seconds": closed_seconds}
                )
                for n in (1, 2)
            }
            offered = max(10.0, round(closed[1].rate * OPEN_SHARE, -1))
            opened = {
                n: phase(workers, n, {"mode": "open", "rate": offered / n, "seconds": open_seconds})
                for n in (1, 2)
            }
            acknowledged_new = workers.stop()
        finally:
            workers.kill()
        mismatches, checked, ratings = asyncio.run(audit(url))
        asyncio.run(server.drop_database(url))
    finally:
        server.stop()
    lost = abs(ratings - seeded - acknowledged_new)
    cores = f"{os.cpu_count()} cores shared with the server"
    print(
        f"# postgres_throughput: {catalogue.guilds} servers × {catalogue.members} members, "
        f"{catalogue.books:,} books, {seeded:,} ratings seeded; {cores}; closed loop {CONCURRENCY} in "
        f"flight per process: 1 process {closed[1].rate:.0f}/s (machine CPU {closed[1].busy:.0%} busy), "
        f"2 processes {closed[2].rate:.0f}/s ({closed[2].busy:.0%} busy); "
        f"after the runs {mismatches} of {checked:,} aggregate rows differ from a recount, "
        f"{ratings - seeded:,} ratings added for {acknowledged_new:,} acknowledged",
        file=sys.stderr,
    )
    if mismatches or lost:
        raise AssertionError(
            f"/rate lost or doubled updates across processes: {mismatches} aggregate rows differ from "
            f"a recount; {ratings - seeded} ratings added, {acknowledged_new} acknowledged"
        )
    one, two = closed[1], closed[2]
    rows = [
        Row(
            "postgres_throughput",
            f"/rate closed loop, 2 processes ({cores})",
            two.rate,
            one.rate,
            "/s",
            "1 process",
        ),
        Row("postgres_throughput", "/rate closed loop p50, 2 processes", two.p50, one.p50, "ms", "1 process"),
        Row("postgres_throughput", "/rate closed loop p99, 2 processes", two.p99, one.p99, "ms", "1 process"),
    ]
    rows.append(
        Row(
            "postgres_throughput",
            "/rate closed loop: bot-process CPU per rating, 2 processes",
            two.cpu_ms,
            one.cpu_ms,
            "ms",
            "1 process",
        )
    )
    for label, attribute in (("p50", "p50"), ("p99", "p99")):
        rows.append(
            Row(
                "postgres_throughput",
                f"/rate open loop {offered:.0f}/s {label}, 2 processes",
                getattr(opened[2], attribute),
                getattr(opened[1], attribute),
                "ms",
                "1 process",
            )
        )
    rows.append(
        Row(
            "postgres_throughput",
            "/rate open loop achieved, 2 processes",
            opened[2].rate,
            opened[1].rate,
            "/s",
            "1 process",
        )
    )
    rows.append(
        Row(
            "postgres_throughput",
            "aggregate rows ≠ recount after both processes",
            mismatches,
            checked,
            "",
            "rows checked",
        )
    )
    return rows


def main(scale: float = 1.0) -> list[Row]:
    return measure(scale)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "worker":
        asyncio.run(worker(json.loads(sys.argv[2])))
    else:
        print(format_table(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
