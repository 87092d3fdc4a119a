"""Library import/export on a temporary database, fed with the real exports in the fixtures."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database, dialect_of
from bot.db.books import upsert_book
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.services.library import (
    FORMATS,
    GOODREADS_HEADER,
    ImportGuard,
    ImportSummary,
    export_library,
    import_library,
    read_library_file,
)
from bot.services.library.reader import iso_date, review_text, stars_x2_from

GUILD, OTHER_GUILD, ALICE, BOB = 10, 20, 1001, 1002
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    path: str
    rows: int
    shelves: dict[str, int]
    ratings: int
    reviews: int
    stars: tuple[int, int, int, int, int]  # book_stats stars_1..stars_5 summed over the books
    skipped: tuple[int, ...] = ()


# Counted independently with the csv module (see test_expected_counts_match_the_csv_module).
EXPECTED = [
    Expected(
        "goodreads/goodreads_library_export.mapmyreads.csv",
        358,
        {"want-to-read": 339, "read": 16, "currently-reading": 3},
        9,
        0,
        (0, 0, 0, 6, 3),
    ),
    Expected(
        "goodreads/goodreads_library_export.romneyda.csv",
        619,
        {"read": 533, "want-to-read": 74, "currently-reading": 12},
        529,
        9,
        (0, 0, 4, 60, 465),
    ),
    Expected("goodreads/goodreads_library_export.bookwyrm.csv", 3, {"read": 3}, 2, 1, (0, 1, 1, 0, 0)),
    Expected(
        "storygraph/storygraph_export.mapmyreads.csv",
        193,
        {"want-to-read": 128, "read": 64, "did-not-finish": 1},
        18,
        0,
        (0, 0, 1, 9, 8),  # 4.5, 3.75 (→ 4) and 4.25 (→ 4.5) all land in the 4-star row
    ),
    Expected(
        "storygraph/storygraph_export.lectorflow.csv",
        124,
        {"want-to-read": 73, "read": 49, "currently-reading": 1},
        49,
        0,
        (1, 4, 11, 15, 18),
        skipped=(125,),  # Carrie: empty Read Status, no rating, no review
    ),
    Expected(
        "storygraph/storygraph_export.bookwyrm.csv", 2, {"want-to-read": 1, "read": 1}, 1, 0, (0, 0, 0, 0, 1)
    ),
]


async def run_import(
    db: Database, data: bytes, *, guild: int = GUILD, user: int = ALICE, batch_size: int = 250
) -> ImportSummary:
    return await import_library(
        db, guild_id=guild, user_id=user, file=await read_library_file(data), now=NOW, batch_size=batch_size
    )


async def shelf_counts(db: Database, guild: int = GUILD, user: int = ALICE) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT shelf, count(*) FROM shelves WHERE guild_id = ? AND user_id = ? GROUP BY shelf", (guild, user)
    )
    return {row[0]: row[1] for row in rows}


async def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to tell whether anything at all was written."""
    query = (
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        if dialect_of(db) == "postgres"
        else "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    tables = await db.fetchall(query)
    return {
        table: sorted((tuple(row) for row in await db.fetchall(f'SELECT * FROM "{table}"')), key=repr)
        for (table,) in tables
    }


async def assert_aggregates_consistent(db: Database) -> None:
    """book_stats and member_stats equal a from-scratch count of the base tables."""
    stats = await db.fetchall(
        """SELECT guild_id, book_id, ratings_count, ratings_sum_x2, stars_1, stars_2, stars_3, stars_4,
                  stars_5, reviews_count, want_to_read, currently_reading, read_count, did_not_finish
           FROM book_stats WHERE ratings_count + reviews_count + want_to_read + currently_reading
                 + read_count + did_not_finish > 0 ORDER BY guild_id, book_id"""
    )
    scratch = await db.fetchall(
        """WITH keys AS (SELECT guild_id, book_id FROM ratings UNION SELECT guild_id, book_id FROM reviews
                         UNION SELECT guild_id, book_id FROM shelves)
           SELECT k.guild_id, k.book_id,
             (SELECT count(*) FROM ratings r WHERE r.guild_id = k.guild_id AND r.book_id = k.book_id),
             (SELECT coalesce(sum(stars_x2), 0) FROM ratings r WHERE r.guild_id = k.guild_id AND r.book_id = k.book_id),
             (SELECT count(*) FROM ratings r WHERE r.guild_id = k.guild_id AND r.book_id = k.book_id AND stars_x2 IN (2, 3)),
             (SELECT count(*) FROM ratings r WHERE r.guild_id = k.guild_id AND r.book_id = k.book_id AND stars_x2 IN (4, 5)),
             (SELECT count(*) FROM ratings r WHERE r.guild_id = k.guild_id AND r.book_id = k.book_id AND stars_x2 IN (6, 7)),
             (SELECT count(*) FROM ratings r WHERE r.guild_id = k.guild_id AND r.book_id = k.book_id AND stars_x2 IN (8, 9)),
             (SELECT count(*) FROM ratings r WHERE r.guild_id = k.guild_id AND r.book_id = k.book_id AND stars_x2 = 10),
             (SELECT count(*) FROM reviews v WHERE v.guild_id = k.guild_id AND v.book_id = k.book_id),
             (SELECT count(*) FROM shelves s WHERE s.guild_id = k.guild_id AND s.book_id = k.book_id AND shelf = 'want-to-read'),
             (SELECT count(*) FROM shelves s WHERE s.guild_id = k.guild_id AND s.book_id = k.book_id AND shelf = 'currently-reading'),
             (SELECT count(*) FROM shelves s WHERE s.guild_id = k.guild_id AND s.book_id = k.book_id AND shelf = 'read'),
             (SELECT count(*) FROM shelves s WHERE s.guild_id = k.guild_id AND s.book_id = k.book_id AND shelf = 'did-not-finish')
           FROM keys k ORDER BY k.guild_id, k.book_id"""
    )
    assert [tuple(r) for r in stats] == [tuple(r) for r in scratch]
    members = await db.fetchall(
        "SELECT guild_id, user_id, reviews_count, ratings_count, ratings_sum_x2 FROM member_stats "
        "WHERE reviews_count + ratings_count > 0 ORDER BY guild_id, user_id"
    )
    members_scratch = await db.fetchall(
        """WITH keys AS (SELECT guild_id, user_id FROM ratings UNION SELECT guild_id, user_id FROM reviews)
           SELECT k.guild_id, k.user_id,
             (SELECT count(*) FROM reviews v WHERE v.guild_id = k.guild_id AND v.user_id = k.user_id),
             (SELECT count(*) FROM ratings r WHERE r.guild_id = k.guild_id AND r.user_id = k.user_id),
             (SELECT coalesce(sum(stars_x2), 0) FROM ratings r WHERE r.guild_id = k.guild_id AND r.user_id = k.user_id)
           FROM keys k ORDER BY k.guild_id, k.user_id"""
    )
    assert [tuple(r) for r in members] == [tuple(r) for r in members_scratch]


# -- every fixture file --------------------------------------------------------------------------
@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: Path(e.path).name)
async def test_every_fixture_imports_with_expected_counts(
    db: Database, fixtures: Path, expected: Expected
) -> None:
    summary = await run_import(db, (fixtures / expected.path).read_bytes())

    assert summary.total == expected.rows
    assert [s.line for s in summary.skipped] == list(expected.skipped)
    assert summary.added == expected.rows - len(expected.skipped)
    assert (summary.updated, summary.unchanged) == (0, 0)
    assert (summary.ratings, summary.reviews) == (expected.ratings, expected.reviews)
    assert await shelf_counts(db) == expected.shelves
    assert await db.fetchval("SELECT count(*) FROM ratings") == expected.ratings
    assert await db.fetchval("SELECT count(*) FROM reviews WHERE imported = 1") == expected.reviews
    stars = await db.fetchone(
        "SELECT sum(stars_1), sum(stars_2), sum(stars_3), sum(stars_4), sum(stars_5) FROM book_stats"
    )
    assert stars is not None
    assert tuple(stars) == expected.stars
    member = await db.fetchone(
        "SELECT ratings_count, reviews_count FROM member_stats WHERE user_id = ?", (ALICE,)
    )
    if expected.ratings or expected.reviews:
        assert member is not None
        assert tuple(member) == (expected.ratings, expected.reviews)
    await assert_aggregates_consistent(db)


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: Path(e.path).name)
async def test_reimporting_the_same_file_changes_nothing(
    db: Database, fixtures: Path, expected: Expected
) -> None:
    data = (fixtures / expected.path).read_bytes()
    await run_import(db, data)
    before = [tuple(r) for r in await db.fetchall("SELECT * FROM shelves ORDER BY book_id")]
    stats_before = [tuple(r) for r in await db.fetchall("SELECT * FROM book_stats ORDER BY book_id")]
    books_before = await db.fetchval("SELECT count(*) FROM books")

    again = await run_import(db, data)

    assert again.added == 0
    assert again.unchanged == expected.rows - len(expected.skipped)
    assert (again.updated, again.ratings, again.reviews, again.books_created) == (0, 0, 0, 0)
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM shelves ORDER BY book_id")] == before
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM book_stats ORDER BY book_id")] == stats_before
    assert await db.fetchval("SELECT count(*) FROM books") == books_before


def test_expected_counts_match_the_csv_module(fixtures: Path) -> None:
    """The hard-coded numbers above, recounted with nothing but the csv module."""
    for expected in EXPECTED:
        with (fixtures / expected.path).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == expected.rows
        if "Exclusive Shelf" in rows[0]:
            shelves = Counter(r["Exclusive Shelf"].replace("to-read", "want-to-read") for r in rows)
            rated = sum(1 for r in rows if r["My Rating"] not in ("", "0"))
            reviewed = sum(1 for r in rows if r["My Review"].strip())
        else:
            shelves = Counter(
                r["Read Status"].replace("to-read", "want-to-read") for r in rows if r["Read Status"]
            )
            rated = sum(1 for r in rows if r["Star Rating"].strip())
            reviewed = sum(1 for r in rows if r["Review"].strip())
        assert dict(shelves) == expected.shelves
        assert rated == expected.ratings
        assert reviewed == expected.reviews


async def test_goodreads_details_survive(db: Database, fixtures: Path) -> None:
    await run_import(db, (fixtures / "goodreads/goodreads_library_export.bookwyrm.csv").read_bytes())
    book = await db.fetchone("SELECT * FROM books WHERE title = 'Patisserie at Home'")
    assert book is not None
    assert (book["isbn13"], book["isbn10"], book["source"], book["enriched_at"]) == (
        "9780062445315",
        "0062445316",
        "import",
        None,
    )
    assert book["authors"] == "Mélanie Dupuis\nAnne Cazor"
    assert (book["pages"], book["format"], book["first_published"]) == (288, "Hardcover", "2016")
    shelf = await db.fetchone("SELECT * FROM shelves WHERE book_id = ?", (book["book_id"],))
    assert shelf is not None
    assert (shelf["shelf"], shelf["added_at"], shelf["times_read"]) == (
        "read",
        "2019-07-08T00:00:00+00:00",
        2,
    )
    review = await db.fetchone("SELECT * FROM reviews WHERE book_id = ?", (book["book_id"],))
    assert review is not None
    assert (review["body"], review["stars_x2"], review["imported"], review["message_id"]) == (
        "mixed feelings",
        4,
        1,
        None,
    )
    assert review["created_at"] == "2019-07-08T00:00:00+00:00"  # no Date Read: Date Added
    gideon = await db.fetchone(
        "SELECT s.finished_at, r.stars_x2 FROM books b JOIN shelves s USING (book_id) "
        "JOIN ratings r USING (book_id) WHERE b.isbn13 = '9781250313195'"
    )
    assert gideon is not None
    assert tuple(gideon) == ("2020-10-25T00:00:00+00:00", 6)
    # An empty ISBN (`=""`) creates a book without one.
    assert await db.fetchval("SELECT isbn13 FROM books WHERE title = 'Subcutanean'") is None


async def test_storygraph_ranges_quarter_stars_and_asins(db: Database, fixtures: Path) -> None:
    await run_import(db, (fixtures / "storygraph/storygraph_export.mapmyreads.csv").read_bytes())
    rows = await db.fetchall(
        "SELECT b.title, r.stars_x2 FROM ratings r JOIN books b USING (book_id) WHERE r.stars_x2 % 2 = 1 "
        "OR b.title IN ('The Undoing Project', 'The Argonauts') ORDER BY b.title"
    )
    with (fixtures / "storygraph/storygraph_export.mapmyreads.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        raw = {r["Title"]: r for r in csv.DictReader(handle)}
    for row in rows:
        written = raw[row["title"]]["Star Rating"]
        assert row["stars_x2"] == {"4.5": 9, "4.25": 9, "3.75": 8}.get(written, int(float(written) * 2))
    assert sum(1 for r in raw.values() if r["Star Rating"] == "3.75") == 1
    three_75 = next(t for t, r in raw.items() if r["Star Rating"] == "3.75")
    assert (
        await db.fetchval(
            "SELECT r.stars_x2 FROM ratings r JOIN books b USING (book_id) WHERE b.title = ?", (three_75,)
        )
        == 8
    )
    ranged = next(t for t, r in raw.items() if r["Dates Read"] == "2023/05/23-2023/06/07")
    shelf = await db.fetchone(
        "SELECT s.started_at, s.finished_at FROM shelves s JOIN books b USING (book_id) WHERE b.title = ?",
        (ranged,),
    )
    assert shelf is not None
    assert tuple(shelf) == ("2023-05-23T00:00:00+00:00", "2023-06-07T00:00:00+00:00")
    asin = next(t for t, r in raw.items() if r["ISBN/UID"] == "B07MNWKF2M")
    assert await db.fetchval("SELECT isbn13 FROM books WHERE title = ?", (asin,)) is None
    assert await db.fetchval("SELECT isbn13 FROM books WHERE title = 'Shuggie Bain'") == "9780802148049"
    assert await db.fetchval("SELECT format FROM books WHERE title = 'Queenie'") == "Audiobook"


# -- matching the catalogue ---------------------------------------------------------------------
async def test_rows_match_existing_books_by_isbn_then_title_and_author(db: Database) -> None:
    dune = await upsert_book(
        db, BookData("Dune", ("Frank Herbert",), isbn13="9780441013593", isbn10="0441013597")
    )
    other = await upsert_book(db, BookData("The Hobbit", ("J. R. R. Tolkien",), ol_work_id="OL27482W"))
    data = (
        b"Title,Author,Author l-f,ISBN,ISBN13,My Rating,Exclusive Shelf,Date Added\n"
        b'Dune (different title),Frank Herbert,"Herbert, Frank",="0441013597",="",5,read,2024/01/02\n'
        b'the hobbit,J.R.R. Tolkien,"Tolkien, J.R.R.",="",="",4,read,2024/01/03\n'
        b'The Hobbit,Someone Else,"Else, Someone",="",="",4,read,2024/01/04\n'
    )
    summary = await run_import(db, data)
    ids = [r[0] for r in await db.fetchall("SELECT book_id FROM shelves ORDER BY added_at")]
    assert ids[:2] == [dune.book_id, other.book_id]  # by ISBN-10; by title + author (case, dots ignored)
    assert ids[2] not in (dune.book_id, other.book_id)  # same title, another author: another book
    assert summary.books_created == 1
    assert (summary.added, summary.unchanged) == (3, 0)


async def test_an_import_keeps_the_reading_progress_it_cannot_know(db: Database) -> None:
    dune = await upsert_book(
        db, BookData("Dune", ("Frank Herbert",), isbn13="9780441013593", isbn10="0441013597")
    )
    async with db.transaction() as conn:  # Alice is on page 120 (from /progress)
        await conn.execute(
            "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, times_read, page, percent,"
            " progress_at) VALUES (?, ?, ?, 'currently-reading', '2026-01-01T00:00:00.000Z', 0, 120, 30,"
            " '2026-01-05T00:00:00.000Z')",
            (GUILD, ALICE, dune.book_id),
        )
    row = b',Dune,Frank Herbert,"Herbert, Frank",,="0441013597",="9780441013593",0,,,,,,,,2025/02/01,,,%s,,,,0,0\n'
    header = ",".join(GOODREADS_HEADER).encode() + b"\n"

    same = await run_import(db, header + row % b"currently-reading")
    moved = await run_import(db, header + row % b"to-read")

    assert (same.updated, same.unchanged, moved.updated) == (1, 0, 1)  # the file's Date Added, then the shelf
    stored = await db.fetchone(
        "SELECT shelf, added_at, page, percent, progress_at FROM shelves WHERE book_id = ?", (dune.book_id,)
    )
    assert stored is not None
    assert tuple(stored) == ("want-to-read", "2025-02-01T00:00:00+00:00", 120, 30, "2026-01-05T00:00:00.000Z")
    again = await run_import(db, header + row % b"to-read")
    assert (again.updated, again.unchanged) == (0, 1)  # progress alone is never a difference
    await assert_aggregates_consistent(db)


# -- crash and resume ---------------------------------------------------------------------------
class Crash(Exception):
    pass


async def test_an_import_cut_off_completes_when_run_again(db: Database, fixtures: Path) -> None:
    data = (fixtures / "goodreads/goodreads_library_export.romneyda.csv").read_bytes()
    calls = 0

    async def crash_after_two_batches(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Crash

    with pytest.raises(Crash):
        await import_library(
            db,
            guild_id=GUILD,
            user_id=ALICE,
            file=await read_library_file(data),
            now=NOW,
            progress=crash_after_two_batches,
            batch_size=100,
        )
    assert await db.fetchval("SELECT count(*) FROM shelves") == 200  # two whole batches, nothing partial
    await assert_aggregates_consistent(db)

    summary = await run_import(db, data, batch_size=100)

    assert summary.resumed_from == 200
    assert (summary.added, summary.unchanged, summary.updated) == (419, 200, 0)
    assert await shelf_counts(db) == EXPECTED[1].shelves
    assert await db.fetchval("SELECT count(*) FROM ratings") == 529
    assert await db.fetchval("SELECT status FROM import_jobs ORDER BY job_id DESC LIMIT 1") == "done"
    assert await db.fetchval("SELECT count(*) FROM import_jobs") == 1
    await assert_aggregates_consistent(db)


# -- living alongside interactive data ------------------------------------------------------------
async def test_import_keeps_other_data_and_aggregates_consistent(db: Database) -> None:
    book = await upsert_book(
        db, BookData("Dune", ("Frank Herbert",), isbn13="9780441013593", isbn10="0441013597")
    )
    async with db.transaction() as conn:  # what the interactive services would have written
        await conn.execute(
            "INSERT INTO ratings VALUES (?, ?, ?, 10, '2026-01-01T00:00:00+00:00')",
            (GUILD, book.book_id, BOB),
        )
        await conn.execute(
            "INSERT INTO reviews (guild_id, book_id, user_id, stars_x2, body, created_at) "
            "VALUES (?, ?, ?, 6, 'Written in Discord', '2026-01-02T00:00:00+00:00')",
            (GUILD, book.book_id, ALICE),
        )
        await conn.execute(
            "INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2, stars_5, reviews_count) "
            "VALUES (?, ?, 1, 10, 1, 1)",
            (GUILD, book.book_id),
        )
        await conn.execute(
            "INSERT INTO member_stats (guild_id, user_id, reviews_count, followers_count) VALUES (?, ?, 1, 7)",
            (GUILD, ALICE),
        )
        await conn.execute(
            "INSERT INTO member_stats (guild_id, user_id, ratings_count, ratings_sum_x2) VALUES (?, ?, 1, 10)",
            (GUILD, BOB),
        )
    data = (
        ",".join(GOODREADS_HEADER) + "\n"
        ',Dune,Frank Herbert,"Herbert, Frank",,="0441013597",="9780441013593",4,4.2,,,,,,2025/03/01,'
        "2025/02/01,read,read (#1),read,From the file,,,1,0\n"
    ).encode()
    summary = await run_import(db, data)

    assert (summary.added, summary.ratings, summary.reviews) == (1, 1, 0)
    assert await db.fetchval("SELECT body FROM reviews WHERE user_id = ?", (ALICE,)) == "Written in Discord"
    stats = await db.fetchone("SELECT * FROM book_stats WHERE book_id = ?", (book.book_id,))
    assert stats is not None
    assert (stats["ratings_count"], stats["ratings_sum_x2"], stats["stars_4"], stats["stars_5"]) == (
        2,
        18,
        1,
        1,
    )
    assert (stats["reviews_count"], stats["read_count"]) == (1, 1)
    member = await db.fetchone("SELECT * FROM member_stats WHERE user_id = ?", (ALICE,))
    assert member is not None
    assert (member["ratings_count"], member["ratings_sum_x2"], member["reviews_count"]) == (1, 8, 1)
    assert member["followers_count"] == 7  # not the import's to touch
    await assert_aggregates_consistent(db)


async def test_a_changed_row_is_updated(db: Database, fixtures: Path) -> None:
    path = fixtures / "goodreads/goodreads_library_export.bookwyrm.csv"
    await run_import(db, path.read_bytes())
    changed = path.read_text(encoding="utf-8").replace('",3,4.20,', '",5,4.20,')  # Gideon: 3 → 5 stars
    summary = await run_import(db, changed.encode())
    assert (summary.added, summary.updated, summary.unchanged, summary.ratings) == (0, 1, 2, 1)
    assert await db.fetchval("SELECT sum(stars_5) FROM book_stats") == 1
    await assert_aggregates_consistent(db)


async def test_clubs_are_separate(db: Database, fixtures: Path) -> None:
    data = (fixtures / "goodreads/goodreads_library_export.bookwyrm.csv").read_bytes()
    await run_import(db, data, guild=GUILD)
    summary = await run_import(db, data, guild=OTHER_GUILD)
    assert (summary.added, summary.books_created) == (3, 0)
    assert await db.fetchval("SELECT count(*) FROM book_stats WHERE guild_id = ?", (OTHER_GUILD,)) == 3


# -- export and the round trip ------------------------------------------------------------------
async def library_of(db: Database, guild: int) -> list[tuple[object, ...]]:
    rows = await db.fetchall(
        """SELECT b.title, coalesce(b.isbn13, ''), s.shelf, s.added_at, s.finished_at, s.times_read,
                  r.stars_x2, v.body, v.spoiler, v.created_at
           FROM shelves s JOIN books b USING (book_id)
           LEFT JOIN ratings r ON r.guild_id = s.guild_id AND r.user_id = s.user_id AND r.book_id = s.book_id
           LEFT JOIN reviews v ON v.guild_id = s.guild_id AND v.user_id = s.user_id AND v.book_id = s.book_id
           WHERE s.guild_id = ? AND s.user_id = ? ORDER BY b.title, s.added_at""",
        (guild, ALICE),
    )
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    "path",
    [
        "goodreads/goodreads_library_export.romneyda.csv",
        "storygraph/storygraph_export.mapmyreads.csv",
        "storygraph/storygraph_export.lectorflow.csv",
    ],
)
async def test_export_then_import_round_trip(db: Database, fixtures: Path, path: str) -> None:
    await run_import(db, (fixtures / path).read_bytes())
    export = await export_library(db, guild_id=GUILD, user_id=ALICE, now=NOW)
    assert export.filename == "bookclub_library_export_2026-11-25.csv"
    header = export.data.split(b"\n", 1)[0].decode()
    assert header == ",".join(GOODREADS_HEADER)

    summary = await run_import(db, export.data, guild=OTHER_GUILD)

    assert summary.skipped == []
    assert summary.books_created == 0
    assert await library_of(db, OTHER_GUILD) == await library_of(db, GUILD)
    # And the export re-imported where it came from is a no-op.
    again = await run_import(db, export.data)
    assert (again.added, again.updated) == (0, 0)


async def test_export_quotes_isbns_and_reviews_like_goodreads(db: Database) -> None:
    data = (
        ",".join(GOODREADS_HEADER) + "\n"
        ',Dune,Frank Herbert,"Herbert, Frank",,="0441013597",="9780441013593",4,4.2,,Paperback,412,1990,1965,'
        '2025/03/01,2025/02/01,read,read (#1),read,"Line one<br/><br/>Line <b>two</b> &amp; more",true,,1,0\n'
    ).encode()
    await run_import(db, data)
    assert await db.fetchval("SELECT body FROM reviews") == "Line one\n\nLine two & more"
    export = await export_library(db, guild_id=GUILD, user_id=ALICE, now=NOW)
    text = export.data.decode()
    assert '"=""0441013597"""' in text
    assert '"=""9780441013593"""' in text
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["My Review"] == "Line one<br/><br/>Line two & more"
    assert (row["My Rating"], row["Exclusive Shelf"], row["Date Read"], row["Date Added"]) == (
        "4",
        "read",
        "2025/03/01",
        "2025/02/01",
    )
    assert (row["Spoiler"], row["Read Count"], row["Binding"], row["Number of Pages"]) == (
        "true",
        "1",
        "Paperback",
        "412",
    )
    assert row["Author l-f"] == "Herbert, Frank"
    assert b"\r\n" not in export.data


async def test_export_of_an_empty_library_says_so(db: Database) -> None:
    with pytest.raises(UserFacingError, match="library in this server is empty"):
        await export_library(db, guild_id=GUILD, user_id=ALICE, now=NOW)


# -- bad input --------------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PNG, "not a CSV"),
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"name,age\nbob,3\n", "don't recognise this CSV's header"),
        ((",".join(GOODREADS_HEADER) + "\n").encode(), "no books in it"),
        (b"\xff\xfe\x00T\x00i\x00t\x00l\x00e", "not a CSV"),
    ],
)
async def test_unreadable_files_are_refused_before_anything_is_written(
    db: Database, data: bytes, message: str
) -> None:
    await run_import(db, b"Title,Author,Exclusive Shelf,My Rating\nDune,Frank Herbert,read,5\n")
    before = await snapshot(db)

    with pytest.raises(UserFacingError, match=message):
        await run_import(db, data)

    assert await snapshot(db) == before


async def test_a_format_that_does_not_match_the_header_is_refused(fixtures: Path) -> None:
    data = (fixtures / "storygraph/storygraph_export.bookwyrm.csv").read_bytes()
    with pytest.raises(UserFacingError, match="this file is a storygraph export"):
        await read_library_file(data, FORMATS["goodreads"])
    assert (await read_library_file(data, FORMATS["storygraph"])).format == "storygraph"


async def test_bad_rows_are_skipped_with_their_line_numbers(db: Database) -> None:
    data = (
        "Title,Author,Exclusive Shelf,My Rating,My Review\n"
        "Good One,Ann Author,read,4,\n"  # line 2
        '"Broken"quote,Ann Author,read,5,\n'  # line 3: broken quoting
        ",Ann Author,read,5,\n"  # line 4: no title
        '"A review over\n'  # line 5 …
        '  two lines",Bo Writer,to-read,0,\n'  # … ends on line 6: a title with a line break, kept
        "Too,Many,read,1,,extra\n"  # line 7: too many columns
        "Weird Shelf,Ann Author,paused,0,\n"  # line 8
        "Bad Stars,Ann Author,read,seven,\n"  # line 9
        "Last Good,Cy Writer,currently-reading,0,\n"  # line 10
        '"Unterminated,Ann Author,read,5,\n'  # line 11 runs to the end of the file
    )
    summary = await run_import(db, data.encode())
    skipped = {s.line: s.reason for s in summary.skipped}
    assert set(skipped) == {3, 4, 7, 8, 9, 11}
    assert "broken quoting" in skipped[3]
    assert skipped[4] == "has no title"
    assert "columns" in skipped[7]
    assert "paused" in skipped[8]
    assert "seven" in skipped[9]
    assert "broken quoting" in skipped[11]
    assert summary.added == 3
    titles = {r[0] for r in await db.fetchall("SELECT title FROM books")}
    assert titles == {"Good One", "A review over two lines", "Last Good"}
    assert await db.fetchval("SELECT count(*) FROM ratings") == 1
    await assert_aggregates_consistent(db)


def test_one_import_at_a_time_per_member() -> None:
    guard = ImportGuard()
    with guard.claim(GUILD, ALICE):
        with pytest.raises(UserFacingError, match="still running"), guard.claim(GUILD, ALICE):
            pass
        with guard.claim(GUILD, BOB), guard.claim(OTHER_GUILD, ALICE):
            pass  # other members and other clubs are not blocked
    with guard.claim(GUILD, ALICE):
        pass  # released after the first import


# -- value parsing ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "stars_x2"),
    [
        ("0", None),
        ("", None),
        ("0.0", None),
        ("0.25", 2),  # anything above 0 is at least one star
        ("1", 2),
        ("3.25", 7),  # 6.5 half up → 7 = 3½
        ("3.5", 7),
        ("3.75", 8),  # 7.5 half up → 8 = 4
        ("4.25", 9),
        ("4.5", 9),
        ("4.75", 10),
        ("5.0", 10),
    ],
)
def test_star_ratings_round_half_up_to_half_stars(written: str, stars_x2: int | None) -> None:
    assert stars_x2_from(written) == stars_x2


@pytest.mark.parametrize("written", ["seven", "6", "5.5", "-"])
def test_impossible_ratings_are_refused(written: str) -> None:
    with pytest.raises(ValueError, match="rating"):
        stars_x2_from(written)


def test_dates_and_review_html() -> None:
    assert iso_date("2020/10/25") == "2020-10-25T00:00:00+00:00"
    assert iso_date("2021/02/30") is None
    assert iso_date("") is None
    assert review_text("a<br/>b<br>c<BR />d &quot;q&quot; <i>it</i>") == 'a\nb\nc\nd "q" it'
    assert review_text("   ") is None


async def test_a_very_long_review_is_shortened_and_counted(db: Database) -> None:
    long_review = "word " * 1500
    data = f"Title,Author,Exclusive Shelf,My Review\nLong,Ann,read,{long_review}\n".encode()
    summary = await run_import(db, data)
    body = await db.fetchval("SELECT body FROM reviews")
    assert len(body) == 4000
    assert body.endswith("…")
    assert (summary.reviews, summary.reviews_shortened) == (1, 1)
    assert (await run_import(db, data)).unchanged == 1  # and it stays idempotent
