"""The response cache forgets entries expired for over a week, on a daily job the bot schedules."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger

from bot.books.cache import DAY, KEEP_EXPIRED, PRUNE_JOB_ID, ResponseCache
from bot.db import Database
from bot.db.cache import get_response
from tests.conftest import Club


async def test_prune_keeps_a_week_of_stale_answers_for_outages(db: Database) -> None:
    cache = ResponseCache(db)
    now = 100 * DAY
    await cache.put("long-gone", 200, "{}", now=now - 30 * DAY, kind="search")  # expired 29 days ago
    await cache.put("stale", 200, "{}", now=now - 3 * DAY, kind="search")  # expired 2 days ago
    await cache.put("fresh", 200, "{}", now=now, kind="work")

    assert await cache.prune(now=now) == 1

    assert await get_response(db, "long-gone") is None
    assert await get_response(db, "stale") is not None
    assert await get_response(db, "fresh") is not None
    assert KEEP_EXPIRED == 7 * DAY


async def test_the_bot_prunes_the_cache_daily(club: Club) -> None:
    job = club.bot.scheduler.get_job(PRUNE_JOB_ID)
    assert job is not None
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(days=1)

    now = club.clock().timestamp()
    cache = ResponseCache(club.db)
    await cache.put("long-gone", 200, "{}", now=now - 30 * DAY, kind="search")
    await cache.put("fresh", 200, "{}", now=now, kind="search")
    await job.func()
    assert await get_response(club.db, "long-gone") is None
    assert await get_response(club.db, "fresh") is not None
