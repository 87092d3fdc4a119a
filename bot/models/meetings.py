"""Club meetings: a Discord scheduled event each, with reminders before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Meeting:
    meeting_id: int
    guild_id: int
    event_id: int | None  # None while 'creating'
    channel_id: int  # the club channel, where reminders go
    name: str
    description: str
    topic: str | None
    where_channel_id: int | None  # a voice or stage channel
    location: str | None  # or a place or link
    starts_at: datetime
    ends_at: datetime
    timezone: str
    repeat: str  # 'none' | 'weekly' | 'every-2-weeks' | 'monthly'
    status: str  # 'creating' | 'scheduled' | 'ended' | 'cancelled'
    created_by: int
    follows: int | None = None

    @property
    def place(self) -> str:
        """Where it is, as a member reads it: a channel mention, or the place or link."""
        if self.where_channel_id is not None:
            return f"<#{self.where_channel_id}>"
        return self.location or "—"

    def event_url(self) -> str | None:
        if self.event_id is None:
            return None
        return f"https://discord.com/events/{self.guild_id}/{self.event_id}"
