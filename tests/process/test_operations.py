"""Operating the real `python -m bot` process: a graceful stop on SIGTERM with commands in flight, a
second signal, a port in use, and the health and metrics endpoints, against the local fake Discord.

The shutdown figure (20 commands in flight) is printed; run with `pytest -s` to see it.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import time
from pathlib import Path

import aiohttp
import pytest

from bot.db import open_database
from bot.db.books import upsert_book
from bot.models.books import BookData
from bot.ops.gate import RESTARTING
from tests.conftest import REPO
from tests.process.bot_process import BotProcess
from tests.process.conftest import Launcher
from tests.process.fake_discord import FakeDiscord, FakeGuild, FakeInteraction

READY_TIMEOUT = 30.0
MEMBERS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed_book(path: Path, title: str = "Dune") -> None:
    """A database with every migration and one catalogue book, as if someone had looked it up."""
    db = await open_database(path)
    try:
        await db.migrate()
        await upsert_book(db, BookData(title=title, authors=("Frank Herbert",), ol_work_id="OL1W"))
    finally:
        await db.close()


async def until(condition: object, what: str, bot: BotProcess, within: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{bot.logs()}")
        if not bot.running:
            raise AssertionError(f"the bot exited while waiting for {what}\n{bot.logs()}")
        await asyncio.sleep(0.05)


async def healthz(port: int) -> tuple[int, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, await response.json()


@pytest.fixture
async def club_bot(
    fake_discord: FakeDiscord, launch_bot: Launcher, tmp_path: Path
) -> tuple[FakeGuild, BotProcess, Path, int]:
    """A running bot in one guild with a catalogue book and its health server; ready for commands."""
    guild = fake_discord.add_guild("Readers")
    folder = tmp_path / "bot"
    folder.mkdir()
    database = folder / "bookclub.sqlite3"
    await seed_book(database)
    port = free_port()
    bot = launch_bot(fake_discord, folder, HTTP_PORT=str(port), SHUTDOWN_TIMEOUT="10")
    await bot.start()
    await until(lambda: fake_discord.commands and fake_discord.identified, "the bot to connect", bot)
    await until(lambda: b"/healthz" in bot.log_path().read_bytes(), "the health server", bot)
    for _ in range(100):  # the gateway is up once /healthz says so
        if (await healthz(port))[0] == 200:
            break
        await asyncio.sleep(0.1)
    return guild, bot, database, port


def ratings(database: Path) -> dict[int, int]:
    with sqlite3.connect(database) as conn:
        return dict(conn.execute("SELECT user_id, stars_x2 FROM ratings").fetchall())


async def rate(fake: FakeDiscord, guild: FakeGuild, member: int) -> FakeInteraction:
    return await fake.interact(guild, member, "rate", {"book": "Dune", "stars": 4.5}, username=f"m{member}")


async def test_sigterm_in_the_middle_of_writes_keeps_every_acknowledged_write(
    fake_discord: FakeDiscord, club_bot: tuple[FakeGuild, BotProcess, Path, int]
) -> None:
    guild, bot, database, _ = club_bot
    members = [1000 + n for n in range(MEMBERS)]
    sent = [await rate(fake_discord, guild, member) for member in members]
    await asyncio.wait_for(sent[0].answered.wait(), 10)  # the writes are under way
    bot.terminate()
    assert await bot.wait(15) == 0, bot.log()
    stored = ratings(database)
    for member, interaction in zip(members, sent, strict=True):
        texts = interaction.texts()
        assert interaction.answered.is_set(), f"member {member} was left without an answer\n{bot.log()}"
        if texts == [RESTARTING]:
            assert member not in stored  # refused, not half-done
        else:
            assert stored.get(member) == 9, (member, texts)  # acknowledged ⇒ stored
    assert len(stored) >= 1
    log = bot.log()
    assert "SIGTERM received: stopping" in log
    assert "stopped on SIGTERM" in log
    assert "Traceback" not in log
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not Path(f"{database}-wal").exists() or Path(f"{database}-wal").stat().st_size == 0


async def test_twenty_commands_in_flight_finish_and_new_ones_hear_restarting(
    fake_discord: FakeDiscord, club_bot: tuple[FakeGuild, BotProcess, Path, int]
) -> None:
    guild, bot, database, port = club_bot
    fake_discord.callback_delay = 1.0  # Discord is slow: each answer takes a second
    members = [2000 + n for n in range(MEMBERS)]
    sent = [await rate(fake_discord, guild, member) for member in members]
    for interaction in sent:
        await asyncio.wait_for(interaction.answered.wait(), 10)
    assert not any(i.acknowledged.is_set() for i in sent)  # all 20 are in flight
    stopped = time.perf_counter()
    bot.terminate()
    await until(lambda: b"SIGTERM received" in bot.log_path().read_bytes(), "the stop to begin", bot)
    status, parts = await healthz(port)
    assert (status, parts["bot"]) == (503, "stopping")
    late = await rate(fake_discord, guild, 3000)
    assert await bot.wait(15) == 0, bot.log()
    shutdown = time.perf_counter() - stopped
    assert all(i.acknowledged.is_set() for i in sent)
    assert late.texts() == [RESTARTING]
    stored = ratings(database)
    assert set(members) <= set(stored)
    assert 3000 not in stored
    assert shutdown < 10, shutdown
    print(f"\nshutdown with {MEMBERS} commands in flight (each answer held 1.0 s): {shutdown:.2f} s")
    assert "20 interaction(s)" in bot.log()


async def test_shutdown_timeout_cuts_off_what_is_still_running(
    fake_discord: FakeDiscord, launch_bot: Launcher, tmp_path: Path
) -> None:
    guild = fake_discord.add_guild("Readers")
    folder = tmp_path / "bot"
    folder.mkdir()
    await seed_book(folder / "bookclub.sqlite3")
    bot = launch_bot(fake_discord, folder, SHUTDOWN_TIMEOUT="1")
    await bot.start()
    await until(lambda: fake_discord.commands and fake_discord.identified, "the bot to connect", bot)
    fake_discord.callback_delay = 60.0
    stuck = await rate(fake_discord, guild, 1)
    await asyncio.wait_for(stuck.answered.wait(), 10)
    started = time.perf_counter()
    bot.terminate()
    assert await bot.wait(15) == 0, bot.log()
    assert time.perf_counter() - started < 6
    assert "SHUTDOWN_TIMEOUT (1 s) passed" in bot.log()


async def test_a_second_sigterm_exits_at_once(
    fake_discord: FakeDiscord, launch_bot: Launcher, tmp_path: Path
) -> None:
    guild = fake_discord.add_guild("Readers")
    folder = tmp_path / "bot"
    folder.mkdir()
    await seed_book(folder / "bookclub.sqlite3")
    bot = launch_bot(fake_discord, folder, SHUTDOWN_TIMEOUT="60")
    await bot.start()
    await until(lambda: fake_discord.commands and fake_discord.identified, "the bot to connect", bot)
    fake_discord.callback_delay = 60.0
    stuck = await rate(fake_discord, guild, 1)
    await asyncio.wait_for(stuck.answered.wait(), 10)
    bot.terminate()
    await until(lambda: b"SIGTERM received" in bot.log_path().read_bytes(), "the stop to begin", bot)
    started = time.perf_counter()
    bot.terminate()
    assert await bot.wait(5) == 130
    assert time.perf_counter() - started < 3
    assert "SIGTERM again while stopping: exiting at once" in bot.log()


async def test_a_port_in_use_is_one_line_and_a_nonzero_exit(
    fake_discord: FakeDiscord, launch_bot: Launcher
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = launch_bot(fake_discord, HTTP_PORT=str(port))
        await bot.start()
        assert await bot.wait(30) == 1
    errors = [line for line in bot.log().splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: cannot serve /healthz on 127.0.0.1:{port}: the port is in use; set HTTP_PORT to a "
        "free port, or leave it empty to turn the server off"
    ], bot.log()
    assert "Traceback" not in bot.log()
    assert fake_discord.identified == 0  # it stopped before logging in


async def test_health_and_metrics_of_the_running_bot(
    fake_discord: FakeDiscord, club_bot: tuple[FakeGuild, BotProcess, Path, int]
) -> None:
    guild, _, _, port = club_bot
    status, parts = await healthz(port)
    assert (status, parts) == (
        200,
        {"status": "ok", "gateway": "ok", "database": "ok", "scheduler": "ok"},
    )
    done = await rate(fake_discord, guild, 7)
    await asyncio.wait_for(done.acknowledged.wait(), 10)
    await asyncio.sleep(0.2)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    assert 'bookclub_interactions_total{command="rate",kind="command",outcome="ok"} 1.0' in text
    assert 'bookclub_interaction_seconds_count{command="rate",kind="command"} 1.0' in text
    assert 'bookclub_database_seconds_count{kind="write"}' in text
    assert "bookclub_guilds 1.0" in text
    assert 'bookclub_provider_breaker_state{provider="openlibrary",state="closed"} 1.0' in text
    assert "process_resident_memory_bytes" in text
    assert not re.search(r'="\d{5,}"', text)  # no server, member or interaction ids as label values


async def test_without_the_metrics_extra_metrics_say_how_to_install_it_and_health_works(
    fake_discord: FakeDiscord, launch_bot: Launcher, tmp_path: Path
) -> None:
    shadow = tmp_path / "no-prometheus" / "prometheus_client"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('not installed')\n")
    fake_discord.add_guild("Readers")
    port = free_port()
    bot = launch_bot(fake_discord, HTTP_PORT=str(port), PYTHONPATH=f"{shadow.parent}:{REPO}")
    await bot.start()
    await until(lambda: fake_discord.identified, "the bot to connect", bot)
    await until(lambda: b"/healthz" in bot.log_path().read_bytes(), "the health server", bot)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 501
            assert "pip install 'bookclub-bot[metrics]'" in await response.text()
        for _ in range(100):
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    break
            await asyncio.sleep(0.1)
        assert response.status == 200
    assert "metrics need the prometheus-client package" in bot.log()


async def test_json_logs_are_one_object_a_line(
    fake_discord: FakeDiscord, club_bot: tuple[FakeGuild, BotProcess, Path, int], launch_bot: Launcher
) -> None:
    guild, bot, _, _ = club_bot
    await bot.stop()
    bot.env["LOG_FORMAT"] = "json"
    await bot.start()
    await until(lambda: fake_discord.identified >= 2, "the bot to reconnect", bot)
    done = await rate(fake_discord, guild, 8)
    await asyncio.wait_for(done.acknowledged.wait(), 10)
    bot.terminate()
    assert await bot.wait(15) == 0
    lines = [json.loads(line) for line in bot.log().splitlines() if line.strip()]
    assert lines, bot.log()
    for line in lines:
        assert {"time", "level", "logger", "message", "guild", "command", "interaction", "error_id"} <= set(
            line
        )
    assert any(line["message"].startswith("SIGTERM received") for line in lines)
