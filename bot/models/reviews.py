"""Reviews as stored, as lists and cards show them, as the write form starts, and their edit history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.models.books import Book

MAX_REVIEW = 4000  # characters of a review's text: the write form's limit, where an import cuts


@dataclass(frozen=True, slots=True)
class Review:
    review_id: int
    guild_id: int
    book_id: int
    user_id: int
    stars_x2: int | None
    body: str
    spoiler: bool
    created_at: datetime
    updated_at: datetime | None
    likes: int
    channel_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """A review as a list shows it: with the reviewer's name and counters."""

    review: Review
    display_name: str | None
    reviews_count: int
    followers_count: int


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """Everything a review's card needs, read in one query."""

    line: ReviewLine
    book: Book
    reviews_channel_id: int | None  # where the server posts cards; None: where the review is written


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    """What the write form is pre-filled with: the member's review and rating of a book, if any."""

    existing: Review | None
    rating: int | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    edited_at: datetime
    stars_x2: int | None
    body: str
    spoiler: bool


@dataclass(frozen=True, slots=True)
class CardIntent:
    """A review card being posted: recorded before it is sent, gone once it and its thread are recorded."""

    review_id: int
    guild_id: int
    channel_id: int
    nonce: str  # sent with the card: Discord returns the earlier message for a repeated nonce
    message_id: int | None  # set once sent; then only the thread is left to settle
    created_at: datetime
