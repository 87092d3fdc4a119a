"""The provider response cache in SQLite (`http_cache`): per-kind lifetimes, stale entries kept for failures."""

from __future__ import annotations

from bot.db import Database
from bot.db.cache import CachedResponse, get_response, put_response

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


class ResponseCache:
    """Reads and writes `http_cache` rows; one round trip each."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> CachedResponse | None:
        return await get_response(self.db, key)

    async def put(self, key: str, status: int, body: str, *, now: float, kind: str) -> None:
        lifetime = NOT_FOUND_LIFETIME if status == 404 else LIFETIMES.get(kind, DAY)
        await put_response(self.db, key, CachedResponse(status, body, now, now + lifetime))
