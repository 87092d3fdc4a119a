"""The tree's central error handler: expected errors read as themselves, bugs as an apology with an id."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from datetime import timedelta
from typing import Any

import aiohttp
import discord
import pytest
import simcord
from discord import app_commands
from discord.http import MultipartParameters

from bot.client import BookClubBot
from bot.config import Settings
from bot.db import Database
from bot.db.meta import get_meta, set_meta
from bot.errors import UserFacingError
from bot.tree import STORAGE_TEXT, STORAGE_TEXT_PARTLY, WindowedAdapter, describe, is_storage_fault
from tests.components import custom_ids
from tests.conftest import BotFactory, Clock, Club
from tests.helpers import seed_book


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

    @bot.tree.command(name="save-then-explode")
    async def save_then_explode(interaction: discord.Interaction[BookClubBot]) -> None:
        """Saves a setting, then raises a bug."""
        await set_meta(bot.db, "saved", "yes")
        raise RuntimeError("kaboom after the write")

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


# -- a reply that fails after a commit (issue 11, item 21) -----------------------------------
CALLBACK = "/interactions/*/callback"
FOLLOWUP = "/webhooks/*/*"  # a follow-up is a webhook message


def answers(result: simcord.InteractionResult) -> list[str]:
    """Everything the member was shown in answer: the response, then the follow-ups."""
    shown = [result.response] if result.response is not None else []
    return [message.content for message in [*shown, *result.followups]]


async def rating_of(club: Club, user_id: int) -> int | None:
    value = await club.db.fetchval("SELECT stars_x2 FROM ratings WHERE user_id = ?", (user_id,))
    return None if value is None else int(value)


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_a_callback_failing_twice_is_retried_inside_the_window(club: Club, status: int) -> None:
    book = await seed_book(club.db)
    club.env.inject_error("POST", CALLBACK, status=status, times=2)
    start = club.env.now()
    result = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4)
    assert result.response is not None
    assert result.response.ephemeral
    assert result.response.content == "You rated *MIG Pilot* ★★★★ (4)."
    assert result.response.message.created_at - start < timedelta(seconds=3)
    assert await rating_of(club, club.alice.id) == 8
    callbacks = [r for r in club.env.http_requests if r.path.endswith("/callback")]
    assert len(callbacks) == 3


async def test_a_saved_rating_is_not_called_a_failure_when_its_reply_never_gets_through(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    book = await seed_book(club.db)
    club.env.inject_error("POST", CALLBACK, status=500, times=None)
    start = club.env.now()
    with caplog.at_level(logging.INFO, logger="bot.tree"):
        result = await club.alice.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4)
    assert not result.acknowledged
    assert await rating_of(club, club.alice.id) == 8
    # Every try stayed inside the window (no try after it: Discord would refuse it anyway).
    assert club.env.now() - start < timedelta(seconds=3)
    tried = [r.json for r in club.env.http_requests if r.path.endswith("/callback")]
    assert not any("Sorry" in str(body) for body in tried)
    assert any("Done: that went through" in str(body) for body in tried)
    assert [r.levelname for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("failed after its change was saved" in r.getMessage() for r in caplog.records)
    [error] = club.take_errors()
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.HTTPException)


async def write_review(club: Club, book_id: int) -> simcord.InteractionResult:
    shown = await club.alice.slash(club.channel, "review write", book=f"book:{book_id}")
    assert shown.modal is not None
    return await club.alice.submit_modal(shown, {"stars": ["8"], "body": "A tense, true story."})


async def test_a_saved_review_whose_follow_up_fails_once_is_told_it_went_through(club: Club) -> None:
    book = await seed_book(club.db)
    club.env.inject_error("POST", FOLLOWUP, status=500, times=1)
    done = await write_review(club, book.book_id)
    [shown] = answers(done)
    assert shown.startswith("Done: that went through, but I could not show the result here. (ref `")
    assert await club.db.fetchval("SELECT count(*) FROM reviews") == 1


async def test_a_saved_review_whose_follow_ups_all_fail_is_never_called_a_failure(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    book = await seed_book(club.db)
    club.env.inject_error("POST", FOLLOWUP, status=500, times=5)
    with caplog.at_level(logging.INFO, logger="bot.tree"):
        done = await write_review(club, book.book_id)
    assert not any("Sorry" in text for text in answers(done))
    sent = [r.json for r in club.env.http_requests if r.method == "POST" and "/webhooks/" in r.path]
    assert not any("Sorry" in str(body) or "went wrong" in str(body) for body in sent)
    assert await club.db.fetchval("SELECT count(*) FROM reviews") == 1
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("failed after its change was saved" in r.getMessage() for r in caplog.records)


async def test_a_bug_after_the_write_is_logged_and_the_member_told_it_went_through(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        result = await club.alice.slash(club.channel, "save-then-explode")
    assert result.response is not None
    assert result.response.ephemeral
    match = re.fullmatch(
        r"Done: that went through, but I could not show the result here\. \(ref `([0-9a-f]{8})`\)",
        result.response.content,
    )
    assert match, result.response.content
    assert await get_meta(club.db, "saved") == "yes"
    [record] = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "kaboom after the write"
    [error] = club.take_errors()
    assert isinstance(error, app_commands.CommandInvokeError)


async def test_recording_the_members_name_is_not_the_members_change(club: Club) -> None:
    # /explode writes nothing itself; the name written before it must not hide its bug.
    result = await club.bob.slash(club.channel, "explode")
    assert result.response is not None
    assert result.response.content.startswith("Sorry, something went wrong on our side.")
    club.take_errors()


class ScriptedAdapter:
    """The adapter under the window: each callback try plays the next step of a script."""

    def __init__(self, *steps: str) -> None:
        self.steps = list(steps)
        self.tries = 0

    async def request(self, route: Any, session: Any, **kwargs: Any) -> Any:
        self.tries += 1
        step = self.steps.pop(0)
        if step == "hang":  # as discord.py waiting out its own back-off after a 5xx
            await asyncio.sleep(10)
        if step in ("500", "400", "acknowledged"):
            status, code = {"500": (500, 0), "400": (400, 50035), "acknowledged": (400, 40060)}[step]
            response = type("Response", (), {"status": status, "reason": "x", "headers": {}})()
            raise discord.HTTPException(response, {"code": code, "message": step})  # type: ignore[arg-type]
        return {"interaction": {"id": "1", "type": 2}}


async def respond(adapter: WindowedAdapter) -> Any:
    params = MultipartParameters(payload={"type": 4}, multipart=None, files=None)
    return await adapter.create_interaction_response(1, "token", session=None, params=params)  # type: ignore[arg-type]


def windowed(inner: ScriptedAdapter, seconds: float) -> WindowedAdapter:
    return WindowedAdapter(inner, discord.utils.utcnow() + timedelta(seconds=seconds))  # type: ignore[arg-type]


async def test_a_try_stuck_in_back_off_is_cut_and_an_already_acknowledged_answer_counts_as_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.tree.TRY_BUDGET", 0.05)
    inner = ScriptedAdapter("hang", "acknowledged")
    assert await respond(windowed(inner, 1)) == {"interaction": {"id": "1"}}
    assert inner.tries == 2


async def test_the_window_retries_quick_failures_but_not_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.tree.RETRY_PAUSE", 0.01)
    inner = ScriptedAdapter("500", "500", "ok")
    assert await respond(windowed(inner, 1)) == {"interaction": {"id": "1", "type": 2}}
    refused = ScriptedAdapter("400", "ok")
    with pytest.raises(discord.HTTPException):
        await respond(windowed(refused, 1))
    assert refused.tries == 1
    # Without a cut try, "already acknowledged" is a bug (a second response), not a success.
    twice = ScriptedAdapter("acknowledged", "ok")
    with pytest.raises(discord.HTTPException):
        await respond(windowed(twice, 1))


async def test_no_try_is_made_after_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.tree.TRY_BUDGET", 0.05)
    inner = ScriptedAdapter("hang", "hang", "hang", "hang", "ok")
    with pytest.raises(TimeoutError):
        await respond(windowed(inner, 0.12))
    assert inner.tries == 3


# -- storage faults (issue 11, item 23) ------------------------------------------------------
def fault_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.levelname} {r.getMessage()}"
        for r in caplog.records
        if r.name == "bot.tree" and r.levelno >= logging.INFO and "database takes" in r.getMessage()
    ]


async def test_a_read_only_database_is_said_once_logged_once_and_its_end_noticed(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    book = await seed_book(club.db)
    await club.db._writer.execute("PRAGMA query_only = ON")  # as a read-only file would refuse
    with caplog.at_level(logging.DEBUG, logger="bot.tree"):
        for member in (club.alice, club.bob, club.alice):
            result = await member.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=4)
            assert result.response is not None
            assert result.response.ephemeral
            assert result.response.content == STORAGE_TEXT
        fault = club.bot.storage_fault
        assert fault is not None
        assert fault.cause == "attempt to write a readonly database"
        assert fault.since == club.clock.now
        assert fault.failures >= 3
        assert await club.db.fetchval("SELECT count(*) FROM ratings") == 0
        assert fault_logs(caplog) == [
            "WARNING the database takes no writes (attempt to write a readonly database); "
            "members are told nothing was saved"
        ]
        await club.db._writer.execute("PRAGMA query_only = OFF")
        result = await club.bob.slash(club.channel, "rate", book=f"book:{book.book_id}", stars=5)
    assert result.response is not None
    assert result.response.content == "You rated *MIG Pilot* ★★★★★ (5)."
    assert club.bot.storage_fault is None
    assert len(fault_logs(caplog)) == 2
    assert fault_logs(caplog)[1].startswith(f"INFO the database takes writes again, after {fault.failures}")
    # The storage fault is an expected answer, not a bug: describe() says it as members read it.
    assert {describe(error) for error in club.take_errors()} == {STORAGE_TEXT}


async def fill_up(club: Club) -> None:
    """No page left for the database: a write that needs a new one fails "database or disk is full"."""
    writer = club.db._writer
    await writer.execute("CREATE TABLE filler (junk BLOB)")
    pages = await club.db.fetchval("PRAGMA page_count")
    await writer.execute(f"PRAGMA max_page_count = {pages}")
    with contextlib.suppress(sqlite3.OperationalError):  # until the free pages are used up
        for _ in range(10_000):
            await writer.execute("INSERT INTO filler VALUES (randomblob(1000))")


async def test_a_full_disk_refuses_a_review_in_the_members_words_and_saves_none_of_it(
    club: Club,
) -> None:
    book = await seed_book(club.db)
    shown = await club.bob.slash(club.channel, "review write", book=f"book:{book.book_id}")
    await club.bob.submit_modal(shown, {"stars": ["6"], "body": "Long. " * 600})
    await fill_up(club)  # Bob's review fills its page: Alice's needs a new one
    shown = await club.alice.slash(club.channel, "review write", book=f"book:{book.book_id}")
    assert shown.modal is not None
    done = await club.alice.submit_modal(shown, {"stars": ["8"], "body": "Long. " * 600})
    assert answers(done) == [STORAGE_TEXT]
    assert await club.db.fetchval("SELECT count(*) FROM reviews") == 1
    assert await club.db.fetchval("SELECT count(*) FROM ratings") == 1
    assert club.bot.storage_fault is not None
    assert club.bot.storage_fault.cause == "database or disk is full"


async def test_a_star_button_on_a_read_only_database_says_nothing_was_saved(club: Club) -> None:
    book = await seed_book(club.db)
    page = await club.admin.slash(club.channel, "book show", book=f"book:{book.book_id}")
    assert page.response is not None
    await club.db._writer.execute("PRAGMA query_only = ON")
    [star] = [cid for cid in custom_ids(page.response.components, "rate:") if cid.endswith(":8")]
    pressed = await club.alice.click(page.response.message, custom_id=star)
    assert answers(pressed) == [STORAGE_TEXT]
    assert club.bot.storage_fault is not None
    assert await club.db.fetchval("SELECT count(*) FROM ratings") == 0


def test_storage_faults_are_told_from_bugs() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    io = sqlite3.OperationalError("disk I/O error")
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    assert all(is_storage_fault(error) for error in (full, io, readonly))
    assert not is_storage_fault(sqlite3.OperationalError("no such column: nope"))
    assert not is_storage_fault(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert describe(io) == STORAGE_TEXT
    assert STORAGE_TEXT_PARTLY != STORAGE_TEXT
