"""Every `DynamicItem` the bot registers at start-up, so buttons keep working after a restart."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui import reviews

PERSISTENT_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    reviews.LikeButton,
    reviews.ReadButton,
    reviews.NavButton,
    reviews.JumpButton,
    reviews.SortSelect,
    reviews.StarsSelect,
    reviews.OpenReviewsButton,
    reviews.WriteReviewButton,
)
