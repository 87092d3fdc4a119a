"""Restoring a backup: checked first, refused while the bot runs, the replaced file kept; the recount."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database, open_database
from bot.db.backup import RestoreRefused, aggregate_mismatches, check_copy, copy_database, restore_database
from bot.db.books import upsert_book
from bot.db.lock import DatabaseInUse, DatabaseLock
from bot.models.books import BookData
from bot.services.ratings import rate_book

pytestmark = pytest.mark.sqlite_only  # backups and restores copy the SQLite file

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def rated_copy(db: Database, folder: Path, stars: int) -> Path:
    book = await upsert_book(db, BookData(title="Dune", ol_work_id="OL1W"))
    await rate_book(db, 1, 7, book.book_id, stars, NOW)
    target = folder / f"rated-{stars}.sqlite3"
    copy_database(db.path, target)
    return target


def stars_in(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT stars_x2 FROM ratings")]


async def test_restore_replaces_the_database_and_keeps_the_old_one(db: Database, tmp_path: Path) -> None:
    backup = await rated_copy(db, tmp_path, 8)
    book = await upsert_book(db, BookData(title="Dune", ol_work_id="OL1W"))
    await rate_book(db, 1, 7, book.book_id, 2, NOW)  # a later change, still in the WAL
    await db.close()
    kept = restore_database(backup, db.path, now=NOW)
    assert kept == db.path.with_name("bookclub.sqlite3.replaced-20261125T120000Z")
    assert stars_in(db.path) == [8]
    assert stars_in(kept) == [2]  # the replaced file is complete: its WAL was folded in first
    assert not Path(f"{db.path}-wal").exists()
    reopened = await open_database(db.path)
    await reopened.migrate()
    await reopened.close()


def test_a_file_that_is_not_a_database_is_refused_and_nothing_replaced(tmp_path: Path) -> None:
    current = tmp_path / "bookclub.sqlite3"
    with sqlite3.connect(current) as conn:
        conn.execute("PRAGMA user_version = 3")
    junk = tmp_path / "notes.txt"
    junk.write_text("this is not a database, however long it goes on " * 100)
    with pytest.raises(RestoreRefused, match="not a SQLite database"):
        restore_database(junk, current)
    with sqlite3.connect(current) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bookclub.sqlite3", "notes.txt"]


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    future = tmp_path / "future.sqlite3"
    with sqlite3.connect(future) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(RestoreRefused, match="newer than this bot knows"):
        restore_database(future, tmp_path / "bookclub.sqlite3")
    assert not (tmp_path / "bookclub.sqlite3").exists()


def test_an_empty_sqlite_file_is_not_a_bookclub_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    with pytest.raises(RestoreRefused):
        restore_database(empty, tmp_path / "bookclub.sqlite3")


def test_the_lock_tells_a_running_bot(tmp_path: Path) -> None:
    database = tmp_path / "bookclub.sqlite3"
    running = DatabaseLock(database)
    running.acquire()
    try:
        with pytest.raises(DatabaseInUse, match=r"cannot restore: a running bot \(pid \d+\) holds"):
            DatabaseLock(database).acquire(purpose="restore")
    finally:
        running.release()
    again = DatabaseLock(database)
    again.acquire()  # free once the bot stopped
    again.release()


async def test_the_recount_finds_a_counter_out_of_step(db: Database, tmp_path: Path) -> None:
    copy = await rated_copy(db, tmp_path, 8)
    assert check_copy(copy).mismatches == []
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE book_stats SET ratings_count = ratings_count + 1")
        conn.execute("UPDATE member_stats SET followers_count = 3")
        assert aggregate_mismatches(conn) == ["book_stats guild 1 book 1", "member_stats guild 1 member 7"]
