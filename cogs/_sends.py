"""Sending a claimed club message exactly once (not an extension): vote results and meeting reminders.

The record is `bot.services.sends`; this adds what needs Discord: the channel, the permission check,
the POST with the claimed nonce, and one lock per send so two triggers in this process never race.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.services import sends
from bot.ui.base import cannot_post

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

# What to send, built only when the send is due: keyword arguments for `channel.send`, or None when
# there is nothing to send any more (the meeting was cancelled meanwhile).
Build = Callable[[], Awaitable[dict[str, Any] | None]]


class Sender:
    def __init__(self, bot: BookClubBot) -> None:
        self.bot = bot
        self._locks: dict[str, asyncio.Lock] = {}

    async def deliver(self, key: str, build: Build, *, grace: timedelta | None) -> int | None:
        """Send the claimed message `key` if it is due and not sent yet; its message id, or None."""
        async with self._locks.setdefault(key, asyncio.Lock()):
            return await self._deliver(key, build, grace)

    async def _deliver(self, key: str, build: Build, grace: timedelta | None) -> int | None:
        db = self.bot.db
        now = self.bot.clock()
        send = await sends.ready(db, key, now, grace=grace)
        if send is None:
            return None
        channel = self.bot.get_channel(send.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            await sends.settle(db, send, "failed", f"The channel <#{send.channel_id}> no longer exists.", now)
            return None
        problem = cannot_post(channel)
        if problem is not None:
            await sends.settle(db, send, "failed", problem, now)
            return None
        payload = await build()
        if payload is None:
            await sends.settle(db, send, "skipped", "Nothing to send any more.", now)
            return None
        if not await sends.attempting(db, send, now, holder=self.bot.ownership.label):
            return None
        try:
            message = await channel.send(
                **payload, nonce=send.nonce, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as error:
            reason = f"Discord answered {error.status} ({error.text or 'no detail'})"
            await sends.settle(db, send, "failed", reason, self.bot.clock())
            return None
        await sends.sent(db, send, message.id, self.bot.clock())
        return message.id
