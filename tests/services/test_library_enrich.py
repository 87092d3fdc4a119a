"""Background enrichment of imported books, against a local server replaying Open Library fixtures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.books.enrich import MAX_ATTEMPTS, Enricher, parse_edition, parse_search_doc
from bot.books.models import BookData
from bot.db import Database, db_time
from bot.db.books import get_book, upsert_book
from bot.db.library import count_enrichment_queue

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SABRIEL_ISBN13 = "9780064471831"  # ISBN-10 0064471837, listed in the edition fixture
SICP_ISBN13 = "9780262510875"  # listed in the search fixture's doc


@dataclass
class FakeOpenLibrary:
    """Serves the recorded documents; `fail_search` / `fail_isbn` make it answer 503."""

    fixtures: Path
    fail_search: bool = False
    fail_isbn: bool = False
    requests: list[str] = field(default_factory=list)
    url: str = ""

    async def search(self, request: web.Request) -> web.Response:
        self.requests.append(f"search {request.query.get('q')}")
        if self.fail_search:
            return web.Response(status=503)
        body = (self.fixtures / "openlibrary/search_isbn_fields.tolearn.json").read_text()
        return web.Response(text=body, content_type="application/json")

    async def isbn(self, request: web.Request) -> web.Response:
        isbn = request.match_info["isbn"]
        self.requests.append(f"isbn {isbn}")
        if self.fail_isbn:
            return web.Response(status=503)
        if isbn in (SABRIEL_ISBN13, "0064471837"):
            raise web.HTTPFound("/books/OL22951843M.json")  # what /isbn/ does
        return web.Response(status=404, text='{"error": "notfound"}', content_type="application/json")

    async def edition(self, request: web.Request) -> web.Response:
        body = (self.fixtures / "openlibrary/books_OL22951843M.bookwyrm.json").read_text()
        return web.Response(text=body, content_type="application/json")


@pytest.fixture
async def openlibrary(fixtures: Path) -> AsyncIterator[FakeOpenLibrary]:
    fake = FakeOpenLibrary(fixtures)
    app = web.Application()
    app.router.add_get("/search.json", fake.search)
    app.router.add_get("/isbn/{isbn}.json", fake.isbn)
    app.router.add_get("/books/OL22951843M.json", fake.edition)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def enricher(db: Database, session: aiohttp.ClientSession, url: str) -> Enricher:
    return Enricher(
        db, session, base_url=url, covers_url="https://covers.example", clock=lambda: NOW, interval=0.0
    )


async def seed(db: Database) -> dict[str, int]:
    books = {
        "sabriel": BookData(
            "Sabriel", ("Garth Nix",), isbn13=SABRIEL_ISBN13, isbn10="0064471837", source="import"
        ),
        "sicp": BookData("SICP", ("Harold Abelson",), isbn13=SICP_ISBN13, source="import"),
        "unknown": BookData("Unknown", ("Nobody",), isbn13="9780000000002", source="import"),
        "no_isbn": BookData("No ISBN", ("Nobody",), source="import"),
        "catalogue": BookData("From Open Library", ("Someone",), isbn13="9780441013593"),
    }
    return {name: (await upsert_book(db, data)).book_id for name, data in books.items()}


async def test_run_once_completes_imported_books_from_the_fixtures(
    db: Database, session: aiohttp.ClientSession, openlibrary: FakeOpenLibrary
) -> None:
    ids = await seed(db)
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 3

    done = await enricher(db, session, openlibrary.url).run_once()

    assert done == 3
    # One search for the whole batch, then /isbn/ for each book the search did not return.
    assert openlibrary.requests[0].startswith("search isbn:(")
    assert SABRIEL_ISBN13 in openlibrary.requests[0]
    assert SICP_ISBN13 in openlibrary.requests[0]
    assert sorted(openlibrary.requests[1:]) == ["isbn 9780000000002", f"isbn {SABRIEL_ISBN13}"]
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
    assert len(openlibrary.requests) == 3  # nothing more was asked


async def test_requests_keep_a_polite_interval(
    db: Database, session: aiohttp.ClientSession, openlibrary: FakeOpenLibrary
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
    db: Database, session: aiohttp.ClientSession, openlibrary: FakeOpenLibrary
) -> None:
    await seed(db)
    openlibrary.fail_search = True
    for _ in range(MAX_ATTEMPTS - 1):
        assert await enricher(db, session, openlibrary.url).run_once() == 0
        assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 3
    assert await enricher(db, session, openlibrary.url).run_once() == 0
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 0  # dropped after 3 tries


async def test_a_restart_resumes_where_the_last_run_stopped(
    db: Database, session: aiohttp.ClientSession, openlibrary: FakeOpenLibrary
) -> None:
    ids = await seed(db)
    openlibrary.fail_isbn = True  # the search answers; the per-ISBN look-ups fail
    first = enricher(db, session, openlibrary.url)
    assert await first.run_once() == 1  # SICP, from the search
    assert first.last_failed
    assert await count_enrichment_queue(db, max_attempts=MAX_ATTEMPTS) == 2

    openlibrary.fail_isbn = False
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
    assert all(row[0] == 1 for row in attempts)


async def test_a_work_id_already_in_the_catalogue_is_not_copied(
    db: Database, session: aiohttp.ClientSession, openlibrary: FakeOpenLibrary
) -> None:
    ids = await seed(db)
    await upsert_book(db, BookData("Sabriel (work)", ("Garth Nix",), ol_work_id="OL15832982W"))
    assert await enricher(db, session, openlibrary.url).run_once() == 3
    sabriel = await get_book(db, ids["sabriel"])
    assert sabriel is not None
    assert (sabriel.ol_work_id, sabriel.ol_edition_id, sabriel.pages) == (None, "OL22951843M", 491)


def test_parsers_read_the_recorded_shapes(fixtures: Path) -> None:
    edition = json.loads((fixtures / "openlibrary/books_OL22951843M.bookwyrm.json").read_text())
    fields = parse_edition(edition, "https://covers.example")
    assert fields["isbn10"] == "0060273224"
    assert fields["cover_url"] is None  # the edition has no covers
    assert parse_edition({**edition, "covers": [-1]}, "c")["cover_url"] is None
    assert parse_edition({**edition, "covers": [12]}, "https://c.example/")["cover_url"] == (
        "https://c.example/b/id/12-L.jpg"
    )
    search = json.loads((fixtures / "openlibrary/search_isbn_fields.tolearn.json").read_text())
    doc = parse_search_doc(search["docs"][0], "c")
    assert doc["authors"] == "Harold Abelson\nGerald Jay Sussman\nJulie Sussman"
    assert parse_edition({}, "c")["ol_work_id"] is None  # a sparse document is not an error
