"""When each club's weekly digest is next due: one timetable for every club, not a trigger each.

A CronTrigger and an APScheduler job per club cost ~60 µs and ~135 µs to make, and deciding at
start-up whether a club's week is still to post ~340 µs (`latest_slot`): seconds at 10,000 clubs.
Here a club's next slot is worked out from its time zone's local time, computed once per zone: the
slot is the next time the zone's wall clock shows the club's weekday, hour and minute, which is plain
arithmetic on seconds of the week as long as the zone's UTC offset does not change in between. For
a zone that changes its offset within the week ahead (or behind), the club's slot comes from the
cron trigger as before (`bot.services.digest.next_slot`), so daylight-saving changes are followed the
same way. The cog keeps one scheduler job, set for the earliest slot in the timetable.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models.digest import ScheduleTime
from bot.services import digest

WEEK = 7 * 86400


@dataclass(frozen=True, slots=True)
class _Zone:
    second_of_week: float  # the zone's local time now, as seconds since Monday 00:00
    steady_ahead: bool  # the same UTC offset a week from now: the arithmetic holds for the next slot
    steady_behind: bool  # ... and a week ago: it holds for the latest slot too


def _zone(name: str, now: datetime) -> _Zone:
    zone = ZoneInfo(name)
    local = now.astimezone(zone)
    offset = local.utcoffset()
    week = timedelta(days=7)
    return _Zone(
        local.weekday() * 86400
        + local.hour * 3600
        + local.minute * 60
        + local.second
        + local.microsecond / 1e6,
        (now + week).astimezone(zone).utcoffset() == offset,
        (now - week).astimezone(zone).utcoffset() == offset,
    )


class Zones:
    """Each zone's local time at one instant, computed once for every club in that zone."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.epoch = now.timestamp()
        self._zones: dict[str, _Zone] = {}

    def next_slot(self, time: ScheduleTime, exact: Callable[[ScheduleTime, datetime], datetime]) -> float:
        """The club's first slot strictly after `now`, as a UNIX time; `exact` when the zone's offset
        changes within the week ahead."""
        zone = self._zones.get(time.timezone)
        if zone is None:
            zone = self._zones[time.timezone] = _zone(time.timezone, self.now)
        if not zone.steady_ahead:
            return exact(time, self.now).timestamp()
        target = time.weekday * 86400 + time.hour * 3600 + time.minute * 60
        ahead = (target - zone.second_of_week) % WEEK or WEEK
        return round(self.epoch + ahead)

    def latest_is_arithmetic(self, timezone: str) -> bool:
        """Whether `next_slot - WEEK` is the club's latest slot (the offset held over the past week)."""
        zone = self._zones.get(timezone)
        return zone is not None and zone.steady_ahead and zone.steady_behind


class Timetable:
    """Each club's next slot, and the earliest of them, without a job per club.

    Clubs sharing a slot share one entry (most clubs post at a handful of times), so filling it for
    10,000 clubs makes a few thousand objects, not tens of thousands.
    """

    def __init__(self) -> None:
        self._due: dict[int, float] = {}  # guild_id -> UNIX time of its next slot
        self._at: dict[float, list[int]] = {}  # a slot -> the clubs put there (some may have moved since)
        self._heap: list[float] = []  # the slots in `_at`, earliest first

    def __len__(self) -> int:
        return len(self._due)

    def load(self, groups: Iterable[tuple[float, list[int]]]) -> None:
        """Replace the whole timetable by (UNIX time of a slot, the clubs due then) pairs."""
        self._due, self._at = {}, {}
        for at, guild_ids in groups:
            self._due.update(dict.fromkeys(guild_ids, at))
            self._at.setdefault(at, []).extend(guild_ids)
        self._heap = list(self._at)
        heapq.heapify(self._heap)

    def put(self, guild_id: int, at: datetime) -> None:
        stamp = at.timestamp()
        self._due[guild_id] = stamp
        clubs = self._at.get(stamp)
        if clubs is None:
            self._at[stamp] = [guild_id]
            heapq.heappush(self._heap, stamp)
        else:
            clubs.append(guild_id)

    def drop(self, guild_id: int) -> None:
        self._due.pop(guild_id, None)

    def due_at(self, guild_id: int) -> datetime | None:
        """When the club's digest is next due (None: it has no schedule here)."""
        stamp = self._due.get(guild_id)
        return None if stamp is None else datetime.fromtimestamp(stamp, UTC)

    def next_at(self) -> datetime | None:
        """The earliest slot of any club."""
        while self._heap:
            stamp = self._heap[0]
            live = [guild_id for guild_id in self._at.get(stamp, ()) if self._due.get(guild_id) == stamp]
            if live:
                self._at[stamp] = live
                return datetime.fromtimestamp(stamp, UTC)
            heapq.heappop(self._heap)
            self._at.pop(stamp, None)
        return None

    def take_due(self, now: datetime) -> list[int]:
        """The clubs whose slot is at or before `now`, taken out (the caller puts each back with its
        next slot once it has run)."""
        taken: list[int] = []
        limit = now.timestamp()
        while self._heap and self._heap[0] <= limit:
            stamp = heapq.heappop(self._heap)
            for guild_id in sorted(set(self._at.pop(stamp, ()))):
                if self._due.get(guild_id) == stamp:
                    del self._due[guild_id]
                    taken.append(guild_id)
        return taken


@dataclass(frozen=True, slots=True)
class StartUp:
    """What start-up does with the clubs' digest times: the timetable, and the clubs the catch-up after
    READY must look at (a week on record for the latest slot means there is nothing to catch up)."""

    groups: list[tuple[float, list[int]]]  # (UNIX time of a slot, the clubs due then)
    catch_up: list[int]


def plan_start_up(times: Iterable[ScheduleTime], now: datetime) -> StartUp:
    """The timetable and the catch-up list from each club's row (its latest week on record), in one
    pass; clubs sharing a zone and a time share the work (their slots are the same instants)."""
    zones = Zones(now)
    known: dict[tuple[str, int, int, int], tuple[float, str, list[int]]] = {}
    catch_up: list[int] = []
    for time in times:
        key = (time.timezone, time.weekday, time.hour, time.minute)
        slots = known.get(key)
        if slots is None:
            slots = known[key] = (*_slots(zones, time), [])
        _, latest_period, clubs = slots
        clubs.append(time.guild_id)
        if time.claimed or time.last_period is None or time.last_period < latest_period:
            catch_up.append(time.guild_id)
    return StartUp([(next_at, clubs) for next_at, _, clubs in known.values()], catch_up)


def _slots(zones: Zones, time: ScheduleTime) -> tuple[float, str]:
    """A club's next slot (UNIX time) and the week of its latest slot ('2026-W48')."""
    next_at = zones.next_slot(time, digest.next_slot)
    if zones.latest_is_arithmetic(time.timezone):
        latest = datetime.fromtimestamp(next_at - WEEK, UTC)
    else:
        latest = digest.latest_slot(time, zones.now)
    return next_at, digest.period_of(latest, time.timezone)


def plan_groups(
    groups: Iterable[tuple[ScheduleTime, list[int]]], now: datetime, handled_until: datetime | None
) -> StartUp | None:
    """The timetable from the clubs grouped by time, and the catch-up list: the clubs whose latest
    slot came after `handled_until` (their week may be owed). None when `handled_until` is not known:
    then each club's posts must be looked at (`plan_start_up`)."""
    zones = Zones(now)
    slots: list[tuple[float, list[int]]] = []
    catch_up: list[int] = []
    since = None if handled_until is None else handled_until.timestamp()
    for time, guild_ids in groups:
        next_at = zones.next_slot(time, digest.next_slot)
        slots.append((next_at, guild_ids))
        if since is None:
            continue
        if zones.latest_is_arithmetic(time.timezone):
            latest = next_at - WEEK
        else:
            latest = digest.latest_slot(time, now).timestamp()
        if latest > since:
            catch_up += guild_ids
    return None if since is None else StartUp(slots, catch_up)
