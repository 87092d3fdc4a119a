"""Plain data for books: what a provider returns, and what the catalogue stores."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BookData:
    """A book as a provider (or an imported CSV row) describes it; every field but title optional."""

    title: str
    authors: tuple[str, ...] = ()
    subtitle: str | None = None
    ol_work_id: str | None = None  # 'OL1914022W'
    ol_edition_id: str | None = None  # 'OL22951843M'
    isbn13: str | None = None  # digits only, checksum-valid
    isbn10: str | None = None  # digits (last may be X), checksum-valid
    google_id: str | None = None
    description: str | None = None
    pages: int | None = None
    format: str | None = None
    first_published: str | None = None  # 'YYYY' or 'YYYY-MM-DD'
    cover_url: str | None = None
    language: str | None = None
    source: str = "openlibrary"  # openlibrary | googlebooks | import


@dataclass(frozen=True, slots=True)
class Book:
    """A row of the shared catalogue (`books`)."""

    book_id: int
    title: str
    authors: tuple[str, ...] = field(default=())
    subtitle: str | None = None
    ol_work_id: str | None = None
    ol_edition_id: str | None = None
    isbn13: str | None = None
    isbn10: str | None = None
    google_id: str | None = None
    description: str | None = None
    pages: int | None = None
    format: str | None = None
    first_published: str | None = None
    cover_url: str | None = None
    language: str | None = None
    source: str = "openlibrary"
    enriched_at: str | None = None

    @property
    def byline(self) -> str:
        """`Title by Author, Author` — what autocomplete and lists show."""
        return f"{self.title} by {', '.join(self.authors)}" if self.authors else self.title
