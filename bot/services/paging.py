"""Offset paging, shared by the lists that page by position (shelves; club history next).

Pages count from 1. A page past the end (the list shrank since its buttons were drawn) is
clamped to the last one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

Fetch = Callable[[int, int], Awaitable[tuple[list[T], int]]]


@dataclass(frozen=True, slots=True)
class Slice(Generic[T]):
    """Page `page` of `pages` of a list of `total` items."""

    items: list[T]
    page: int
    pages: int
    total: int


def page_count(total: int, size: int) -> int:
    """How many pages of `size` hold `total` items (an empty list still has its one page)."""
    return max(1, -(-total // size))


async def offset_page(fetch: Fetch[T], page: int, size: int) -> Slice[T]:
    """Page `page` (clamped to the pages there are) read by `fetch(offset, limit)`, which returns
    that slice and the total count."""
    page = max(page, 1)
    items, total = await fetch((page - 1) * size, size)
    pages = page_count(total, size)
    if page > pages:
        page = pages
        items, total = await fetch((page - 1) * size, size)
    return Slice(items, page, pages, total)
