"""The provider response cache in SQLite (`http_cache`): per-kind lifetimes, stale entries kept for failures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db import Database

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


@dataclass(frozen=True, slots=True)
class CachedResponse:
    status: int
    body: str
    fetched_at: float
    expires_at: float

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at

    def json(self) -> Any:
        """The decoded body, or None for a cached 404."""
        return None if self.status == 404 else json.loads(self.body)


class ResponseCache:
    """Reads and writes `http_cache` rows; one round trip each."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> CachedResponse | None:
        query = "SELECT status, body, fetched_at, expires_at FROM http_cache WHERE key = ?"
        row = await self.db.fetchone(query, (key,))
        if row is None:
            return None
        return CachedResponse(row["status"], row["body"], row["fetched_at"], row["expires_at"])

    async def put(self, key: str, status: int, body: str, *, now: float, kind: str) -> None:
        lifetime = NOT_FOUND_LIFETIME if status == 404 else LIFETIMES.get(kind, DAY)
        query = """
            INSERT INTO http_cache (key, status, body, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET
                status = excluded.status, body = excluded.body,
                fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
        """
        await self.db.execute(query, (key, status, body, now, now + lifetime))
