"""Meeting times: local time in an IANA zone, DST gaps and repeats, the next occurrence of a repeat."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserFacingError
from bot.models.meetings import Meeting
from bot.services import meetings as service

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_local_time_becomes_utc() -> None:
    assert service.parse_when("2027-01-10 19:00", "Europe/Prague", NOW) == datetime(
        2027, 1, 10, 18, 0, tzinfo=UTC
    )
    assert service.parse_when(" 2027-07-10T19:00 ", "Europe/Prague", NOW) == datetime(
        2027, 7, 10, 17, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("when", "zone", "words"),
    [
        ("2027-03-28 02:00", "Europe/Prague", "does not exist"),
        ("2027-03-14 02:30", "America/New_York", "does not exist"),
        ("2027-10-31 02:59", "Europe/Prague", "happens twice"),
        ("2027-11-07 01:30", "America/New_York", "happens twice"),
        ("2026-11-25 11:59", "UTC", "has already passed"),
        ("2027-11-26 12:01", "UTC", "more than a year away"),
        ("25/12/2026 19:00", "UTC", "is not a time"),
        ("2027-01-10 19:00", "Europe/Atlantis", "not a time zone I know"),
    ],
)
def test_refusals_name_the_problem(when: str, zone: str, words: str) -> None:
    with pytest.raises(UserFacingError, match=words):
        service.parse_when(when, zone, NOW)


def meeting(start: datetime, repeat: str, zone: str = "Europe/Prague") -> Meeting:
    return Meeting(
        1,
        1,
        9,
        2,
        "Club",
        "",
        None,
        None,
        "Online",
        start,
        start + timedelta(minutes=90),
        zone,
        repeat,
        "scheduled",
        3,
    )


def test_repeats_keep_the_local_time() -> None:
    start = datetime(2027, 3, 21, 18, 0, tzinfo=UTC)  # 19:00 CET
    assert service.next_start(meeting(start, "weekly")) == datetime(2027, 3, 28, 17, 0, tzinfo=UTC)
    assert service.next_start(meeting(start, "every-2-weeks")) == datetime(2027, 4, 4, 17, 0, tzinfo=UTC)
    jan31 = datetime(2027, 1, 31, 18, 0, tzinfo=UTC)
    assert service.next_start(meeting(jan31, "monthly")) == datetime(2027, 2, 28, 18, 0, tzinfo=UTC)
    dec = replace(meeting(datetime(2026, 12, 15, 18, 0, tzinfo=UTC), "monthly"), timezone="UTC")
    assert service.next_start(dec) == datetime(2027, 1, 15, 18, 0, tzinfo=UTC)


def test_reminder_keys_follow_the_start() -> None:
    first = meeting(datetime(2027, 3, 21, 18, 0, tzinfo=UTC), "none")
    moved = replace(first, starts_at=first.starts_at + timedelta(hours=1))
    assert service.reminder_key(first, "24h") != service.reminder_key(moved, "24h")
    assert service.parse_key(service.reminder_key(first, "1h")) == (1, "1h")
    assert service.parse_key("pick:1:result") is None
