"""Regression tests for the library defects of the hardening issue (#11): values that aborted an
import half-written, misleading refusals, formulas in exports, and imported titles leaking into
other servers."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from bot.db import Database
from bot.errors import UserFacingError
from bot.models.library import LibraryEntry
from bot.services.library import GOODREADS_HEADER, export_library, import_library, read_library_file
from bot.services.library.goodreads import write_goodreads
from tests.services.test_library import (
    ALICE,
    GUILD,
    NOW,
    OTHER_GUILD,
    assert_aggregates_consistent,
    library_of,
    run_import,
    snapshot,
)

HEADER = ",".join(GOODREADS_HEADER)


def goodreads_row(
    title: str,
    *,
    isbn13: str = "",
    rating: str = "0",
    pages: str = "",
    read_count: str = "1",
    shelf: str = "read",
    review: str = "",
    author: str = "Ann Author",
) -> str:
    """One 24-column Goodreads row, every cell quoted as the csv module would."""
    cells = [""] * len(GOODREADS_HEADER)
    values = {
        "Title": title,
        "Author": author,
        "ISBN13": f'="{isbn13}"',
        "My Rating": rating,
        "Number of Pages": pages,
        "Exclusive Shelf": shelf,
        "My Review": review,
        "Read Count": read_count,
        "Date Added": "2024/01/02",
    }
    for name, value in values.items():
        cells[GOODREADS_HEADER.index(name)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def goodreads_file(*rows: str) -> bytes:
    return (HEADER + "\n" + "".join(rows)).encode()


async def job_statuses(db: Database) -> list[str]:
    return [row[0] for row in await db.fetchall("SELECT status FROM import_jobs ORDER BY job_id")]


# -- 3. a value the parsers did not expect ---------------------------------------------------------
@pytest.mark.parametrize("rating", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "1e999999999"])
async def test_an_unparsable_rating_skips_its_row_and_the_import_finishes(db: Database, rating: str) -> None:
    rows = [goodreads_row(f"Book {n}", rating="4") for n in range(300)]
    rows[260] = goodreads_row("Bad Rating", rating=rating)  # in the second batch of 250
    summary = await run_import(db, goodreads_file(*rows))

    assert [s.line for s in summary.skipped] == [262]
    assert "rating" in summary.skipped[0].reason
    assert summary.added == 299
    assert await job_statuses(db) == ["done"]
    assert await db.fetchval("SELECT count(*) FROM ratings") == 299
    await assert_aggregates_consistent(db)


class Crash(Exception):
    pass


async def test_a_job_whose_task_failed_is_never_left_running(db: Database) -> None:
    data = goodreads_file(*(goodreads_row(f"Book {n}") for n in range(30)))

    async def crash(done: int, total: int) -> None:
        raise Crash

    with pytest.raises(Crash):
        await import_library(
            db,
            guild_id=GUILD,
            user_id=ALICE,
            file=await read_library_file(data),
            now=NOW,
            progress=crash,
            batch_size=10,
        )
    assert await job_statuses(db) == ["failed"]
    assert await db.fetchval("SELECT rows_done FROM import_jobs") == 10

    summary = await run_import(db, data, batch_size=10)  # the same file completes the failed job

    assert summary.resumed_from == 10
    assert (summary.added, summary.unchanged) == (20, 10)
    assert await job_statuses(db) == ["done"]


async def test_a_cancelled_import_marks_its_job_failed(db: Database) -> None:
    data = goodreads_file(*(goodreads_row(f"Book {n}") for n in range(30)))

    reached = asyncio.Event()

    async def hang(done: int, total: int) -> None:
        reached.set()  # the first batch is committed
        await asyncio.Event().wait()

    task = asyncio.create_task(
        import_library(
            db,
            guild_id=GUILD,
            user_id=ALICE,
            file=await read_library_file(data),
            now=NOW,
            progress=hang,
            batch_size=10,
        )
    )
    await reached.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await job_statuses(db) == ["failed"]


async def test_a_review_of_control_characters_does_not_abort_the_batch(db: Database) -> None:
    # A NUL in the first 4 KiB marks a binary file; further on it is a stray character in a cell.
    padding = [goodreads_row(f"Padding {n}") for n in range(80)]
    data = goodreads_file(
        *padding,
        goodreads_row("Nul Review", review="\x00"),
        goodreads_row("Nul First", review="\x00 Great book\x07"),
        goodreads_row("Fine", review="Fine."),
    )
    summary = await run_import(db, data)

    assert (summary.added, summary.reviews) == (83, 2)
    bodies = {r[0] for r in await db.fetchall("SELECT body FROM reviews")}
    assert bodies == {"Great book", "Fine."}
    assert await job_statuses(db) == ["done"]


# -- 7. numbers too large to store ----------------------------------------------------------------
@pytest.mark.parametrize("column", ["pages", "read_count"])
async def test_a_huge_number_is_left_out_and_said_so(db: Database, column: str) -> None:
    nines = "9" * 25
    bad = goodreads_row("Huge", **{column: nines})  # type: ignore[arg-type]
    summary = await run_import(db, goodreads_file(goodreads_row("Before"), bad, goodreads_row("After")))

    assert summary.added == 3
    assert summary.skipped == []
    assert [n.line for n in summary.notes] == [3]
    name = "Number of Pages" if column == "pages" else "Read Count"
    assert name in summary.notes[0].reason
    assert "left out" in summary.notes[0].reason
    stored = await db.fetchone(
        "SELECT b.pages, s.times_read FROM books b JOIN shelves s USING (book_id) WHERE b.title = 'Huge'"
    )
    assert stored is not None
    assert tuple(stored) == (None, 1)
    assert await job_statuses(db) == ["done"]


# -- 14. messages in the member's terms -----------------------------------------------------------
async def test_a_superscript_page_count_is_explained_in_plain_words(db: Database) -> None:
    summary = await run_import(db, goodreads_file(goodreads_row("Squared", pages="²")))
    assert summary.added == 1
    assert [(n.line, n.reason) for n in summary.notes] == [
        (2, "the Number of Pages “²” is not a whole number, so it was left out")
    ]
    assert "invalid literal" not in repr(summary)


SAMPLE = "Title,Author,Exclusive Shelf,My Rating\r\nDune,Frank Herbert,read,5\r\nÉmile,Jean-Jacques Rousseau,to-read,0\r\n"


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-8-sig"]
)
async def test_utf16_and_utf32_files_are_read(db: Database, encoding: str) -> None:
    """`utf-16`/`utf-32` write a byte-order mark; the -le/-be variants do not."""
    summary = await run_import(db, SAMPLE.encode(encoding))
    assert (summary.added, summary.skipped) == (2, [])
    titles = {r[0] for r in await db.fetchall("SELECT title FROM books")}
    assert titles == {"Dune", "Émile"}


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
async def test_every_line_ending_is_read_with_the_right_line_numbers(db: Database, ending: str) -> None:
    text = ending.join(
        [
            "Title,Author,Exclusive Shelf",
            "Dune,Frank Herbert,read",
            ",No Title,read",
            "Emma,Jane Austen,read",
            "",
        ]
    )
    summary = await run_import(db, text.encode())
    assert summary.added == 2
    assert [(s.line, s.reason) for s in summary.skipped] == [(3, "has no title")]


@pytest.mark.parametrize(
    "header",
    ['Title,Author",Exclusive Shelf', '"Title,Author,Exclusive Shelf', 'Title,"Author"x,Exclusive Shelf'],
)
async def test_a_stray_quote_in_the_header_is_named(db: Database, header: str) -> None:
    before = await snapshot(db)
    with pytest.raises(UserFacingError) as caught:
        await run_import(db, f"{header}\nDune,Frank Herbert,read\n".encode())
    assert "empty" not in caught.value.message
    assert "quote" in caught.value.message
    assert "first line" in caught.value.message
    assert await snapshot(db) == before


async def test_a_file_marked_utf16_that_is_not_says_so(db: Database) -> None:
    with pytest.raises(UserFacingError, match="UTF-16") as caught:
        await run_import(db, b"\xff\xfe" + "Title,Author".encode("utf-16-be"))
    assert "image" not in caught.value.message


# -- 11. formulas in exports ------------------------------------------------------------------------
FORMULA = '=HYPERLINK("https://phish.example","Click")'


@pytest.mark.parametrize("title", [FORMULA, "+SUM(1,2)", "-2+3", "@cmd", "=1+1"])
async def test_export_neutralises_formulas_and_round_trips(db: Database, title: str) -> None:
    review = "-- a review that starts like a formula"
    await run_import(
        db, goodreads_file(goodreads_row(title, isbn13="9780441013593", review=review, author="=Evil"))
    )

    export = await export_library(db, guild_id=GUILD, user_id=ALICE, now=NOW)

    row = next(csv.DictReader(io.StringIO(export.data.decode())))
    for column in ("Title", "Author", "Author l-f", "My Review"):
        assert row[column][0] == "'", column
    assert row["Title"] == "'" + title
    assert row["ISBN13"] == '="9780441013593"'  # Goodreads' own ISBN form is kept
    summary = await run_import(db, export.data, guild=OTHER_GUILD)
    assert summary.skipped == []
    assert await library_of(db, OTHER_GUILD) == await library_of(db, GUILD)
    assert await db.fetchval("SELECT count(*) FROM books") == 1


def test_every_dangerous_first_character_is_neutralised() -> None:
    cells = ["=a", "+a", "-a", "@a", "\ta", "\ra", "plain", "'quoted"]
    rows = [
        LibraryEntry(
            title=c,
            authors=(c,),
            isbn13=None,
            isbn10=None,
            shelf="read",
            stars_x2=None,
            average_x2=None,
            review=c,
            spoiler=False,
            added_at=None,
            finished_at=None,
            times_read=1,
            pages=None,
            format=c,
            first_published=None,
        )
        for c in cells
    ]
    parsed = list(csv.DictReader(io.StringIO(write_goodreads(rows).decode())))
    titles = [r["Title"] for r in parsed]
    assert titles == ["'=a", "'+a", "'-a", "'@a", "'\ta", "'\na", "plain", "'quoted"]
    for row in parsed:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r" or value.startswith('="'), row


# -- 10. imported metadata is provisional ------------------------------------------------------------
async def test_an_imported_book_is_provisional_and_owned_by_its_server(db: Database) -> None:
    await run_import(db, goodreads_file(goodreads_row("Made Up Title", isbn13="9780441013593")))
    owner = await db.fetchval("SELECT import_guild_id FROM books WHERE isbn13 = '9780441013593'")
    assert owner == GUILD
