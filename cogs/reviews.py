"""/review write|edit|delete|remove|channel and /reviews: thin adapters over the reviews service."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import reviews as service
from bot.services.reviews import SORTS, ListState
from bot.ui.base import cannot_post, require_guild
from bot.ui.pager import open_pages
from bot.ui.reviews import (
    ReviewSource,
    book_heading,
    confirm_delete_view,
    open_review_modal,
    reconcile_cards,
    remove_card,
    submit_modal,
)
from cogs._options import BookOption

if TYPE_CHECKING:
    from bot.client import BookClubBot

SortChoice = Literal["newest", "oldest", "highest", "lowest", "most liked"]


class Reviews(commands.Cog):
    review = app_commands.Group(
        name="review", description="Write, edit and remove book reviews", guild_only=True
    )

    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self._reconciling = asyncio.Lock()  # READY comes again after a reconnect

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Finish posting the review cards a crash left half-posted (after READY: channels are known)."""
        async with self._reconciling:
            await reconcile_cards(self.bot)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[BookClubBot]) -> None:
        """Answer the review modals (write, jump to page), also those shown before a restart."""
        if interaction.type is discord.InteractionType.modal_submit:
            await submit_modal(interaction)

    @review.command(name="write")
    @app_commands.describe(book="The book to review", spoiler="Hide the whole review behind a spoiler")
    async def write(
        self, interaction: discord.Interaction[BookClubBot], book: BookOption, spoiler: bool | None = None
    ) -> None:
        """Write a review of a book (opens a form; writing again edits yours)."""
        require_guild(interaction)
        await open_review_modal(interaction, book, spoiler=spoiler)

    @review.command(name="edit")
    @app_commands.describe(book="The book whose review you edit")
    async def edit(self, interaction: discord.Interaction[BookClubBot], book: BookOption) -> None:
        """Edit your review of a book; the earlier text is kept as history."""
        guild_id = require_guild(interaction)
        await service.require_review(self.bot.db, guild_id, book.book_id, interaction.user.id, own=True)
        await open_review_modal(interaction, book, spoiler=None)

    @review.command(name="delete")
    @app_commands.describe(book="The book whose review you delete")
    async def delete(self, interaction: discord.Interaction[BookClubBot], book: BookOption) -> None:
        """Delete your review of a book (asks to confirm)."""
        guild_id = require_guild(interaction)
        review = await service.require_review(
            self.bot.db, guild_id, book.book_id, interaction.user.id, own=True
        )
        await interaction.response.send_message(
            f"Delete your review of {book_heading(book)}? This can't be undone.",
            view=confirm_delete_view(interaction.user.id, review),
            ephemeral=True,
        )

    @review.command(name="remove")
    @app_commands.describe(
        book="The book", member="The member whose review is removed", reason="Why (shown to you only)"
    )
    @app_commands.checks.has_permissions(manage_messages=True)
    async def remove(
        self,
        interaction: discord.Interaction[BookClubBot],
        book: BookOption,
        member: discord.User,  # a Member too; a User when they left the server
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """Manage Messages: remove a member's review of a book."""
        guild_id = require_guild(interaction)
        review = await service.require_review(self.bot.db, guild_id, book.book_id, member.id, own=False)
        await service.delete_review(self.bot.db, review)
        because = f" Reason: {reason}" if reason else ""
        await interaction.response.send_message(
            f"Removed {discord.utils.escape_markdown(member.display_name)}'s review of "
            f"{book_heading(book)}.{because}",
            ephemeral=True,
        )
        await remove_card(interaction, review)

    @review.command(name="channel")
    @app_commands.describe(
        channel="Where review cards are posted (leave empty: the channel a review is written in)"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def channel(
        self, interaction: discord.Interaction[BookClubBot], channel: discord.TextChannel | None = None
    ) -> None:
        """Manage Server: choose the channel where review cards are posted."""
        guild_id = require_guild(interaction)
        await service.set_reviews_channel(self.bot.db, guild_id, channel.id if channel else None)
        if channel is None:
            text = "Review cards will be posted in the channel where each review is written."
        else:
            text = f"Review cards will be posted in {channel.mention}."
            problem = cannot_post(channel)
            if problem is not None:
                text += f" {problem}"
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="reviews")
    @app_commands.guild_only()
    @app_commands.describe(
        book="The book",
        sort="Order of the reviews (newest first by default)",
        stars="Only reviews with this many whole stars",
        search="Words the review must contain",
    )
    async def reviews(
        self,
        interaction: discord.Interaction[BookClubBot],
        book: BookOption,
        sort: SortChoice = "newest",
        stars: app_commands.Range[int, 1, 5] | None = None,
        search: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """A book's reviews in this server, five to a page."""
        require_guild(interaction)
        search_id = await service.search_id(self.bot.db, search)
        code = "m" if sort == "most liked" else sort[0]
        state = ListState(book.book_id, SORTS[code], stars or 0, search_id)
        # The search's text goes along, so the first page counts its matches in its first statement.
        await open_pages(interaction, ReviewSource(state, book, service.check_search(search)))


async def setup(bot: BookClubBot) -> None:
    await bot.add_cog(Reviews(bot))
