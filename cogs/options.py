"""Shared option types for commands (not an extension): the `book` option with autocomplete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.books.models import Book
from bot.db.books import search_books
from bot.services.books import choice_value, resolve_local

if TYPE_CHECKING:
    from bot.client import BookClubBot


class BookTransformer(app_commands.Transformer["BookClubBot"]):
    """Turns the `book` option into a catalogue `Book`; suggests catalogue books as you type."""

    async def transform(self, interaction: discord.Interaction[BookClubBot], value: str, /) -> Book:
        return await resolve_local(interaction.client.db, value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[BookClubBot], value: str, /
    ) -> list[app_commands.Choice[str]]:
        books = await search_books(interaction.client.db, value, limit=25) if value.strip() else []
        return [app_commands.Choice(name=book.byline[:100], value=choice_value(book)) for book in books]


BookOption = app_commands.Transform[Book, BookTransformer]
