"""A review's card and the buttons it carries (and a list's lines carry): like, read all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.models.reviews import ReviewCard
from bot.models.stats import plural
from bot.services import reviews as service
from bot.ui.base import require_guild
from bot.ui.items import INT, Control, Field, choice
from bot.ui.meta import ACCENT
from bot.ui.reviews.text import body_text, book_heading, review_meta, reviewer_name

if TYPE_CHECKING:
    from bot.client import BookClubBot

Row = discord.ui.ActionRow[discord.ui.LayoutView]

CARD_PREVIEW = 3000
PIECE = 3800  # one message's worth of a review read whole


def row_of(*items: discord.ui.Item[Any]) -> Row:
    """An action row of DynamicItems (typed for both View kinds, hence built by add_item)."""
    row: Row = discord.ui.ActionRow()
    for item in items:
        row.add_item(item)
    return row


class LikeButton(Control[discord.ui.Button[discord.ui.LayoutView]], template="rv:like:{review_id}:{on_card}"):
    """Toggle a like. On a card the card's count is edited; in a list the member is told."""

    review_id = Field(INT)
    on_card = Field(choice({"c": True, "l": False}))

    def __init__(self, review_id: int, likes: int = 0, *, on_card: bool) -> None:
        self.review_id = review_id
        self.on_card = on_card
        label = f"♥ {likes}" if likes else "♥ Like"
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        db = interaction.client.db
        guild_id = require_guild(interaction)
        review, liked = await service.like(db, guild_id, self.review_id, interaction.user.id)
        if self.on_card:
            card = await service.load_card(db, guild_id, review.review_id)
            if card is not None:
                await interaction.response.edit_message(
                    view=card_view(card), allowed_mentions=discord.AllowedMentions.none()
                )
                return
        verb = "liked" if liked else "no longer like"
        await interaction.response.send_message(
            f"You {verb} this review ({plural(review.likes, 'like')}).", ephemeral=True
        )


class ReadButton(Control[discord.ui.Button[discord.ui.LayoutView]], template="rv:read:{review_id}"):
    """Read a review whole, or reveal a collapsed spoiler review — for the presser only."""

    review_id = Field(INT)

    def __init__(self, review_id: int, *, label: str = "Read all") -> None:
        self.review_id = review_id
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        line = await service.require_line(interaction.client.db, require_guild(interaction), self.review_id)
        review = line.review
        text = review.body.replace("||", "") if review.spoiler else review.body
        pieces = service.split_text(text, PIECE)
        if review.spoiler:
            pieces = [service.spoiler_wrap(piece) for piece in pieces]
        head = f"**{reviewer_name(line)}** · {review_meta(review)}"
        await interaction.response.send_message(view=text_view(head, pieces[0]), ephemeral=True)
        for piece in pieces[1:]:
            await interaction.followup.send(view=text_view(None, piece), ephemeral=True)


def text_view(head: str | None, text: str) -> discord.ui.LayoutView:
    view = discord.ui.LayoutView()
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    if head:
        container.add_item(discord.ui.TextDisplay(head))
    container.add_item(discord.ui.TextDisplay(text))
    view.add_item(container)
    return view


def card_view(card: ReviewCard) -> discord.ui.LayoutView:
    """The card posted in the reviews channel (public: spoiler reviews stay inside `||…||`)."""
    line, book = card.line, card.book
    review = line.review
    body, trimmed = body_text(review, CARD_PREVIEW)
    header = (
        f"### {reviewer_name(line)} reviewed {book_heading(book)}\n"
        f"-# {service.reviewer_line(line.reviews_count, line.followers_count)}\n"
        f"{review_meta(review)}"
    )
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    if book.cover_url:
        container.add_item(
            discord.ui.Section(discord.ui.TextDisplay(header), accessory=discord.ui.Thumbnail(book.cover_url))
        )
    else:
        container.add_item(discord.ui.TextDisplay(header))
    container.add_item(discord.ui.TextDisplay(body))
    row = row_of(LikeButton(review.review_id, review.likes, on_card=True))
    if trimmed:
        row.add_item(ReadButton(review.review_id))
    container.add_item(row)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view
