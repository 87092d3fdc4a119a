"""Syncing commands: to DEV_GUILD_ID when it is set, and globally only when the definitions change."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import discord
import simcord

from bot.client import BookClubBot, build_bot
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


async def test_build_bot_shards_only_when_told(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bookclub.sqlite3")
    try:
        async with aiohttp.ClientSession() as session:
            plain = build_bot(settings=make_settings(tmp_path), db=db, session=session)
            assert not isinstance(plain, discord.AutoShardedClient)
            assert plain.ownership.label == "unsharded"
            sharded = build_bot(
                settings=make_settings(tmp_path, shard_count=4, shard_ids=(3, 1)), db=db, session=session
            )
            assert isinstance(sharded, discord.AutoShardedClient)
            assert isinstance(sharded, BookClubBot)
            assert (sharded.shard_count, sharded.shard_ids) == (4, [1, 3])
            assert sharded.owns(4194304 * 5)
            assert not sharded.owns(4194304 * 6)
            every = build_bot(settings=make_settings(tmp_path, shard_count=2), db=db, session=session)
            assert (every.shard_count, every.shard_ids) == (2, [0, 1])
    finally:
        await db.close()
