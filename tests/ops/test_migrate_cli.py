"""`python -m bot migrate-to-postgres SQLITE_PATH DATABASE_URL` as an operator runs it, and the
SQLite-only backup and restore refusing clearly on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import open_database
from bot.db.books import upsert_book
from bot.db.lock import DatabaseLock
from bot.models.books import BookData
from bot.services.ratings import rate_book
from tests.pg import PostgresServer
from tests.test_main import run_bot

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
async def empty_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    if postgres_server.unavailable:
        pytest.skip(f"PostgreSQL half skipped: {postgres_server.unavailable}")
    url = await postgres_server.empty_database()
    yield url
    await postgres_server.drop_database(url)


async def _club(path: Path) -> None:
    db = await open_database(path)
    await db.migrate()
    book = await upsert_book(db, BookData(title="Dune", ol_work_id="OL1W"))
    await rate_book(db, 1, 7, book.book_id, 9, NOW)
    await db.close()


async def test_the_copy_runs_once_and_is_refused_the_second_time(tmp_path: Path, empty_url: str) -> None:
    source = tmp_path / "club.sqlite3"
    await _club(source)
    done = await asyncio.to_thread(run_bot, tmp_path, "migrate-to-postgres", str(source), empty_url)
    assert done.returncode == 0, done.stderr
    assert "every table's row count matches" in done.stdout
    again = await asyncio.to_thread(run_bot, tmp_path, "migrate-to-postgres", str(source), empty_url)
    assert again.returncode == 1
    assert "is not empty" in again.stderr
    assert "nothing was written" in again.stderr


async def test_the_copy_is_refused_while_a_bot_holds_the_file(tmp_path: Path, empty_url: str) -> None:
    source = tmp_path / "club.sqlite3"
    await _club(source)
    running = DatabaseLock(source)
    running.acquire()
    try:
        done = await asyncio.to_thread(run_bot, tmp_path, "migrate-to-postgres", str(source), empty_url)
    finally:
        running.release()
    assert done.returncode == 1
    assert "holds the database" in done.stderr
    assert "nothing was copied" in done.stderr


def test_backup_and_restore_point_to_pg_dump_on_postgresql(tmp_path: Path) -> None:
    url = "postgresql://bot:s3cret@127.0.0.1:9/club"
    for args in (("backup",), ("restore", str(tmp_path / "x.sqlite3"))):
        done = run_bot(tmp_path, *args, DATABASE_URL=url)
        assert done.returncode == 1
        assert "pg_dump" in done.stderr
        assert "s3cret" not in done.stderr + done.stdout
