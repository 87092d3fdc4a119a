"""Review cards, the paged review list, and the restart-proof buttons and menus they carry.

Every list control is a `DynamicItem` whose custom id holds the list's state (owner, book, sort,
star filter, search id, target page, and the review at the page's edge for keyset paging), so a
list posted yesterday still pages after a restart.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar, cast

import discord

from bot.errors import UserFacingError
from bot.models.books import Book
from bot.models.reviews import MAX_REVIEW, Review, ReviewCard, ReviewLine
from bot.models.stats import plural
from bot.services import reviews as service
from bot.services.reviews import SORT_LABELS, SORTS, ListState, Move, ReviewPage
from bot.services.stats import stars_text, stars_value
from bot.tree import report_error
from bot.ui.base import guarded, require_guild
from bot.ui.meta import ACCENT

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

Row = discord.ui.ActionRow[discord.ui.LayoutView]

LIST_PREVIEW = 500  # characters of a review's text in a list (five fit the 4,000 of a message)
CARD_PREVIEW = 3000
PIECE = 3800  # one message's worth of a review read whole


def row_of(*items: discord.ui.Item[Any]) -> Row:
    """An action row of DynamicItems (typed for both View kinds, hence built by add_item)."""
    row: Row = discord.ui.ActionRow()
    for item in items:
        row.add_item(item)
    return row


# -- text ----------------------------------------------------------------------------------
def reviewer_name(line: ReviewLine) -> str:
    return discord.utils.escape_markdown(line.display_name) if line.display_name else "A former member"


def review_meta(review: Review) -> str:
    """`★★★★½ · <date>` and, when edited, `· Updated <date>`."""
    parts = [service.stars_line(review.stars_x2), discord.utils.format_dt(review.created_at, "D")]
    if review.updated_at is not None:
        parts.append(f"Updated {discord.utils.format_dt(review.updated_at, 'D')}")
    return " · ".join(parts)


def body_text(review: Review, limit: int) -> tuple[str, bool]:
    """The text as shown (spoiler reviews inside `||…||`), trimmed to `limit`; True when trimmed."""
    text, trimmed = service.trim_text(review.body.replace("||", "") if review.spoiler else review.body, limit)
    return (service.spoiler_wrap(text) if review.spoiler else text), trimmed


def line_text(line: ReviewLine, *, limit: int, collapsed: bool) -> tuple[str, bool]:
    review = line.review
    head = (
        f"**{reviewer_name(line)}**\n"
        f"-# {service.reviewer_line(line.reviews_count, line.followers_count)}\n"
        f"{review_meta(review)}"
    )
    if collapsed:
        return f"{head}\n-# 🔒 Spoiler review, hidden until you mark the book read.", True
    body, trimmed = body_text(review, limit)
    return f"{head}\n{body}", trimmed


def book_heading(book: Book) -> str:
    title = f"**{discord.utils.escape_markdown(book.title)}**"
    if book.authors:
        title += f" by {discord.utils.escape_markdown(', '.join(book.authors))}"
    return title


# -- buttons on cards and lists ------------------------------------------------------------
class LikeButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=r"rv:like:(?P<review>\d+):(?P<where>[cl])",
):
    """Toggle a like. On a card the card's count is edited; in a list the member is told."""

    def __init__(self, review_id: int, likes: int, *, on_card: bool) -> None:
        self.review_id = review_id
        self.on_card = on_card
        super().__init__(
            discord.ui.Button(
                label=f"♥ {likes}" if likes else "♥ Like",
                style=discord.ButtonStyle.secondary,
                custom_id=f"rv:like:{review_id}:{'c' if on_card else 'l'}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> LikeButton:
        return cls(int(match["review"]), 0, on_card=match["where"] == "c")

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        db = interaction.client.db
        guild_id = require_guild(interaction)
        review, liked = await service.like(db, guild_id, self.review_id, interaction.user.id)
        if self.on_card:
            card = await service.load_card(db, guild_id, review.review_id)
            if card is not None:
                await interaction.response.edit_message(view=card_view(card))
                return
        verb = "liked" if liked else "no longer like"
        await interaction.response.send_message(
            f"You {verb} this review ({plural(review.likes, 'like')}).", ephemeral=True
        )


class ReadButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=r"rv:read:(?P<review>\d+)",
):
    """Read a review whole, or reveal a collapsed spoiler review — for the presser only."""

    def __init__(self, review_id: int, *, label: str = "Read all") -> None:
        self.review_id = review_id
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.secondary, custom_id=f"rv:read:{review_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReadButton:
        return cls(int(match["review"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        line = await service.require_line(interaction.client.db, require_guild(interaction), self.review_id)
        review = line.review
        text = review.body.replace("||", "") if review.spoiler else review.body
        pieces = service.split_text(text, PIECE)
        if review.spoiler:
            pieces = [service.spoiler_wrap(piece) for piece in pieces]
        head = f"**{reviewer_name(line)}** · {review_meta(review)}"
        await interaction.response.send_message(view=text_view(head, pieces[0]), ephemeral=True)
        for piece in pieces[1:]:
            await interaction.followup.send(view=text_view(None, piece), ephemeral=True)


def text_view(head: str | None, text: str) -> discord.ui.LayoutView:
    view = discord.ui.LayoutView()
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    if head:
        container.add_item(discord.ui.TextDisplay(head))
    container.add_item(discord.ui.TextDisplay(text))
    view.add_item(container)
    return view


def card_view(card: ReviewCard) -> discord.ui.LayoutView:
    """The card posted in the reviews channel (public: spoiler reviews stay inside `||…||`)."""
    line, book = card.line, card.book
    review = line.review
    body, trimmed = body_text(review, CARD_PREVIEW)
    header = (
        f"### {reviewer_name(line)} reviewed {book_heading(book)}\n"
        f"-# {service.reviewer_line(line.reviews_count, line.followers_count)}\n"
        f"{review_meta(review)}"
    )
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    if book.cover_url:
        container.add_item(
            discord.ui.Section(discord.ui.TextDisplay(header), accessory=discord.ui.Thumbnail(book.cover_url))
        )
    else:
        container.add_item(discord.ui.TextDisplay(header))
    container.add_item(discord.ui.TextDisplay(body))
    row = row_of(LikeButton(review.review_id, review.likes, on_card=True))
    if trimmed:
        row.add_item(ReadButton(review.review_id))
    container.add_item(row)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view


# -- the list ------------------------------------------------------------------------------
def _state_id(state: ListState) -> str:
    return f"{state.book_id}:{state.sort_code}:{state.star_row}:{state.search_id}"


_STATE = r"(?P<book>\d+):(?P<sort>[nohlm]):(?P<stars>[0-5]):(?P<search>\d+)"


def _state_from(match: re.Match[str]) -> ListState:
    return ListState(int(match["book"]), SORTS[match["sort"]], int(match["stars"]), int(match["search"]))


# -- modals --------------------------------------------------------------------------------
# A modal shown before a restart is still submitted afterwards, and discord.py only dispatches a
# submission to a Modal instance kept in memory (ViewStore.dispatch_modal ignores unknown ids, and
# there is no DynamicItem for modals). So our modals are forms only: their custom id carries the
# state (like a DynamicItem's), they are sent already stopped so discord.py keeps no instance (a
# dismissed modal leaks nothing), and `submit_modal`, called by the cog's `on_interaction`
# listener, answers every submission — before or after a restart alike, through one path.
MODAL_TIMEOUT = 15 * 60.0  # finite even so: were an instance ever kept, it would not outlive this

Submitted = dict[str, str | list[str]]


def submitted_values(interaction: discord.Interaction[Any]) -> Submitted:
    """A modal submission's values by control custom id: text inputs a str, selects a list."""
    found: Submitted = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if isinstance(node.get("component"), dict):
                walk([node["component"]])
            walk(node.get("components") or [])
            custom_id = node.get("custom_id")
            if isinstance(custom_id, str):
                if "values" in node:
                    found[custom_id] = [str(value) for value in node["values"]]
                elif "value" in node:
                    found[custom_id] = str(node["value"])

    data = cast("dict[str, Any]", interaction.data or {})
    walk(data.get("components") or [])
    return found


def _text(values: Submitted, custom_id: str) -> str:
    value = values.get(custom_id)
    return value if isinstance(value, str) else ""


async def send_modal(interaction: discord.Interaction[BookClubBot], modal: discord.ui.Modal) -> None:
    """Show a form whose submission `submit_modal` answers (no instance stays in memory)."""
    modal.stop()  # discord.py stores only unfinished modals; this one is answered by its custom id
    await interaction.response.send_modal(modal)


async def submit_modal(interaction: discord.Interaction[BookClubBot]) -> bool:
    """Answer a submitted review modal; False when the modal is not one of ours."""
    custom_id = str(cast("dict[str, Any]", interaction.data or {}).get("custom_id", ""))
    for form in (ReviewModal, JumpModal):
        match = form.TEMPLATE.fullmatch(custom_id)
        if match is not None:
            try:
                await form.answer(interaction, match, submitted_values(interaction))
            except Exception as error:
                await report_error(interaction, error)
            return True
    return False


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
        page = service.check_jump(_text(values, "page"), pages)
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


# -- the book page's buttons ---------------------------------------------------------------
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


class WriteReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.LayoutView]],
    template=r"rv:write:(?P<book>\d+)",
):
    """The book page's "Write a review" button: the same modal as /review write."""

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(
            discord.ui.Button(
                label="Write a review", style=discord.ButtonStyle.secondary, custom_id=f"rv:write:{book_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WriteReviewButton:
        return cls(int(match["book"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        book = await service.require_book(interaction.client.db, self.book_id)
        await open_review_modal(interaction, book, spoiler=None)


def review_actions(book_id: int) -> tuple[Row, ...]:
    """The book page's row: "Reviews" and "Write a review"."""
    return (row_of(OpenReviewsButton(book_id), WriteReviewButton(book_id)),)


# -- writing -------------------------------------------------------------------------------
STAR_CHOICES = tuple(range(2, 11))


class ReviewModal(discord.ui.Modal):
    """Stars (a menu pre-filled with the member's rating) and the text (up to 4,000 characters).

    Its custom id carries the book and the spoiler flag; `submit_modal` answers it.
    """

    TEMPLATE: ClassVar[re.Pattern[str]] = re.compile(r"rv:modal:write:(?P<book>\d+):(?P<spoiler>[01])")

    def __init__(self, book: Book, *, existing: Review | None, rating: int | None, spoiler: bool) -> None:
        verb = "Edit your review" if existing else "Review"
        super().__init__(
            title=f"{verb}: {book.title}"[:45],
            timeout=MODAL_TIMEOUT,
            custom_id=f"rv:modal:write:{book.book_id}:{int(spoiler)}",
        )
        chosen = existing.stars_x2 if existing and existing.stars_x2 else rating
        stars: discord.ui.Select[ReviewModal] = discord.ui.Select(
            custom_id="stars",
            options=[
                discord.SelectOption(
                    label=f"{stars_value(value)} – {stars_text(value)}",
                    value=str(value),
                    default=value == chosen,
                )
                for value in reversed(STAR_CHOICES)
            ],
            required=True,
        )
        body: discord.ui.TextInput[ReviewModal] = discord.ui.TextInput(
            custom_id="body",
            style=discord.TextStyle.paragraph,
            min_length=1,
            max_length=MAX_REVIEW,
            default=existing.body if existing else None,
            placeholder="What did you think? Wrap spoilers in ||double bars||.",
        )
        self.add_item(discord.ui.Label(text="Stars (this also sets your rating)", component=stars))
        self.add_item(discord.ui.Label(text="Your review", component=body))

    @classmethod
    async def answer(
        cls, interaction: discord.Interaction[BookClubBot], match: re.Match[str], values: Submitted
    ) -> None:
        guild_id = require_guild(interaction)
        chosen = values.get("stars")
        stars = chosen[0] if isinstance(chosen, list) and chosen else ""
        if not stars.isdigit() or int(stars) not in STAR_CHOICES:
            raise UserFacingError("Pick how many stars you give the book.")
        text = _text(values, "body")
        service.clean_body(text)  # answer bad text before deferring
        db = interaction.client.db
        book = await service.require_book(db, int(match["book"]))
        await interaction.response.defer(ephemeral=True, thinking=True)
        review, created = await service.save_review(
            db,
            guild_id=guild_id,
            book_id=book.book_id,
            user_id=interaction.user.id,
            stars_x2=int(stars),
            text=text,
            spoiler=match["spoiler"] == "1",
            now=interaction.client.clock(),
        )
        note = await post_card(interaction, review.review_id)
        verb = "saved" if created else "updated"
        await interaction.followup.send(
            f"Your review of {book_heading(book)} is {verb}. {note}", ephemeral=True
        )


async def open_review_modal(
    interaction: discord.Interaction[BookClubBot], book: Book, *, spoiler: bool | None
) -> None:
    """The write modal; pre-filled with the member's review when they already wrote one."""
    guild_id = require_guild(interaction)
    draft = await service.draft(interaction.client.db, guild_id, book.book_id, interaction.user.id)
    existing = draft.existing
    keep = existing.spoiler if existing else False
    modal = ReviewModal(
        book, existing=existing, rating=draft.rating, spoiler=keep if spoiler is None else spoiler
    )
    await send_modal(interaction, modal)


# -- the posted card -----------------------------------------------------------------------
# A card goes to the reviews channel, else where the review was written. Written in a thread (the
# reviews channel unset), the card is posted in that thread and opens no thread of its own: the
# thread it sits in is already its discussion, and a forum post's parent takes no plain messages.
CardChannel = discord.TextChannel | discord.Thread


def _writable(channel: discord.abc.GuildChannel | discord.Thread | None) -> CardChannel | None:
    if not isinstance(channel, discord.TextChannel | discord.Thread):
        return None
    permissions = channel.permissions_for(channel.guild.me)
    if isinstance(channel, discord.Thread):  # a thread asks for its own permission, not Send Messages
        can_send = permissions.send_messages_in_threads and (not channel.locked or permissions.manage_threads)
    else:
        can_send = permissions.send_messages
    return channel if permissions.view_channel and can_send else None


async def post_card(interaction: discord.Interaction[BookClubBot], review_id: int) -> str:
    """Post (or edit in place) the review's card; returns a sentence for the member."""
    assert interaction.guild is not None
    guild = interaction.guild
    db = interaction.client.db
    card = await service.load_card(db, guild.id, review_id)
    assert card is not None
    review, book = card.line.review, card.book
    view = card_view(card)
    if review.message_id is not None and review.channel_id is not None:
        posted = guild.get_channel_or_thread(review.channel_id)
        if isinstance(posted, discord.TextChannel | discord.Thread):
            try:
                await posted.get_partial_message(review.message_id).edit(view=view)
            except discord.NotFound:
                pass  # the card was deleted: post a new one below
            except discord.HTTPException:
                log.warning("could not edit the card of review %s", review.review_id, exc_info=True)
                return "Its card could not be updated."
            else:
                return f"Its card in {posted.mention} is updated."
    target_id = card.reviews_channel_id or interaction.channel_id
    channel = _writable(guild.get_channel_or_thread(target_id) if target_id else None)
    if channel is None:
        where = f"<#{target_id}>" if target_id else "this channel"
        return (
            f"Its card could not be posted in {where}: the channel is gone or I may not send messages there."
        )
    try:
        message = await channel.send(view=view)
    except discord.HTTPException:
        log.warning("could not post the card of review %s", review.review_id, exc_info=True)
        return f"Its card could not be posted in {channel.mention}."
    thread_id: int | None = None
    if isinstance(channel, discord.TextChannel) and channel.permissions_for(guild.me).create_public_threads:
        name = f"{book.title} — {interaction.user.display_name}"[:100]
        try:
            thread = await message.create_thread(name=name)
        except discord.HTTPException:
            log.info("could not open a thread under the card of review %s", review.review_id, exc_info=True)
        else:
            thread_id = thread.id
    await service.card_posted(db, review.review_id, channel.id, message.id, thread_id)
    return f"Its card is posted in {channel.mention}."


async def remove_card(interaction: discord.Interaction[BookClubBot], review: Review) -> None:
    """Delete a review's card and lock its thread (the discussion is kept, closed), quietly when gone."""
    if interaction.guild is None or review.channel_id is None or review.message_id is None:
        return
    channel = interaction.guild.get_channel_or_thread(review.channel_id)
    if isinstance(channel, discord.TextChannel | discord.Thread):
        with contextlib.suppress(discord.HTTPException):
            await channel.get_partial_message(review.message_id).delete()
    if review.thread_id is not None:
        thread = interaction.guild.get_thread(review.thread_id)
        if thread is not None and thread.permissions_for(thread.guild.me).manage_threads:
            with contextlib.suppress(discord.HTTPException):
                await thread.edit(archived=True, locked=True)


# -- deleting ------------------------------------------------------------------------------
class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"rv:(?P<action>del|keep):(?P<owner>\d+):(?P<review>\d+)",
):
    """Delete / Cancel on the "Delete your review?" prompt: restart-proof, for the asker only."""

    def __init__(self, owner_id: int, review_id: int, *, delete: bool) -> None:
        self.owner_id = owner_id
        self.review_id = review_id
        self.delete = delete
        super().__init__(
            discord.ui.Button(
                label="Delete" if delete else "Cancel",
                style=discord.ButtonStyle.danger if delete else discord.ButtonStyle.secondary,
                custom_id=f"rv:{'del' if delete else 'keep'}:{owner_id}:{review_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmButton:
        return cls(int(match["owner"]), int(match["review"]), delete=match["action"] == "del")

    async def interaction_check(self, interaction: discord.Interaction[BookClubBot]) -> bool:  # type: ignore[override]
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("This menu is not yours.", ephemeral=True)
        return False

    @guarded
    async def callback(self, interaction: discord.Interaction[BookClubBot]) -> None:
        if not self.delete:
            await interaction.response.edit_message(content="Nothing was deleted.", view=None)
            return
        card = await service.delete_own(
            interaction.client.db, require_guild(interaction), self.review_id, self.owner_id
        )
        await interaction.response.edit_message(
            content=f"Your review of {book_heading(card.book)} is deleted.", view=None
        )
        await remove_card(interaction, card.line.review)


def confirm_delete_view(owner_id: int, review: Review) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(owner_id, review.review_id, delete=True))
    view.add_item(ConfirmButton(owner_id, review.review_id, delete=False))
    return view
