"""Every recorded Open Library and Google Books fixture, through the parsers the providers use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.books.googlebooks import parse_volume, parse_volumes
from bot.books.openlibrary import (
    author_keys,
    best_edition,
    cover_url,
    parse_api_books,
    parse_author,
    parse_edition,
    parse_editions,
    parse_search,
    parse_work,
)
from bot.books.text import clean_description, parse_date

COVERS = "https://covers.example.org"


def load(fixtures: Path, name: str) -> Any:
    return json.loads((fixtures / name).read_text("utf-8"))


def test_search_2020_format_with_a_sparse_second_doc(fixtures: Path) -> None:
    books = parse_search(load(fixtures, "openlibrary/search_time_war.bookwyrm.json"), COVERS)
    assert [b.ol_work_id for b in books] == ["OL20639540W", "OL19859295W"]
    first, sparse = books
    assert first.title == "This Is How You Lose the Time War"
    assert first.authors == ("Amal El-Mohtar", "Max Gladstone")
    assert first.first_published == "2019"
    assert first.cover_url is None
    assert first.language == "eng"
    # edition_count 0, no edition_key, no first_publish_year: still a usable hit
    assert sparse.first_published is None
    assert sparse.cover_url == f"{COVERS}/b/id/8665647-L.jpg"


def test_search_modern_format_full_solr_docs(fixtures: Path) -> None:
    body = load(fixtures, "openlibrary/search_q_denver_co.truncated.sweater_weather.json")
    books = parse_search(body, COVERS)
    assert len(books) == len(body["docs"]) == 5
    assert books[2].pages == 180
    assert books[2].cover_url == f"{COVERS}/b/id/1847337-L.jpg"
    # a doc whose key names an edition, and one without author_name
    assert books[3].ol_work_id is None
    assert books[3].ol_edition_id == "OL10910782M"
    assert books[3].authors == ()


def test_search_with_a_fields_list(fixtures: Path) -> None:
    (sicp,) = parse_search(load(fixtures, "openlibrary/search_isbn_fields.tolearn.json"), COVERS)
    assert sicp.ol_work_id == "OL3267304W"
    assert sicp.authors == ("Harold Abelson", "Gerald Jay Sussman", "Julie Sussman")
    assert sicp.first_published == "1985"
    assert sicp.isbn13 is None  # a work's search doc lists every edition's ISBN; none is the work's


def test_search_with_no_results(fixtures: Path) -> None:
    assert parse_search(load(fixtures, "openlibrary/search_empty_numFound0.tolearn.json"), COVERS) == []


def test_modern_work_description_object_is_cleaned_and_cover_minus_one_skipped(fixtures: Path) -> None:
    parsed = parse_work(load(fixtures, "openlibrary/works_OL1914022W.pet_books.json"), COVERS)
    assert parsed is not None
    work, keys = parsed
    assert work.ol_work_id == "OL1914022W"
    assert work.title == "The Pillars of the Earth"
    assert keys == ["OL229268A"]  # nested authors[].author.key
    assert work.first_published == "2007-11-14"  # "November 14, 2007"
    assert work.cover_url == f"{COVERS}/b/id/9269909-L.jpg"
    assert work.description is not None
    assert work.description.startswith("The Pillars of the Earth is a historical novel")
    for noise in ("\r", "](", "See also", "---", "https://"):
        assert noise not in work.description


def test_older_work(fixtures: Path) -> None:
    parsed = parse_work(load(fixtures, "openlibrary/works_OL15832982W.bookwyrm.json"), COVERS)
    assert parsed is not None
    work, keys = parsed
    assert (work.title, work.first_published, keys) == ("Sabriel", "1995", ["OL382982A"])
    assert work.description == "First in the Old Kingdom/Abhorsen series."
    assert work.cover_url == f"{COVERS}/b/id/6796986-L.jpg"


def test_edition_with_flat_authors_and_isbn10_only(fixtures: Path) -> None:
    parsed = parse_edition(load(fixtures, "openlibrary/books_OL22951843M.bookwyrm.json"), COVERS)
    assert parsed is not None
    edition, keys = parsed
    assert edition.ol_edition_id == "OL22951843M"
    assert edition.ol_work_id == "OL15832982W"
    assert keys == ["OL382982A"]
    assert (edition.pages, edition.format) == (491, "Hardcover")
    assert (edition.isbn10, edition.isbn13) == ("0060273224", "9780060273224")  # normalised, checked
    assert edition.language == "eng"
    assert edition.first_published == "1996"
    assert edition.description is not None
    assert edition.description.startswith("Sabriel, daughter")


def test_work_editions_list_and_the_edition_that_fills_gaps(fixtures: Path) -> None:
    body = load(fixtures, "openlibrary/works_editions.bookwyrm.json")
    editions = parse_editions(body, COVERS)
    assert len(editions) == body["size"] == 15
    assert all(e.ol_work_id == "OL15832982W" for e in editions)
    best = best_edition(editions)
    assert best is not None
    assert best.pages
    assert best.format
    assert best.isbn13


def test_author_with_a_plain_string_bio(fixtures: Path) -> None:
    assert parse_author(load(fixtures, "openlibrary/authors_OL33088A.pet_books.json")) == "Dean Koontz"


def test_api_books_isbn_lookup(fixtures: Path) -> None:
    book = parse_api_books(
        load(fixtures, "openlibrary/api_books_jscmd_data_isbn9782070427796.bookwyrm.json"), COVERS
    )
    assert book is not None
    assert book.title == "Les ombres errantes"
    assert book.authors == ("Pascal Quignard",)
    assert (book.isbn13, book.isbn10, book.ol_edition_id) == ("9782070427796", "207042779X", "OL16262504M")
    assert book.first_published == "2002"


def test_google_volumes_search(fixtures: Path) -> None:
    (batman,) = parse_volumes(load(fixtures, "googlebooks/volumes_q_batman.doers.json"))
    assert batman.google_id == "l0UTIQAACAAJ"
    assert batman.source == "googlebooks"
    assert batman.authors == ("Brian Bolland", "Alan Moore")
    assert (batman.isbn13, batman.isbn10, batman.pages) == ("9781401216672", "1401216676", 64)
    assert batman.first_published == "2008-03-19"
    assert batman.cover_url is not None
    assert batman.cover_url.startswith("https://bks5.books.google.ro/")


def test_google_item_with_unicode_punctuation_and_no_page_count(fixtures: Path) -> None:
    (potter,) = parse_volumes(load(fixtures, "googlebooks/volumes_items_only.bookends.json"))
    assert potter.title == "Harry Potter and the Prisoner of Azkaban"
    assert potter.pages is None
    assert potter.language == "en"
    assert potter.description is not None
    assert "Harry Potter’s parents" in potter.description
    assert "“Moony, Wormtail, Padfoot, and Prongs.”" in potter.description


@pytest.mark.parametrize(
    "body",
    [None, [], "text", 3, {}, {"docs": None}, {"docs": [None, 1, {"title": 5}, {"key": "/works/OL1W"}]}],
)
def test_malformed_bodies_never_raise(body: Any) -> None:
    assert parse_search(body, COVERS) == []
    assert parse_work(body, COVERS) is None
    assert parse_edition(body, COVERS) is None
    assert parse_editions(body, COVERS) == []
    assert parse_author(body) is None
    assert parse_api_books(body, COVERS) is None
    assert parse_volumes(body) == []
    assert parse_volume(body) is None


def test_odd_field_types_are_ignored() -> None:
    parsed = parse_work(
        {"title": "T", "covers": [-1, "x", True], "authors": [None, {"author": "?"}], "description": 7},
        COVERS,
    )
    assert parsed is not None
    work, keys = parsed
    assert (work.cover_url, work.description, keys) == (None, None, [])
    assert author_keys([{"key": "/authors/OL1A"}, {"author": {"key": "/authors/OL1A"}}]) == ["OL1A"]
    assert cover_url(COVERS, -1) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Plain.", "Plain."),
        ({"type": "/type/text", "value": "A\r\nB"}, "A\nB"),
        ("Read [the book](https://example.org/x) now.", "Read the book now."),
        ("Story.\n\n----------\n([source][1])\n\n[1]: https://example.org", "Story."),
        ("<p>One &amp; two</p><br>Three", "One & two\n\nThree"),
        ("Text.\n\nSource: Wikipedia", "Text."),
        ("", None),
        (None, None),
        ({"value": None}, None),
    ],
)
def test_clean_description(raw: Any, expected: str | None) -> None:
    assert clean_description(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("January 1, 1980", "1980-01-01"),
        ("Jan 1, 1980", "1980-01-01"),
        ("1980-01-01", "1980-01-01"),
        ("November 2006", "2006"),
        ("1995", "1995"),
        (1985, "1985"),
        ("c1995.", "1995"),
        ("unknown", None),
        (None, None),
    ],
)
def test_parse_date(raw: Any, expected: str | None) -> None:
    assert parse_date(raw) == expected
