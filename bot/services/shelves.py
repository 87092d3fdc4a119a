"""Shelves and reading progress: moving a book between a member's exclusive shelves."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.db import Database, parse_db_time
from bot.db.database import Steps, db_time
from bot.db.ratings import book_stats_steps, write_rating_steps
from bot.db.shelves import (
    SHELF_STAT,
    delete_entry_steps,
    save_entry_steps,
    shelf_books,
    shelf_head,
    shelved_book_steps,
)
from bot.errors import BookGone, UserFacingError
from bot.models.shelves import SHELVES, ShelfEntry, ShelvedBook
from bot.render import TITLE, plain
from bot.services.paging import page_count
from bot.services.stats import stars_text

SHELF_NAMES = {
    "want-to-read": "Want to read",
    "currently-reading": "Currently reading",
    "read": "Read",
    "did-not-finish": "Did not finish",
}
SHELF_PAGE_SIZE = 10


def check_shelf(shelf: str) -> str:
    if shelf not in SHELVES:
        raise UserFacingError(f"`{shelf}` is not a shelf; choose one of {', '.join(SHELVES)}.")
    return shelf


def move_to_shelf(entry: ShelfEntry | None, shelf: str, now: datetime) -> ShelfEntry:
    """The entry after putting the book on `shelf` (pure; raises when nothing would change).

    Finishing a book counts one more read (so finishing it again is a re-read); starting it again
    begins a fresh reading with no progress.
    """
    stamp = db_time(now)
    if entry is not None and entry.shelf == shelf and shelf != "read":
        raise UserFacingError(f"That book is already on your {SHELF_NAMES[shelf]} shelf.")
    base = entry or ShelfEntry(shelf=shelf, added_at=stamp)
    if shelf == "read":
        return dataclasses.replace(
            base, shelf=shelf, added_at=stamp, finished_at=stamp, times_read=base.times_read + 1
        )
    if shelf == "currently-reading":
        return dataclasses.replace(
            base, shelf=shelf, added_at=stamp, started_at=stamp, page=None, percent=None, progress_at=None
        )
    return dataclasses.replace(base, shelf=shelf, added_at=stamp)


def shelf_deltas(previous: str | None, shelf: str | None) -> Counter[str]:
    deltas: Counter[str] = Counter()
    if previous is not None:
        deltas[SHELF_STAT[previous]] -= 1
    if shelf is not None:
        deltas[SHELF_STAT[shelf]] += 1
    return deltas


@dataclass(frozen=True, slots=True)
class ShelfChange:
    book_id: int
    title: str
    previous: str | None
    shelf: str | None
    times_read: int = 0

    @property
    def message(self) -> str:
        title = plain(self.title, TITLE)
        if self.shelf is None:
            assert self.previous is not None
            return f"Removed *{title}* from your {SHELF_NAMES[self.previous]} shelf."
        text = f"Put *{title}* on your {SHELF_NAMES[self.shelf]} shelf"
        if self.previous is not None and self.previous != self.shelf:
            text += f" (moved from {SHELF_NAMES[self.previous]})"
        if self.shelf == "read" and self.times_read > 1:
            text += f" — read {self.times_read} times"
        return text + "."


def _load(guild_id: int, user_id: int, book_id: int) -> Steps[ShelvedBook]:
    book = yield from shelved_book_steps(guild_id, user_id, book_id)
    if book is None:
        raise BookGone()
    return book


def _shelve_steps(guild_id: int, user_id: int, book_id: int, shelf: str, now: datetime) -> Steps[ShelfChange]:
    book = yield from _load(guild_id, user_id, book_id)
    previous = book.entry.shelf if book.entry else None
    entry = move_to_shelf(book.entry, shelf, now)
    yield from save_entry_steps(guild_id, user_id, book_id, entry)
    yield from book_stats_steps(guild_id, book_id, shelf_deltas(previous, shelf))
    return ShelfChange(book_id, book.title, previous, shelf, entry.times_read)


# Each write below is one transaction run whole in the writer's thread (`Database.write_steps`):
# one round trip, committed before the caller replies.


async def shelve_book(
    db: Database, guild_id: int, user_id: int, book_id: int, shelf: str, now: datetime
) -> ShelfChange:
    """Put the book on one shelf (taking it off any other); the book's shelf counts move with it."""
    check_shelf(shelf)
    return await db.write_steps(_shelve_steps(guild_id, user_id, book_id, shelf, now))


def _unshelve_steps(guild_id: int, user_id: int, book_id: int) -> Steps[ShelfChange]:
    book = yield from _load(guild_id, user_id, book_id)
    if book.entry is None:
        raise UserFacingError(f"*{plain(book.title, TITLE)}* is not on any of your shelves.")
    yield from delete_entry_steps(guild_id, user_id, book_id)
    yield from book_stats_steps(guild_id, book_id, shelf_deltas(book.entry.shelf, None))
    return ShelfChange(book_id, book.title, book.entry.shelf, None)


async def unshelve_book(db: Database, guild_id: int, user_id: int, book_id: int) -> ShelfChange:
    """Take the book off the member's shelves, or say that it is on none."""
    return await db.write_steps(_unshelve_steps(guild_id, user_id, book_id))


@dataclass(frozen=True, slots=True)
class FinishedBook:
    change: ShelfChange
    stars_x2: int | None

    @property
    def message(self) -> str:
        text = f"Marked *{plain(self.change.title, TITLE)}* as read"
        if self.change.times_read > 1:
            text += f" (read {self.change.times_read} times)"
        if self.stars_x2 is not None:
            text += f" and rated it {stars_text(self.stars_x2)}"
        return text + "."


async def finish_book(
    db: Database, guild_id: int, user_id: int, book_id: int, stars_x2: int | None, now: datetime
) -> FinishedBook:
    """Mark a book read and, optionally, rate it — in one transaction."""
    if stars_x2 is not None and not 2 <= stars_x2 <= 10:
        raise UserFacingError("Give 1 to 5 stars in half steps (1, 1.5, 2 … 4.5, 5).")
    return await db.write_steps(_finish_steps(guild_id, user_id, book_id, stars_x2, now))


def _finish_steps(
    guild_id: int, user_id: int, book_id: int, stars_x2: int | None, now: datetime
) -> Steps[FinishedBook]:
    change = yield from _shelve_steps(guild_id, user_id, book_id, "read", now)
    if stars_x2 is not None:
        yield from write_rating_steps(guild_id, user_id, book_id, stars_x2, now)
    return FinishedBook(change, stars_x2)


# -- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    book_id: int
    title: str
    page: int | None
    pages: int | None
    percent: int | None
    started: bool  # the book was moved to currently-reading by this update

    @property
    def finished(self) -> bool:
        """The last page (or 100 %) was reached: time to offer marking the book read."""
        return self.percent == 100 or (self.page is not None and self.page == self.pages)

    @property
    def phrase(self) -> str:
        """`is on page 120 of 222 (54%)`, `is on page 120`, or `is at 54%`."""
        return progress_phrase(self.page, self.pages, self.percent)


def progress_percent(page: int | None, pages: int | None, percent: int | None) -> int | None:
    """How far through the book a reader is, in whole percent (floored, at most 100).

    The page is the truth when the page count is known: progress saved by page while the count
    was unknown has no stored percent, and a count filled in later would leave a stored one stale.
    Otherwise the stored percent, or None when there is none.
    """
    if page is not None and pages:
        return min(100, page * 100 // pages)
    return percent


def progress_phrase(page: int | None, pages: int | None, percent: int | None) -> str:
    """`is on page 120 of 222 (54%)`, `is on page 120`, `is at 54%`, or `has just started`."""
    shown = progress_percent(page, pages, percent)
    if page is not None and pages:
        return f"is on page {page:,} of {pages:,} ({shown}%)"
    if page is not None:
        return f"is on page {page:,}" + (f" ({shown}%)" if shown is not None else "")
    if shown is not None:
        return f"is at {shown}%"
    return "has just started"


def progress_brief(page: int | None, pages: int | None, percent: int | None) -> str:
    """The same place in a few characters: `p. 120/222 · 54%`, `p. 120`, `54%`, or `just started`."""
    shown = progress_percent(page, pages, percent)
    if page is not None and pages:
        return f"p. {page}/{pages} · {shown}%"
    if page is not None:
        return f"p. {page}" + (f" · {shown}%" if shown is not None else "")
    if shown is not None:
        return f"{shown}%"
    return "just started"


def check_progress(page: int | None, percent: int | None) -> None:
    """Exactly one of page/percent, each in range (the page count is checked against the book)."""
    if (page is None) == (percent is None):
        raise UserFacingError("Give either `page` or `percent` (one of them, not both).")
    if page is not None and page <= 0:
        raise UserFacingError(f"Page {page} doesn't exist: pages start at 1.")
    if percent is not None and not 0 <= percent <= 100:
        raise UserFacingError(f"{percent}% is not a percentage: give 0 to 100.")


async def record_progress(
    db: Database,
    guild_id: int,
    user_id: int,
    book_id: int,
    *,
    page: int | None = None,
    percent: int | None = None,
    now: datetime,
) -> Progress:
    """Note where the member is in a book; the book moves to currently-reading if it isn't there."""
    check_progress(page, percent)
    # The whole transaction in one hand-off to the writer's thread (issue #14).
    return await db.write_steps(_progress_steps(guild_id, user_id, book_id, page, percent, now))


def _progress_steps(
    guild_id: int, user_id: int, book_id: int, page: int | None, percent: int | None, now: datetime
) -> Steps[Progress]:
    book = yield from shelved_book_steps(guild_id, user_id, book_id)
    if book is None:
        raise BookGone()
    pages = book.pages or None
    if page is not None and pages is not None and page > pages:
        raise UserFacingError(
            f"*{plain(book.title, TITLE)}* has {pages:,} pages; page {page:,} is beyond its end."
        )
    percent = progress_percent(page, pages, percent)
    previous = book.entry.shelf if book.entry else None
    entry = book.entry
    if previous != "currently-reading":
        entry = move_to_shelf(entry, "currently-reading", now)
        yield from book_stats_steps(guild_id, book_id, shelf_deltas(previous, "currently-reading"))
    assert entry is not None
    entry = dataclasses.replace(entry, page=page, percent=percent, progress_at=db_time(now))
    yield from save_entry_steps(guild_id, user_id, book_id, entry)
    return Progress(book_id, book.title, page, pages, percent, previous != "currently-reading")


@dataclass(frozen=True, slots=True)
class ShelfPage:
    user_id: int
    shelf: str | None
    page: int  # from 1
    pages: int
    total: int
    books: list[ShelvedBook]
    name: str | None = None  # the member's display name as last stored


async def load_shelf_page(
    db: Database,
    guild_id: int,
    user_id: int,
    shelf: str | None,
    page: int,
    *,
    move: Literal["next", "prev"] | None = None,
    anchor: tuple[str, int] | None = None,
) -> ShelfPage:
    """Page `page` (from 1, clamped) of a member's shelf, or of all their shelves.

    Reached by `move` from a page whose edge book (the last one for "next", the first for "prev")
    is `anchor` (its added_at and book_id), the page is read by keyset: the index range next to the
    anchor. Without an anchor (page 1, buttons posted before anchors were carried) it is read by
    offset, as it also is when the keyset page does not fit any more (books were added or removed
    since the buttons were drawn: a short page that is not the last, or the page number clamped).
    """
    if shelf is not None:
        check_shelf(shelf)

    # Two round trips (issue #14): the maintained count and the name, then the page itself.
    total, name = await shelf_head(db, guild_id, user_id, shelf)
    pages = page_count(total, SHELF_PAGE_SIZE)
    target = min(max(page, 1), pages)
    books: list[ShelvedBook] = []
    if move is not None and anchor is not None and target == page > 1:
        direction: Literal["after", "before"] = "after" if move == "next" else "before"
        books = await shelf_books(
            db, guild_id, user_id, shelf, limit=SHELF_PAGE_SIZE, seek=(direction, *anchor)
        )
        if len(books) < SHELF_PAGE_SIZE and target < pages:
            books = []  # the list moved under the buttons: read the page by its number instead
    if not books and total:
        offset = (target - 1) * SHELF_PAGE_SIZE
        books = await shelf_books(db, guild_id, user_id, shelf, offset=offset, limit=SHELF_PAGE_SIZE)
    return ShelfPage(user_id, shelf, target, pages, total, books, name)


def stored_time(stamp: str) -> datetime:
    """A shelf's stored time (a `db_time` stamp, or an imported ISO date) as an aware datetime.

    Raises ValueError for anything else.
    """
    return parse_db_time(stamp)
