"""Paginator = page source + view.

A `PageSource` fetches page *k* of one list (pages count from 1; the source clamps a page that
no longer exists) and formats it, the row of moves included. A `PageButton` only moves: its
custom id carries the list, the member who owns the message and the page to go to, so a list
posted before a restart still pages. `turn_page` is the one rule for a move: the owner's message
moves in place, anyone else gets a private (ephemeral) copy at that page, which is then theirs.

Offset paging (club history, suggestions) needs only the target page. Keyset paging (reviews,
shelves) also carries the move and the edge item of the page it was pressed on, the anchor: see
`Turn`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

import discord

from bot.ui.base import edit_in_place
from bot.ui.items import INT, Control, Field, maybe

if TYPE_CHECKING:
    from bot.client import BookClubBot

Move = Literal["first", "prev", "next", "last", "page"]
Row = discord.ui.ActionRow[discord.ui.LayoutView]


@dataclass(frozen=True, slots=True)
class Turn:
    """Where a move goes: page `page`, reached by `move` from a page whose edge item is `anchor`.

    Offset sources read only `page`; keyset sources seek from `anchor` (0: none) for "next" and
    "prev", and fall back to `page` when the anchor is gone. `key` is the anchor's sort key when the
    button carries it too (shelves); without it (reviews) the source looks the key up by `anchor`.
    """

    page: int
    move: Move = "page"
    anchor: int = 0
    key: str | None = None


FIRST = Turn(1, "first")


class Paged(Protocol):
    """What the moves need of a fetched page: where it is."""

    @property
    def page(self) -> int: ...

    @property
    def pages(self) -> int: ...


PageT = TypeVar("PageT", bound=Paged)


class PageSource(Protocol[PageT]):
    """One list, page by page."""

    async def fetch(self, interaction: discord.Interaction[BookClubBot], turn: Turn) -> PageT:
        """The page `turn` leads to, clamped to the pages there are now."""
        ...

    def format(self, page: PageT, owner_id: int) -> discord.ui.LayoutView:
        """The message showing `page`, whose moves belong to `owner_id`."""
        ...


async def open_pages(
    interaction: discord.Interaction[BookClubBot],
    source: PageSource[PageT],
    *,
    turn: Turn = FIRST,
    ephemeral: bool = False,
) -> None:
    """Answer with a list's first page (or `turn`'s), owned by the member who asked."""
    page = await source.fetch(interaction, turn)
    view = source.format(page, interaction.user.id)
    await interaction.response.send_message(view=view, ephemeral=ephemeral)


async def turn_page(
    interaction: discord.Interaction[BookClubBot],
    source: PageSource[PageT],
    turn: Turn,
    owner_id: int | None,
) -> None:
    """The owner's list moves in place; anyone else gets their own ephemeral copy at that page.

    `owner_id` None (ids posted before lists carried their owner) gives everyone a copy.
    """
    viewer = interaction.user.id
    page = await source.fetch(interaction, turn)
    view = source.format(page, viewer)  # whoever is shown a page owns it
    if viewer == owner_id:
        await edit_in_place(interaction, view=view)
    else:
        await interaction.response.send_message(view=view, ephemeral=True)


class PageButton(Control[discord.ui.Button[discord.ui.LayoutView]]):
    """A move of a pager. A list's subclass adds the fields naming the list, its `template` and
    `source()`; a keyset list also carries the move and the anchor and overrides `turn()`.

    Every subclass `__init__` takes `label` and `disabled` (keywords with defaults): they are
    drawn, not kept in the custom id.
    """

    owner_id = Field(maybe(INT))
    page = Field(INT)

    def source(self) -> PageSource[Any]:
        """The list this button moves."""
        raise NotImplementedError

    def turn(self) -> Turn:
        return Turn(self.page)

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        await turn_page(interaction, self.source(), self.turn(), self.owner_id)


MakeButton = Callable[[int, str, bool], discord.ui.Item[Any]]


def previous_next(page: Paged, button: MakeButton) -> Row | None:
    """The "◀ Previous" and "Next ▶" row under a list of several pages (None for one page).

    `button(target, label, disabled)` draws each; "Next" on the last page targets the page after
    it (disabled, and clamped by the source if ever pressed).
    """
    if page.pages <= 1:
        return None
    row: Row = discord.ui.ActionRow()
    row.add_item(button(max(page.page - 1, 1), "◀ Previous", page.page <= 1))
    row.add_item(button(page.page + 1, "Next ▶", page.page >= page.pages))
    return row
