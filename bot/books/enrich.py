"""Background enrichment: books created from an imported CSV row are completed from Open Library.

The queue is the catalogue itself (imported books with `enriched_at IS NULL` that carry an ISBN),
so a restart simply resumes. Each round takes a batch, asks `search.json` for all its ISBNs in
one request, then `/isbn/{isbn}.json` for each book the search did not return, one request per
`interval` seconds. A book Open Library does not know is taken off the queue; a network failure
or a 429/5xx ends the round and counts an attempt (three and the book is dropped).

A minimal fetch-and-parse of its own (the full provider lives elsewhere), against the recorded
shapes of the edition document and of a `search.json` answer limited by `fields=`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from bot.books.identifiers import openlibrary_key_id, parse_isbn
from bot.db import Database, db_time
from bot.db.library import QueuedBook, complete_book, enrichment_queue, note_attempt

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
SEARCH_FIELDS = "key,title,author_name,first_publish_year,isbn,cover_i,number_of_pages_median"
_YEAR = re.compile(r"\b(\d{4})\b")


class TransientError(Exception):
    """Open Library could not answer now (network, timeout, 429, 5xx): try again later."""


def _text(value: Any) -> str | None:
    """A string, or the `value` of Open Library's `{type: /type/text, value}` objects."""
    if isinstance(value, dict):
        value = value.get("value")
    return value.strip() or None if isinstance(value, str) else None


def _cover(covers_url: str, cover_id: Any) -> str | None:
    if isinstance(cover_id, int) and cover_id > 0:
        return f"{covers_url.rstrip('/')}/b/id/{cover_id}-L.jpg"
    return None


def parse_edition(doc: dict[str, Any], covers_url: str) -> dict[str, Any]:
    """The catalogue fields an `/isbn/{isbn}.json` (edition) document gives."""
    works = doc.get("works") or []
    covers = doc.get("covers") or []
    languages = doc.get("languages") or []
    year = _YEAR.search(str(doc.get("publish_date") or ""))
    isbn13 = next((i.isbn13 for i in map(parse_isbn, doc.get("isbn_13") or []) if i), None)
    isbn10 = next((i.isbn10 for i in map(parse_isbn, doc.get("isbn_10") or []) if i and i.isbn10), None)
    pages = doc.get("number_of_pages")
    return {
        "ol_edition_id": openlibrary_key_id(doc.get("key")),
        "ol_work_id": openlibrary_key_id(works[0].get("key")) if works else None,
        "subtitle": _text(doc.get("subtitle")),
        "description": _text(doc.get("description")),
        "pages": pages if isinstance(pages, int) and pages > 0 else None,
        "format": _text(doc.get("physical_format")),
        "first_published": year.group(1) if year else None,
        "cover_url": _cover(covers_url, covers[0] if covers else None),
        "language": str(languages[0].get("key", "")).rsplit("/", 1)[-1] or None if languages else None,
        "isbn13": isbn13,
        "isbn10": isbn10,
    }


def parse_search_doc(doc: dict[str, Any], covers_url: str) -> dict[str, Any]:
    """The catalogue fields one `search.json` doc gives (with the fields we ask for)."""
    year = doc.get("first_publish_year")
    pages = doc.get("number_of_pages_median")
    authors = [a for a in doc.get("author_name") or [] if isinstance(a, str)]
    return {
        "ol_work_id": openlibrary_key_id(doc.get("key")),
        "first_published": str(year) if isinstance(year, int) else None,
        "pages": pages if isinstance(pages, int) and pages > 0 else None,
        "cover_url": _cover(covers_url, doc.get("cover_i")),
        "authors": "\n".join(authors) or None,
    }


def _isbn_of(book: QueuedBook) -> str:
    return book.isbn13 or book.isbn10 or ""


class Enricher:
    """Completes imported books from Open Library; `run_once()` does one batch."""

    def __init__(
        self,
        db: Database,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        covers_url: str,
        clock: Callable[[], datetime],
        timeout: float = 4.0,
        interval: float = 1.0,
        batch_size: int = 20,
    ) -> None:
        self.db = db
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.covers_url = covers_url
        self.clock = clock
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.interval = interval
        self.batch_size = batch_size
        self.requests = 0
        self.last_failed = False  # the last round ended on a transient failure: wait for the next
        self._last_request: float | None = None

    async def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any] | None:
        """The JSON body at `path`; None for a 404; TransientError for anything worth retrying."""
        loop = asyncio.get_running_loop()
        if self._last_request is not None:
            wait = self.interval - (loop.time() - self._last_request)
            if wait > 0:
                await asyncio.sleep(wait)  # Open Library asks for a polite rate
        self._last_request = loop.time()
        self.requests += 1
        try:
            async with self.session.get(
                f"{self.base_url}{path}", params=params, timeout=self.timeout
            ) as response:
                if response.status == 404:
                    return None
                if response.status != 200:
                    raise TransientError(f"HTTP {response.status} for {path}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise TransientError(f"{type(exc).__name__} for {path}: {exc}") from exc
        if not isinstance(body, dict):
            raise TransientError(f"unexpected body for {path}")
        return body

    async def run_once(self) -> int:
        """Enrich one batch; returns how many books left the queue (0: empty queue or a failure).

        `last_failed` tells whether the round stopped on a failure worth retrying later.
        """
        self.last_failed = False
        queue = await enrichment_queue(self.db, limit=self.batch_size, max_attempts=MAX_ATTEMPTS)
        if not queue:
            return 0
        now = db_time(self.clock())
        try:
            found = await self._search(queue)
        except TransientError as exc:
            log.warning("enrichment search failed, will retry: %s", exc)
            self.last_failed = True
            await note_attempt(self.db, [b.book_id for b in queue], now=now, error=str(exc), definitive=False)
            return 0
        done = 0
        for book_id, fields in found.items():  # what the search answered is kept before any failure
            await complete_book(self.db, book_id, fields, now)
            done += 1
        for book in queue:
            if book.book_id in found:
                continue
            try:
                doc = await self._get(f"/isbn/{_isbn_of(book)}.json")
            except TransientError as exc:
                log.warning("enrichment look-up failed, will retry: %s", exc)
                self.last_failed = True
                await note_attempt(self.db, [book.book_id], now=now, error=str(exc), definitive=False)
                return done
            if doc is None:
                await note_attempt(self.db, [book.book_id], now=now, error="not found", definitive=True)
            else:
                await complete_book(self.db, book.book_id, parse_edition(doc, self.covers_url), now)
            done += 1
        log.info("enriched %d imported books from Open Library", done)
        return done

    async def _search(self, queue: list[QueuedBook]) -> dict[int, dict[str, Any]]:
        """One `search.json` for the whole batch; docs are matched back to books by ISBN."""
        wanted: dict[str, int] = {}
        for book in queue:
            for isbn in (book.isbn13, book.isbn10):
                if isbn:
                    wanted[isbn] = book.book_id
        query = "isbn:(" + " OR ".join(_isbn_of(b) for b in queue) + ")"
        body = await self._get(
            "/search.json", {"q": query, "fields": SEARCH_FIELDS, "limit": str(len(queue))}
        )
        found: dict[int, dict[str, Any]] = {}
        for doc in (body or {}).get("docs") or []:
            if not isinstance(doc, dict):
                continue
            for isbn in doc.get("isbn") or []:
                book_id = wanted.get(str(isbn))
                if book_id is not None and book_id not in found:
                    found[book_id] = parse_search_doc(doc, self.covers_url)
        return found
