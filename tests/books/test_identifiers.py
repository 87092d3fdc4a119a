"""The shared ISBN helper every parser uses (Open Library, Google Books, the library CSVs)."""

from __future__ import annotations

from bot.books.identifiers import Isbn, first_isbns


def test_first_isbns_takes_the_first_valid_isbn13_and_the_first_listed_isbn10() -> None:
    assert first_isbns(["9780441013593", "0064471837"]) == Isbn("9780441013593", "0064471837")
    # An ISBN-10 listed first gives the ISBN-13 too; a later ISBN-13 does not replace it.
    assert first_isbns(["0-06-447183-7", "9780441013593"]) == Isbn("9780064471831", "0064471837")
    # Invalid checksums, empty cells and Goodreads' quoting are skipped or read.
    assert first_isbns(["9780441013590", "", '="0441013597"']) == Isbn("9780441013593", "0441013597")


def test_first_isbns_never_derives_an_isbn10_from_an_isbn13() -> None:
    assert first_isbns(["9780441013593"]) == Isbn("9780441013593", None)
    assert first_isbns(["979-10-90636-07-1"]) == Isbn("9791090636071", None)


def test_first_isbns_of_nothing_valid_is_none() -> None:
    assert first_isbns([]) is None
    assert first_isbns(["B00ABC1234", "12345", "0441013590"]) is None
