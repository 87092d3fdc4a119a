"""The profile layout."""

from __future__ import annotations

from bot.models.profiles import MemberSummary, ReadingNow
from bot.services.profiles import Profile
from bot.ui.profiles import profile_text


def test_profile_singular_forms() -> None:
    summary = MemberSummary("ann", 1, 1, 1, 1, 9, 1)
    profile = Profile(
        user_id=1,
        name="ann",
        year=2026,
        summary=summary,
        shelves={"want-to-read": 1, "currently-reading": 1, "read": 1, "did-not-finish": 0},
        read_this_year=1,
        reading=[ReadingNow(1, "Dune", None, None, 30)],
    )
    text = profile_text(profile)
    assert "1 review · 1 follower · following 1" in text
    assert "**Ratings** 1 rating · average 4.50" in text
    assert "- *Dune* — at 30%" in text
    assert "**2026 goal** 1 book read of 1 (100%)" in text
