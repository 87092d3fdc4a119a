"""The digest timetable: its arithmetic agrees with the cron trigger (across daylight-saving changes
too), the earliest slot comes first, and start-up picks out the clubs whose week may be owed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.models.digest import ScheduleTime
from bot.services import digest
from bot.services.digest_timetable import Timetable, Zones, plan_groups, plan_start_up

ZONES = (
    "Europe/Prague", "America/New_York", "Australia/Sydney", "Asia/Kathmandu", "Pacific/Chatham",
    "America/St_Johns", "UTC", "Africa/Casablanca", "Europe/London", "America/Santiago",
)  # fmt: skip
# Instants around this year's changes (both hemispheres) and ordinary weeks.
INSTANTS = [
    datetime(2026, 3, 26, 9, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    datetime(2026, 4, 3, 16, 0, tzinfo=UTC),
    datetime(2026, 10, 22, 23, 30, tzinfo=UTC),
    datetime(2026, 10, 31, 12, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC),
    datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
    datetime(2026, 11, 27, 17, 0, tzinfo=UTC),  # exactly on a slot: the next one is a week on
]


def times(count: int, seed: int) -> list[ScheduleTime]:
    rng = random.Random(seed)
    return [
        ScheduleTime(
            n, rng.randrange(7), rng.randrange(24), rng.choice((0, 15, 30, 45, 59)), rng.choice(ZONES)
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("now", INSTANTS, ids=str)
def test_the_arithmetic_agrees_with_the_cron_trigger(now: datetime) -> None:
    zones = Zones(now)
    for time in [*times(300, 4), ScheduleTime(1, 4, 18, 0, "Europe/Prague")]:
        expected = digest.next_slot(time, now)
        assert datetime.fromtimestamp(zones.next_slot(time, digest.next_slot), UTC) == expected, time
        if zones.latest_is_arithmetic(time.timezone):
            latest = datetime.fromtimestamp(zones.next_slot(time, digest.next_slot) - 7 * 86400, UTC)
            assert latest == digest.latest_slot(time, now - digest.EARLY_TOLERANCE), time


def test_the_timetable_gives_the_clubs_due_in_order_and_forgets_dropped_ones() -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    table = Timetable()
    table.load(
        [((start + timedelta(hours=3)).timestamp(), [1]), ((start + timedelta(hours=1)).timestamp(), [2])]
    )
    table.put(3, start + timedelta(hours=2))
    table.put(2, start + timedelta(hours=5))  # moved: its earlier slot no longer counts
    table.drop(1)
    assert table.next_at() == start + timedelta(hours=2)
    assert table.take_due(start + timedelta(hours=4)) == [3]
    assert table.due_at(3) is None
    assert table.due_at(2) == start + timedelta(hours=5)
    assert table.next_at() == start + timedelta(hours=5)
    assert table.take_due(start + timedelta(hours=5)) == [2]
    assert table.next_at() is None
    assert len(table) == 0


def test_start_up_catches_up_only_the_clubs_whose_slot_came_after_the_handled_mark() -> None:
    now = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)  # Friday 20:00 in Prague
    at_18 = ScheduleTime(1, 4, 18, 0, "Europe/Prague")  # 17:00 UTC, two hours ago
    at_21 = ScheduleTime(2, 4, 21, 0, "Europe/Prague")  # still to come
    monday = ScheduleTime(3, 0, 9, 0, "Europe/Prague")  # four days ago
    groups = [(at_18, [1, 11]), (at_21, [2]), (monday, [3])]
    plan = plan_groups(groups, now, handled_until=datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    assert plan is not None
    assert sorted(plan.catch_up) == [1, 11]
    due = {guild_id: at for at, clubs in plan.groups for guild_id in clubs}
    assert due[2] == datetime(2026, 11, 27, 20, 0, tzinfo=UTC).timestamp()
    assert due[1] == due[11] == datetime(2026, 12, 4, 17, 0, tzinfo=UTC).timestamp()
    assert plan_groups(groups, now, handled_until=now).catch_up == []  # type: ignore[union-attr]
    assert plan_groups(groups, now, handled_until=None) is None  # unknown: look at every club's posts
    # Without the mark, each club's latest week on record decides.
    rows = [
        ScheduleTime(1, 4, 18, 0, "Europe/Prague", last_period="2026-W48"),
        ScheduleTime(11, 4, 18, 0, "Europe/Prague", last_period="2026-W47"),
        ScheduleTime(3, 0, 9, 0, "Europe/Prague", last_period="2026-W48", claimed=True),
        ScheduleTime(4, 0, 9, 0, "Europe/Prague"),
    ]
    assert plan_start_up(rows, now).catch_up == [11, 3, 4]
