"""Shared option types for commands (not an extension): the `book` option with autocomplete.

Autocomplete cannot be deferred: it answers from the catalogue at once and adds provider results
only if they arrive within AUTOCOMPLETE_DEADLINE. Remote choices carry a BookRef token
(`ol:OL123W`), which the transformer imports at transform time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.books.provider import ProviderError, SearchQuery
from bot.db.books import autocomplete_books
from bot.errors import UserFacingError
from bot.models.books import Book
from bot.services.books import SearchHit, choice_value, parse_book_query, resolve

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

MAX_CHOICES = 25
REMOTE_MIN_CHARS = 3
# A transformer runs before the command can defer: leave the command time to answer in 3 s.
TRANSFORM_BUDGET = 1.5


async def book_choices(
    interaction: discord.Interaction[BookClubBot], value: str
) -> list[app_commands.Choice[str]]:
    """Catalogue matches first; provider matches appended when they come within the deadline."""
    bot = interaction.client
    typed = " ".join(value.split())
    if not typed:
        return []
    books = await autocomplete_books(bot.db, typed, limit=MAX_CHOICES)
    choices = [app_commands.Choice(name=book.byline[:100], value=choice_value(book)) for book in books]
    if len(choices) < MAX_CHOICES and len(typed) >= REMOTE_MIN_CHARS and bot.books.online:
        remote = _new_hits(books, await _remote_hits(bot, typed))
        choices += [app_commands.Choice(name=hit.label, value=hit.value) for hit in remote]
    return choices[:MAX_CHOICES]


async def _remote_hits(bot: BookClubBot, typed: str) -> list[SearchHit]:
    deadline = bot.settings.autocomplete_deadline
    loop = asyncio.get_running_loop()
    lookup = asyncio.create_task(
        bot.books.search(SearchQuery.parse(typed), limit=10, deadline=loop.time() + deadline)
    )
    # asyncio.wait is the hard stop (the lookup is cancelled when late); the deadline passed in
    # lets the fetcher plan its retries within it.
    done, _ = await asyncio.wait({lookup}, timeout=deadline)
    if not done:
        lookup.cancel()
        log.info("autocomplete answered without remote results: the providers took over %.1f s", deadline)
        return []
    try:
        outcome = lookup.result()
    except ProviderError as exc:
        log.info("autocomplete answered without remote results: %s", exc)
        return []
    return [hit for hit in (SearchHit.of_data(data) for data in outcome.books) if hit]


def _new_hits(local: list[Book], remote: list[SearchHit]) -> list[SearchHit]:
    """Remote hits for books the catalogue does not already list above them."""
    known = {f"ol:{book.ol_work_id}" for book in local if book.ol_work_id}
    known |= {f"gb:{book.google_id}" for book in local if book.google_id}
    return [hit for hit in remote if hit.value not in known]


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
