"""Shared UI pieces: `require_guild` and `cannot_post`.

Controls share their base in `bot.ui.items` (`Control`), lists their pager in `bot.ui.pager`.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserFacingError


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
