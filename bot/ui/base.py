"""Shared UI pieces: `club_bot`, `require_guild`, `cannot_post`, `guarded` for DynamicItem callbacks,
and the two rules of answering: `edit_in_place` (mentions stay off) and `after_saving`.

Every control is a restart-proof DynamicItem that checks who pressed it itself, so there is no base View.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord.utils import MISSING

from bot.errors import UserFacingError
from bot.tree import report_error

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

# Stated on every edit rather than left to discord.py, which adds the client's default to some
# edits only: `Message.edit`/`PartialMessage.edit` without `content` go out with no
# `allowed_mentions` at all, so an edited text could ping. (The payload audit in tests/conftest.py
# checks every message and edit.)
NO_MENTIONS = discord.AllowedMentions.none()
SAVED_NOT_SHOWN = "Your change is saved, but I could not show it here."


async def edit_in_place(
    interaction: discord.Interaction[Any],
    *,
    view: discord.ui.View | discord.ui.LayoutView | None,
    content: str | None = MISSING,
) -> None:
    """Answer a control by editing the message it sits on, mentions disabled."""
    await interaction.response.edit_message(content=content, view=view, allowed_mentions=NO_MENTIONS)


@contextlib.asynccontextmanager
async def after_saving() -> AsyncIterator[None]:
    """Around the answer to a change that is already committed: if showing it fails, the member is
    told the change is saved (never "something went wrong"), and the failure is logged.

    Refusals raised while answering (a book gone meanwhile) pass through as they are.
    """
    try:
        yield
    except UserFacingError:
        raise
    except Exception as error:
        log.error("a saved change could not be shown", exc_info=error)
        raise UserFacingError(SAVED_NOT_SHOWN) from error


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
