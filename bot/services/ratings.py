"""Rating books: one rating per member per book per club, 1 to 5 stars in half steps."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.db.ratings import RatingWrite, write_rating_steps
from bot.errors import BookGone, UserFacingError
from bot.render import TITLE, plain
from bot.services.stats import stars_text, stars_value

# A value within a millionth of a star of a half step is that step: 4.999999999 is 5, as a member
# means it; 4.99999 is refused, naming the value as given.
STARS_TOLERANCE = 1e-6


def parse_stars(stars: float) -> int:
    """Stars as a member gave them (1, 1.5 … 5) → stored doubled (2 … 10); anything else is refused."""
    doubled = stars * 2
    nearest = round(doubled) if math.isfinite(doubled) else 0
    if not 2 <= nearest <= 10 or abs(doubled - nearest) > 2 * STARS_TOLERANCE:
        shown = f"{stars:.15g}" if math.isfinite(stars) else str(stars)
        raise UserFacingError(
            f"{shown} is not a rating: give 1 to 5 stars in half steps (1, 1.5, 2 … 4.5, 5)."
        )
    return nearest


@dataclass(frozen=True, slots=True)
class RatingChange:
    book_id: int
    title: str
    previous_x2: int | None
    stars_x2: int | None

    @property
    def message(self) -> str:
        """What the member is told, e.g. `You rated *Dune* ★★★★½ (4.5).`"""
        title = plain(self.title, TITLE)
        if self.stars_x2 is None:
            assert self.previous_x2 is not None
            return f"Removed your {stars_text(self.previous_x2)} rating of *{title}*."
        given = f"{stars_text(self.stars_x2)} ({stars_value(self.stars_x2)})"
        if self.previous_x2 is None:
            return f"You rated *{title}* {given}."
        if self.previous_x2 == self.stars_x2:
            return f"You had already rated *{title}* {given}."
        return f"You rated *{title}* {given} (was {stars_value(self.previous_x2)})."


def _change(written: RatingWrite | None) -> RatingChange:
    if written is None:
        raise BookGone()
    return RatingChange(written.book_id, written.title, written.previous_x2, written.stars_x2)


async def rate_book(
    db: Database, guild_id: int, user_id: int, book_id: int, stars_x2: int, now: datetime
) -> RatingChange:
    """Set or replace the member's rating; the book's and member's aggregates move with it."""
    if not 2 <= stars_x2 <= 10:
        raise UserFacingError("Give 1 to 5 stars in half steps (1, 1.5, 2 … 4.5, 5).")
    # The whole transaction in one hand-off to the writer's thread (issue #14: /rate's throughput).
    return _change(await db.write_steps(write_rating_steps(guild_id, user_id, book_id, stars_x2, now)))


async def unrate_book(db: Database, guild_id: int, user_id: int, book_id: int, now: datetime) -> RatingChange:
    """Remove the member's rating, or say that there is none."""
    change = _change(await db.write_steps(write_rating_steps(guild_id, user_id, book_id, None, now)))
    if change.previous_x2 is None:
        raise UserFacingError(
            f"You haven't rated *{plain(change.title, TITLE)}*, so there is nothing to remove."
        )
    return change
