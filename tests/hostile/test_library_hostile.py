"""Malformed library exports, generated: whatever is uploaded, `/library import` either imports it
(skipping bad rows with their line numbers, noting values left out) or refuses it with a plain
message. It never raises anything else, never leaves a job running, never writes a refused file,
and leaves the aggregates equal to a recount. An accepted file's export re-imports cleanly.

Runs through the service layer (what the cog calls) on one temporary database per test; each
example imports as a new server, so the checks stay per server and cheap however many run.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db import Database, open_database
from bot.errors import UserFacingError
from bot.services.library import (
    GOODREADS_HEADER,
    ImportSummary,
    export_library,
    import_library,
    read_library_file,
)
from bot.ui.library import summary_text

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
USER = 1001

#: Words that mean Python, not the member, is talking.
JARGON = re.compile(
    r"Traceback|invalid literal|codec|NoneType|object has no|Error\b|errno|\bint\(\)|decimal\.|"
    r"sqlite|IntegrityError|line contains|<class",
    re.IGNORECASE,
)

# -- hostile cells ---------------------------------------------------------------------------------
CONTROLS = [chr(c) for c in range(32) if chr(c) not in "\n"] + ["\x7f", "\x85"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u3164", "\u2800"]
FORMULAS = ["=", "+", "-", "@", "\t", "\r", "'=", '=HYPERLINK("https://x.example","a")', "=1+1"]
NUMBERS = [
    "NaN",
    "nan",
    "sNaN",
    "-NaN",
    "inf",
    "Infinity",
    "-Infinity",
    "9" * 25,
    "-" + "9" * 25,
    "1e999999999",
    "1e-999999999",
    "-5",
    "-0",
    "0",
    "0.0",
    "0.25",
    "3.75",
    "4.5",
    "5",
    "5.0",
    "5.5",
    "6",
    "²",
    "³",
    "¹⁰",
    "٣",
    "４",
    "1,000",
    "1_000",
    " 3 ",
    "3.",
    ".5",
    "0x10",
    "1/2",
    "½",
    "",
    "seven",
]
DATES = ["2020/10/25", "2021/02/30", "0000/01/01", "9999/12/31", "2020-1-1", "٢٠٢٠/٠١/٠١", "yesterday", ""]
SHELVES = ["read", "to-read", "currently-reading", "did-not-finish", "dnf", "paused", "", "READ", " read "]
MARKUP = [
    "@everyone",
    "<@123456789012345678>",
    "[page](https://phish.example)",
    "# big",
    "||x||",
    "**b**",
    "'; DROP TABLE books; --",
    'NEAR("a" "b")',
    "title:*",
    "%s",
    "{0}",
]
ISBNS = ['="9780441013593"', '="0441013597"', "9780441013593", '=""', '="978044101359X"', "B07MNWKF2M", ""]

hostile_char = st.sampled_from(
    CONTROLS + BIDI + ZERO_WIDTH + ['"', ",", "\n", "\r\n", "<br/>", "&amp;", "||", "*"]
)
hostile_text = st.one_of(
    st.text(max_size=30),
    st.lists(st.one_of(hostile_char, st.text(max_size=4)), max_size=8).map("".join),
    st.tuples(st.sampled_from(FORMULAS), st.text(max_size=10)).map("".join),
    st.sampled_from(NUMBERS + DATES + SHELVES + ISBNS + MARKUP),
    st.just("x" * 4100),  # over the review limit
)
number = st.one_of(st.sampled_from(NUMBERS), st.integers().map(str), st.floats().map(str), hostile_text)

GOODREADS_SMALL = (
    "Title",
    "Author",
    "ISBN13",
    "My Rating",
    "Number of Pages",
    "Read Count",
    "Exclusive Shelf",
    "My Review",
    "Date Read",
    "Date Added",
    "Original Publication Year",
    "Binding",
    "Spoiler",
)
STORYGRAPH = (
    "Title",
    "Authors",
    "ISBN/UID",
    "Format",
    "Read Status",
    "Date Added",
    "Last Date Read",
    "Dates Read",
    "Read Count",
    "Star Rating",
    "Review",
)
NUMERIC = {"My Rating", "Number of Pages", "Read Count", "Star Rating", "Original Publication Year"}


@st.composite
def cell(draw: st.DrawFn, column: str) -> str:
    if column in NUMERIC:
        return draw(number)
    if column in ("Exclusive Shelf", "Read Status"):
        return draw(st.one_of(st.sampled_from(SHELVES), hostile_text))
    if column.startswith("Date") or column == "Last Date Read":
        return draw(st.one_of(st.sampled_from(DATES), hostile_text))
    if column.startswith("ISBN"):
        return draw(st.one_of(st.sampled_from(ISBNS), hostile_text))
    return draw(hostile_text)


@st.composite
def library_csv(draw: st.DrawFn) -> bytes:
    """A CSV shaped like an export, with hostile cells, odd line endings, encodings and damage."""
    header = list(draw(st.sampled_from([GOODREADS_HEADER, GOODREADS_SMALL, STORYGRAPH])))
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    rows = draw(st.lists(st.tuples(*(cell(column) for column in header)), max_size=12))
    out = io.StringIO(newline="")
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    writer = csv.writer(out, lineterminator=ending)
    writer.writerow(header)
    for row in rows:
        if draw(st.integers(0, 9)) == 0:  # written by hand: stray quotes, missing or extra columns
            out.write(
                ",".join(draw(st.lists(st.sampled_from(row or ("",)), max_size=len(header) + 2))) + ending
            )
        else:
            writer.writerow(row)
    text = out.getvalue()
    if draw(st.integers(0, 5)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # cut off anywhere, inside a quote too
    encoding = draw(
        st.sampled_from(
            [
                "utf-8",
                "utf-8-sig",
                "utf-16",
                "utf-16-le",
                "utf-16-be",
                "utf-32",
                "utf-32-le",
                "utf-32-be",
                "cp1252",
                "latin-1",
            ]
        )
    )
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0 and encoding.endswith(("-le", "-be")):
        data = {"16": codecs.BOM_UTF16_LE, "32": codecs.BOM_UTF32_BE}[encoding[4:6]] + data  # a wrong mark
    return data


raw_upload = st.one_of(
    st.binary(max_size=600),
    st.tuples(
        st.sampled_from([b"Title,Author,Exclusive Shelf\n", b"\xef\xbb\xbf", b"\xff\xfe", b""]),
        st.binary(max_size=300),
    ).map(b"".join),
)


# -- the checks --------------------------------------------------------------------------------------
class Run:
    """One database for all the examples of a test, each example importing as a new server."""

    def __init__(self, path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.db: Database = self.loop.run_until_complete(self._open(path))
        self.servers = itertools.count(1)
        self.tried = self.imported = self.refused = 0

    @staticmethod
    async def _open(path: Path) -> Database:
        db = await open_database(path)
        await db.migrate()
        return db

    def check(self, data: bytes) -> None:
        self.tried += 1
        self.loop.run_until_complete(self._check(next(self.servers), data))

    def close(self) -> None:
        self.loop.run_until_complete(self.db.close())
        self.loop.close()

    async def _check(self, guild: int, data: bytes) -> None:
        before = await self._written(guild)
        try:
            file = await read_library_file(data)
        except UserFacingError as refusal:
            self.refused += 1
            assert_plain(refusal.message)
            assert await self._written(guild) == before  # a refused file writes nothing
            return
        summary = await import_library(self.db, guild_id=guild, user_id=USER, file=file, now=NOW)
        self.imported += 1
        assert summary.done == summary.total == file.total
        for problem in summary.skipped + summary.notes:
            assert problem.line >= 2
            assert_plain(problem.reason)
        assert len(summary_text(summary)) <= 2000
        assert not await self.db.fetchval("SELECT count(*) FROM import_jobs WHERE status <> 'done'")
        await assert_recount(self.db, guild)
        if summary.added:
            await self._round_trip(guild, summary)

    async def _round_trip(self, guild: int, summary: ImportSummary) -> None:
        """The member's export re-imports, in another server, with nothing skipped and nothing lost."""
        export = await export_library(self.db, guild_id=guild, user_id=USER, now=NOW)
        other = next(self.servers)
        again = await import_library(
            self.db, guild_id=other, user_id=USER, file=await read_library_file(export.data), now=NOW
        )
        assert again.skipped == []
        assert again.added == export.books
        assert await library(self.db, other) == await library(self.db, guild)
        await assert_recount(self.db, other)

    async def _written(self, guild: int) -> tuple[int, ...]:
        row = await self.db.fetchone(
            """SELECT (SELECT count(*) FROM books), (SELECT count(*) FROM import_jobs),
                      (SELECT count(*) FROM shelves WHERE guild_id = :g),
                      (SELECT count(*) FROM ratings WHERE guild_id = :g),
                      (SELECT count(*) FROM reviews WHERE guild_id = :g),
                      (SELECT count(*) FROM book_stats WHERE guild_id = :g)""",
            {"g": guild},
        )
        assert row is not None
        return tuple(row)


def assert_plain(message: str) -> None:
    assert message.strip(), "an empty explanation"
    assert not JARGON.search(message), message


async def library(db: Database, guild: int) -> list[tuple[object, ...]]:
    """A member's library as the export can carry it (dates to the day, as Goodreads writes them)."""
    rows = await db.fetchall(
        """SELECT b.title, coalesce(b.isbn13, ''), s.shelf, substr(s.added_at, 1, 10),
                  substr(s.finished_at, 1, 10), s.times_read,
                  r.stars_x2, v.body, v.spoiler
           FROM shelves s JOIN books b USING (book_id)
           LEFT JOIN ratings r ON r.guild_id = s.guild_id AND r.user_id = s.user_id AND r.book_id = s.book_id
           LEFT JOIN reviews v ON v.guild_id = s.guild_id AND v.user_id = s.user_id AND v.book_id = s.book_id
           WHERE s.guild_id = ? ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9""",
        (guild,),
    )
    return [tuple(r) for r in rows]


async def assert_recount(db: Database, guild: int) -> None:
    """This server's book_stats and member_stats equal a count of its base tables."""
    stored = await db.fetchall(
        """SELECT book_id, ratings_count, ratings_sum_x2, stars_1, stars_2, stars_3, stars_4, stars_5,
                  reviews_count, want_to_read, currently_reading, read_count, did_not_finish
           FROM book_stats WHERE guild_id = :g AND ratings_count + reviews_count + want_to_read
                 + currently_reading + read_count + did_not_finish > 0 ORDER BY book_id""",
        {"g": guild},
    )
    counted = await db.fetchall(
        """WITH r AS (SELECT book_id, count(*) n, sum(stars_x2) s, sum(stars_x2 / 2 = 1) s1,
                             sum(stars_x2 / 2 = 2) s2, sum(stars_x2 / 2 = 3) s3, sum(stars_x2 / 2 = 4) s4,
                             sum(stars_x2 / 2 = 5) s5
                      FROM ratings WHERE guild_id = :g GROUP BY book_id),
                v AS (SELECT book_id, count(*) n FROM reviews WHERE guild_id = :g GROUP BY book_id),
                s AS (SELECT book_id, sum(shelf = 'want-to-read') w, sum(shelf = 'currently-reading') c,
                             sum(shelf = 'read') d, sum(shelf = 'did-not-finish') f
                      FROM shelves WHERE guild_id = :g GROUP BY book_id),
                k AS (SELECT book_id FROM r UNION SELECT book_id FROM v UNION SELECT book_id FROM s)
           SELECT k.book_id, coalesce(r.n, 0), coalesce(r.s, 0), coalesce(r.s1, 0), coalesce(r.s2, 0),
                  coalesce(r.s3, 0), coalesce(r.s4, 0), coalesce(r.s5, 0), coalesce(v.n, 0),
                  coalesce(s.w, 0), coalesce(s.c, 0), coalesce(s.d, 0), coalesce(s.f, 0)
           FROM k LEFT JOIN r USING (book_id) LEFT JOIN v USING (book_id) LEFT JOIN s USING (book_id)
           ORDER BY k.book_id""",
        {"g": guild},
    )
    assert [tuple(r) for r in stored] == [tuple(r) for r in counted]
    member = await db.fetchone(
        "SELECT reviews_count, ratings_count, ratings_sum_x2 FROM member_stats WHERE guild_id = ? AND user_id = ?",
        (guild, USER),
    )
    recount = await db.fetchone(
        """SELECT (SELECT count(*) FROM reviews WHERE guild_id = :g AND user_id = :u),
                  (SELECT count(*) FROM ratings WHERE guild_id = :g AND user_id = :u),
                  (SELECT coalesce(sum(stars_x2), 0) FROM ratings WHERE guild_id = :g AND user_id = :u)""",
        {"g": guild, "u": USER},
    )
    assert recount is not None
    assert (tuple(member) if member else (0, 0, 0)) == tuple(recount)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    state = Run(tmp_path / "hostile.sqlite3")
    yield state
    state.close()
    print(f"\nlibrary hostile: {state.tried} inputs, {state.imported} imported, {state.refused} refused")


# -- the tests ---------------------------------------------------------------------------------------
# Each example is a service call on one database, ~30 ms: a few hundred stay cheap even in `make test`.
ENOUGH = settings(max_examples=max(settings.default.max_examples, 300))


def test_malformed_exports_import_with_skips_or_are_refused_plainly(run: Run) -> None:
    ENOUGH(given(library_csv())(run.check))()


def test_random_bytes_are_refused_plainly_or_imported(run: Run) -> None:
    ENOUGH(given(raw_upload)(run.check))()
