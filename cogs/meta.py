"""/about and /help: what the bot is, what this club holds, and every command in one line each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.meta import club_counts
from bot.services.ops import backup_state
from bot.ui.admin import add_backup_line
from bot.ui.meta import CommandLine, about_view, help_view

if TYPE_CHECKING:
    from bot.client import BookClubBot


def command_lines(tree: app_commands.CommandTree[BookClubBot]) -> list[CommandLine]:
    """Every leaf command of the tree, generated so that /help never goes stale."""
    lines = [
        CommandLine(command.qualified_name, command.description)
        for command in tree.walk_commands()
        if isinstance(command, app_commands.Command)
    ]
    return sorted(lines, key=lambda line: line.name)


class Meta(commands.Cog):
    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot

    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """The bot's version and what this server's club holds."""
        books = ratings = reviews = 0
        if interaction.guild_id is not None:
            books, ratings, reviews = await club_counts(self.bot.db, interaction.guild_id)
        guild_name = interaction.guild.name if interaction.guild else None
        view = about_view(
            version=self.bot.version,
            guild_name=guild_name,
            books=books,
            ratings=ratings,
            reviews=reviews,
            application_id=self.bot.application_id,
        )
        if interaction.user.id in self.bot.settings.owner_ids:  # the operators see the last backup
            add_backup_line(view, await backup_state(self.bot.backups))
        await interaction.response.send_message(view=view, ephemeral=True)

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Every command with one line each."""
        await interaction.response.send_message(view=help_view(command_lines(self.bot.tree)), ephemeral=True)


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Meta(bot))
