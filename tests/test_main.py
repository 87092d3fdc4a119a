"""`python -m bot` as a user meets it: one clear line and a non-zero exit for each set-up mistake."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot import __main__ as entry
from bot.config import Settings
from tests.conftest import REPO, SETTING_NAMES


def run_bot(tmp_path: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot` in `tmp_path`; `timeout` guards against a process that never exits."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    clean["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_no_token_is_one_line_and_a_nonzero_exit(tmp_path: Path) -> None:
    done = run_bot(tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "DISCORD_TOKEN" in lines[0]
    assert ".env" in lines[0]


def test_a_newer_database_is_one_line_and_a_nonzero_exit(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    done = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: the database")
    assert "newer than this bot knows" in done.stderr


def test_an_unwritable_database_path_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    done = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(tmp_path / "blocker" / "db.sqlite3"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error: cannot open the database" in done.stderr.strip().splitlines()[-1]


def test_unknown_arguments_print_usage(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "frobnicate")
    assert done.returncode == 2
    assert "usage: python -m bot" in done.stderr


def test_a_rejected_token_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Discord answers 401 to a bad token; discord.py raises LoginFailure from `login`."""

    async def refuse(self: object, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setattr(entry.BookClubBot, "login", refuse)
    assert entry.main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "error: Discord rejected DISCORD_TOKEN; copy a fresh token from the developer portal"
    assert "not-a-real-token" not in "\n".join(err)


# A process that fails at start-up exits at once; this only stops a hung one from hanging the suite.
HANG_GUARD = 10.0


def assert_one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_file_that_is_not_a_database_exits_with_one_line(tmp_path: Path) -> None:
    """The failed PRAGMA used to leave a connection, and its worker thread, open: the process hung."""
    text = tmp_path / "notes.txt"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n" * 200)
    done = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(text), timeout=HANG_GUARD)
    line = assert_one_error_line(done)
    assert str(text) in line
    assert "not a database" in line


def test_a_folder_as_database_path_exits_with_one_line(tmp_path: Path) -> None:
    """aiosqlite's failed connect used to end in an 'Event loop is closed' traceback from its thread."""
    folder = tmp_path / "data"
    folder.mkdir()
    done = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(folder), timeout=HANG_GUARD)
    line = assert_one_error_line(done)
    assert str(folder) in line
    assert "folder" in line


def test_an_empty_database_path_names_the_setting(tmp_path: Path) -> None:
    done = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH="", timeout=HANG_GUARD)
    line = assert_one_error_line(done)
    assert "DATABASE_PATH" in line
    assert " at ." not in line


@pytest.fixture
def read_only_database(tmp_path: Path) -> Iterator[Path]:
    """An existing database whose folder and file cannot be written, even by root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "club.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x)")
    raw.close()
    if os.geteuid() != 0:
        path.chmod(0o444)
        folder.chmod(0o555)
        yield path
        folder.chmod(0o755)
        return
    # Permission bits do not stop root; the immutable attribute does (where the file system has it).
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root, and without chattr nothing makes a file read-only for root")
    made = subprocess.run([chattr, "+i", str(path), str(folder)], capture_output=True, text=True, check=False)
    try:
        if made.returncode != 0:
            pytest.skip(f"running as root, and chattr +i failed here: {made.stderr.strip()}")
        yield path
    finally:
        subprocess.run([chattr, "-i", str(path), str(folder)], capture_output=True, check=False)


def test_a_read_only_database_exits_with_one_line(tmp_path: Path, read_only_database: Path) -> None:
    done = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(read_only_database), timeout=HANG_GUARD)
    line = assert_one_error_line(done)
    assert str(read_only_database) in line
    assert "readonly" in line


def test_help_lists_the_commands_and_every_setting(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "usage: python -m bot [run|sync]" in out
    assert "  run " in out
    assert "  sync " in out
    for name, field in Settings.model_fields.items():
        assert f"  {name.upper()} = " in out
        assert f"      {field.description}\n" in out
    assert "  DATABASE_PATH = data/bookclub.sqlite3\n" in out
    assert "  DISCORD_TOKEN = (required)\n" in out


def test_log_lines_in_a_file_carry_no_colour_codes(tmp_path: Path) -> None:
    """discord.py colours whenever /.dockerenv exists; a log file must stay plain text."""
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    raw.close()
    done = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(path), LOG_LEVEL="DEBUG")
    assert "asyncio: Using selector" in done.stderr  # a debug line was written
    assert "\x1b[" not in done.stderr


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """Restore the root logger after a test that sets logging up."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def log_to_terminal() -> str:
    """What one warning looks like on a pseudo-terminal after `setup_logging`."""
    leader, follower = os.openpty()
    with open(follower, "w") as terminal:
        entry.setup_logging("INFO", terminal)
        logging.getLogger("bot.test").warning("hello")
        terminal.flush()
    try:
        return os.read(leader, 4096).decode()
    finally:
        os.close(leader)


@pytest.mark.usefixtures("root_handlers")
def test_a_terminal_gets_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    written = log_to_terminal()
    assert "hello" in written
    assert "\x1b[" in written


@pytest.mark.usefixtures("root_handlers")
def test_no_color_turns_colour_off_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    written = log_to_terminal()
    assert "[WARNING ] bot.test: hello" in written
    assert "\x1b[" not in written
