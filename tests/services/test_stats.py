"""Star ratings as the displays write them."""

from __future__ import annotations

from bot.services.stats import stars_text


def test_stars_text() -> None:
    assert stars_text(9) == "★★★★½"
    assert stars_text(10) == "★★★★★"
    assert stars_text(3) == "★½"
