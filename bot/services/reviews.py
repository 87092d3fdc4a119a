"""Reviews: writing, editing, deleting, liking, and paging through a book's reviews.

Paging is keyset: the buttons of a page carry the id of its first and last review, and the next
page is the index range after that review, so page 1,000 costs what page 1 costs. "Last" reads
the index backwards. "Jump to page k" is the one OFFSET, over an index-only scan of review ids
(no table rows are touched until the five ids of the page are known).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from bot.db import Database
from bot.db import review_writes as writes
from bot.db import reviews as store
from bot.db.books import get_book
from bot.db.ratings import write_rating_in
from bot.db.reviews import PageRequest, Sort
from bot.errors import UserFacingError
from bot.models.books import Book
from bot.models.reviews import Review, ReviewCard, ReviewDraft, ReviewLine
from bot.models.stats import plural
from bot.services import review_text
from bot.services.stats import stars_text

PER_PAGE = 5
MAX_SEARCH = 100

SORTS: dict[str, Sort] = {"n": "newest", "o": "oldest", "h": "highest", "l": "lowest", "m": "liked"}
SORT_CODES: dict[Sort, str] = {sort: code for code, sort in SORTS.items()}
SORT_LABELS: dict[Sort, str] = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "highest": "Highest rated",
    "lowest": "Lowest rated",
    "liked": "Most liked",
}

_SPOILER = re.compile(r"\|\|(.+?)\|\|", re.DOTALL)


# -- input ---------------------------------------------------------------------------------
def fts_match(text: str) -> str:
    """A safe FTS5 query from what a member typed: every word quoted, operators never passed on.

    `"`, `*`, `(`, `)`, `NEAR`, `AND`, `OR`, `NOT`, `^` and `:` all lose their meaning: only runs of
    letters and digits survive, each quoted as a literal term (the last one also as a prefix).
    """
    words = re.findall(r"\w+", text.casefold())
    if not words:
        raise UserFacingError("Search for at least one word (letters or digits).")
    terms = [f'"{word}"' for word in words[:12]]
    terms[-1] += "*"
    return " ".join(terms)


def check_search(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_SEARCH:
        raise UserFacingError(f"Keep a review search under {MAX_SEARCH} characters.")
    fts_match(cleaned)  # raises when nothing searchable is left
    return cleaned


# -- writing -------------------------------------------------------------------------------
async def save_review(
    db: Database,
    *,
    guild_id: int,
    book_id: int,
    user_id: int,
    stars_x2: int,
    text: str,
    spoiler: bool,
    now: datetime,
) -> tuple[Review, bool]:
    """Write or (when one exists) edit the member's review; the stars set their rating.

    Returns the stored review and whether it was new.
    """
    body = review_text.clean_body(text)
    async with db.transaction() as conn:
        existing = await store.get_review_in(conn, guild_id, book_id, user_id)
        if existing is None:
            review_id = await writes.insert_review_in(
                conn,
                guild_id=guild_id,
                book_id=book_id,
                user_id=user_id,
                stars_x2=stars_x2,
                body=body,
                spoiler=spoiler,
                created_at=now,
            )
        else:
            review_id = existing.review_id
            if (existing.body, existing.stars_x2, existing.spoiler) != (body, stars_x2, spoiler):
                await writes.update_review_in(
                    conn, existing, stars_x2=stars_x2, body=body, spoiler=spoiler, now=now
                )
        await write_rating_in(conn, guild_id, user_id, book_id, stars_x2, now)
    review = await store.get_review_by_id(db, guild_id, review_id)
    assert review is not None
    return review, existing is None


async def require_review(db: Database, guild_id: int, book_id: int, user_id: int, *, own: bool) -> Review:
    review = await store.get_review(db, guild_id, book_id, user_id)
    if review is None:
        raise UserFacingError(
            "You have not reviewed this book; write one with /review write."
            if own
            else "That member has not reviewed this book."
        )
    return review


async def delete_review(db: Database, review: Review) -> None:
    async with db.transaction() as conn:
        deleted = await writes.delete_review_in(conn, review)
    if not deleted:
        raise UserFacingError(ALREADY_DELETED)


async def delete_own(db: Database, guild_id: int, review_id: int, user_id: int) -> ReviewCard:
    """Delete the member's review a button names; returns it as its card showed it (book, place)."""
    card = await store.get_review_card(db, guild_id, review_id)
    if card is None or card.line.review.user_id != user_id:
        raise UserFacingError(ALREADY_DELETED)
    await delete_review(db, card.line.review)
    return card


ALREADY_DELETED = "That review was already deleted."
REVIEW_GONE = "That review is gone; it may have been deleted."
BOOK_MISSING = "That book is no longer in the catalogue."


async def require_review_by_id(db: Database, guild_id: int, review_id: int) -> Review:
    """The review a button names, in this server only (a review id from elsewhere is 'gone')."""
    review = await store.get_review_by_id(db, guild_id, review_id)
    if review is None:
        raise UserFacingError(REVIEW_GONE)
    return review


async def like(db: Database, guild_id: int, review_id: int, user_id: int) -> tuple[Review, bool]:
    """Toggle the member's like; returns the review (with its new count) and whether it is liked."""
    review = await require_review_by_id(db, guild_id, review_id)
    if review.user_id == user_id:
        raise UserFacingError("You can't like your own review.")
    result = await writes.toggle_like(db, review_id, user_id)
    if result is None:
        raise UserFacingError(REVIEW_GONE)
    liked, likes = result
    return replace(review, likes=likes), liked


# -- what a control shows ------------------------------------------------------------------
async def require_book(db: Database, book_id: int) -> Book:
    book = await get_book(db, book_id)
    if book is None:
        raise UserFacingError(BOOK_MISSING)
    return book


async def draft(db: Database, guild_id: int, book_id: int, user_id: int) -> ReviewDraft:
    """What the write form starts from: the member's review of the book and their rating."""
    return await store.get_draft(db, guild_id, book_id, user_id)


async def require_line(db: Database, guild_id: int, review_id: int) -> ReviewLine:
    """A review a button names, with its reviewer (in this server only)."""
    line = await store.get_review_line(db, guild_id, review_id)
    if line is None:
        raise UserFacingError(REVIEW_GONE)
    return line


async def load_card(db: Database, guild_id: int, review_id: int) -> ReviewCard | None:
    """A review's card: the review with its reviewer and book, and where the server posts cards."""
    return await store.get_review_card(db, guild_id, review_id)


async def set_reviews_channel(db: Database, guild_id: int, channel_id: int | None) -> None:
    await store.set_reviews_channel(db, guild_id, channel_id)


async def search_id(db: Database, typed: str | None) -> int:
    """The id a list's custom ids carry for what a member searched; 0 for no search."""
    text = check_search(typed)
    return await store.search_id_for(db, text) if text else 0


# -- display text --------------------------------------------------------------------------
def reviewer_line(reviews_count: int, followers_count: int) -> str:
    """`169 reviews · 9 followers` / `1 review · 1 follower`."""
    return f"{plural(reviews_count, 'review')} · {plural(followers_count, 'follower')}"


def stars_line(stars_x2: int | None) -> str:
    return stars_text(stars_x2) if stars_x2 else "unrated"


def without_spoilers(text: str) -> str:
    """`text` with every inline `||spoiler||` replaced by `(spoiler)`, for places that cannot hide one."""
    return _SPOILER.sub("(spoiler)", text)


def trim_text(text: str, limit: int) -> tuple[str, bool]:
    """Cut `text` to at most `limit` characters at a word boundary; True when cut.

    An inline `||spoiler||` is never cut open: a cut that falls inside one either drops the
    whole spoiler (when enough text comes before it) or closes it again after the ellipsis.
    """
    if len(text) <= limit:
        return text, False
    budget = limit - 3  # room for "…||"
    cut = text.rfind(" ", 0, budget + 1)
    if cut < budget // 2:
        cut = budget
    for span in _SPOILER.finditer(text):
        if span.start() < cut < span.end():
            if span.start() >= budget // 2:
                return text[: span.start()].rstrip() + " …", True
            return text[:cut].rstrip() + "…||", True
        if span.start() >= cut:
            break
    head = text[:cut].rstrip()
    if head.count("||") % 2:  # an unmatched marker left open would hide what follows
        head = head.replace("||", "")
    return head + "…", True


def split_text(text: str, size: int) -> list[str]:
    """Split a long text into pieces of at most `size` characters for several messages.

    A piece that ends inside a `||spoiler||` closes it and the next piece opens it again, so no
    piece ever shows spoiler text bare.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        budget = size - 2
        cut = rest.rfind(" ", 0, budget + 1)
        if cut < budget // 2:
            cut = budget
        head, rest = rest[:cut], rest[cut:].lstrip(" ")
        if head.count("||") % 2:
            head += "||"
            rest = "||" + rest
        pieces.append(head)
    pieces.append(rest)
    return pieces


def spoiler_wrap(text: str) -> str:
    """A whole-review spoiler: inner markers removed (nested `||` would open it), then wrapped."""
    return "||" + text.replace("||", "") + "||"


# -- reading -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ListState:
    """Everything a list's buttons carry in their custom ids."""

    book_id: int
    sort: Sort = "newest"
    star_row: int = 0  # 0 = all stars
    search_id: int = 0  # 0 = no search

    @property
    def sort_code(self) -> str:
        return SORT_CODES[self.sort]


Move = Literal["first", "prev", "next", "last", "page"]


@dataclass(frozen=True, slots=True)
class ReviewPage:
    book: Book
    state: ListState
    page: int
    pages: int
    total: int
    lines: tuple[ReviewLine, ...]
    search: str | None
    viewer_has_read: bool

    @property
    def header(self) -> str:
        """`Displaying 1 - 5 of 83 reviews`."""
        if not self.total or not self.lines:
            return "No reviews match." if self.search or self.state.star_row else "No reviews yet."
        start = (self.page - 1) * PER_PAGE + 1
        end = start + len(self.lines) - 1
        return f"Displaying {start} - {end} of {plural(self.total, 'review')}"

    @property
    def filters(self) -> str | None:
        parts = []
        if self.state.star_row:
            parts.append(plural(self.state.star_row, "star"))
        if self.search:
            parts.append(f"matching “{self.search}”")
        return " · ".join(parts) or None


def page_count(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


async def load_page(
    db: Database,
    guild_id: int,
    state: ListState,
    *,
    page: int,
    move: Move,
    anchor: int = 0,
    viewer_id: int,
    book: Book | None = None,
    search: str | None = None,
) -> ReviewPage:
    """Page `page` of a book's reviews, reached by `move` from a page whose edge review is `anchor`.

    Two round trips (issue #14): the head (the book unless `book` is given — the command passes the
    one its option resolved —, the spoiler gate, the count, the search text, the anchor's key), then
    the page's ids and rows in one statement. A text search counts its matches in the head when
    `search` (the text stored under `state.search_id`) is given — the command has it —, otherwise
    (buttons, which carry only the id) in a third; a page whose anchor was deleted, or a jump,
    reads by offset in another.
    """
    star_row = state.star_row or None
    keyset = move in ("next", "prev") and bool(anchor)
    known = fts_match(search) if search and state.search_id else None
    head = await store.list_head(
        db,
        guild_id,
        viewer_id,
        state.book_id,
        sort=state.sort,
        star_row=star_row,
        search_id=state.search_id,
        anchor=anchor if keyset else 0,
        with_book=book is None,
        match=known,
    )
    if head is None:
        raise UserFacingError(BOOK_MISSING)
    book = book or head.book
    assert book is not None
    if state.search_id and head.search is None:
        raise UserFacingError("That search is no longer available; run /reviews again.")
    search = head.search if state.search_id else None
    match = fts_match(search) if search else None
    if match is None or match == known:
        total = head.total or 0  # a maintained counter, or the matches counted in the head
    else:
        total = await store.count_reviews(db, guild_id, state.book_id, star_row, match)
    pages = page_count(total)
    page = min(max(page, 1), pages)

    def request(
        mode: Literal["offset", "after", "before", "last"], *, offset: int = 0, anchor: int = 0
    ) -> PageRequest:
        return PageRequest(
            guild_id, state.book_id, state.sort, star_row, match, mode, PER_PAGE, offset=offset, anchor=anchor
        )

    lines: list[ReviewLine] = []
    if keyset and head.anchor_key is not None:
        mode: Literal["after", "before"] = "after" if move == "next" else "before"
        lines = await store.page_lines(db, replace(request(mode, anchor=anchor), anchor_key=head.anchor_key))
    elif move == "last" or (page == pages and not keyset):
        remainder = total - (pages - 1) * PER_PAGE
        lines = await store.page_lines(db, replace(request("last"), limit=remainder))
    if not lines and total:
        # The anchor was deleted, or a jump: an OFFSET over the index only.
        lines = await store.page_lines(db, request("offset", offset=(page - 1) * PER_PAGE))
    return ReviewPage(book, state, page, pages, total, tuple(lines), search, head.has_read)


def check_jump(value: str, pages: int) -> int:
    """The page number typed in the jump modal, or a UserFacingError."""
    try:
        page = int(value.strip())
    except ValueError:
        raise UserFacingError(f"Type a page number from 1 to {pages}.") from None
    if not 1 <= page <= pages:
        raise UserFacingError(
            f"There {'is' if pages == 1 else 'are'} {plural(pages, 'page')}; type 1 to {pages}."
        )
    return page
