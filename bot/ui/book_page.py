"""The book page: one Components V2 message — the book's facts, then the club's half."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.errors import UserFacingError
from bot.models.books import Book
from bot.models.stats import BookStats, plural
from bot.services.book_page import BookPage, load_book
from bot.ui.items import INT, Control, Field, ItemT
from bot.ui.meta import ACCENT

if TYPE_CHECKING:
    from bot.client import BookClubBot

DESCRIPTION_PREVIEW = 600
FULL_DESCRIPTION_LIMIT = 3_900  # a V2 message holds 4,000 characters of text
BAR_WIDTH = 12


def published_line(first_published: str | None) -> str | None:
    """`First published January 1, 1980` (or `First published 1980` when only the year is known)."""
    if not first_published:
        return None
    try:
        day = date.fromisoformat(first_published)
    except ValueError:
        return f"First published {first_published}"
    return f"First published {day.strftime('%B')} {day.day}, {day.year}"


def pages_line(book: Book) -> str | None:
    """`222 pages, Mass Market Paperback`."""
    parts = [plural(book.pages, "page")] if book.pages else []
    if book.format:
        parts.append(book.format)
    return ", ".join(parts) or None


def trim(text: str, limit: int) -> str:
    """Cut at a word boundary before `limit`, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def bar(count: int, total: int) -> str:
    filled = round(BAR_WIDTH * count / total) if total else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def heading(book: Book) -> str:
    title = f"## {book.title}"
    if book.subtitle:
        title += f"\n**{book.subtitle}**"
    if book.authors:
        title += f"\nby {', '.join(book.authors)}"
    return title


def identifiers_line(book: Book) -> str | None:
    """`ISBN 9780… · ISBN-10 0… · Open Library OL…W · Google Books …`, linked where a page exists."""
    ids = []
    if book.isbn13:
        ids.append(f"ISBN {book.isbn13}")
    if book.isbn10:
        ids.append(f"ISBN-10 {book.isbn10}")
    if book.ol_work_id:
        ids.append(f"[Open Library {book.ol_work_id}](https://openlibrary.org/works/{book.ol_work_id})")
    elif book.ol_edition_id:
        ids.append(f"[Open Library {book.ol_edition_id}](https://openlibrary.org/books/{book.ol_edition_id})")
    if book.google_id:
        ids.append(f"[Google Books](https://books.google.com/books?id={book.google_id})")
    return "-# " + " · ".join(ids) if ids else None


def facts_text(book: Book) -> str:
    lines = [
        line
        for line in (pages_line(book), published_line(book.first_published), identifiers_line(book))
        if line
    ]
    return "\n".join(lines)


def club_text(stats: BookStats) -> str:
    lines = [f"### In this club\n{stats.reading_line}\n{stats.want_line}"]
    if stats.average is None:
        lines.append(f"No ratings yet · {plural(stats.reviews_count, 'review')}")
    else:
        lines.append(
            f"**{stats.average:.2f}** · {plural(stats.ratings_count, 'rating')} · "
            f"{plural(stats.reviews_count, 'review')}"
        )
    lines += [f"`{bar(row.count, stats.ratings_count)}` {row.label}" for row in stats.histogram()]
    return "\n".join(lines)


def book_page_view(
    page: BookPage, *, actions: tuple[discord.ui.ActionRow[discord.ui.LayoutView], ...] = ()
) -> discord.ui.LayoutView:
    """The whole page; `actions` are the rows of buttons the club features put under it."""
    book = page.book
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(accent_colour=ACCENT)
    if book.cover_url:
        container.add_item(
            discord.ui.Section(
                discord.ui.TextDisplay(heading(book)), accessory=discord.ui.Thumbnail(book.cover_url)
            )
        )
    else:
        container.add_item(discord.ui.TextDisplay(heading(book)))
    if book.description:
        container.add_item(discord.ui.TextDisplay(trim(book.description, DESCRIPTION_PREVIEW)))
        if len(book.description) > DESCRIPTION_PREVIEW:
            container.add_item(discord.ui.ActionRow(FullDescriptionButton(book.book_id)))
    facts = facts_text(book)
    if facts:
        container.add_item(discord.ui.TextDisplay(facts))
    container.add_item(discord.ui.Separator())
    container.add_item(discord.ui.TextDisplay(club_text(page.stats)))
    if page.note:
        container.add_item(discord.ui.TextDisplay(f"-# {page.note}"))
    for row in actions:
        container.add_item(row)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return view


class FullDescriptionButton(Control[discord.ui.Button[Any]], template="book:desc:{book_id}"):
    """Shows a book's whole description, ephemerally; the book id in the custom id survives restarts."""

    book_id = Field(INT)

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(discord.ui.Button(label="Full description", style=discord.ButtonStyle.secondary))

    async def act(self, interaction: discord.Interaction[BookClubBot]) -> None:
        book = await load_book(interaction.client.db, self.book_id)
        if book is None or not book.description:
            raise UserFacingError("That book has no description any more.")
        await interaction.response.send_message(view=description_view(book), ephemeral=True)


def description_view(book: Book) -> discord.ui.LayoutView:
    """The whole description of `book` in one container."""
    text = f"### {book.title}\n{trim(book.description or '', FULL_DESCRIPTION_LIMIT)}"
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(discord.ui.Container(discord.ui.TextDisplay(text), accent_colour=ACCENT))
    return view


# -- controls that change what a page shows ------------------------------------------------
Redraw = Callable[["discord.Interaction[Any]", int, str], Awaitable[None]]


class PageControl(Control[ItemT]):
    """A control under a book page whose use changes the page (a rating, a shelf): it `redraw`s it.

    Only `bot.ui.page` knows every row a page carries, and it imports the features that draw
    them; so it hands its redraw over here when imported (`redraw_pages_with`), and no feature
    imports it back.
    """

    _redraw: ClassVar[Redraw | None] = None

    @staticmethod
    def redraw_pages_with(redraw: Redraw) -> None:
        PageControl._redraw = redraw

    async def redraw(self, interaction: discord.Interaction[Any], book_id: int, told: str) -> None:
        """Redraw the page this control sits on with fresh club numbers; tell the presser `told`."""
        redraw = PageControl._redraw
        if redraw is None:
            raise RuntimeError("bot.ui.page was never imported, so no book page can be redrawn")
        await redraw(interaction, book_id, told)
