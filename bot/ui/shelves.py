"""Shelves on screen: the book page's shelf select, a member's shelf list with its pager, and the
finish-and-rate buttons under a progress update.

Every control is a `DynamicItem` whose custom id carries its state, so it keeps working on
messages posted before a restart.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.db import parse_db_time
from bot.db.profiles import display_name
from bot.errors import UserFacingError
from bot.models.shelves import ShelvedBook
from bot.models.stats import plural
from bot.services.shelves import (
    SHELF_NAMES,
    ShelfPage,
    finish_book,
    load_shelf_page,
    progress_phrase,
    shelve_book,
    unshelve_book,
)
from bot.services.stats import stars_text, stars_value
from bot.ui import page
from bot.ui.base import club_bot, guarded, require_guild
from bot.ui.meta import ACCENT

log = logging.getLogger(__name__)

Row = discord.ui.ActionRow[discord.ui.LayoutView]
REMOVE = "remove"


def when(stamp: str | None, style: discord.utils.TimestampStyle = "d") -> str:
    """A stored time as a Discord timestamp (shown in each reader's own time zone).

    Every writer stores `bot.db.db_time` stamps or, for imported dates, ISO dates, both read by
    `parse_db_time`. Anything else is a bug elsewhere: logged, and shown as unknown, not raised.
    """
    if not stamp:
        return "—"
    try:
        moment = parse_db_time(stamp)
    except ValueError:
        log.warning("not a stored time: %r", stamp[:40])
        return "—"
    return discord.utils.format_dt(moment, style)


# -- the book page -----------------------------------------------------------------------------


def shelf_actions(book_id: int) -> tuple[Row, ...]:
    """The row this feature puts under a book page: the shelf select."""
    shelf: Row = discord.ui.ActionRow()
    shelf.add_item(ShelfSelect(book_id))
    return (shelf,)


class ShelfSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.LayoutView]],
    template=r"shelve:(?P<book>\d+)",
):
    """The page's shelf control: puts the book on one of the presser's shelves (or takes it off)."""

    def __init__(self, book_id: int) -> None:
        options = [discord.SelectOption(label=name, value=shelf) for shelf, name in SHELF_NAMES.items()]
        options.append(discord.SelectOption(label="Remove from my shelves", value=REMOVE))
        super().__init__(
            discord.ui.Select(placeholder="Add to a shelf…", options=options, custom_id=f"shelve:{book_id}")
        )
        self.book_id = book_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShelfSelect:
        return cls(int(match["book"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = club_bot(interaction)
        guild_id = require_guild(interaction)
        choice = self.item.values[0]
        user_id = interaction.user.id
        if choice == REMOVE:
            change = await unshelve_book(bot.db, guild_id, user_id, self.book_id)
        else:
            change = await shelve_book(bot.db, guild_id, user_id, self.book_id, choice, bot.clock())
        await page.refresh_page(interaction, self.book_id, change.message)
        bot.progress_moved(guild_id, user_id, self.book_id)


# -- finishing a book from a progress update ---------------------------------------------------


def finish_view(user_id: int, book_id: int) -> discord.ui.View:
    """ "Mark as read", and "Read + N ★" to finish and rate in one click; only for `user_id`."""
    view = discord.ui.View(timeout=None)
    view.add_item(FinishButton(user_id, book_id, 0, row=0))
    for whole in range(1, 6):
        view.add_item(FinishButton(user_id, book_id, whole * 2, row=1))
    return view


class FinishButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"finish:(?P<user>\d+):(?P<book>\d+):(?P<x2>\d+)",
):
    def __init__(self, user_id: int, book_id: int, stars_x2: int, *, row: int | None = None) -> None:
        label = "Mark as read" if not stars_x2 else f"Read + {stars_value(stars_x2)} ★"
        style = discord.ButtonStyle.success if not stars_x2 else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"finish:{user_id}:{book_id}:{stars_x2}"),
            row=row,
        )
        self.user_id = user_id
        self.book_id = book_id
        self.stars_x2 = stars_x2

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FinishButton:
        return cls(int(match["user"]), int(match["book"]), int(match["x2"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = club_bot(interaction)
        guild_id = require_guild(interaction)
        if interaction.user.id != self.user_id:
            raise UserFacingError("These buttons belong to the member who posted this progress.")
        finished = await finish_book(
            bot.db, guild_id, self.user_id, self.book_id, self.stars_x2 or None, bot.clock()
        )
        name = interaction.user.display_name
        text = f"**{name}** finished *{finished.change.title}*"
        if finished.stars_x2:
            text += f" and rated it {stars_text(finished.stars_x2)}"
        await interaction.response.edit_message(content=text + ".", view=None)
        bot.progress_moved(guild_id, self.user_id, self.book_id)


# -- shelf lists -------------------------------------------------------------------------------


def shelf_key(shelf: str | None) -> str:
    return shelf or "all"


class ShelfPageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=r"shelfpage:(?:(?P<owner>\d+):)?(?P<user>\d+):(?P<shelf>[a-z-]+):(?P<page>\d+)",
):
    """Previous/next under a shelf list; the owner, member, shelf and page travel in the custom id.

    The owner (who ran `/shelf show`) moves the message in place; anyone else who presses gets
    their own ephemeral copy at that page. Ids posted before the owner was carried have none, so
    every presser gets a copy.
    """

    def __init__(
        self, owner_id: int | None, user_id: int, shelf: str | None, page: int, *, label: str, disabled: bool
    ) -> None:
        owner = "" if owner_id is None else f"{owner_id}:"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"shelfpage:{owner}{user_id}:{shelf_key(shelf)}:{page}",
            )
        )
        self.owner_id = owner_id
        self.user_id = user_id
        self.shelf = shelf
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShelfPageButton:
        owner = None if match["owner"] is None else int(match["owner"])
        shelf = None if match["shelf"] == "all" else match["shelf"]
        return cls(owner, int(match["user"]), shelf, int(match["page"]), label="", disabled=False)

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = club_bot(interaction)
        guild_id = require_guild(interaction)
        loaded = await load_shelf_page(bot.db, guild_id, self.user_id, self.shelf, self.page)
        name = await display_name(bot.db, guild_id, self.user_id) or f"<@{self.user_id}>"
        viewer = interaction.user.id
        view = shelf_view(loaded, name, viewer)
        if viewer == self.owner_id:
            await interaction.response.edit_message(view=view)
        else:
            await interaction.response.send_message(view=view, ephemeral=True)


def shelf_line(book: ShelvedBook) -> str:
    entry = book.entry
    line = f"**{book.title}**" + (f" by {', '.join(book.authors)}" if book.authors else "")
    if entry is None:
        return line
    details = []
    if entry.shelf == "currently-reading":
        details.append(f"started {when(entry.started_at)}")
        if entry.page is not None or entry.percent is not None:
            details.append(progress_phrase(entry.page, book.pages, entry.percent).removeprefix("is "))
    elif entry.shelf == "read":
        details.append(f"finished {when(entry.finished_at)}")
        if entry.times_read > 1:
            details.append(f"read {entry.times_read} times")
    else:
        details.append(f"added {when(entry.added_at)}")
    return f"{line}\n-# {SHELF_NAMES[entry.shelf]} · {' · '.join(details)}"


def shelf_view(page: ShelfPage, name: str, owner_id: int) -> discord.ui.LayoutView:
    """One page of a member's shelf, with previous/next buttons when it spans several pages.

    `owner_id` is the member whose presses move this message (see `ShelfPageButton`).
    """
    which = SHELF_NAMES[page.shelf] if page.shelf else "All shelves"
    header = f"### {name}'s shelves · {which}\n{plural(page.total, 'book')}"
    if page.pages > 1:
        header += f" · page {page.page + 1} of {page.pages}"
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    container.add_item(discord.ui.TextDisplay(header))
    container.add_item(discord.ui.Separator())
    if page.books:
        container.add_item(discord.ui.TextDisplay("\n".join(shelf_line(book) for book in page.books)))
    else:
        container.add_item(discord.ui.TextDisplay("Nothing on this shelf yet."))
    if page.pages > 1:
        container.add_item(
            discord.ui.ActionRow(
                ShelfPageButton(
                    owner_id,
                    page.user_id,
                    page.shelf,
                    max(page.page - 1, 0),
                    label="◀ Previous",
                    disabled=page.page == 0,
                ),
                ShelfPageButton(
                    owner_id,
                    page.user_id,
                    page.shelf,
                    page.page + 1,
                    label="Next ▶",
                    disabled=page.page + 1 >= page.pages,
                ),
            )
        )
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view
