"""Deleting one's own review: the "Delete your review?" prompt and its restart-proof buttons."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.models.reviews import Review
from bot.services import reviews as service
from bot.ui.base import guarded, require_guild
from bot.ui.reviews.posting import remove_card
from bot.ui.reviews.text import book_heading

if TYPE_CHECKING:
    from bot.client import BookClubBot


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"rv:(?P<action>del|keep):(?P<owner>\d+):(?P<review>\d+)",
):
    """Delete / Cancel on the "Delete your review?" prompt: restart-proof, for the asker only."""

    def __init__(self, owner_id: int, review_id: int, *, delete: bool) -> None:
        self.owner_id = owner_id
        self.review_id = review_id
        self.delete = delete
        super().__init__(
            discord.ui.Button(
                label="Delete" if delete else "Cancel",
                style=discord.ButtonStyle.danger if delete else discord.ButtonStyle.secondary,
                custom_id=f"rv:{'del' if delete else 'keep'}:{owner_id}:{review_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmButton:
        return cls(int(match["owner"]), int(match["review"]), delete=match["action"] == "del")

    async def interaction_check(self, interaction: discord.Interaction[BookClubBot]) -> bool:  # type: ignore[override]
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("This menu is not yours.", ephemeral=True)
        return False

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
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
