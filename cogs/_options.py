"""Shared option types for commands (not an extension): the `book` option with autocomplete."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.models.books import Book
from bot.services.books import parse_book_query, resolve, suggest

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

# A transformer runs before the command can defer: leave the command time to answer in 3 s.
TRANSFORM_BUDGET = 1.5


async def book_choices(
    interaction: discord.Interaction[BookClubBot], value: str
) -> list[app_commands.Choice[str]]:
    """Catalogue matches at once; provider matches only when they come within AUTOCOMPLETE_DEADLINE."""
    bot = interaction.client
    found = await suggest(bot.db, bot.books, value, wait=bot.settings.autocomplete_deadline)
    return [app_commands.Choice(name=label, value=choice) for label, choice in found]


class BookTransformer(app_commands.Transformer["BookClubBot"]):
    """Turns the `book` option into a catalogue `Book`; suggests books as you type."""

    async def transform(self, interaction: discord.Interaction[BookClubBot], value: str, /) -> Book:
        bot = interaction.client
        deadline = asyncio.get_running_loop().time() + TRANSFORM_BUDGET
        resolution = await resolve(bot.db, bot.books, value, deadline=deadline, quick=True)
        if resolution.book is None:  # quick resolution always picks one; defensive
            raise UserFacingError(
                f"No single book matches “{parse_book_query(value).text}”; try /book search."
            )
        return resolution.book

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[BookClubBot], value: str, /
    ) -> list[app_commands.Choice[str]]:
        return await book_choices(interaction, value)


BookOption = app_commands.Transform[Book, BookTransformer]
