"""`http_cache` rows: stored, read back, and pruned once they have been expired long enough."""

from __future__ import annotations

from bot.db import Database
from bot.db.cache import CachedResponse, get_response, prune_responses, put_response


async def test_prune_deletes_only_rows_that_expired_before_the_cutoff(db: Database) -> None:
    await put_response(db, "old", CachedResponse(200, "{}", fetched_at=0.0, expires_at=100.0))
    await put_response(db, "edge", CachedResponse(200, "{}", fetched_at=0.0, expires_at=200.0))
    await put_response(db, "stale", CachedResponse(404, "", fetched_at=0.0, expires_at=300.0))
    await put_response(db, "fresh", CachedResponse(200, "{}", fetched_at=0.0, expires_at=10_000.0))

    assert await prune_responses(db, older_than=200.0) == 1

    assert await get_response(db, "old") is None
    for kept in ("edge", "stale", "fresh"):
        assert await get_response(db, kept) is not None
    assert await prune_responses(db, older_than=200.0) == 0
