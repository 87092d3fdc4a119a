"""Review cards, the paged review list, the write form, and the restart-proof controls they carry.

`text` says how a review reads, `card` draws its card, `listing` pages a book's reviews,
`writing` is the write form, `posting` puts a card in its channel, `deleting` asks before a
review goes. This module holds what the rest of the bot uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ui.forms import answer_form
from bot.ui.reviews.card import LikeButton, ReadButton, Row, row_of
from bot.ui.reviews.deleting import ConfirmButton, confirm_delete_view
from bot.ui.reviews.listing import (
    JumpButton,
    JumpModal,
    NavButton,
    OpenReviewsButton,
    ReviewSource,
    SortSelect,
    StarsSelect,
)
from bot.ui.reviews.posting import reconcile_cards, remove_card
from bot.ui.reviews.text import book_heading
from bot.ui.reviews.writing import ReviewModal, WriteReviewButton, open_review_modal

if TYPE_CHECKING:
    import discord

    from bot.client import BookClubBot

__all__ = [
    "ConfirmButton",
    "JumpButton",
    "LikeButton",
    "NavButton",
    "OpenReviewsButton",
    "ReadButton",
    "ReviewSource",
    "SortSelect",
    "StarsSelect",
    "WriteReviewButton",
    "book_heading",
    "confirm_delete_view",
    "open_review_modal",
    "reconcile_cards",
    "remove_card",
    "review_actions",
    "submit_modal",
]


def review_actions(book_id: int) -> tuple[Row, ...]:
    """The book page's row: "Reviews" and "Write a review"."""
    return (row_of(OpenReviewsButton(book_id), WriteReviewButton(book_id)),)


async def submit_modal(interaction: discord.Interaction[BookClubBot]) -> bool:
    """Answer a submitted review form (write, jump to page); False when the modal is not one of ours."""
    return await answer_form(interaction, (ReviewModal, JumpModal))
