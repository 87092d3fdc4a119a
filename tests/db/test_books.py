"""The shared catalogue: books by id and identifier, full-text search, and completing a stored book."""

from __future__ import annotations

import pytest

from bot.db import Database
from bot.db.books import (
    autocomplete_books,
    complete_book_in,
    find_book,
    fts_query,
    get_book,
    search_books,
    upsert_book,
    upsert_book_in,
)
from bot.models.books import Book, BookData
from tests.helpers import MIG_PILOT, Abandoned, abandon, seed_book


async def test_a_stored_book_comes_back_as_a_book(db: Database) -> None:
    stored = await seed_book(db)
    assert isinstance(stored, Book)
    assert stored == await get_book(db, stored.book_id)
    assert stored.title == "MIG Pilot"
    assert stored.subtitle == "The Final Escape of Lt. Belenko"
    assert stored.authors == ("John Barron",)
    assert (stored.pages, stored.format, stored.first_published) == (
        222,
        "Mass Market Paperback",
        "1980-01-01",
    )
    assert stored.isbn13 == "9780380538683"
    assert stored.source == "openlibrary"
    assert stored.enriched_at is None
    assert stored.byline == "MIG Pilot by John Barron"


async def test_a_missing_book_is_none(db: Database) -> None:
    assert await get_book(db, 404) is None
    assert await find_book(db, isbn13="9780380538683") is None
    assert await find_book(db) is None  # no identifier at all


async def test_authors_are_trimmed_and_empty_names_dropped(db: Database) -> None:
    book = await upsert_book(
        db, BookData(title="  Good Omens ", authors=(" Terry Pratchett", "", "Neil Gaiman "))
    )
    assert book.title == "Good Omens"
    assert book.authors == ("Terry Pratchett", "Neil Gaiman")
    assert book.byline == "Good Omens by Terry Pratchett, Neil Gaiman"
    untitled = await upsert_book(db, BookData(title="Anonymous"))
    assert untitled.authors == ()
    assert untitled.byline == "Anonymous"


@pytest.mark.parametrize(
    "identifier",
    [
        {"ol_work_id": "OL2620124W"},
        {"isbn13": "9780380538683"},
        {"ol_edition_id": "OL1M"},
        {"isbn10": "0380538687"},
        {"google_id": "gB1"},
    ],
)
async def test_find_book_by_each_identifier(db: Database, identifier: dict[str, str]) -> None:
    data = BookData(
        title="MIG Pilot",
        ol_work_id="OL2620124W",
        ol_edition_id="OL1M",
        isbn13="9780380538683",
        isbn10="0380538687",
        google_id="gB1",
    )
    stored = await upsert_book(db, data)
    await upsert_book(db, BookData(title="Another book", ol_work_id="OL9W"))
    assert await find_book(db, **identifier) == stored


async def test_find_book_prefers_the_work_over_the_isbn(db: Database) -> None:
    by_work = await upsert_book(db, BookData(title="By work", ol_work_id="OL1W"))
    by_isbn = await upsert_book(db, BookData(title="By ISBN", isbn13="9780380538683"))
    assert await find_book(db, ol_work_id="OL1W", isbn13="9780380538683") == by_work
    assert await find_book(db, ol_work_id="OL404W", isbn13="9780380538683") == by_isbn


async def test_upsert_matches_an_existing_book_and_only_fills_gaps(db: Database) -> None:
    first = await upsert_book(db, BookData(title="MIG Pilot", isbn13="9780380538683", pages=222))
    again = await upsert_book(
        db,
        BookData(
            title="Mig pilot (retitled)",
            isbn13="9780380538683",
            pages=999,
            description="Belenko's flight to Hakodate.",
            source="googlebooks",
        ),
    )
    assert again.book_id == first.book_id
    assert again.title == "MIG Pilot"  # the title and source are never replaced
    assert again.source == "openlibrary"
    assert again.pages == 222  # a known field is kept
    assert again.description == "Belenko's flight to Hakodate."  # a missing one is filled
    assert await db.fetchval("SELECT count(*) FROM books") == 1


async def test_completing_never_takes_an_identifier_another_book_holds(db: Database) -> None:
    other = await upsert_book(db, BookData(title="Other", isbn13="9780380538683"))
    mine = await upsert_book(db, BookData(title="Mine", ol_work_id="OL1W"))
    async with db.transaction() as conn:
        await complete_book_in(conn, mine.book_id, BookData(title="x", isbn13="9780380538683", pages=12))
    completed = await get_book(db, mine.book_id)
    assert completed is not None
    assert completed.isbn13 is None  # held by `other`: left out instead of failing the unique index
    assert completed.pages == 12
    assert await find_book(db, isbn13="9780380538683") == other


async def test_upsert_in_a_rolled_back_transaction_stores_nothing(db: Database) -> None:
    with pytest.raises(Abandoned):
        await abandon(db, lambda conn: upsert_book_in(conn, MIG_PILOT))
    assert await db.fetchval("SELECT count(*) FROM books") == 0
    assert await search_books(db, "mig") == []  # the full-text index rolled back with it


def test_fts_query_quotes_every_word_and_prefixes_the_last() -> None:
    assert fts_query("MIG pil") == '"mig" "pil"*'
    assert fts_query('say "NEAR" OR -x') == '"say" "near" "or" "x"*'
    assert fts_query("  !! ") is None


async def test_search_matches_title_and_author_words_without_diacritics(db: Database) -> None:
    mig = await seed_book(db)
    sabriel = await upsert_book(db, BookData(title="Sábriel", authors=("Garth Nix",)))
    assert await search_books(db, "mig barron") == [mig]
    assert await search_books(db, "sabriel nix") == [sabriel]
    assert await search_books(db, "sab") == [sabriel]  # the last word is a prefix
    assert await search_books(db, "barron nix") == []  # every word must match
    assert await search_books(db, "?!") == []
    many = [await upsert_book(db, BookData(title=f"Gold {n}")) for n in range(5)]
    assert len(await search_books(db, "gold", limit=3)) == 3
    assert {b.book_id for b in await search_books(db, "gold")} == {b.book_id for b in many}


async def test_autocomplete_ranks_the_shortest_books_first(db: Database) -> None:
    for n in range(30):
        await upsert_book(db, BookData(title=f"Gold {n}", authors=("Élodie Nix",)))
    await upsert_book(db, BookData(title="Golden Compass", authors=("Philip Pullman",)))
    assert len(await autocomplete_books(db, "elodie", limit=25)) == 25  # diacritics-insensitive
    found = await autocomplete_books(db, "gold", limit=5)
    assert [b.title for b in found] == [f"Gold {n}" for n in range(5)]  # 4 words each; older first
    assert [b.title for b in await autocomplete_books(db, "golden comp")] == ["Golden Compass"]
    assert await autocomplete_books(db, "  !! ") == []
