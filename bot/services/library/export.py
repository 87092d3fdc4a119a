"""Exporting a member's library in one club as a Goodreads-format CSV."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database
from bot.db.library import library_rows
from bot.errors import UserFacingError
from bot.services.library.goodreads import write_goodreads


@dataclass(frozen=True, slots=True)
class LibraryExport:
    filename: str
    data: bytes
    books: int


async def export_library(db: Database, *, guild_id: int, user_id: int, now: datetime) -> LibraryExport:
    """The member's library in this club as a Goodreads-format CSV."""
    rows = await library_rows(db, guild_id, user_id)
    if not rows:
        raise UserFacingError(
            "Your library in this server is empty: shelve or rate a book first, or /library import one."
        )
    data = await asyncio.to_thread(write_goodreads, rows)  # a large library takes a while to write
    return LibraryExport(f"bookclub_library_export_{now:%Y-%m-%d}.csv", data, len(rows))
