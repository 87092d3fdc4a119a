"""A member's profile: the counters and the books read now."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MemberSummary:
    """The profile's header: counters from `member_stats`, the stored name and this year's goal;
    the books on each shelf (only the shelves holding any) and the read ones finished this year."""

    display_name: str | None
    reviews_count: int
    followers_count: int
    following_count: int
    ratings_count: int
    ratings_sum_x2: int
    goal: int | None
    shelves: dict[str, int] = field(default_factory=dict)
    read_this_year: int = 0


@dataclass(frozen=True, slots=True)
class ReadingNow:
    book_id: int
    title: str
    pages: int | None
    page: int | None
    percent: int | None
