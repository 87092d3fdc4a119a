"""Reading reviews: one review, a card's or a form's data in one query, history, and the paged list.

The writes live in `review_writes.py`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Literal

import aiosqlite

from bot.db.books import JOINED_COLUMNS as BOOK_COLUMNS
from bot.db.books import book_from_row
from bot.db.database import Database, dialect_of, parse_db_time
from bot.db.postgres import tsquery_from_fts
from bot.models.books import Book
from bot.models.reviews import HistoryEntry, Review, ReviewCard, ReviewDraft, ReviewLine

REVIEW_COLUMNS = """
    r.review_id, r.guild_id, r.book_id, r.user_id, r.stars_x2, r.body, r.spoiler, r.created_at,
    r.updated_at, r.likes, r.channel_id, r.message_id, r.thread_id
"""
# A review with its reviewer's name and counters: `SELECT {LINE_COLUMNS} FROM reviews AS r {LINE_JOINS}`.
LINE_COLUMNS = f"""
    {REVIEW_COLUMNS}, m.display_name, s.reviews_count AS m_reviews, s.followers_count AS m_followers
"""
LINE_JOINS = """
    LEFT JOIN members AS m ON m.guild_id = r.guild_id AND m.user_id = r.user_id
    LEFT JOIN member_stats AS s ON s.guild_id = r.guild_id AND s.user_id = r.user_id
"""


def review_from_row(row: sqlite3.Row) -> Review:
    return Review(
        review_id=row["review_id"],
        guild_id=row["guild_id"],
        book_id=row["book_id"],
        user_id=row["user_id"],
        stars_x2=row["stars_x2"],
        body=row["body"],
        spoiler=bool(row["spoiler"]),
        created_at=parse_db_time(row["created_at"]),
        updated_at=parse_db_time(row["updated_at"]) if row["updated_at"] else None,
        likes=row["likes"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
    )


def line_from_row(row: sqlite3.Row) -> ReviewLine:
    return ReviewLine(
        review=review_from_row(row),
        display_name=row["display_name"],
        reviews_count=row["m_reviews"] or 0,
        followers_count=row["m_followers"] or 0,
    )


# -- reads ---------------------------------------------------------------------------------
_MEMBERS_REVIEW = f"""
    SELECT {REVIEW_COLUMNS} FROM reviews AS r WHERE r.guild_id = ? AND r.book_id = ? AND r.user_id = ?
"""


async def get_review(db: Database, guild_id: int, book_id: int, user_id: int) -> Review | None:
    row = await db.fetchone(_MEMBERS_REVIEW, (guild_id, book_id, user_id))
    return None if row is None else review_from_row(row)


async def get_review_in(
    conn: aiosqlite.Connection, guild_id: int, book_id: int, user_id: int
) -> Review | None:
    """`get_review` inside a transaction: the review a write is about to replace."""
    rows = list(await conn.execute_fetchall(_MEMBERS_REVIEW, (guild_id, book_id, user_id)))
    return review_from_row(rows[0]) if rows else None


async def get_review_by_id(db: Database, guild_id: int, review_id: int) -> Review | None:
    """A review of this server by id; None when gone or another server's (ids come from buttons)."""
    query = f"SELECT {REVIEW_COLUMNS} FROM reviews AS r WHERE r.review_id = ? AND r.guild_id = ?"
    row = await db.fetchone(query, (review_id, guild_id))
    return None if row is None else review_from_row(row)


async def get_review_line(db: Database, guild_id: int, review_id: int) -> ReviewLine | None:
    """One review of this server with its reviewer's name and counters (one query)."""
    query = f"SELECT {LINE_COLUMNS} FROM reviews AS r {LINE_JOINS} WHERE r.review_id = ? AND r.guild_id = ?"
    row = await db.fetchone(query, (review_id, guild_id))
    return None if row is None else line_from_row(row)


async def get_review_card(db: Database, guild_id: int, review_id: int) -> ReviewCard | None:
    """A review of this server with its reviewer, its book and the server's reviews channel (one query)."""
    query = f"""
        SELECT {LINE_COLUMNS}, {BOOK_COLUMNS}, g.reviews_channel_id
        FROM reviews AS r
        JOIN books AS b ON b.book_id = r.book_id
        {LINE_JOINS}
        LEFT JOIN guilds AS g ON g.guild_id = r.guild_id
        WHERE r.review_id = ? AND r.guild_id = ?
    """
    row = await db.fetchone(query, (review_id, guild_id))
    if row is None:
        return None
    return ReviewCard(line_from_row(row), book_from_row(row), row["reviews_channel_id"])


async def get_draft(db: Database, guild_id: int, book_id: int, user_id: int) -> ReviewDraft:
    """The member's review of a book and their rating of it, either possibly None (one query)."""
    query = f"""
        SELECT {REVIEW_COLUMNS},
               (SELECT stars_x2 FROM ratings
                WHERE guild_id = :guild AND book_id = :book AND user_id = :user) AS rating
        FROM (SELECT 1)
        LEFT JOIN reviews AS r ON r.guild_id = :guild AND r.book_id = :book AND r.user_id = :user
    """
    row = await db.fetchone(query, {"guild": guild_id, "book": book_id, "user": user_id})
    assert row is not None  # always one row, from (SELECT 1)
    existing = None if row["review_id"] is None else review_from_row(row)
    return ReviewDraft(existing, None if row["rating"] is None else int(row["rating"]))


async def get_book_for_reader(
    db: Database, guild_id: int, user_id: int, book_id: int
) -> tuple[Book, bool] | None:
    """A book and whether the member has it on their 'read' shelf (the spoiler gate); None when gone."""
    query = f"""
        SELECT {BOOK_COLUMNS}, EXISTS (
            SELECT 1 FROM shelves
            WHERE guild_id = ? AND user_id = ? AND book_id = b.book_id AND shelf = 'read'
        ) AS has_read
        FROM books AS b WHERE b.book_id = ?
    """
    row = await db.fetchone(query, (guild_id, user_id, book_id))
    return None if row is None else (book_from_row(row), bool(row["has_read"]))


async def get_history(db: Database, review_id: int) -> list[HistoryEntry]:
    query = """
        SELECT edited_at, stars_x2, body, spoiler FROM review_history
        WHERE review_id = ? ORDER BY edited_at
    """
    rows = await db.fetchall(query, (review_id,))
    return [
        HistoryEntry(parse_db_time(row["edited_at"]), row["stars_x2"], row["body"], bool(row["spoiler"]))
        for row in rows
    ]


async def set_reviews_channel(db: Database, guild_id: int, channel_id: int | None) -> None:
    query = """
        INSERT INTO guilds (guild_id, reviews_channel_id) VALUES (?, ?)
        ON CONFLICT (guild_id) DO UPDATE SET reviews_channel_id = excluded.reviews_channel_id
    """
    await db.execute(query, (guild_id, channel_id))


async def search_id_for(db: Database, text: str) -> int:
    """The short id of a search text (stored once), for custom ids."""
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO review_searches (text) VALUES (?)", (text,))
        rows = list(
            await conn.execute_fetchall("SELECT search_id FROM review_searches WHERE text = ?", (text,))
        )
    return int(rows[0][0])


async def search_text(db: Database, search_id: int) -> str | None:
    value = await db.fetchval("SELECT text FROM review_searches WHERE search_id = ?", (search_id,))
    return None if value is None else str(value)


# -- paging --------------------------------------------------------------------------------
Sort = Literal["newest", "oldest", "highest", "lowest", "liked"]

# Each sort's key, all in one direction so one index serves it forwards and backwards.
_SORT_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "newest": (("created_at", "review_id"), True),
    "oldest": (("created_at", "review_id"), False),
    "highest": (("stars_key", "created_at", "review_id"), True),
    "lowest": (("stars_key", "created_at", "review_id"), False),
    "liked": (("likes", "created_at", "review_id"), True),
}


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which slice of a book's reviews to read.

    `mode`: 'offset' (skip `offset` rows — index-only), 'after'/'before' the `anchor` review
    (keyset), or 'last' (the final `limit` rows, read backwards).
    """

    guild_id: int
    book_id: int
    sort: Sort
    star_row: int | None  # 1..5 or None for all
    match: str | None  # a safe FTS5 query, or None
    mode: Literal["offset", "after", "before", "last"]
    limit: int
    offset: int = 0
    anchor: int = 0
    anchor_key: tuple[object, ...] | None = None  # the anchor's sort key, when already read


@dataclass(frozen=True, slots=True)
class ListHead:
    """What a page of `/reviews` needs before its rows, read in one statement (`list_head`)."""

    book: Book | None  # None when the caller already had it
    has_read: bool  # the viewer has the book on their 'read' shelf (the spoiler gate)
    total: int | None  # the maintained counter; None with a text search (count it over the matches)
    search: str | None  # the text of the list's search id, None when unknown
    anchor_key: tuple[object, ...] | None  # the anchor review's sort key, None when it is gone


def _where(request: PageRequest, dialect: str = "sqlite") -> tuple[str, list[object]]:
    clauses = ["r.guild_id = ?", "r.book_id = ?"]
    params: list[object] = [request.guild_id, request.book_id]
    if request.star_row is not None:
        key_columns, _ = _SORT_KEYS[request.sort]
        if key_columns[0] == "stars_key":
            # A range on the leading sort column keeps the (stars_key, …) index in order.
            clauses.append("r.stars_key BETWEEN ? AND ?")
            params += [request.star_row * 2, request.star_row * 2 + 1]
        else:
            clauses.append("r.star_row = ?")
            params.append(request.star_row)
    if request.match is not None:
        if dialect == "postgres":
            clauses.append("r.search @@ to_tsquery('simple', bookclub_fold(?))")
            params.append(tsquery_from_fts(request.match))
        else:
            clauses.append("r.review_id IN (SELECT rowid FROM reviews_fts WHERE reviews_fts MATCH ?)")
            params.append(request.match)
    return " AND ".join(clauses), params


async def page_ids(db: Database, request: PageRequest) -> list[int]:
    """The review ids of one page, in display order — one index range (index-only for offsets)."""
    columns, _ = _SORT_KEYS[request.sort]
    if request.mode in ("after", "before") and request.anchor_key is None:
        # The anchor's key is read first and bound as values: SQLite walks a row-value range over
        # the whole index key only for bound values (with a subquery it ranges on the first column).
        keys = ", ".join(columns)
        row = await db.fetchone(f"SELECT {keys} FROM reviews WHERE review_id = ?", (request.anchor,))
        if row is None:
            return []
        request = replace(request, anchor_key=tuple(row))
    query, params = _ids_query(request, dialect_of(db))
    rows = await db.fetchall(query, params)
    ids = [int(row[0]) for row in rows]
    return ids[::-1] if request.mode in ("before", "last") else ids


def _ids_query(request: PageRequest, dialect: str) -> tuple[str, list[object]]:
    """The page's ids in walking order (the anchor's key, for a keyset move, already in `request`)."""
    columns, descending = _SORT_KEYS[request.sort]
    where, params = _where(request, dialect)
    backwards = request.mode in ("before", "last")
    walk_desc = descending != backwards
    direction = "DESC" if walk_desc else "ASC"
    order = ", ".join(f"r.{column} {direction}" for column in columns)
    if request.mode in ("after", "before"):
        assert request.anchor_key is not None
        comparison = "<" if walk_desc else ">"
        marks = ", ".join("?" for _ in columns)
        where += f" AND ({', '.join(f'r.{column}' for column in columns)}) {comparison} ({marks})"
        params += list(request.anchor_key)
    query = f"""
        SELECT r.review_id FROM reviews AS r
        WHERE {where}
        ORDER BY {order}
        LIMIT ? OFFSET ?
    """
    return query, [*params, request.limit, request.offset if request.mode == "offset" else 0]


def _sort_key(sort: Sort, row: sqlite3.Row) -> tuple[object, ...]:
    """A row's sort key as SQLite compares it (stored text compares as Python strings do)."""
    values = {
        "created_at": row["created_at"],
        "review_id": row["review_id"],
        "stars_key": row["stars_x2"] or 0,
        "likes": row["likes"],
    }
    return tuple(values[column] for column in _SORT_KEYS[sort][0])


async def page_lines(db: Database, request: PageRequest) -> list[ReviewLine]:
    """A page's reviews with their reviewers, in display order, in one statement (ids and rows).

    A keyset move (`after`/`before`) needs `request.anchor_key` (see `list_head`). The ids are
    walked in the index by a subquery; the five rows come back in any order and are put in the
    sort's order here, by the same key.
    """
    ids_query, params = _ids_query(request, dialect_of(db))
    query = f"SELECT {LINE_COLUMNS} FROM reviews AS r {LINE_JOINS} WHERE r.review_id IN ({ids_query})"
    rows = await db.fetchall(query, params)
    _, descending = _SORT_KEYS[request.sort]
    rows.sort(key=lambda row: _sort_key(request.sort, row), reverse=descending)
    return [line_from_row(row) for row in rows]


async def list_head(
    db: Database,
    guild_id: int,
    viewer_id: int,
    book_id: int,
    *,
    sort: Sort,
    star_row: int | None,
    search_id: int,
    anchor: int,
    with_book: bool,
    match: str | None = None,
) -> ListHead | None:
    """The book (unless the caller has it), the spoiler gate, the header's count, the search text
    and the anchor's sort key, in one statement of primary-key reads; None when the book is gone.

    With `match` (the FTS query of the list's search, when the caller knows it) the count is of the
    matching reviews: the same full-text lookup `count_reviews` runs, in this statement instead.
    """
    columns = _SORT_KEYS[sort][0]
    if match is not None:
        stars = "AND r.star_row = :star_row" if star_row is not None else ""
        if dialect_of(db) == "postgres":
            matching = "r.search @@ to_tsquery('simple', bookclub_fold(:match))"
            match = tsquery_from_fts(match)
        else:
            matching = "r.review_id IN (SELECT rowid FROM reviews_fts WHERE reviews_fts MATCH :match)"
        total = f"""(SELECT count(*) FROM reviews AS r
                     WHERE r.guild_id = :guild AND r.book_id = :book {stars} AND {matching})"""
    elif star_row is None:
        total = "(SELECT reviews_count FROM book_stats WHERE guild_id = :guild AND book_id = b.book_id)"
    else:
        total = (
            "(SELECT reviews FROM review_star_counts "
            "WHERE guild_id = :guild AND book_id = b.book_id AND star_row = :star_row)"
        )
    query = f"""
        SELECT {BOOK_COLUMNS if with_book else "b.book_id"},
               EXISTS (
                   SELECT 1 FROM shelves
                   WHERE guild_id = :guild AND user_id = :viewer AND book_id = b.book_id AND shelf = 'read'
               ) AS has_read,
               {total} AS total,
               (SELECT text FROM review_searches WHERE search_id = :search_id) AS search,
               a.review_id AS anchor_id, {", ".join(f"a.{column} AS anchor_{column}" for column in columns)}
        FROM books AS b
        LEFT JOIN reviews AS a ON a.review_id = :anchor
        WHERE b.book_id = :book
    """
    params = {
        "guild": guild_id,
        "viewer": viewer_id,
        "book": book_id,
        "star_row": star_row,
        "search_id": search_id,
        "anchor": anchor,
        "match": match,
    }
    row = await db.fetchone(query, params)
    if row is None:
        return None
    return ListHead(
        book=book_from_row(row) if with_book else None,
        has_read=bool(row["has_read"]),
        total=int(row["total"] or 0),
        search=row["search"],
        anchor_key=None if row["anchor_id"] is None else tuple(row[f"anchor_{column}"] for column in columns),
    )


async def lines_for(db: Database, ids: list[int]) -> list[ReviewLine]:
    """Full rows for a page's ids, with reviewer names and counters, in the given order."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    query = f"""
        SELECT {LINE_COLUMNS} FROM reviews AS r {LINE_JOINS}
        WHERE r.review_id IN ({marks})
    """
    rows = await db.fetchall(query, ids)
    by_id = {int(row["review_id"]): line_from_row(row) for row in rows}
    return [by_id[review_id] for review_id in ids if review_id in by_id]


async def count_reviews(
    db: Database, guild_id: int, book_id: int, star_row: int | None, match: str | None
) -> int:
    """The header's total: a maintained counter, except for a text search (counted over its matches)."""
    if match is not None:
        request = PageRequest(guild_id, book_id, "newest", star_row, match, "offset", 0)
        where, params = _where(request, dialect_of(db))
        value = await db.fetchval(f"SELECT count(*) FROM reviews AS r WHERE {where}", params)
    elif star_row is None:
        query = "SELECT reviews_count FROM book_stats WHERE guild_id = ? AND book_id = ?"
        value = await db.fetchval(query, (guild_id, book_id))
    else:
        query = """
            SELECT reviews FROM review_star_counts WHERE guild_id = ? AND book_id = ? AND star_row = ?
        """
        value = await db.fetchval(query, (guild_id, book_id, star_row))
    return int(value or 0)
