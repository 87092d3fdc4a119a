"""Shared UI pieces: `club_bot`, `require_guild`, `cannot_post`, and `guarded` for DynamicItem callbacks.

Every control is a restart-proof DynamicItem that checks who pressed it itself, so there is no base View.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord

from bot.errors import UserFacingError
from bot.tree import report_error

if TYPE_CHECKING:
    from bot.client import BookClubBot


def club_bot(interaction: discord.Interaction[Any]) -> BookClubBot:
    """The bot behind a `DynamicItem`'s interaction (typed `Any` by discord.py's callback signature)."""
    return cast("BookClubBot", interaction.client)


def require_guild(interaction: discord.Interaction[Any]) -> int:
    """The server a control was used in; outside one, a clear refusal (answered ephemerally)."""
    if interaction.guild_id is None:
        raise UserFacingError("This only works inside a server.")
    return interaction.guild_id


def cannot_post(channel: discord.TextChannel | discord.Thread) -> str | None:
    """Why the bot cannot post in `channel` (a text channel or a thread), or None when it can.

    A thread asks for Send Messages in Threads instead of Send Messages, and once locked for
    Manage Threads as well.
    """
    perms = channel.permissions_for(channel.guild.me)
    needed = [("View Channel", perms.view_channel)]
    if isinstance(channel, discord.Thread):
        needed.append(("Send Messages in Threads", perms.send_messages_in_threads))
        if channel.locked:
            needed.append(("Manage Threads", perms.manage_threads))
    else:
        needed.append(("Send Messages", perms.send_messages))
    missing = [label for label, ok in needed if not ok]
    if missing:
        return f"I can't post in {channel.mention}: I need the {' and '.join(missing)} permission there."
    return None


ItemT = TypeVar("ItemT")
Callback = Callable[[ItemT, "discord.Interaction[Any]"], Coroutine[Any, Any, None]]


def guarded(callback: Callback[ItemT]) -> Callback[ItemT]:
    """Answer errors like the tree does: discord.py only logs a DynamicItem callback's exceptions."""

    @functools.wraps(callback)
    async def wrapper(self: ItemT, interaction: discord.Interaction[Any]) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:
            await report_error(interaction, error)

    return wrapper
