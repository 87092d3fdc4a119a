"""The weekly digest: its schedule, its post records and the rows its content is built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    guild_id: int
    channel_id: int
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str
    since: datetime
    last_error: str | None = None
    last_error_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScheduleTime:
    """A club's digest time and what start-up needs to know of its posts: one light row per club."""

    guild_id: int
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str
    last_period: str | None = None  # the latest week with a post record, whatever its outcome
    claimed: bool = False  # a week claimed and never finished (a run stopped while posting it)


@dataclass(frozen=True, slots=True)
class PostRecord:
    guild_id: int
    period: str
    slot_at: datetime
    status: str
    channel_id: int | None
    message_id: int | None
    messages: int
    error: str | None


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One message of a week's post: planned with its nonce before it is sent, its id recorded after."""

    guild_id: int
    period: str
    part: int  # 0 is the first message
    channel_id: int
    nonce: str
    blocks: tuple[str, ...]
    first_attempt_at: datetime | None  # None: never sent
    message_id: int | None  # None: not known to have been posted


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A claimed week whose post is not finished: being sent, or interrupted."""

    slot_at: datetime
    planned: int  # 0 until its messages are planned
    sent: int


@dataclass(frozen=True, slots=True)
class ReadingEntry:
    user_id: int
    member: str | None
    title: str
    authors: str
    page: int | None
    pages: int | None
    percent: int | None
    since: datetime | None


@dataclass(frozen=True, slots=True)
class FinishedEntry:
    user_id: int
    member: str | None
    title: str
    authors: str
    stars_x2: int | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    review_id: int
    user_id: int
    member: str | None
    title: str
    stars_x2: int | None
    likes: int
    spoiler: bool
    excerpt: str
    channel_id: int | None
    message_id: int | None
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class WantedEntry:
    book_id: int
    title: str
    authors: str
    count: int
