"""Rating from the book page: its five star buttons, each a `DynamicItem` whose custom id carries
the book and the stars, so it keeps working on pages posted before a restart."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.services.ratings import rate_book
from bot.services.stats import stars_value
from bot.ui import page
from bot.ui.base import club_bot, guarded, require_guild

Row = discord.ui.ActionRow[discord.ui.LayoutView]


def rating_actions(book_id: int) -> tuple[Row, ...]:
    """The row this feature puts under a book page: five star buttons."""
    stars: Row = discord.ui.ActionRow()
    for whole in range(1, 6):
        stars.add_item(StarButton(book_id, whole * 2))
    return (stars,)


class StarButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=r"rate:(?P<book>\d+):(?P<x2>\d+)",
):
    """One of the five "Rate this book" stars: rates in one click and refreshes the page."""

    def __init__(self, book_id: int, stars_x2: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{stars_value(stars_x2)} ★",
                style=discord.ButtonStyle.secondary,
                custom_id=f"rate:{book_id}:{stars_x2}",
            )
        )
        self.book_id = book_id
        self.stars_x2 = stars_x2

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StarButton:
        return cls(int(match["book"]), int(match["x2"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = club_bot(interaction)
        guild_id = require_guild(interaction)
        change = await rate_book(
            bot.db, guild_id, interaction.user.id, self.book_id, self.stars_x2, bot.clock()
        )
        await page.refresh_page(interaction, self.book_id, change.message)
