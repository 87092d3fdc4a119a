"""Syncing commands: to DEV_GUILD_ID when it is set, and globally only when the definitions change."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import simcord

from bot.client import BookClubBot
from bot.db import open_database
from tests.conftest import Club, make_settings

DEV_GUILD = 1_234_567_890_123_456_789 >> 1


async def test_dev_guild_sync_never_touches_global_commands(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, dev_guild_id=DEV_GUILD)
    db = await open_database(settings.database_path)
    async with aiohttp.ClientSession() as session:
        env = simcord.Env(BookClubBot(settings=settings, db=db, session=session))
        guild = env.create_guild("Dev", id=DEV_GUILD)
        try:
            await env.start()
            puts = [r.path for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
            assert puts == [f"/applications/{env.backend.application_id}/guilds/{DEV_GUILD}/commands"]
            channel = guild.create_text_channel("general")
            alice = guild.add_member(env.create_user("alice"))
            result = await alice.slash(channel, "about")
            assert result.response is not None
        finally:
            await env.shutdown()
            await db.close()


async def test_global_commands_sync_once_then_only_when_they_change(club: Club) -> None:
    def command_syncs() -> int:
        return sum(1 for r in club.env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))

    assert command_syncs() == 1  # the first boot on an empty database
    await club.restart()
    assert command_syncs() == 1  # same definitions: no sync on boot
    assert (await club.alice.slash(club.channel, "about")).response is not None
