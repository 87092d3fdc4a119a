"""Posting a review's card (and its discussion thread), editing it in place, and taking it down.

A card goes to the reviews channel, else where the review was written. Written in a thread (the
reviews channel unset), the card is posted in that thread and opens no thread of its own: the
thread it sits in is already its discussion, and a forum post's parent takes no plain messages.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.models.reviews import Review
from bot.services import reviews as service
from bot.ui.base import cannot_post
from bot.ui.reviews.card import card_view

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)


async def post_card(interaction: discord.Interaction[BookClubBot], review_id: int) -> str:
    """Post (or edit in place) the review's card; returns a sentence for the member."""
    assert interaction.guild is not None
    guild = interaction.guild
    db = interaction.client.db
    card = await service.load_card(db, guild.id, review_id)
    assert card is not None
    review, book = card.line.review, card.book
    view = card_view(card)
    if review.message_id is not None and review.channel_id is not None:
        posted = guild.get_channel_or_thread(review.channel_id)
        if isinstance(posted, discord.TextChannel | discord.Thread):
            try:  # discord.py adds the client's allowed_mentions to an edit only along with content
                await posted.get_partial_message(review.message_id).edit(
                    view=view, allowed_mentions=discord.AllowedMentions.none()
                )
            except discord.NotFound:
                pass  # the card was deleted: post a new one below
            except discord.HTTPException:
                log.warning("could not edit the card of review %s", review.review_id, exc_info=True)
                return "Its card could not be updated."
            else:
                return f"Its card in {posted.mention} is updated."
    target_id = card.reviews_channel_id or interaction.channel_id
    channel = guild.get_channel_or_thread(target_id) if target_id else None
    if not isinstance(channel, discord.TextChannel | discord.Thread) or cannot_post(channel) is not None:
        where = f"<#{target_id}>" if target_id else "this channel"
        return (
            f"Its card could not be posted in {where}: the channel is gone or I may not send messages there."
        )
    try:
        message = await channel.send(view=view)
    except discord.HTTPException:
        log.warning("could not post the card of review %s", review.review_id, exc_info=True)
        return f"Its card could not be posted in {channel.mention}."
    thread_id: int | None = None
    if isinstance(channel, discord.TextChannel) and channel.permissions_for(guild.me).create_public_threads:
        name = f"{book.title} — {interaction.user.display_name}"[:100]
        try:
            thread = await message.create_thread(name=name)
        except discord.HTTPException:
            log.info("could not open a thread under the card of review %s", review.review_id, exc_info=True)
        else:
            thread_id = thread.id
    await service.card_posted(db, review.review_id, channel.id, message.id, thread_id)
    return f"Its card is posted in {channel.mention}."


async def remove_card(interaction: discord.Interaction[BookClubBot], review: Review) -> None:
    """Delete a review's card and lock its thread (the discussion is kept, closed), quietly when gone."""
    if interaction.guild is None or review.channel_id is None or review.message_id is None:
        return
    channel = interaction.guild.get_channel_or_thread(review.channel_id)
    if isinstance(channel, discord.TextChannel | discord.Thread):
        with contextlib.suppress(discord.HTTPException):
            await channel.get_partial_message(review.message_id).delete()
    if review.thread_id is not None:
        thread = interaction.guild.get_thread(review.thread_id)
        if thread is not None and thread.permissions_for(thread.guild.me).manage_threads:
            with contextlib.suppress(discord.HTTPException):
                await thread.edit(archived=True, locked=True)
