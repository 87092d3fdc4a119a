"""/meeting schedule|list|cancel through the real client on simcord: Discord events, reminders once,
restarts, moves and deletions made in Discord, repeats across a DST change, and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import discord
import pytest

from bot.services import meetings as service
from bot.services import sends
from cogs._meeting_keeper import MeetingKeeper, end_job, send_job
from tests.cogs.club_support import start_read
from tests.cogs.pick_support import (
    MEETING_TABLES,
    bot_messages,
    held_factory,
    in_sync,
    seed_book,
    snapshot,
    told,
)
from tests.conftest import BotFactory, Club


@pytest.fixture
def bot_factory() -> BotFactory:
    return held_factory


def keeper(club: Club) -> MeetingKeeper:
    found = club.bot.get_cog("Meetings")
    assert found is not None
    return cast(MeetingKeeper, found.keeper)  # type: ignore[attr-defined]


def events(club: Club) -> list[Any]:
    return list(club.env.backend.get_guild(club.guild.id).scheduled_events.values())


def local(moment: datetime) -> str:
    """The wall time typed in `when` (a UTC-aware datetime stands for the wall time in any zone)."""
    return f"{moment:%Y-%m-%d %H:%M}"


async def schedule(club: Club, when: datetime, **options: Any) -> str:
    result = await club.admin.slash(
        club.channel, "meeting schedule", when=local(when), timezone=options.pop("timezone", "UTC"), **options
    )
    return told(result)


def reminders(club: Club) -> list[discord.Message]:
    return [m for m in bot_messages(club) if m.content.startswith("⏰")]


async def run_job(club: Club, job_id: str) -> None:
    job = club.bot.scheduler.get_job(job_id)
    assert job is not None, job_id
    await job.func(*job.args)


async def test_a_meeting_at_a_place_is_an_external_event_with_an_end(club: Club) -> None:
    now = in_sync(club)
    start = (now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    text = await schedule(club, start, where="The Old Library, room 2")
    assert f"Scheduled **Book club meeting** for <t:{int(start.timestamp())}:F>" in text
    assert "Reminders go to" in text
    (event,) = events(club)
    assert event.entity_type == 3
    assert event.entity_metadata == {"location": "The Old Library, room 2"}
    assert datetime.fromisoformat(event.scheduled_end_time) == start + timedelta(minutes=90)
    posted = [
        r.json for r in club.env.http_requests if r.method == "POST" and r.path.endswith("/scheduled-events")
    ]
    assert posted[0]["entity_type"] == 3
    assert posted[0]["privacy_level"] == 2


async def test_a_voice_meeting_is_named_after_the_club_book_and_says_which_section_is_due(club: Club) -> None:
    now = in_sync(club)
    book = await seed_book(club.db)
    await start_read(club, book)
    voice = club.guild.create_voice_channel("Reading room")
    start = (now + timedelta(days=8)).replace(minute=0, second=0, microsecond=0)
    await schedule(club, start, where=voice.mention)
    (event,) = events(club)
    assert (event.entity_type, event.channel_id, event.name) == (2, voice.id, "MIG Pilot")
    assert "Section 1 · pp. 1–56 is due" in event.description
    listed = await club.alice.slash(club.channel, "meeting list")
    shown = told(listed)
    assert f"<t:{int(start.timestamp())}:F> · <#{voice.id}> · 0 members interested" in shown


async def test_reminders_24_and_1_hour_before_once_each_across_a_restart(club: Club) -> None:
    now = in_sync(club)
    start = (now + timedelta(days=2)).replace(second=0, microsecond=0)
    await schedule(club, start, where="Café Louvre")
    (event,) = events(club)
    await club.alice.subscribe_event(event.id)
    await club.bob.subscribe_event(event.id)
    meeting = await service.by_event(club.db, event.id)
    assert meeting is not None
    day_key, hour_key = (service.reminder_key(meeting, kind) for kind in ("24h", "1h"))
    club.clock.now = start - timedelta(hours=24)
    await run_job(club, send_job(day_key))
    (first,) = reminders(club)
    assert "**Book club meeting** starts in 24 hours" in first.content
    assert "2 members interested" in first.content
    assert f"https://discord.com/events/{club.guild.id}/{event.id}" in first.content
    assert not first.mentions
    await club.restart()
    await club.env.settle()
    assert club.bot.scheduler.get_job(send_job(day_key)) is None  # sent: not rebuilt
    assert club.bot.scheduler.get_job(send_job(hour_key)) is not None
    club.clock.now = start - timedelta(minutes=50)  # the bot was down at the 1-hour mark, back within grace
    await club.restart()
    await club.env.settle()
    assert [m.content.split(":")[0] for m in reminders(club)] == [
        "⏰ **Book club meeting** starts in 24 hours",
        "⏰ **Book club meeting** starts in 1 hour",
    ]
    await keeper(club).remind(day_key)  # overlapping triggers: nothing doubles
    await keeper(club).remind(hour_key)
    assert len(reminders(club)) == 2
    posts = [r.json for r in club.env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    for key in (day_key, hour_key):
        claimed = await sends.get(club.db, key)
        assert claimed is not None
        assert claimed.status == "sent"
        assert len([p for p in posts if p.get("nonce") == claimed.nonce]) == 1


async def test_a_reminder_missed_beyond_the_grace_window_is_skipped_and_recorded(club: Club) -> None:
    now = in_sync(club)
    start = now + timedelta(days=2)
    await schedule(club, start, where="Online")
    meeting = await service.by_event(club.db, events(club)[0].id)
    assert meeting is not None
    club.clock.now = start - timedelta(hours=23)  # an hour after the 24-hour mark: past 30 minutes' grace
    await club.restart()
    await club.env.settle()
    assert reminders(club) == []
    skipped = await sends.get(club.db, service.reminder_key(meeting, "24h"))
    assert skipped is not None
    assert skipped.status == "skipped"
    assert "grace window" in (skipped.error or "")


async def test_an_edit_in_discord_moves_the_reminders_and_a_deletion_cancels_them(club: Club) -> None:
    now = in_sync(club)
    start = now + timedelta(days=2)
    await schedule(club, start, where="Online")
    (event,) = events(club)
    meeting = await service.by_event(club.db, event.id)
    assert meeting is not None
    later = start + timedelta(days=1)
    club.env.backend.edit_scheduled_event(
        club.guild.id,
        event.id,
        {
            "scheduled_start_time": later.isoformat(),
            "scheduled_end_time": (later + timedelta(hours=1)).isoformat(),
        },
    )
    await club.env.settle()
    moved = await service.get(club.db, meeting.meeting_id)
    assert moved is not None
    assert moved.starts_at == later
    old = await sends.get(club.db, service.reminder_key(meeting, "24h"))
    assert old is not None
    assert old.status == "skipped"
    assert club.bot.scheduler.get_job(send_job(service.reminder_key(moved, "24h"))) is not None
    assert club.bot.scheduler.get_job(send_job(service.reminder_key(meeting, "24h"))) is None
    club.env.backend.delete_scheduled_event(club.guild.id, event.id)
    await club.env.settle()
    gone = await service.get(club.db, meeting.meeting_id)
    assert gone is not None
    assert gone.status == "cancelled"
    assert [j.id for j in club.bot.scheduler.get_jobs() if j.id.startswith("meeting:")] == []


async def test_cancel_removes_the_event_and_its_reminders(club: Club) -> None:
    now = in_sync(club)
    await schedule(club, now + timedelta(days=2), where="Online", topic="Wrap-up party")
    meeting = (await service.upcoming(club.db, club.guild.id, now))[0]
    choices = await club.admin.autocomplete(club.channel, "meeting cancel", "meeting", "wrap")
    assert [c["value"] for c in choices] == [str(meeting.meeting_id)]
    refused = await club.alice.slash(club.channel, "meeting cancel", meeting=str(meeting.meeting_id))
    assert "Only organisers can do that" in told(refused)
    done = await club.admin.slash(club.channel, "meeting cancel", meeting=str(meeting.meeting_id))
    assert "Cancelled **Wrap-up party**; its reminders are off." in told(done)
    assert events(club) == []
    assert club.bot.scheduler.get_job(end_job(meeting.meeting_id)) is None


async def test_a_weekly_meeting_keeps_its_local_time_across_a_dst_change(club: Club) -> None:
    club.clock.now = datetime(2027, 3, 1, tzinfo=UTC)
    text = await schedule(
        club,
        datetime(2027, 3, 21, 19, 0, tzinfo=UTC),
        timezone="Europe/Prague",
        where="Online",
        repeat="weekly",
    )
    assert "It repeats every week" in text
    first = (await service.upcoming(club.db, club.guild.id, club.clock()))[0]
    assert first.starts_at == datetime(2027, 3, 21, 18, 0, tzinfo=UTC)  # CET
    club.clock.now = first.ends_at + timedelta(minutes=1)
    await run_job(club, end_job(first.meeting_id))
    (second,) = await service.upcoming(club.db, club.guild.id, club.clock())
    assert second.starts_at == datetime(2027, 3, 28, 17, 0, tzinfo=UTC)  # 19:00 CEST
    assert second.follows == first.meeting_id
    assert len(events(club)) == 2
    await keeper(club).on_end_job(first.meeting_id)  # ending again makes no third
    assert len(await service.upcoming(club.db, club.guild.id, club.clock())) == 1


# -- refusals: a clear answer, nothing stored ----------------------------------------------------


@pytest.mark.parametrize(
    ("when", "timezone", "expected"),
    [
        ("next tuesday", "UTC", "is not a time: write `YYYY-MM-DD HH:MM`"),
        ("2026-02-30 19:00", "UTC", "is not a real date and time"),
        ("2026-11-01 19:00", "UTC", "has already passed"),
        ("2028-06-01 19:00", "UTC", "more than a year away"),
        ("2027-01-10 19:00", "Mars/Olympus", "is not a time zone I know"),
        ("2027-03-28 02:30", "Europe/Prague", "does not exist: the clocks jump forward"),
        ("2027-10-31 02:30", "Europe/Prague", "happens twice: the clocks go back"),
    ],
)
async def test_bad_times_are_refused(club: Club, when: str, timezone: str, expected: str) -> None:
    before = await snapshot(club.db, MEETING_TABLES)
    result = await club.admin.slash(club.channel, "meeting schedule", when=when, timezone=timezone)
    assert expected in told(result)
    assert await snapshot(club.db, MEETING_TABLES) == before
    assert events(club) == []


async def test_bad_places_permissions_and_discord_refusals_store_nothing(club: Club) -> None:
    when = "2027-01-10 19:00"
    before = await snapshot(club.db, MEETING_TABLES)
    text_channel = club.guild.create_text_channel("chat")
    refused = await club.admin.slash(
        club.channel, "meeting schedule", when=when, timezone="UTC", where=text_channel.mention
    )
    assert "is not a voice or stage channel" in told(refused)
    refused = await club.alice.slash(club.channel, "meeting schedule", when=when, timezone="UTC")
    assert "Only organisers can do that" in told(refused)
    for status in (400, 403, 429):
        club.env.inject_error("POST", f"/guilds/{club.guild.id}/scheduled-events", status=status, times=None)
        refused = await club.admin.slash(club.channel, "meeting schedule", when=when, timezone="UTC")
        assert f"Discord refused the event ({status}" in told(refused)
        assert "nothing was scheduled" in told(refused)
        club.env.backend.faults.clear()
    assert await snapshot(club.db, MEETING_TABLES) == before
    role = next(r for r in club.env.backend.get_guild(club.guild.id).roles.values() if r.managed)
    allowed = discord.Permissions(role.permissions)
    allowed.update(manage_events=False, create_events=False)
    club.env.backend.edit_role(club.guild.id, role.id, {"permissions": allowed.value})
    await club.env.settle()
    refused = await club.admin.slash(club.channel, "meeting schedule", when=when, timezone="UTC")
    assert "I need the Manage Events permission" in told(refused)
    assert await snapshot(club.db, MEETING_TABLES) == before
    assert events(club) == []
