"""What only PostgreSQL needs: two handles writing at once, search parity with FTS5, the copy from
SQLite (batched, resumable, checked, refusing a target in use), placeholders translated once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database, open_database
from bot.db import reviews as store
from bot.db.books import search_books, upsert_book
from bot.db.copy import CopyRefused, CopyStopped, copy_to_postgres
from bot.db.postgres import PostgresDatabase, open_postgres, redacted, translate
from bot.db.review_writes import insert_review_in
from bot.db.stats import get_book_stats
from bot.models.books import BookData
from bot.services.ratings import rate_book
from bot.services.reviews import fts_match
from bot.services.shelves import shelve_book
from tests.pg import PostgresServer

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
async def server(postgres_server: PostgresServer) -> PostgresServer:
    if postgres_server.unavailable:
        pytest.skip(f"PostgreSQL half skipped: {postgres_server.unavailable}")
    return postgres_server


@pytest.fixture
async def pg_url(server: PostgresServer) -> AsyncIterator[str]:
    url = await server.create_database()
    yield url
    await server.drop_database(url)


@pytest.fixture
async def empty_url(server: PostgresServer) -> AsyncIterator[str]:
    url = await server.empty_database()
    yield url
    await server.drop_database(url)


def test_placeholders_are_translated_once_and_literals_left_alone() -> None:
    text, names, count = translate("SELECT ':x', a::text FROM t WHERE b = :b AND c = :c AND d = :b")
    assert text == "SELECT ':x', a::text FROM t WHERE b = $1 AND c = $2 AND d = $1"
    assert (names, count) == (("b", "c"), 2)
    assert translate("INSERT OR IGNORE INTO guilds (guild_id) VALUES (?)")[0] == (
        "INSERT INTO guilds (guild_id) VALUES ($1) ON CONFLICT DO NOTHING"
    )
    assert translate("INSERT INTO books (title) VALUES (?)")[0].endswith("RETURNING book_id AS lastrowid")
    # SQLite's two-argument min is NULL when either side is; LEAST would skip the NULL.
    assert (
        translate("SELECT min(?, 3)")[0]
        == "SELECT (LEAST($1, 3) + CASE WHEN ($1) IS NULL OR (3) IS NULL THEN NULL ELSE 0 END)"
    )
    # A rewrite repeating an argument repeats its number: still one parameter.
    assert translate("UPDATE t SET a = max(a, ?) WHERE b = ?")[2] == 2
    assert translate.cache_info().currsize > 0


def test_the_password_never_appears_in_a_label() -> None:
    assert redacted("postgresql://bot:s3cret@db:5432/club") == "postgresql://bot:***@db:5432/club"


async def test_two_handles_rating_at_once_never_lose_an_update(pg_url: str) -> None:
    """Two pools stand for two processes: 40 members rate one book through both at the same time,
    each twice (a new rating, then a change), and the aggregates match a recount."""
    first, second = await open_postgres(pg_url), await open_postgres(pg_url)
    try:
        book = await upsert_book(first, BookData(title="Dune", ol_work_id="OL1W"))

        async def member(user_id: int) -> None:
            handle = first if user_id % 2 else second
            await rate_book(handle, 1, user_id, book.book_id, 6, NOW)
            await rate_book(second if user_id % 2 else first, 1, user_id, book.book_id, 10, NOW)

        await asyncio.gather(*(member(user_id) for user_id in range(1, 41)))
        stats = await get_book_stats(first, 1, book.book_id)
        assert (stats.ratings_count, stats.ratings_sum_x2) == (40, 400)
        assert stats.stars == (0, 0, 0, 0, 40)
    finally:
        await first.close()
        await second.close()


CORPUS = [
    "Příliš žluťoučký kůň úpěl ďábelské ódy",
    "Ёлки-палки, какая книга! Прочитал за ночь.",
    "Dune is a slow burn; the ending is brilliant",
    "Une idée géniale, très bien écrite",
    "Brillantní kniha, doporučuji všem",
    "Ничего не понял, но очень красиво",
    "Мой любимый автор, ёмко и точно",
    "Straße ohne Ende",
]
# Each query matches at least one review on SQLite; the ones in NO_MATCH match none on either (FTS5
# strips the diacritics of Latin letters only: ё stays ё, й stays й, ß stays ß).
NO_MATCH = ["елки", "мои", "емко", "strasse"]
QUERIES = [
    "zlutoucky",
    "kůň",
    "ЁЛКИ",
    "ёлки палки",
    "мой",
    "ohne",
    "brill",
    "idee",
    "tres bien",
    "ночь",
    "понял красиво",
    "dune end",
]


async def _review_matches(db: Database, book_id: int, text: str) -> list[int]:
    request = store.PageRequest(1, book_id, "oldest", None, fts_match(text), "offset", 50)
    return await store.page_ids(db, request)


async def _seed_reviews(db: Database) -> int:
    book = await upsert_book(db, BookData(title="Dune", ol_work_id="OL1W"))
    async with db.transaction() as conn:
        for user_id, body in enumerate(CORPUS, start=1):
            await insert_review_in(
                conn, guild_id=1, book_id=book.book_id, user_id=user_id, stars_x2=8, body=body,
                spoiler=False, created_at=NOW,
            )  # fmt: skip
    return book.book_id


async def test_review_search_finds_what_fts5_finds_czech_and_russian_included(
    tmp_path: Path, pg_url: str
) -> None:
    lite = await open_database(tmp_path / "club.sqlite3")
    await lite.migrate()
    pg = await open_postgres(pg_url)
    try:
        lite_book, pg_book = await _seed_reviews(lite), await _seed_reviews(pg)
        for text in QUERIES:
            expected = await _review_matches(lite, lite_book, text)
            assert expected, f"the corpus should match {text!r}"
            assert await _review_matches(pg, pg_book, text) == expected, text
        for text in NO_MATCH:
            assert await _review_matches(lite, lite_book, text) == []
            assert await _review_matches(pg, pg_book, text) == [], text
        for text in ("Žluťoučký", "ЁЛКИ", "Dúne", "Dun", "elki"):
            lite_titles = [b.title for b in await search_books(lite, text)]
            assert [b.title for b in await search_books(pg, text)] == lite_titles
    finally:
        await lite.close()
        await pg.close()


async def _club_file(path: Path, *, books: int = 30) -> None:
    db = await open_database(path)
    await db.migrate()
    try:
        for n in range(books):
            book = await upsert_book(db, BookData(title=f"Book {n} · Kůň", ol_work_id=f"OL{n + 1}W"))
            for user_id in range(1, 6):
                await rate_book(db, 1 + n % 2, user_id, book.book_id, 2 + (n + user_id) % 9, NOW)
            await shelve_book(db, 1, 7, book.book_id, "read" if n % 3 else "want-to-read", NOW)
            async with db.transaction() as conn:
                await insert_review_in(
                    conn, guild_id=1, book_id=book.book_id, user_id=9, stars_x2=None if n % 4 else 7,
                    body=f"Ёлки {n}", spoiler=bool(n % 2), created_at=NOW,
                )  # fmt: skip
    finally:
        await db.close()


async def test_the_copy_is_batched_resumable_and_counted(tmp_path: Path, empty_url: str) -> None:
    source = tmp_path / "club.sqlite3"
    await _club_file(source)
    pg = await open_postgres(empty_url)
    try:
        with pytest.raises(CopyStopped):
            await copy_to_postgres(source, pg, batch=7, stop_after_batches=5)
        copied_first = int(await pg.fetchval("SELECT sum(copied) FROM bookclub_copy"))
        assert copied_first > 0
        report = await copy_to_postgres(source, pg, batch=7)
        assert report.resumed
        assert report.mismatches == []
        assert report.tables["ratings"] == 150
        assert report.tables["reviews"] == 30
        # Nothing the first run committed is copied again; the per-star review counts are rebuilt
        # by PostgreSQL's triggers from the reviews, never copied.
        assert (
            report.copied_now
            == sum(report.tables.values()) - copied_first - report.tables["review_star_counts"]
        )
        # What a command reads is the same on both sides; ids continue after the copied ones.
        lite = await open_database(source)
        try:
            for guild in (1, 2):
                for book_id in (1, 2, 30):
                    assert await get_book_stats(pg, guild, book_id) == await get_book_stats(
                        lite, guild, book_id
                    )
            # Member aggregates too, the shelf counts PostgreSQL's trigger rebuilds from the shelves
            # included: copied once, not counted again on top of the copied row.
            every_member = "SELECT * FROM member_stats ORDER BY guild_id, user_id"
            assert [tuple(row) for row in await pg.fetchall(every_member)] == [
                tuple(row) for row in await lite.fetchall(every_member)
            ]
            assert await lite.fetchval("SELECT sum(shelf_read + shelf_want_to_read) FROM member_stats")
            matches = await _review_matches(pg, 3, "ёлки")
            assert matches == await _review_matches(lite, 3, "ёлки") != []
        finally:
            await lite.close()
        book = await upsert_book(pg, BookData(title="After the copy", ol_work_id="OL999W"))
        assert book.book_id == 31
        # A second run finds a database that holds data and no copy in progress.
        with pytest.raises(CopyRefused, match="not empty"):
            await copy_to_postgres(source, pg)
    finally:
        await pg.close()


async def test_the_copy_refuses_a_target_with_data(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "club.sqlite3"
    await _club_file(source, books=1)
    pg = await open_postgres(pg_url)
    try:
        await upsert_book(pg, BookData(title="Already here", ol_work_id="OL5W"))
        with pytest.raises(CopyRefused, match="not empty"):
            await copy_to_postgres(source, pg)
        assert await pg.fetchval("SELECT count(*) FROM books") == 1
    finally:
        await pg.close()


async def test_migrating_twice_at_once_applies_each_migration_once(empty_url: str) -> None:
    first, second = await open_postgres(empty_url), await open_postgres(empty_url)
    try:
        versions = await asyncio.gather(first.migrate(), second.migrate())
        assert versions[0] == versions[1] == await first.user_version()
        assert await first.fetchval("SELECT count(*) FROM schema_migrations") == versions[0]
    finally:
        await first.close()
        await second.close()


def test_the_postgres_handle_is_a_database() -> None:
    assert issubclass(PostgresDatabase, Database)
