"""The provider response cache (`http_cache`): one row per request key, kept after it expires."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.database import Database


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


async def get_response(db: Database, key: str) -> CachedResponse | None:
    query = "SELECT status, body, fetched_at, expires_at FROM http_cache WHERE key = ?"
    row = await db.fetchone(query, (key,))
    if row is None:
        return None
    return CachedResponse(row["status"], row["body"], row["fetched_at"], row["expires_at"])


async def put_response(db: Database, key: str, response: CachedResponse) -> None:
    query = """
        INSERT INTO http_cache (key, status, body, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET
            status = excluded.status, body = excluded.body,
            fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
    """
    params = (key, response.status, response.body, response.fetched_at, response.expires_at)
    await db.execute(query, params)


async def prune_responses(db: Database, older_than: float) -> int:
    """Delete the responses that expired before `older_than` (unix seconds); returns how many."""
    query = "DELETE FROM http_cache WHERE expires_at < ?"
    return await db.execute(query, (older_than,))
