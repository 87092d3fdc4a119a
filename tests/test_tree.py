"""The tree's central error handler: expected errors read as themselves, bugs as an apology with an id."""

from __future__ import annotations

import logging
import re

import aiohttp
import discord
import pytest
from discord import app_commands

from bot.client import BookClubBot
from bot.config import Settings
from bot.db import Database
from bot.errors import UserFacingError
from tests.conftest import BotFactory, Clock, Club


def build_with_failing_commands(
    settings: Settings, db: Database, session: aiohttp.ClientSession, clock: Clock
) -> BookClubBot:
    bot = BookClubBot(settings=settings, db=db, session=session, clock=clock)

    @bot.tree.command(name="explode")
    async def explode(interaction: discord.Interaction[BookClubBot]) -> None:
        """Raises a bug."""
        raise RuntimeError("kaboom")

    @bot.tree.command(name="explode-late")
    async def explode_late(interaction: discord.Interaction[BookClubBot]) -> None:
        """Defers, then raises a bug."""
        await interaction.response.defer(ephemeral=True)
        raise RuntimeError("kaboom after defer")

    @bot.tree.command(name="refuse")
    async def refuse(interaction: discord.Interaction[BookClubBot]) -> None:
        """Raises a user-facing error."""
        raise UserFacingError("That book is not on your shelf.")

    @bot.tree.command(name="count")
    async def count(interaction: discord.Interaction[BookClubBot], n: app_commands.Range[int, 1, 5]) -> None:
        """Takes a bounded number."""
        await interaction.response.send_message(str(n), ephemeral=True)

    return bot


@pytest.fixture
def bot_factory() -> BotFactory:
    return build_with_failing_commands


async def test_a_bug_gets_an_apology_with_the_logged_error_id(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        result = await club.alice.slash(club.channel, "explode")
    assert result.ephemeral
    assert result.response is not None
    match = re.search(r"error id `([0-9a-f]{8})`", result.response.content)
    assert match, result.response.content
    assert "Sorry, something went wrong" in result.response.content
    record = next(r for r in caplog.records if match.group(1) in r.getMessage())
    assert record.exc_info is not None
    assert "kaboom" in str(record.exc_info[1])
    assert [type(e) for e in club.take_errors()] == [app_commands.CommandInvokeError]


async def test_a_bug_after_deferring_answers_in_a_followup(club: Club) -> None:
    result = await club.alice.slash(club.channel, "explode-late")
    # The first followup after a defer replaces the "thinking…" placeholder, as on Discord.
    assert result.response is not None
    assert "error id" in result.response.content
    assert result.response.ephemeral
    club.take_errors()


async def test_user_facing_errors_are_shown_as_written(club: Club) -> None:
    result = await club.alice.slash(club.channel, "refuse")
    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == "That book is not on your shelf."


async def test_mentions_are_disabled_bot_wide(club: Club) -> None:
    assert club.bot.allowed_mentions is not None
    assert club.bot.allowed_mentions.to_dict() == {"parse": []}
