"""Queries on the shared catalogue (`books`, its full-text indexes `books_fts` and `books_ac`).

A row made from an imported CSV row is provisional (`import_guild_id` set): its title and details
are one member's, so search and autocomplete show it only in the server whose import made it,
and a provider's data replaces them when it comes (then the row is shared like any other).
"""

from __future__ import annotations

import re
import sqlite3

import aiosqlite

from bot.db.database import Database
from bot.db.stats import STATS_COLUMNS, stats_from_row
from bot.models.books import Book, BookData
from bot.models.stats import BookStats

_COLUMNS = (
    "book_id, title, authors, subtitle, ol_work_id, ol_edition_id, isbn13, isbn10, google_id, "
    "description, pages, format, first_published, cover_url, language, source, enriched_at"
)
JOINED_COLUMNS = ", ".join(f"b.{name}" for name in _COLUMNS.split(", "))  # from `books AS b`


def book_from_row(row: sqlite3.Row) -> Book:
    authors = tuple(name for name in (row["authors"] or "").split("\n") if name)
    return Book(
        book_id=row["book_id"],
        title=row["title"],
        authors=authors,
        subtitle=row["subtitle"],
        ol_work_id=row["ol_work_id"],
        ol_edition_id=row["ol_edition_id"],
        isbn13=row["isbn13"],
        isbn10=row["isbn10"],
        google_id=row["google_id"],
        description=row["description"],
        pages=row["pages"],
        format=row["format"],
        first_published=row["first_published"],
        cover_url=row["cover_url"],
        language=row["language"],
        source=row["source"],
        enriched_at=row["enriched_at"],
    )


async def get_book(db: Database, book_id: int) -> Book | None:
    query = f"SELECT {_COLUMNS} FROM books WHERE book_id = ?"
    row = await db.fetchone(query, (book_id,))
    return None if row is None else book_from_row(row)


async def get_book_with_stats(db: Database, guild_id: int, book_id: int) -> tuple[Book, BookStats] | None:
    """The catalogue row and this club's aggregates in one round trip; None when the book is gone."""
    stats = ", ".join(f"s.{column.strip()}" for column in STATS_COLUMNS.split(","))
    query = f"""
        SELECT b.*, {stats}
        FROM books AS b
        LEFT JOIN book_stats AS s ON s.guild_id = ? AND s.book_id = b.book_id
        WHERE b.book_id = ?
    """
    row = await db.fetchone(query, (guild_id, book_id))
    return None if row is None else (book_from_row(row), stats_from_row(row))


async def set_enriched_in(conn: aiosqlite.Connection, book_id: int, stamp: str) -> None:
    """Mark a book as filled from a live provider answer."""
    await conn.execute("UPDATE books SET enriched_at = ? WHERE book_id = ?", (stamp, book_id))


async def find_book(
    db: Database,
    *,
    ol_work_id: str | None = None,
    ol_edition_id: str | None = None,
    isbn13: str | None = None,
    isbn10: str | None = None,
    google_id: str | None = None,
) -> Book | None:
    """The catalogue book matching any of the given identifiers (first match wins, in this order)."""
    clauses: list[str] = []
    params: list[str] = []
    for column, value in (
        ("ol_work_id", ol_work_id),
        ("ol_edition_id", ol_edition_id),
        ("isbn13", isbn13),
        ("isbn10", isbn10),
        ("google_id", google_id),
    ):
        if value:
            clauses.append(f"SELECT {_COLUMNS}, {len(clauses)} AS rank FROM books WHERE {column} = ?")
            params.append(value)
    if not clauses:
        return None
    query = " UNION ALL ".join(clauses) + " ORDER BY rank LIMIT 1"
    row = await db.fetchone(query, params)
    return None if row is None else book_from_row(row)


async def provisional_owner(db: Database, book_id: int) -> int | None:
    """The server whose import made this catalogue row, while its data is still the import's."""
    query = "SELECT import_guild_id FROM books WHERE book_id = ?"
    owner = await db.fetchval(query, (book_id,))
    return None if owner is None else int(owner)


# Provisional rows (imported, not yet replaced by a provider) are seen only by their own server;
# with no server (None) none are.
_VISIBLE = "(b.import_guild_id IS NULL OR b.import_guild_id = :guild)"


def fts_query(text: str) -> str | None:
    """A safe FTS5 prefix query from free text: every word quoted, the last one a prefix."""
    words = re.findall(r"\w+", text.casefold())
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


async def search_books(
    db: Database, text: str, *, limit: int = 25, guild_id: int | None = None
) -> list[Book]:
    """Catalogue books whose title or authors match every word of `text` (diacritics ignored), as
    server `guild_id` sees the catalogue."""
    match = fts_query(text)
    if match is None:
        return []
    query = f"""
        SELECT {", ".join("b." + c.strip() for c in _COLUMNS.split(","))}
        FROM books_fts JOIN books AS b ON b.book_id = books_fts.rowid
        WHERE books_fts MATCH :match AND {_VISIBLE}
        ORDER BY books_fts.rank
        LIMIT :limit
    """
    rows = await db.fetchall(query, {"match": match, "limit": limit, "guild": guild_id})
    return [book_from_row(row) for row in rows]


# `books_ac`'s rowid is `tokens * 2**40 + book_id` (migration 0014): its low 40 bits are the book.
AUTOCOMPLETE_QUERY = f"""
    SELECT {JOINED_COLUMNS}
    FROM books_ac JOIN books AS b ON b.book_id = books_ac.rowid % {1 << 40}
    WHERE books_ac MATCH :match AND {_VISIBLE}
    ORDER BY books_ac.rowid
    LIMIT :limit
"""


async def autocomplete_books(
    db: Database, text: str, *, limit: int = 25, guild_id: int | None = None
) -> list[Book]:
    """Like `search_books`, for autocomplete: the same matching (every word, the last a prefix,
    diacritics ignored), read from `books_ac` in its own order, so a keystroke costs about the same
    on 300 books as on 200k.

    The order is bm25's whenever no typed word matches twice in one book: fewest words (title and
    authors) first, then the older book. The index is read best-first and the read stops at the
    `limit`-th visible book; another server's provisional books are skipped on the way.
    """
    match = fts_query(text)
    if match is None:
        return []
    rows = await db.fetchall(AUTOCOMPLETE_QUERY, {"match": match, "limit": limit, "guild": guild_id})
    return [book_from_row(row) for row in rows]


async def upsert_book_in(conn: aiosqlite.Connection, data: BookData) -> int:
    """Insert or complete the catalogue row for `data` inside a transaction; returns its book_id.

    A book is matched by Open Library work, then ISBN-13, ISBN-10, edition, Google id. Known
    fields are kept; missing ones are filled from `data` (a provider never blanks a field).
    """
    existing: int | None = None
    for column, value in (
        ("ol_work_id", data.ol_work_id),
        ("isbn13", data.isbn13),
        ("isbn10", data.isbn10),
        ("ol_edition_id", data.ol_edition_id),
        ("google_id", data.google_id),
    ):
        if value:
            rows = list(
                await conn.execute_fetchall(f"SELECT book_id FROM books WHERE {column} = ?", (value,))
            )
            if rows:
                existing = int(rows[0][0])
                break
    if existing is not None:
        await complete_book_in(conn, existing, data)
        return existing
    values = _values(data)
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    cursor = await conn.execute(f"INSERT INTO books ({columns}) VALUES ({marks})", values)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _values(data: BookData) -> dict[str, str | int | None]:
    return {
        "title": data.title.strip(),
        "authors": "\n".join(a.strip() for a in data.authors if a.strip()),
        "subtitle": data.subtitle,
        "ol_work_id": data.ol_work_id,
        "ol_edition_id": data.ol_edition_id,
        "isbn13": data.isbn13,
        "isbn10": data.isbn10,
        "google_id": data.google_id,
        "description": data.description,
        "pages": data.pages,
        "format": data.format,
        "first_published": data.first_published,
        "cover_url": data.cover_url,
        "language": data.language,
        "source": data.source,
    }


# Identifiers with a unique index: a value another catalogue row already holds is not copied.
_UNIQUE = ("ol_work_id", "isbn13")


# What a provider's data replaces in a provisional row; its identifiers only fill gaps, since
# they are how the row was matched.
_DESCRIPTIVE = (
    "authors",
    "subtitle",
    "description",
    "pages",
    "format",
    "first_published",
    "cover_url",
    "language",
)


async def complete_book_in(conn: aiosqlite.Connection, book_id: int, data: BookData) -> None:
    """Fill the missing fields of catalogue book `book_id` from `data`, inside a transaction.

    Known fields (and the title and source) are kept: a provider never blanks or replaces one. An
    Open Library work id or ISBN-13 already held by another catalogue row is left out rather than
    failing on the unique index (merging duplicates is another job).

    A provisional row (made by an import) is different: the provider's title and descriptive
    fields replace the imported ones (an imported value stays where the provider has none), and
    the row stops being provisional.
    """
    values = {name: value for name, value in _values(data).items() if name not in ("title", "source")}
    fills = []
    for name in values:
        new = f":{name}"
        if name in _UNIQUE:
            new = f"""CASE WHEN EXISTS (
                SELECT 1 FROM books AS o WHERE o.{name} = :{name} AND o.book_id <> :book_id
            ) THEN NULL ELSE :{name} END"""
        kept = f"coalesce(nullif({name}, ''), {new})"
        if name in _DESCRIPTIVE:
            replaced = f"coalesce(nullif({new}, ''), {name})"
            kept = f"CASE WHEN import_guild_id IS NULL THEN {kept} ELSE {replaced} END"
        fills.append(f"{name} = {kept}")
    fills.append("title = CASE WHEN import_guild_id IS NULL OR :title = '' THEN title ELSE :title END")
    query = f"""
        UPDATE books SET {", ".join(fills)}, import_guild_id = NULL,
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE book_id = :book_id
    """
    await conn.execute(query, {**values, "title": data.title.strip(), "book_id": book_id})


async def upsert_book(db: Database, data: BookData) -> Book:
    """Insert or complete one catalogue book in its own transaction; returns the stored row."""
    async with db.transaction() as conn:
        book_id = await upsert_book_in(conn, data)
    book = await get_book(db, book_id)
    assert book is not None
    return book
