"""Offset paging, shared by the lists that page by position (club history, suggestions), and the
compact anchors of keyset paging (shelves) in custom ids.

Pages count from 1. A page past the end (the list shrank since its buttons were drawn) is
clamped to the last one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


# -- keyset anchors in custom ids -------------------------------------------------------------
# A keyset button carries the sort key of the edge item of its page. Stored times
# (`2026-11-25T12:00:00.000Z`, or an imported bare date `2026-11-25`) are too long for a custom
# id's 100 characters next to two member ids, so they travel compacted: `t` and the milliseconds
# since 1970 in base 36, or `d` and the date's eight digits. Expanding gives the stored text back
# exactly (it is compared as text in SQL); a stamp that would not come back exactly has no
# compact form, and its page's buttons page by number instead.

STAMP_KEY_PATTERN = r"t[0-9a-z]{1,10}|d[0-9]{8}"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_MILLISECOND = (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC) - _EPOCH) // timedelta(
    milliseconds=1
)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_DB_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")


def _base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = _DIGITS[digit] + text
        if not number:
            return text


def expand_stamp(key: str) -> str:
    """The stored time a compact key (`STAMP_KEY_PATTERN`) stands for."""
    if key.startswith("d"):
        return f"{key[1:5]}-{key[5:7]}-{key[7:9]}"
    # The pattern admits a few keys past year 9999 (only a forged custom id carries one): clamp them,
    # so such a button pages from the end of time instead of failing before it can be answered.
    milliseconds = min(int(key[1:], 36), _LAST_MILLISECOND)
    moment = _EPOCH + timedelta(milliseconds=milliseconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def compact_stamp(stamp: str) -> str | None:
    """A stored time's compact key, or None when it has none that expands back to it exactly."""
    key: str | None = None
    if _DB_TIME.fullmatch(stamp):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return None
        milliseconds = (moment - _EPOCH) // timedelta(milliseconds=1)
        key = "t" + _base36(milliseconds) if milliseconds >= 0 else None
    elif (date := _DATE.fullmatch(stamp)) is not None:
        key = "d" + "".join(date.groups())
    if key is None or not re.fullmatch(STAMP_KEY_PATTERN, key) or expand_stamp(key) != stamp:
        return None
    return key
