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

from bot.models.reviews import CardIntent, Review, ReviewCard
from bot.services import review_cards as cards
from bot.services import reviews as service
from bot.ui.base import cannot_post
from bot.ui.reviews.card import card_view

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

THREAD_ALREADY_CREATED = 160004  # Discord's error code: this message already has a thread


async def post_card(interaction: discord.Interaction[BookClubBot], review_id: int) -> str:
    """Post (or edit in place) the review's card; returns a sentence for the member."""
    assert interaction.guild is not None
    guild = interaction.guild
    db = interaction.client.db
    card = await service.load_card(db, guild.id, review_id)
    assert card is not None
    review = card.line.review
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
    begun = await cards.begin_card(db, review.review_id, channel.id, interaction.client.clock())
    if begun is None:  # deleted meanwhile
        return "Its card was not posted: the review is gone."
    intent, retry = begun
    try:
        await deliver_card(
            interaction.client, card, channel, intent, retry=retry, author=interaction.user.display_name
        )
    except discord.HTTPException:
        log.warning("could not post the card of review %s", review.review_id, exc_info=True)
        return f"Its card could not be posted in {channel.mention}."
    return f"Its card is posted in {channel.mention}."


async def deliver_card(
    bot: BookClubBot,
    card: ReviewCard,
    channel: discord.TextChannel | discord.Thread,
    intent: CardIntent,
    *,
    retry: bool,
    author: str,
) -> None:
    """Send a card with its intent's nonce (unless it was sent already), record it, settle its thread.

    On a `retry` Discord may return the card an earlier attempt sent, showing the review as it was
    then, so the card is edited to the review as it is now.
    """
    db, review_id = bot.db, card.line.review.review_id
    view = card_view(card)
    if intent.message_id is None:
        try:
            message = await channel.send(
                view=view, nonce=intent.nonce, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:
            if exc.status < 500:  # refused (a 404 also for a nonce whose card was deleted): nothing stored
                await cards.card_refused(db, review_id)
            raise
        await cards.card_sent(db, review_id, channel.id, message.id)
        if retry:
            try:
                await message.edit(view=view, allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException:
                log.warning("could not refresh the card of review %s", review_id, exc_info=True)
    else:
        try:
            message = await channel.fetch_message(intent.message_id)
        except discord.NotFound:
            await cards.card_gone(db, review_id)
            raise
    thread_id = await settle_thread(message, channel, f"{card.book.title} — {author}")
    await cards.card_settled(db, review_id, thread_id)


async def settle_thread(
    message: discord.Message, channel: discord.TextChannel | discord.Thread, name: str
) -> int | None:
    """The card's discussion thread: the one it has (a crash may have left it unrecorded), else a new one.

    None in a thread (the thread is the discussion), without Create Public Threads, or on failure.
    """
    if not isinstance(channel, discord.TextChannel):
        return None
    if message.thread is not None:
        return message.thread.id
    if not channel.permissions_for(channel.guild.me).create_public_threads:
        return None
    try:
        thread = await message.create_thread(name=name[:100])
    except discord.HTTPException as exc:
        if exc.code == THREAD_ALREADY_CREATED:
            return message.id  # a thread opened from a message takes the message's id
        log.info("could not open a thread under the card in %s", channel.id, exc_info=True)
        return None
    return thread.id


async def reconcile_cards(bot: BookClubBot) -> None:
    """Finish posting every card a crash left half-posted: sent again with the same nonce, never twice."""
    db = bot.db
    for intent in await cards.pending_cards(db, bot.ownership):
        guild = bot.get_guild(intent.guild_id)
        card = await service.load_card(db, guild.id, intent.review_id) if guild is not None else None
        if guild is None or card is None:
            continue  # a server the bot is not in now: left for a later start
        channel = guild.get_channel_or_thread(intent.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread) or cannot_post(channel) is not None:
            log.info("the card of review %s cannot go to channel %s now", intent.review_id, intent.channel_id)
            await cards.card_refused(db, intent.review_id)
            continue
        author = card.line.display_name or "a former member"
        try:
            await deliver_card(bot, card, channel, intent, retry=True, author=author)
        except discord.HTTPException:
            log.warning("could not finish posting the card of review %s", intent.review_id, exc_info=True)
        else:
            log.info("finished posting the card of review %s after a restart", intent.review_id)


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
