"""A book's statistics: the histogram, averages and plural forms the book page shows."""

from __future__ import annotations

from bot.models.stats import BookStats, plural


def seed_stats() -> BookStats:
    # MIG Pilot on Goodreads: 290/240/106/14/0 five-to-one-star ratings.
    stars = (0, 14, 106, 240, 290)
    total = sum(stars)
    sum_x2 = sum(2 * (i + 1) * n for i, n in enumerate(stars))
    return BookStats(ratings_count=total, ratings_sum_x2=sum_x2, stars=stars, reviews_count=83)


def test_histogram_rows_are_floored_like_goodreads() -> None:
    labels = [row.label for row in seed_stats().histogram()]
    assert labels == [
        "5 stars 290 (44%)",
        "4 stars 240 (36%)",
        "3 stars 106 (16%)",
        "2 stars 14 (2%)",
        "1 star 0 (0%)",
    ]


def test_average_and_empty_stats() -> None:
    assert round(seed_stats().average or 0, 2) == 4.24
    empty = BookStats()
    assert empty.average is None
    assert [row.percent for row in empty.histogram()] == [0, 0, 0, 0, 0]


def test_reading_and_wanting_lines_have_singular_forms() -> None:
    assert BookStats(currently_reading=15, want_to_read=734).reading_line == "15 people are currently reading"
    assert BookStats(currently_reading=15, want_to_read=734).want_line == "734 people want to read"
    assert BookStats(currently_reading=1).reading_line == "1 person is currently reading"
    assert BookStats(want_to_read=1).want_line == "1 person wants to read"


def test_plural_is_the_one_plural_every_display_uses() -> None:
    assert [plural(n, "row") for n in (0, 1, 2, 1_234)] == ["0 rows", "1 row", "2 rows", "1,234 rows"]
    assert plural(3, "person", "people") == "3 people"
    assert plural(1, "new book") == "1 new book"
