"""/club read start and status, and discussion gated by progress, through the real client on simcord."""

from __future__ import annotations

from bot.models.club import ClubRead
from bot.services.club import require_read
from tests.cogs.club_support import (
    add_reader,
    member_adds,
    members_of,
    seed_book,
    shown,
    start_read,
    thread_ids,
    told,
)
from tests.components import custom_ids, text_of
from tests.conftest import Club


async def current(club: Club) -> ClubRead:
    return await require_read(club.db, club.guild.id)


async def test_start_splits_the_book_into_private_threads(club: Club) -> None:
    book = await seed_book(club.db)
    done = await start_read(club, book)
    assert "The club is reading *MIG Pilot* by John Barron: 4 sections, one due every 7 days." in told(done)
    threads = sorted(club.channel.threads, key=lambda t: t.id)
    assert [t.name for t in threads] == [f"MIG Pilot · Section {n}" for n in range(1, 5)]
    for thread in threads:
        stored = club.env.backend.get_channel(thread.id)
        assert stored.type == 12  # a private thread
        assert members_of(club, thread.id) == set()
    intro = threads[1].history()[-1].content
    assert "### Section 2 · pp. 57–111" in intro
    assert "due <t:" in intro
    read = await current(club)
    assert [s.thread_id for s in read.sections] == [t.id for t in threads]
    announcement = club.channel.last_message
    assert announcement is not None
    text = text_of([c.to_dict() for c in announcement.components])  # type: ignore[attr-defined]
    assert "Section 2 · pp. 57–111 · due <t:" in text
    assert "0 of 0 readers are on track" in text
    assert "You are" not in text  # the shared announcement has no one's pace


async def test_members_join_exactly_the_threads_they_reached(club: Club) -> None:
    book = await seed_book(club.db)
    carol, dan = await add_reader(club, "carol"), await add_reader(club, "dan")
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", percent=0)  # page 0
    await club.bob.slash(club.channel, "progress", book=f"book:{book.book_id}", page=60)
    await start_read(club, book)  # members who started before the read get their threads at once
    await carol.slash(club.channel, "progress", book=f"book:{book.book_id}", page=120)
    await dan.slash(club.channel, "shelf add", book=f"book:{book.book_id}", shelf="read")
    one, two, three, four = thread_ids(club)
    assert members_of(club, one) == {club.bob.id, carol.id, dan.id}
    assert members_of(club, two) == {club.bob.id, carol.id, dan.id}
    assert members_of(club, three) == {carol.id, dan.id}
    assert members_of(club, four) == {dan.id}
    assert len(member_adds(club)) == 2 + 3 + 4


async def test_progress_moving_adds_one_call_per_newly_reached_section(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=30)
    assert len(member_adds(club)) == 1
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=50)
    assert len(member_adds(club)) == 1  # nothing new reached: nothing sent
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=150)
    assert len(member_adds(club)) == 3  # sections 2 and 3 reached at once: one call each
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=100)  # back: stays in
    assert len(member_adds(club)) == 3
    states = await club.db.fetchall("SELECT number, state FROM club_thread_members ORDER BY number")
    assert [tuple(row) for row in states] == [(1, "added"), (2, "added"), (3, "added")]


async def test_status_shows_the_schedule_counts_and_the_members_pace(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=80)
    club.clock.now = club.clock.now.replace(day=26)
    status = await club.alice.slash(club.channel, "club read status")
    assert status.ephemeral
    text = shown(status)
    one, two, three, four = thread_ids(club)
    assert "Section 1 · pp. 1–56 · due <t:" in text
    assert f"· <#{one}>" in text
    assert f"· <#{two}>" in text
    assert f"<#{three}>" not in text
    assert "Section 3 · pp. 112–167 · due <t:" in text
    assert "opens at p. 112" in text
    assert "1 of 1 reader is on track" in text
    # Section 1 (pp. 1–56) is due Dec 2; from Nov 26 that is 7 days for 56 - 80 → ahead of it.
    assert "You are ahead of the schedule" in text
    bob = shown(await club.bob.slash(club.channel, "club read status"))
    assert "You have not started: 8 pages a day reaches p. 56 by <t:" in bob
    assert f"<#{one}>" not in bob
    admin = shown(await club.admin.slash(club.channel, "club read status"))
    assert all(f"<#{thread}>" in admin for thread in (one, two, three, four))  # Manage Threads sees all
    assert custom_ids(status.response.components, "club:caught:")  # type: ignore[union-attr]
    assert custom_ids(status.response.components, "club:shelf:")  # type: ignore[union-attr]


async def test_a_club_of_300_readers_counts_right(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    rows = [
        (
            club.guild.id,
            50_000 + i,
            book.book_id,
            "currently-reading",
            "2026-11-01T00:00:00.000Z",
            i % 222 + 1,
        )
        for i in range(300)
    ]
    await club.db.executemany(
        "INSERT INTO shelves (guild_id, user_id, book_id, shelf, added_at, page) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    club.clock.now = club.clock.now.replace(month=12, day=10)  # sections 1 and 2 are past due (p. 111)
    text = shown(await club.alice.slash(club.channel, "club read status"))
    on_track = sum(1 for row in rows if row[5] >= 111)
    assert f"{on_track} of 300 readers are on track" in text


async def test_the_digest_shows_the_section_due_this_week_and_who_is_on_track(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=30)
    await club.env.settle()
    preview = await club.alice.slash(club.channel, "digest preview")
    assert preview.response is not None
    text = "\n".join(text_of(message.components) for message in [preview.response, *preview.followups])
    assert "### Club read · *MIG Pilot* by John Barron" in text
    assert "Section 1 · pp. 1–56 is due <t:" in text
    assert "1 of 1 reader is on track" in text
