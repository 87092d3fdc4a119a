"""/club history on screen: the club's past reads, newest first, five a page."""

from __future__ import annotations

from datetime import date

import discord
from discord.utils import escape_markdown

from bot.models.club import PastRead
from bot.models.stats import plural
from bot.services.club import HistoryPage
from bot.services.stats import stars_text
from bot.ui.meta import ACCENT


def day(when: date) -> str:
    """`Nov 25, 2026`: a calendar date in the server's zone, the same for every reader."""
    return f"{when:%b} {when.day}, {when.year}"


def past_line(past: PastRead) -> str:
    """Title and author, the dates, readers, finishers and the club's average."""
    title = f"**{escape_markdown(past.title)}**" + (f" by {', '.join(past.authors)}" if past.authors else "")
    dates = f"{day(past.start_date)} – {day(past.end_date)}"
    average = (
        f"club average {past.average:.2f} {stars_text(round(past.average * 2))}"
        if past.average is not None
        else "no ratings"
    )
    return f"{title}\n-# {dates} · {plural(past.readers, 'reader')} · {past.finished:,} finished · {average}"


def history_body(page: HistoryPage) -> discord.ui.Container[discord.ui.LayoutView]:
    header = f"### The club's past reads\n{plural(page.total, 'read')}"
    if page.pages > 1:
        header += f" · page {page.page + 1} of {page.pages}"
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    container.add_item(discord.ui.TextDisplay(header))
    container.add_item(discord.ui.Separator())
    if page.reads:
        container.add_item(discord.ui.TextDisplay("\n".join(past_line(past) for past in page.reads)))
    else:
        container.add_item(
            discord.ui.TextDisplay(
                "No read has ended yet. When one does (`/club read end`), it is listed here."
            )
        )
    return container
