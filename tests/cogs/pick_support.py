"""Helpers shared by the pick and meeting tests (no tests of their own): a bot whose scheduler holds
its jobs (a test runs a job by calling it, at the time it chooses), books, snapshots, messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import discord
import simcord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.books.service import build_book_service
from bot.client import BookClubBot
from bot.config import Settings
from bot.db import Database
from bot.models.books import Book, BookData
from tests.components import text_of
from tests.conftest import Clock, Club
from tests.helpers import MIG_PILOT, seed_book

__all__ = ["MIG_PILOT", "seed_book"]

PICK_TABLES = (
    "pick_rounds",
    "pick_suggestions",
    "pick_votes",
    "pick_vote_options",
    "pick_ballots",
    "club_sends",
)
MEETING_TABLES = ("meetings", "club_sends")


class HeldScheduler(AsyncIOScheduler):
    """Keeps its jobs without running them: the wall clock is not the test's clock."""

    def start(self, paused: bool = False) -> None:
        super().start(paused=True)


def held_factory(
    settings: Settings, db: Database, session: aiohttp.ClientSession, clock: Clock
) -> BookClubBot:
    books = build_book_service(settings, session, db, clock=clock)
    return BookClubBot(
        settings=settings, db=db, session=session, clock=clock, books=books, scheduler=HeldScheduler()
    )


async def snapshot(db: Database, tables: tuple[str, ...] = PICK_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in tables
    }


async def books(db: Database, count: int) -> list[Book]:
    """`count` books in the catalogue, `Book 1` by `Author 1` …"""
    return [
        await seed_book(db, BookData(title=f"Book {n}", authors=(f"Author {n}",)))
        for n in range(1, count + 1)
    ]


async def member(club: Club, name: str) -> simcord.MemberActor:
    return club.guild.add_member(club.env.create_user(name))


def told(result: simcord.InteractionResult) -> str:
    """The ephemeral text a member was told: the response, or the first follow-up after a defer."""
    if result.followups:
        followup = result.followups[0]
        assert followup.ephemeral
        return followup.content or text_of(followup.components)
    assert result.response is not None, result
    assert result.response.ephemeral, result.response.content
    return result.response.content or text_of(result.response.components)


def message_text(message: discord.Message) -> str:
    return message.content + "\n" + text_of([c.to_dict() for c in message.components])  # type: ignore[attr-defined]


def bot_messages(club: Club, channel: simcord.ChannelHandle | None = None) -> list[discord.Message]:
    bot_id = club.env.backend.bot_user.id
    return [m for m in (channel or club.channel).history() if m.author.id == bot_id]


def in_sync(club: Club) -> datetime:
    """Put the bot's clock on simcord's (poll expiry and message ids follow simcord's)."""
    club.clock.now = club.env.now()
    return club.clock.now


async def advance(club: Club, seconds: float) -> None:
    """Move simcord's clock (polls expire, events start) and the bot's with it."""
    await club.env.advance_time(seconds)
    in_sync(club)
