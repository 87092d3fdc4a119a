"""`python -m bot` as a user meets it: one clear line and a non-zero exit for each set-up mistake."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import discord
import pytest

from bot import __main__ as entry
from tests.conftest import REPO, SETTING_NAMES


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    clean["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
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
