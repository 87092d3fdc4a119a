"""The digest's rows: schedules, the once-a-week post records and the content queries, per server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.db import Database, db_time
from bot.db import digest as store
from bot.db.meta import remember_member
from bot.db.ratings import bump_book_stats, write_rating_in
from bot.db.review_writes import insert_review_in
from bot.db.shelves import save_entry_in
from bot.models.books import BookData
from bot.models.digest import FinishedEntry, PostRecord, ReadingEntry, ReviewEntry, Schedule, WantedEntry
from bot.models.shelves import ShelfEntry
from tests.helpers import seed_book

GUILD, OTHER_GUILD = 1, 2
ALICE, BOB = 10, 20
END = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
START = END - timedelta(days=7)
NOW = END


def schedule(guild_id: int = GUILD, *, channel_id: int = 5, hour: int = 18) -> Schedule:
    return Schedule(guild_id, channel_id, 4, hour, 0, "Europe/Prague", since=START)


def test_bounds_compare_against_every_stored_form() -> None:
    prague = timezone(timedelta(hours=1))
    assert store.bound(datetime(2026, 11, 27, 18, 0, 0, 999_000, tzinfo=prague)) == "2026-11-27T17:00:00"
    assert store.bound(END) < db_time(END)  # the same instant, stored with milliseconds, is inside
    assert store.bound(END) > "2026-11-27"  # a bare imported date of that day is before it
    assert store.from_db_time(None) is None
    assert store.from_db_time("") is None
    assert store.from_db_time("2026-11-27T18:00:00+01:00") == END


async def test_a_schedule_is_saved_read_replaced_and_deleted(db: Database) -> None:
    assert await store.get_schedule(db, GUILD) is None
    assert await store.all_schedules(db) == []
    await store.save_schedule(db, schedule())
    assert await store.get_schedule(db, GUILD) == schedule()
    assert await db.fetchval("SELECT count(*) FROM guilds WHERE guild_id = ?", (GUILD,)) == 1
    await store.save_schedule(db, schedule(OTHER_GUILD, channel_id=6))
    await store.save_schedule(db, schedule(channel_id=7, hour=9))
    assert await store.all_schedules(db) == [
        schedule(channel_id=7, hour=9),
        schedule(OTHER_GUILD, channel_id=6),
    ]
    assert await store.delete_schedule(db, GUILD)
    assert not await store.delete_schedule(db, GUILD)
    assert await store.get_schedule(db, GUILD) is None
    assert await store.get_schedule(db, OTHER_GUILD) is not None


async def test_a_week_is_claimed_once(db: Database) -> None:
    await store.save_schedule(db, schedule())
    assert await store.claim_period(db, GUILD, "2026-W48", END, NOW)
    assert not await store.claim_period(db, GUILD, "2026-W48", END, NOW)
    assert await store.claim_period(db, OTHER_GUILD, "2026-W48", END, NOW)  # another server's week
    assert await store.get_post(db, GUILD, "2026-W48") == PostRecord(
        GUILD, "2026-W48", END, "claimed", None, None, 0, None
    )
    assert await store.get_post(db, GUILD, "2026-W47") is None


async def test_outcomes_record_and_clear_the_last_error(db: Database) -> None:
    await store.save_schedule(db, schedule())
    await store.claim_period(db, GUILD, "2026-W47", END - timedelta(days=7), NOW)
    await store.finish_period(db, GUILD, "2026-W47", status="failed", now=NOW, error="Missing Access")
    failed = await store.get_schedule(db, GUILD)
    assert failed is not None
    assert (failed.last_error, failed.last_error_at) == ("Missing Access", NOW)
    post = await store.get_post(db, GUILD, "2026-W47")
    assert post is not None
    assert (post.status, post.error) == ("failed", "Missing Access")

    await store.claim_period(db, GUILD, "2026-W48", END, NOW)
    await store.finish_period(db, GUILD, "2026-W48", status="skipped", now=NOW)
    still = await store.get_schedule(db, GUILD)
    assert still is not None
    assert still.last_error == "Missing Access"  # a quiet week is no success

    await store.claim_period(db, GUILD, "2026-W49", END + timedelta(days=7), NOW)
    await store.finish_period(
        db, GUILD, "2026-W49", status="posted", now=NOW, channel_id=5, message_id=55, messages=2
    )
    cleared = await store.get_schedule(db, GUILD)
    assert cleared is not None
    assert (cleared.last_error, cleared.last_error_at) == (None, None)
    assert await store.get_post(db, GUILD, "2026-W49") == PostRecord(
        GUILD, "2026-W49", END + timedelta(days=7), "posted", 5, 55, 2, None
    )
    # Saving the schedule again starts it without an error.
    await store.finish_period(db, GUILD, "2026-W49", status="posted", now=NOW, error="late failure")
    await store.save_schedule(db, schedule(hour=9))
    again = await store.get_schedule(db, GUILD)
    assert again is not None
    assert again.last_error is None


async def test_the_last_post_is_the_latest_posted_week(db: Database) -> None:
    assert await store.last_post(db, GUILD) is None
    for period, days, status in (("W46", -14, "posted"), ("W47", -7, "posted"), ("W48", 0, "failed")):
        await store.claim_period(db, GUILD, period, END + timedelta(days=days), NOW)
        await store.finish_period(db, GUILD, period, status=status, now=NOW)
    last = await store.last_post(db, GUILD)
    assert last is not None
    assert (last.period, last.slot_at) == ("W47", END - timedelta(days=7))
    assert await store.last_post(db, OTHER_GUILD) is None


async def shelve(db: Database, guild_id: int, user_id: int, book_id: int, entry: ShelfEntry) -> None:
    async with db.transaction() as conn:
        await save_entry_in(conn, guild_id, user_id, book_id, entry)


async def test_currently_reading_groups_by_member_name(db: Database) -> None:
    assert await store.currently_reading(db, GUILD) == []
    mig = (await seed_book(db)).book_id
    dune = (await seed_book(db, BookData(title="Dune", authors=("Frank Herbert",), pages=412))).book_id
    await remember_member(db, GUILD, BOB, "bob")
    await remember_member(db, GUILD, ALICE, "Alice")
    started = db_time(START)
    await shelve(db, GUILD, BOB, mig, ShelfEntry("currently-reading", started, page=120))
    await shelve(db, GUILD, ALICE, dune, ShelfEntry("currently-reading", started, percent=12))
    await shelve(db, GUILD, 30, mig, ShelfEntry("currently-reading", started))  # no stored name: last
    await shelve(db, GUILD, ALICE, mig, ShelfEntry("want-to-read", started))
    await shelve(db, OTHER_GUILD, ALICE, mig, ShelfEntry("currently-reading", started))
    assert await store.currently_reading(db, GUILD) == [
        ReadingEntry(ALICE, "Alice", "Dune", "Frank Herbert", None, 412, 12, START),
        ReadingEntry(BOB, "bob", "MIG Pilot", "John Barron", 120, 222, None, START),
        ReadingEntry(30, None, "MIG Pilot", "John Barron", None, 222, None, START),
    ]


async def test_finished_books_inside_the_week_with_their_rating(db: Database) -> None:
    mig = (await seed_book(db)).book_id
    dune = (await seed_book(db, BookData(title="Dune"))).book_id
    inside, before = START + timedelta(days=1), START - timedelta(seconds=1)
    await shelve(db, GUILD, ALICE, mig, ShelfEntry("read", db_time(inside), finished_at=db_time(inside)))
    await shelve(db, GUILD, BOB, mig, ShelfEntry("read", db_time(before), finished_at=db_time(before)))
    await shelve(db, GUILD, 30, dune, ShelfEntry("read", db_time(END), finished_at=db_time(END)))  # too late
    await shelve(
        db, GUILD, 40, dune, ShelfEntry("did-not-finish", db_time(inside), finished_at=db_time(inside))
    )
    await shelve(
        db, OTHER_GUILD, ALICE, dune, ShelfEntry("read", db_time(inside), finished_at=db_time(inside))
    )
    async with db.transaction() as conn:
        await write_rating_in(conn, GUILD, ALICE, mig, 9, inside)
        await write_rating_in(conn, OTHER_GUILD, ALICE, mig, 2, inside)
    assert await store.finished_between(db, GUILD, START, END) == [
        FinishedEntry(ALICE, None, "MIG Pilot", "John Barron", 9, inside)
    ]


async def test_reviews_of_the_week_best_liked_first_and_counted(db: Database) -> None:
    mig = (await seed_book(db)).book_id
    async with db.transaction() as conn:
        ids = [
            await insert_review_in(
                conn,
                guild_id=GUILD,
                book_id=mig,
                user_id=100 + n,
                stars_x2=None,
                body=f"Review {n} " + "x" * 500,
                spoiler=n == 1,
                created_at=START + timedelta(hours=n),
            )
            for n in range(4)
        ]
        for user_id, imported, at, guild_id in (
            (200, True, START + timedelta(hours=1), GUILD),  # a Goodreads import is not news
            (201, False, START - timedelta(hours=1), GUILD),  # last week's
            (202, False, START + timedelta(hours=1), OTHER_GUILD),
        ):
            await insert_review_in(
                conn,
                guild_id=guild_id,
                book_id=mig,
                user_id=user_id,
                stars_x2=8,
                body="Not this week's.",
                spoiler=False,
                created_at=at,
                imported=imported,
            )
        await conn.execute("UPDATE reviews SET likes = 3 WHERE review_id = ?", (ids[2],))
    entries, total = await store.reviews_between(db, GUILD, START, END, limit=2)
    assert total == 4
    assert [entry.review_id for entry in entries] == [ids[2], ids[0]]
    assert isinstance(entries[0], ReviewEntry)
    assert (entries[0].likes, entries[0].title, entries[0].created_at) == (
        3,
        "MIG Pilot",
        START + timedelta(hours=2),
    )
    assert len(entries[0].excerpt) == 400
    entries, _ = await store.reviews_between(db, GUILD, START, END, limit=10)
    assert [entry.spoiler for entry in entries] == [False, False, True, False]
    assert await store.reviews_between(db, GUILD, END, END + timedelta(days=7), limit=10) == ([], 0)


async def test_most_wanted_reads_the_counters(db: Database) -> None:
    assert await store.most_wanted(db, GUILD, limit=5) == []
    mig = (await seed_book(db)).book_id
    dune = (await seed_book(db, BookData(title="Dune", authors=("Frank Herbert",)))).book_id
    abc = (await seed_book(db, BookData(title="ABC"))).book_id
    async with db.transaction() as conn:
        await bump_book_stats(conn, GUILD, mig, {"want_to_read": 2})
        await bump_book_stats(conn, GUILD, dune, {"want_to_read": 2})
        await bump_book_stats(conn, GUILD, abc, {"want_to_read": 5})
        await bump_book_stats(conn, GUILD, abc, {"want_to_read": -5, "read_count": 1})  # wanted no more
        await bump_book_stats(conn, OTHER_GUILD, abc, {"want_to_read": 9})
    assert await store.most_wanted(db, GUILD, limit=5) == [
        WantedEntry(dune, "Dune", "Frank Herbert", 2),
        WantedEntry(mig, "MIG Pilot", "John Barron", 2),
    ]
    assert len(await store.most_wanted(db, GUILD, limit=1)) == 1
