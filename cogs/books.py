"""/book search and /book show: look books up and open their pages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.books import LIVE_UNAVAILABLE, check_query, search_hits
from bot.ui.books import results_view, show_book
from cogs._options import book_choices

if TYPE_CHECKING:
    from bot.client import BookClubBot


class Books(commands.Cog):
    book = app_commands.Group(name="book", description="Look books up and open their pages.")

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot

    @book.command(name="search")
    @app_commands.describe(query="A title, an author, “title by author”, or an ISBN")
    async def search(self, interaction: discord.Interaction[BookClubBot], query: str) -> None:
        """Up to 10 matching books, with a menu that opens a book's page."""
        cleaned = check_query(query)
        await interaction.response.defer(ephemeral=True, thinking=True)
        deadline = asyncio.get_running_loop().time() + self.bot.settings.http_timeout
        hits, live = await search_hits(self.bot.db, self.bot.books, cleaned, deadline=deadline)
        note = None if live else LIVE_UNAVAILABLE
        if not hits:
            text = f"No book matches “{cleaned}”. Try fewer words, the author's surname, or an ISBN."
            if note:
                text = f"{text}\n-# {note}"
            await interaction.followup.send(text, ephemeral=True)
            return
        await interaction.followup.send(view=results_view(cleaned, hits, note=note), ephemeral=True)

    @book.command(name="show")
    @app_commands.describe(book="A title, “title by author”, an ISBN, an Open Library id or URL")
    @app_commands.autocomplete(book=book_choices)
    async def show(self, interaction: discord.Interaction[BookClubBot], book: str) -> None:
        """A book's page: its facts and what this club thinks of it."""
        await show_book(interaction, book)


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Books(bot))
