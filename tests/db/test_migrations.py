"""Migrations: a fresh database, a no-op re-run, a backup before upgrading, a newer file refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.db import database, open_database
from bot.db.database import Migration, load_migrations
from bot.errors import DatabaseError


async def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "new.sqlite3")
    try:
        version = await db.migrate()
        assert version == len(load_migrations())
        assert await db.user_version() == version
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        tables = {row[0] for row in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"meta", "guilds", "members", "books", "ratings", "book_stats", "reviews"} <= tables
        assert not list(tmp_path.glob("*.bak")), "a new database needs no backup"
    finally:
        await db.close()


async def test_rerun_is_a_noop(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite3"
    db = await open_database(path)
    await db.migrate()
    await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    assert await db.migrate() == len(load_migrations())
    assert await db.fetchval("SELECT value FROM meta WHERE key = 'k'") == "v"
    await db.close()
    assert not list(tmp_path.glob("*.bak"))


async def test_upgrading_an_existing_file_backs_it_up_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    first = load_migrations()[0]
    with sqlite3.connect(path) as raw:
        raw.executescript(first.sql)
        raw.execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')")
        raw.execute(f"PRAGMA user_version = {first.version}")
    db = await open_database(path)
    try:
        assert await db.migrate() == len(load_migrations())
        assert await db.fetchval("SELECT value FROM meta WHERE key = 'kept'") == "yes"
    finally:
        await db.close()
    backup = tmp_path / "old.sqlite3.v1.bak"
    assert backup.exists()
    with sqlite3.connect(backup) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
        assert raw.execute("SELECT value FROM meta").fetchone()[0] == "yes"


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseError, match="newer than this bot knows"):
        await open_database(path)


async def test_a_failing_migration_leaves_nothing_half_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = load_migrations()
    broken = Migration(
        len(real) + 1, "9999_broken.sql", "CREATE TABLE scratch (x);\nINSERT INTO nowhere VALUES (1);"
    )
    monkeypatch.setattr(database, "load_migrations", lambda: [*real, broken])
    db = await open_database(tmp_path / "half.sqlite3")
    try:
        with pytest.raises(DatabaseError, match=r"9999_broken\.sql failed"):
            await db.migrate()
        # Every earlier migration landed; the broken one left no table and no version behind.
        assert await db.user_version() == len(real)
        assert await db.fetchval("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'") == 0
    finally:
        await db.close()


async def test_an_unwritable_path_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseError, match="cannot open the database"):
        await open_database(blocker / "sub" / "db.sqlite3")


def test_migration_files_are_numbered_without_gaps() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))
