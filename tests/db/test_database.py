"""The database handle: the stored time form, reads, writes, and transactions that never nest or interleave."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import aiosqlite
import pytest

from bot.db import Database, db_time, parse_db_time
from tests.helpers import Abandoned, abandon


def test_db_time_is_utc_with_milliseconds() -> None:
    prague = timezone(timedelta(hours=1))
    assert db_time(datetime(2026, 11, 25, 13, 0, 0, 123_999, tzinfo=prague)) == "2026-11-25T12:00:00.123Z"
    assert db_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"


def test_parse_db_time_gives_aware_times() -> None:
    assert parse_db_time("2026-11-25T12:00:00.123Z") == datetime(2026, 11, 25, 12, 0, 0, 123_000, tzinfo=UTC)
    assert parse_db_time("2024-03-01") == datetime(2024, 3, 1, tzinfo=UTC)  # an imported bare date
    moment = datetime(2026, 11, 25, 12, 0, 0, 7_000, tzinfo=UTC)
    assert parse_db_time(db_time(moment)) == moment


def test_stored_times_sort_as_text() -> None:
    times = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(milliseconds=n * 997) for n in range(50)]
    stamps = [db_time(t) for t in times]
    assert sorted(stamps) == stamps


async def test_reads_return_rows_values_or_none(db: Database) -> None:
    await db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("a", "1"), ("b", "2")])
    rows = await db.fetchall("SELECT key, value FROM meta ORDER BY key")
    assert [tuple(row) for row in rows] == [("a", "1"), ("b", "2")]
    assert rows[0]["value"] == "1"  # rows are addressable by column name
    row = await db.fetchone("SELECT value FROM meta WHERE key = :key", {"key": "b"})
    assert row is not None
    assert row["value"] == "2"
    assert await db.fetchone("SELECT value FROM meta WHERE key = 'missing'") is None
    assert await db.fetchval("SELECT value FROM meta WHERE key = ?", ("a",)) == "1"
    assert await db.fetchval("SELECT value FROM meta WHERE key = 'missing'") is None
    assert await db.fetchall("SELECT * FROM meta WHERE key = 'missing'") == []


async def test_execute_returns_the_number_of_changed_rows(db: Database) -> None:
    await db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("a", "1"), ("b", "1"), ("c", "2")])
    assert await db.execute("UPDATE meta SET value = '3' WHERE value = '1'") == 2
    assert await db.execute("DELETE FROM meta WHERE key = 'missing'") == 0


async def test_executemany_is_one_transaction(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("a", "1"), ("a", "2")])
    assert await db.fetchval("SELECT count(*) FROM meta") == 0


async def test_a_failing_transaction_rolls_everything_back(db: Database) -> None:
    async def two_writes(conn: aiosqlite.Connection) -> None:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        await conn.execute("INSERT INTO guilds (guild_id) VALUES (1)")

    with pytest.raises(Abandoned):
        await abandon(db, two_writes)
    assert await db.fetchval("SELECT count(*) FROM meta") == 0
    assert await db.fetchval("SELECT count(*) FROM guilds") == 0
    # The writer is usable again afterwards.
    assert await db.execute("INSERT INTO meta (key, value) VALUES ('b', '1')") == 1


async def test_reads_never_see_uncommitted_writes(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('pending', '1')")
        assert await db.fetchval("SELECT count(*) FROM meta") == 0
    assert await db.fetchval("SELECT count(*) FROM meta") == 1


async def test_foreign_keys_are_enforced(db: Database) -> None:
    query = "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (1, 404, 1, 8, 'x')"
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await db.execute(query)


async def test_a_nested_transaction_is_refused_not_deadlocked(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('outer', '1')")
        with pytest.raises(RuntimeError, match="nested"):
            await db.execute("INSERT INTO meta (key, value) VALUES ('inner', '1')")
    assert await db.fetchval("SELECT count(*) FROM meta WHERE key IN ('outer', 'inner')") == 1


async def test_a_cancelled_writer_leaves_no_open_transaction(db: Database) -> None:
    started = asyncio.Event()

    async def slow_write() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('cancelled', '1')")
            started.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(slow_write())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.execute("INSERT INTO meta (key, value) VALUES ('after', '1')") == 1
    assert await db.fetchval("SELECT group_concat(key) FROM meta") == "after"


async def test_concurrent_transactions_never_interleave(db: Database) -> None:
    async def bump(n: int) -> None:
        async with db.transaction() as conn:
            rows = await conn.execute_fetchall("SELECT value FROM meta WHERE key = 'n'")
            current = int(next(iter(rows))[0]) if rows else 0
            await asyncio.sleep(0)  # let the others try to run in between
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES ('n', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(current + 1),),
            )

    await asyncio.gather(*(bump(n) for n in range(50)))
    assert await db.fetchval("SELECT value FROM meta WHERE key = 'n'") == "50"
