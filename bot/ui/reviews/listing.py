"""The paged list of a book's reviews and its restart-proof controls.

`ReviewSource` is the list for the pager (`bot.ui.pager`): it fetches a page by keyset (next and
previous seek from the review at the page's edge) and draws it. Every control is a `Control` whose
custom id holds the list's state (owner, book, sort, star filter, search id, target page, and the
edge review), so a list posted yesterday still pages after a restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

import discord

from bot.errors import UserFacingError
from bot.models.books import Book
from bot.models.stats import plural
from bot.services import reviews as service
from bot.services.reviews import SORT_LABELS, SORTS, ListState, ReviewPage
from bot.ui.base import require_guild
from bot.ui.forms import MODAL_TIMEOUT, Submitted, send_modal, text_value
from bot.ui.items import INT, Codec, Control, Field, choice, record
from bot.ui.meta import ACCENT
from bot.ui.pager import FIRST, Move, PageButton, Turn, open_pages, turn_page
from bot.ui.reviews.card import LikeButton, ReadButton, row_of
from bot.ui.reviews.text import book_heading, line_text

if TYPE_CHECKING:
    from bot.client import BookClubBot

LIST_PREVIEW = 500  # characters of a review's text in a list (five fit the 4,000 of a message)

STAR_ROW: Codec[int] = Codec("[0-5]", int, str)  # 0: all stars
LIST_STATE: Codec[ListState] = record(
    ListState, book_id=INT, sort=choice(SORTS), star_row=STAR_ROW, search_id=INT
)


@dataclass(frozen=True, slots=True)
class ReviewSource:
    """A book's reviews in one sort and filter, five a page.

    `book`: the book when the caller has it already (the command's resolved option), so the first
    page does not read it again; buttons leave it None and the page reads it with its head.
    """

    state: ListState
    book: Book | None = None
    search: str | None = None  # the search's text when the caller has it (the command)

    async def fetch(self, interaction: discord.Interaction[BookClubBot], turn: Turn) -> ReviewPage:
        return await service.load_page(
            interaction.client.db,
            require_guild(interaction),
            self.state,
            page=turn.page,
            move=turn.move,
            anchor=turn.anchor,
            viewer_id=interaction.user.id,
            book=self.book,
            search=self.search,
        )

    def format(self, page: ReviewPage, owner_id: int) -> discord.ui.LayoutView:
        return list_view(page, owner_id)


MOVES: dict[str, Move] = {"f": "first", "p": "prev", "n": "next", "l": "last"}


class NavButton(PageButton, template="rv:nav:{move}:{owner_id}:{state}:{page}:{anchor}"):
    """First / previous / next / last. Next and previous carry the edge review (keyset paging)."""

    LABELS: ClassVar[dict[Move, str]] = {"first": "⏮", "prev": "◀", "next": "▶", "last": "⏭"}

    move = Field(choice(MOVES))
    state = Field(LIST_STATE)
    anchor = Field(INT)

    def __init__(
        self,
        move: Move,
        owner_id: int | None,
        state: ListState,
        page: int,
        anchor: int,
        *,
        label: str = "",
        disabled: bool = False,
    ) -> None:
        self.move = move
        self.owner_id = owner_id
        self.state = state
        self.page = page
        self.anchor = anchor
        super().__init__(
            discord.ui.Button(
                label=label or self.LABELS[move], style=discord.ButtonStyle.secondary, disabled=disabled
            )
        )

    def source(self) -> ReviewSource:
        return ReviewSource(self.state)

    def turn(self) -> Turn:
        return Turn(self.page, self.move, self.anchor)


class JumpModal(discord.ui.Modal, title="Jump to page"):
    """The page-number form; its custom id carries the list, `submit_modal` answers it."""

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(
        rf"rv:modal:jump:(?P<owner>{INT.pattern}):(?P<state>{LIST_STATE.pattern}):(?P<pages>{INT.pattern})"
    )

    def __init__(self, owner_id: int, state: ListState, pages: int) -> None:
        super().__init__(
            timeout=MODAL_TIMEOUT, custom_id=f"rv:modal:jump:{owner_id}:{LIST_STATE.format(state)}:{pages}"
        )
        page_input: discord.ui.TextInput[JumpModal] = discord.ui.TextInput(
            custom_id="page", placeholder=f"1 – {pages}", min_length=1, max_length=7
        )
        self.add_item(discord.ui.Label(text=f"Page (1 – {pages})", component=page_input))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction[BookClubBot], match: re.Match[str], values: Submitted
    ) -> None:
        page = service.check_jump(text_value(values, "page"), int(match["pages"]))
        source = ReviewSource(LIST_STATE.parse(match["state"]))
        await turn_page(interaction, source, Turn(page), int(match["owner"]))


class JumpButton(
    Control[discord.ui.Button[discord.ui.LayoutView]], template="rv:jump:{owner_id}:{state}:{pages}"
):
    """The "Page k of n" button: asks for the page to jump to (`JumpModal`)."""

    owner_id = Field(INT)
    state = Field(LIST_STATE)
    pages = Field(INT)

    def __init__(self, owner_id: int, state: ListState, pages: int, *, label: str = "Page …") -> None:
        self.owner_id = owner_id
        self.state = state
        self.pages = pages
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=pages <= 1)
        )

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        await send_modal(interaction, JumpModal(self.owner_id, self.state, self.pages))


# The sort and star menus carry the rest of the list's state; what they pick comes with the press.
WITHOUT_SORT: Codec[ListState] = record(ListState, book_id=INT, star_row=STAR_ROW, search_id=INT)
WITHOUT_STARS: Codec[ListState] = record(ListState, book_id=INT, sort=choice(SORTS), search_id=INT)


class SortSelect(Control[discord.ui.Select[discord.ui.LayoutView]], template="rv:sort:{owner_id}:{state}"):
    """The list's order; a new order starts again from the first page."""

    owner_id = Field(INT)
    state = Field(WITHOUT_SORT)

    def __init__(self, owner_id: int, state: ListState) -> None:
        self.owner_id = owner_id
        self.state = state
        options = [
            discord.SelectOption(label=SORT_LABELS[sort], value=code, default=sort == state.sort)
            for code, sort in SORTS.items()
        ]
        super().__init__(discord.ui.Select(options=options))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        code = self.item.values[0] if self.item.values else "n"
        if code not in SORTS:
            raise UserFacingError("Pick one of the listed sort orders.")
        state = replace(self.state, sort=SORTS[code])
        await turn_page(interaction, ReviewSource(state), FIRST, self.owner_id)


class StarsSelect(Control[discord.ui.Select[discord.ui.LayoutView]], template="rv:stars:{owner_id}:{state}"):
    """The list's star filter (whole stars, or all); a new filter starts again from the first page."""

    owner_id = Field(INT)
    state = Field(WITHOUT_STARS)

    def __init__(self, owner_id: int, state: ListState) -> None:
        self.owner_id = owner_id
        self.state = state
        options = [discord.SelectOption(label="All stars", value="0", default=state.star_row == 0)]
        options += [
            discord.SelectOption(label=plural(n, "star"), value=str(n), default=state.star_row == n)
            for n in range(5, 0, -1)
        ]
        super().__init__(discord.ui.Select(options=options))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        value = self.item.values[0] if self.item.values else "0"
        if value not in {"0", "1", "2", "3", "4", "5"}:
            raise UserFacingError("Pick a star row from the list.")
        state = replace(self.state, star_row=int(value))
        await turn_page(interaction, ReviewSource(state), FIRST, self.owner_id)


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
                NavButton("first", owner_id, state, 1, 0, disabled=at_start),
                NavButton("prev", owner_id, state, max(page.page - 1, 1), first_id, disabled=at_start),
                JumpButton(owner_id, state, page.pages, label=f"Page {page.page} of {page.pages}"),
                NavButton("next", owner_id, state, min(page.page + 1, page.pages), last_id, disabled=at_end),
                NavButton("last", owner_id, state, page.pages, 0, disabled=at_end),
            )
        )
    container.add_item(row_of(SortSelect(owner_id, state)))
    container.add_item(row_of(StarsSelect(owner_id, state)))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view


# -- the book page's "Reviews" button -----------------------------------------------------
class OpenReviewsButton(Control[discord.ui.Button[discord.ui.LayoutView]], template="rv:open:{book_id}"):
    """The book page's "Reviews" button: the list, for the presser (ephemeral)."""

    book_id = Field(INT)

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(discord.ui.Button(label="Reviews", style=discord.ButtonStyle.primary))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        await open_pages(interaction, ReviewSource(ListState(self.book_id)), ephemeral=True)
