"""Club meetings: when (local time in an IANA zone, DST gaps and repeats refused), what the event says,
the reminders owed 24 hours and 1 hour before, and the meeting's life as Discord reports it.

`repeat`: discord.py 2.7 cannot send Discord's `recurrence_rule`, so a repeating meeting is one
event at a time: when an occurrence ends, the next one is created (same local time, DST followed).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.db import Database
from bot.db import club as club_store
from bot.db import meetings as store
from bot.db import sends as send_store
from bot.errors import UserFacingError
from bot.models.club import ClubRead
from bot.models.meetings import Meeting
from bot.models.shards import ALL, Shards
from bot.services.club import due_at
from bot.services.nonces import new_nonce

REPEATS = ("none", "weekly", "every-2-weeks", "monthly")
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))
MAX_AHEAD = timedelta(days=366)
LOCATION_MAX = 100  # Discord's limit on an external event's location
NAME_MAX = 100
_WHEN = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})")


# -- when ----------------------------------------------------------------------------------------


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise UserFacingError(
            f"`{name[:40]}` is not a time zone I know: use an IANA name such as `Europe/Prague` or "
            "`America/New_York` (suggested as you type)."
        ) from None


def resolve_local(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as UTC; refused when it does not exist or happens twice."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    there = f"{local:%Y-%m-%d %H:%M} in {zone.key}"
    back = first.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local:
        raise UserFacingError(
            f"{there} does not exist: the clocks jump forward that night. Pick a time outside the jump, "
            "for example an hour later."
        )
    if first.utcoffset() != second.utcoffset():
        raise UserFacingError(
            f"{there} happens twice: the clocks go back that night. Pick a time outside the repeated hour."
        )
    return first.astimezone(UTC)


def parse_when(when: str, timezone: str, now: datetime) -> datetime:
    """`YYYY-MM-DD HH:MM` in `timezone` as a UTC instant, in the future and within a year."""
    zone = zone_of(timezone)
    match = _WHEN.fullmatch(when.strip())
    example = (now.astimezone(zone) + timedelta(days=7)).strftime("%Y-%m-%d 19:00")
    if match is None:
        raise UserFacingError(f"`{when[:40]}` is not a time: write `YYYY-MM-DD HH:MM`, e.g. `{example}`.")
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=UTC).replace(tzinfo=None)  # a wall time
    except ValueError:
        raise UserFacingError(f"`{when[:40]}` is not a real date and time: e.g. `{example}`.") from None
    start = resolve_local(local, zone)
    if start <= now:
        raise UserFacingError(f"{when.strip()} in {zone.key} has already passed: pick a time in the future.")
    if start - now > MAX_AHEAD:
        raise UserFacingError("That is more than a year away: schedule meetings within a year.")
    return start


def next_start(meeting: Meeting) -> datetime:
    """The next occurrence of a repeating meeting: the same local time a week, two or a month on."""
    zone = zone_of(meeting.timezone)
    local = meeting.starts_at.astimezone(zone).replace(tzinfo=None)
    if meeting.repeat == "weekly":
        local += timedelta(days=7)
    elif meeting.repeat == "every-2-weeks":
        local += timedelta(days=14)
    else:
        year, month = (local.year, local.month + 1) if local.month < 12 else (local.year + 1, 1)
        local = local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))
    first = local.replace(tzinfo=zone, fold=0)
    return first.astimezone(UTC)  # a time in a DST gap moves on by the jump; a repeated one is the first


# -- what the event says -------------------------------------------------------------------------


def section_due(read: ClubRead, starts_at: datetime) -> str | None:
    """Which section the meeting discusses: the last one due by then (else the first)."""
    passed = [s for s in read.sections if due_at(read, s.due_date) <= starts_at]
    section = passed[-1] if passed else read.sections[0]
    first, last = section.first_page, section.last_page
    pages = f"pp. {first}–{last}" if read.by_pages else f"{first}–{last}%"
    due = section.due_date
    return f"{section.label} · {pages} is due {due:%b} {due.day}"


async def describe(db: Database, guild_id: int, topic: str | None, starts_at: datetime) -> tuple[str, str]:
    """The event's name (the topic, else the club book, else a plain name) and description."""
    read = await club_store.current_read(db, guild_id)
    name = topic or (read.title if read else "Book club meeting")
    lines = []
    if read is not None:
        lines.append(f"The club discusses {read.title}: {section_due(read, starts_at)}.")
    if topic and read is not None and topic != read.title:
        lines.append(f"Topic: {topic}")
    return name[:NAME_MAX], "\n".join(lines)


def check_repeat(repeat: str) -> None:
    if repeat not in REPEATS:
        raise UserFacingError(f"`repeat` is one of {', '.join(REPEATS)}.")


def check_location(location: str) -> str:
    cleaned = " ".join(location.split())
    if not cleaned:
        raise UserFacingError("`where` is empty: give a voice or stage channel, or a place or a link.")
    if len(cleaned) > LOCATION_MAX:
        raise UserFacingError(f"Keep `where` to {LOCATION_MAX} characters (Discord's limit for a place).")
    return cleaned


async def plan(
    db: Database,
    *,
    guild_id: int,
    channel_id: int,
    created_by: int,
    starts_at: datetime,
    length: timedelta,
    timezone: str,
    repeat: str,
    topic: str | None,
    where_channel_id: int | None,
    location: str | None,
    follows: int | None = None,
) -> Meeting:
    """The meeting as it will be stored (meeting_id 0 until claimed)."""
    check_repeat(repeat)
    topic = " ".join(topic.split())[:NAME_MAX] if topic and topic.strip() else None
    name, description = await describe(db, guild_id, topic, starts_at)
    return Meeting(
        meeting_id=0,
        guild_id=guild_id,
        event_id=None,
        channel_id=channel_id,
        name=name,
        description=description,
        topic=topic,
        where_channel_id=where_channel_id,
        location=location,
        starts_at=starts_at,
        ends_at=starts_at + length,
        timezone=zone_of(timezone).key,
        repeat=repeat,
        status="creating",
        created_by=created_by,
        follows=follows,
    )


async def claim(db: Database, meeting: Meeting, now: datetime) -> Meeting:
    return replace(meeting, meeting_id=await store.claim(db, meeting, now))


async def abandon(db: Database, meeting: Meeting) -> None:
    await store.drop(db, meeting.meeting_id)


async def stale_claims(db: Database, shards: Shards = ALL) -> list[Meeting]:
    return await store.with_status(db, "creating", shards)


# -- reminders -----------------------------------------------------------------------------------


def reminder_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:"


def reminder_key(meeting: Meeting, kind: str) -> str:
    """Keyed by the start too: a meeting moved in Discord owes its reminders again, at the new time."""
    return f"{reminder_prefix(meeting.meeting_id)}{kind}:{int(meeting.starts_at.timestamp())}"


def parse_key(key: str) -> tuple[int, str] | None:
    parts = key.split(":")
    if len(parts) != 4 or parts[0] != "meeting" or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2]


async def plan_reminders(db: Database, meeting: Meeting, now: datetime) -> None:
    """Claim the reminders still ahead (one due before the meeting was made or moved is not owed)."""
    async with db.transaction() as conn:
        for kind, before in REMINDERS:
            due = meeting.starts_at - before
            if due > now:
                await send_store.plan_in(
                    conn,
                    reminder_key(meeting, kind),
                    guild_id=meeting.guild_id,
                    channel_id=meeting.channel_id,
                    due_at=due,
                    nonce=new_nonce(),
                    now=now,
                )


async def activate(db: Database, meeting: Meeting, event_id: int, now: datetime) -> Meeting:
    """Discord made the event: the meeting is scheduled and its reminders owed."""
    await store.set_event(db, meeting.meeting_id, event_id)
    scheduled = replace(meeting, event_id=event_id, status="scheduled")
    await plan_reminders(db, scheduled, now)
    return scheduled


# -- its life ------------------------------------------------------------------------------------


async def get(db: Database, meeting_id: int) -> Meeting | None:
    return await store.get(db, meeting_id)


async def by_event(db: Database, event_id: int) -> Meeting | None:
    return await store.by_event(db, event_id)


async def require_meeting(db: Database, guild_id: int, value: str) -> Meeting:
    """The meeting an autocomplete value (its id) names, in this server and not over."""
    meeting = await store.get(db, int(value)) if value.strip().isdigit() else None
    if meeting is None or meeting.guild_id != guild_id:
        raise UserFacingError("Choose a meeting from the list (`/meeting list` shows them).")
    if meeting.status != "scheduled":
        raise UserFacingError(f"**{meeting.name}** is already {meeting.status}.")
    return meeting


async def scheduled(db: Database, shards: Shards = ALL) -> list[Meeting]:
    return await store.with_status(db, "scheduled", shards)


async def upcoming(db: Database, guild_id: int, now: datetime) -> list[Meeting]:
    return await store.upcoming(db, guild_id, now)


async def cancel(db: Database, meeting: Meeting, now: datetime) -> bool:
    """Cancelled, with its reminders off; False when it was no longer scheduled."""
    if not await store.set_status(db, meeting.meeting_id, "cancelled"):
        return False
    await send_store.drop_planned(db, reminder_prefix(meeting.meeting_id), now, "The meeting was cancelled.")
    return True


async def end(db: Database, meeting: Meeting, now: datetime) -> bool:
    """Over, once (the end job, Discord's completion and the catch-up may all say so)."""
    if not await store.set_status(db, meeting.meeting_id, "ended"):
        return False
    await send_store.drop_planned(db, reminder_prefix(meeting.meeting_id), now, "The meeting was over.")
    return True


async def move(
    db: Database,
    meeting: Meeting,
    *,
    starts_at: datetime,
    ends_at: datetime,
    name: str,
    where_channel_id: int | None,
    location: str | None,
    now: datetime,
) -> Meeting:
    """Follow an edit made in Discord; a new start moves the reminders (the old ones are dropped)."""
    await store.move(
        db,
        meeting.meeting_id,
        starts_at=starts_at,
        ends_at=ends_at,
        name=name,
        where_channel_id=where_channel_id,
        location=location,
    )
    moved = replace(
        meeting,
        starts_at=starts_at,
        ends_at=ends_at,
        name=name,
        where_channel_id=where_channel_id,
        location=location,
    )
    if starts_at != meeting.starts_at:
        await send_store.drop_planned(db, reminder_prefix(meeting.meeting_id), now, "The meeting was moved.")
        await plan_reminders(db, moved, now)
    return moved


async def next_meeting(db: Database, guild_id: int, now: datetime) -> Meeting | None:
    """The weekly digest's line: the club's next meeting, or None."""
    found = await store.upcoming(db, guild_id, now, limit=1)
    return found[0] if found else None
