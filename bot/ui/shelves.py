"""Shelves on screen: the book page's shelf select, a member's shelf list with its pager, and the
finish-and-rate buttons under a progress update.

Every control is a `Control` whose custom id carries its state, so it keeps working on
messages posted before a restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import discord

from bot.models.shelves import ShelvedBook
from bot.models.stats import plural
from bot.render import NAME, TITLE, TITLE_IN_LIST, names, plain
from bot.services.paging import STAMP_KEY_PATTERN, compact_stamp, expand_stamp
from bot.services.shelves import (
    SHELF_NAMES,
    FinishedBook,
    Progress,
    ShelfPage,
    finish_book,
    load_shelf_page,
    progress_phrase,
    shelve_book,
    stored_time,
    unshelve_book,
)
from bot.services.stats import stars_text, stars_value
from bot.ui.base import edit_in_place, require_guild
from bot.ui.book_page import PageControl
from bot.ui.items import INT, Codec, Control, Field, choice, maybe
from bot.ui.meta import ACCENT
from bot.ui.pager import Move, PageButton, Turn, previous_next

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

Row = discord.ui.ActionRow[discord.ui.LayoutView]
REMOVE = "remove"


def when(stamp: str | None, style: discord.utils.TimestampStyle = "d") -> str:
    """A stored time as a Discord timestamp (shown in each reader's own time zone).

    Every writer stores `bot.db.db_time` stamps or, for imported dates, ISO dates, both read by
    `stored_time`. Anything else is a bug elsewhere: logged, and shown as unknown, not raised.
    """
    if not stamp:
        return "—"
    try:
        moment = stored_time(stamp)
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


class ShelfSelect(PageControl[discord.ui.Select[discord.ui.LayoutView]], template="shelve:{book_id}"):
    """The page's shelf control: puts the book on one of the presser's shelves (or takes it off)."""

    book_id = Field(INT)

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        options = [discord.SelectOption(label=name, value=shelf) for shelf, name in SHELF_NAMES.items()]
        options.append(discord.SelectOption(label="Remove from my shelves", value=REMOVE))
        super().__init__(discord.ui.Select(placeholder="Add to a shelf…", options=options))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        guild_id = require_guild(interaction)
        choice = self.item.values[0]
        user_id = interaction.user.id
        if choice == REMOVE:
            change = await unshelve_book(bot.db, guild_id, user_id, self.book_id)
        else:
            change = await shelve_book(bot.db, guild_id, user_id, self.book_id, choice, bot.clock())
        await self.redraw(interaction, self.book_id, change.message)
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
    Control[discord.ui.Button[discord.ui.View]],
    template="finish:{user_id}:{book_id}:{stars_x2}",
    owner="user_id",
):
    """Marks the book read (and rates it, when `stars_x2`); only for the member who posted the progress."""

    not_yours = "These buttons belong to the member who posted this progress."
    user_id = Field(INT)
    book_id = Field(INT)
    stars_x2 = Field(INT)

    def __init__(self, user_id: int, book_id: int, stars_x2: int, *, row: int | None = None) -> None:
        self.user_id = user_id
        self.book_id = book_id
        self.stars_x2 = stars_x2
        label = "Mark as read" if not stars_x2 else f"Read + {stars_value(stars_x2)} ★"
        style = discord.ButtonStyle.success if not stars_x2 else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label, style=style), row=row)

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        bot = interaction.client
        guild_id = require_guild(interaction)
        finished = await finish_book(
            bot.db, guild_id, self.user_id, self.book_id, self.stars_x2 or None, bot.clock()
        )
        bot.progress_moved(guild_id, self.user_id, self.book_id)
        await edit_in_place(interaction, content=finished_text(interaction.user, finished), view=None)


def finished_text(member: discord.abc.User, finished: FinishedBook) -> str:
    """`**alice** finished *Dune* and rated it ★★★★.` (public, under the progress update)."""
    text = f"**{plain(member.display_name, NAME)}** finished *{plain(finished.change.title, TITLE)}*"
    if finished.stars_x2:
        text += f" and rated it {stars_text(finished.stars_x2)}"
    return text + "."


def progress_text(member: discord.abc.User, progress: Progress) -> str:
    """`**alice** is on page 120 of 222 (54%) in *Dune*.` (public)."""
    return f"**{plain(member.display_name, NAME)}** {progress.phrase} in *{plain(progress.title, TITLE)}*."


# -- shelf lists -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShelfSource:
    """A member's shelf (or all their shelves, `shelf` None), ten books a page, newest first.

    `name` is shown when given (the live member, from a command); otherwise the stored one.
    """

    user_id: int
    shelf: str | None
    name: str | None = None

    async def fetch(self, interaction: discord.Interaction[BookClubBot], turn: Turn) -> ShelfPage:
        guild_id = require_guild(interaction)
        db = interaction.client.db
        if turn.move in ("next", "prev") and turn.anchor and turn.key is not None:
            move: Literal["next", "prev"] = "next" if turn.move == "next" else "prev"
            anchor = (turn.key, turn.anchor)
            return await load_shelf_page(
                db, guild_id, self.user_id, self.shelf, turn.page, move=move, anchor=anchor
            )
        # Page 1, and buttons posted before they carried an anchor: by page number (an offset read).
        return await load_shelf_page(db, guild_id, self.user_id, self.shelf, turn.page)

    def format(self, page: ShelfPage, owner_id: int) -> discord.ui.LayoutView:
        return shelf_view(page, self.name or page.name or f"<@{self.user_id}>", owner_id)


SHELF_KEY: Codec[str | None] = Codec(
    r"[a-z-]+", lambda key: None if key == "all" else key, lambda shelf: shelf or "all"
)
# Shelf ids were first posted while pages counted from 0; they keep doing so, so old ones still work.
PAGE_FROM_ZERO: Codec[int] = Codec(r"\d+", lambda text: int(text) + 1, lambda page: str(page - 1))
MAX_CUSTOM_ID = 100  # Discord's limit on a custom id


def _compact(stamp: str) -> str:
    key = compact_stamp(stamp)
    if key is None:  # the button drops an anchor without a compact key before it is written
        raise ValueError(f"a stored time without a compact key: {stamp[:40]!r}")
    return key


# The key of a Previous/Next's anchor book: its added_at, compacted (`bot.services.paging`).
STAMP_KEY: Codec[str | None] = maybe(Codec(STAMP_KEY_PATTERN, expand_stamp, _compact))
SEEKS: dict[str, Move] = {"n": "next", "p": "prev"}
SEEK_MOVE: Codec[Move | None] = maybe(choice(SEEKS))


class ShelfPageButton(
    PageButton, template="shelfpage:[{owner_id}:]{user_id}:{shelf}:{page}[:{move}:{key}:{anchor}]"
):
    """Previous/next under a shelf list; the owner, member, shelf and page travel in the custom id,
    and the book at the page's edge (the anchor: its added_at and id) with the move, for keyset paging.

    Ids posted before the owner was carried have none, so every presser gets a copy; ids posted
    before the anchor was carried have none either, and read their page by its number.
    """

    user_id = Field(INT)
    shelf = Field(SHELF_KEY)
    page = Field(PAGE_FROM_ZERO)
    move = Field(SEEK_MOVE)
    key = Field(STAMP_KEY)
    anchor = Field(maybe(INT))

    def __init__(
        self,
        owner_id: int | None,
        user_id: int,
        shelf: str | None,
        page: int,
        move: Move | None = None,
        key: str | None = None,
        anchor: int | None = None,
        *,
        label: str = "",
        disabled: bool = False,
    ) -> None:
        self.owner_id = owner_id
        self.user_id = user_id
        self.shelf = shelf
        self.page = page
        if move is None or key is None or anchor is None or compact_stamp(key) is None:
            move = key = anchor = None  # no anchor that fits in the id: the page is read by number
        self.move = move
        self.key = key
        self.anchor = anchor
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled)
        )

    def source(self) -> ShelfSource:
        return ShelfSource(self.user_id, self.shelf)

    def turn(self) -> Turn:
        if self.move is None or self.key is None or self.anchor is None:
            return Turn(self.page)
        return Turn(self.page, self.move, self.anchor, self.key)


def shelf_line(book: ShelvedBook) -> str:
    entry = book.entry
    line = f"**{plain(book.title, TITLE_IN_LIST)}**" + (
        f" by {names(book.authors, 100)}" if book.authors else ""
    )
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

    `owner_id` is the member whose presses move this message (see `bot.ui.pager`).
    """
    which = SHELF_NAMES[page.shelf] if page.shelf else "All shelves"
    header = f"### {plain(name, NAME)}'s shelves · {which}\n{plural(page.total, 'book')}"
    if page.pages > 1:
        header += f" · page {page.page} of {page.pages}"
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    container.add_item(discord.ui.TextDisplay(header))
    container.add_item(discord.ui.Separator())
    if page.books:
        container.add_item(discord.ui.TextDisplay("\n".join(shelf_line(book) for book in page.books)))
    else:
        container.add_item(discord.ui.TextDisplay("Nothing on this shelf yet."))

    def button(target: int, label: str, disabled: bool) -> ShelfPageButton:
        # Next seeks from the page's last book, Previous from its first (keyset paging).
        move: Move = "next" if target > page.page else "prev"
        edge = (page.books[-1] if move == "next" else page.books[0]) if page.books else None
        key = edge.entry.added_at if edge is not None and edge.entry is not None else None
        anchor = edge.book_id if edge is not None else None
        made = ShelfPageButton(
            owner_id, page.user_id, page.shelf, target, move, key, anchor, label=label, disabled=disabled
        )
        if len(made.custom_id) > MAX_CUSTOM_ID:  # too long with its anchor: by page number
            made = ShelfPageButton(owner_id, page.user_id, page.shelf, target, label=label, disabled=disabled)
        return made

    nav = previous_next(page, button)
    if nav is not None:
        container.add_item(nav)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view
