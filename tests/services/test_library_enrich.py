"""Background enrichment of imported books, through the Open Library provider's fetcher, against
the local server replaying the recorded Open Library fixtures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.books.breaker import CircuitBreaker
from bot.books.cache import ResponseCache
from bot.books.enrich import MAX_ATTEMPTS, Enricher, build_enricher
from bot.books.http import JsonFetcher
from bot.books.openlibrary import OpenLibraryProvider
from bot.books.service import BookService, build_book_service
from bot.config import Settings
from bot.db import Database, db_time
from bot.db.books import complete_book_in, get_book, upsert_book
from bot.db.library import count_enrichment_queue
from bot.models.books import BookData
from tests.books.server import RecordedServer, Reply

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SABRIEL_ISBN13 = "9780064471831"  # ISBN-10 0064471837, listed in the edition fixture
SICP_ISBN13 = "9780262510875"  # listed in the search fixture's doc
UNKNOWN_ISBN13 = "9780000000002"
ODD_ISBN13 = "9780000000019"
BROKEN_ISBN13 = "9780000000033"
OL = "openlibrary/"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def serve_open_library(server: RecordedServer) -> None:
    """The batch search answers SICP; `/isbn/` redirects Sabriel to its edition (as Open Library does)."""
    server.serve("/search.json", OL + "search_isbn_fields.tolearn.json")
    server.reply(
        f"/isbn/{SABRIEL_ISBN13}.json", Reply(status=302, headers={"Location": "/books/OL22951843M.json"})
    )
    server.serve("/books/OL22951843M.json", OL + "books_OL22951843M.bookwyrm.json")


@pytest.fixture
def openlibrary(recorded: RecordedServer) -> RecordedServer:
    serve_open_library(recorded)
    return recorded


def enricher(
    db: Database,
    session: aiohttp.ClientSession,
    url: str,
    *,
    attempts: int = 1,
    breaker: CircuitBreaker | None = None,
) -> Enricher:
    fetcher = JsonFetcher(
        "openlibrary",
        session,
        ResponseCache(db),
        user_agent="bookclub-bot/test (+mailto:club@example.org)",
        timeout=2.0,
        attempts=attempts,
        backoff=0.0,
        breaker=breaker,
        wall=NOW.timestamp,
    )
    provider = OpenLibraryProvider(fetcher, base_url=url, covers_url="https://covers.example")
    return Enricher(db, provider, clock=lambda: NOW, interval=0.0)


def requested(server: RecordedServer) -> list[str]:
    return [f"{hit.path} {hit.query.get('q', '')}".strip() for hit in server.hits]


async def seed(db: Database) -> dict[str, int]:
    books = {
        "sabriel": BookData(
            "Sabriel", ("Garth Nix",), isbn13=SABRIEL_ISBN13, isbn10="0064471837", source="import"
        ),
        "sicp": BookData("SICP", ("Harold Abelson",), isbn13=SICP_ISBN13, source="import"),
        "unknown": BookData("Unknown", ("Nobody",), isbn13=UNKNOWN_ISBN13, source="import"),
        "no_isbn": BookData("No ISBN", ("Nobody",), source="import"),
        "catalogue": BookData("From Open Library", ("Someone",), isbn13="9780441013593"),
    }
    return {name: (await upsert_book(db, data)).book_id for name, data in books.items()}


async def test_run_once_completes_imported_books_from_the_fixtures(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    ids = await seed(db)
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 3

    done = await enricher(db, session, openlibrary.url).run_once()

    assert done == 3
    # One search for the whole batch, then /isbn/ for each book the search did not return.
    calls = requested(openlibrary)
    assert calls[0].startswith("/search.json isbn:(")
    assert SABRIEL_ISBN13 in calls[0]
    assert SICP_ISBN13 in calls[0]
    assert openlibrary.hits[0].query["fields"].endswith(",isbn")  # the docs are matched back by ISBN
    assert "bookclub-bot/test" in openlibrary.hits[0].headers["User-Agent"]  # the shared fetcher sent it
    assert sorted(calls[1:]) == [
        "/books/OL22951843M.json",
        f"/isbn/{UNKNOWN_ISBN13}.json",
        f"/isbn/{SABRIEL_ISBN13}.json",
    ]
    sabriel = await get_book(db, ids["sabriel"])
    assert sabriel is not None
    assert (sabriel.ol_edition_id, sabriel.ol_work_id, sabriel.pages, sabriel.format) == (
        "OL22951843M",
        "OL15832982W",
        491,
        "Hardcover",
    )
    assert (sabriel.first_published, sabriel.language) == ("1996", "eng")
    assert sabriel.description is not None
    assert sabriel.description.startswith("Sabriel, daughter of the necromancer Abhorsen")
    assert sabriel.enriched_at == db_time(NOW)
    assert sabriel.title == "Sabriel"  # the member's own data is kept
    assert (sabriel.isbn13, sabriel.isbn10, sabriel.source) == (SABRIEL_ISBN13, "0064471837", "import")
    sicp = await get_book(db, ids["sicp"])
    assert sicp is not None
    assert (sicp.ol_work_id, sicp.first_published, sicp.authors) == (
        "OL3267304W",
        "1985",
        ("Harold Abelson",),
    )
    unknown = await get_book(db, ids["unknown"])
    assert unknown is not None
    assert unknown.enriched_at is None  # not found: left as imported, but off the queue
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 0
    assert await enricher(db, session, openlibrary.url).run_once() == 0
    assert len(openlibrary.hits) == 4  # nothing more was asked


async def test_requests_keep_a_polite_interval(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    await seed(db)
    polite = enricher(db, session, openlibrary.url)
    polite.interval = 0.05
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await polite.run_once() == 3
    assert polite.requests == 3
    assert loop.time() - started >= 2 * 0.05  # three requests, two gaps


async def test_failures_are_retried_then_given_up(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    await seed(db)
    openlibrary.reply("/search.json", Reply(status=503))
    for _ in range(MAX_ATTEMPTS - 1):
        assert await enricher(db, session, openlibrary.url).run_once() == 0
        assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 3
    assert await enricher(db, session, openlibrary.url).run_once() == 0
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 0  # dropped after 3 tries


async def test_a_retry_after_answer_is_waited_out_by_the_shared_fetcher(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    ids = await seed(db)
    openlibrary.script("/search.json", Reply(status=429, headers={"Retry-After": "0"}))
    patient = enricher(db, session, openlibrary.url, attempts=2)
    assert await patient.run_once() == 3
    assert not patient.last_failed
    assert openlibrary.count("/search.json") == 2  # the 429, then the answer
    sicp = await get_book(db, ids["sicp"])
    assert sicp is not None
    assert sicp.ol_work_id == "OL3267304W"
    assert await db.fetchval("SELECT count(*) FROM enrich_attempts") == 1  # only the unknown book


async def test_an_open_circuit_pauses_enrichment_without_spending_attempts(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    await seed(db)
    openlibrary.reply("/search.json", Reply(status=503))
    breaker = CircuitBreaker("openlibrary", threshold=1, cooldown=600.0)
    first = enricher(db, session, openlibrary.url, breaker=breaker)
    assert await first.run_once() == 0
    assert breaker.is_open
    second = enricher(db, session, openlibrary.url, breaker=breaker)
    assert await second.run_once() == 0
    assert second.last_failed
    assert openlibrary.count("/search.json") == 1  # the open circuit sent nothing
    rows = await db.fetchall("SELECT attempts FROM enrich_attempts")
    assert [row[0] for row in rows] == [1, 1, 1]  # only the request that was made counted


async def test_a_restart_resumes_where_the_last_run_stopped(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    ids = await seed(db)
    # The search answers; the per-ISBN look-ups fail.
    openlibrary.reply(f"/isbn/{SABRIEL_ISBN13}.json", Reply(status=503))
    openlibrary.reply(f"/isbn/{UNKNOWN_ISBN13}.json", Reply(status=503))
    first = enricher(db, session, openlibrary.url)
    assert await first.run_once() == 1  # SICP, from the search
    assert first.last_failed
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 2

    serve_open_library(openlibrary)  # Open Library answers again
    openlibrary.reply(f"/isbn/{UNKNOWN_ISBN13}.json", Reply(status=404, body=b'{"error": "notfound"}'))
    fresh = enricher(db, session, openlibrary.url)  # a new process: the queue is the database
    assert await fresh.run_once() == 2
    assert not fresh.last_failed
    sabriel = await get_book(db, ids["sabriel"])
    assert sabriel is not None
    assert sabriel.pages == 491


async def test_an_unreachable_provider_is_a_retry_not_a_crash(
    db: Database, session: aiohttp.ClientSession
) -> None:
    await seed(db)
    assert await enricher(db, session, "http://127.0.0.1:9").run_once() == 0
    attempts = await db.fetchall("SELECT attempts, last_error FROM enrich_attempts")
    assert len(attempts) == 3
    assert all(row[0] == 1 and "for /search.json" in row[1] for row in attempts)


async def test_a_work_id_already_in_the_catalogue_is_not_copied(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    ids = await seed(db)
    await upsert_book(db, BookData("Sabriel (work)", ("Garth Nix",), ol_work_id="OL15832982W"))
    assert await enricher(db, session, openlibrary.url).run_once() == 3
    sabriel = await get_book(db, ids["sabriel"])
    assert sabriel is not None
    assert (sabriel.ol_work_id, sabriel.ol_edition_id, sabriel.pages) == (None, "OL22951843M", 491)


async def test_malformed_editions_leave_the_queue_and_the_others_complete(
    db: Database, session: aiohttp.ClientSession, openlibrary: RecordedServer
) -> None:
    ids = await seed(db)
    odd = await upsert_book(db, BookData("Odd", ("Someone",), isbn13=ODD_ISBN13, source="import"))
    broken = await upsert_book(db, BookData("Broken", ("Someone",), isbn13=BROKEN_ISBN13, source="import"))
    # JSON, but nothing like an edition: wrong types everywhere, and a bare list.
    weird = (
        b'{"key": 42, "title": ["Odd"], "works": "OL1W", "covers": {"a": 1}, "number_of_pages": "many",'
        b' "languages": [null], "isbn_13": [9780000000019], "description": {"value": 7}}'
    )
    openlibrary.reply(f"/isbn/{ODD_ISBN13}.json", Reply(body=weird))
    openlibrary.reply(f"/isbn/{BROKEN_ISBN13}.json", Reply(body=b"[1, 2, 3]"))

    assert await enricher(db, session, openlibrary.url).run_once() == 5

    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 0
    sabriel = await get_book(db, ids["sabriel"])
    assert sabriel is not None
    assert sabriel.pages == 491
    stored_odd = await get_book(db, odd.book_id)
    assert stored_odd is not None
    assert (stored_odd.title, stored_odd.pages, stored_odd.ol_work_id, stored_odd.cover_url) == (
        "Odd",
        None,
        None,
        None,
    )
    stored_broken = await get_book(db, broken.book_id)
    assert stored_broken is not None
    assert stored_broken.enriched_at is None
    error = await db.fetchval("SELECT last_error FROM enrich_attempts WHERE book_id = ?", (broken.book_id,))
    assert error == "not found"


@pytest.mark.sqlite_only  # the failure is injected with a SQLite trigger
async def test_an_unexpected_error_on_one_book_is_logged_and_never_blocks_the_queue(
    db: Database,
    session: aiohttp.ClientSession,
    openlibrary: RecordedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await seed(db)
    # A database error while storing Sabriel (any exception, not just a network one).
    await db.execute(
        f"""CREATE TRIGGER refuse_sabriel BEFORE UPDATE ON books WHEN old.book_id = {ids["sabriel"]}
        BEGIN SELECT RAISE(ABORT, 'sabriel is cursed'); END"""
    )
    with caplog.at_level(logging.ERROR, logger="bot.books.enrich"):
        assert await enricher(db, session, openlibrary.url).run_once() == 3

    failures = [r for r in caplog.records if "enriching book" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].exc_info is not None  # logged with its traceback
    sicp = await get_book(db, ids["sicp"])
    assert sicp is not None
    assert sicp.enriched_at == db_time(NOW)  # the rest of the batch went on
    sabriel = await get_book(db, ids["sabriel"])
    assert sabriel is not None
    assert (sabriel.enriched_at, sabriel.pages) == (None, None)  # its write was rolled back whole
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 0  # and it left the queue
    error = await db.fetchval("SELECT last_error FROM enrich_attempts WHERE book_id = ?", (ids["sabriel"],))
    assert "sabriel is cursed" in error
    hits = len(openlibrary.hits)
    assert await enricher(db, session, openlibrary.url).run_once() == 0  # nothing is tried again
    assert len(openlibrary.hits) == hits


async def test_complete_book_in_fills_gaps_only_and_never_takes_another_rows_identifiers(
    db: Database,
) -> None:
    mine = await upsert_book(db, BookData("Mine", ("Me",), pages=100, isbn10="0064471837", source="import"))
    other = await upsert_book(db, BookData("Other", ("You",), ol_work_id="OL1W", isbn13="9780441013593"))
    provider = BookData(
        "Provider title",
        ("Provider author",),
        ol_work_id="OL1W",  # held by the other row
        isbn13="9780441013593",  # held by the other row
        ol_edition_id="OL2M",
        pages=999,
        description="Filled.",
    )
    async with db.transaction() as conn:
        await complete_book_in(conn, mine.book_id, provider)
    stored = await get_book(db, mine.book_id)
    assert stored is not None
    assert (stored.title, stored.authors, stored.pages, stored.source) == ("Mine", ("Me",), 100, "import")
    assert (stored.ol_work_id, stored.isbn13, stored.isbn10) == (None, None, "0064471837")
    assert (stored.ol_edition_id, stored.description) == ("OL2M", "Filled.")
    assert stored.enriched_at is None  # filling is not enriching: the caller marks that
    assert await get_book(db, other.book_id) == other


async def test_the_enricher_is_built_over_the_book_services_open_library_provider(
    db: Database, session: aiohttp.ClientSession, settings: Settings
) -> None:
    books = build_book_service(settings, session, db, clock=lambda: NOW)
    built = build_enricher(books)
    assert built is not None
    assert built.provider is books.providers[0]  # its cache, breaker and retries
    assert (built.db, built.clock()) == (db, NOW)
    assert build_enricher(BookService(db)) is None  # no provider: imported books stay as imported
