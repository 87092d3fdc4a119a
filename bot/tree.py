"""The command tree: one place that turns every error into an answer the member can read."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.logs import note_outcome

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)


def _unwrap(error: BaseException) -> BaseException:
    """The error a command or transformer actually raised."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, UserFacingError):
        return error.__cause__
    return error


# Where discord.py's attribute name is not what Discord's client shows.
_CLIENT_NAMES = {"manage_guild": "Manage Server", "view_channel": "View Channels"}


def permission_names(permissions: list[str]) -> str:
    """`manage_guild` → `Manage Server`, as members see the permission in Discord."""
    return ", ".join(_CLIENT_NAMES.get(p, p.replace("_", " ").title()) for p in permissions)


def describe(error: BaseException) -> str | None:
    """The member-facing text for an expected error, or None for a bug."""
    error = _unwrap(error)
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down — try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the {permission_names(error.missing_permissions)} permission here to do that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server."
    if isinstance(error, app_commands.TransformerError):
        return f"`{error.value}` is not a valid value for this option."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    return None


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Reply ephemerally whether or not the interaction was already answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell %s about an error", interaction.user.id, exc_info=True)


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Answer an error: its own message when expected; an apology with an error id when a bug."""
    text = describe(error)
    if text is None:
        error_id = secrets.token_hex(4)
        where = interaction.command.qualified_name if interaction.command else interaction.data
        note_outcome("error", error_id)  # the interaction's log context and its metrics
        log.error("error %s in %s", error_id, where, exc_info=_unwrap(error), extra={"error_id": error_id})
        text = f"Sorry, something went wrong on our side. (error id `{error_id}`)"
    else:
        note_outcome("refused")
    await send_ephemeral(interaction, text)


class BookClubTree(app_commands.CommandTree["BookClubBot"]):
    """Command tree with one central `on_error`; every command also records the member's name first."""

    async def interaction_check(self, interaction: discord.Interaction[BookClubBot]) -> bool:
        # Not on autocomplete: a keystroke must answer at once and never wait on the writer.
        if interaction.type is not discord.InteractionType.autocomplete:
            await interaction.client.note_member(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction[BookClubBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)
