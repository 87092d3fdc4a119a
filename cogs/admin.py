"""Owner commands: syncing the slash commands without a global sync on every boot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import BookClubBot


async def owner_only(interaction: discord.Interaction[BookClubBot]) -> bool:
    """An app-command check: only the ids in OWNER_IDS pass."""
    if interaction.user.id in interaction.client.settings.owner_ids:
        return True
    raise app_commands.CheckFailure("Only the bot's owners (OWNER_IDS) can run this command.")


class Admin(commands.Cog):
    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot

    @app_commands.command(name="sync")
    @app_commands.describe(scope="Where to sync: everywhere (global) or only this server")
    @app_commands.default_permissions(administrator=True)
    @app_commands.check(owner_only)
    async def sync(
        self,
        interaction: discord.Interaction[BookClubBot],
        scope: Literal["global", "server"] = "global",
    ) -> None:
        """Owner only: sync the slash commands with Discord."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        tree = self.bot.tree
        if scope == "server" and interaction.guild is not None:
            tree.copy_global_to(guild=interaction.guild)
            synced = await tree.sync(guild=interaction.guild)
            where = "to this server"
        else:
            synced = await self.bot.sync_commands(force=True) or []
            where = "to the development guild" if self.bot.settings.dev_guild_id else "globally"
        await interaction.followup.send(f"Synced {len(synced)} commands {where}.", ephemeral=True)


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Admin(bot))
