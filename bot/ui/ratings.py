"""Rating from the book page: its five star buttons, each a `Control` whose custom id carries
the book and the stars, so it keeps working on pages posted before a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.services.ratings import rate_book
from bot.services.stats import stars_value
from bot.ui.base import require_guild
from bot.ui.book_page import PageControl
from bot.ui.items import INT, Field

if TYPE_CHECKING:
    from bot.client import BookClubBot

Row = discord.ui.ActionRow[discord.ui.LayoutView]


def rating_actions(book_id: int) -> tuple[Row, ...]:
    """The row this feature puts under a book page: five star buttons."""
    stars: Row = discord.ui.ActionRow()
    for whole in range(1, 6):
        stars.add_item(StarButton(book_id, whole * 2))
    return (stars,)


class StarButton(PageControl[discord.ui.Button[discord.ui.LayoutView]], template="rate:{book_id}:{stars_x2}"):
    """One of the five "Rate this book" stars: rates in one click and refreshes the page."""

    book_id = Field(INT)
    stars_x2 = Field(INT)

    def __init__(self, book_id: int, stars_x2: int) -> None:
        self.book_id = book_id
        self.stars_x2 = stars_x2
        super().__init__(
            discord.ui.Button(label=f"{stars_value(stars_x2)} ★", style=discord.ButtonStyle.secondary)
        )

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        guild_id = require_guild(interaction)
        change = await rate_book(
            bot.db, guild_id, interaction.user.id, self.book_id, self.stars_x2, bot.clock()
        )
        await self.redraw(interaction, self.book_id, change.message)
