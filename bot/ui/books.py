"""Search results with a select that opens a book page, and the flow that shows a book's page.

The select is a DynamicItem whose option values carry what they open (`book:<id>` or `ol:OL…W`),
so results keep working after a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.render import AUTHORS, TITLE, TITLE_IN_LIST, names, plain
from bot.services.book_page import book_page_of
from bot.services.books import (
    Resolution,
    SearchHit,
    find_local,
    needs_network,
    parse_book_query,
    resolve,
)
from bot.ui.base import NO_MENTIONS
from bot.ui.items import Control
from bot.ui.meta import ACCENT
from bot.ui.page import page_view

if TYPE_CHECKING:
    from bot.client import BookClubBot

PICK_ID = "book:open"


def hit_text(index: int, hit: SearchHit) -> str:
    """`**1. Dune**` / `Frank Herbert · 1965`."""
    details = [names(hit.authors, AUTHORS) if hit.authors else "Unknown author"]
    if hit.year:
        details.append(plain(hit.year, 10))
    return f"**{index}. {plain(hit.title, TITLE_IN_LIST)}**\n{' · '.join(details)}"


class BookPickSelect(Control[discord.ui.Select[Any]], template=PICK_ID):
    """Opens the chosen book's page as a new message in the channel."""

    def __init__(self, hits: Sequence[SearchHit] = ()) -> None:
        options = [discord.SelectOption(label=hit.label, value=hit.value) for hit in list(hits)[:25]] or [
            discord.SelectOption(label="-", value="-")
        ]
        super().__init__(discord.ui.Select(placeholder="Open a book page…", options=options))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        if not self.item.values:
            raise UserFacingError("Pick a book from the list.")
        await show_book(interaction, self.item.values[0])


def results_view(query: str, hits: Sequence[SearchHit], *, note: str | None = None) -> discord.ui.LayoutView:
    """Up to 10 matches, each with its cover when known, and the select that opens one."""
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    container.add_item(discord.ui.TextDisplay(f"### Books matching “{plain(query, TITLE)}”"))
    for index, hit in enumerate(hits[:10], start=1):
        text: discord.ui.TextDisplay[discord.ui.LayoutView] = discord.ui.TextDisplay(hit_text(index, hit))
        if hit.cover_url:
            container.add_item(discord.ui.Section(text, accessory=discord.ui.Thumbnail(hit.cover_url)))
        else:
            container.add_item(text)
    if note:
        container.add_item(discord.ui.TextDisplay(f"-# {note}"))
    container.add_item(discord.ui.ActionRow(BookPickSelect(hits[:10])))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view


async def show_book(interaction: discord.Interaction[BookClubBot], text: str) -> None:
    """Answer with the page of the book `text` names: at once from the catalogue, else after deferring.

    Several matches answer with the results and their select instead.
    """
    bot = interaction.client
    parsed = parse_book_query(text)  # bad input is answered before anything is acknowledged
    local = await find_local(bot.db, parsed, guild_id=interaction.guild_id)
    if local is not None and not (bot.books.online and needs_network(parsed, local)):
        await _send(interaction, parsed.text, Resolution(local))
        return
    # Deferred ephemerally: an error or a list of matches is for the member who asked; a page is
    # then posted for the channel as a follow-up.
    await interaction.response.defer(ephemeral=True, thinking=True)
    deadline = asyncio.get_running_loop().time() + bot.settings.http_timeout
    resolution = await resolve(
        bot.db, bot.books, parsed.text, deadline=deadline, guild_id=interaction.guild_id
    )
    await _send(interaction, parsed.text, resolution)


async def _send(interaction: discord.Interaction[BookClubBot], query: str, resolution: Resolution) -> None:
    if resolution.book is None:
        view = results_view(query, resolution.hits, note=resolution.note)
        if interaction.response.is_done():
            await interaction.followup.send(view=view, ephemeral=True)
        else:
            await interaction.response.send_message(view=view, ephemeral=True)
        return
    # The book was just resolved: only this club's stats are read (issue #14: no second read of it).
    page = await book_page_of(
        interaction.client.db, interaction.guild_id, resolution.book, note=resolution.note
    )
    if interaction.response.is_done():
        await interaction.edit_original_response(
            content=f"Opened the page of **{plain(page.book.title, TITLE)}**.", allowed_mentions=NO_MENTIONS
        )
        await interaction.followup.send(view=page_view(page))
    else:
        await interaction.response.send_message(view=page_view(page))
