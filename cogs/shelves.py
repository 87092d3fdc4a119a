"""/shelf add|remove|show and /progress: a member's exclusive shelves and where they are in a book."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.models.shelves import Shelf
from bot.services.shelves import record_progress, shelve_book, unshelve_book
from bot.ui.pager import open_pages
from bot.ui.shelves import ShelfSource, finish_view
from cogs._options import BookOption

if TYPE_CHECKING:
    from bot.client import BookClubBot


class Shelves(commands.Cog):
    shelf = app_commands.Group(name="shelf", description="Your shelves in this server", guild_only=True)

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot

    @shelf.command(name="add")
    @app_commands.describe(book="Title, ISBN or Open Library id", shelf="The shelf to put it on")
    async def shelf_add(
        self, interaction: discord.Interaction[BookClubBot], book: BookOption, shelf: Shelf
    ) -> None:
        """Put a book on one of your shelves (it leaves any other)."""
        assert interaction.guild_id is not None
        change = await shelve_book(
            self.bot.db, interaction.guild_id, interaction.user.id, book.book_id, shelf, self.bot.clock()
        )
        await interaction.response.send_message(change.message, ephemeral=True)
        self.bot.progress_moved(interaction.guild_id, interaction.user.id, book.book_id)

    @shelf.command(name="remove")
    @app_commands.describe(book="Title, ISBN or Open Library id")
    async def shelf_remove(self, interaction: discord.Interaction[BookClubBot], book: BookOption) -> None:
        """Take a book off your shelves."""
        assert interaction.guild_id is not None
        change = await unshelve_book(self.bot.db, interaction.guild_id, interaction.user.id, book.book_id)
        await interaction.response.send_message(change.message, ephemeral=True)

    @shelf.command(name="show")
    @app_commands.describe(member="Whose shelves (yours when empty)", shelf="One shelf (all when empty)")
    async def shelf_show(
        self,
        interaction: discord.Interaction[BookClubBot],
        member: discord.Member | None = None,
        shelf: Shelf | None = None,
    ) -> None:
        """Show a member's shelves, a page at a time."""
        who = member or interaction.user
        await open_pages(interaction, ShelfSource(who.id, shelf, who.display_name))

    @app_commands.command(name="progress")
    @app_commands.guild_only()
    @app_commands.describe(
        book="Title, ISBN or Open Library id",
        page="The page you are on",
        percent="How far you are, 0 to 100 (instead of a page)",
    )
    async def progress(
        self,
        interaction: discord.Interaction[BookClubBot],
        book: BookOption,
        page: int | None = None,
        percent: int | None = None,
    ) -> None:
        """Tell the club where you are in a book; it moves to currently-reading."""
        assert interaction.guild_id is not None
        progress = await record_progress(
            self.bot.db,
            interaction.guild_id,
            interaction.user.id,
            book.book_id,
            page=page,
            percent=percent,
            now=self.bot.clock(),
        )
        text = f"**{interaction.user.display_name}** {progress.phrase} in *{progress.title}*."
        if progress.finished:
            text += "\nThat's the end! Mark it read — and rate it — with a click:"
            view = finish_view(interaction.user.id, progress.book_id)
            await interaction.response.send_message(text, view=view)
        else:
            await interaction.response.send_message(text)
        self.bot.progress_moved(interaction.guild_id, interaction.user.id, book.book_id)


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Shelves(bot))
