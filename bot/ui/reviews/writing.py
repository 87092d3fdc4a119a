"""Writing a review: the write form (stars and text), who opens it, and how its submission is saved."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

import discord

from bot.errors import UserFacingError
from bot.models.books import Book
from bot.models.reviews import MAX_REVIEW, Review
from bot.services import review_text
from bot.services import reviews as service
from bot.services.stats import stars_text, stars_value
from bot.ui.base import require_guild
from bot.ui.forms import MODAL_TIMEOUT, Submitted, send_modal, text_value
from bot.ui.items import INT, Control, Field
from bot.ui.reviews.posting import post_card
from bot.ui.reviews.text import book_heading

if TYPE_CHECKING:
    from bot.client import BookClubBot

STAR_CHOICES = tuple(range(2, 11))


class ReviewModal(discord.ui.Modal):
    """Stars (a menu pre-filled with the member's rating) and the text (up to 4,000 characters).

    Its custom id carries the book and the spoiler flag; `submit_modal` answers it.
    """

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(r"rv:modal:write:(?P<book>\d+):(?P<spoiler>[01])")

    def __init__(self, book: Book, *, existing: Review | None, rating: int | None, spoiler: bool) -> None:
        verb = "Edit your review" if existing else "Review"
        super().__init__(
            title=f"{verb}: {book.title}"[:45],
            timeout=MODAL_TIMEOUT,
            custom_id=f"rv:modal:write:{book.book_id}:{int(spoiler)}",
        )
        chosen = existing.stars_x2 if existing and existing.stars_x2 else rating
        stars: discord.ui.Select[ReviewModal] = discord.ui.Select(
            custom_id="stars",
            options=[
                discord.SelectOption(
                    label=f"{stars_value(value)} – {stars_text(value)}",
                    value=str(value),
                    default=value == chosen,
                )
                for value in reversed(STAR_CHOICES)
            ],
            required=True,
        )
        body: discord.ui.TextInput[ReviewModal] = discord.ui.TextInput(
            custom_id="body",
            style=discord.TextStyle.paragraph,
            min_length=1,
            max_length=MAX_REVIEW,
            default=existing.body if existing else None,
            placeholder="What did you think? Wrap spoilers in ||double bars||.",
        )
        self.add_item(discord.ui.Label(text="Stars (this also sets your rating)", component=stars))
        self.add_item(discord.ui.Label(text="Your review", component=body))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction[BookClubBot], match: re.Match[str], values: Submitted
    ) -> None:
        guild_id = require_guild(interaction)
        chosen = values.get("stars")
        stars = chosen[0] if isinstance(chosen, list) and chosen else ""
        if not stars.isdigit() or int(stars) not in STAR_CHOICES:
            raise UserFacingError("Pick how many stars you give the book.")
        text = text_value(values, "body")
        review_text.clean_body(text)  # answer bad text before deferring
        db = interaction.client.db
        book = await service.require_book(db, int(match["book"]))
        await interaction.response.defer(ephemeral=True, thinking=True)
        review, created = await service.save_review(
            db,
            guild_id=guild_id,
            book_id=book.book_id,
            user_id=interaction.user.id,
            stars_x2=int(stars),
            text=text,
            spoiler=match["spoiler"] == "1",
            now=interaction.client.clock(),
        )
        note = await post_card(interaction, review.review_id)
        verb = "saved" if created else "updated"
        await interaction.followup.send(
            f"Your review of {book_heading(book)} is {verb}. {note}", ephemeral=True
        )


async def open_review_modal(
    interaction: discord.Interaction[BookClubBot], book: Book, *, spoiler: bool | None
) -> None:
    """The write modal; pre-filled with the member's review when they already wrote one."""
    guild_id = require_guild(interaction)
    draft = await service.draft(interaction.client.db, guild_id, book.book_id, interaction.user.id)
    existing = draft.existing
    keep = existing.spoiler if existing else False
    modal = ReviewModal(
        book, existing=existing, rating=draft.rating, spoiler=keep if spoiler is None else spoiler
    )
    await send_modal(interaction, modal)


class WriteReviewButton(Control[discord.ui.Button[discord.ui.LayoutView]], template="rv:write:{book_id}"):
    """The book page's "Write a review" button: the same modal as /review write."""

    book_id = Field(INT)

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(discord.ui.Button(label="Write a review", style=discord.ButtonStyle.secondary))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        book = await service.require_book(interaction.client.db, self.book_id)
        await open_review_modal(interaction, book, spoiler=None)
