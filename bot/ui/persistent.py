"""Every `DynamicItem` the bot registers at start-up, so buttons keep working after a restart."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui import reviews
from bot.ui.book_page import FullDescriptionButton
from bot.ui.books import BookPickSelect
from bot.ui.club import CaughtUpButton, ClubShelfSelect, SectionSelect
from bot.ui.club_history import HistoryPageButton
from bot.ui.picks import ClearBallotButton, PickPageButton, RankSelect, StartReadButton, VoteButton
from bot.ui.ratings import StarButton
from bot.ui.shelves import FinishButton, ShelfPageButton, ShelfSelect

PERSISTENT_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    FullDescriptionButton,
    BookPickSelect,
    StarButton,
    ShelfSelect,
    ShelfPageButton,
    FinishButton,
    reviews.LikeButton,
    reviews.ReadButton,
    reviews.NavButton,
    reviews.JumpButton,
    reviews.SortSelect,
    reviews.StarsSelect,
    reviews.OpenReviewsButton,
    reviews.WriteReviewButton,
    reviews.ConfirmButton,
    CaughtUpButton,
    SectionSelect,
    ClubShelfSelect,
    HistoryPageButton,
    VoteButton,
    RankSelect,
    ClearBallotButton,
    StartReadButton,
    PickPageButton,
)
