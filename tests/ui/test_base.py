"""`cannot_post` on simcord: text channels need Send Messages; threads their own permission, locked ones more."""

from __future__ import annotations

import discord

from bot.ui.base import cannot_post
from tests.conftest import Club


def text_channel(club: Club, handle_id: int) -> discord.TextChannel:
    channel = club.bot.get_channel(handle_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_a_text_channel_needs_send_messages(club: Club) -> None:
    assert cannot_post(text_channel(club, club.channel.id)) is None
    quiet = club.guild.create_text_channel(
        "quiet", overwrites={club.guild.default_role: discord.PermissionOverwrite(send_messages=False)}
    )
    assert cannot_post(text_channel(club, quiet.id)) == (
        f"I can't post in <#{quiet.id}>: I need the Send Messages permission there."
    )


async def test_a_thread_needs_send_messages_in_threads_not_send_messages(club: Club) -> None:
    handle = club.guild.create_text_channel(
        "threads only",
        overwrites={
            club.guild.default_role: discord.PermissionOverwrite(
                send_messages=False, send_messages_in_threads=False
            )
        },
    )
    thread = await text_channel(club, handle.id).create_thread(
        name="Chat", type=discord.ChannelType.public_thread
    )
    assert cannot_post(thread) == (
        f"I can't post in <#{thread.id}>: I need the Send Messages in Threads permission there."
    )


async def test_a_locked_thread_also_needs_manage_threads(club: Club) -> None:
    parent = text_channel(club, club.channel.id)
    thread = await parent.create_thread(name="Closed", type=discord.ChannelType.public_thread)
    assert cannot_post(thread) is None
    thread = await thread.edit(locked=True)
    assert cannot_post(thread) is None  # the bot may still manage threads here
    await parent.set_permissions(parent.guild.me, manage_threads=False)
    locked = club.bot.get_channel(thread.id)
    assert isinstance(locked, discord.Thread)
    assert locked.locked
    assert (
        cannot_post(locked) == f"I can't post in <#{thread.id}>: I need the Manage Threads permission there."
    )
