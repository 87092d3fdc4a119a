"""Library import and export: catalogue matches, a member's stored entries, the writes of an
import batch, import jobs, the exported rows and the enrichment queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.models.shelves import ShelfEntry


@dataclass(frozen=True, slots=True)
class CatalogueMatch:
    """A catalogue book an imported row may be (authors newline-separated, as stored)."""

    book_id: int
    title: str
    authors: str
    isbn13: str | None
    isbn10: str | None


@dataclass(frozen=True, slots=True)
class NewBook:
    """A catalogue book made from an imported row."""

    title: str
    authors: Sequence[str]
    isbn13: str | None
    isbn10: str | None
    pages: int | None
    format: str | None
    first_published: str | None


@dataclass(slots=True)
class MemberReview:
    """A member's review of a book in a club, as an import compares it."""

    body: str
    stars_x2: int | None
    spoiler: bool
    created_at: str
    imported: bool


@dataclass(slots=True)
class MemberEntry:
    """What a member already has for one book in one club."""

    shelf: ShelfEntry | None = None
    stars_x2: int | None = None
    review: MemberReview | None = None


@dataclass(frozen=True, slots=True)
class ImportedRating:
    """A rating an import sets for one of the member's books."""

    book_id: int
    stars_x2: int
    rated_at: str


@dataclass(frozen=True, slots=True)
class ImportJob:
    job_id: int
    rows_done: int
    resumed: bool


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One book of a member's library in a club, as the export writes it."""

    title: str
    authors: tuple[str, ...]
    isbn13: str | None
    isbn10: str | None
    shelf: str
    stars_x2: int | None
    average_x2: float | None
    review: str | None
    spoiler: bool
    added_at: str | None
    finished_at: str | None
    times_read: int
    pages: int | None
    format: str | None
    first_published: str | None


@dataclass(frozen=True, slots=True)
class QueuedBook:
    """An imported book waiting to be completed from Open Library."""

    book_id: int
    isbn13: str | None
    isbn10: str | None
