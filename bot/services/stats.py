"""A book's club statistics (the Goodreads histogram) and star/plural formatting."""

from __future__ import annotations


def stars_text(stars_x2: int) -> str:
    """`★★★★½` for 9 (4½ stars); whole stars only when there is no half."""
    return "★" * (stars_x2 // 2) + ("½" if stars_x2 % 2 else "")


def stars_value(stars_x2: int) -> str:
    """`4.5` / `4` — a rating as a member typed it."""
    return f"{stars_x2 // 2}" + (".5" if stars_x2 % 2 else "")
