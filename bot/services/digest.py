"""The weekly digest: validating a schedule, deciding from the database whether a week is due,
and building its content as plain dataclasses (rendering lives in `bot.ui.digest`).

Exactly once per week per club: every due week is *claimed* in `digest_posts` with a unique
(guild_id, period) key before anything is sent; whoever inserts the row posts, an overlapping
trigger finds it and stays silent. A week that a stopped run (crash, kill) left claimed is
finished by the next one, with the nonces recorded before each message (`digest_delivery`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.db import digest as store
from bot.db.database import Database, db_time, parse_db_time
from bot.db.meta import get_meta, set_meta
from bot.errors import UserFacingError
from bot.models.digest import (
    FinishedEntry,
    PostRecord,
    ReadingEntry,
    ReviewEntry,
    Schedule,
    ScheduleTime,
    WantedEntry,
)
from bot.models.meetings import Meeting
from bot.models.picks import OpenVote
from bot.models.shards import ALL, Shards
from bot.services.club import ClubDigest, digest_block
from bot.services.meetings import next_meeting
from bot.services.picks import open_vote_summary

if TYPE_CHECKING:
    from bot.models.digest import PlannedMessage, Unfinished

log = logging.getLogger(__name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^\s*(\d{1,2})\s*[:.h]\s*(\d{2})\s*$")

# A trigger may run a hair before its slot when the scheduler's clock and the bot's disagree;
# a slot this close ahead still counts as the one due now (its claim keeps it to one post).
EARLY_TOLERANCE = timedelta(minutes=1)
# However small DIGEST_GRACE_HOURS is, a trigger that runs a few minutes late (a busy event loop)
# is not downtime: it still posts.
LATE_TOLERANCE = timedelta(minutes=10)
WEEK = timedelta(days=7)
REVIEWS_SHOWN = 10
WANTED_SHOWN = 5


# -- validation ----------------------------------------------------------------------------


def parse_time(text: str) -> tuple[int, int]:
    """'18:00' → (18, 0); anything else is a clear error."""
    match = _TIME.match(text)
    if match is None:
        raise UserFacingError(f"`{text[:20]}` is not a time. Use 24-hour HH:MM, for example `18:00`.")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise UserFacingError(
            f"`{text[:20]}` is not a time of day: hours go 00–23 and minutes 00–59 (for example `18:00`)."
        )
    return hour, minute


def parse_weekday(name: str) -> int:
    """'Friday' (any case, or 'fri') → 4."""
    key = name.strip().lower()[:3]
    if key in _CRON_DAYS:
        return _CRON_DAYS.index(key)
    raise UserFacingError(f"`{name[:20]}` is not a day of the week. Pick one from Monday to Sunday.")


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name, keyed by its lower-case form."""
    return {name.lower(): name for name in sorted(available_timezones())}


async def load_zone_names() -> None:
    """Read the zone list once, in a thread: it walks the tzdata files, too slow for the event loop."""
    await asyncio.to_thread(_zone_names)


def parse_timezone(name: str) -> str:
    """The canonical IANA name for `name` (case-insensitive), or a clear error."""
    names = _zone_names()
    if not names:  # neither the system nor the tzdata package has a zone database
        raise UserFacingError(
            "This bot cannot load any time zone: its host has no time-zone database. "
            "Ask whoever runs the bot to reinstall it (the `tzdata` package provides one)."
        )
    canonical = names.get(name.strip().lower())
    if canonical is None:
        raise UserFacingError(
            f"`{name[:60]}` is not a time zone I know. Use an IANA name such as `Europe/Prague`, "
            "`America/New_York` or `Asia/Kolkata` (the option suggests names as you type)."
        )
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # listed but not loadable on this system
        raise UserFacingError(f"The time zone `{canonical}` cannot be loaded here.") from exc
    return canonical


def timezone_suggestions(query: str, *, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: names starting with the query first, then containing it."""
    needle = query.strip().lower().replace(" ", "_")
    names = _zone_names()
    if not needle:
        popular = ("UTC", "Europe/London", "Europe/Prague", "America/New_York", "America/Los_Angeles")
        return list(popular)[:limit]
    starts = [name for key, name in names.items() if key.startswith(needle)]
    parts = [name for key, name in names.items() if not key.startswith(needle) and needle in key]
    return (starts + parts)[:limit]


# -- time ----------------------------------------------------------------------------------


def trigger_for(schedule: Schedule | ScheduleTime) -> CronTrigger:
    """The APScheduler trigger for a schedule: wall-clock time in the club's own time zone.

    The same trigger object decides both when the job fires and which slot is due, so the two
    can never disagree (across DST changes, or in zones such as Asia/Kathmandu at +05:45).
    """
    return CronTrigger(
        day_of_week=_CRON_DAYS[schedule.weekday],
        hour=schedule.hour,
        minute=schedule.minute,
        second=0,
        timezone=ZoneInfo(schedule.timezone),
    )


def _fire_after(trigger: CronTrigger, moment: datetime) -> datetime:
    """The trigger's first fire time strictly after `moment`, in UTC.

    Arithmetic happens in UTC only: adding to a local time drops `fold`, so one second after
    the second 02:30 of a fall-back night would land back on the first one.
    """
    start = moment.astimezone(UTC) + timedelta(microseconds=1)
    fire: datetime | None = trigger.get_next_fire_time(None, start)
    assert fire is not None  # a weekly cron trigger without an end date always fires again
    return fire.astimezone(UTC)


def next_slot(schedule: Schedule | ScheduleTime, now: datetime) -> datetime:
    """The first slot strictly after `now`, in UTC."""
    return _fire_after(trigger_for(schedule), now)


def latest_slot(schedule: Schedule | ScheduleTime, now: datetime) -> datetime:
    """The last slot at or before `now` (give or take EARLY_TOLERANCE), in UTC."""
    trigger = trigger_for(schedule)
    horizon = now.astimezone(UTC) + EARLY_TOLERANCE
    fire = _fire_after(trigger, horizon - timedelta(days=8))
    latest = fire
    while fire <= horizon:
        latest = fire
        fire = _fire_after(trigger, fire)
    return latest


def period_of(slot: datetime, timezone: str) -> str:
    """The week a slot belongs to: its ISO week in the club's time zone ('2026-W48')."""
    year, week, _ = slot.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def week_before(slot: datetime, timezone: str) -> datetime:
    """The same wall-clock time a week earlier (in UTC; 167 or 169 hours across a DST change)."""
    local = slot.astimezone(ZoneInfo(timezone))
    return (local.replace(tzinfo=None) - WEEK).replace(tzinfo=local.tzinfo).astimezone(UTC)


# -- content -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Digest:
    guild_id: int
    start: datetime
    end: datetime
    reading: list[ReadingEntry] = field(default_factory=list)
    finished: list[FinishedEntry] = field(default_factory=list)
    reviews: list[ReviewEntry] = field(default_factory=list)
    reviews_total: int = 0
    wanted: list[WantedEntry] = field(default_factory=list)
    club: ClubDigest | None = None  # the club read's section due this week and who is on track
    meeting: Meeting | None = None  # the club's next meeting
    vote: OpenVote | None = None  # the vote on the next book, while it is open

    @property
    def quiet(self) -> bool:
        """Nobody reading, nothing finished, nothing reviewed: the 'quiet week' note instead."""
        return not (self.reading or self.finished or self.reviews)


async def build_digest(db: Database, guild_id: int, start: datetime, end: datetime) -> Digest:
    """Everything a club's digest shows for [start, end): eight index lookups."""
    reading = await store.currently_reading(db, guild_id)
    finished = await store.finished_between(db, guild_id, start, end)
    reviews, total = await store.reviews_between(db, guild_id, start, end, limit=REVIEWS_SHOWN)
    wanted = await store.most_wanted(db, guild_id, limit=WANTED_SHOWN)
    club = await digest_block(db, guild_id, end)
    meeting = await next_meeting(db, guild_id, end)
    vote = await open_vote_summary(db, guild_id)
    return Digest(guild_id, start, end, reading, finished, reviews, total, wanted, club, meeting, vote)


async def preview(db: Database, guild_id: int, now: datetime) -> Digest:
    """This week's digest as it stands now: the seven days up to `now`."""
    return await build_digest(db, guild_id, now - WEEK, now)


# -- schedules -----------------------------------------------------------------------------


def new_schedule(
    guild_id: int, channel_id: int, *, weekday: str, time: str, timezone: str, now: datetime
) -> Schedule:
    """A validated schedule starting at `now` (not yet stored); a clear error for any bad part."""
    hour, minute = parse_time(time)
    zone = parse_timezone(timezone)
    day = parse_weekday(weekday)
    return Schedule(guild_id, channel_id, day, hour, minute, zone, since=now)


async def save(db: Database, schedule: Schedule) -> None:
    """Store a schedule, replacing the club's previous one and its last error."""
    await store.save_schedule(db, schedule)


async def turn_off(db: Database, guild_id: int) -> None:
    if not await store.delete_schedule(db, guild_id):
        raise UserFacingError("The weekly digest is not set up here, so there is nothing to turn off.")


async def turn_off_quietly(db: Database, guild_id: int) -> None:
    """Forget a club's schedule (the bot left the server); its post history stays."""
    await store.delete_schedule(db, guild_id)


@dataclass(frozen=True, slots=True)
class DigestStatus:
    schedule: Schedule | None
    next_at: datetime | None
    last: PostRecord | None
    unfinished: Unfinished | None = None  # a claimed week being posted, or interrupted


async def next_post(db: Database, schedule: Schedule, now: datetime) -> datetime:
    """When the digest will next be posted: the next slot whose week is not already taken.

    Moving a schedule later in a week that was already posted skips to the following week.
    """
    slot = next_slot(schedule, now)
    if await store.get_post(db, schedule.guild_id, period_of(slot, schedule.timezone)) is not None:
        slot = next_slot(schedule, slot)
    return slot


async def status(db: Database, guild_id: int, now: datetime) -> DigestStatus:
    schedule = await store.get_schedule(db, guild_id)
    last = await store.last_post(db, guild_id)
    next_at = None if schedule is None else await next_post(db, schedule, now)
    return DigestStatus(schedule, next_at, last, await store.unfinished(db, guild_id))


# -- the weekly decision -------------------------------------------------------------------


class Action(Enum):
    POST = "post"  # claimed: send it, then record the outcome
    RESUME = "resume"  # claimed by a run that stopped before finishing: send what is missing
    NOT_SET_UP = "not set up"
    NOT_DUE = "not due"  # the latest slot predates the schedule
    ALREADY = "already"  # someone already claimed this week
    MISSED = "missed"  # due longer ago than the grace window: recorded, not posted
    FAILED = "failed"  # claimed, but its content could not be built: recorded, not posted
    SKIPPED = "skipped"  # a quiet week and quiet weeks are not posted
    INTERRUPTED = "interrupted"  # storage failed while recording: the week stays claimed, retried


@dataclass(frozen=True, slots=True)
class Due:
    action: Action
    schedule: Schedule | None = None
    period: str | None = None
    slot: datetime | None = None
    digest: Digest | None = None
    parts: tuple[PlannedMessage, ...] = ()  # a resumed week's planned messages, if it got that far


async def claim_due(
    db: Database,
    guild_id: int,
    now: datetime,
    *,
    grace: timedelta,
    post_empty: bool = True,
    resume: bool = False,
) -> Due:
    """Decide from the database whether this club's digest is due at `now`, and claim it if so.

    Safe to call any number of times, concurrently, after any restart: only the caller that
    inserts the week's row gets Action.POST. With `resume`, the caller vouches that no other run
    is posting this club's digest (the cog runs one at a time per club), so a week found claimed
    but unfinished was left by a run that stopped: it gets Action.RESUME, to be finished.
    """
    schedule = await store.get_schedule(db, guild_id)
    if schedule is None:
        return Due(Action.NOT_SET_UP)
    slot = latest_slot(schedule, now)
    if slot <= schedule.since:
        return Due(Action.NOT_DUE, schedule)
    period = period_of(slot, schedule.timezone)
    if now - slot > max(grace, LATE_TOLERANCE):
        if await store.claim_period(db, guild_id, period, slot, now, status="missed"):
            hours = f"{grace.total_seconds() / 3600:g}"
            error = (
                f"The digest due <t:{int(slot.timestamp())}:f> was not posted: the bot was offline for "
                f"more than the {hours}-hour grace window (DIGEST_GRACE_HOURS)."
            )
            await store.finish_period(db, guild_id, period, status="missed", now=now, error=error)
            return Due(Action.MISSED, schedule, period, slot)
        return Due(Action.ALREADY, schedule, period, slot)
    # Claim first, send second. A crash after this commit leaves a 'claimed' row, which the
    # next run resumes: messages planned (with their nonces) before the crash are re-sent with
    # the same nonces; with none planned yet, nothing was sent and the week is built afresh.
    action = Action.POST
    if not await store.claim_period(db, guild_id, period, slot, now):
        taken = await store.get_post(db, guild_id, period)
        if not resume or taken is None or taken.status != "claimed":
            return Due(Action.ALREADY, schedule, period, slot)
        action = Action.RESUME
        parts = await store.planned_messages(db, guild_id, period)
        if parts:
            return Due(action, schedule, period, slot, parts=tuple(parts))
    try:
        digest = await build_digest(db, guild_id, week_before(slot, schedule.timezone), slot)
    except Exception as exc:
        # Whatever went wrong (a malformed stored row, say), the claimed week must not stay
        # silently 'claimed': record it as failed so /digest status says so.
        error = log_failure(exc, guild_id, period)
        due = Due(Action.FAILED, schedule, period, slot)
        await record_failed(db, due, error, now=now)
        return due
    if digest.quiet and not post_empty:
        await store.finish_period(db, guild_id, period, status="skipped", now=now)
        return Due(Action.SKIPPED, schedule, period, slot, digest)
    return Due(action, schedule, period, slot, digest)


def log_failure(error: BaseException, guild_id: int, period: str | None, *, sent: int = 0) -> str:
    """Log `error` with its traceback under a short error id; return the text /digest status
    shows, which carries the same id so the log entry can be found."""
    error_id = secrets.token_hex(4)
    log.error("digest of guild %s for %s failed (error id %s)", guild_id, period, error_id, exc_info=error)
    if sent:
        return f"The digest could not be posted after {sent} of its messages (error id `{error_id}`)."
    return f"The digest could not be built (error id `{error_id}`)."


async def record_posted(
    db: Database, due: Due, *, channel_id: int, message_id: int, messages: int, now: datetime
) -> None:
    assert due.schedule is not None
    assert due.period is not None
    await store.finish_period(
        db,
        due.schedule.guild_id,
        due.period,
        status="posted",
        now=now,
        channel_id=channel_id,
        message_id=message_id,
        messages=messages,
    )


async def record_failed(
    db: Database,
    due: Due,
    error: str,
    *,
    now: datetime,
    channel_id: int | None = None,
    message_id: int | None = None,
    messages: int = 0,
) -> None:
    """The week stays claimed (a partial post must not be repeated); the error shows in status."""
    assert due.schedule is not None
    assert due.period is not None
    await store.finish_period(
        db,
        due.schedule.guild_id,
        due.period,
        status="failed",
        now=now,
        channel_id=channel_id,
        message_id=message_id,
        messages=messages,
        error=error,
    )


async def schedule_groups(db: Database, shards: Shards = ALL) -> list[tuple[ScheduleTime, list[int]]]:
    """The clubs grouped by digest time (a ScheduleTime standing for each group), for the timetable."""
    return await store.schedule_groups(db, shards)


async def claimed_guilds(db: Database, shards: Shards = ALL) -> list[int]:
    """The clubs with a week a stopped run left claimed: the start-up catch-up finishes or closes it."""
    return await store.claimed_guilds(db, shards)


def _handled_key(owner: str) -> str:
    return f"digest_handled_until:{owner}"


async def handled_until(db: Database, owner: str) -> datetime | None:
    """Up to when every slot of the clubs that `owner` (a process's shard set) schedules was handled:
    posted, recorded as failed, skipped or missed. None: not known (a first start, or new shards)."""
    value = await get_meta(db, _handled_key(owner))
    return None if value is None else parse_db_time(value)


async def mark_handled(db: Database, owner: str, until: datetime) -> None:
    await set_meta(db, _handled_key(owner), db_time(until))


async def schedule_times(db: Database, shards: Shards = ALL) -> list[ScheduleTime]:
    """Every club's digest time (and the start of its post history), to fill the timetable at start-up."""
    return await store.schedule_times(db, shards)


async def schedule_of(db: Database, guild_id: int) -> Schedule | None:
    """One club's digest schedule (a server joined: its job is rebuilt)."""
    return await store.get_schedule(db, guild_id)


async def all_schedules(db: Database, shards: Shards = ALL) -> list[Schedule]:
    """The digest schedule of every club `shards` owns, to rebuild the jobs at start-up."""
    return await store.all_schedules(db, shards)
