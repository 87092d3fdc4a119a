"""Resolving what a member typed into one catalogue book.

Accepted: an autocomplete value (`book:<id>`), an ISBN-10/13 (hyphens allowed, checksum
checked), an Open Library work/edition id or openlibrary.org URL, "title by author", free text.
"""

from __future__ import annotations

import re

from bot.books.identifiers import looks_like_isbn, parse_isbn, parse_openlibrary_id
from bot.books.models import Book
from bot.db import Database
from bot.db.books import find_book, get_book, search_books
from bot.errors import UserFacingError

MAX_QUERY = 200
_CHOICE = re.compile(r"^book:(\d+)$")


def choice_value(book: Book) -> str:
    """The autocomplete value that names a catalogue book unambiguously."""
    return f"book:{book.book_id}"


def check_query(text: str) -> str:
    """The trimmed query, or a UserFacingError for an empty or over-long one."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserFacingError("Type a title, an author, an ISBN or an Open Library id.")
    if len(cleaned) > MAX_QUERY:
        raise UserFacingError(f"That is {len(cleaned)} characters; keep a book query under {MAX_QUERY}.")
    return cleaned


async def resolve_local(db: Database, text: str) -> Book:
    """The catalogue book `text` names, or a UserFacingError saying what to try instead."""
    cleaned = check_query(text)
    choice = _CHOICE.match(cleaned)
    if choice:
        book = await get_book(db, int(choice.group(1)))
        if book is None:
            raise UserFacingError("That book is no longer in the catalogue; search for it again.")
        return book
    if looks_like_isbn(cleaned):
        isbn = parse_isbn(cleaned)
        if isbn is None:
            raise UserFacingError(
                f"`{cleaned}` is not a valid ISBN (its check digit is wrong); check for a typo."
            )
        book = await find_book(db, isbn13=isbn.isbn13, isbn10=isbn.isbn10)
        if book is None:
            raise UserFacingError(f"No book with ISBN {isbn.isbn13} is known yet; try /book search.")
        return book
    ol_id = parse_openlibrary_id(cleaned)
    if ol_id is not None:
        found = (
            await find_book(db, ol_work_id=ol_id.id)
            if ol_id.kind == "work"
            else await find_book(db, ol_edition_id=ol_id.id)
        )
        if found is None:
            raise UserFacingError(f"No book with Open Library id {ol_id.id} is known yet; try /book search.")
        return found
    title, _, author = cleaned.rpartition(" by ") if " by " in cleaned else (cleaned, "", "")
    matches = await search_books(db, f"{title} {author}".strip(), limit=5)
    if not matches:
        raise UserFacingError(f"No book matches “{cleaned}”. Try /book search, or pick from the suggestions.")
    exact = next((book for book in matches if book.title.casefold() == title.casefold()), None)
    return exact or matches[0]
