"""The book service: providers in order (Open Library, then Google Books), gap-filling, and the catalogue.

No discord here. Every network call carries a deadline; a failure raises ProviderError (or is
hidden by stale cache data, reported as `live=False`), never a half-written catalogue row.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import aiohttp

from bot import __version__
from bot.books.breaker import CircuitBreaker
from bot.books.cache import ResponseCache
from bot.books.googlebooks import GoogleBooksProvider
from bot.books.http import JsonFetcher
from bot.books.openlibrary import OpenLibraryProvider, fill
from bot.books.provider import BookProvider, BookRef, Lookup, ProviderError, SearchQuery
from bot.config import Settings
from bot.db import Database
from bot.db.books import get_book, set_enriched_in, upsert_book_in
from bot.models.books import Book, BookData

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    books: list[BookData]
    live: bool  # False when a provider failed or answered from an expired cache entry


class BookService:
    """Looks books up at the providers, first to last, and stores what it found in the catalogue."""

    def __init__(
        self,
        db: Database,
        providers: Sequence[BookProvider] = (),
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.providers = tuple(providers)
        self.clock = clock

    def breaker_states(self) -> dict[str, str]:
        """Each provider's circuit breaker: closed, open or half-open (for metrics and /admin status)."""
        states: dict[str, str] = {}
        for provider in self.providers:
            fetcher = getattr(provider, "fetcher", None)  # providers built on JsonFetcher
            breaker = getattr(fetcher, "breaker", None)
            if isinstance(breaker, CircuitBreaker):
                states[provider.name] = breaker.state
        return states

    @property
    def online(self) -> bool:
        """True when at least one provider is configured."""
        return bool(self.providers)

    async def search(self, query: SearchQuery, *, limit: int, deadline: float) -> SearchOutcome:
        """The first provider's non-empty results; raises ProviderError when every provider failed."""
        live, failures = True, 0
        for provider in self.providers:
            try:
                found = await provider.search(query, limit=limit, deadline=deadline)
            except ProviderError as exc:
                log.info("search at %s failed: %s", provider.name, exc)
                live, failures = False, failures + 1
                continue
            live = live and not found.stale
            if found.value:
                return SearchOutcome(found.value, live)
        if self.providers and failures == len(self.providers):
            raise ProviderError("every book provider failed")
        if query.author:
            # "Stand by Me" is a title, not "Stand" by "Me": try the words as free text too.
            wider = await self.search(
                SearchQuery(f"{query.text} by {query.author}"), limit=limit, deadline=deadline
            )
            return SearchOutcome(wider.books, live and wider.live)
        return SearchOutcome([], live)

    async def fetch(self, ref: BookRef, *, deadline: float) -> Lookup[BookData | None]:
        """The book `ref` names, completed from the other providers where the first one has gaps."""
        data: BookData | None = None
        stale = failed = False
        used: BookProvider | None = None
        for provider in self.providers:
            if not provider.supports(ref):
                continue
            try:
                found = await provider.get(ref, deadline=deadline)
            except ProviderError as exc:
                log.info("lookup of %s at %s failed: %s", ref.token, provider.name, exc)
                failed = True
                continue
            stale = stale or found.stale
            if found.value is not None:
                data, used = found.value, provider
                break
        if data is None:
            if failed:
                raise ProviderError(f"no provider could look up {ref.token}")
            return Lookup(None, stale)
        if (data.pages is None or data.description is None) and data.isbn13:
            data = await self._fill_gaps(data, used, deadline)
        return Lookup(data, stale)

    async def _fill_gaps(self, data: BookData, used: BookProvider | None, deadline: float) -> BookData:
        """Page count and description from another provider, by ISBN; best effort."""
        assert data.isbn13 is not None
        ref = BookRef("isbn", data.isbn13)
        for provider in self.providers:
            if provider is used or not provider.supports(ref):
                continue
            try:
                found = await provider.get(ref, deadline=deadline)
            except ProviderError as exc:
                log.info("gap-filling %s at %s failed: %s", ref.token, provider.name, exc)
                continue
            if found.value is not None:
                extra = found.value
                data = fill(data, replace(extra, title=data.title, authors=data.authors or extra.authors))
        return data

    async def import_book(self, ref: BookRef, *, deadline: float) -> tuple[Book | None, bool]:
        """Fetch `ref` and upsert it; (the stored book or None when unknown, whether the data was live)."""
        found = await self.fetch(ref, deadline=deadline)
        if found.value is None:
            return None, not found.stale
        return await self.store(found.value, enriched=not found.stale), not found.stale

    async def store(self, data: BookData, *, enriched: bool = True) -> Book:
        """Upsert one provider book in one transaction; marks it enriched when the data was live."""
        stamp = self.clock().isoformat(timespec="seconds") if enriched else None
        try:
            book_id = await self._upsert(data, stamp)
        except sqlite3.IntegrityError:
            # Another catalogue row already holds one of these ISBNs/ids: keep the works apart.
            log.info("identifier clash storing %s; storing it without ISBNs and Google id", data.title)
            book_id = await self._upsert(replace(data, isbn13=None, isbn10=None, google_id=None), stamp)
        book = await get_book(self.db, book_id)
        assert book is not None
        return book

    async def _upsert(self, data: BookData, stamp: str | None) -> int:
        async with self.db.transaction() as conn:
            book_id = await upsert_book_in(conn, data)
            if stamp is not None:
                await set_enriched_in(conn, book_id, stamp)
        return book_id


def user_agent(settings: Settings) -> str:
    """Open Library refuses anonymous agents: name the bot, its version and a contact."""
    return f"bookclub-bot/{__version__} (+{settings.contact})"


def build_book_service(
    settings: Settings,
    session: aiohttp.ClientSession,
    db: Database,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float] = time.monotonic,
) -> BookService:
    """Open Library always; Google Books only when GOOGLE_BOOKS_API_KEY is set."""
    cache = ResponseCache(db)

    def fetcher(name: str) -> JsonFetcher:
        return JsonFetcher(
            name,
            session,
            cache,
            user_agent=user_agent(settings),
            timeout=settings.http_timeout,
            breaker=CircuitBreaker(name, clock=monotonic),
            wall=lambda: clock().timestamp(),
            telemetry=db.telemetry,
        )

    providers: list[BookProvider] = [
        OpenLibraryProvider(
            fetcher("openlibrary"),
            base_url=settings.openlibrary_url,
            covers_url=settings.openlibrary_covers_url,
        )
    ]
    if settings.google_books_api_key is not None:
        providers.append(
            GoogleBooksProvider(
                fetcher("googlebooks"),
                base_url=settings.google_books_url,
                api_key=settings.google_books_api_key.get_secret_value(),
            )
        )
    return BookService(db, providers, clock=clock)
