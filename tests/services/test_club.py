"""The club read's rules on a temporary database: sections, due dates, on track, pace, gating, edits, history."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.db import Database
from bot.db.books import upsert_book
from bot.errors import UserFacingError
from bot.models.books import Book, BookData
from bot.models.club import ClubRead
from bot.services import club as service
from bot.services import club_edit, club_gate, organisers

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
START = date(2026, 11, 25)


async def seed_book(db: Database, pages: int | None = 222) -> Book:
    return await upsert_book(
        db, BookData(title="MIG Pilot", authors=("John Barron",), ol_work_id="OL1W", pages=pages)
    )


async def shelve(
    db: Database, book: Book, user_id: int, shelf: str, page: int | None = None, percent: int | None = None
) -> None:
    await db.execute(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, page, percent) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id, user_id, book_id) DO UPDATE SET shelf = excluded.shelf, page = excluded.page,"
        " percent = excluded.percent",
        (GUILD, user_id, book.book_id, shelf, "2026-11-01T00:00:00.000Z", page, percent),
    )


async def start(
    db: Database, book: Book, *, sections: int = 4, every: int = 7, zone: str = "UTC"
) -> ClubRead:
    plan = service.plan_read(
        guild_id=GUILD,
        book=book,
        channel_id=50,
        started_by=9,
        sections=sections,
        every=every,
        start=START,
        timezone=zone,
    )
    read = await service.claim(db, plan, NOW)
    for section in read.sections:
        await service.record_thread(db, read.read_id, section.number, 1000 + section.number, None)
    await service.activate(db, read.read_id)
    current = await service.require_read(db, GUILD)
    return current


# -- the plan ------------------------------------------------------------------------------


def test_pages_split_into_contiguous_sections_covering_the_book() -> None:
    assert service.split(222, 4) == [(1, 56), (57, 111), (112, 167), (168, 222)]
    assert service.split(10, 10) == [(k, k) for k in range(1, 11)]
    for pages in (2, 7, 100, 999):
        for count in range(2, min(pages, 20) + 1):
            parts = service.split(pages, count)
            assert parts[0][0] == 1
            assert parts[-1][1] == pages
            assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(parts))
            assert all(first <= last for first, last in parts)


def test_without_a_page_count_the_split_is_by_percent() -> None:
    assert service.split(None, 4) == [(0, 25), (25, 50), (50, 75), (75, 100)]
    assert service.split(None, 3) == [(0, 33), (33, 67), (67, 100)]


async def test_each_section_is_due_every_days_after_the_previous(db: Database) -> None:
    read = await start(db, await seed_book(db))
    assert [s.due_date for s in read.sections] == [START + timedelta(days=7 * k) for k in range(1, 5)]
    assert [(s.first_page, s.last_page) for s in read.sections] == [
        (1, 56),
        (57, 111),
        (112, 167),
        (168, 222),
    ]
    assert [s.label for s in read.sections] == ["Section 1", "Section 2", "Section 3", "Section 4"]


def test_due_at_the_end_of_the_day_in_the_servers_zone() -> None:
    read = ClubRead(1, 1, 1, "T", (), 10, 10, 1, START, 7, "active", 1, "Europe/Prague", ())
    assert service.due_at(read, date(2026, 12, 2)) == datetime(2026, 12, 2, 22, 59, 59, tzinfo=UTC)
    summer = service.due_at(read, date(2026, 7, 1))
    assert summer == datetime(2026, 7, 1, 21, 59, 59, tzinfo=UTC)  # daylight saving time followed
    assert service.today_in("Pacific/Auckland", NOW) == date(2026, 11, 26)
    assert service.zone("Not/AZone").key == "UTC"


@pytest.mark.parametrize(
    ("sections", "pages", "told"),
    [
        (1, 222, "2 to 20 sections"),
        (21, 222, "2 to 20 sections"),
        (20, 12, "has 12 pages: it can't be split"),
    ],
)
def test_section_counts_are_checked(sections: int, pages: int, told: str) -> None:
    with pytest.raises(UserFacingError, match=told):
        service.check_sections(sections, pages, "Tiny")


@pytest.mark.parametrize("every", [0, 61, -3])
def test_every_is_checked(every: int) -> None:
    with pytest.raises(UserFacingError, match="give 1 to 60"):
        service.check_every(every)


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("tomorrow", "is not a date"),
        ("2026-13-01", "is not a date"),
        ("2026-02-30", "is not a date"),
        ("26-12-01", "is not a date"),
        ("2028-01-01", "more than a year away"),
        ("2025-01-01", "more than a year away"),
    ],
)
def test_start_dates_are_checked(text: str, told: str) -> None:
    with pytest.raises(UserFacingError, match=told):
        service.parse_start(text, START)


def test_start_defaults_to_today() -> None:
    assert service.parse_start(None, START) == START
    assert service.parse_start(" 2026-12-01 ", START) == date(2026, 12, 1)


# -- who is where --------------------------------------------------------------------------


async def test_on_track_counts_readers_at_the_last_page_of_the_latest_section_due(db: Database) -> None:
    book = await seed_book(db)
    await start(db, book)
    for user, page in ((1, 30), (2, 56), (3, 80), (4, 111)):
        await shelve(db, book, user, "currently-reading", page=page)
    await shelve(db, book, 5, "read")
    await shelve(db, book, 6, "currently-reading")  # no progress yet
    await shelve(db, book, 7, "want-to-read")  # not a reader
    await shelve(db, book, 8, "currently-reading", percent=50)  # 50% of 222 = p. 111
    before = await service.load_status(db, GUILD, 3, NOW)
    assert (before.numbers.readers, before.numbers.on_track) == (7, 7)  # nothing due yet
    after_first = NOW + timedelta(days=8)  # section 1 (pp. 1–56) is past due
    status = await service.load_status(db, GUILD, 3, after_first)
    assert (status.numbers.readers, status.numbers.on_track) == (7, 5)
    assert status.numbers.position == 80
    after_second = NOW + timedelta(days=15)
    status = await service.load_status(db, GUILD, 1, after_second)
    assert status.numbers.on_track == 3  # 111, read, 50%


async def test_the_pace_line_numbers(db: Database) -> None:
    book = await seed_book(db)
    read = await start(db, book)
    # Section 1 is past due; Section 2 (pp. 57–111) is due Dec 9: 7 days counting today and then.
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert service.pace(read, 80, now).per_day == 5  # 31 pages in 7 days, rounded up
    pace = service.pace(read, 83, now)
    assert (pace.kind, pace.per_day, pace.target) == ("daily", 4, 111)
    assert pace.by == service.due_at(read, date(2026, 12, 9))
    assert service.pace(read, 120, now).kind == "ahead"
    assert service.pace(read, 222, now).kind == "finished"
    assert service.pace(read, None, now).target == 111
    late = service.pace(read, 100, NOW + timedelta(days=60))
    assert (late.kind, late.target) == ("late", 222)


async def test_a_book_without_pages_is_read_by_percent(db: Database) -> None:
    book = await seed_book(db, pages=None)
    read = await start(db, book)
    assert not read.by_pages
    assert service.reached(read, 0) == [1]
    assert service.reached(read, 30) == [1, 2]
    assert service.reached(read, 100) == [1, 2, 3, 4]
    await shelve(db, book, 1, "currently-reading", percent=30)
    await shelve(db, book, 2, "currently-reading", page=12)  # a page without a count: started
    placed = dict(await club_gate.store.member_positions(db, read))
    assert placed == {1: 30, 2: 0}


# -- gating --------------------------------------------------------------------------------


async def test_members_are_owed_exactly_the_threads_they_reached(db: Database) -> None:
    book = await seed_book(db)
    read = await start(db, book)
    await shelve(db, book, 10, "currently-reading", percent=0)
    await shelve(db, book, 60, "currently-reading", page=60)
    await shelve(db, book, 120, "currently-reading", page=120)
    await shelve(db, book, 222, "read")
    owed = await club_gate.gate_read(db, read.read_id, NOW)
    by_member: dict[int, list[int]] = {}
    for add in owed:
        by_member.setdefault(add.user_id, []).append(add.number)
    assert by_member == {60: [1, 2], 120: [1, 2, 3], 222: [1, 2, 3, 4]}
    assert {add.thread_id for add in owed if add.number == 2} == {1002}
    await club_gate.added_all(db, owed, NOW)
    await shelve(db, book, 60, "currently-reading", page=115)
    again = await club_gate.gate_member(db, GUILD, 60, book.book_id, NOW)
    assert [(a.user_id, a.number) for a in again] == [(60, 3)]  # only the newly reached section
    assert await club_gate.gate_member(db, GUILD, 60, book.book_id + 1, NOW) == []  # another book


async def test_a_refusal_is_kept_and_tried_again_when_progress_moves(db: Database) -> None:
    book = await seed_book(db)
    read = await start(db, book)
    await shelve(db, book, 60, "currently-reading", page=60)
    first, second = await club_gate.gate_member(db, GUILD, 60, None, NOW)
    await club_gate.added_all(db, [first], NOW)
    await club_gate.refused(db, second, "403 Missing Access", NOW)
    status = await service.load_status(db, GUILD, 60, NOW)
    assert status.numbers.refused == ((2, 1),)
    assert status.numbers.joined == frozenset({1})
    assert [a.number for a in await club_gate.gate_member(db, GUILD, 60, None, NOW)] == [2]
    assert await club_gate.owed(db) == [second]
    assert read.read_id == second.read_id


# -- starting, editing, ending -------------------------------------------------------------


async def test_two_organisers_starting_at_once_one_wins(db: Database) -> None:
    book = await seed_book(db)
    plans = [
        service.plan_read(
            guild_id=GUILD,
            book=book,
            channel_id=50,
            started_by=user,
            sections=4,
            every=7,
            start=START,
            timezone="UTC",
        )
        for user in (1, 2)
    ]
    results = await asyncio.gather(*(service.claim(db, plan, NOW) for plan in plans), return_exceptions=True)
    winners = [r for r in results if isinstance(r, ClubRead)]
    losers = [r for r in results if isinstance(r, UserFacingError)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert "Another organiser is starting a club read right now" in losers[0].message
    await service.activate(db, winners[0].read_id)
    with pytest.raises(UserFacingError, match="already reading \\*MIG Pilot\\*"):
        await service.claim(db, plans[0], NOW)


async def test_a_half_started_read_is_found_and_removed(db: Database) -> None:
    book = await seed_book(db)
    plan = service.plan_read(
        guild_id=GUILD,
        book=book,
        channel_id=50,
        started_by=1,
        sections=3,
        every=7,
        start=START,
        timezone="UTC",
    )
    read = await service.claim(db, plan, NOW)
    await service.record_thread(db, read.read_id, 1, 777, None)
    (stale,) = await service.stale_starts(db)
    assert (stale.read_id, stale.thread_ids) == (read.read_id, (777,))
    await service.abandon(db, read.read_id)
    assert await service.stale_starts(db) == []
    assert await db.fetchval("SELECT count(*) FROM club_sections") == 0


async def test_the_form_renames_and_moves_due_dates(db: Database) -> None:
    read = await start(db, await seed_book(db))
    text = club_edit.form_text(read)
    assert text.splitlines()[0] == "Section 1 | 2026-12-02"
    lines = text.splitlines()
    lines[0] = "Chapters 1–4 | 2026-12-03"
    lines[1] = "  Section 2   |2026-12-09"
    saved, changed = await club_edit.save_form(db, GUILD, read.read_id, "\n".join(lines) + "\n\n", NOW)
    assert [(e.number, e.renamed, e.moved) for e in changed] == [(1, True, True)]
    assert saved.sections[0].label == "Chapters 1–4"
    stored = await service.require_read(db, GUILD)
    assert stored.sections[0].name == "Chapters 1–4"
    assert stored.sections[0].due_date == date(2026, 12, 3)
    assert stored.sections[1].name is None


@pytest.mark.parametrize(
    ("edit", "told"),
    [
        (lambda lines: lines[:3], "one line per section"),
        (lambda lines: [*lines[:3], "Section 4 2026-12-23"], "separated by `|`"),
        (lambda lines: [*lines[:3], "Section 4 | 2026-12-32"], "is not a date"),
        (lambda lines: [*lines[:3], "Section 4 | next week"], "is not a date"),
        (lambda lines: [*lines[:3], "Section 4 | 2029-01-01"], "more than a year away"),
        (lambda lines: [*lines[:3], "Section 4 | 2026-12-01"], "before the section above it"),
        (lambda lines: ["Early | 2026-11-01", *lines[1:]], "before the read starts"),
        (lambda lines: [*lines[:3], f"{'x' * 61} | 2026-12-23"], "up to 60 characters"),
    ],
)
async def test_a_bad_form_changes_nothing(db: Database, edit: object, told: str) -> None:
    read = await start(db, await seed_book(db))
    lines = club_edit.form_text(read).splitlines()
    with pytest.raises(UserFacingError, match=told):
        await club_edit.save_form(db, GUILD, read.read_id, "\n".join(edit(lines)), NOW)  # type: ignore[operator]
    assert await service.require_read(db, GUILD) == read


async def test_ending_records_readers_finishers_and_the_club_average(db: Database) -> None:
    book = await seed_book(db)
    await start(db, book)
    await shelve(db, book, 1, "read")
    await shelve(db, book, 2, "currently-reading", page=222)
    await shelve(db, book, 3, "currently-reading", page=12)
    await db.execute(
        "INSERT INTO members (guild_id, user_id, display_name) VALUES (1, 1, 'ada'), (1, 2, 'bo')"
    )
    await db.execute(
        "INSERT INTO book_stats (guild_id, book_id, ratings_count, ratings_sum_x2) VALUES (1, ?, 3, 25)",
        (book.book_id,),
    )
    ended = await service.end_read(db, GUILD, NOW + timedelta(days=30))
    assert (ended.past.readers, ended.past.finished) == (3, 2)
    assert ended.past.average == pytest.approx(25 / 6)
    assert ended.past.end_date == date(2026, 12, 25)
    assert ended.finished_names == ["ada", "bo"]
    with pytest.raises(UserFacingError, match="There is no club read"):
        await service.end_read(db, GUILD, NOW)
    page = await service.history_page(db, GUILD, 1)
    assert (page.total, [p.title for p in page.reads]) == (1, ["MIG Pilot"])


async def test_history_pages_newest_first(db: Database) -> None:
    book = await seed_book(db)
    for day in range(7):
        await start(db, book)
        await service.end_read(db, GUILD, NOW + timedelta(days=day))
    first = await service.history_page(db, GUILD, 1)
    assert (first.pages, first.total, len(first.reads)) == (2, 7, 5)
    assert [p.end_date.day for p in first.reads] == [1, 30, 29, 28, 27]
    last = await service.history_page(db, GUILD, 9)  # clamped
    assert (last.page, len(last.reads)) == (2, 2)


async def test_the_digest_block(db: Database) -> None:
    book = await seed_book(db)
    assert await service.digest_block(db, GUILD, NOW) is None
    await start(db, book)
    await shelve(db, book, 1, "currently-reading", page=60)
    block = await service.digest_block(db, GUILD, NOW)
    assert block is not None
    assert block.section is not None
    assert block.section.number == 1
    assert (block.readers, block.on_track) == (1, 1)
    late = await service.digest_block(db, GUILD, NOW + timedelta(days=40))
    assert late is not None
    assert late.section is None


async def test_the_organiser_rule(db: Database) -> None:
    assert organisers.is_organiser(manage_guild=True, role_ids=[], organiser_role_id=None)
    assert not organisers.is_organiser(manage_guild=False, role_ids=[5], organiser_role_id=None)
    await organisers.set_role(db, GUILD, 5)
    assert await organisers.current_role(db, GUILD) == 5
    await organisers.require_organiser(db, GUILD, manage_guild=False, role_ids=[5])
    with pytest.raises(UserFacingError, match="<@&5> role"):
        await organisers.require_organiser(db, GUILD, manage_guild=False, role_ids=[6])


async def test_caught_up_moves_progress_to_the_end_of_the_section(db: Database) -> None:
    book = await seed_book(db)
    read = await start(db, book)
    done = await club_gate.caught_up(db, GUILD, 7, read.read_id, 2, NOW)
    assert (done.position, done.already, done.finished) == (111, False, False)
    again = await club_gate.caught_up(db, GUILD, 7, read.read_id, 1, NOW)
    assert again.already
    last = await club_gate.caught_up(db, GUILD, 7, read.read_id, 4, NOW)
    assert last.finished
    assert await db.fetchval("SELECT shelf FROM shelves WHERE user_id = 7") == "read"
    with pytest.raises(UserFacingError, match="There is no Section 9"):
        await club_gate.caught_up(db, GUILD, 7, read.read_id, 9, NOW)
    with pytest.raises(UserFacingError, match="from a read that has ended"):
        await club_gate.caught_up(db, GUILD, 7, read.read_id + 1, 1, NOW)
