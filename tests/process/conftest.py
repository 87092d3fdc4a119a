"""Fixtures for tests of the real bot process: the fake Discord it talks to, and the process itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.process.bot_process import BotProcess
from tests.process.fake_discord import FakeDiscord

Launcher = Callable[..., BotProcess]


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """The local fake of Discord on 127.0.0.1 (a free port), with no guilds yet."""
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


def bot_settings(fake: FakeDiscord, workdir: Path, **overrides: str) -> dict[str, str]:
    """Settings for a bot process that talks only to `fake` and to closed local ports."""
    return {
        "DISCORD_TOKEN": "fake-token",
        "DATABASE_PATH": str(workdir / "bookclub.sqlite3"),
        "OPENLIBRARY_URL": "http://127.0.0.1:9",
        "OPENLIBRARY_COVERS_URL": "http://127.0.0.1:9",
        "GOOGLE_BOOKS_URL": "http://127.0.0.1:9",
        **fake.environment(),
        **overrides,
    }


@pytest.fixture
async def launch_bot(tmp_path: Path) -> AsyncIterator[Launcher]:
    """`launch_bot(fake, NAME=value…)` → a BotProcess (not started yet) on its own folder and database.

    Every process started through it is stopped when the test ends.
    """
    processes: list[BotProcess] = []

    def launch(fake: FakeDiscord, workdir: Path | None = None, **overrides: str) -> BotProcess:
        folder = workdir or tmp_path / f"bot{len(processes)}"
        folder.mkdir(parents=True, exist_ok=True)
        process = BotProcess(folder, bot_settings(fake, folder, **overrides))
        processes.append(process)
        return process

    yield launch
    for process in processes:
        await process.stop()
