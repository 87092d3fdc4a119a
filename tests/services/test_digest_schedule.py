"""The digest's schedule: validation, trigger times in real time zones, and the once-a-week claim."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import digest as store
from bot.db.database import Database
from bot.errors import UserFacingError
from bot.models.digest import Schedule
from bot.services import digest as service
from bot.services.digest import Action
from tests.services.test_digest_content import Seed

GUILD = 1001
CHANNEL = 2002
GRACE = timedelta(hours=24)


def schedule(weekday: int, hour: int, minute: int, zone: str, since: datetime | None = None) -> Schedule:
    return Schedule(GUILD, CHANNEL, weekday, hour, minute, zone, since or datetime(2026, 1, 1, tzinfo=UTC))


def fires(sched: Schedule, start: datetime, count: int) -> list[datetime]:
    """The next `count` fire times of the job's own trigger."""
    trigger = service.trigger_for(sched)
    found: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        found.append(fire)
        previous, now = fire, fire.astimezone(UTC) + timedelta(seconds=1)
    return found


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("18:00", (18, 0)), ("7:05", (7, 5)), (" 00:00 ", (0, 0))])
def test_parse_time_accepts_hh_mm(text: str, expected: tuple[int, int]) -> None:
    assert service.parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:61", "24:00", "18:60", "18", "6pm", "", "18:5", "-1:00"])
def test_parse_time_rejects_with_a_clear_message(text: str) -> None:
    with pytest.raises(UserFacingError, match=r"HH:MM|00–23"):
        service.parse_time(text)


def test_parse_timezone_validates_against_the_iana_database() -> None:
    assert service.parse_timezone("Europe/Prague") == "Europe/Prague"
    assert service.parse_timezone("asia/kathmandu") == "Asia/Kathmandu"
    for bad in ("Mars/Olympus_Mons", "", "Europe/", "../../etc/passwd", "CEST"):
        with pytest.raises(UserFacingError, match="not a time zone I know"):
            service.parse_timezone(bad)


def test_timezone_suggestions_prefix_first_and_capped() -> None:
    assert service.timezone_suggestions("europe/pr")[0] == "Europe/Prague"
    assert "Asia/Kolkata" in service.timezone_suggestions("kolk")
    assert "America/New_York" in service.timezone_suggestions("new york")
    assert len(service.timezone_suggestions("a")) == 25
    assert service.timezone_suggestions("")  # something to pick before typing


def test_new_schedule_rejects_bad_parts() -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    with pytest.raises(UserFacingError):
        service.new_schedule(GUILD, CHANNEL, weekday="Friday", time="25:61", timezone="UTC", now=now)
    with pytest.raises(UserFacingError):
        service.new_schedule(GUILD, CHANNEL, weekday="Friday", time="18:00", timezone="Nowhere", now=now)
    with pytest.raises(UserFacingError):
        service.new_schedule(GUILD, CHANNEL, weekday="Caturday", time="18:00", timezone="UTC", now=now)
    made = service.new_schedule(GUILD, CHANNEL, weekday="Friday", time="18:00", timezone="utc", now=now)
    assert (made.weekday, made.hour, made.minute, made.timezone) == (4, 18, 0, "UTC")


# -- trigger times -------------------------------------------------------------------------


def test_prague_18_00_stays_18_00_local_across_the_march_change() -> None:
    # Summer time starts on Sunday 29 March 2026: Friday the 27th is CET, 3 April is CEST.
    sched = schedule(4, 18, 0, "Europe/Prague")
    got = fires(sched, datetime(2026, 3, 21, tzinfo=UTC), 2)
    local = [f.astimezone(ZoneInfo("Europe/Prague")) for f in got]
    assert [(t.date().isoformat(), t.hour, t.minute) for t in local] == [
        ("2026-03-27", 18, 0),
        ("2026-04-03", 18, 0),
    ]
    assert [f.astimezone(UTC).hour for f in got] == [17, 16]
    assert [service.next_slot(sched, f - timedelta(minutes=1)) for f in got] == [
        f.astimezone(UTC) for f in got
    ]


def test_prague_18_00_stays_18_00_local_across_the_october_change() -> None:
    # Summer time ends on Sunday 25 October 2026: Friday the 23rd is CEST, the 30th is CET.
    sched = schedule(4, 18, 0, "Europe/Prague")
    got = fires(sched, datetime(2026, 10, 17, tzinfo=UTC), 2)
    local = [f.astimezone(ZoneInfo("Europe/Prague")) for f in got]
    assert [(t.date().isoformat(), t.hour) for t in local] == [("2026-10-23", 18), ("2026-10-30", 18)]
    assert [f.astimezone(UTC).hour for f in got] == [16, 17]
    # The week's content window ends at the slot and begins at 18:00 local a week earlier,
    # which is 7 days and 1 hour before across the change.
    start = service.week_before(got[1], "Europe/Prague")
    assert start.astimezone(ZoneInfo("Europe/Prague")).hour == 18
    assert got[1].astimezone(UTC) - start == timedelta(days=7, hours=1)


@pytest.mark.parametrize(
    ("zone", "utc_time"),
    [("Asia/Kathmandu", (3, 15)), ("Asia/Kolkata", (3, 30)), ("Australia/Eucla", (0, 15))],
)
def test_zones_with_non_hour_offsets(zone: str, utc_time: tuple[int, int]) -> None:
    sched = schedule(0, 9, 0, zone)  # Mondays 09:00 local
    got = fires(sched, datetime(2026, 11, 25, tzinfo=UTC), 2)
    for fire in got:
        local = fire.astimezone(ZoneInfo(zone))
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        assert (fire.astimezone(UTC).hour, fire.astimezone(UTC).minute) == utc_time
    assert got[1].astimezone(UTC) - got[0].astimezone(UTC) == timedelta(days=7)


def test_a_repeated_fall_back_hour_is_still_one_week() -> None:
    # 02:30 happens twice on 25 October 2026 in Prague; the trigger fires at both, and both are
    # the same ISO week, so the claim lets only the first post.
    sched = schedule(6, 2, 30, "Europe/Prague")
    first, second = fires(sched, datetime(2026, 10, 24, tzinfo=UTC), 2)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert service.period_of(first, "Europe/Prague") == service.period_of(second, "Europe/Prague")
    assert service.latest_slot(sched, second) == second.astimezone(UTC)


def test_a_skipped_spring_hour_still_fires_that_week() -> None:
    sched = schedule(6, 2, 30, "Europe/Prague")  # 02:30 does not exist on 29 March 2026
    got = fires(sched, datetime(2026, 3, 28, tzinfo=UTC), 1)
    assert got[0].astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert service.period_of(got[0], "Europe/Prague") == "2026-W13"


def test_latest_slot_and_period() -> None:
    sched = schedule(4, 18, 0, "Europe/Prague")
    friday = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 18:00 CET
    assert service.latest_slot(sched, friday + timedelta(hours=3)) == friday
    assert service.latest_slot(sched, friday - timedelta(seconds=30)) == friday  # early tolerance
    assert service.latest_slot(sched, friday - timedelta(hours=1)) == friday - timedelta(days=7)
    assert service.period_of(friday, "Europe/Prague") == "2026-W48"
    # Sunday 23:30 in Auckland is still that ISO week there, though Sunday morning in UTC.
    late = schedule(6, 23, 30, "Pacific/Auckland")
    slot = service.next_slot(late, friday)
    assert service.period_of(slot, "Pacific/Auckland") == "2026-W48"


# -- exactly once --------------------------------------------------------------------------

SLOT = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # Friday 27 November 2026, 18:00 in Prague


async def set_up(db: Database, since: datetime = SLOT - timedelta(days=3)) -> Schedule:
    sched = schedule(4, 18, 0, "Europe/Prague", since=since)
    await service.save(db, sched)
    return sched


async def test_not_set_up_and_not_yet_due(db: Database) -> None:
    assert (await service.claim_due(db, GUILD, SLOT, grace=GRACE)).action is Action.NOT_SET_UP
    await set_up(db, since=SLOT + timedelta(hours=1))
    # The slot that passed before the schedule was set is never a catch-up.
    due = await service.claim_due(db, GUILD, SLOT + timedelta(hours=2), grace=GRACE)
    assert due.action is Action.NOT_DUE
    assert await store.get_post(db, GUILD, "2026-W48") is None


async def test_due_once_then_already(db: Database) -> None:
    await set_up(db)
    due = await service.claim_due(db, GUILD, SLOT, grace=GRACE)
    assert due.action is Action.POST
    assert due.period == "2026-W48"
    assert due.digest is not None
    assert (due.digest.start, due.digest.end) == (SLOT - timedelta(days=7), SLOT)
    for later in (SLOT, SLOT + timedelta(minutes=5), SLOT + timedelta(hours=23)):
        assert (await service.claim_due(db, GUILD, later, grace=GRACE)).action is Action.ALREADY
    record = await store.get_post(db, GUILD, "2026-W48")
    assert record is not None
    assert record.status == "claimed"
    await service.record_posted(db, due, channel_id=CHANNEL, message_id=77, messages=1, now=SLOT)
    last = await store.last_post(db, GUILD)
    assert last is not None
    assert (last.status, last.message_id, last.slot_at) == ("posted", 77, SLOT)
    # Next week is a new period.
    assert (await service.claim_due(db, GUILD, SLOT + timedelta(days=7), grace=GRACE)).action is Action.POST


async def test_overlapping_triggers_claim_once(db: Database) -> None:
    await set_up(db)
    results = await asyncio.gather(*(service.claim_due(db, GUILD, SLOT, grace=GRACE) for _ in range(8)))
    actions = [result.action for result in results]
    assert actions.count(Action.POST) == 1
    assert actions.count(Action.ALREADY) == 7


async def test_catch_up_inside_and_outside_the_grace_window(db: Database) -> None:
    await set_up(db)
    inside = await service.claim_due(db, GUILD, SLOT + timedelta(hours=23, minutes=59), grace=GRACE)
    assert inside.action is Action.POST
    assert inside.digest is not None
    assert inside.digest.end == SLOT  # the week it was due for, not the moment it came back

    next_slot = SLOT + timedelta(days=7)
    outside = await service.claim_due(db, GUILD, next_slot + timedelta(hours=25), grace=GRACE)
    assert outside.action is Action.MISSED
    record = await store.get_post(db, GUILD, "2026-W49")
    assert record is not None
    assert record.status == "missed"
    sched = await store.get_schedule(db, GUILD)
    assert sched is not None
    assert sched.last_error is not None
    assert "grace window" in sched.last_error
    # Noticed once: coming back again records nothing new and posts nothing.
    again = await service.claim_due(db, GUILD, next_slot + timedelta(hours=30), grace=GRACE)
    assert again.action is Action.ALREADY


async def test_quiet_week_is_skipped_when_asked(db: Database) -> None:
    await set_up(db)
    due = await service.claim_due(db, GUILD, SLOT, grace=GRACE, post_empty=False)
    assert due.action is Action.SKIPPED
    record = await store.get_post(db, GUILD, "2026-W48")
    assert record is not None
    assert record.status == "skipped"
    assert (await service.claim_due(db, GUILD, SLOT, grace=GRACE)).action is Action.ALREADY


async def test_failure_is_recorded_and_cleared_by_the_next_success(db: Database) -> None:
    await set_up(db)
    due = await service.claim_due(db, GUILD, SLOT, grace=GRACE)
    await service.record_failed(db, due, "no permission", now=SLOT)
    status = await service.status(db, GUILD, SLOT)
    assert status.schedule is not None
    assert status.schedule.last_error == "no permission"
    assert status.last is None
    assert status.next_at == SLOT + timedelta(days=7)
    following = await service.claim_due(db, GUILD, SLOT + timedelta(days=7), grace=GRACE)
    await service.record_posted(db, following, channel_id=CHANNEL, message_id=9, messages=2, now=SLOT)
    status = await service.status(db, GUILD, SLOT + timedelta(days=7))
    assert status.schedule is not None
    assert status.schedule.last_error is None
    assert status.last is not None
    assert status.last.message_id == 9


async def test_a_digest_that_cannot_be_built_is_recorded_not_lost(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await set_up(db)
    seed = Seed(db, GUILD)
    book = await seed.book("Dune", "Frank Herbert", 412)
    await seed.shelf(7, book, "currently-reading", at=SLOT - timedelta(days=2), page=10)
    await db.execute("UPDATE shelves SET started_at = 'last Tuesday' WHERE user_id = 7")  # malformed
    with caplog.at_level(logging.ERROR, logger="bot.services.digest"):
        due = await service.claim_due(db, GUILD, SLOT, grace=GRACE)
    assert due.action is Action.FAILED
    assert due.digest is None
    record = await store.get_post(db, GUILD, "2026-W48")
    assert record is not None
    assert record.status == "failed"
    assert record.error is not None
    match = re.fullmatch(r"The digest could not be built \(error id `([0-9a-f]{8})`\)\.", record.error)
    assert match is not None
    status = await service.status(db, GUILD, SLOT)
    assert status.schedule is not None
    assert status.schedule.last_error == record.error
    assert status.schedule.last_error_at == SLOT
    # The log has the traceback under the same id.
    [logged] = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged.exc_info is not None
    assert isinstance(logged.exc_info[1], ValueError)
    # The week stays taken (never posted twice); once the row is sound, next week posts.
    assert (
        await service.claim_due(db, GUILD, SLOT + timedelta(hours=1), grace=GRACE)
    ).action is Action.ALREADY
    await db.execute("UPDATE shelves SET started_at = added_at WHERE user_id = 7")
    assert (await service.claim_due(db, GUILD, SLOT + timedelta(days=7), grace=GRACE)).action is Action.POST


async def test_setting_again_replaces_and_off_forgets(db: Database) -> None:
    await set_up(db)
    other = Schedule(GUILD, 3003, 0, 9, 30, "Asia/Kolkata", SLOT)
    await service.save(db, other)
    assert await store.get_schedule(db, GUILD) == other
    await service.turn_off(db, GUILD)
    assert await store.get_schedule(db, GUILD) is None
    with pytest.raises(UserFacingError, match="not set up"):
        await service.turn_off(db, GUILD)


async def test_a_late_trigger_is_not_downtime_even_with_no_grace(db: Database) -> None:
    await set_up(db)
    no_grace = timedelta(0)
    assert (
        await service.claim_due(db, GUILD, SLOT + timedelta(seconds=2), grace=no_grace)
    ).action is Action.POST
    following = SLOT + timedelta(days=7)
    late = await service.claim_due(db, GUILD, following + timedelta(minutes=11), grace=no_grace)
    assert late.action is Action.MISSED


async def test_moving_the_slot_later_in_a_posted_week_waits_for_next_week(db: Database) -> None:
    monday = schedule(0, 9, 0, "Europe/Prague", since=SLOT - timedelta(days=10))
    await service.save(db, monday)
    posted_at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 CET, week 48
    assert (await service.claim_due(db, GUILD, posted_at, grace=GRACE)).action is Action.POST
    friday = schedule(4, 18, 0, "Europe/Prague", since=posted_at + timedelta(hours=1))
    await service.save(db, friday)
    status = await service.status(db, GUILD, posted_at + timedelta(hours=1))
    assert status.next_at == SLOT + timedelta(days=7)  # not this Friday: week 48 is done
    assert (await service.claim_due(db, GUILD, SLOT, grace=GRACE)).action is Action.ALREADY
