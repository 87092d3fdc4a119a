"""Background enrichment: books created from an imported CSV row are completed from Open Library.

The queue is the catalogue itself (imported books with `enriched_at IS NULL` that carry an ISBN),
so a restart simply resumes. Each round takes a batch, asks `search.json` for all its ISBNs in
one request, then `/isbn/{isbn}.json` for each book the search did not return, at most one
request per `interval` seconds. Requests go through the Open Library provider's fetcher (response
cache, circuit breaker, retries honouring `Retry-After`) and are read by its parsers.

What happens to a book:
- found: its missing fields are filled (`complete_book_in`) and it leaves the queue;
- unknown to Open Library (404, or no usable record): it leaves the queue, as imported;
- the provider fails (network, timeout, 429/5xx after retries): the round ends and an attempt is
  counted (three and the book is dropped); while the circuit is open nothing is tried or counted;
- anything else (an odd record, a database error, a bug): logged with its traceback, the book
  leaves the queue and the rest of the batch carries on, so one bad book never blocks the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.books.openlibrary import SEARCH_FIELDS, OpenLibraryProvider, parse_edition, parse_search_doc
from bot.books.provider import Lookup, ProviderError, ProviderSkipped
from bot.books.service import BookService
from bot.db import Database, db_time
from bot.db.books import complete_book_in
from bot.db.library import enrichment_queue, mark_enriched_in, note_attempt
from bot.models.books import BookData
from bot.models.library import QueuedBook

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
REQUEST_BUDGET = 20.0  # seconds one request may take, its retries and Retry-After waits included


class TransientError(Exception):
    """Open Library could not answer now: try again later. `counted` is False when nothing was
    tried (the provider's circuit is open), so the attempt does not count against the book."""

    def __init__(self, message: str, *, counted: bool = True) -> None:
        super().__init__(message)
        self.counted = counted


def build_enricher(books: BookService) -> Enricher | None:
    """An enricher over the book service's Open Library provider (so its cache, breaker and retries
    apply), on the service's database and clock; None when the service has no Open Library."""
    provider = next((p for p in books.providers if isinstance(p, OpenLibraryProvider)), None)
    return None if provider is None else Enricher(books.db, provider, clock=books.clock)


def _isbn_of(book: QueuedBook) -> str:
    return book.isbn13 or book.isbn10 or ""


class Enricher:
    """Completes imported books from Open Library; `run_once()` does one batch."""

    def __init__(
        self,
        db: Database,
        provider: OpenLibraryProvider,
        *,
        clock: Callable[[], datetime],
        interval: float = 1.0,
        batch_size: int = 20,
        budget: float = REQUEST_BUDGET,
    ) -> None:
        self.db = db
        self.provider = provider
        self.clock = clock
        self.interval = interval
        self.batch_size = batch_size
        self.budget = budget
        self.requests = 0
        self.last_failed = False  # the last round ended on a transient failure: wait for the next
        self._last_request: float | None = None

    async def _get(self, path: str, kind: str, params: dict[str, str | int] | None = None) -> Lookup[Any]:
        """The JSON at `path` through the provider's fetcher (None for a 404); TransientError on failure."""
        loop = asyncio.get_running_loop()
        if self._last_request is not None:
            wait = self.interval - (loop.time() - self._last_request)
            if wait > 0:
                await asyncio.sleep(wait)  # Open Library asks for a polite rate
        self._last_request = loop.time()
        self.requests += 1
        try:
            return await self.provider.fetcher.get_json(
                self.provider.base_url + path,
                path=path,
                params=params,
                kind=kind,
                deadline=loop.time() + self.budget,
            )
        except ProviderSkipped as exc:
            raise TransientError(f"{exc} for {path}", counted=False) from exc
        except ProviderError as exc:
            raise TransientError(f"{exc} for {path}") from exc

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
            await self._retry_later(queue, exc, now)
            return 0
        except Exception:
            log.exception("enrichment search of %d books failed; looking them up one by one", len(queue))
            found = {}
        done = 0
        for book in queue:  # what the search answered is kept before any failure
            if book.book_id in found:
                await self._enrich(book, found[book.book_id], now)
                done += 1
        for book in queue:
            if book.book_id in found:
                continue
            try:
                await self._enrich(book, None, now)
            except TransientError as exc:
                await self._retry_later([book], exc, now)
                return done
            done += 1
        log.info("enriched %d imported books from Open Library", done)
        return done

    async def _retry_later(self, books: Sequence[QueuedBook], exc: TransientError, now: str) -> None:
        log.warning("enrichment look-up failed, will retry: %s", exc)
        self.last_failed = True
        if exc.counted:
            await note_attempt(self.db, [b.book_id for b in books], now=now, error=str(exc), definitive=False)

    async def _enrich(self, book: QueuedBook, data: BookData | None, now: str) -> None:
        """Store what the search found for `book`, else look it up by ISBN; only a TransientError escapes."""
        try:
            if data is None:
                data = await self._lookup(book)
            if data is None:
                await note_attempt(self.db, [book.book_id], now=now, error="not found", definitive=True)
                return
            async with self.db.transaction() as conn:
                await complete_book_in(conn, book.book_id, data)
                await mark_enriched_in(conn, book.book_id, now)
        except TransientError:
            raise
        except Exception as exc:
            log.exception(
                "enriching book %d (ISBN %s) failed; taking it off the queue", book.book_id, _isbn_of(book)
            )
            error = f"{type(exc).__name__}: {exc}"[:200]
            await note_attempt(self.db, [book.book_id], now=now, error=error, definitive=True)

    async def _lookup(self, book: QueuedBook) -> BookData | None:
        """The edition `/isbn/{isbn}.json` redirects to, read by the provider's edition parser."""
        found = await self._get(f"/isbn/{_isbn_of(book)}.json", "isbn")
        parsed = parse_edition(found.value, self.provider.covers_url)
        return parsed[0] if parsed else None

    async def _search(self, queue: list[QueuedBook]) -> dict[int, BookData]:
        """One `search.json` for the whole batch; docs are matched back to books by ISBN."""
        wanted: dict[str, int] = {}
        for book in queue:
            for isbn in (book.isbn13, book.isbn10):
                if isbn:
                    wanted[isbn] = book.book_id
        params: dict[str, str | int] = {
            "q": "isbn:(" + " OR ".join(_isbn_of(b) for b in queue) + ")",
            "fields": SEARCH_FIELDS + ",isbn",
            "limit": len(queue),
        }
        body = (await self._get("/search.json", "search", params)).value
        docs = body.get("docs") if isinstance(body, dict) else None
        found: dict[int, BookData] = {}
        for doc in docs if isinstance(docs, list) else []:
            data = parse_search_doc(doc, self.provider.covers_url)
            if data is None:
                continue
            isbns = doc.get("isbn")
            for isbn in isbns if isinstance(isbns, list) else []:
                book_id = wanted.get(str(isbn))
                if book_id is not None and book_id not in found:
                    found[book_id] = data
        return found
