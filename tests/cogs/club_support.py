"""Helpers shared by the club read tests (no tests of its own)."""

from __future__ import annotations

from typing import Any

import simcord

from bot.db import Database
from bot.models.books import Book
from tests.cogs.test_reviews_support import seed_book
from tests.components import text_of
from tests.conftest import Club

__all__ = ["seed_book"]

CLUB_TABLES = (
    "club_reads",
    "club_sections",
    "club_thread_members",
    "club_read_readers",
    "guilds",
    "shelves",
    "book_stats",
    "ratings",
)


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """The club read's tables and the shelves, to assert that a refusal changed nothing."""
    return {
        table: [tuple(row) for row in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in CLUB_TABLES
    }


async def start_read(club: Club, book: Book, actor: Any = None, **options: Any) -> simcord.InteractionResult:
    return await (actor or club.admin).slash(
        club.channel, "club read start", book=f"book:{book.book_id}", **options
    )


def told(result: simcord.InteractionResult) -> str:
    """The ephemeral text a member was told: the response, or the first follow-up after a defer."""
    if result.followups:
        followup = result.followups[0]
        assert followup.ephemeral
        return followup.content
    assert result.response is not None, result
    assert result.response.ephemeral
    return result.response.content or text_of(result.response.components)


def shown(result: simcord.InteractionResult) -> str:
    """The text of a Components V2 response."""
    assert result.response is not None, result
    return text_of(result.response.components)


def thread_ids(club: Club) -> list[int]:
    return [thread.id for thread in sorted(club.channel.threads, key=lambda t: t.id)]


def members_of(club: Club, thread_id: int) -> set[int]:
    """Who is in a thread (the bot, which made it, excepted)."""
    bot_id = club.env.backend.bot_user.id
    return {user for user in club.env.backend.get_channel(thread_id).thread_members if user != bot_id}


def member_adds(club: Club) -> list[str]:
    """Every thread-member add the bot sent (not its own joins)."""
    return [
        request.path
        for request in club.env.http_requests
        if request.method == "PUT" and "/thread-members/" in request.path and not request.path.endswith("@me")
    ]


async def add_reader(club: Club, name: str) -> simcord.MemberActor:
    return club.guild.add_member(club.env.create_user(name))
