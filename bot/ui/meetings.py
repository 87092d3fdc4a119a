"""Club meetings on screen: the reply to /meeting schedule, /meeting list, the reminders, the digest line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

from bot.models.meetings import Meeting
from bot.models.stats import plural
from bot.render import TITLE, clip, one_line, plain
from bot.ui.meta import ACCENT

PLACE = 100  # Discord's limit on an event's location

REMINDER_WORDS = {"24h": "in 24 hours", "1h": "in 1 hour"}


def when(moment: datetime) -> str:
    stamp = int(moment.timestamp())
    return f"<t:{stamp}:F> (<t:{stamp}:R>)"


def scheduled_text(meeting: Meeting) -> str:
    repeat = {
        "none": "",
        "weekly": " It repeats every week: the next one is made when this one ends.",
        "every-2-weeks": " It repeats every two weeks: the next one is made when this one ends.",
        "monthly": " It repeats every month: the next one is made when this one ends.",
    }[meeting.repeat]
    return (
        f"Scheduled **{plain(meeting.name, TITLE)}** for {when(meeting.starts_at)} · {plain(meeting.place, PLACE)}. "
        f"Reminders go to <#{meeting.channel_id}> 24 hours and 1 hour before.{repeat}\n{meeting.event_url()}"
    )


def reminder_text(meeting: Meeting, kind: str, interested: int | None) -> str:
    """A reminder in the club channel: when, where, how many are interested, the event's link."""
    count = f" · {plural(interested, 'member')} interested" if interested is not None else ""
    return (
        f"⏰ **{plain(meeting.name, TITLE)}** starts {REMINDER_WORDS.get(kind, 'soon')}: "
        f"{when(meeting.starts_at)} · {plain(meeting.place, PLACE)}{count}\n{meeting.event_url()}"
    )


@dataclass(frozen=True, slots=True)
class Listed:
    """A meeting as /meeting list shows it, read from Discord."""

    meeting: Meeting
    starts_at: datetime
    place: str
    interested: int


def list_view(listed: list[Listed]) -> discord.ui.LayoutView:
    lines = [
        f"**{plain(item.meeting.name, TITLE)}** — <t:{int(item.starts_at.timestamp())}:F> · {plain(item.place, PLACE)} · "
        f"{plural(item.interested, 'member')} interested\n-# {item.meeting.event_url()}"
        for item in listed
    ]
    body = (
        "\n".join(lines)
        if lines
        else "No meeting is scheduled. An organiser schedules one with `/meeting schedule`."
    )
    container: discord.ui.Container[Any] = discord.ui.Container(accent_colour=ACCENT)
    container.add_item(discord.ui.TextDisplay("### Upcoming meetings\n" + body))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view


def place_of(event: discord.ScheduledEvent) -> str:
    if event.channel_id is not None:
        return f"<#{event.channel_id}>"
    return event.location or "—"


def choice_label(meeting: Meeting) -> str:
    """An autocomplete label (plain text: no timestamps render there)."""
    when = f" — {meeting.starts_at:%Y-%m-%d %H:%M} UTC"
    return clip(one_line(meeting.name), 100 - len(when)) + when


def digest_meeting_line(meeting: Meeting) -> str:
    """The weekly digest's line about the club's next meeting."""
    return f"**Next meeting:** {plain(meeting.name, TITLE)}, {when(meeting.starts_at)} · {plain(meeting.place, PLACE)}"
