"""Issue #14's write path: `Database.run_write` (one hand-off), steps, the per-member shelf counts of
migration 0015 against a recount under random operations, and recompute_member_stats' index."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database, database, open_database
from bot.db.backup import aggregate_mismatches
from bot.db.database import load_migrations, run_steps
from bot.db.library import recompute_member_stats
from bot.db.ratings import write_rating_steps
from bot.db.shelves import save_entries_in, shelf_head
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.models.shelves import ShelfEntry
from bot.services.ratings import rate_book, unrate_book
from bot.services.shelves import finish_book, record_progress, shelve_book, unshelve_book
from tests.helpers import seed_book

GUILD, OTHER_GUILD = 1, 2
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SHELVES = ("want-to-read", "currently-reading", "read", "did-not-finish")


def _handoffs(db: Database) -> list[int]:
    """Counts the hand-offs to the writer's thread (aiosqlite's one queue per connection)."""
    count = [0]
    writer = db._writer
    original = writer._execute

    async def counted(fn: object, *args: object, **kwargs: object) -> object:
        count[0] += 1
        return await original(fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    writer._execute = counted  # type: ignore[method-assign]
    return count


async def test_run_write_commits_in_one_hand_off_before_it_returns(db: Database, tmp_path: Path) -> None:
    book = await seed_book(db)
    count = _handoffs(db)
    change = await rate_book(db, GUILD, 7, book.book_id, 9, NOW)
    assert count[0] == 1
    assert change.stars_x2 == 9
    # Another connection sees it at once: committed, not merely written.
    other = sqlite3.connect(db.path)
    assert other.execute("SELECT stars_x2 FROM ratings WHERE user_id = 7").fetchone() == (9,)
    assert other.execute("SELECT ratings_count, ratings_sum_x2 FROM member_stats").fetchone() == (1, 9)
    other.close()


async def test_run_write_rolls_back_everything_on_an_error(db: Database) -> None:
    book = await seed_book(db)

    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO guilds (guild_id) VALUES (5)")
        raise UserFacingError("no")

    with pytest.raises(UserFacingError):
        await db.run_write(half_then_fail)
    assert await db.fetchval("SELECT count(*) FROM guilds") == 0
    # A bad statement inside steps: the earlier statements are rolled back too.
    with pytest.raises(sqlite3.IntegrityError):
        await db.write_steps(_rate_then_break(book.book_id))
    assert await db.fetchval("SELECT count(*) FROM ratings") == 0
    assert await db.fetchval("SELECT count(*) FROM book_stats") == 0
    # And the writer is usable afterwards.
    await rate_book(db, GUILD, 7, book.book_id, 8, NOW)
    assert await db.fetchval("SELECT count(*) FROM ratings") == 1


def _rate_then_break(book_id: int) -> database.Steps[None]:
    yield from write_rating_steps(GUILD, 7, book_id, 8, NOW)
    yield (
        "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (1, ?, 8, 99, 'x')",
        (book_id,),
    )


async def test_run_write_refuses_nesting_and_runs_to_its_end_when_cancelled(db: Database) -> None:
    async with db.transaction():
        with pytest.raises(RuntimeError, match="nested"):
            await db.run_write(lambda conn: None)

    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow(conn: sqlite3.Connection) -> None:
        loop.call_soon_threadsafe(started.set)
        conn.execute("INSERT INTO guilds (guild_id) VALUES (9)")
        # Long enough for the cancel below to land while this runs in the thread.
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT count(*) FROM n"
        ).fetchone()

    task = asyncio.create_task(db.run_write(slow))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The transaction was not cut in half: it committed, and the writer is free again.
    assert await db.fetchval("SELECT count(*) FROM guilds WHERE guild_id = 9") == 1
    await db.execute("INSERT INTO guilds (guild_id) VALUES (10)")


async def test_steps_run_the_same_inside_a_transaction(db: Database) -> None:
    book = await seed_book(db)
    async with db.transaction() as conn:
        written = await run_steps(conn, write_rating_steps(GUILD, 7, book.book_id, 6, NOW))
    assert written is not None
    assert (written.previous_x2, written.stars_x2) == (None, 6)
    assert await db.fetchval("SELECT ratings_sum_x2 FROM book_stats") == 6


async def test_member_shelf_counts_follow_random_operations(db: Database) -> None:
    """Every path that changes shelves — shelve, unshelve, progress, finish (with a rating), an
    import's bulk save — keeps member_stats' shelf counts equal to a recount (checked by the
    backup's recount, which now covers them)."""
    rng = random.Random(14)
    books = [(await seed_book(db, BookData(title=f"Book {n}", pages=300))).book_id for n in range(12)]
    members = (11, 12, 13)
    moment = NOW
    for _ in range(400):
        moment += timedelta(minutes=1)
        guild = rng.choice((GUILD, OTHER_GUILD))
        user = rng.choice(members)
        book_id = rng.choice(books)
        action = rng.random()
        try:
            if action < 0.35:
                await shelve_book(db, guild, user, book_id, rng.choice(SHELVES), moment)
            elif action < 0.5:
                await unshelve_book(db, guild, user, book_id)
            elif action < 0.65:
                await record_progress(db, guild, user, book_id, page=rng.randint(1, 400), now=moment)
            elif action < 0.75:
                await finish_book(db, guild, user, book_id, rng.choice((None, 6, 9)), moment)
            elif action < 0.85:
                if rng.random() < 0.7:
                    await rate_book(db, guild, user, book_id, rng.randint(2, 10), moment)
                else:
                    await unrate_book(db, guild, user, book_id, moment)
            elif action < 0.95:
                entries = [
                    (b, ShelfEntry(rng.choice(SHELVES), moment.isoformat())) for b in rng.sample(books, 3)
                ]
                async with db.transaction() as conn:
                    await save_entries_in(conn, guild, user, entries)
        except UserFacingError:
            pass  # refused (e.g. a page past the end, nothing to remove): nothing changed
    conn = sqlite3.connect(db.path)
    try:
        mismatches = [m for m in aggregate_mismatches(conn) if m.startswith("member_stats")]
        counted = conn.execute(
            "SELECT count(*) FROM member_stats WHERE shelf_want_to_read + shelf_currently_reading "
            "+ shelf_read + shelf_did_not_finish > 0"
        ).fetchone()[0]
    finally:
        conn.close()
    assert not mismatches
    assert counted >= 4  # the run did shelve books for several members in both servers
    total, _ = await shelf_head(db, GUILD, 11, None)
    assert total == await db.fetchval(
        "SELECT count(*) FROM shelves WHERE guild_id = ? AND user_id = 11", (GUILD,)
    )


async def test_a_cascaded_delete_moves_the_counts_too(db: Database) -> None:
    """No command deletes catalogue rows, but the foreign key cascades: the triggers see it."""
    kept = (await seed_book(db, BookData(title="Kept"))).book_id
    dropped = (await seed_book(db, BookData(title="Dropped"))).book_id
    await shelve_book(db, GUILD, 7, kept, "read", NOW)
    await shelve_book(db, GUILD, 7, dropped, "read", NOW)
    await db.execute("DELETE FROM books WHERE book_id = ?", (dropped,))
    assert await db.fetchval("SELECT shelf_read FROM member_stats WHERE user_id = 7") == 1


async def test_the_recount_catches_a_wrong_member_shelf_count(db: Database) -> None:
    book = await seed_book(db)
    await shelve_book(db, GUILD, 7, book.book_id, "read", NOW)
    await db.execute("UPDATE member_stats SET shelf_read = 5")
    conn = sqlite3.connect(db.path)
    try:
        assert aggregate_mismatches(conn) == [f"member_stats guild {GUILD} member 7"]
    finally:
        conn.close()


async def test_migration_0015_counts_the_shelves_already_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = load_migrations()
    before = [m for m in everything if m.version < 15]
    monkeypatch.setattr(database, "load_migrations", lambda: before)
    path = tmp_path / "old.sqlite3"
    db = await open_database(path)
    await db.migrate()
    book = await seed_book(db)
    await db.executemany(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at) VALUES (?, ?, ?, ?, 'x')",
        [(GUILD, 7, book.book_id, "read"), (OTHER_GUILD, 7, book.book_id, "want-to-read")],
    )
    await db.execute("INSERT INTO member_stats (guild_id, user_id, ratings_count) VALUES (?, 7, 3)", (GUILD,))
    monkeypatch.setattr(database, "load_migrations", lambda: everything)
    assert await db.migrate() == everything[-1].version
    rows = await db.fetchall(
        "SELECT guild_id, ratings_count, shelf_read, shelf_want_to_read FROM member_stats ORDER BY guild_id"
    )
    assert [tuple(row) for row in rows] == [(GUILD, 3, 1, 0), (OTHER_GUILD, 0, 0, 1)]
    await db.close()


async def test_recompute_member_stats_is_an_index_lookup(db: Database) -> None:
    book = await seed_book(db)
    await rate_book(db, GUILD, 7, book.book_id, 8, NOW)
    async with db.transaction() as conn:
        await recompute_member_stats(conn, GUILD, 7)
    assert await db.fetchval("SELECT ratings_sum_x2 FROM member_stats WHERE user_id = 7") == 8
    plan = [
        str(row[3])
        for row in await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT count(*), coalesce(sum(stars_x2), 0) FROM ratings "
            "WHERE guild_id = 1 AND user_id = 7"
        )
    ]
    assert any("USING COVERING INDEX ratings_by_member_stars" in step for step in plan), plan
