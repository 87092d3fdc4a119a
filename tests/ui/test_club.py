"""The club read's words: section labels, thread names, the pace line, counts and the digest block."""

from __future__ import annotations

from datetime import UTC, date, datetime

from discord.utils import format_dt

from bot.models.club import ClubRead, Section
from bot.services.club import ClubDigest, Pace, due_at
from bot.ui.club_text import digest_section, pace_line, readers_line, section_heading, thread_name

BY = datetime(2026, 12, 9, 23, 59, 59, tzinfo=UTC)
SECTIONS = (
    Section(1, 1, 56, date(2026, 12, 2)),
    Section(2, 57, 111, date(2026, 12, 9), name="Chapters 5–9"),
)


def club_read(pages: int | None = 222, title: str = "MIG Pilot") -> ClubRead:
    return ClubRead(
        1, 1, 1, title, ("John Barron",), pages, pages, 5, date(2026, 11, 25), 7, "active", 1, "UTC", SECTIONS
    )


def test_sections_are_labelled_by_pages_or_percent() -> None:
    assert section_heading(club_read(), SECTIONS[0]) == "Section 1 · pp. 1–56"
    assert section_heading(club_read(), SECTIONS[1]) == "Chapters 5–9 · pp. 57–111"
    assert section_heading(club_read(None), SECTIONS[0]) == "Section 1 · 1–56%"


def test_thread_names_fit_discord() -> None:
    assert thread_name(club_read(), SECTIONS[1]) == "MIG Pilot · Chapters 5–9"
    long = thread_name(club_read(title="A" * 150), SECTIONS[0])
    assert len(long) == 100
    assert long.endswith("… · Section 1")


def test_the_pace_line() -> None:
    read = club_read()
    due = format_dt(BY, "D")
    assert (
        pace_line(read, Pace("daily", 80, 4, 111, BY))
        == f"You are on page 80: 4 pages a day reaches p. 111 by {due}"
    )
    assert (
        pace_line(read, Pace("daily", None, 1, 56, BY))
        == f"You have not started: 1 page a day reaches p. 56 by {due}"
    )
    assert (
        pace_line(club_read(None), Pace("daily", 30, 3, 50, BY))
        == f"You are at 30%: 3% a day reaches 50% by {due}"
    )
    assert pace_line(read, Pace("ahead", 120)) == "You are ahead of the schedule"
    assert pace_line(read, Pace("finished", 222)) == "You have finished"
    assert (
        pace_line(read, Pace("late", 100, target=222, by=BY))
        == f"You are on page 100: the last section was due {due}"
    )


def test_counts() -> None:
    assert readers_line(7, 12) == "7 of 12 readers are on track"
    assert readers_line(0, 1) == "0 of 1 reader is on track"
    assert readers_line(1200, 3000) == "1,200 of 3,000 readers are on track"


def test_the_digest_block() -> None:
    read = club_read()
    due = due_at(read, SECTIONS[1].due_date)
    heading, lines = digest_section(ClubDigest(read, SECTIONS[1], due, 12, 7))
    assert heading == "### Club read · *MIG Pilot* by John Barron"
    assert lines == [
        f"Chapters 5–9 · pp. 57–111 is due {format_dt(due, 'D')}",
        "7 of 12 readers are on track",
    ]
    _, quiet = digest_section(ClubDigest(read, None, None, 3, 3))
    assert quiet == ["3 of 3 readers are on track"]
