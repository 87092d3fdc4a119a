"""The club read's words: section labels, thread names and first posts, counts, the pace line, the
announcements, and the digest's club block."""

from __future__ import annotations

from discord.utils import format_dt

from bot.models.club import ClubRead, Section
from bot.models.stats import plural
from bot.render import NAME, TITLE, clip, names, one_line, plain
from bot.services.club import ClubDigest, EndedRead, Pace, due_at
from bot.services.stats import stars_text

THREAD_NAME_LIMIT = 100


def book_line(read: ClubRead) -> str:
    """`*MIG Pilot* by John Barron`."""
    return f"*{plain(read.title, TITLE)}*" + (f" by {names(read.authors)}" if read.authors else "")


def span(read: ClubRead, section: Section) -> str:
    """`pp. 57–111`, or `25–50%` for a book split by percent."""
    if read.by_pages:
        return f"pp. {section.first_page}–{section.last_page}"
    return f"{section.first_page}–{section.last_page}%"


def place(read: ClubRead, value: int) -> str:
    """`p. 57` or `25%`."""
    return f"p. {value}" if read.by_pages else f"{value}%"


def section_heading(read: ClubRead, section: Section) -> str:
    """`Section 2 · pp. 57–111` (or the name an organiser gave it)."""
    return f"{section.label} · {span(read, section)}"


def thread_name(read: ClubRead, section: Section) -> str:
    """`MIG Pilot · Section 2`, cut to Discord's 100 characters by shortening the title."""
    suffix = f" · {section.label}"
    room = THREAD_NAME_LIMIT - len(suffix)
    return clip(one_line(read.title), room) + suffix


def thread_intro(read: ClubRead, section: Section) -> str:
    """The bot's first post in a section thread: its pages and due date, and who gets in."""
    due = format_dt(due_at(read, section.due_date), "D")
    return (
        f"### {section_heading(read, section)}\n"
        f"{book_line(read)} · due {due}\n"
        f"Members are added here when their progress reaches {place(read, section.first_page)}, so "
        f"talk freely about everything up to {place(read, section.last_page)}."
    )


def readers_line(on_track: int, readers: int) -> str:
    """`7 of 12 readers are on track`."""
    if readers == 1:
        return f"{on_track} of 1 reader is on track"
    return f"{on_track:,} of {readers:,} readers are on track"


def pace_line(read: ClubRead, pace: Pace) -> str:
    """`You are on page 80: 4 pages a day reaches p. 111 by <t:…:D>` and its kin."""
    if pace.kind == "finished":
        return "You have finished"
    if pace.kind == "ahead":
        return "You are ahead of the schedule"
    if pace.position is None:
        where = "You have not started"
    elif read.by_pages:
        where = f"You are on page {pace.position}"
    else:
        where = f"You are at {pace.position}%"
    assert pace.by is not None
    if pace.kind == "late":
        return f"{where}: the last section was due {format_dt(pace.by, 'D')}"
    amount = plural(pace.per_day, "page") if read.by_pages else f"{pace.per_day}%"
    return f"{where}: {amount} a day reaches {place(read, pace.target)} by {format_dt(pace.by, 'D')}"


def started_text(read: ClubRead) -> str:
    """What the organiser who started the read is told."""
    return (
        f"The club is reading {book_line(read)}: {plural(len(read.sections), 'section')}, one due every "
        f"{plural(read.every_days, 'day')}. Each section has a private thread in <#{read.channel_id}>, "
        "and members are added to it when their progress reaches its first page."
    )


def edited_text(changed: int, renamed: int, moved: int) -> str:
    if not changed:
        return "Nothing changed: the names and due dates are as they were."
    parts = []
    if renamed:
        parts.append(f"{plural(renamed, 'section')} renamed (their threads too)")
    if moved:
        parts.append(f"{plural(moved, 'due date')} moved")
    return "Saved: " + " and ".join(parts) + ". See `/club read status`."


def ended_text(ended: EndedRead) -> str:
    """The summary posted in the read's channel when it ends."""
    past, read = ended.past, ended.read
    lines = [
        f"## The club finished reading {book_line(read)}",
        f"{format_dt(due_at(read, past.start_date), 'D')} – {format_dt(due_at(read, past.end_date), 'D')} · "
        f"{plural(past.readers, 'reader')} · {past.finished:,} finished",
    ]
    if past.average is not None:
        stars = stars_text(round(past.average * 2))
        lines.append(
            f"Club average: **{past.average:.2f}** {stars} from {plural(past.ratings_count, 'rating')}"
        )
    if ended.finished_names:
        more = past.finished - len(ended.finished_names)
        finishers = ", ".join(plain(name, NAME) for name in ended.finished_names)
        lines.append(f"Finished: {finishers}" + (f" and {more:,} more" if more > 0 else ""))
    lines.append("-# The section threads are archived and locked. Past reads: `/club history`.")
    return "\n".join(lines)


def digest_section(block: ClubDigest) -> tuple[str, list[str]]:
    """(heading, lines) for the weekly digest: the section due this week and who is on track."""
    read = block.read
    lines = []
    if block.section is not None and block.due is not None:
        lines.append(f"{section_heading(read, block.section)} is due {format_dt(block.due, 'D')}")
    lines.append(readers_line(block.on_track, block.readers))
    return f"### Club read · {book_line(read)}", lines
