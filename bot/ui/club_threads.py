"""The club read's threads on Discord: where they may go, making them, finding them (archived ones
are not cached), renaming them after an edit, closing them at the end.

The background work of adding members is the club cog's `ThreadGate` (`cogs/_club_threads.py`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Literal

import discord

from bot.errors import UserFacingError
from bot.models.club import ClubRead, Section
from bot.tree import permission_names
from bot.ui.club_text import thread_intro, thread_name

log = logging.getLogger(__name__)

# What the bot needs in the read's channel: post there, make private threads, write in them,
# add members (Send Messages in Threads) and unarchive, archive and lock them (Manage Threads).
THREAD_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "create_private_threads",
    "send_messages_in_threads",
    "manage_threads",
)
ARCHIVE_MINUTES: Literal[10080] = (
    10080  # a week, the longest Discord allows; the bot unarchives before adding
)


def thread_home(channel: object) -> discord.TextChannel:
    """The text channel the section threads go in, or a clear refusal for any other kind."""
    mention = getattr(channel, "mention", "That channel")
    if isinstance(channel, discord.Thread):
        raise UserFacingError(f"{mention} is a thread, and a thread can't hold threads: pick a text channel.")
    if isinstance(channel, discord.ForumChannel):
        raise UserFacingError(
            f"{mention} is a forum; the section threads are private threads of a text channel."
        )
    if isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        raise UserFacingError(f"{mention} is a voice channel; the section threads need a text channel.")
    if not isinstance(channel, discord.TextChannel) or channel.is_news():
        raise UserFacingError(f"{mention} can't hold private threads: pick a text channel.")
    return channel


def missing_permissions(channel: discord.TextChannel) -> str | None:
    """Which of THREAD_PERMISSIONS the bot lacks in `channel`, as Discord names them; None: all there."""
    granted = channel.permissions_for(channel.guild.me)
    missing = [name for name in THREAD_PERMISSIONS if not getattr(granted, name)]
    if not missing:
        return None
    word = "permission" if len(missing) == 1 else "permissions"
    return (
        f"I need the {permission_names(missing)} {word} in {channel.mention} to run a club read there. "
        "Nothing was started."
    )


async def open_thread(
    channel: discord.TextChannel, read: ClubRead, section: Section
) -> tuple[discord.Thread, int]:
    """A private section thread (members can't invite) with the bot's post of its pages and due date."""
    thread = await channel.create_thread(
        name=thread_name(read, section),
        type=discord.ChannelType.private_thread,
        invitable=False,
        auto_archive_duration=ARCHIVE_MINUTES,
    )
    message = await thread.send(thread_intro(read, section))
    return thread, message.id


async def find_thread(guild: discord.Guild, thread_id: int) -> discord.Thread | None:
    """A thread from the cache, else from Discord (archived threads are not cached); None if gone."""
    thread = guild.get_thread(thread_id)
    if thread is not None:
        return thread
    try:
        channel = await guild.fetch_channel(thread_id)
    except (discord.NotFound, discord.Forbidden):  # deleted, or its channel was (then Discord says 403)
        return None
    return channel if isinstance(channel, discord.Thread) else None


async def delete_threads(guild: discord.Guild, thread_ids: Iterable[int]) -> None:
    for thread_id in thread_ids:
        thread = await find_thread(guild, thread_id)
        if thread is not None:
            with contextlib.suppress(discord.HTTPException):
                await thread.delete()


async def close_threads(guild: discord.Guild, read: ClubRead) -> int:
    """Archive and lock every section thread; how many could not be closed (logged)."""
    failed = 0
    for section in read.sections:
        thread = None if section.thread_id is None else await find_thread(guild, section.thread_id)
        if thread is None:
            continue
        try:
            await thread.edit(archived=True, locked=True)
        except discord.HTTPException:
            failed += 1
            log.warning("could not close club thread %s in guild %s", thread.id, guild.id, exc_info=True)
    return failed


async def refresh_threads(guild: discord.Guild, read: ClubRead, numbers: Iterable[int]) -> None:
    """After an edit: each changed section's thread takes its new name and its post the new date."""
    for number in numbers:
        section = read.section(number)
        if section is None or section.thread_id is None:
            continue
        thread = await find_thread(guild, section.thread_id)
        if thread is None:
            continue
        try:
            await thread.edit(name=thread_name(read, section), archived=False)
            if section.message_id is not None:
                await thread.get_partial_message(section.message_id).edit(content=thread_intro(read, section))
        except discord.HTTPException:
            log.warning("could not update club thread %s", thread.id, exc_info=True)
