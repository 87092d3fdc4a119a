"""Organisers, bad input to /club read start, editing, ending and the history, through simcord.

Every refusal is an ephemeral answer and leaves the database as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot.db.books import upsert_book
from bot.models.books import BookData
from bot.services.club import require_read
from bot.ui.club import SectionSelect
from tests.cogs.club_support import seed_book, shown, snapshot, start_read, thread_ids, told
from tests.components import text_of
from tests.conftest import Club


async def warm_up(club: Club) -> None:
    """Every actor runs a command once, so their names are stored before a snapshot is taken."""
    for actor in (club.admin, club.alice, club.bob):
        await actor.slash(club.channel, "club history")


# -- organisers ------------------------------------------------------------------------------


async def test_only_organisers_run_organiser_commands(club: Club) -> None:
    book = await seed_book(club.db)
    await warm_up(club)
    before = await snapshot(club.db)
    for command, options in (("club read start", {"book": f"book:{book.book_id}"}), ("club read end", {})):
        refused = await club.alice.slash(club.channel, command, **options)
        assert "Only organisers can do that" in told(refused)
    denied = await club.alice.slash(club.channel, "club organiser", role=club.guild.default_role)
    assert "You need the Manage Server permission" in told(denied)
    assert await snapshot(club.db) == before
    readers = club.guild.create_role("Readers")
    set_role = await club.admin.slash(club.channel, "club organiser", role=readers)
    assert f"Organisers are now the members with the <@&{readers.id}> role" in told(set_role)
    bob = club.guild.add_member(club.env.create_user("organiser bob"), roles=[readers])
    started = await start_read(club, book, actor=bob)
    assert "The club is reading" in told(started)
    still_not = await club.alice.slash(club.channel, "club read edit")
    assert f"members with the <@&{readers.id}> role or Manage Server" in told(still_not)
    cleared = await club.admin.slash(club.channel, "club organiser")
    assert "members with the Manage Server permission" in told(cleared)
    assert "Only organisers" in told(await bob.slash(club.channel, "club read end"))


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ({"sections": 1}, "Split the book into 2 to 20 sections, not 1."),
        ({"sections": 21}, "Split the book into 2 to 20 sections, not 21."),
        ({"every": 0}, "give 1 to 60, not 0"),
        ({"every": 61}, "give 1 to 60, not 61"),
        ({"start": "next monday"}, "`next monday` is not a date: use YYYY-MM-DD"),
        ({"start": "2026-02-30"}, "is not a date"),
        ({"start": "2028-06-01"}, "2028-06-01 is more than a year away"),
    ],
)
async def test_bad_start_options_change_nothing(club: Club, options: dict[str, Any], answer: str) -> None:
    book = await seed_book(club.db)
    await warm_up(club)
    before = await snapshot(club.db)
    refused = await start_read(club, book, **options)
    assert answer in told(refused)
    assert await snapshot(club.db) == before
    assert club.channel.threads == []


async def test_more_sections_than_pages_is_refused(club: Club) -> None:
    short = await upsert_book(club.db, BookData(title="Leaflet", authors=("A",), ol_work_id="OL2W", pages=12))
    await warm_up(club)
    before = await snapshot(club.db)
    refused = await start_read(club, short, sections=13)
    assert "*Leaflet* has 12 pages: it can't be split into 13 sections." in told(refused)
    assert await snapshot(club.db) == before


async def test_channels_that_cannot_hold_private_threads_are_refused(club: Club) -> None:
    book = await seed_book(club.db)
    forum = club.guild.create_forum_channel("talk")
    voice = club.guild.create_voice_channel("lounge")
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.create_thread(name="aside", type=discord.ChannelType.public_thread)
    (aside,) = club.channel.threads
    await warm_up(club)
    before = await snapshot(club.db)
    for target, answer in ((forum, "is a forum"), (voice, "is a voice channel"), (aside, "is a thread")):
        refused = await start_read(club, book, channel=target)
        assert answer in told(refused)
    in_thread = await club.admin.slash(aside, "club read start", book=f"book:{book.book_id}")  # the default
    assert "is a thread" in told(in_thread)
    assert await snapshot(club.db) == before
    assert len(club.channel.threads) == 1


async def test_missing_permissions_are_named_before_anything_is_made(club: Club) -> None:
    book = await seed_book(club.db)
    me = club.guild.me
    assert me is not None
    closed = club.guild.create_text_channel(
        "closed",
        overwrites={me: discord.PermissionOverwrite(create_private_threads=False, manage_threads=False)},
    )
    await warm_up(club)
    before = await snapshot(club.db)
    refused = await start_read(club, book, channel=closed)
    assert (
        f"I need the Create Private Threads, Manage Threads permissions in <#{closed.id}> to run a club read there."
        in told(refused)
    )
    assert await snapshot(club.db) == before
    assert closed.threads == []


async def test_discord_failing_mid_start_leaves_nothing_behind(club: Club) -> None:
    book = await seed_book(club.db)
    await warm_up(club)
    before = await snapshot(club.db)
    club.env.inject_error("POST", "/channels/*/threads", status=403, code=50013, times=None)
    refused = await start_read(club, book)
    assert "Discord refused to make the section threads" in told(refused)
    assert await snapshot(club.db) == before
    club.env.backend.faults.clear()
    assert "The club is reading" in told(await start_read(club, book))


async def test_one_read_at_a_time(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    before = await snapshot(club.db)
    again = await start_read(club, book)
    assert (
        "The club is already reading *MIG Pilot*. End it with `/club read end` before starting another."
        in told(again)
    )
    assert await snapshot(club.db) == before
    assert len(club.channel.threads) == 4


@pytest.mark.parametrize("command", ["club read status", "club read edit", "club read end"])
async def test_no_read_no_status_edit_or_end(club: Club, command: str) -> None:
    await warm_up(club)
    before = await snapshot(club.db)
    answer = await club.admin.slash(club.channel, command)
    assert "There is no club read right now." in told(answer)
    assert await snapshot(club.db) == before


async def test_caught_up_needs_a_read_and_a_section_of_the_book(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    read = await require_read(club.db, club.guild.id)
    view = discord.ui.View(timeout=None)
    options = [discord.SelectOption(label=str(n), value=str(n)) for n in (2, 5)]
    view.add_item(SectionSelect(read.read_id, options))
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    crafted = await channel.send("pick", view=view)
    await warm_up(club)
    before = await snapshot(club.db)
    beyond = await club.alice.select(crafted, ["5"])
    assert "There is no Section 5: *MIG Pilot* is read in 4 sections." in told(beyond)
    status = await club.alice.slash(club.channel, "club read status")
    await club.admin.slash(club.channel, "club read end")
    after_end = await snapshot(club.db)
    assert after_end != before
    stale = await club.alice.click(status.response, label="Caught up")  # type: ignore[arg-type]
    assert "There is no club read right now." in told(stale)
    chosen = await club.alice.select(crafted, ["2"])
    assert "There is no club read right now." in told(chosen)
    assert await snapshot(club.db) == after_end


# -- editing ---------------------------------------------------------------------------------


async def test_the_form_renames_sections_and_threads_and_moves_due_dates(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    form = await club.admin.slash(club.channel, "club read edit")
    assert form.modal is not None
    field = form.modal["components"][0]["component"]
    assert field["value"].splitlines()[1] == "Section 2 | 2026-12-09"
    lines = field["value"].splitlines()
    lines[0] = "Chapters 1–4 | 2026-12-04"
    await club.restart()  # a form shown before a restart is still answered
    saved = await club.admin.submit_modal(form, {"schedule": "\n".join(lines)})
    assert "Saved: 1 section renamed (their threads too) and 1 due date moved." in told(saved)
    first = thread_ids(club)[0]
    assert club.env.backend.get_channel(first).name == "MIG Pilot · Chapters 1–4"
    (thread,) = (t for t in club.channel.threads if t.id == first)
    due = int(datetime(2026, 12, 4, 23, 59, 59, tzinfo=UTC).timestamp())
    assert f"due <t:{due}:D>" in thread.history()[-1].content  # the bot's post follows the date
    text = shown(await club.alice.slash(club.channel, "club read status"))
    assert "Chapters 1–4 · pp. 1–56 · due <t:" in text


async def test_a_bad_form_changes_nothing(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    form = await club.admin.slash(club.channel, "club read edit")
    assert form.modal is not None
    lines = form.modal["components"][0]["component"]["value"].splitlines()
    before = await snapshot(club.db)
    for bad, answer in (
        ([*lines[:3], "Section 4 | 2026-12-45"], "Line 4: `2026-12-45` is not a date; use YYYY-MM-DD."),
        (lines[:2], "this read has 4 sections and the form had 2 lines"),
        ([*lines[:3], "Section 4 | 2026-12-01"], "before the section above it"),
    ):
        again = await club.admin.slash(club.channel, "club read edit")
        refused = await club.admin.submit_modal(again, {"schedule": "\n".join(bad)})
        assert answer in told(refused)
    assert await snapshot(club.db) == before
    assert club.env.backend.get_channel(thread_ids(club)[0]).name == "MIG Pilot · Section 1"
    readers = club.guild.create_role("Readers")
    await club.admin.slash(club.channel, "club organiser", role=readers)
    organiser = club.guild.add_member(club.env.create_user("org"), roles=[readers])
    opened = await organiser.slash(club.channel, "club read edit")
    await club.admin.slash(club.channel, "club organiser")  # the role no longer makes organisers
    demoted = await organiser.submit_modal(
        opened, {"schedule": "Renamed | 2026-12-02\n" + "\n".join(lines[1:])}
    )
    assert "Only organisers can do that" in told(demoted)
    assert (await require_read(club.db, club.guild.id)).sections[0].name is None


# -- ending and history ------------------------------------------------------------------------


async def test_end_closes_the_threads_records_the_read_and_posts_a_summary(club: Club) -> None:
    book = await seed_book(club.db)
    await start_read(club, book)
    await club.alice.slash(club.channel, "shelf add", book=f"book:{book.book_id}", shelf="read")
    await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4.5)
    await club.bob.slash(club.channel, "progress", book=f"book:{book.book_id}", page=100)
    club.clock.now = club.clock.now.replace(month=12, day=24)
    ended = await club.admin.slash(club.channel, "club read end")
    assert "The read of *MIG Pilot* has ended; it is in `/club history`." in told(ended)
    for thread in thread_ids(club):
        metadata = club.env.backend.get_channel(thread).thread_metadata
        assert metadata is not None
        assert metadata.archived
        assert metadata.locked
    summary = club.channel.last_message
    assert summary is not None
    assert "## The club finished reading *MIG Pilot* by John Barron" in summary.content
    assert "2 readers · 1 finished" in summary.content
    assert "Club average: **4.50** ★★★★½ from 1 rating" in summary.content
    assert "Finished: alice" in summary.content
    history = await club.bob.slash(club.channel, "club history")
    text = shown(history)
    assert "**MIG Pilot** by John Barron" in text
    assert "Nov 25, 2026 – Dec 24, 2026 · 2 readers · 1 finished · club average 4.50" in text
    assert not history.ephemeral


async def test_history_starts_empty(club: Club) -> None:
    history = await club.alice.slash(club.channel, "club history")
    assert "No read has ended yet" in text_of(history.response.components)  # type: ignore[union-attr]


async def test_history_pages_five_at_a_time_across_a_restart(club: Club) -> None:
    book = await seed_book(club.db)
    for n in range(7):
        await club.db.execute(
            "INSERT INTO club_reads (guild_id, book_id, title, authors, pages, channel_id, start_date, every_days,"
            " status, started_by, created_at, end_date, ended_at, readers, finished, ratings_count, ratings_sum_x2)"
            " VALUES (?, ?, ?, 'John Barron', 222, 1, '2026-01-01', 7, 'ended', 1, 'x', ?, ?, 3, 1, 0, 0)",
            (
                club.guild.id,
                book.book_id,
                f"Read {n + 1}",
                f"2026-0{n + 1}-28",
                f"2026-0{n + 1}-28T12:00:00.000Z",
            ),
        )
    listed = await club.alice.slash(club.channel, "club history")
    first = shown(listed)
    assert "7 reads · page 1 of 2" in first
    assert first.index("**Read 7**") < first.index("**Read 3**")
    assert "**Read 2**" not in first
    await club.restart()
    assert listed.response is not None
    moved = await club.alice.click(listed.response, label="Next ▶")
    assert moved.response is not None
    page_two = text_of(moved.response.components)
    assert "page 2 of 2" in page_two
    assert "**Read 1**" in page_two
    assert "Jan 1, 2026 – Jan 28, 2026 · 3 readers · 1 finished · no ratings" in page_two
    copy = await club.bob.click(listed.response, label="◀ Previous")
    assert copy.ephemeral  # someone else's list: a private copy, and alice's stays on page 2
    assert "page 1 of 2" in shown(copy)
