"""Book identifiers: ISBN-10/13 (checksum-checked), Open Library work/edition ids and URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

_ISBN_CHARS = re.compile(r"^[0-9][0-9\- ]{8,15}[0-9Xx]$")
_OL_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?openlibrary\.org/(?:works|books)/(OL\d+[WM])\b", re.IGNORECASE
)


def isbn10_is_valid(digits: str) -> bool:
    if not re.fullmatch(r"\d{9}[\dX]", digits):
        return False
    total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
    return total % 11 == 0


def isbn13_is_valid(digits: str) -> bool:
    if not re.fullmatch(r"\d{13}", digits):
        return False
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
    return total % 10 == 0


def isbn10_to_13(isbn10: str) -> str:
    core = "978" + isbn10[:9]
    check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(core)) % 10) % 10
    return core + str(check)


def isbn13_to_10(isbn13: str) -> str | None:
    """The ISBN-10 of a 978- ISBN-13; 979- numbers have none."""
    if not isbn13.startswith("978"):
        return None
    core = isbn13[3:12]
    total = sum((10 - i) * int(c) for i, c in enumerate(core))
    check = (11 - total % 11) % 11
    return core + ("X" if check == 10 else str(check))


def clean_isbn(raw: str) -> str:
    """Strip hyphens, spaces and Goodreads' `="…"` quoting; upper-case a final x."""
    text = raw.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return re.sub(r"[\s\-]", "", text).upper()


@dataclass(frozen=True, slots=True)
class Isbn:
    isbn13: str
    isbn10: str | None


def parse_isbn(raw: str) -> Isbn | None:
    """A valid ISBN-10/13 normalised to both forms, or None when it is not a valid ISBN."""
    digits = clean_isbn(raw)
    if len(digits) == 10 and isbn10_is_valid(digits):
        return Isbn(isbn10_to_13(digits), digits)
    if len(digits) == 13 and isbn13_is_valid(digits):
        return Isbn(digits, isbn13_to_10(digits))
    return None


def first_isbns(values: Iterable[str]) -> Isbn | None:
    """The ISBNs a list of identifiers gives, invalid ones ignored; None when none is valid.

    `isbn13` is the first valid one in its 13-digit form (an ISBN-10 converted); `isbn10` is the
    first ISBN-10 listed *as such* (never one derived from an ISBN-13 of the list).
    """
    isbn13 = isbn10 = None
    for raw in values:
        isbn = parse_isbn(raw)
        if isbn is None:
            continue
        isbn13 = isbn13 or isbn.isbn13
        if len(clean_isbn(raw)) == 10:
            isbn10 = isbn10 or isbn.isbn10
    return None if isbn13 is None else Isbn(isbn13, isbn10)


def looks_like_isbn(raw: str) -> bool:
    """Shaped like an ISBN (10 or 13 digits, hyphens allowed), whether or not its checksum holds."""
    text = raw.strip()
    return bool(_ISBN_CHARS.match(text)) and len(clean_isbn(text)) in (10, 13)


@dataclass(frozen=True, slots=True)
class OpenLibraryId:
    kind: Literal["work", "edition"]
    id: str  # 'OL1914022W'


def parse_openlibrary_id(raw: str) -> OpenLibraryId | None:
    """`OL…W` / `OL…M`, alone or inside an openlibrary.org URL."""
    text = raw.strip()
    match = _OL_URL.match(text) or (re.fullmatch(r"(OL\d+[WM])", text, re.IGNORECASE))
    if not match:
        return None
    ident = match.group(1).upper()
    return OpenLibraryId("work" if ident.endswith("W") else "edition", ident)


def openlibrary_key_id(key: str | None) -> str | None:
    """`/works/OL1W` or `/books/OL1M` or `/authors/OL1A` → `OL1W` …"""
    if not key:
        return None
    match = re.search(r"(OL\d+[WMA])", key)
    return match.group(1) if match else None
