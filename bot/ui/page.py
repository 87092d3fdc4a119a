"""The book page as it is posted: facts and club half (`book_page.py`) plus every feature's controls.

This is the one module that knows every row of a page. Feature controls that change a page are
`PageControl`s; it hands them `refresh_page` when imported, so none of them imports it back.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import BookGone
from bot.services.book_page import BookPage, load_book_page
from bot.tree import send_ephemeral
from bot.ui import ratings, reviews, shelves
from bot.ui.book_page import PageControl, book_page_view

Row = discord.ui.ActionRow[discord.ui.LayoutView]


def page_actions(book_id: int) -> tuple[Row, ...]:
    """Every control under a book page: stars, the shelf menu, then the reviews buttons."""
    return (
        *ratings.rating_actions(book_id),
        *shelves.shelf_actions(book_id),
        *reviews.review_actions(book_id),
    )


def page_view(page: BookPage) -> discord.ui.LayoutView:
    """The complete book page message."""
    return book_page_view(page, actions=page_actions(page.book.book_id))


async def refresh_page(interaction: discord.Interaction[Any], book_id: int, told: str) -> None:
    """Redraw the page a control sits on with fresh club numbers; tell the presser `told`."""
    page = await load_book_page(interaction.client.db, interaction.guild_id, book_id)
    if page is None:
        await send_ephemeral(interaction, BookGone.MESSAGE)
        return
    await interaction.response.edit_message(view=page_view(page))
    await interaction.followup.send(told, ephemeral=True)


PageControl.redraw_pages_with(refresh_page)
