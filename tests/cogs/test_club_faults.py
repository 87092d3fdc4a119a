"""The club read when Discord or the server misbehaves: refusals, rate limits, archived and deleted
threads, a deleted channel, a book gone from the catalogue, and restarts in the middle."""

from __future__ import annotations

import discord
import pytest

from bot.services.club import require_read
from tests.cogs.club_support import (
    add_reader,
    member_adds,
    members_of,
    seed_book,
    shown,
    snapshot,
    start_read,
    thread_ids,
    told,
)
from tests.conftest import Club


def quick_retries(club: Club) -> None:
    cog = club.bot.get_cog("Club")
    assert cog is not None
    cog.gate.retry_delays = (0.01, 0.01, 0.01)  # type: ignore[attr-defined]


async def test_a_refused_add_is_recorded_shown_and_the_others_go_on(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    club.env.inject_error(
        "PUT", "/channels/*/thread-members/*", status=403, code=50001, message="Missing Access"
    )
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=60)
    one, two, *_ = thread_ids(club)
    assert members_of(club, one) == set()  # the first add was refused…
    assert members_of(club, two) == {club.alice.id}  # …and the next one still went through
    states = await club.db.fetchall("SELECT number, state, error FROM club_thread_members ORDER BY number")
    assert [(row["number"], row["state"]) for row in states] == [(1, "refused"), (2, "added")]
    assert "403" in states[0]["error"]
    text = shown(await club.admin.slash(club.channel, "club read status"))
    assert "Discord refused to add 1 member to the Section 1 thread" in text
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=61)  # tried again
    assert members_of(club, one) == {club.alice.id}
    assert "Discord refused" not in shown(await club.admin.slash(club.channel, "club read status"))


async def test_rate_limits_and_server_errors_are_retried_and_each_add_sent_once(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    quick_retries(club)
    club.env.inject_error("PUT", "/channels/*/thread-members/*", status=429, times=1)
    club.env.inject_error("PUT", "/channels/*/thread-members/*", status=502, times=1)
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=120)
    await club.env.settle()
    one, two, three, _ = thread_ids(club)
    assert all(members_of(club, t) == {club.alice.id} for t in (one, two, three))
    assert len(member_adds(club)) == 3 + 2  # three adds, two of them answered once with an error
    assert len(set(member_adds(club))) == 3


async def test_an_add_that_keeps_failing_is_resumed_after_a_restart(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    quick_retries(club)
    club.env.inject_error("PUT", "/channels/*/thread-members/*", status=500, times=None)
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=10)
    await club.env.settle()
    row = await club.db.fetchone("SELECT state, error FROM club_thread_members")
    assert row is not None
    assert row["state"] == "pending"
    assert "500" in row["error"]
    club.env.backend.faults.clear()
    await club.restart()
    await club.env.settle()
    assert members_of(club, thread_ids(club)[0]) == {club.alice.id}
    assert await club.db.fetchval("SELECT state FROM club_thread_members") == "added"


async def test_an_archived_thread_is_unarchived_before_adding(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    one = thread_ids(club)[0]
    club.env.backend.edit_channel(one, {}, thread_metadata={"archived": True})
    await club.env.settle()
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=10)
    metadata = club.env.backend.get_channel(one).thread_metadata
    assert metadata is not None
    assert not metadata.archived
    assert members_of(club, one) == {club.alice.id}


@pytest.mark.sqlite_only  # the fault is injected with a SQLite trigger
async def test_a_thread_deleted_by_hand_is_made_again_with_its_members(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=60)
    old = thread_ids(club)[1]
    club.env.backend.delete_channel(old)
    await club.env.settle()
    read = await require_read(club.db, club.guild.id)
    new = read.sections[1].thread_id
    assert new is not None
    assert new != old
    assert members_of(club, new) == {club.alice.id}
    assert club.env.backend.get_channel(new).name == "MIG Pilot · Section 2"
    text = shown(await club.alice.slash(club.channel, "club read status"))
    assert "The Section 2 thread was deleted by hand; it was made again <t:" in text
    assert f"<#{new}>" in text


@pytest.mark.sqlite_only  # the fault is injected with a SQLite trigger
async def test_a_thread_deleted_while_the_bot_was_away_is_made_again_when_needed(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    read = await require_read(club.db, club.guild.id)
    old = read.sections[0].thread_id
    await club.db.execute("UPDATE club_sections SET thread_id = 4242 WHERE number = 1")  # gone meanwhile
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=10)
    read = await require_read(club.db, club.guild.id)
    new = read.sections[0].thread_id
    assert new not in (old, 4242)
    assert new is not None
    assert members_of(club, new) == {club.alice.id}


async def test_the_thread_channel_deleted_mid_read(club: Club) -> None:
    book = await seed_book(club.db)
    reading = club.guild.create_text_channel("reading")
    await club.admin.slash(club.channel, "club read start", book=f"book:{book.book_id}", channel=reading)
    club.env.backend.delete_channel(reading.id)
    await club.env.settle()
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=10)
    assert member_adds(club) == []
    text = shown(await club.alice.slash(club.channel, "club read status"))
    assert "The discussion channel was deleted" in text
    ended = await club.admin.slash(club.channel, "club read end")
    assert "Its channel is gone, so no summary was posted." in told(ended)
    assert await club.db.fetchval("SELECT status FROM club_reads") == "ended"


async def test_the_club_book_removed_from_the_catalogue(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    await club.alice.slash(club.channel, "progress", book=f"book:{book.book_id}", page=10)
    await club.db.execute("DELETE FROM books WHERE book_id = ?", (book.book_id,))
    status = await club.alice.slash(club.channel, "club read status")
    assert "*MIG Pilot* by John Barron was removed from the catalogue" in shown(status)
    assert status.response is not None
    before = await snapshot(club.db)
    asked = await club.alice.click(status.response, label="Caught up")
    assert asked.response is not None
    chosen = await club.alice.select(asked.response, ["2"])
    assert "is no longer in the catalogue" in told(chosen)
    assert await snapshot(club.db) == before
    ended = await club.admin.slash(club.channel, "club read end")
    assert "has ended" in told(ended)


async def test_a_restart_mid_start_removes_the_half_made_read(club: Club) -> None:
    book = await seed_book(club.db)
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    thread = await channel.create_thread(name="half", type=discord.ChannelType.private_thread)
    await club.db.execute(
        "INSERT INTO club_reads (guild_id, book_id, title, channel_id, start_date, every_days, status, started_by,"
        " created_at) VALUES (?, ?, 'MIG Pilot', ?, '2026-11-25', 7, 'starting', 1, 'x')",
        (club.guild.id, book.book_id, club.channel.id),
    )
    await club.db.execute(
        "INSERT INTO club_sections (read_id, number, first_page, last_page, due_date, thread_id)"
        " VALUES (1, 1, 1, 111, '2026-12-02', ?), (1, 2, 112, 222, '2026-12-09', NULL)",
        (thread.id,),
    )
    busy = await start_read(club, book)
    assert "Another organiser is starting a club read right now" in told(busy)
    await club.restart()
    await club.env.settle()
    assert await club.db.fetchval("SELECT count(*) FROM club_reads") == 0
    assert thread.id not in club.env.backend.channels
    done = await start_read(club, book)
    assert "The club is reading" in told(done)


async def test_buttons_and_gating_work_after_a_restart(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    status = await club.alice.slash(club.channel, "club read status")
    assert status.response is not None
    announcement = club.channel.last_message
    assert announcement is not None
    await club.restart()
    asked = await club.alice.click(status.response, label="Caught up")
    assert asked.response is not None
    assert "Which section of *MIG Pilot* by John Barron did you finish?" in asked.response.content
    await club.restart()
    chosen = await club.alice.select(asked.response, ["2"])
    assert "Caught up through Section 2: you are at p. 111" in told(chosen)
    one, two, three, _ = thread_ids(club)
    assert members_of(club, one) == members_of(club, two) == {club.alice.id}
    assert members_of(club, three) == set()
    carol = await add_reader(club, "carol")
    shelved = await carol.select(announcement, ["read"])
    assert "Put *MIG Pilot* on your Read shelf." in told(shelved)
    assert all(carol.id in members_of(club, t) for t in thread_ids(club))
