"""The club read: splitting a book into sections, due dates in the server's zone, who is on track,
each member's pace, and the read's life from start to history.

Thread memberships (who is owed which section thread) are in `club_gate.py`; the schedule form in
`club_edit.py`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.db import Database, db_time
from bot.db import club as store
from bot.errors import UserFacingError
from bot.models.books import Book
from bot.models.club import ClubRead, PastRead, ReadNumbers, Section, StaleStart
from bot.models.shards import ALL, Shards
from bot.services.paging import offset_page

MIN_SECTIONS, MAX_SECTIONS, DEFAULT_SECTIONS = 2, 20, 4
MIN_EVERY, MAX_EVERY, DEFAULT_EVERY = 1, 60, 7
HISTORY_PAGE_SIZE = 5
FINISHED_NAMES_SHOWN = 20

NO_READ = "There is no club read right now. An organiser can start one with `/club read start`."
BOOK_REMOVED = (
    "*{title}* is no longer in the catalogue, so progress on it can't be recorded. "
    "An organiser can end this read with `/club read end`."
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- time ----------------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The server's zone; UTC when the stored name cannot be loaded here."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(timezone: str, now: datetime) -> date:
    return now.astimezone(zone(timezone)).date()


def due_at(read: ClubRead, due_date: date) -> datetime:
    """A section is due at the end of its day in the server's zone (the last second, then it is late)."""
    return datetime.combine(due_date, time(23, 59, 59), tzinfo=zone(read.timezone)).astimezone(UTC)


# -- input ---------------------------------------------------------------------------------


def check_sections(sections: int, pages: int | None, title: str) -> None:
    if not MIN_SECTIONS <= sections <= MAX_SECTIONS:
        raise UserFacingError(
            f"Split the book into {MIN_SECTIONS} to {MAX_SECTIONS} sections, not {sections}."
        )
    if pages is not None and sections > pages:
        raise UserFacingError(f"*{title}* has {pages:,} pages: it can't be split into {sections} sections.")


def check_every(every: int) -> None:
    if not MIN_EVERY <= every <= MAX_EVERY:
        raise UserFacingError(
            f"`every` is the number of days between two due dates: give {MIN_EVERY} to {MAX_EVERY}, not {every}."
        )


def parse_date(text: str) -> date | None:
    """A `YYYY-MM-DD` date, or None when `text` is not one."""
    cleaned = text.strip()
    if not _DATE.fullmatch(cleaned):
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        return None


def within_a_year(day: date, today: date) -> bool:
    return abs((day - today).days) <= 366


def parse_start(text: str | None, today: date) -> date:
    """The read's first day: `YYYY-MM-DD` within a year of today; today when left out."""
    if text is None or not text.strip():
        return today
    day = parse_date(text)
    if day is None:
        raise UserFacingError(
            f"`{text[:20]}` is not a date: use YYYY-MM-DD, for example `{today.isoformat()}`."
        )
    if not within_a_year(day, today):
        raise UserFacingError(
            f"{day.isoformat()} is more than a year away: start the read within a year of today."
        )
    return day


# -- the plan ------------------------------------------------------------------------------


def split(pages: int | None, count: int) -> list[tuple[int, int]]:
    """`count` contiguous (first, last) parts: pages 1…N, or percents 0…100 sharing their bounds."""
    if pages is None:
        bounds = [round(k * 100 / count) for k in range(count + 1)]
        return [(bounds[k], bounds[k + 1]) for k in range(count)]
    lasts = [-(-k * pages // count) for k in range(1, count + 1)]  # ceil: the first part is the longest
    return [(1 if k == 0 else lasts[k - 1] + 1, last) for k, last in enumerate(lasts)]


def plan_read(
    *,
    guild_id: int,
    book: Book,
    channel_id: int,
    started_by: int,
    sections: int,
    every: int,
    start: date,
    timezone: str,
) -> ClubRead:
    """The read as it will be stored (read_id 0 until claimed); validates the numbers first."""
    pages = book.pages or None
    check_sections(sections, pages, book.title)
    check_every(every)
    parts = [
        Section(number=k, first_page=first, last_page=last, due_date=start + timedelta(days=every * k))
        for k, (first, last) in enumerate(split(pages, sections), start=1)
    ]
    return ClubRead(
        read_id=0,
        guild_id=guild_id,
        book_id=book.book_id,
        title=book.title,
        authors=book.authors,
        pages=pages,
        book_pages=book.pages,
        channel_id=channel_id,
        start_date=start,
        every_days=every,
        status="starting",
        started_by=started_by,
        timezone=timezone,
        sections=tuple(parts),
    )


async def server_today(db: Database, guild_id: int, now: datetime) -> tuple[str, date]:
    """(the server's zone, today there)."""
    timezone = await store.timezone_of(db, guild_id)
    return timezone, today_in(timezone, now)


# -- where members are ---------------------------------------------------------------------


def latest_due(read: ClubRead, now: datetime) -> Section | None:
    """The last section whose due time has passed."""
    passed = [s for s in read.sections if due_at(read, s.due_date) < now]
    return passed[-1] if passed else None


def on_track_threshold(read: ClubRead, now: datetime) -> int:
    """On track = at or past the last page of the latest section already due (0 before any is)."""
    due = latest_due(read, now)
    return 0 if due is None else due.last_page


def reached(read: ClubRead, position: int | None) -> list[int]:
    """The sections whose first page a member at `position` has reached (every one at the end)."""
    if position is None:
        return []
    return [s.number for s in read.sections if position >= s.first_page]


@dataclass(frozen=True, slots=True)
class Pace:
    kind: Literal["finished", "ahead", "daily", "late"]
    position: int | None
    per_day: int = 0
    target: int = 0
    by: datetime | None = None


def pace(read: ClubRead, position: int | None, now: datetime) -> Pace:
    """How much a day reaches the end of the next section due, from where the member is."""
    if position is not None and position >= read.end:
        return Pace("finished", position)
    upcoming = [s for s in read.sections if due_at(read, s.due_date) >= now]
    if not upcoming:
        return Pace("late", position, target=read.end, by=due_at(read, read.sections[-1].due_date))
    target = upcoming[0]
    at = position or 0
    if at >= target.last_page:
        return Pace("ahead", position)
    days = (target.due_date - today_in(read.timezone, now)).days + 1  # today and the due day both count
    per_day = math.ceil((target.last_page - at) / max(1, days))
    return Pace("daily", position, per_day, target.last_page, due_at(read, target.due_date))


# -- status --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClubStatus:
    read: ClubRead
    numbers: ReadNumbers
    pace: Pace
    due: dict[int, datetime]  # section → its due instant

    @property
    def finished(self) -> bool:
        return self.pace.kind == "finished"


async def require_read(db: Database, guild_id: int) -> ClubRead:
    read = await store.current_read(db, guild_id)
    if read is None:
        raise UserFacingError(NO_READ)
    return read


async def load_status(db: Database, guild_id: int, user_id: int, now: datetime) -> ClubStatus:
    """The schedule, the counts and the member's place: two round trips whatever the club's size."""
    read = await require_read(db, guild_id)
    numbers = await store.read_numbers(db, read, user_id, on_track_threshold(read, now))
    due = {s.number: due_at(read, s.due_date) for s in read.sections}
    return ClubStatus(read, numbers, pace(read, numbers.position, now), due)


# -- starting ------------------------------------------------------------------------------


async def claim(db: Database, plan: ClubRead, now: datetime) -> ClubRead:
    """Take the server's one read slot before any thread is made; a clear refusal when it is taken."""
    async with db.transaction() as conn:
        read_id = await store.claim_read_in(conn, plan, db_time(now))
    if read_id is None:
        held = await store.claimed_title(db, plan.guild_id)
        if held is not None and held[1] == "active":
            raise UserFacingError(
                f"The club is already reading *{held[0]}*. End it with `/club read end` before starting another."
            )
        raise UserFacingError(
            "Another organiser is starting a club read right now; try `/club read status` in a moment."
        )
    return replace(plan, read_id=read_id)


async def record_thread(
    db: Database, read_id: int, number: int, thread_id: int, message_id: int | None
) -> None:
    await store.set_section_thread(db, read_id, number, thread_id, message_id)


async def activate(db: Database, read_id: int) -> None:
    await store.activate_read(db, read_id)


async def abandon(db: Database, read_id: int) -> None:
    """Forget a read whose threads could not all be made (the caller removed those it made)."""
    await store.drop_read(db, read_id)


async def stale_starts(db: Database, shards: Shards = ALL) -> list[StaleStart]:
    return [
        StaleStart(read_id, guild_id, threads)
        for read_id, guild_id, threads in await store.starting_reads(db, shards)
    ]


# -- ending and history --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndedRead:
    read: ClubRead
    past: PastRead
    finished_names: list[str]


async def end_read(db: Database, guild_id: int, now: datetime) -> EndedRead:
    """Close the read: readers, who finished and the club's average go into the history."""
    read = await require_read(db, guild_id)
    past = await store.end_read(db, read, today_in(read.timezone, now), db_time(now))
    if past is None:  # another organiser ended it a moment ago
        raise UserFacingError(NO_READ)
    names = await store.finished_names(db, read.read_id, limit=FINISHED_NAMES_SHOWN)
    return EndedRead(read, past, names)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    page: int  # from 1
    pages: int
    total: int
    reads: list[PastRead]


async def history_page(db: Database, guild_id: int, page: int) -> HistoryPage:
    """Page `page` (from 1, clamped) of the server's past reads, newest first."""

    async def fetch(offset: int, limit: int) -> tuple[list[PastRead], int]:
        return await store.past_reads(db, guild_id, offset=offset, limit=limit)

    found = await offset_page(fetch, page, HISTORY_PAGE_SIZE)
    return HistoryPage(found.page, found.pages, found.total, found.items)


# -- the digest's block --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClubDigest:
    """The weekly digest's club block: the section due in the coming week and who is on track."""

    read: ClubRead
    section: Section | None  # the next section due, when that is within a week of the post
    due: datetime | None
    readers: int
    on_track: int


async def digest_block(db: Database, guild_id: int, now: datetime) -> ClubDigest | None:
    """The club block for a digest posted at `now`, or None without a club read."""
    read = await store.current_read(db, guild_id)
    if read is None:
        return None
    numbers = await store.read_numbers(db, read, 0, on_track_threshold(read, now))
    today = today_in(read.timezone, now)
    upcoming = next((s for s in read.sections if due_at(read, s.due_date) >= now), None)
    section = upcoming if upcoming is not None and (upcoming.due_date - today).days <= 7 else None
    due = None if section is None else due_at(read, section.due_date)
    return ClubDigest(read, section, due, numbers.readers, numbers.on_track)
