"""Rendering the digest: the lines it shows and the split into messages within Discord's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.models.digest import FinishedEntry, ReadingEntry, ReviewEntry, WantedEntry
from bot.services.digest import Digest
from bot.ui.digest import (
    TEXT_BUDGET,
    digest_pages,
    digest_views,
    finished_line,
    reading_line,
    review_line,
)

END = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
START = END - timedelta(days=7)
V2_TEXT_LIMIT = 4000  # characters of text across one Components V2 message


def reader(user_id: int, name: str | None = None, title: str = "Dune") -> ReadingEntry:
    return ReadingEntry(
        user_id=user_id,
        member=name if name is not None else f"Reader number {user_id:03d}",
        title=title,
        authors="Frank Herbert",
        page=120,
        pages=412,
        percent=None,
        since=START,
    )


def test_finished_lines_show_half_stars() -> None:
    shown = [finished_line(FinishedEntry(7, "Ann", "Dune", "", n, END)) for n in (2, 5, 9, 10)]
    assert [line.rsplit(" — ", 1)[1] for line in shown] == ["★", "★★½", "★★★★½", "★★★★★"]


def test_lines_use_names_never_mentions_and_escape_markdown() -> None:
    line = reading_line(reader(1, name="*Star* @everyone <@1>"))
    assert line.startswith(
        "**\\*Star\\* @everyone <@1>** — *Dune* by Frank Herbert · p. 120/412 · 29% · since <t:"
    )
    nameless = finished_line(FinishedEntry(7, None, "Dune", "", None, END))
    assert nameless == "A club member finished *Dune* — not rated yet"


def test_review_lines_link_to_cards_and_hide_spoilers() -> None:
    review = ReviewEntry(1, 2, "Bob", "Dune", 9, 3, False, "So\ngood", 55, 66, START)
    assert review_line(review, 44) == (
        "**Bob** on *Dune* · ★★★★½ · 3 likes — [read it](https://discord.com/channels/44/55/66)\n> So good"
    )
    spoiler = ReviewEntry(1, 2, "Bob", "Dune", None, 1, True, "Paul wins", None, None, START)
    assert review_line(spoiler, 44) == "**Bob** on *Dune* · 1 like\n> *(contains spoilers)*"


def test_quiet_week_note() -> None:
    pages = digest_pages(Digest(1, START, END), club="Readers")
    text = "\n".join(pages[0])
    assert "A quiet week" in text
    assert "Currently reading" not in text
    assert len(pages) == 1


def test_three_hundred_readers_split_cleanly() -> None:
    reading = [reader(n, title="A Very Long Title " * 5) for n in range(300)]
    digest = Digest(
        1,
        START,
        END,
        reading=reading,
        finished=[FinishedEntry(1, "Alice", "Dune", "Frank Herbert", 8, END)],
        wanted=[WantedEntry(1, "Dune", "Frank Herbert", 4)],
    )
    pages = digest_pages(digest, club="Readers")
    assert len(pages) > 3
    for blocks in pages:
        assert sum(len(block) for block in blocks) <= TEXT_BUDGET < V2_TEXT_LIMIT
    text = "\n".join("\n".join(blocks) for blocks in pages)
    for n in range(300):
        assert text.count(f"Reader number {n:03d}**") == 1  # every reader exactly once, none cut
    for blocks in pages:  # a page that lists readers says what the list is
        page_text = "\n".join(blocks)
        assert "Reader number" not in page_text or "### Currently reading · 300 members" in page_text
    assert "(continued)" in "\n".join(pages[1])
    assert text.index("Finished this week") > text.index("Reader number 299")
    views = digest_views(digest, club="Readers")
    assert len(views) == len(pages)
    for view in views:
        payload = view.to_components()
        json.dumps(payload)
        assert view.total_children_count <= 40


def test_inline_spoilers_never_show_in_the_public_digest() -> None:
    text = "Great. ||Paul becomes emperor|| wow, and " + "more " * 40 + "||the ending is sad||"
    review = ReviewEntry(1, 2, "Bob", "Dune", 9, 0, False, text, None, None, START)
    line = review_line(review, 1)
    assert "Paul becomes emperor" not in line
    assert "ending" not in line
    assert "Great. (spoiler) wow" in line
    assert "\\|" not in line
