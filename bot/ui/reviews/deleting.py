"""Deleting one's own review: the "Delete your review?" prompt and its restart-proof buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.models.reviews import Review
from bot.services import reviews as service
from bot.ui.base import require_guild
from bot.ui.items import INT, Control, Field, choice
from bot.ui.reviews.posting import remove_card
from bot.ui.reviews.text import book_heading

if TYPE_CHECKING:
    from bot.client import BookClubBot


class ConfirmButton(
    Control[discord.ui.Button[discord.ui.View]],
    template="rv:{delete}:{owner_id}:{review_id}",
    owner="owner_id",
):
    """Delete / Cancel on the "Delete your review?" prompt: restart-proof, for the asker only."""

    delete = Field(choice({"del": True, "keep": False}))
    owner_id = Field(INT)
    review_id = Field(INT)

    def __init__(self, owner_id: int, review_id: int, *, delete: bool) -> None:
        self.owner_id = owner_id
        self.review_id = review_id
        self.delete = delete
        super().__init__(
            discord.ui.Button(
                label="Delete" if delete else "Cancel",
                style=discord.ButtonStyle.danger if delete else discord.ButtonStyle.secondary,
            )
        )

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        if not self.delete:
            await interaction.response.edit_message(content="Nothing was deleted.", view=None)
            return
        card = await service.delete_own(
            interaction.client.db, require_guild(interaction), self.review_id, self.owner_id
        )
        await interaction.response.edit_message(
            content=f"Your review of {book_heading(card.book)} is deleted.", view=None
        )
        await remove_card(interaction, card.line.review)


def confirm_delete_view(owner_id: int, review: Review) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(owner_id, review.review_id, delete=True))
    view.add_item(ConfirmButton(owner_id, review.review_id, delete=False))
    return view
