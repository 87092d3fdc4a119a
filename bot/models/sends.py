"""A message the club features send at a time of their own (a vote's result, a meeting reminder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PlannedSend:
    """A row of club_sends: claimed with its nonce before the POST, its message id written after."""

    key: str
    guild_id: int
    channel_id: int
    due_at: datetime
    nonce: str
    status: str  # 'planned' | 'sent' | 'skipped' | 'lost' | 'failed'
    first_attempt_at: datetime | None = None
    message_id: int | None = None
    error: str | None = None
