"""Rendering the weekly digest and its status: Components V2 layouts, split to fit Discord."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import discord
from discord.utils import format_dt

from bot.models.digest import FinishedEntry, ReadingEntry, ReviewEntry, WantedEntry
from bot.models.stats import plural
from bot.render import NAME, fold_spoilers, plain
from bot.services.digest import WEEKDAYS, Digest, DigestStatus
from bot.services.shelves import progress_brief
from bot.services.stats import stars_text
from bot.ui.club_text import digest_section
from bot.ui.meetings import digest_meeting_line
from bot.ui.meta import ACCENT
from bot.ui.pick_text import digest_vote_line

# Discord allows 4,000 characters of text across all of a Components V2 message's text
# displays; the margin keeps a long line from tipping a page over.
TEXT_BUDGET = 3800
NOBODY = "A club member"


def message_link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


TITLE = 120
AUTHOR = 60
EXCERPT = 140


def _name(member: str | None) -> str:
    return f"**{plain(member, NAME)}**" if member else NOBODY


def _book(title: str, authors: str) -> str:
    author = authors.splitlines()[0].strip() if authors.strip() else ""
    text = f"*{plain(title, TITLE)}*"
    return f"{text} by {plain(author, AUTHOR)}" if author else text


def excerpt(text: str) -> str:
    """A review's opening for the public digest: spoilers folded first, then escaped and cut.

    `text` arrives already cut to 400 characters (where the digest is read), so a spoiler opened
    before that cut may have lost its closing bars: `fold_spoilers` folds it to the end, so no cut
    ever prints one in the clear.
    """
    return plain(fold_spoilers(text), EXCERPT)


def reading_line(entry: ReadingEntry) -> str:
    line = f"{_name(entry.member)} — {_book(entry.title, entry.authors)} · " + progress_brief(
        entry.page, entry.pages, entry.percent
    )
    return line + (f" · since {format_dt(entry.since, 'd')}" if entry.since else "")


def finished_line(entry: FinishedEntry) -> str:
    rating = stars_text(entry.stars_x2) if entry.stars_x2 else "not rated yet"
    return f"{_name(entry.member)} finished {_book(entry.title, entry.authors)} — {rating}"


def review_line(entry: ReviewEntry, guild_id: int) -> str:
    parts = [f"{_name(entry.member)} on *{plain(entry.title, TITLE)}*"]
    if entry.stars_x2:
        parts.append(stars_text(entry.stars_x2))
    if entry.likes:
        parts.append(plural(entry.likes, "like"))
    line = " · ".join(parts)
    if entry.channel_id and entry.message_id:
        line += f" — [read it]({message_link(guild_id, entry.channel_id, entry.message_id)})"
    if entry.spoiler:
        return line + "\n> *(contains spoilers)*"
    return line + f"\n> {excerpt(entry.excerpt)}"


def wanted_line(rank: int, entry: WantedEntry) -> str:
    wants = "member wants" if entry.count == 1 else "members want"
    return f"{rank}. {_book(entry.title, entry.authors)} — {entry.count:,} {wants} to read it"


@dataclass
class _Page:
    blocks: list[str] = field(default_factory=list)
    size: int = 0


class _Packer:
    """Greedy packing of sections into pages of at most TEXT_BUDGET characters of text.

    A section that does not fit continues on the next page under its heading marked
    '(continued)'; a single line never splits.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.pages: list[_Page] = [_Page()]

    def _room(self) -> int:
        return self.budget - self.pages[-1].size

    def _put(self, block: str) -> None:
        page = self.pages[-1]
        page.blocks.append(block)
        page.size += len(block)

    def add(self, heading: str, lines: Sequence[str]) -> None:
        block = heading
        for line in lines:
            candidate = f"{block}\n{line}"
            if len(candidate) > self._room() and block != heading:
                self._put(block)
                self.pages.append(_Page())
                block = f"{heading} (continued)\n{line}"
            elif len(candidate) > self._room():
                # Not even the heading and one line fit here: start the section on a new page.
                self.pages.append(_Page())
                block = f"{heading}\n{line}"
            else:
                block = candidate
        self._put(block)


def digest_pages(digest: Digest, *, club: str) -> list[list[str]]:
    """The digest as pages of text blocks: each page one message, each block one text display."""
    packer = _Packer(TEXT_BUDGET)
    period = f"{format_dt(digest.start, 'D')} – {format_dt(digest.end, 'D')}"
    header = f"## 📚 {plain(club, NAME)} — weekly digest\n-# {period}"
    packer.add(header, [])
    if digest.club is not None:
        packer.add(*digest_section(digest.club))
    club_news = [digest_meeting_line(digest.meeting)] if digest.meeting is not None else []
    if digest.vote is not None:
        club_news.append(digest_vote_line(digest.vote, digest.guild_id))
    if club_news:
        packer.add("### The club", club_news)
    if digest.quiet:
        packer.add(
            "### A quiet week",
            [
                "Nobody logged any reading, finished a book or wrote a review this week. "
                "Put a book on your shelf with `/shelf add` or log a page with `/progress` "
                "and it shows up here next week.",
            ],
        )
    if digest.reading:
        count = len({entry.user_id for entry in digest.reading})
        heading = f"### Currently reading · {plural(count, 'member')}"
        packer.add(heading, [reading_line(entry) for entry in digest.reading])
    if digest.finished:
        packer.add("### Finished this week", [finished_line(entry) for entry in digest.finished])
    if digest.reviews:
        lines = [review_line(entry, digest.guild_id) for entry in digest.reviews]
        hidden = digest.reviews_total - len(digest.reviews)
        if hidden > 0:
            lines.append(f"-# …and {plural(hidden, 'more review')} this week: see `/reviews`.")
        packer.add("### New reviews", lines)
    if digest.wanted:
        lines = [wanted_line(rank, entry) for rank, entry in enumerate(digest.wanted, start=1)]
        packer.add("### The club most wants to read", lines)
    return [page.blocks for page in packer.pages if page.blocks]


def page_view(blocks: Sequence[str]) -> discord.ui.LayoutView:
    view = discord.ui.LayoutView(timeout=None)
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    for index, block in enumerate(blocks):
        if index:
            container.add_item(discord.ui.Separator())
        container.add_item(discord.ui.TextDisplay(block))
    view.add_item(container)
    return view


def digest_views(digest: Digest, *, club: str) -> list[discord.ui.LayoutView]:
    return [page_view(blocks) for blocks in digest_pages(digest, club=club)]


def message_texts(message: discord.Message) -> list[str]:
    """The text blocks of a posted message, in order: what `page_view` was given, to recognise a
    digest message that got through before a restart."""
    found: list[str] = []

    def walk(components: Sequence[discord.Component]) -> None:
        for component in components:
            if isinstance(component, discord.TextDisplay):
                found.append(component.content)
            walk(getattr(component, "children", ()))

    walk(message.components)
    return found


def schedule_line(weekday: int, hour: int, minute: int, timezone: str, channel_id: int) -> str:
    return f"every {WEEKDAYS[weekday]} at {hour:02d}:{minute:02d} ({timezone}) in <#{channel_id}>"


def setup_text(
    weekday: int, hour: int, minute: int, timezone: str, channel_id: int, next_at: datetime
) -> str:
    return (
        f"The weekly digest is set: {schedule_line(weekday, hour, minute, timezone, channel_id)}.\n"
        f"Next post: {format_dt(next_at, 'F')} ({format_dt(next_at, 'R')}). "
        "Run `/digest preview` to see it now."
    )


def status_view(
    status: DigestStatus, guild_id: int, *, storage_error: str | None = None
) -> discord.ui.LayoutView:
    lines = ["## Weekly digest"]
    schedule = status.schedule
    if schedule is None:
        lines.append("The digest is **off**. Someone with Manage Server can start it with `/digest setup`.")
    else:
        line = schedule_line(
            schedule.weekday, schedule.hour, schedule.minute, schedule.timezone, schedule.channel_id
        )
        lines.append(f"**Schedule:** {line}")
        if status.next_at is not None:
            lines.append(
                f"**Next post:** {format_dt(status.next_at, 'F')} ({format_dt(status.next_at, 'R')})"
            )
    last = status.last
    if last is not None and last.channel_id and last.message_id:
        link = message_link(guild_id, last.channel_id, last.message_id)
        lines.append(f"**Last post:** {format_dt(last.slot_at, 'f')} — [jump to it]({link})")
    else:
        lines.append("**Last post:** none yet")
    pending = status.unfinished
    if pending is not None:
        progress = f"{pending.sent} of {plural(pending.planned, 'message')}" if pending.planned else "nothing"
        lines.append(
            f"**Not finished:** the digest due {format_dt(pending.slot_at, 'f')} — {progress} posted so far"
        )
    if storage_error is not None:
        lines.append(f"**Last error:** {storage_error}")
    elif schedule is not None and schedule.last_error:
        when = f" ({format_dt(schedule.last_error_at, 'R')})" if schedule.last_error_at else ""
        lines.append(f"**Last error:**{when} {schedule.last_error}")
    elif schedule is not None:
        lines.append("**Last error:** none")
    view = discord.ui.LayoutView()
    view.add_item(discord.ui.Container(discord.ui.TextDisplay("\n".join(lines)), accent_colour=ACCENT))
    return view
