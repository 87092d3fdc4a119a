"""Profiles, follows and yearly reading goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.db.database import db_time
from bot.db.profiles import (
    add_follow_in,
    member_summary,
    reading_now,
    remove_follow_in,
    set_goal,
)
from bot.errors import UserFacingError
from bot.models.profiles import MemberSummary, ReadingNow
from bot.models.shelves import SHELVES
from bot.render import NAME, plain

MAX_GOAL = 1000


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: int
    name: str
    year: int
    summary: MemberSummary
    shelves: dict[str, int]  # every shelf, 0 when empty
    read_this_year: int
    reading: list[ReadingNow]

    @property
    def average(self) -> float | None:
        if not self.summary.ratings_count:
            return None
        return self.summary.ratings_sum_x2 / 2 / self.summary.ratings_count


async def load_profile(
    db: Database, guild_id: int, user_id: int, *, name: str | None, now: datetime
) -> Profile:
    """A member's profile in this club: two round trips of index reads whatever their library's
    size (the shelf counts are maintained ones, not a count of the member's shelves)."""
    year = now.year
    summary = await member_summary(db, guild_id, user_id, year)
    reading = await reading_now(db, guild_id, user_id)
    shown = name or summary.display_name or f"Member {user_id}"
    return Profile(
        user_id=user_id,
        name=shown,
        year=year,
        summary=summary,
        shelves={shelf: summary.shelves.get(shelf, 0) for shelf in SHELVES},
        read_this_year=summary.read_this_year,
        reading=reading,
    )


async def follow(
    db: Database,
    guild_id: int,
    follower_id: int,
    followee_id: int,
    *,
    followee_name: str,
    followee_is_bot: bool,
    now: datetime,
) -> None:
    if followee_id == follower_id:
        raise UserFacingError("You can't follow yourself; pick another member.")
    if followee_is_bot:
        raise UserFacingError(
            f"{plain(followee_name, NAME)} is a bot; bots don't read, so there is nothing to follow."
        )
    async with db.transaction() as conn:
        added = await add_follow_in(conn, guild_id, follower_id, followee_id, db_time(now))
    if not added:
        raise UserFacingError(f"You already follow {plain(followee_name, NAME)}.")


async def unfollow(
    db: Database, guild_id: int, follower_id: int, followee_id: int, *, followee_name: str
) -> None:
    async with db.transaction() as conn:
        removed = await remove_follow_in(conn, guild_id, follower_id, followee_id)
    if not removed:
        raise UserFacingError(f"You don't follow {plain(followee_name, NAME)}, so there is nothing to undo.")


async def set_reading_goal(db: Database, guild_id: int, user_id: int, books: int, now: datetime) -> int:
    """Set (or replace) the member's goal for the current year; returns the year."""
    if not 1 <= books <= MAX_GOAL:
        raise UserFacingError(f"A yearly goal is 1 to {MAX_GOAL:,} books; {books:,} is not.")
    await set_goal(db, guild_id, user_id, now.year, books)
    return now.year
