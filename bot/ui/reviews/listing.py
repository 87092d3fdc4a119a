"""The paged list of a book's reviews and its restart-proof controls.

Every list control is a `DynamicItem` whose custom id holds the list's state (owner, book, sort,
star filter, search id, target page, and the review at the page's edge for keyset paging), so a
list posted yesterday still pages after a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.errors import UserFacingError
from bot.models.stats import plural
from bot.services import reviews as service
from bot.services.reviews import SORT_LABELS, SORTS, ListState, Move, ReviewPage
from bot.ui.base import guarded, require_guild
from bot.ui.forms import MODAL_TIMEOUT, Submitted, send_modal, text_value
from bot.ui.meta import ACCENT
from bot.ui.reviews.card import LikeButton, ReadButton, row_of
from bot.ui.reviews.text import book_heading, line_text

if TYPE_CHECKING:
    from bot.client import BookClubBot

LIST_PREVIEW = 500  # characters of a review's text in a list (five fit the 4,000 of a message)


def _state_id(state: ListState) -> str:
    return f"{state.book_id}:{state.sort_code}:{state.star_row}:{state.search_id}"


_STATE = r"(?P<book>\d+):(?P<sort>[nohlm]):(?P<stars>[0-5]):(?P<search>\d+)"


def _state_from(match: re.Match[str]) -> ListState:
    return ListState(int(match["book"]), SORTS[match["sort"]], int(match["stars"]), int(match["search"]))


class NavButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=rf"rv:nav:(?P<move>[fpnl]):(?P<owner>\d+):{_STATE}:(?P<page>\d+):(?P<anchor>\d+)",
):
    """First / previous / next / last. Next and previous carry the edge review (keyset paging)."""

    MOVES: ClassVar[dict[str, Move]] = {"f": "first", "p": "prev", "n": "next", "l": "last"}
    LABELS: ClassVar[dict[str, str]] = {"f": "⏮", "p": "◀", "n": "▶", "l": "⏭"}

    def __init__(
        self, move: str, owner_id: int, state: ListState, page: int, anchor: int, *, disabled: bool = False
    ) -> None:
        self.move = move
        self.owner_id = owner_id
        self.state = state
        self.page = page
        self.anchor = anchor
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[move],
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"rv:nav:{move}:{owner_id}:{_state_id(state)}:{page}:{anchor}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NavButton:
        return cls(
            match["move"], int(match["owner"]), _state_from(match), int(match["page"]), int(match["anchor"])
        )

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        await show_list(
            interaction,
            self.owner_id,
            self.state,
            page=self.page,
            move=self.MOVES[self.move],
            anchor=self.anchor,
        )


class JumpModal(discord.ui.Modal, title="Jump to page"):
    """The page-number form; its custom id carries the list, `submit_modal` answers it."""

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(rf"rv:modal:jump:(?P<owner>\d+):{_STATE}:(?P<pages>\d+)")

    def __init__(self, owner_id: int, state: ListState, pages: int) -> None:
        super().__init__(
            timeout=MODAL_TIMEOUT, custom_id=f"rv:modal:jump:{owner_id}:{_state_id(state)}:{pages}"
        )
        page_input: discord.ui.TextInput[JumpModal] = discord.ui.TextInput(
            custom_id="page", placeholder=f"1 – {pages}", min_length=1, max_length=7
        )
        self.add_item(discord.ui.Label(text=f"Page (1 – {pages})", component=page_input))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction[BookClubBot], match: re.Match[str], values: Submitted
    ) -> None:
        pages = int(match["pages"])
        page = service.check_jump(text_value(values, "page"), pages)
        await show_list(interaction, int(match["owner"]), _state_from(match), page=page, move="page")


class JumpButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=rf"rv:jump:(?P<owner>\d+):{_STATE}:(?P<pages>\d+)",
):
    def __init__(self, owner_id: int, state: ListState, pages: int, *, label: str = "Page …") -> None:
        self.owner_id = owner_id
        self.state = state
        self.pages = pages
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=pages <= 1,
                custom_id=f"rv:jump:{owner_id}:{_state_id(state)}:{pages}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> JumpButton:
        return cls(int(match["owner"]), _state_from(match), int(match["pages"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        await send_modal(interaction, JumpModal(self.owner_id, self.state, self.pages))


class SortSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.LayoutView]],
    template=r"rv:sort:(?P<owner>\d+):(?P<book>\d+):(?P<stars>[0-5]):(?P<search>\d+)",
):
    def __init__(self, owner_id: int, state: ListState) -> None:
        self.owner_id = owner_id
        self.state = state
        options = [
            discord.SelectOption(label=SORT_LABELS[sort], value=code, default=sort == state.sort)
            for code, sort in SORTS.items()
        ]
        super().__init__(
            discord.ui.Select(
                options=options,
                custom_id=f"rv:sort:{owner_id}:{state.book_id}:{state.star_row}:{state.search_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SortSelect:
        state = ListState(int(match["book"]), "newest", int(match["stars"]), int(match["search"]))
        return cls(int(match["owner"]), state)

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        code = self.item.values[0] if self.item.values else "n"
        if code not in SORTS:
            raise UserFacingError("Pick one of the listed sort orders.")
        state = ListState(self.state.book_id, SORTS[code], self.state.star_row, self.state.search_id)
        await show_list(interaction, self.owner_id, state, page=1, move="first")


class StarsSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.LayoutView]],
    template=r"rv:stars:(?P<owner>\d+):(?P<book>\d+):(?P<sort>[nohlm]):(?P<search>\d+)",
):
    def __init__(self, owner_id: int, state: ListState) -> None:
        self.owner_id = owner_id
        self.state = state
        options = [discord.SelectOption(label="All stars", value="0", default=state.star_row == 0)]
        options += [
            discord.SelectOption(label=plural(n, "star"), value=str(n), default=state.star_row == n)
            for n in range(5, 0, -1)
        ]
        super().__init__(
            discord.ui.Select(
                options=options,
                custom_id=f"rv:stars:{owner_id}:{state.book_id}:{state.sort_code}:{state.search_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StarsSelect:
        state = ListState(int(match["book"]), SORTS[match["sort"]], 0, int(match["search"]))
        return cls(int(match["owner"]), state)

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        value = self.item.values[0] if self.item.values else "0"
        if value not in {"0", "1", "2", "3", "4", "5"}:
            raise UserFacingError("Pick a star row from the list.")
        state = ListState(self.state.book_id, self.state.sort, int(value), self.state.search_id)
        await show_list(interaction, self.owner_id, state, page=1, move="first")


def list_view(page: ReviewPage, owner_id: int) -> discord.ui.LayoutView:
    """One page of a book's reviews with its controls."""
    state = page.state
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    header = f"## Reviews of {book_heading(page.book)}\n{page.header}"
    if page.filters:
        header += f"\n-# {page.filters} · {SORT_LABELS[state.sort]}"
    else:
        header += f"\n-# {SORT_LABELS[state.sort]}"
    container.add_item(discord.ui.TextDisplay(header))
    for line in page.lines:
        review = line.review
        collapsed = review.spoiler and not page.viewer_has_read
        text, trimmed = line_text(line, limit=LIST_PREVIEW, collapsed=collapsed)
        container.add_item(discord.ui.TextDisplay(text))
        row = row_of(LikeButton(review.review_id, review.likes, on_card=False))
        if collapsed:
            row.add_item(ReadButton(review.review_id, label="Reveal spoiler"))
        elif trimmed:
            row.add_item(ReadButton(review.review_id))
        container.add_item(row)
    if page.lines:
        first_id, last_id = page.lines[0].review.review_id, page.lines[-1].review.review_id
        at_start, at_end = page.page <= 1, page.page >= page.pages
        container.add_item(
            row_of(
                NavButton("f", owner_id, state, 1, 0, disabled=at_start),
                NavButton("p", owner_id, state, max(page.page - 1, 1), first_id, disabled=at_start),
                JumpButton(owner_id, state, page.pages, label=f"Page {page.page} of {page.pages}"),
                NavButton("n", owner_id, state, min(page.page + 1, page.pages), last_id, disabled=at_end),
                NavButton("l", owner_id, state, page.pages, 0, disabled=at_end),
            )
        )
    container.add_item(row_of(SortSelect(owner_id, state)))
    container.add_item(row_of(StarsSelect(owner_id, state)))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view


async def render_list(
    interaction: discord.Interaction[BookClubBot],
    owner_id: int,
    state: ListState,
    *,
    page: int,
    move: Move,
    anchor: int = 0,
) -> discord.ui.LayoutView:
    assert interaction.guild_id is not None
    loaded = await service.load_page(
        interaction.client.db,
        interaction.guild_id,
        state,
        page=page,
        move=move,
        anchor=anchor,
        viewer_id=owner_id,
    )
    return list_view(loaded, owner_id)


async def show_list(
    interaction: discord.Interaction[BookClubBot],
    owner_id: int,
    state: ListState,
    *,
    page: int,
    move: Move,
    anchor: int = 0,
) -> None:
    """The owner's list moves in place; anyone else gets their own ephemeral copy at that page."""
    require_guild(interaction)
    viewer = interaction.user.id
    if viewer == owner_id:
        view = await render_list(interaction, owner_id, state, page=page, move=move, anchor=anchor)
        await interaction.response.edit_message(view=view)
    else:
        view = await render_list(interaction, viewer, state, page=page, move=move, anchor=anchor)
        await interaction.response.send_message(view=view, ephemeral=True)


# -- the book page's "Reviews" button -----------------------------------------------------
class OpenReviewsButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=r"rv:open:(?P<book>\d+)",
):
    """The book page's "Reviews" button: the list, for the presser (ephemeral)."""

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(
            discord.ui.Button(
                label="Reviews", style=discord.ButtonStyle.primary, custom_id=f"rv:open:{book_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OpenReviewsButton:
        return cls(int(match["book"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        require_guild(interaction)
        view = await render_list(
            interaction, interaction.user.id, ListState(self.book_id), page=1, move="first"
        )
        await interaction.response.send_message(view=view, ephemeral=True)
