"""/club history on screen: the club's past reads, newest first, five a page, with the shared pager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import discord

from bot.models.club import PastRead
from bot.models.stats import plural
from bot.render import TITLE, names, plain
from bot.services.club import HistoryPage, history_page
from bot.services.stats import stars_text
from bot.ui.base import require_guild
from bot.ui.meta import ACCENT
from bot.ui.pager import PageButton, Turn, previous_next

if TYPE_CHECKING:
    from bot.client import BookClubBot


def day(when: date) -> str:
    """`Nov 25, 2026`: a calendar date in the server's zone, the same for every reader."""
    return f"{when:%b} {when.day}, {when.year}"


def past_line(past: PastRead) -> str:
    """Title and author, the dates, readers, finishers and the club's average."""
    title = f"**{plain(past.title, TITLE)}**" + (f" by {names(past.authors)}" if past.authors else "")
    dates = f"{day(past.start_date)} – {day(past.end_date)}"
    average = (
        f"club average {past.average:.2f} {stars_text(round(past.average * 2))}"
        if past.average is not None
        else "no ratings"
    )
    return f"{title}\n-# {dates} · {plural(past.readers, 'reader')} · {past.finished:,} finished · {average}"


@dataclass(frozen=True, slots=True)
class HistorySource:
    """The server's past reads (the server is the interaction's), five a page."""

    async def fetch(self, interaction: discord.Interaction[BookClubBot], turn: Turn) -> HistoryPage:
        return await history_page(interaction.client.db, require_guild(interaction), turn.page)

    def format(self, page: HistoryPage, owner_id: int) -> discord.ui.LayoutView:
        return history_view(page, owner_id)


class HistoryPageButton(PageButton, template="club:history:[{owner_id}:]{page}"):
    """Previous/next under the history; the owner and the page travel in the custom id."""

    def __init__(self, owner_id: int | None, page: int, *, label: str = "", disabled: bool = False) -> None:
        self.owner_id = owner_id
        self.page = page
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled)
        )

    def source(self) -> HistorySource:
        return HistorySource()


def history_view(page: HistoryPage, owner_id: int) -> discord.ui.LayoutView:
    """One page of past reads, with previous/next when there are several (moved by `owner_id`)."""
    header = f"### The club's past reads\n{plural(page.total, 'read')}"
    if page.pages > 1:
        header += f" · page {page.page} of {page.pages}"
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

    def button(target: int, label: str, disabled: bool) -> HistoryPageButton:
        return HistoryPageButton(owner_id, target, label=label, disabled=disabled)

    nav = previous_next(page, button)
    if nav is not None:
        container.add_item(nav)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view
