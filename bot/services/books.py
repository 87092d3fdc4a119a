"""Resolving what a member typed into one catalogue book, locally first and at the providers second.

Accepted: an autocomplete/select value (`book:<id>`, `ol:OL…W`, `isbn:…`, `gb:…`), an ISBN-10/13
(hyphens allowed, checksum checked), an Open Library work/edition id or openlibrary.org URL,
"title by author", free text. Several remote matches become choices for a select menu.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from bot.books.identifiers import looks_like_isbn, parse_isbn, parse_openlibrary_id
from bot.books.provider import BookRef, ProviderError, SearchQuery
from bot.books.service import BookService
from bot.db import Database
from bot.db.books import autocomplete_books, find_book, get_book, search_books
from bot.errors import BookGone, UserFacingError
from bot.models.books import Book, BookData

log = logging.getLogger(__name__)

MAX_QUERY = 200
MAX_RESULTS = 10
LIVE_UNAVAILABLE = "Live book data is unavailable right now; showing what the catalogue has."
_CHOICE = re.compile(r"^book:(\d+)$")


def choice_value(book: Book) -> str:
    """The autocomplete value that names a catalogue book unambiguously."""
    return f"book:{book.book_id}"


def check_query(text: str) -> str:
    """The trimmed query, or a UserFacingError for an empty or over-long one."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserFacingError("Type a title, an author, an ISBN or an Open Library id.")
    if len(cleaned) > MAX_QUERY:
        raise UserFacingError(f"That is {len(cleaned)} characters; keep a book query under {MAX_QUERY}.")
    return cleaned


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What a member typed, classified: exactly one of `book_id`, `ref`, `search` is set."""

    text: str
    book_id: int | None = None
    ref: BookRef | None = None
    search: SearchQuery | None = None


def parse_book_query(text: str) -> ParsedQuery:
    """Classify `text`; a UserFacingError for an empty or over-long query or an ISBN with a bad check digit."""
    cleaned = check_query(text)
    choice = _CHOICE.match(cleaned)
    if choice:
        return ParsedQuery(cleaned, book_id=int(choice.group(1)))
    token = BookRef.from_token(cleaned)
    if token is not None:
        return ParsedQuery(cleaned, ref=token)
    if looks_like_isbn(cleaned):
        isbn = parse_isbn(cleaned)
        if isbn is None:
            raise UserFacingError(
                f"`{cleaned}` is not a valid ISBN (its check digit is wrong); check for a typo."
            )
        return ParsedQuery(cleaned, ref=BookRef("isbn", isbn.isbn13))
    ol_id = parse_openlibrary_id(cleaned)
    if ol_id is not None:
        return ParsedQuery(cleaned, ref=BookRef(ol_id.kind, ol_id.id))
    return ParsedQuery(cleaned, search=SearchQuery.parse(cleaned))


async def find_by_ref(db: Database, ref: BookRef) -> Book | None:
    if ref.kind == "work":
        return await find_book(db, ol_work_id=ref.value)
    if ref.kind == "edition":
        return await find_book(db, ol_edition_id=ref.value)
    if ref.kind == "google":
        return await find_book(db, google_id=ref.value)
    isbn = parse_isbn(ref.value)
    return None if isbn is None else await find_book(db, isbn13=isbn.isbn13, isbn10=isbn.isbn10)


def _exact(books: list[Book], query: SearchQuery) -> Book | None:
    title = query.text.casefold()
    author = (query.author or "").casefold()
    for book in books:
        if book.title.casefold() == title and (
            not author or any(author in name.casefold() for name in book.authors)
        ):
            return book
    return None


async def _local_matches(db: Database, query: SearchQuery, limit: int) -> list[Book]:
    return await search_books(db, f"{query.text} {query.author or ''}".strip(), limit=limit)


def _not_found(parsed: ParsedQuery, *, live: bool) -> UserFacingError:
    prefix = "" if live else "Live book data is unavailable right now. "
    if parsed.ref is not None and parsed.ref.kind == "isbn":
        return UserFacingError(
            f"{prefix}No book with ISBN {parsed.ref.value} is known yet; try /book search."
        )
    if parsed.ref is not None:
        what = "Google Books id" if parsed.ref.kind == "google" else "Open Library id"
        return UserFacingError(
            f"{prefix}No book with {what} {parsed.ref.value} is known yet; try /book search."
        )
    return UserFacingError(
        f"{prefix}No book matches “{parsed.text}”. Try /book search, or pick from the suggestions."
    )


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One line of search results: what to show and the value that opens it."""

    title: str
    authors: tuple[str, ...]
    year: str | None
    cover_url: str | None
    value: str  # `book:<id>` or a BookRef token

    @classmethod
    def of_book(cls, book: Book) -> SearchHit:
        year = book.first_published[:4] if book.first_published else None
        return cls(book.title, book.authors, year, book.cover_url, choice_value(book))

    @classmethod
    def of_data(cls, data: BookData) -> SearchHit | None:
        ref = BookRef.of(data)
        if ref is None:
            return None
        year = data.first_published[:4] if data.first_published else None
        return cls(data.title, data.authors, year, data.cover_url, ref.token)

    @property
    def label(self) -> str:
        """`Dune by Frank Herbert (1965)`, for select options and autocomplete (≤ 100 chars)."""
        text = self.title
        if self.authors:
            text += f" by {', '.join(self.authors[:2])}"
        if self.year:
            text += f" ({self.year})"
        return text if len(text) <= 100 else text[:99] + "…"


@dataclass(frozen=True, slots=True)
class Resolution:
    """A resolved book, or several hits to choose from; `live` is False when providers failed."""

    book: Book | None = None
    hits: tuple[SearchHit, ...] = ()
    live: bool = True

    @property
    def note(self) -> str | None:
        return None if self.live else LIVE_UNAVAILABLE


def needs_network(parsed: ParsedQuery, local: Book | None) -> bool:
    """Whether resolving goes to a provider (so a command should defer first)."""
    if parsed.book_id is not None:
        return False
    return local is None or (parsed.ref is not None and local.enriched_at is None)


async def find_local(db: Database, parsed: ParsedQuery) -> Book | None:
    """The catalogue book `parsed` names exactly (an id, or an exact title), without any network."""
    if parsed.book_id is not None:
        book = await get_book(db, parsed.book_id)
        if book is None:
            raise BookGone()
        return book
    if parsed.ref is not None:
        return await find_by_ref(db, parsed.ref)
    assert parsed.search is not None
    return _exact(await _local_matches(db, parsed.search, 5), parsed.search)


async def resolve(
    db: Database, books: BookService, text: str, *, deadline: float, quick: bool = False
) -> Resolution:
    """The book `text` names, going to the providers when the catalogue does not know it.

    `quick` (option transformers, before a command runs): any local match wins, several remote
    matches resolve to the first. Otherwise several remote matches come back as `hits`.
    """
    parsed = parse_book_query(text)
    local = await find_local(db, parsed)
    if local is not None and (quick or not needs_network(parsed, local) or not books.online):
        return Resolution(local)
    if parsed.ref is not None:
        return await _resolve_ref(books, parsed, local, deadline)
    assert parsed.search is not None
    matches = await _local_matches(db, parsed.search, MAX_RESULTS)
    if quick and matches:
        return Resolution(matches[0])
    live = True
    remote: list[BookData] = []
    if books.online:
        try:
            outcome = await books.search(parsed.search, limit=MAX_RESULTS, deadline=deadline)
            remote, live = outcome.books, outcome.live
        except ProviderError:
            live = False
    # Keep each hit with the data behind it: results without an identifier are dropped.
    pairs = [(data, hit) for data, hit in ((data, SearchHit.of_data(data)) for data in remote) if hit]
    if len(pairs) == 1 or (quick and pairs):
        return await _open_hit(books, pairs[0][0], deadline, live)
    if pairs:
        return Resolution(hits=tuple(hit for _, hit in pairs), live=live)
    if len(matches) == 1:
        return Resolution(matches[0], live=live)
    if matches:
        return Resolution(hits=tuple(SearchHit.of_book(book) for book in matches), live=live)
    raise _not_found(parsed, live=live)


async def _resolve_ref(
    books: BookService, parsed: ParsedQuery, local: Book | None, deadline: float
) -> Resolution:
    assert parsed.ref is not None
    try:
        book, live = await books.import_book(parsed.ref, deadline=deadline)
    except ProviderError:
        if local is not None:
            return Resolution(local, live=False)
        raise _not_found(parsed, live=False) from None
    if book is None:
        if local is not None:
            return Resolution(local, live=live)
        raise _not_found(parsed, live=live)
    return Resolution(book, live=live)


async def _open_hit(books: BookService, data: BookData, deadline: float, live: bool) -> Resolution:
    """Import a search hit in full; when that fails, store what the search itself said."""
    ref = BookRef.of(data)
    if ref is not None:
        try:
            book, fetched_live = await books.import_book(ref, deadline=deadline)
        except ProviderError:
            book, fetched_live = None, False
        if book is not None:
            return Resolution(book, live=live and fetched_live)
    return Resolution(await books.store(data, enriched=False), live=False)


async def search_hits(
    db: Database, books: BookService, text: str, *, deadline: float
) -> tuple[list[SearchHit], bool]:
    """Up to 10 hits for `/book search`: the providers' first, the catalogue's when they fail or find nothing.

    Returns the hits and whether live data was available.
    """
    parsed = SearchQuery.parse(check_query(text))
    live = True
    if books.online:
        try:
            outcome = await books.search(parsed, limit=MAX_RESULTS, deadline=deadline)
        except ProviderError:
            live = False
        else:
            live = outcome.live
            hits = [hit for hit in (SearchHit.of_data(data) for data in outcome.books) if hit]
            if hits:
                return hits, live
    local = await _local_matches(db, parsed, MAX_RESULTS)
    return [SearchHit.of_book(book) for book in local], live


# -- autocomplete ----------------------------------------------------------------------------
# Autocomplete cannot be deferred: it answers from the catalogue at once and adds provider results
# only if they arrive within the caller's wait. Remote choices carry a BookRef token (`ol:OL123W`),
# which the `book` option's transformer imports at transform time.
MAX_SUGGESTIONS = 25
REMOTE_MIN_CHARS = 3


async def suggest(db: Database, books: BookService, typed: str, *, wait: float) -> list[tuple[str, str]]:
    """(label, value) pairs for the `book` option: catalogue matches first, then timely provider matches."""
    typed = " ".join(typed.split())
    if not typed:
        return []
    local = await autocomplete_books(db, typed, limit=MAX_SUGGESTIONS)
    found = [(book.byline[:100], choice_value(book)) for book in local]
    if len(found) < MAX_SUGGESTIONS and len(typed) >= REMOTE_MIN_CHARS and books.online:
        known = {value for _, value in found}
        known |= {f"ol:{book.ol_work_id}" for book in local if book.ol_work_id}
        known |= {f"gb:{book.google_id}" for book in local if book.google_id}
        found += [
            (hit.label, hit.value) for hit in await _remote_hits(books, typed, wait) if hit.value not in known
        ]
    return found[:MAX_SUGGESTIONS]


async def _remote_hits(books: BookService, typed: str, wait: float) -> list[SearchHit]:
    loop = asyncio.get_running_loop()
    lookup = asyncio.create_task(
        books.search(SearchQuery.parse(typed), limit=10, deadline=loop.time() + wait)
    )
    # asyncio.wait is the hard stop (the lookup is cancelled when late); the deadline passed in
    # lets the fetcher plan its retries within it.
    done, _ = await asyncio.wait({lookup}, timeout=wait)
    if not done:
        lookup.cancel()
        log.info("autocomplete answered without remote results: the providers took over %.1f s", wait)
        return []
    try:
        outcome = lookup.result()
    except ProviderError as exc:
        log.info("autocomplete answered without remote results: %s", exc)
        return []
    return [hit for hit in (SearchHit.of_data(data) for data in outcome.books) if hit]
