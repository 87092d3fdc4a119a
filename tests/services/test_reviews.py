"""The reviews service and its queries on a temporary database: counters, history, paging, search."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bench.scale import Trips, bad_plans
from bot.db import Database, dialect_of
from bot.db import reviews as store
from bot.db.books import upsert_book
from bot.db.postgres import tsquery_from_fts
from bot.db.ratings import get_rating, write_rating_in
from bot.errors import UserFacingError
from bot.models.books import BookData
from bot.services import reviews as service
from bot.services.library import GOODREADS_HEADER, import_library, read_library_file
from bot.services.ratings import parse_stars
from bot.services.reviews import ListState
from bot.ui.reviews.writing import STAR_CHOICES
from tests.cogs.test_reviews_support import seed_book, seed_reviews

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def row(db: Database, query: str, *params: object) -> tuple[object, ...]:
    found = await db.fetchone(query, params)
    assert found is not None
    return tuple(found)


async def test_rating_aggregates_follow_set_and_replace(db: Database) -> None:
    book = await seed_book(db)
    async with db.transaction() as conn:
        await write_rating_in(conn, GUILD, 7, book.book_id, 9, NOW)
    stats = "SELECT ratings_count, ratings_sum_x2, stars_4, stars_5 FROM book_stats WHERE book_id = ?"
    assert await row(db, stats, book.book_id) == (1, 9, 1, 0)  # 4½ counts in the 4-star row
    async with db.transaction() as conn:
        await write_rating_in(conn, GUILD, 7, book.book_id, 10, NOW)
        await write_rating_in(conn, GUILD, 7, book.book_id, 10, NOW)  # unchanged: no double count
    assert await row(db, stats, book.book_id) == (1, 10, 0, 1)
    member = "SELECT ratings_count, ratings_sum_x2 FROM member_stats WHERE user_id = 7"
    assert await row(db, member) == (1, 10)


async def test_write_edit_delete_keep_counters_and_history(db: Database) -> None:
    book = await seed_book(db)
    review, created = await service.save_review(
        db,
        guild_id=GUILD,
        book_id=book.book_id,
        user_id=7,
        stars_x2=9,
        text="  Good.  ",
        spoiler=False,
        now=NOW,
    )
    assert created
    assert review.body == "Good."
    assert review.updated_at is None
    counts = """
        SELECT b.reviews_count, m.reviews_count FROM book_stats AS b, member_stats AS m
        WHERE b.book_id = ? AND m.user_id = 7
    """
    assert await row(db, counts, book.book_id) == (1, 1)
    assert await get_rating(db, GUILD, book.book_id, 7) == 9
    assert await store.count_reviews(db, GUILD, book.book_id, 4, None) == 1

    later = NOW + timedelta(days=2)
    _, created = await service.save_review(
        db,
        guild_id=GUILD,
        book_id=book.book_id,
        user_id=7,
        stars_x2=4,
        text="Worse.",
        spoiler=False,
        now=later,
    )
    again, _ = await service.save_review(
        db,
        guild_id=GUILD,
        book_id=book.book_id,
        user_id=7,
        stars_x2=4,
        text="Worst.",
        spoiler=True,
        now=later,
    )
    assert not created
    assert again.body == "Worst."
    assert again.spoiler
    assert again.updated_at is not None
    history = await store.get_history(db, review.review_id)
    assert [(h.body, h.stars_x2) for h in history] == [("Good.", 9), ("Worse.", 4)]  # same instant: both kept
    assert await row(db, counts, book.book_id) == (1, 1)  # an edit is not a new review
    assert await store.count_reviews(db, GUILD, book.book_id, 4, None) == 0
    assert await store.count_reviews(db, GUILD, book.book_id, 2, None) == 1
    assert await get_rating(db, GUILD, book.book_id, 7) == 4

    await service.delete_review(db, again)
    assert await row(db, counts, book.book_id) == (0, 0)
    assert await store.count_reviews(db, GUILD, book.book_id, 2, None) == 0
    assert await db.fetchval("SELECT count(*) FROM review_history") == 0
    with pytest.raises(UserFacingError, match="already deleted"):
        await service.delete_review(db, again)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * 4001, "4,001 characters")],
)
async def test_bad_text_changes_nothing(db: Database, text: str, message: str) -> None:
    book = await seed_book(db)
    with pytest.raises(UserFacingError, match=message):
        await service.save_review(
            db, guild_id=GUILD, book_id=book.book_id, user_id=7, stars_x2=8, text=text, spoiler=False, now=NOW
        )
    assert await db.fetchval("SELECT count(*) FROM reviews") == 0
    assert await db.fetchval("SELECT count(*) FROM ratings") == 0


def test_stars_are_parsed_by_the_ratings_service() -> None:
    """Reviews take their stars from a menu of the values the one `parse_stars` accepts."""
    assert [parse_stars(x2 / 2) for x2 in STAR_CHOICES] == list(range(2, 11))
    for bad in (0, 5.5, 4.25):
        with pytest.raises(UserFacingError):
            parse_stars(bad)


async def test_likes_toggle_and_refuse_your_own(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1, first_user=7)
    review, liked = await service.like(db, GUILD, review_id, 8)
    assert liked
    assert review.likes == 1
    review, liked = await service.like(db, GUILD, review_id, 8)
    assert not liked
    assert review.likes == 0
    with pytest.raises(UserFacingError, match="your own"):
        await service.like(db, GUILD, review_id, 7)
    assert await db.fetchval("SELECT count(*) FROM review_likes") == 0


async def test_a_review_of_another_server_is_gone(db: Database) -> None:
    book = await seed_book(db)
    (review_id,) = await seed_reviews(db, GUILD, book.book_id, 1, first_user=7)
    with pytest.raises(UserFacingError, match="That review is gone"):
        await service.like(db, GUILD + 1, review_id, 8)
    assert await store.get_review_by_id(db, GUILD + 1, review_id) is None
    assert await store.get_review_line(db, GUILD + 1, review_id) is None
    assert await store.get_review_line(db, GUILD, review_id) is not None
    assert await db.fetchval("SELECT count(*) FROM review_likes") == 0
    assert await db.fetchval("SELECT likes FROM reviews") == 0


async def test_an_imported_review_edited_in_discord_survives_a_reimport(db: Database) -> None:
    await upsert_book(db, BookData("Dune", ("Frank Herbert",), isbn13="9780441013593", isbn10="0441013597"))
    data = (
        ",".join(GOODREADS_HEADER) + "\n"
        ',Dune,Frank Herbert,"Herbert, Frank",,="0441013597",="9780441013593",4,4.2,,,,,,2025/03/01,'
        "2025/02/01,read,read (#1),read,From the file,,,1,0\n"
    ).encode()

    async def run_import() -> None:
        await import_library(db, guild_id=GUILD, user_id=7, file=await read_library_file(data), now=NOW)

    await run_import()
    imported = await db.fetchone("SELECT book_id, body, imported FROM reviews")
    assert imported is not None
    assert (imported["body"], imported["imported"]) == ("From the file", 1)
    edited, created = await service.save_review(
        db,
        guild_id=GUILD,
        book_id=imported["book_id"],
        user_id=7,
        stars_x2=10,
        text="Rewritten in Discord.",
        spoiler=False,
        now=NOW + timedelta(days=1),
    )
    assert not created
    await run_import()
    after = await db.fetchone("SELECT body, stars_x2, imported FROM reviews")
    assert after is not None
    assert tuple(after) == ("Rewritten in Discord.", 10, 0)
    history = await store.get_history(db, edited.review_id)
    assert [(h.body, h.stars_x2) for h in history] == [("From the file", 8)]


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        'pilot"',
        "*",
        "pilot*",
        "NEAR(pilot escape)",
        "(pilot",
        "pilot)",
        "a OR b NOT c",
        "x:y ^z",
        "ёлка",
    ],
)
async def test_search_never_passes_fts_syntax(db: Database, typed: str) -> None:
    match = service.fts_match(typed) if re.search(r"\w", typed) else None
    if match is None:
        with pytest.raises(UserFacingError, match="at least one word"):
            service.fts_match(typed)
        return
    assert all(term.startswith('"') for term in match.split(" "))
    if dialect_of(db) == "postgres":  # the text-search query built from it parses too
        query = "SELECT review_id FROM reviews WHERE search @@ to_tsquery('simple', bookclub_fold(?))"
        await db.fetchall(query, (tsquery_from_fts(match),))
    else:
        await db.fetchall(
            "SELECT rowid FROM reviews_fts WHERE reviews_fts MATCH ?", (match,)
        )  # no syntax error


def test_trim_never_cuts_a_spoiler_open() -> None:
    text = (
        "The escape is tense. "
        + "||Belenko lands in Hakodate and the whole plan works out in the end||"
        + " Fine."
    )
    for limit in range(10, len(text)):
        cut, trimmed = service.trim_text(text, limit)
        assert trimmed
        assert len(cut) <= limit
        assert cut.count("||") % 2 == 0, cut
    assert service.trim_text(text, len(text)) == (text, False)


def test_split_text_recloses_spoilers() -> None:
    text = "a " * 30 + "||" + "secret " * 40 + "||" + " end"
    pieces = service.split_text(text, 100)
    assert all(len(p) <= 100 and p.count("||") % 2 == 0 for p in pieces)
    assert "".join(p.replace("||", "") for p in pieces).replace(" ", "") == text.replace("||", "").replace(
        " ", ""
    )


def test_spoiler_wrap_removes_inner_markers() -> None:
    assert service.spoiler_wrap("a ||b|| c") == "||a b c||"


async def test_header_strings_for_83_reviews(db: Database) -> None:
    book = await seed_book(db)
    await seed_reviews(db, GUILD, book.book_id, 83)
    state = ListState(book.book_id)
    first = await service.load_page(db, GUILD, state, page=1, move="first", viewer_id=1)
    assert first.header == "Displaying 1 - 5 of 83 reviews"
    assert first.pages == 17
    assert [line.display_name for line in first.lines] == [f"Reader {n}" for n in (83, 82, 81, 80, 79)]
    last = await service.load_page(db, GUILD, state, page=17, move="last", viewer_id=1)
    assert last.header == "Displaying 81 - 83 of 83 reviews"
    assert [line.display_name for line in last.lines] == ["Reader 3", "Reader 2", "Reader 1"]


@pytest.mark.parametrize("sort", ["newest", "oldest", "highest", "lowest", "liked"])
async def test_keyset_walk_matches_the_full_ordering(db: Database, sort: service.Sort) -> None:
    book = await seed_book(db)
    ids = await seed_reviews(db, GUILD, book.book_id, 23)
    for i, review_id in enumerate(ids):  # likes with ties, so tie-breaks matter
        await db.execute("UPDATE reviews SET likes = ? WHERE review_id = ?", (i % 3, review_id))
    rows = await db.fetchall("SELECT review_id, stars_x2, created_at, likes FROM reviews")
    key = {
        "newest": lambda r: (r[2], r[0]),
        "oldest": lambda r: (r[2], r[0]),
        "highest": lambda r: (r[1], r[2], r[0]),
        "lowest": lambda r: (r[1], r[2], r[0]),
        "liked": lambda r: (r[3], r[2], r[0]),
    }[sort]
    expected = [r[0] for r in sorted(rows, key=key, reverse=sort in ("newest", "highest", "liked"))]
    state = ListState(book.book_id, sort)
    page = await service.load_page(db, GUILD, state, page=1, move="first", viewer_id=1)
    walked = [line.review.review_id for line in page.lines]
    while page.page < page.pages:
        anchor = page.lines[-1].review.review_id
        page = await service.load_page(
            db, GUILD, state, page=page.page + 1, move="next", anchor=anchor, viewer_id=1
        )
        walked += [line.review.review_id for line in page.lines]
    assert walked == expected
    back = []  # and backwards with "previous"
    while page.page > 1:
        anchor = page.lines[0].review.review_id
        page = await service.load_page(
            db, GUILD, state, page=page.page - 1, move="prev", anchor=anchor, viewer_id=1
        )
        back = [line.review.review_id for line in page.lines] + back
    assert back == expected[:20]


async def test_star_filter_and_search(db: Database) -> None:
    book = await seed_book(db)
    bodies = ["Příliš žluťoučký kůň úpěl ďábelské ódy.", "Война и мир — великий роман.", "Plain English."]
    await seed_reviews(db, GUILD, book.book_id, 9, bodies=bodies, stars=[8, 9, 4])
    four = ListState(book.book_id, "newest", 4)
    page = await service.load_page(db, GUILD, four, page=1, move="first", viewer_id=1)
    assert page.total == 6
    assert {line.review.stars_x2 for line in page.lines} == {8, 9}
    for typed, expected in (
        ("prilis zlutoucky", 3),
        ("ŽLUŤOUČKÝ", 3),
        ("война", 3),
        ("РОМАН", 3),
        ("рома", 3),
    ):
        search_id = await store.search_id_for(db, typed)
        found = await service.load_page(
            db, GUILD, ListState(book.book_id, search_id=search_id), page=1, move="first", viewer_id=1
        )
        assert found.total == expected, typed
    assert await store.search_id_for(db, "война") == await store.search_id_for(db, "война")  # stored once


@pytest.mark.sqlite_only  # counts aiosqlite's hand-offs and reads SQLite's plans
async def test_a_search_typed_with_the_command_is_counted_in_the_first_statement(db: Database) -> None:
    """The command knows its search's text: the head counts the matches (2 round trips, the same
    full-text lookup as the separate count); a button knows only the id: the count is a third."""
    book = await seed_book(db)
    bodies = ["Война и мир — великий роман.", "Plain English.", "A roman à clef."]
    await seed_reviews(db, GUILD, book.book_id, 12, bodies=bodies, stars=[8, 9, 4])
    text = service.check_search("  РОМАН ")
    assert text == "РОМАН"
    state = ListState(book.book_id, search_id=await service.search_id(db, text))
    trips = Trips(db)
    pages = {}
    for known in (text, None):

        async def first(known: str | None = known) -> object:
            pages[known] = await service.load_page(
                db, GUILD, state, page=1, move="first", viewer_id=1, search=known
            )
            return pages[known]

        count, traced = await trips.measure(first)
        assert count == (2 if known else 3)
        statements = [  # the bot's queries, not FTS5's own reads of its tables
            s for s in traced if s.lstrip().upper().startswith("SELECT") and "'main'.'reviews_fts_" not in s
        ]
        conn = sqlite3.connect(db.path)
        try:
            bad, checked = bad_plans(conn, statements)
            plans = [
                " / ".join(str(step[3]) for step in conn.execute(f"EXPLAIN QUERY PLAN {statement}"))
                for statement in statements
            ]
        finally:
            conn.close()
        assert not bad, bad
        assert checked == count
        if known:  # counted in the head, by the same full-text lookup as the separate count's
            assert "VIRTUAL TABLE INDEX" in plans[0], plans
        else:
            assert "VIRTUAL TABLE INDEX" in plans[1], plans
    assert pages[text] == pages[None]
    assert pages[text].total == 4  # the Cyrillic "роман" only, not the Latin "roman"
    stars = replace(state, star_row=4)
    counted = await service.load_page(db, GUILD, stars, page=1, move="first", viewer_id=1, search=text)
    assert counted.total == await store.count_reviews(db, GUILD, book.book_id, 4, service.fts_match(text))


async def test_jump_page_bounds() -> None:
    assert service.check_jump(" 3 ", 17) == 3
    for bad in ("0", "18", "-1", "three", ""):
        with pytest.raises(UserFacingError, match="1 to 17"):
            service.check_jump(bad, 17)


async def test_deleted_anchor_falls_back_to_the_page_number(db: Database) -> None:
    book = await seed_book(db)
    ids = await seed_reviews(db, GUILD, book.book_id, 12)
    gone = await store.get_review_by_id(db, GUILD, ids[6])
    assert gone is not None
    await service.delete_review(db, gone)
    page = await service.load_page(
        db, GUILD, ListState(book.book_id), page=2, move="next", anchor=gone.review_id, viewer_id=1
    )
    assert page.header == "Displaying 6 - 10 of 11 reviews"
