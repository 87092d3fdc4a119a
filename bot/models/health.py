"""The bot's health as the owner sees it: for now, whether the database takes writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StorageFault:
    """Writes fail since `since` (disk full, database read-only, I/O error); `cause` is SQLite's word."""

    since: datetime
    cause: str
    failures: int = 1  # writes refused since then, the first included
