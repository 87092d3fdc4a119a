"""The club read: its sections, where members are in it, the thread invitations it owes, its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the book. `first_page`/`last_page` are percents when the read has no page count."""

    number: int
    first_page: int
    last_page: int
    due_date: date  # due at the end of that day in the server's time zone
    name: str | None = None  # set by /club read edit
    thread_id: int | None = None
    message_id: int | None = None  # the bot's post in the thread
    recreated_at: datetime | None = None  # the thread was deleted by hand and made again

    @property
    def label(self) -> str:
        return self.name or f"Section {self.number}"


@dataclass(frozen=True, slots=True)
class ClubRead:
    read_id: int
    guild_id: int
    book_id: int | None  # None once the book was removed from the catalogue
    title: str
    authors: tuple[str, ...]
    pages: int | None  # the page count the sections split; None: split by percent
    book_pages: int | None  # the book's page count now (a read by percent may learn it later)
    channel_id: int
    start_date: date
    every_days: int
    status: str  # 'starting' | 'active' | 'ended'
    started_by: int
    timezone: str  # the digest's zone, else UTC
    sections: tuple[Section, ...]
    channel_gone: bool = False

    @property
    def by_pages(self) -> bool:
        return self.pages is not None

    @property
    def end(self) -> int:
        """The last page, or 100 (%)."""
        return self.pages if self.pages is not None else 100

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)


@dataclass(frozen=True, slots=True)
class ReadNumbers:
    """One member's view of the read's counts, read in one round trip."""

    readers: int  # members with the book on currently-reading or read
    on_track: int
    shelf: str | None  # the member's shelf for the book, when it is one of those two
    position: int | None  # where the member is, in the read's units; None: no progress
    joined: frozenset[int]  # sections whose thread the member was added to
    refused: tuple[tuple[int, int], ...]  # (section, members Discord refused to add)


@dataclass(frozen=True, slots=True)
class ThreadAdd:
    """A member the bot owes a section thread (a 'pending' row of club_thread_members)."""

    read_id: int
    guild_id: int
    channel_id: int
    number: int
    thread_id: int | None
    user_id: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.read_id, self.number, self.user_id)


@dataclass(frozen=True, slots=True)
class StaleStart:
    """A read left 'starting' by a crash: its row and the threads it made are removed at start-up."""

    read_id: int
    guild_id: int
    thread_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PastRead:
    read_id: int
    title: str
    authors: tuple[str, ...]
    start_date: date
    end_date: date
    readers: int
    finished: int
    ratings_count: int
    ratings_sum_x2: int

    @property
    def average(self) -> float | None:
        """The club's average rating of the book when the read ended (this server's ratings)."""
        return self.ratings_sum_x2 / 2 / self.ratings_count if self.ratings_count else None
