"""Backups: a consistent copy during a write storm, a full disk, an unwritable BACKUP_DIR, rotation."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.db import Database
from bot.db.backup import check_copy, copy_database
from bot.db.books import upsert_book
from bot.db.database import load_migrations
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.services import backups as service
from bot.services.backups import Backups
from bot.services.profiles import follow, unfollow
from bot.services.ratings import rate_book, unrate_book
from bot.services.shelves import shelve_book
from bot.telemetry import Telemetry

pytestmark = pytest.mark.sqlite_only  # backups copy the SQLite file

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD = 1


async def seed(db: Database, *, books: int = 20, members: int = 50, bulk: int = 60_000) -> list[int]:
    """Books with ratings spread over members, plus `bulk` ratings written straight in (so a copy
    takes long enough for the storm to write during it); the aggregates are rebuilt to match."""
    ids = [
        (await upsert_book(db, BookData(title=f"Book {n}", ol_work_id=f"OL{n}W"))).book_id
        for n in range(books)
    ]
    async with db.transaction() as conn:
        rows = [
            (GUILD, ids[n % books], 10_000 + n, 2 + n % 9, "2026-01-01T00:00:00.000Z") for n in range(bulk)
        ]
        await conn.executemany(
            "INSERT INTO ratings (guild_id, book_id, user_id, stars_x2, rated_at) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        for book_id in ids:
            await conn.execute(
                """
                INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2,
                                        stars_1, stars_2, stars_3, stars_4, stars_5)
                SELECT ?, ?, count(*), sum(stars_x2), sum(stars_x2 / 2 = 1), sum(stars_x2 / 2 = 2),
                       sum(stars_x2 / 2 = 3), sum(stars_x2 / 2 = 4), sum(stars_x2 / 2 = 5)
                FROM ratings WHERE guild_id = ? AND book_id = ?
                """,
                (GUILD, book_id, GUILD, book_id),
            )
        await conn.execute(
            """
            INSERT INTO member_stats (guild_id, user_id, ratings_count, ratings_sum_x2)
            SELECT guild_id, user_id, count(*), sum(stars_x2) FROM ratings GROUP BY guild_id, user_id
            """
        )
    return ids


async def storm(db: Database, books: list[int], stop: asyncio.Event, counter: list[int]) -> None:
    """Rate, unrate, shelve, follow and unfollow at random until `stop` is set."""
    rng = random.Random(7)
    members = list(range(1, 51))
    while not stop.is_set():
        member, book = rng.choice(members), rng.choice(books)
        try:
            match rng.randrange(5):
                case 0 | 1:
                    await rate_book(db, GUILD, member, book, rng.randint(2, 10), NOW)
                case 2:
                    await unrate_book(db, GUILD, member, book, NOW)
                case 3:
                    shelf = rng.choice(("want-to-read", "currently-reading", "read"))
                    await shelve_book(db, GUILD, member, book, shelf, NOW)
                case _:
                    other = rng.choice(members)
                    if rng.random() < 0.5:
                        await follow(
                            db, GUILD, member, other, followee_name="x", followee_is_bot=False, now=NOW
                        )
                    else:
                        await unfollow(db, GUILD, member, other, followee_name="x")
        except UserFacingError:
            pass  # nothing to change: the storm moves on
        counter[0] += 1


async def test_a_backup_during_a_write_storm_is_one_consistent_point_in_time(
    db: Database, tmp_path: Path
) -> None:
    books = await seed(db)
    backups = Backups(db, folder=tmp_path / "backups", keep=10)
    stop, counter = asyncio.Event(), [0]
    writer = asyncio.create_task(storm(db, books, stop, counter))
    during = []
    try:
        for n in range(4):
            await asyncio.sleep(0.05)
            before = counter[0]
            record = await backups.backup(tmp_path / f"copy{n}.sqlite3")
            during.append(counter[0] - before)
    finally:
        stop.set()
        await writer
    assert sum(during) > 0, "the storm wrote nothing while a copy was taken"
    for n in range(4):
        check = check_copy(tmp_path / f"copy{n}.sqlite3")
        assert check.integrity == "ok"
        assert check.version == len(load_migrations())
        assert check.mismatches == [], check.mismatches
    assert record.size == (tmp_path / "copy3.sqlite3").stat().st_size
    # The live database is consistent too, and the copies are self-contained files (no WAL).
    assert check_copy(db.path).mismatches == []
    assert not list(tmp_path.glob("copy*.sqlite3-wal"))


class Recorder(Telemetry):
    def __init__(self) -> None:
        self.backups: list[bool] = []

    def backup(self, ok: bool, seconds: float) -> None:
        self.backups.append(ok)


async def test_a_full_disk_removes_the_partial_copy(db: Database, tmp_path: Path) -> None:
    """The destination's max_page_count stands in for a full disk: SQLite fails the copy with
    SQLITE_FULL ("database or disk is full") exactly as it does when the disk runs out."""
    await seed(db, bulk=5_000)
    recorder = Recorder()
    db.telemetry = recorder
    folder = tmp_path / "backups"
    backups = Backups(db, folder=folder, keep=3, max_pages=8)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        await backups.backup(folder / "full.sqlite3")
    assert list(folder.iterdir()) == []  # neither the copy nor its .partial
    assert recorder.backups == [False]
    assert backups.last is None


def test_a_copy_of_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    from bot.errors import DatabaseError

    with pytest.raises(DatabaseError, match="cannot read the database"):
        copy_database(tmp_path / "missing.sqlite3", tmp_path / "out" / "copy.sqlite3")
    assert not (tmp_path / "missing.sqlite3").exists()
    assert list((tmp_path / "out").iterdir()) == []


async def test_an_unwritable_backup_dir_is_logged_and_shown_and_the_bot_goes_on(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    folder = tmp_path / "a-file" / "backups"
    backups = Backups(db, folder=folder, keep=3, clock=lambda: NOW)
    scheduler = AsyncIOScheduler(timezone=UTC)
    with caplog.at_level(logging.ERROR):
        await backups.schedule(scheduler)  # found at start-up already
        assert backups.state().error is not None
        assert "BACKUP_DIR: cannot create" in caplog.text
        await backups.daily()  # and the job itself does not raise
    state = backups.state()
    assert state.error is not None
    assert state.error_at == NOW
    assert "the daily backup into" in caplog.text
    assert [job.id for job in scheduler.get_jobs()] == [service.JOB_ID]


async def test_the_daily_job_keeps_backup_keep_copies(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(1, 6):
        (folder / service.backup_name(NOW - timedelta(days=day))).write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup: left alone")
    backups = Backups(db, folder=folder, keep=3, clock=lambda: NOW)
    await backups.daily()
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        service.backup_name(NOW - timedelta(days=2)),
        service.backup_name(NOW - timedelta(days=1)),
        service.backup_name(NOW),
        "notes.txt",
    ]
    assert backups.state().error is None
    assert check_copy(folder / service.backup_name(NOW)).integrity == "ok"


async def test_the_last_backup_is_recorded_for_a_later_process(db: Database, tmp_path: Path) -> None:
    first = Backups(db, folder=None, clock=lambda: NOW)
    record = await first.backup(tmp_path)
    later = Backups(db, folder=None)
    assert await later.load() == record


async def test_the_daily_job_runs_a_day_after_the_last_backup(db: Database, tmp_path: Path) -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    backups = Backups(db, folder=tmp_path / "backups", clock=lambda: datetime.now(UTC))
    await backups.schedule(scheduler)
    scheduler.start(paused=True)
    soon = scheduler.get_job(service.JOB_ID).next_run_time
    assert timedelta(minutes=4) < soon - datetime.now(UTC) <= service.FIRST_AFTER
    await backups.backup()
    await backups.schedule(scheduler)
    later = scheduler.get_job(service.JOB_ID).next_run_time
    assert later - datetime.now(UTC) > timedelta(hours=23)
    scheduler.shutdown(wait=False)
