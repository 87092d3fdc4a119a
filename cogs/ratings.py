"""/rate and /unrate: one rating per member per book in this server, 1 to 5 stars in half steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.ratings import parse_stars, rate_book, unrate_book
from cogs._options import BookOption

if TYPE_CHECKING:
    from bot.client import BookClubBot


class Ratings(commands.Cog):
    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot

    @app_commands.command(name="rate")
    @app_commands.guild_only()
    @app_commands.describe(book="Title, ISBN or Open Library id", stars="1 to 5 in half steps, e.g. 4.5")
    async def rate(
        self,
        interaction: discord.Interaction[BookClubBot],
        book: BookOption,
        stars: app_commands.Range[float, 1, 5],
    ) -> None:
        """Rate a book from 1 to 5 stars (half stars allowed); rating again replaces it."""
        assert interaction.guild_id is not None
        change = await rate_book(
            self.bot.db,
            interaction.guild_id,
            interaction.user.id,
            book.book_id,
            parse_stars(stars),
            self.bot.clock(),
        )
        await interaction.response.send_message(change.message, ephemeral=True)

    @app_commands.command(name="unrate")
    @app_commands.guild_only()
    @app_commands.describe(book="Title, ISBN or Open Library id")
    async def unrate(self, interaction: discord.Interaction[BookClubBot], book: BookOption) -> None:
        """Remove your rating of a book."""
        assert interaction.guild_id is not None
        change = await unrate_book(
            self.bot.db, interaction.guild_id, interaction.user.id, book.book_id, self.bot.clock()
        )
        await interaction.response.send_message(change.message, ephemeral=True)


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Ratings(bot))
