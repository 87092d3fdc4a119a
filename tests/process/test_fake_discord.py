"""The fake Discord itself: the real bot process starts against it, and it keeps Discord's rules
for nonces and history that the crash tests rely on."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.process.conftest import Launcher
from tests.process.fake_discord import FakeDiscord


async def post(session: aiohttp.ClientSession, fake: FakeDiscord, channel: int, **payload: Any) -> Any:
    async with session.post(f"{fake.api_url}/channels/{channel}/messages", json=payload) as response:
        assert response.headers["Content-Type"] == "application/json"  # exactly, as discord.py wants
        return await response.json()


async def test_the_real_bot_logs_in_connects_and_syncs(
    fake_discord: FakeDiscord, launch_bot: Launcher
) -> None:
    fake_discord.add_guild("Readers")
    bot = launch_bot(fake_discord)
    await bot.start()
    for _ in range(300):
        if fake_discord.identified and fake_discord.commands:
            break
        await asyncio.sleep(0.05)
    await bot.stop()
    assert fake_discord.identified == 1, bot.logs()
    assert {command["name"] for command in fake_discord.commands[None]} >= {"digest", "book"}
    assert fake_discord.unknown == []
    assert "has connected to Gateway" in bot.log()


async def test_a_repeated_nonce_returns_the_earlier_message(fake_discord: FakeDiscord) -> None:
    channel = fake_discord.add_guild("Readers").channels[0].id
    async with aiohttp.ClientSession() as session:
        first = await post(session, fake_discord, channel, content="hi", nonce="42", enforce_nonce=True)
        again = await post(session, fake_discord, channel, content="hi", nonce="42", enforce_nonce=True)
        loose = await post(session, fake_discord, channel, content="hi", nonce="42")  # not enforced
        fake_discord.nonce_window = 0.0  # minutes later, Discord has forgotten it
        later = await post(session, fake_discord, channel, content="hi", nonce="42", enforce_nonce=True)
    assert again["id"] == first["id"]
    assert len({first["id"], loose["id"], later["id"]}) == 3
    assert [message.id for message in fake_discord.messages_in(channel)] == [
        int(first["id"]),
        int(loose["id"]),
        int(later["id"]),
    ]


async def test_history_is_answered_newest_first_like_discord(fake_discord: FakeDiscord) -> None:
    channel = fake_discord.add_guild("Readers").channels[0].id
    async with aiohttp.ClientSession() as session:
        ids = [int((await post(session, fake_discord, channel, content=str(n)))["id"]) for n in range(5)]
        url = f"{fake_discord.api_url}/channels/{channel}/messages"
        async with session.get(url, params={"after": str(ids[0]), "limit": "2"}) as response:
            after = [int(message["id"]) for message in await response.json()]
        async with session.get(url, params={"limit": "3"}) as response:
            latest = [int(message["id"]) for message in await response.json()]
    assert after == [ids[2], ids[1]]  # the two right after the anchor, newest first
    assert latest == [ids[4], ids[3], ids[2]]
