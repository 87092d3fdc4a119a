"""The provider response cache in SQLite (`http_cache`): per-kind lifetimes, stale entries kept for failures."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.db import Database
from bot.db.cache import CachedResponse, get_response, prune_responses, put_response

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

DAY = 86_400.0

# How long a response stays fresh, by kind. Expired entries are kept: they are served when the
# provider fails, and replaced when it answers again.
LIFETIMES: dict[str, float] = {
    "search": 1 * DAY,
    "work": 7 * DAY,
    "edition": 7 * DAY,
    "isbn": 7 * DAY,
    "editions": 7 * DAY,
    "author": 30 * DAY,
    "volume": 7 * DAY,
}
NOT_FOUND_LIFETIME = 3_600.0

# Expired entries are deleted once they have been expired this long: a provider outage of up to a
# week is still answered from the cache, and the table stops growing with every search ever made.
KEEP_EXPIRED = 7 * DAY
PRUNE_JOB_ID = "http-cache-prune"
PRUNE_EVERY = timedelta(days=1)
FIRST_PRUNE_AFTER = timedelta(minutes=10)  # soon after start-up, so a bot restarted daily still prunes


class ResponseCache:
    """Reads and writes `http_cache` rows; one round trip each."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> CachedResponse | None:
        return await get_response(self.db, key)

    async def put(self, key: str, status: int, body: str, *, now: float, kind: str) -> None:
        lifetime = NOT_FOUND_LIFETIME if status == 404 else LIFETIMES.get(kind, DAY)
        await put_response(self.db, key, CachedResponse(status, body, now, now + lifetime))

    async def prune(self, *, now: float) -> int:
        """Delete the entries expired for longer than `KEEP_EXPIRED`; returns how many."""
        return await prune_responses(self.db, now - KEEP_EXPIRED)


def schedule_pruning(scheduler: BaseScheduler, db: Database, *, clock: Callable[[], datetime]) -> None:
    """Prune the cache every day (first a few minutes after start-up); replaces an earlier job."""
    cache = ResponseCache(db)

    async def prune() -> None:
        try:
            removed = await cache.prune(now=clock().timestamp())
        except sqlite3.Error:  # the next run tries again; a larger table meanwhile harms nothing
            log.warning("could not prune the response cache", exc_info=True)
            return
        log.info("pruned %d expired responses from the cache", removed)

    scheduler.add_job(
        prune,
        "interval",
        seconds=PRUNE_EVERY.total_seconds(),
        id=PRUNE_JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC) + FIRST_PRUNE_AFTER,
    )
