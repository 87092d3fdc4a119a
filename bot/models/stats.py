"""A book's club statistics (the Goodreads histogram) and the plural rule its lines use."""

from __future__ import annotations

from dataclasses import dataclass


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 review`, `2 reviews`, `0 reviews` (thousands separated)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


@dataclass(frozen=True, slots=True)
class HistogramRow:
    stars: int
    count: int
    percent: int  # floored, as Goodreads shows it

    @property
    def label(self) -> str:
        """`5 stars 290 (44%)` … `1 star 0 (0%)`."""
        return f"{plural(self.stars, 'star')} {self.count:,} ({self.percent}%)"


@dataclass(frozen=True, slots=True)
class BookStats:
    """The per-book-per-club aggregates (one `book_stats` row)."""

    ratings_count: int = 0
    ratings_sum_x2: int = 0
    stars: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # whole-star rows 1..5
    reviews_count: int = 0
    want_to_read: int = 0
    currently_reading: int = 0
    read_count: int = 0
    did_not_finish: int = 0

    @property
    def average(self) -> float | None:
        if not self.ratings_count:
            return None
        return self.ratings_sum_x2 / 2 / self.ratings_count

    def histogram(self) -> list[HistogramRow]:
        """Rows from 5 stars down to 1, percentages floored against the number of ratings."""
        total = self.ratings_count
        return [
            HistogramRow(stars, count, (count * 100 // total) if total else 0)
            for stars, count in zip(range(5, 0, -1), reversed(self.stars), strict=True)
        ]

    @property
    def reading_line(self) -> str:
        """`15 people are currently reading` / `1 person is currently reading`."""
        if self.currently_reading == 1:
            return "1 person is currently reading"
        return f"{self.currently_reading:,} people are currently reading"

    @property
    def want_line(self) -> str:
        """`734 people want to read` / `1 person wants to read`."""
        if self.want_to_read == 1:
            return "1 person wants to read"
        return f"{self.want_to_read:,} people want to read"
