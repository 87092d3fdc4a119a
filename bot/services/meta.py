"""What `/about` tells about a server's club."""

from __future__ import annotations

from bot.db import Database
from bot.db.meta import club_counts as _club_counts


async def club_counts(db: Database, guild_id: int) -> tuple[int, int, int]:
    """Books this club touched, its ratings and its reviews (maintained counters, one round trip)."""
    return await _club_counts(db, guild_id)
