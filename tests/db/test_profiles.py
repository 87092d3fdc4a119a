"""A member's profile rows: counters, shelf counts, books read now, follows and goals, per server."""

from __future__ import annotations

from bot.db import Database
from bot.db.meta import remember_member
from bot.db.profiles import (
    add_follow_in,
    display_name,
    member_summary,
    reading_now,
    remove_follow_in,
    set_goal,
)
from bot.db.ratings import bump_member_stats
from bot.db.shelves import save_entry_in
from bot.models.books import BookData
from bot.models.profiles import MemberSummary, ReadingNow
from bot.models.shelves import ShelfEntry
from tests.helpers import seed_book

GUILD, OTHER_GUILD = 1, 2
ALICE, BOB, CARL = 10, 20, 30
STAMP = "2026-11-25T12:00:00.000Z"


async def follow(db: Database, guild_id: int, follower: int, followee: int) -> bool:
    async with db.transaction() as conn:
        return await add_follow_in(conn, guild_id, follower, followee, STAMP)


async def unfollow(db: Database, guild_id: int, follower: int, followee: int) -> bool:
    async with db.transaction() as conn:
        return await remove_follow_in(conn, guild_id, follower, followee)


async def shelve(db: Database, guild_id: int, user_id: int, book_id: int, entry: ShelfEntry) -> None:
    async with db.transaction() as conn:
        await save_entry_in(conn, guild_id, user_id, book_id, entry)


async def test_an_unknown_member_has_an_empty_summary(db: Database) -> None:
    assert await member_summary(db, GUILD, ALICE, 2026) == MemberSummary(None, 0, 0, 0, 0, 0, None)
    assert await display_name(db, GUILD, ALICE) is None


async def test_the_summary_reads_counters_name_and_this_years_goal(db: Database) -> None:
    await remember_member(db, GUILD, ALICE, "alice")
    async with db.transaction() as conn:
        deltas = {"reviews_count": 2, "followers_count": 3, "ratings_count": 4, "ratings_sum_x2": 30}
        await bump_member_stats(conn, GUILD, ALICE, deltas)
        await bump_member_stats(conn, OTHER_GUILD, ALICE, {"reviews_count": 9})
    await set_goal(db, GUILD, ALICE, 2025, 50)
    await set_goal(db, GUILD, ALICE, 2026, 12)
    assert await member_summary(db, GUILD, ALICE, 2026) == MemberSummary("alice", 2, 3, 0, 4, 30, 12)
    assert (await member_summary(db, GUILD, ALICE, 2024)).goal is None
    assert await member_summary(db, OTHER_GUILD, ALICE, 2026) == MemberSummary(None, 9, 0, 0, 0, 0, None)
    assert await display_name(db, GUILD, ALICE) == "alice"


async def test_a_goal_is_replaced_not_added(db: Database) -> None:
    await set_goal(db, GUILD, ALICE, 2026, 12)
    await set_goal(db, GUILD, ALICE, 2026, 1)
    assert (await member_summary(db, GUILD, ALICE, 2026)).goal == 1
    assert await db.fetchval("SELECT count(*) FROM goals") == 1


async def test_follows_move_both_counters_once(db: Database) -> None:
    assert await follow(db, GUILD, ALICE, BOB)
    assert not await follow(db, GUILD, ALICE, BOB)  # already following: no second count
    assert await follow(db, GUILD, CARL, BOB)
    assert await follow(db, OTHER_GUILD, BOB, ALICE)
    bob = await member_summary(db, GUILD, BOB, 2026)
    alice = await member_summary(db, GUILD, ALICE, 2026)
    assert (bob.followers_count, bob.following_count) == (2, 0)
    assert (alice.followers_count, alice.following_count) == (0, 1)
    assert (await member_summary(db, OTHER_GUILD, ALICE, 2026)).followers_count == 1

    assert await unfollow(db, GUILD, ALICE, BOB)
    assert not await unfollow(db, GUILD, ALICE, BOB)  # not following: nothing to undo
    bob = await member_summary(db, GUILD, BOB, 2026)
    alice = await member_summary(db, GUILD, ALICE, 2026)
    assert (bob.followers_count, alice.following_count) == (1, 0)
    assert await db.fetchval("SELECT count(*) FROM follows WHERE guild_id = ?", (GUILD,)) == 1


async def recount(db: Database, guild_id: int, user_id: int, year_start: str) -> tuple[dict[str, int], int]:
    """The shelf counts counted from `shelves` itself, as the profile did before it read the
    maintained ones: books per shelf, and the read ones finished since `year_start`."""
    rows = await db.fetchall(
        "SELECT shelf, count(*) AS books, count(*) FILTER (WHERE shelf = 'read' AND finished_at >= ?) AS this_year "
        "FROM shelves WHERE guild_id = ? AND user_id = ? GROUP BY shelf",
        (year_start, guild_id, user_id),
    )
    return {row["shelf"]: row["books"] for row in rows}, sum(row["this_year"] or 0 for row in rows)


async def test_shelf_counts_and_books_finished_this_year(db: Database) -> None:
    empty = await member_summary(db, GUILD, ALICE, 2026)
    assert (empty.shelves, empty.read_this_year) == ({}, 0) == await recount(db, GUILD, ALICE, "2026-01-01")
    ids = [(await seed_book(db, BookData(title=f"Book {n}"))).book_id for n in range(5)]
    await shelve(db, GUILD, ALICE, ids[0], ShelfEntry("read", STAMP, finished_at="2026-03-01T10:00:00.000Z"))
    await shelve(db, GUILD, ALICE, ids[1], ShelfEntry("read", STAMP, finished_at="2025-12-31T23:59:59.000Z"))
    await shelve(db, GUILD, ALICE, ids[2], ShelfEntry("read", STAMP, finished_at="2026-01-01"))  # an import
    await shelve(db, GUILD, ALICE, ids[3], ShelfEntry("want-to-read", STAMP))
    await shelve(db, GUILD, ALICE, ids[4], ShelfEntry("did-not-finish", STAMP, finished_at="2026-05-01"))
    await shelve(db, OTHER_GUILD, ALICE, ids[3], ShelfEntry("read", STAMP, finished_at="2026-05-01"))
    summary = await member_summary(db, GUILD, ALICE, 2026)
    assert summary.shelves == {"read": 3, "want-to-read": 1, "did-not-finish": 1}
    assert summary.read_this_year == 2  # only read books count toward the year
    assert (summary.shelves, summary.read_this_year) == await recount(db, GUILD, ALICE, "2026-01-01")

    # Moved, re-read, removed: the maintained counts still equal a recount.
    await shelve(db, GUILD, ALICE, ids[3], ShelfEntry("currently-reading", STAMP))
    await shelve(db, GUILD, ALICE, ids[1], ShelfEntry("read", STAMP, finished_at="2026-06-01T00:00:00.000Z"))
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM shelves WHERE guild_id = ? AND user_id = ? AND book_id = ?", (GUILD, ALICE, ids[4])
        )
    summary = await member_summary(db, GUILD, ALICE, 2026)
    assert summary.shelves == {"read": 3, "currently-reading": 1}
    assert summary.read_this_year == 3
    assert (summary.shelves, summary.read_this_year) == await recount(db, GUILD, ALICE, "2026-01-01")
    other = await member_summary(db, OTHER_GUILD, ALICE, 2026)
    assert (
        (other.shelves, other.read_this_year)
        == ({"read": 1}, 1)
        == await recount(db, OTHER_GUILD, ALICE, "2026-01-01")
    )


async def test_reading_now_lists_current_books_newest_first(db: Database) -> None:
    assert await reading_now(db, GUILD, ALICE) == []
    ids = [(await seed_book(db, BookData(title=f"Book {n}", pages=100 + n))).book_id for n in range(7)]
    for day, book_id in enumerate(ids, start=1):
        entry = ShelfEntry("currently-reading", f"2026-11-{day:02d}T00:00:00.000Z", page=day, percent=None)
        await shelve(db, GUILD, ALICE, book_id, entry)
    await shelve(db, GUILD, ALICE, ids[6], ShelfEntry("read", "2026-11-20T00:00:00.000Z"))
    await shelve(db, OTHER_GUILD, ALICE, ids[0], ShelfEntry("currently-reading", "2026-11-30T00:00:00.000Z"))
    assert await reading_now(db, GUILD, ALICE, limit=2) == [
        ReadingNow(ids[5], "Book 5", 105, 6, None),
        ReadingNow(ids[4], "Book 4", 104, 5, None),
    ]
    assert [r.title for r in await reading_now(db, GUILD, ALICE)] == [f"Book {n}" for n in (5, 4, 3, 2, 1)]
