"""`open_database` on a bad path: a DatabaseError, and no connection (nor its thread) left open."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.db import open_database
from bot.errors import DatabaseError


async def _refused(path: Path) -> str:
    before = set(threading.enumerate())
    with pytest.raises(DatabaseError) as raised:
        await open_database(path)
    # aiosqlite runs each connection in a non-daemon thread, which a closed connection ends at once;
    # one left open keeps the process alive forever. (asyncio's executor is shut down by asyncio.run.)
    started = [t for t in threading.enumerate() if t not in before and not t.name.startswith("asyncio_")]
    for thread in started:
        await asyncio.to_thread(thread.join, 2.0)
    assert not [thread.name for thread in started if thread.is_alive()]
    return str(raised.value)


async def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not sqlite\n" * 100)
    assert "file is not a database" in await _refused(path)


async def test_a_newer_database(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    raw.close()
    assert "newer than this bot knows" in await _refused(path)


async def test_a_folder(tmp_path: Path) -> None:
    assert "folder" in await _refused(tmp_path)


async def test_a_good_file_opens_and_closes(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "club.sqlite3")
    assert await db.user_version() == 0
    await db.close()
