"""`python -m bot --version`, `backup [PATH]` and `restore PATH` as an operator runs them."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from bot import __version__
from bot.db import open_database
from bot.db.backup import check_copy
from bot.db.lock import DatabaseLock
from tests.test_main import run_bot


def make_database(path: Path) -> None:
    async def build() -> None:
        db = await open_database(path)
        await db.migrate()
        await db.close()

    asyncio.run(build())


def test_version_prints_the_version(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"bookclub-bot {__version__}\n", "")


def test_backup_to_a_path_needs_no_token(tmp_path: Path) -> None:
    make_database(tmp_path / "data" / "bookclub.sqlite3")
    done = run_bot(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up data/bookclub.sqlite3 to {tmp_path / 'copy.sqlite3'} (")
    assert check_copy(tmp_path / "copy.sqlite3").integrity == "ok"


def test_backup_without_a_path_goes_to_backup_dir(tmp_path: Path) -> None:
    make_database(tmp_path / "data" / "bookclub.sqlite3")
    done = run_bot(tmp_path, "backup", BACKUP_DIR=str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr
    [copy] = (tmp_path / "backups").iterdir()
    assert copy.name.startswith("bookclub-")
    assert copy.suffix == ".sqlite3"


def test_backup_without_a_database_is_one_line(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "backup")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: there is no database at data/bookclub.sqlite3 (DATABASE_PATH) to back up"
    ]
    assert not (tmp_path / "data").exists()


def test_restore_is_refused_while_the_bot_holds_the_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bookclub.sqlite3"
    make_database(database)
    backup = tmp_path / "copy.sqlite3"
    assert run_bot(tmp_path, "backup", str(backup)).returncode == 0
    running = DatabaseLock(database)
    running.acquire()  # this test process plays the running bot
    try:
        done = run_bot(tmp_path, "restore", str(backup))
    finally:
        running.release()
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: cannot restore: a running bot (pid ")
    assert line.endswith("stop it first; nothing was replaced")
    assert not list((tmp_path / "data").glob("*.replaced-*"))


def test_restore_of_a_file_that_is_not_a_database_replaces_nothing(tmp_path: Path) -> None:
    make_database(tmp_path / "data" / "bookclub.sqlite3")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"\x00garbage" * 1000)
    done = run_bot(tmp_path, "restore", str(junk))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: restore refused: ")
    assert line.endswith("; nothing was replaced")
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if "lock" not in p.name) == [
        "bookclub.sqlite3"
    ]


def test_restore_puts_the_backup_in_place_and_says_where_the_old_one_is(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bookclub.sqlite3"
    make_database(database)
    backup = tmp_path / "copy.sqlite3"
    assert run_bot(tmp_path, "backup", str(backup)).returncode == 0
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('after-the-backup', 'yes')")
    done = run_bot(tmp_path, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith(f"restored {backup} (schema version ")
    assert lines[1].startswith("the database it replaced is kept at ")
    kept = Path(lines[1].removeprefix("the database it replaced is kept at "))
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'after-the-backup'").fetchone() == (0,)
    with sqlite3.connect(tmp_path / "data" / kept.name) as conn:
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'after-the-backup'").fetchone() == (1,)


def test_a_second_bot_on_a_database_in_use_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bookclub.sqlite3"
    make_database(database)
    running = DatabaseLock(database)
    running.acquire()
    try:
        done = run_bot(tmp_path, DISCORD_TOKEN="x", DISCORD_API_URL="http://127.0.0.1:9")
    finally:
        running.release()
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: cannot run the bot: a running bot (pid ")
    assert "Traceback" not in done.stderr
