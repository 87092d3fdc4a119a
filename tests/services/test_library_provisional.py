"""Imported metadata is provisional (hardening issue #11, item 10): a book made from one server's
CSV row carries that member's title, so other servers do not see it until a provider's data
replaces it, and when the provider answers (a look-up or enrichment) its data wins everywhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.books.service import BookService, build_book_service
from bot.db import Database
from bot.db.books import autocomplete_books, get_book, search_books, upsert_book
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.services.books import resolve, search_hits, suggest
from tests.books.server import RecordedServer, Reply
from tests.conftest import make_settings
from tests.services.test_library import GUILD, OTHER_GUILD, run_import
from tests.services.test_library_enrich import OL, SABRIEL_ISBN13, enricher, serve_open_library

MADE_UP = "Made Up Title"
EDITION_ISBN13 = "9780060273224"  # the first ISBN-13 of the recorded Sabriel edition
ROW = 'Title,Author,ISBN13,Exclusive Shelf\n{title},Nobody,="{isbn}",read\n'


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def online(
    tmp_path: Path, session: aiohttp.ClientSession, db: Database, recorded: RecordedServer
) -> BookService:
    settings = make_settings(
        tmp_path, openlibrary_url=recorded.url, openlibrary_covers_url="https://covers.example.org"
    )
    return build_book_service(settings, session, db)


def deadline() -> float:
    return asyncio.get_running_loop().time() + 3.0


async def import_made_up(db: Database, isbn: str = SABRIEL_ISBN13) -> int:
    """GUILD's member imports a real ISBN the catalogue lacks under a made-up title."""
    summary = await run_import(db, ROW.format(title=MADE_UP, isbn=isbn).encode(), guild=GUILD)
    assert summary.books_created == 1
    book_id = await db.fetchval("SELECT book_id FROM books WHERE isbn13 = ?", (isbn,))
    assert isinstance(book_id, int)
    return book_id


async def test_an_imported_book_is_seen_only_by_its_own_server(db: Database) -> None:
    book_id = await import_made_up(db)
    offline = BookService(db)

    assert [b.book_id for b in await search_books(db, "made up", guild_id=GUILD)] == [book_id]
    assert [b.book_id for b in await autocomplete_books(db, "made up", guild_id=GUILD)] == [book_id]
    assert await search_books(db, "made up", guild_id=OTHER_GUILD) == []
    assert await autocomplete_books(db, "made up", guild_id=OTHER_GUILD) == []
    assert await search_books(db, "made up") == []  # no server: no provisional row
    assert await suggest(db, offline, "Made Up", wait=0.1, guild_id=OTHER_GUILD) == []
    assert [v for _, v in await suggest(db, offline, "Made Up", wait=0.1, guild_id=GUILD)] == [
        f"book:{book_id}"
    ]
    hits, _ = await search_hits(db, offline, "Made Up", deadline=deadline(), guild_id=OTHER_GUILD)
    assert hits == []
    # Its own server finds it by ISBN, title or id without any provider.
    for typed in (SABRIEL_ISBN13, MADE_UP, f"book:{book_id}"):
        mine = await resolve(db, offline, typed, deadline=deadline(), guild_id=GUILD)
        assert mine.book is not None
        assert mine.book.title == MADE_UP


async def test_another_server_never_gets_the_imported_title(db: Database) -> None:
    book_id = await import_made_up(db)
    offline = BookService(db)

    for typed in (SABRIEL_ISBN13, MADE_UP):
        with pytest.raises(UserFacingError, match="No book"):
            await resolve(db, offline, typed, deadline=deadline(), guild_id=OTHER_GUILD)
        with pytest.raises(UserFacingError, match="No book"):
            await resolve(db, offline, typed, deadline=deadline(), quick=True, guild_id=OTHER_GUILD)
    with pytest.raises(UserFacingError, match="no longer in the catalogue"):
        await resolve(db, offline, f"book:{book_id}", deadline=deadline(), guild_id=OTHER_GUILD)


async def test_another_servers_isbn_lookup_fetches_and_replaces_the_imported_data(
    db: Database, online: BookService, recorded: RecordedServer
) -> None:
    recorded.serve(f"/isbn/{EDITION_ISBN13}.json", OL + "books_OL22951843M.bookwyrm.json")
    book_id = await import_made_up(db, EDITION_ISBN13)

    found = await resolve(db, online, EDITION_ISBN13, deadline=deadline(), guild_id=OTHER_GUILD)

    assert found.book is not None
    assert found.book.book_id == book_id  # the same catalogue row, now the provider's
    assert (found.book.title, found.book.pages, found.book.ol_work_id) == ("Sabriel", 491, "OL15832982W")
    assert found.book.authors == ("Nobody",)  # the recorded answer names no author: the import's stays
    assert await db.fetchval("SELECT import_guild_id FROM books WHERE book_id = ?", (book_id,)) is None
    assert [b.book_id for b in await search_books(db, "sabriel", guild_id=OTHER_GUILD)] == [book_id]
    assert await search_books(db, "made up", guild_id=GUILD) == []  # the made-up title is gone


async def test_a_provider_answering_another_edition_leaves_the_import_to_its_server(
    db: Database, online: BookService, recorded: RecordedServer
) -> None:
    serve_open_library(recorded)  # the ISBN redirects to an edition with other ISBNs
    book_id = await import_made_up(db)

    found = await resolve(db, online, SABRIEL_ISBN13, deadline=deadline(), guild_id=OTHER_GUILD)

    assert found.book is not None
    assert found.book.book_id != book_id
    assert found.book.title == "Sabriel"
    mine = await get_book(db, book_id)
    assert mine is not None
    assert mine.title == MADE_UP
    assert await db.fetchval("SELECT import_guild_id FROM books WHERE book_id = ?", (book_id,)) == GUILD


async def test_a_provider_that_does_not_know_the_isbn_leaves_it_provisional(
    db: Database, online: BookService, recorded: RecordedServer
) -> None:
    isbn = "9780441013593"
    recorded.reply(f"/isbn/{isbn}.json", Reply(status=404))
    recorded.reply("/api/books", Reply(body=b"{}"))
    book_id = await import_made_up(db, isbn)

    with pytest.raises(UserFacingError, match=f"No book with ISBN {isbn}"):
        await resolve(db, online, isbn, deadline=deadline(), guild_id=OTHER_GUILD)

    book = await get_book(db, book_id)
    assert book is not None
    assert book.title == MADE_UP
    assert await db.fetchval("SELECT import_guild_id FROM books WHERE book_id = ?", (book_id,)) == GUILD


async def test_enrichment_replaces_the_imported_title(
    db: Database, session: aiohttp.ClientSession, recorded: RecordedServer
) -> None:
    serve_open_library(recorded)
    book_id = await import_made_up(db)

    assert await enricher(db, session, recorded.url).run_once() == 1

    book = await get_book(db, book_id)
    assert book is not None
    assert (book.title, book.pages, book.ol_edition_id) == ("Sabriel", 491, "OL22951843M")
    assert await db.fetchval("SELECT import_guild_id FROM books WHERE book_id = ?", (book_id,)) is None
    assert [b.book_id for b in await search_books(db, "sabriel", guild_id=OTHER_GUILD)] == [book_id]


async def test_a_catalogue_book_keeps_its_title_when_a_server_imports_another(db: Database) -> None:
    """Only rows an import created are provisional: importing a known ISBN changes nothing shared."""
    dune = await upsert_book(db, BookData("Dune", ("Frank Herbert",), isbn13="9780441013593"))
    await run_import(db, ROW.format(title="Not Dune", isbn="9780441013593").encode(), guild=GUILD)
    assert await get_book(db, dune.book_id) == dune
    assert [b.title for b in await search_books(db, "dune", guild_id=OTHER_GUILD)] == ["Dune"]
