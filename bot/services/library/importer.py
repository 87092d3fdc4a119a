"""Importing a Goodreads or StoryGraph library into one club.

An import runs in batches; each batch is one transaction that writes the catalogue books, the
member's shelves, ratings and imported reviews, and recomputes the aggregates (`book_stats`,
`member_stats`) of what it touched. Between batches the event loop is free, so the bot keeps
answering. Re-running a file compares each row with what is stored and writes only differences:
the same file twice adds nothing, and a run cut off by a crash completes when started again.

What a row does:
- the book is matched by ISBN-13/ISBN-10, else by title and first author (when the catalogue
  row has no conflicting ISBN), else created from the row itself (source 'import', completed later
  in the background from Open Library);
- the shelf row takes the file's shelf and dates (a date missing from the file keeps the stored one);
- a rating in the file sets the member's rating; an unrated row leaves an existing rating alone;
- a review is stored with `imported = 1` and its date (Date Read, else Date Added) and is never
  posted as a card; a review the member wrote in Discord is never overwritten by a file.

A book created from a row is provisional: shown only in this server until a provider's data
replaces the member's (see `insert_imported_books`). A row that cannot be read is skipped with its
line number; a value that cannot be kept (a page count of `²`) is left out, with a note. An import
that ends any other way (an error, a cancellation) marks its job failed, never leaves it running;
the same file resumes it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

import aiosqlite

from bot.db import Database, db_time
from bot.db.library import (
    books_by_isbn,
    books_by_title,
    fail_job,
    fail_running_jobs,
    insert_imported_books,
    member_entries,
    recompute_book_stats,
    recompute_member_stats,
    start_job,
    update_job,
    write_imported_reviews,
    write_ratings,
)
from bot.db.shelves import save_entries_in
from bot.errors import UserFacingError
from bot.models.library import CatalogueMatch, ImportedRating, MemberEntry, MemberReview, NewBook
from bot.models.shards import ALL, Shards
from bot.models.shelves import ShelfEntry
from bot.services.library.goodreads import GOODREADS
from bot.services.library.reader import ExportFormat, LibraryFile, LibraryRow, RowProblem, open_export
from bot.services.library.storygraph import STORYGRAPH

log = logging.getLogger(__name__)

BATCH_SIZE = 250
#: The exports /library import reads, by the name a member chooses; sniffed in this order.
FORMATS: dict[str, ExportFormat] = {f.name: f for f in (GOODREADS, STORYGRAPH)}
ProgressCallback = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int
    reason: str


@dataclass
class ImportSummary:
    """What an import did, row by row: each data row is added, updated, unchanged or skipped."""

    format: str  # the ExportFormat's name
    total: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Skipped] = field(default_factory=list)  # values left out of rows that were imported
    ratings: int = 0  # ratings written (new or changed)
    reviews: int = 0  # reviews written (new or changed)
    reviews_shortened: int = 0  # of those, cut to the 4,000-character review limit
    books_created: int = 0  # catalogue books made from rows, queued for enrichment
    resumed_from: int | None = None  # rows already done by a cut-off run of the same file

    @property
    def done(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.skipped)


class ImportGuard:
    """One import at a time per member per club (in this process)."""

    def __init__(self) -> None:
        self._running: set[tuple[int, int]] = set()

    @contextmanager
    def claim(self, guild_id: int, user_id: int) -> Iterator[None]:
        key = (guild_id, user_id)
        if key in self._running:
            raise UserFacingError(
                "Your library import is still running; wait for its summary before starting another."
            )
        self._running.add(key)
        try:
            yield
        finally:
            self._running.discard(key)


async def read_library_file(data: bytes, requested: ExportFormat | None = None) -> LibraryFile:
    """Open an upload as one of FORMATS (`requested`, else whichever its header shows); raises
    UserFacingError for a file that cannot be imported."""
    return await open_export(data, tuple(FORMATS.values()), requested)


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _same_book(match: CatalogueMatch, row: LibraryRow) -> bool:
    """A title-matched catalogue row is the row's book when an author agrees and no ISBN conflicts."""
    if row.isbn13 and match.isbn13 and row.isbn13 != match.isbn13:
        return False
    authors = {_key(a) for a in match.authors.split("\n") if a}
    if not row.authors or not authors:
        return not row.authors and not authors
    return _key(row.authors[0]) in authors


class _Batch:
    """Turns parsed rows into the writes of one transaction, comparing with what is stored."""

    def __init__(self, now_iso: str, summary: ImportSummary) -> None:
        self.now_iso = now_iso
        self.summary = summary
        self.shelves: list[tuple[int, ShelfEntry]] = []
        self.ratings: list[ImportedRating] = []
        self.reviews: list[tuple[int, MemberReview]] = []
        self.touched: set[int] = set()

    def apply(self, row: LibraryRow, book_id: int, entry: MemberEntry) -> None:
        when = row.finished_at or row.added_at or self.now_iso
        changed = False
        old = entry.shelf
        shelf = ShelfEntry(
            shelf=row.shelf,
            added_at=row.added_at or (old.added_at if old else self.now_iso),
            started_at=row.started_at or (old.started_at if old else None),
            finished_at=row.finished_at or (old.finished_at if old else None),
            times_read=row.times_read,
        )
        if old is not None:  # reading progress is not in a file: keep what is stored
            shelf = replace(shelf, page=old.page, percent=old.percent, progress_at=old.progress_at)
        if shelf != old:
            self.shelves.append((book_id, shelf))
            entry.shelf = shelf
            changed = True
        if row.stars_x2 is not None and row.stars_x2 != entry.stars_x2:
            self.ratings.append(ImportedRating(book_id, row.stars_x2, when))
            entry.stars_x2 = row.stars_x2
            self.summary.ratings += 1
            changed = True
        if row.review is not None and (entry.review is None or entry.review.imported):
            review = MemberReview(row.review, row.stars_x2, row.spoiler, when, True)
            if review != entry.review:
                self.reviews.append((book_id, review))
                entry.review = review
                self.summary.reviews += 1
                self.summary.reviews_shortened += row.review_shortened
                changed = True
        if old is None:
            self.summary.added += 1
        elif changed:
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1
        if changed:
            self.touched.add(book_id)


def _title_key(row: LibraryRow) -> str:
    return f"title:{_key(row.title)}|{_key(row.authors[0]) if row.authors else ''}"


async def _resolve_books(
    conn: aiosqlite.Connection, guild_id: int, rows: list[LibraryRow], summary: ImportSummary
) -> list[int]:
    """The catalogue book of each row, creating the missing ones from the rows' own data."""
    by_isbn: dict[str, int] = {}
    for match in await books_by_isbn(
        conn, {r.isbn13 for r in rows if r.isbn13}, {r.isbn10 for r in rows if r.isbn10}
    ):
        for isbn in (match.isbn13, match.isbn10):
            if isbn:
                by_isbn.setdefault(isbn, match.book_id)
    unmatched = [r for r in rows if not (r.isbn13 in by_isbn or r.isbn10 in by_isbn)]
    by_title: dict[str, list[CatalogueMatch]] = {}
    if unmatched:
        for match in await books_by_title(conn, {r.title for r in unmatched}):
            by_title.setdefault(match.title.casefold(), []).append(match)
    found: list[int | None] = []
    pending: dict[str, int] = {}  # key → index into new_books
    new_books: list[NewBook] = []
    slots: list[int | None] = []  # per row: index into new_books when the book is new
    for row in rows:
        book_id = (by_isbn.get(row.isbn13) if row.isbn13 else None) or (
            by_isbn.get(row.isbn10) if row.isbn10 else None
        )
        if book_id is None:
            candidates = by_title.get(row.title.casefold(), [])
            book_id = next((m.book_id for m in candidates if _same_book(m, row)), None)
        slot = None
        if book_id is None:
            # Rows of one batch naming the same new book share it: by ISBN, else title and author.
            key = f"isbn:{row.isbn13 or row.isbn10}" if (row.isbn13 or row.isbn10) else _title_key(row)
            slot = pending.get(key)
            if slot is None:
                slot = pending[key] = len(new_books)
                pending.setdefault(_title_key(row), slot)
                new_books.append(
                    NewBook(
                        row.title,
                        row.authors,
                        row.isbn13,
                        row.isbn10,
                        row.pages,
                        row.format,
                        row.first_published,
                    )
                )
        found.append(book_id)
        slots.append(slot)
    new_ids = await insert_imported_books(conn, guild_id, new_books)
    summary.books_created += len(new_ids)
    book_ids: list[int] = []
    for book_id, slot in zip(found, slots, strict=True):
        if book_id is None:
            assert slot is not None
            book_id = new_ids[slot]
        book_ids.append(book_id)
    return book_ids


async def import_library(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    file: LibraryFile,
    now: datetime,
    progress: ProgressCallback | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import every row of `file` into this member's library in this club; see the module docstring.

    Whatever ends the import early (an exception, a cancellation) marks its job failed and is
    raised again; the member can import the same file again to finish it."""
    now_iso = db_time(now)
    summary = ImportSummary(format=file.format, total=file.total)
    async with db.transaction() as conn:
        job = await start_job(conn, guild_id, user_id, file.format, file.sha256, file.total, now_iso)
    if job.resumed:
        summary.resumed_from = job.rows_done
    try:
        await _import_rows(db, guild_id, user_id, file, job.job_id, summary, now_iso, progress, batch_size)
    except BaseException as exc:
        # Shielded: a second cancellation must not leave the job running either.
        await asyncio.shield(_give_up(db, job.job_id, now_iso, exc))
        raise
    return summary


async def _import_rows(
    db: Database,
    guild_id: int,
    user_id: int,
    file: LibraryFile,
    job_id: int,
    summary: ImportSummary,
    now_iso: str,
    progress: ProgressCallback | None,
    batch_size: int,
) -> None:
    rows = file.rows()
    while batch := list(itertools.islice(rows, batch_size)):
        good = [r for r in batch if isinstance(r, LibraryRow)]
        summary.skipped.extend(Skipped(p.line, p.reason) for p in batch if isinstance(p, RowProblem))
        summary.notes.extend(Skipped(r.line, note) for r in good for note in r.notes)
        work = _Batch(now_iso, summary)
        async with db.transaction() as conn:
            if good:
                book_ids = await _resolve_books(conn, guild_id, good, summary)
                entries = await member_entries(conn, guild_id, user_id, book_ids)
                for row, book_id in zip(good, book_ids, strict=True):
                    work.apply(row, book_id, entries.setdefault(book_id, MemberEntry()))
                await save_entries_in(conn, guild_id, user_id, work.shelves)
                await write_ratings(conn, guild_id, user_id, work.ratings)
                await write_imported_reviews(conn, guild_id, user_id, work.reviews)
                if work.touched:
                    await recompute_book_stats(conn, guild_id, work.touched)
                if work.ratings or work.reviews:
                    await recompute_member_stats(conn, guild_id, user_id)
            await _record(conn, job_id, summary)
        if progress is not None:
            await progress(summary.done, summary.total)
        await asyncio.sleep(0)  # let other commands run between batches
    async with db.transaction() as conn:
        await _record(conn, job_id, summary, finished_at=now_iso)


async def _record(
    conn: aiosqlite.Connection, job_id: int, summary: ImportSummary, *, finished_at: str | None = None
) -> None:
    await update_job(
        conn,
        job_id,
        rows_done=summary.done,
        added=summary.added,
        updated=summary.updated,
        unchanged=summary.unchanged,
        skipped=len(summary.skipped),
        finished_at=finished_at,
    )


async def _give_up(db: Database, job_id: int, now_iso: str, exc: BaseException) -> None:
    error = "cancelled" if isinstance(exc, asyncio.CancelledError) else f"{type(exc).__name__}: {exc}"
    try:
        await fail_job(db, job_id, now=now_iso, error=error[:200])
    except Exception:
        log.exception("import job %d ended (%s) and could not be marked failed", job_id, error[:200])


async def close_interrupted_imports(db: Database, now: datetime, shards: Shards = ALL) -> int:
    """Mark the imports a stopped process left running in the servers `shards` owns as failed (at
    start-up none of theirs can run; those of another process's servers are its own)."""
    closed = await fail_running_jobs(
        db, now=db_time(now), error="interrupted: the bot stopped", shards=shards
    )
    if closed:
        log.info("marked %d interrupted library imports as failed; importing the file again resumes", closed)
    return closed
