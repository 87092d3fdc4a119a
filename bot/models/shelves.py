"""Shelves: the four shelf names and a member's entry for a book."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Shelf = Literal["want-to-read", "currently-reading", "read", "did-not-finish"]
SHELVES: tuple[Shelf, ...] = get_args(Shelf)


@dataclass(frozen=True, slots=True)
class ShelfEntry:
    """One `shelves` row (without its keys)."""

    shelf: str
    added_at: str
    started_at: str | None = None
    finished_at: str | None = None
    times_read: int = 0
    page: int | None = None
    percent: int | None = None
    progress_at: str | None = None


@dataclass(frozen=True, slots=True)
class ShelvedBook:
    """A catalogue book as a shelf shows it, with the member's entry for it (None when unshelved)."""

    book_id: int
    title: str
    authors: tuple[str, ...]
    pages: int | None
    entry: ShelfEntry | None
