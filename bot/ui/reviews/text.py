"""How a review reads on cards and in lists: the reviewer's name, the meta line, the body, headings."""

from __future__ import annotations

import discord

from bot.models.books import Book
from bot.models.reviews import Review, ReviewLine
from bot.render import AUTHORS, NAME, TITLE, names, plain
from bot.services import reviews as service


def reviewer_name(line: ReviewLine) -> str:
    return plain(line.display_name, NAME) if line.display_name else "A former member"


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
    title = f"**{plain(book.title, TITLE)}**"
    if book.authors:
        title += f" by {names(book.authors, AUTHORS)}"
    return title
