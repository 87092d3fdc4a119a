"""Shared UI pieces: `require_guild`, `cannot_post`, and `edit_in_place` (an edit with mentions off).

Controls share their base in `bot.ui.items` (`Control`), lists their pager in `bot.ui.pager`. A reply
that fails after its change committed is the tree's to answer ("that went through", `bot.tree`).
"""

from __future__ import annotations

from typing import Any

import discord
from discord.utils import MISSING

from bot.errors import UserFacingError

# Stated on every edit rather than left to discord.py, which adds the client's default to some
# edits only: `Message.edit`/`PartialMessage.edit` without `content` go out with no
# `allowed_mentions` at all, so an edited text could ping. (The payload audit in tests/conftest.py
# checks every message and edit.)
NO_MENTIONS = discord.AllowedMentions.none()


async def edit_in_place(
    interaction: discord.Interaction[Any],
    *,
    view: discord.ui.View | discord.ui.LayoutView | None,
    content: str | None = MISSING,
) -> None:
    """Answer a control by editing the message it sits on, mentions disabled."""
    await interaction.response.edit_message(content=content, view=view, allowed_mentions=NO_MENTIONS)


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
