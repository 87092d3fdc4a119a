"""Offset paging: pages count from 1 and clamp to the pages there are; keyset anchors' compact keys."""

from __future__ import annotations

import re

import pytest

from bot.services.paging import (
    STAMP_KEY_PATTERN,
    Slice,
    compact_stamp,
    expand_stamp,
    offset_page,
    page_count,
)


def reader(items: list[int]) -> tuple[list[tuple[int, int]], object]:
    calls: list[tuple[int, int]] = []

    async def fetch(offset: int, limit: int) -> tuple[list[int], int]:
        calls.append((offset, limit))
        return items[offset : offset + limit], len(items)

    return calls, fetch


def test_page_count() -> None:
    assert [page_count(total, 5) for total in (0, 1, 5, 6, 10, 11)] == [1, 1, 1, 2, 2, 3]


async def test_a_page_is_read_by_offset() -> None:
    calls, fetch = reader(list(range(1, 13)))
    assert await offset_page(fetch, 2, 5) == Slice([6, 7, 8, 9, 10], 2, 3, 12)  # type: ignore[arg-type]
    assert calls == [(5, 5)]


async def test_a_page_past_the_end_is_the_last_one() -> None:
    calls, fetch = reader(list(range(1, 8)))
    assert await offset_page(fetch, 4, 5) == Slice([6, 7], 2, 2, 7)  # type: ignore[arg-type]
    assert calls == [(15, 5), (5, 5)]  # the list shrank since page 4 was drawn: read again


async def test_before_the_first_page_and_an_empty_list() -> None:
    _, fetch = reader([1, 2])
    assert await offset_page(fetch, 0, 5) == Slice([1, 2], 1, 1, 2)  # type: ignore[arg-type]
    _, empty = reader([])
    assert await offset_page(empty, 3, 5) == Slice([], 1, 1, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stamp", "key"),
    [
        ("2026-11-25T12:00:00.000Z", "tmww2n400"),  # bot.db.db_time
        ("1970-01-01T00:00:00.000Z", "t0"),
        ("9999-12-31T23:59:59.999Z", "t2htner8qnz"),
        ("2024-03-01", "d20240301"),  # an imported date
    ],
)
def test_stored_times_compact_and_expand_back_exactly(stamp: str, key: str) -> None:
    assert compact_stamp(stamp) == key
    assert expand_stamp(key) == stamp
    assert re.fullmatch(STAMP_KEY_PATTERN, key)


def test_a_forged_key_past_year_9999_expands_to_the_last_moment_instead_of_failing() -> None:
    key = "tzzzzzzzzzz"  # the pattern admits it; only a forged custom id carries it
    assert re.fullmatch(STAMP_KEY_PATTERN, key)
    assert expand_stamp(key) == "9999-12-31T23:59:59.999Z"


@pytest.mark.parametrize(
    "stamp",
    [
        "2024-03-01T00:00:00+00:00",  # an import's ISO timestamp: stored, but not in db_time's form
        "1969-12-31T23:59:59.999Z",  # before 1970
        "2026-11-25T12:00:00Z",  # no milliseconds
        "2026-02-30T00:00:00.000Z",  # no such day
        "2024/03/01",
        "",
    ],
)
def test_other_stored_text_has_no_compact_key(stamp: str) -> None:
    assert compact_stamp(stamp) is None
