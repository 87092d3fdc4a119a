"""Resolving what a member typed: parsing, the catalogue first, the providers second."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.books.provider import BookRef, SearchQuery
from bot.books.service import BookService, build_book_service
from bot.db import Database
from bot.db.books import upsert_book
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.services.books import parse_book_query, resolve, search_hits
from tests.books.server import RecordedServer, Reply
from tests.conftest import make_settings

OL = "openlibrary/"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def books(
    tmp_path: Path, session: aiohttp.ClientSession, db: Database, recorded: RecordedServer
) -> BookService:
    settings = make_settings(
        tmp_path, openlibrary_url=recorded.url, openlibrary_covers_url="https://covers.example.org"
    )
    return build_book_service(settings, session, db)


def deadline() -> float:
    return asyncio.get_running_loop().time() + 3.0


@pytest.mark.parametrize(
    ("typed", "ref"),
    [
        ("0-06-027322-4", BookRef("isbn", "9780060273224")),
        ("0060273224", BookRef("isbn", "9780060273224")),
        ("978-0-06-027322-4", BookRef("isbn", "9780060273224")),
        ("207042779x", BookRef("isbn", "9782070427796")),
        ("OL15832982W", BookRef("work", "OL15832982W")),
        ("ol22951843m", BookRef("edition", "OL22951843M")),
        ("https://openlibrary.org/works/OL15832982W/Sabriel", BookRef("work", "OL15832982W")),
        ("openlibrary.org/books/OL22951843M", BookRef("edition", "OL22951843M")),
        ("ol:OL15832982W", BookRef("work", "OL15832982W")),
        ("gb:l0UTIQAACAAJ", BookRef("google", "l0UTIQAACAAJ")),
    ],
)
def test_identifiers_are_recognised(typed: str, ref: BookRef) -> None:
    assert parse_book_query(typed).ref == ref


def test_text_and_title_by_author() -> None:
    assert parse_book_query("book:12").book_id == 12
    assert parse_book_query("  Sabriel  ").search == SearchQuery("Sabriel")
    assert parse_book_query("Sabriel by Garth Nix").search == SearchQuery("Sabriel", "Garth Nix")
    assert parse_book_query("Stand by Me").search == SearchQuery("Stand", "Me")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0-06-027322-5", "not a valid ISBN (its check digit is wrong)"),
        ("9780060273220", "not a valid ISBN"),
        ("", "Type a title, an author, an ISBN or an Open Library id."),
        ("   ", "Type a title"),
        ("x" * 300, "That is 300 characters; keep a book query under 200."),
    ],
)
def test_bad_input_is_a_clear_message(typed: str, message: str) -> None:
    with pytest.raises(UserFacingError, match=re.escape(message)):
        parse_book_query(typed)


async def test_local_exact_title_needs_no_network(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    stored = await upsert_book(db, BookData(title="Sabriel", authors=("Garth Nix",)))
    resolution = await resolve(db, books, "sabriel by nix", deadline=deadline())
    assert resolution.book == stored
    assert resolution.live
    assert recorded.hits == []


async def test_an_id_is_imported_from_open_library(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    recorded.serve("/works/OL15832982W.json", OL + "works_OL15832982W.bookwyrm.json")
    resolution = await resolve(db, books, "https://openlibrary.org/works/OL15832982W", deadline=deadline())
    assert resolution.book is not None
    assert resolution.book.title == "Sabriel"
    assert resolution.live
    assert await db.fetchval("SELECT count(*) FROM books") == 1


async def test_unknown_id_says_so_and_writes_nothing(books: BookService, db: Database) -> None:
    with pytest.raises(
        UserFacingError,
        match=re.escape("No book with Open Library id OL999W is known yet; try /book search."),
    ):
        await resolve(db, books, "OL999W", deadline=deadline())
    assert await db.fetchval("SELECT count(*) FROM books") == 0


async def test_several_remote_matches_are_hits_to_choose_from(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    recorded.serve("/search.json", OL + "search_time_war.bookwyrm.json")
    resolution = await resolve(db, books, "time war", deadline=deadline())
    assert resolution.book is None
    assert [hit.value for hit in resolution.hits] == ["ol:OL20639540W", "ol:OL19859295W"]
    assert (
        resolution.hits[0].label
        == "This Is How You Lose the Time War by Amal El-Mohtar, Max Gladstone (2019)"
    )
    assert await db.fetchval("SELECT count(*) FROM books") == 0  # nothing stored until one is chosen


async def test_a_single_remote_match_opens_directly(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    recorded.serve("/search.json", OL + "search_isbn_fields.tolearn.json")
    # No work record is recorded for SICP: the search doc itself is stored, flagged as not live.
    resolution = await resolve(db, books, "sicp", deadline=deadline())
    assert resolution.book is not None
    assert resolution.book.ol_work_id == "OL3267304W"
    assert resolution.book.authors == ("Harold Abelson", "Gerald Jay Sussman", "Julie Sussman")


async def test_nothing_found(books: BookService, db: Database, recorded: RecordedServer) -> None:
    recorded.serve("/search.json", OL + "search_empty_numFound0.tolearn.json")
    with pytest.raises(UserFacingError, match=re.escape("No book matches “zzzz”. Try /book search")):
        await resolve(db, books, "zzzz", deadline=deadline())


async def test_provider_down_falls_back_to_the_catalogue_with_a_note(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    recorded.reply("/search.json", Reply(500))
    stored = await upsert_book(db, BookData(title="Sabriel and the Old Kingdom"))
    resolution = await resolve(db, books, "sabriel", deadline=deadline())
    assert resolution.book == stored
    assert not resolution.live
    assert resolution.note == "Live book data is unavailable right now; showing what the catalogue has."


async def test_provider_down_and_nothing_local(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    recorded.reply("/works/OL1W.json", Reply(500))
    with pytest.raises(
        UserFacingError,
        match="^" + re.escape("Live book data is unavailable right now. No book with Open Library id OL1W"),
    ):
        await resolve(db, books, "OL1W", deadline=deadline())
    assert await db.fetchval("SELECT count(*) FROM books") == 0


async def test_quick_resolution_prefers_any_local_match(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    stored = await upsert_book(db, BookData(title="Sabriel and the Old Kingdom"))
    resolution = await resolve(db, books, "sabriel", deadline=deadline(), quick=True)
    assert resolution.book == stored
    assert recorded.hits == []


async def test_unknown_isbns_and_stale_choices_say_what_to_try(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    with pytest.raises(UserFacingError, match="No book with ISBN 9780060273224 is known yet"):
        await resolve(db, books, "0-06-027322-4", deadline=deadline(), quick=True)
    with pytest.raises(UserFacingError, match="no longer in the catalogue"):
        await resolve(db, books, "book:99", deadline=deadline(), quick=True)


async def test_search_hits_fall_back_to_the_catalogue(
    books: BookService, db: Database, recorded: RecordedServer
) -> None:
    recorded.reply("/search.json", Reply(500))
    await upsert_book(db, BookData(title="Sábriel", authors=("Garth Nix",), first_published="1995-01-01"))
    hits, live = await search_hits(db, books, "sabriel", deadline=deadline())
    assert not live
    assert [hit.label for hit in hits] == ["Sábriel by Garth Nix (1995)"]
