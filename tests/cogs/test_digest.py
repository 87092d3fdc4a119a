"""/digest and the weekly post, through the real client on simcord. Time is driven by calling the
job with an explicit `now` or by moving the bot's clock, never by sleeping."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import cast

import discord
import pytest
import simcord

import bot.ui.digest
from bot.db import digest as store
from bot.models.digest import PlannedMessage
from bot.services import digest as service
from bot.services import digest_delivery as delivery
from bot.services.digest import Action
from cogs.digest import TIMETABLE_JOB
from cogs.digest import Digest as DigestCog
from tests.components import text_of
from tests.conftest import Club
from tests.services.test_digest_content import Seed

# The club clock starts on Wednesday 25 November 2026, 12:00 UTC; Friday 18:00 in Prague is 17:00 UTC.
SLOT = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def cog(club: Club) -> DigestCog:
    # load_extension imports the module afresh, so the loaded class is not this module's class.
    found = club.bot.get_cog("Digest")
    assert type(found).__qualname__ == DigestCog.__qualname__
    return cast(DigestCog, found)


async def set_up(club: Club, channel: object = None, **options: str) -> str:
    values = {"weekday": "Friday", "time": "18:00", "timezone": "Europe/Prague"} | options
    result = await club.admin.slash(club.channel, "digest setup", channel=channel or club.channel, **values)
    assert result.ephemeral
    assert result.response is not None
    return result.response.content


def messages_in(channel: object) -> list[discord.Message]:
    history = channel.history()  # type: ignore[attr-defined]
    return [m for m in history if m.author.bot]


def text_of_message(message: discord.Message) -> str:
    return text_of([component.to_dict() for component in message.components])  # type: ignore[misc]


async def status_text(club: Club) -> str:
    result = await club.admin.slash(club.channel, "digest status")
    assert result.ephemeral
    assert result.response is not None
    return text_of(result.response.components)


async def seed_readers(club: Club, count: int) -> None:
    seed = Seed(club.db, club.guild.id)
    book = await seed.book("MIG Pilot: The Final Escape of Lt. Belenko", "John Barron", 222)
    for user_id in range(1, count + 1):
        await seed.member(user_id, f"Reader {user_id:03d} @everyone")
        await seed.shelf(user_id, book, "currently-reading", at=SLOT - WEEK, page=120)


# -- setup and its bad inputs --------------------------------------------------------------


async def test_setup_stores_schedules_and_answers_with_the_next_post(club: Club) -> None:
    text = await set_up(club)
    assert "every Friday at 18:00 (Europe/Prague)" in text
    assert f"<t:{int(SLOT.timestamp())}:F>" in text
    schedule = await store.get_schedule(club.db, club.guild.id)
    assert schedule is not None
    assert (schedule.channel_id, schedule.weekday, schedule.hour, schedule.timezone) == (
        club.channel.id,
        4,
        18,
        "Europe/Prague",
    )
    assert cog(club).next_due(club.guild.id) == SLOT
    assert club.bot.scheduler.get_job(TIMETABLE_JOB) is not None


async def test_setup_again_changes_the_job(club: Club) -> None:
    await set_up(club)
    await set_up(club, weekday="Monday", time="09:00", timezone="Asia/Kathmandu")
    assert cog(club).next_due(club.guild.id) == datetime(2026, 11, 30, 3, 15, tzinfo=UTC)
    assert len(cog(club).timetable) == 1
    assert len([j for j in club.bot.scheduler.get_jobs() if j.id.startswith("digest:")]) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time": "25:61"}, "is not a time of day"),
        ({"time": "six"}, "Use 24-hour HH:MM"),
        ({"timezone": "Mars/Olympus_Mons"}, "is not a time zone I know"),
    ],
)
async def test_bad_input_is_answered_and_changes_nothing(
    club: Club, options: dict[str, str], message: str
) -> None:
    await set_up(club)
    before = await store.get_schedule(club.db, club.guild.id)
    values = {"weekday": "Sunday", "time": "08:00", "timezone": "UTC"} | options
    result = await club.admin.slash(club.channel, "digest setup", channel=club.channel, **values)
    assert result.ephemeral
    assert result.response is not None
    assert message in result.response.content
    assert await store.get_schedule(club.db, club.guild.id) == before
    assert cog(club).next_due(club.guild.id) == SLOT
    club.take_errors()


async def test_a_channel_the_bot_cannot_write_to_is_refused(club: Club) -> None:
    me = club.guild.me
    assert me is not None
    closed = club.guild.create_text_channel(
        "announcements", overwrites={me: discord.PermissionOverwrite(send_messages=False)}
    )
    result = await club.admin.slash(
        club.channel, "digest setup", channel=closed, weekday="Friday", time="18:00", timezone="UTC"
    )
    assert result.ephemeral
    assert result.response is not None
    assert "I need the Send Messages permission there" in result.response.content
    assert await store.get_schedule(club.db, club.guild.id) is None
    assert cog(club).next_due(club.guild.id) is None
    club.take_errors()


async def test_manage_server_is_required(club: Club) -> None:
    # Members see the group (preview and status are for everyone) but cannot change it.
    assert "digest setup" in club.alice.available_commands(club.channel)
    result = await club.alice.slash(
        club.channel, "digest setup", channel=club.channel, weekday="Friday", time="18:00", timezone="UTC"
    )
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == "You need the Manage Server permission to change the weekly digest."
    assert await store.get_schedule(club.db, club.guild.id) is None
    await set_up(club)
    result = await club.alice.slash(club.channel, "digest off")
    assert result.response is not None
    assert "Manage Server" in result.response.content
    assert await store.get_schedule(club.db, club.guild.id) is not None
    # Status and preview are not changes: every member may use them.
    await seed_readers(club, 1)
    status = await club.alice.slash(club.channel, "digest status")
    assert status.response is not None
    preview = await club.alice.slash(club.channel, "digest preview")
    assert preview.ephemeral
    shown = preview_messages(preview)
    assert len(shown) == 1
    assert all(message.ephemeral for message in shown)
    text = text_of(shown[0].components)
    assert "Readers — weekly digest" in text
    assert "### Currently reading · 1 member" in text
    assert (
        "**Reader 001 @everyone** — *MIG Pilot: The Final Escape of Lt. Belenko* by John Barron · p. 120/222 · 54%"
        in text
    )
    assert messages_in(club.channel) == []
    club.take_errors()


async def test_timezone_autocomplete(club: Club) -> None:
    choices = await club.admin.autocomplete(
        club.channel,
        "digest setup",
        "timezone",
        "kathm",
        channel=club.channel,
        weekday="Friday",
        time="18:00",
    )
    assert [choice["value"] for choice in choices] == ["Asia/Kathmandu"]
    many = await club.admin.autocomplete(club.channel, "digest setup", "timezone", "america/")
    assert len(many) == 25


async def test_zone_names_are_read_off_the_event_loop(club: Club, monkeypatch: pytest.MonkeyPatch) -> None:
    real = service.available_timezones
    threads: list[threading.Thread] = []

    def recording() -> set[str]:
        threads.append(threading.current_thread())
        return real()

    monkeypatch.setattr(service, "available_timezones", recording)
    service._zone_names.cache_clear()
    await club.bot.reload_extension("cogs.digest")
    await club.env.settle()
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()  # cog_load read them in a worker thread
    choices = await club.admin.autocomplete(club.channel, "digest setup", "timezone", "prague")
    assert [choice["value"] for choice in choices] == ["Europe/Prague"]
    assert len(threads) == 1  # the autocomplete used what was read then


# -- the weekly post -----------------------------------------------------------------------


async def test_the_digest_arrives_in_the_channel_once(club: Club) -> None:
    await set_up(club)
    seed = Seed(club.db, club.guild.id)
    book = await seed.book("MIG Pilot: The Final Escape of Lt. Belenko", "John Barron", 222)
    dune = await seed.book("Dune", "Frank Herbert", 412)
    await seed.member(club.alice.id, "Alice @everyone")
    await seed.member(club.bob.id, "Bob")
    await seed.shelf(club.alice.id, book, "currently-reading", at=SLOT - 2 * WEEK, page=120)
    await seed.shelf(club.bob.id, dune, "read", at=SLOT - 3 * WEEK, finished_at=SLOT - timedelta(days=1))
    await seed.rate(club.bob.id, dune, 9, at=SLOT - timedelta(days=1))
    await seed.review(club.bob.id, dune, "Spice must flow", at=SLOT - timedelta(days=1), likes=2, card=(5, 6))
    await seed.shelf(club.admin.id, dune, "want-to-read", at=SLOT - WEEK)

    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.POST
    posted = messages_in(club.channel)
    assert len(posted) == 1
    text = text_of_message(posted[0])
    assert "Readers — weekly digest" in text
    assert (
        "**Alice @everyone** — *MIG Pilot: The Final Escape of Lt. Belenko* by John Barron · p. 120/222 · 54%"
        in text
    )
    assert "**Bob** finished *Dune* by Frank Herbert — ★★★★½" in text
    assert f"[read it](https://discord.com/channels/{club.guild.id}/5/6)" in text
    assert "1. *Dune* by Frank Herbert — 1 member wants to read it" in text
    assert not posted[0].mention_everyone
    assert posted[0].mentions == []

    # Overlapping or repeated triggers, before or after a restart, never post it again.
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.ALREADY
    assert await cog(club).post_digest(club.guild.id, SLOT + timedelta(hours=2)) is Action.ALREADY
    club.clock.now = SLOT + timedelta(minutes=10)
    await club.restart()
    await club.env.settle()
    assert len(messages_in(club.channel)) == 1
    status = await status_text(club)
    link = f"https://discord.com/channels/{club.guild.id}/{club.channel.id}/{posted[0].id}"
    assert f"[jump to it]({link})" in status
    assert "**Last error:** none" in status
    assert f"**Next post:** <t:{int((SLOT + WEEK).timestamp())}:F>" in status


async def test_overlapping_triggers_post_once(club: Club) -> None:
    await set_up(club)
    await seed_readers(club, 3)
    actions = await asyncio.gather(
        cog(club).post_digest(club.guild.id, SLOT),
        cog(club).post_digest(club.guild.id, SLOT + timedelta(seconds=1)),
        cog(club).catch_up(),
    )
    assert actions.count(Action.POST) == 1
    assert len(messages_in(club.channel)) == 1


async def test_the_scheduled_job_runs_with_the_bot_clock(club: Club) -> None:
    await set_up(club)
    club.clock.now = SLOT + timedelta(seconds=2)
    job = club.bot.scheduler.get_job(TIMETABLE_JOB)
    assert job is not None
    await job.func(*job.args)  # what APScheduler calls at the slot
    assert len(messages_in(club.channel)) == 1
    assert cog(club).next_due(club.guild.id) == SLOT + WEEK  # put back with its next slot
    assert "A quiet week" in text_of_message(messages_in(club.channel)[0])


async def test_a_quiet_week_posts_nothing_when_so_set(club: Club) -> None:
    club.bot.settings.digest_post_empty = False
    await set_up(club)
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.SKIPPED
    assert messages_in(club.channel) == []


async def test_three_hundred_readers_split_across_messages(club: Club) -> None:
    await set_up(club)
    await seed_readers(club, 300)
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.POST
    posted = messages_in(club.channel)
    assert len(posted) > 1
    text = "\n".join(text_of_message(message) for message in posted)
    for user_id in range(1, 301):
        assert text.count(f"**Reader {user_id:03d} @everyone**") == 1
    for message in posted:
        assert len(text_of_message(message)) <= 4000
        assert not message.mention_everyone
    record = await store.last_post(club.db, club.guild.id)
    assert record is not None
    assert record.message_id == min(message.id for message in posted)  # the first one, for the jump link
    assert record.messages == len(posted)


# -- restarts ------------------------------------------------------------------------------


async def test_jobs_are_rebuilt_after_a_restart(club: Club) -> None:
    await set_up(club, weekday="Monday", time="09:00", timezone="Asia/Kolkata")
    bot = await club.restart()
    await club.env.settle()
    job = bot.scheduler.get_job(TIMETABLE_JOB)
    assert job is not None
    assert job.func.__self__ is bot.get_cog("Digest")
    assert cog(club).next_due(club.guild.id) == datetime(2026, 11, 30, 3, 30, tzinfo=UTC)


async def test_catch_up_inside_the_grace_window(club: Club) -> None:
    await set_up(club)
    club.clock.now = SLOT + timedelta(hours=23)  # the bot was down from before the slot until now
    await club.restart()
    await club.env.settle()
    posted = messages_in(club.channel)
    assert len(posted) == 1
    # and a second restart does not post it again
    await club.restart()
    await club.env.settle()
    assert len(messages_in(club.channel)) == 1


async def test_no_catch_up_outside_the_grace_window(club: Club) -> None:
    await set_up(club)
    club.clock.now = SLOT + timedelta(hours=25)
    await club.restart()
    await club.env.settle()
    assert messages_in(club.channel) == []
    status = await status_text(club)
    assert "was not posted: the bot was offline for more than the 24-hour grace window" in status
    # The job stays: next week posts as usual.
    assert await cog(club).post_digest(club.guild.id, SLOT + WEEK) is Action.POST
    assert len(messages_in(club.channel)) == 1
    assert "**Last error:** none" in await status_text(club)


# -- failures at post time -----------------------------------------------------------------


async def test_discord_refusing_the_post_is_recorded(club: Club) -> None:
    await set_up(club)
    club.env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50013, message="Missing Permissions"
    )
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.POST
    assert messages_in(club.channel) == []
    status = await status_text(club)
    assert "Discord refused: I lack permission to post in" in status
    assert cog(club).next_due(club.guild.id) is not None
    assert club.bot.is_ready()
    record = await store.get_post(club.db, club.guild.id, "2026-W48")
    assert record is not None
    assert record.status == "failed"


async def test_a_deleted_channel_is_recorded(club: Club) -> None:
    reading_room = club.guild.create_text_channel("reading-room")
    await set_up(club, channel=reading_room)
    channel = club.bot.get_channel(reading_room.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.delete()
    await club.env.settle()
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.POST
    status = await status_text(club)
    assert f"The digest channel (<#{reading_room.id}>) no longer exists" in status
    assert cog(club).next_due(club.guild.id) is not None


async def test_a_permission_taken_away_is_recorded(club: Club) -> None:
    await set_up(club)
    me = club.guild.me
    assert me is not None
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.set_permissions(me, send_messages=False)
    await club.env.settle()
    await cog(club).post_digest(club.guild.id, SLOT)
    assert messages_in(club.channel) == []
    assert "I need the Send Messages permission there" in await status_text(club)


ERROR_ID = r"\(error id `[0-9a-f]{8}`\)"


async def test_a_digest_that_cannot_be_built_is_recorded(club: Club) -> None:
    await set_up(club)
    await seed_readers(club, 2)
    await club.db.execute("UPDATE shelves SET started_at = 'last Tuesday' WHERE user_id = 2")  # malformed
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.FAILED
    assert messages_in(club.channel) == []
    assert re.search(
        rf"\*\*Last error:\*\* \(<t:\d+:R>\) The digest could not be built {ERROR_ID}\.",
        await status_text(club),
    )
    record = await store.get_post(club.db, club.guild.id, "2026-W48")
    assert record is not None
    assert record.status == "failed"
    # The job stays; once the row is sound, next week posts and clears the error.
    assert cog(club).next_due(club.guild.id) is not None
    await club.db.execute("UPDATE shelves SET started_at = added_at WHERE user_id = 2")
    assert await cog(club).post_digest(club.guild.id, SLOT + WEEK) is Action.POST
    assert len(messages_in(club.channel)) == 1
    assert "**Last error:** none" in await status_text(club)


async def test_a_rendering_failure_is_recorded(club: Club, monkeypatch: pytest.MonkeyPatch) -> None:
    await set_up(club)
    await seed_readers(club, 3)

    def broken_renderer(blocks: list[str]) -> discord.ui.LayoutView:
        raise ValueError("a renderer bug")

    monkeypatch.setattr(bot.ui.digest, "page_view", broken_renderer)
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.POST
    assert messages_in(club.channel) == []
    status = await status_text(club)
    assert re.search(rf"\*\*Last error:\*\* \(<t:\d+:R>\) The digest could not be built {ERROR_ID}\.", status)
    assert "**Last post:** none yet" in status
    record = await store.get_post(club.db, club.guild.id, "2026-W48")
    assert record is not None
    assert (record.status, record.message_id, record.messages) == ("failed", None, 0)
    assert cog(club).next_due(club.guild.id) is not None
    # The week stays taken: a later trigger does not try again.
    assert await cog(club).post_digest(club.guild.id, SLOT + timedelta(minutes=5)) is Action.ALREADY
    assert messages_in(club.channel) == []


async def test_any_other_failure_while_sending_is_recorded(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up(club)

    def broken(channel: discord.TextChannel) -> str | None:
        raise RuntimeError("a bug before the first message")

    loaded = sys.modules[type(cog(club)).__module__]  # the module the extension loader ran
    monkeypatch.setattr(loaded, "cannot_post", broken)
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.POST
    assert messages_in(club.channel) == []
    assert re.search(rf"The digest could not be built {ERROR_ID}\.", await status_text(club))
    record = await store.get_post(club.db, club.guild.id, "2026-W48")
    assert record is not None
    assert record.status == "failed"


# -- preview, status, off, leaving ---------------------------------------------------------


def preview_messages(result: simcord.InteractionResult) -> list[simcord.ResponseMessage]:
    """After a deferral the first follow-up fills the original response; the rest follow it."""
    assert result.response is not None
    return [result.response, *result.followups]


async def test_preview_is_ephemeral_and_current(club: Club) -> None:
    seed = Seed(club.db, club.guild.id)
    book = await seed.book("Dune", "Frank Herbert", 412)
    await seed.member(club.alice.id, "Alice")
    await seed.shelf(
        club.alice.id, book, "currently-reading", at=club.clock() - timedelta(days=1), percent=30
    )
    result = await club.admin.slash(club.channel, "digest preview")
    assert result.ephemeral
    shown = preview_messages(result)
    assert len(shown) == 1
    assert all(message.ephemeral for message in shown)
    text = text_of(shown[0].components)
    assert "**Alice** — *Dune* by Frank Herbert · 30%" in text
    assert messages_in(club.channel) == []
    assert await store.last_post(club.db, club.guild.id) is None  # a preview is not the week's post


async def test_preview_of_three_hundred_readers_uses_several_messages(club: Club) -> None:
    await seed_readers(club, 300)
    result = await club.admin.slash(club.channel, "digest preview")
    shown = preview_messages(result)
    assert len(shown) > 1
    assert all(message.ephemeral for message in shown)
    text = "\n".join(text_of(message.components) for message in shown)
    assert text.count("@everyone** —") == 300


async def test_status_when_off(club: Club) -> None:
    text = await status_text(club)
    assert "The digest is **off**" in text
    assert "**Last post:** none yet" in text


async def test_off_removes_the_job_and_the_schedule(club: Club) -> None:
    await set_up(club)
    result = await club.admin.slash(club.channel, "digest off")
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content.startswith("The weekly digest is off.")
    assert await store.get_schedule(club.db, club.guild.id) is None
    assert cog(club).next_due(club.guild.id) is None
    assert await cog(club).post_digest(club.guild.id, SLOT) is Action.NOT_SET_UP
    assert "The digest is **off**" in await status_text(club)
    again = await club.admin.slash(club.channel, "digest off")
    assert again.response is not None
    assert "not set up" in again.response.content
    club.take_errors()


async def test_leaving_the_server_removes_the_job(club: Club) -> None:
    await set_up(club)
    guild = club.bot.get_guild(club.guild.id)
    assert guild is not None
    await guild.leave()
    await club.env.settle()
    assert cog(club).next_due(club.guild.id) is None
    assert await store.get_schedule(club.db, club.guild.id) is None


async def test_unloading_the_cog_removes_its_jobs(club: Club) -> None:
    await set_up(club)
    await club.bot.unload_extension("cogs.digest")
    assert [job for job in club.bot.scheduler.get_jobs() if job.id.startswith("digest:")] == []
    await club.bot.load_extension("cogs.digest")
    await club.env.settle()
    assert cog(club).next_due(club.guild.id) is not None
    assert await service.status(club.db, club.guild.id, club.clock()) is not None


# -- interrupted posts: what a restarted bot finishes ----------------------------------------


class Crash(BaseException):
    """Stands in for SIGKILL: nothing in the bot catches it, so nothing more is recorded."""


async def interrupted(
    club: Club, monkeypatch: pytest.MonkeyPatch, now: datetime, *, at: str, part: int
) -> None:
    """Run the week's post and stop it dead at message `part`: at='attempting' stops it after the
    attempt is recorded and before the POST; at='sent' after the POST, before its id is recorded."""
    real = getattr(delivery, at)

    async def stopping(db: object, message: PlannedMessage, *args: object, **options: object) -> object:
        if message.part == part and at == "attempting":
            await real(db, message, *args, **options)
        if message.part == part:
            raise Crash
        return await real(db, message, *args, **options)

    monkeypatch.setattr(delivery, at, stopping)
    with pytest.raises(Crash):
        await cog(club).post_digest(club.guild.id, now)
    monkeypatch.setattr(delivery, at, real)


def sent_nonces(club: Club) -> list[str]:
    """The nonce of every message the bot POSTed in the channel, each with enforce_nonce."""
    posts = [
        request.json
        for request in club.env.http_requests
        if request.method == "POST" and request.path == f"/channels/{club.channel.id}/messages"
    ]
    assert all(payload["enforce_nonce"] is True for payload in posts)
    return [payload["nonce"] for payload in posts]


async def test_a_post_stopped_between_messages_is_finished_after_a_restart(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up(club)
    await seed_readers(club, 300)
    await interrupted(club, monkeypatch, SLOT, at="attempting", part=1)
    assert len(messages_in(club.channel)) == 1
    status = await status_text(club)
    assert re.search(
        r"\*\*Not finished:\*\* the digest due <t:\d+:f> — 1 of \d+ messages posted so far", status
    )
    assert "**Last post:** none yet" in status

    club.clock.now = SLOT + timedelta(minutes=1)
    await club.restart()
    await club.env.settle()
    posted = messages_in(club.channel)
    text = "\n".join(text_of_message(message) for message in posted)
    for user_id in range(1, 301):
        assert text.count(f"**Reader {user_id:03d} @everyone**") == 1
    record = await store.get_post(club.db, club.guild.id, "2026-W48")
    assert record is not None
    assert (record.status, record.message_id, record.messages) == ("posted", posted[0].id, len(posted))
    # Each message went out once, with the nonce planned for it before the first POST.
    planned = await store.planned_messages(club.db, club.guild.id, "2026-W48")
    assert sent_nonces(club) == [part.nonce for part in planned]
    status = await status_text(club)
    assert "Not finished" not in status
    assert f"/{club.channel.id}/{posted[0].id})" in status
    assert "**Last error:** none" in status


async def set_up_due_on_simcords_clock(club: Club) -> datetime:
    """A schedule whose slot is a minute before simcord's clock, with the bot's clock there too:
    message ids (simcord's time) and the bot's records (its clock) then agree, as on Discord."""
    now = club.env.now()
    slot = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    club.clock.now = slot - timedelta(minutes=10)
    weekday = service.WEEKDAYS[slot.weekday()]
    await set_up(club, weekday=weekday, time=f"{slot:%H:%M}", timezone="UTC")
    club.clock.now = now
    return slot


async def test_a_message_that_got_through_before_a_long_stop_is_not_sent_again(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up_due_on_simcords_clock(club)
    await seed_readers(club, 300)
    await interrupted(club, monkeypatch, club.clock(), at="sent", part=1)
    assert len(messages_in(club.channel)) == 2  # the second message is out; its id was never recorded

    # Back after Discord has forgotten the nonce: the message is found in the channel instead.
    club.clock.now += delivery.NONCE_WINDOW + timedelta(minutes=3)
    await club.restart()
    await club.env.settle()
    posted = messages_in(club.channel)
    texts = [text_of_message(message) for message in posted]
    assert len(set(texts)) == len(texts) > 2
    planned = await store.planned_messages(club.db, club.guild.id, service.period_of(club.clock(), "UTC"))
    assert [part.message_id for part in planned] == [message.id for message in posted]
    assert len(sent_nonces(club)) == len(posted)  # message 2 was POSTed once, before the stop
    assert any(request.method == "GET" for request in club.env.http_requests)


async def test_unreadable_history_after_a_long_stop_is_recorded_not_guessed(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up_due_on_simcords_clock(club)
    await seed_readers(club, 300)
    await interrupted(club, monkeypatch, club.clock(), at="sent", part=0)
    me = club.guild.me
    assert me is not None
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.set_permissions(me, read_message_history=False)
    club.clock.now += delivery.NONCE_WINDOW + timedelta(minutes=3)
    await club.restart()
    await club.env.settle()
    assert len(messages_in(club.channel)) == 1
    status = await status_text(club)
    assert "cannot read <#" in status
    assert "Read Message History" in status
    assert "so I did not send it again" in status


# -- storage faults ------------------------------------------------------------------------


async def read_only(club: Club, on: bool) -> None:
    """Refuse every write as a read-only database file would; reads still work."""
    await club.db._writer.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


@pytest.mark.sqlite_only  # the fault is SQLite's query_only pragma on the writer
async def test_a_storage_fault_is_logged_once_and_the_week_is_retried(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    await set_up(club)
    caplog.set_level(logging.INFO)
    await read_only(club, True)
    for minutes in (0, 5, 10):
        assert (
            await cog(club).post_digest(club.guild.id, SLOT + timedelta(minutes=minutes))
            is Action.INTERRUPTED
        )
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "readonly" in str(errors[0].exc_info[1])  # type: ignore[index]
    assert messages_in(club.channel) == []
    assert club.bot.scheduler.get_job(f"digest:retry:{club.guild.id}") is not None
    assert cog(club).next_due(club.guild.id) is not None  # the weekly job stays
    status = await status_text(club)
    assert (
        "**Last error:** I could not record the digest in the database (attempt to write a readonly" in status
    )

    await read_only(club, False)
    club.clock.now = SLOT + timedelta(minutes=15)
    job = club.bot.scheduler.get_job(f"digest:retry:{club.guild.id}")
    await job.func(*job.args)  # what the scheduler runs five minutes later
    assert len(messages_in(club.channel)) == 1
    assert any(
        record.getMessage() == "the weekly digest records to the database again" for record in caplog.records
    )
    assert "**Last error:** none" in await status_text(club)


async def test_start_up_records_up_to_when_every_slot_was_handled(club: Club) -> None:
    """The mark that lets a restart look only at clubs whose slot came later: written once the
    catch-up decided every week, and moved on by each timetable run after that."""
    await set_up(club)
    club.clock.now = SLOT + timedelta(hours=1)
    await club.restart()
    await club.env.settle()
    assert len(messages_in(club.channel)) == 1
    assert await service.handled_until(club.db, "unsharded") == SLOT + timedelta(hours=1)
    club.clock.now = SLOT + WEEK + timedelta(seconds=5)
    job = club.bot.scheduler.get_job(TIMETABLE_JOB)
    assert job is not None
    await job.func(*job.args)
    assert len(messages_in(club.channel)) == 2
    assert await service.handled_until(club.db, "unsharded") == SLOT + WEEK + timedelta(seconds=5)
    club.clock.now = SLOT + WEEK + timedelta(hours=2)
    await club.restart()  # nothing came due since the mark: nothing to catch up, nothing posted again
    await club.env.settle()
    assert len(messages_in(club.channel)) == 2
