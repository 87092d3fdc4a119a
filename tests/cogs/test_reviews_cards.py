"""A review card is posted once across crashes: the intent and its nonce are recorded before the POST.

simcord does not de-duplicate nonces, so these tests show what it can: the nonce goes out in the
POST and is in the database first, and a card (or thread) a crash left unposted is posted once
after a restart, with the same nonce. A bot killed after Discord stored the card is tested against
a fake Discord that honours nonces, with a real process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
import pytest
from discord.http import Route

from bot.db.reviews import get_review
from bot.services import review_cards
from tests.cogs.test_reviews_support import message_text, seed_book
from tests.cogs.test_reviews_write import card_message, count, reply_of, write
from tests.conftest import Club


class Killed(Exception):
    """The process dying at this point: nothing after it runs."""


Spy = Callable[[Route, dict[str, Any]], Awaitable[None]]


def spy_on_requests(club: Club, monkeypatch: pytest.MonkeyPatch, before: Spy) -> None:
    """Run `before` on every REST call of the running bot, ahead of the call itself."""
    http = club.bot.http
    request = http.request

    async def spied(route: Route, **kwargs: Any) -> Any:
        await before(route, kwargs)
        return await request(route, **kwargs)

    monkeypatch.setattr(http, "request", spied)


def is_card_post(route: Route, channel_id: int) -> bool:
    return route.method == "POST" and route.url.endswith(f"/channels/{channel_id}/messages")


def card_posts(club: Club, channel_id: int) -> list[dict[str, Any]]:
    """The JSON of every card POST in `channel_id` so far."""
    return [
        r.json
        for r in club.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and r.json
    ]


def cards_in(club: Club) -> list[discord.Message]:
    return [m for m in club.channel.history() if m.components]


async def intents(club: Club) -> list[tuple[Any, ...]]:
    rows = await club.db.fetchall(
        "SELECT review_id, guild_id, channel_id, nonce, message_id FROM review_card_intents"
    )
    return [tuple(row) for row in rows]


async def kill_the_card_post(club: Club, monkeypatch: pytest.MonkeyPatch) -> str:
    """Write a review whose card POST dies before reaching Discord; returns the recorded nonce."""
    book = await seed_book(club.db)

    async def die(route: Route, kwargs: dict[str, Any]) -> None:
        if is_card_post(route, club.channel.id):
            raise Killed

    spy_on_requests(club, monkeypatch, die)
    killed = await write(club, club.alice, book.book_id, "Posted after the restart.")
    # the review committed before the card died, so the member is told it went through
    assert "that went through" in reply_of(killed)
    assert [type(error) for error in club.take_errors()] == [Killed]
    assert not cards_in(club)
    ((_, guild_id, channel_id, nonce, message_id),) = await intents(club)
    assert (guild_id, channel_id, message_id) == (club.guild.id, club.channel.id, None)
    return str(nonce)


async def test_the_nonce_is_recorded_before_the_card_goes_out_with_it(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = await seed_book(club.db)
    seen: list[list[tuple[Any, ...]]] = []

    async def look(route: Route, kwargs: dict[str, Any]) -> None:
        if is_card_post(route, club.channel.id):
            seen.append(await intents(club))

    spy_on_requests(club, monkeypatch, look)
    done = await write(club, club.alice, book.book_id, "One card, whatever happens.")
    assert f"Its card is posted in <#{club.channel.id}>." in reply_of(done)
    review = await get_review(club.db, club.guild.id, book.book_id, club.alice.id)
    assert review is not None
    ((recorded,),) = seen  # one POST, and its intent was already in the database
    assert recorded[:3] == (review.review_id, club.guild.id, club.channel.id)
    assert recorded[4] is None
    (payload,) = card_posts(club, club.channel.id)
    assert payload["nonce"] == recorded[3]
    assert payload["enforce_nonce"] is True
    assert len(payload["nonce"]) <= 25
    assert await intents(club) == []  # done: the card and its thread are recorded
    (thread,) = club.channel.threads
    assert (review.message_id, review.thread_id) == (card_message(club).id, thread.id)


async def test_a_card_killed_before_discord_stored_it_is_posted_once_after_a_restart(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    nonce = await kill_the_card_post(club, monkeypatch)
    await club.restart()
    await club.env.settle()
    (card,) = cards_in(club)
    assert "Posted after the restart." in message_text(card)
    assert [p["nonce"] for p in card_posts(club, club.channel.id)][-1] == nonce
    assert await intents(club) == []
    (thread,) = club.channel.threads
    assert thread.name == "MIG Pilot — alice"
    row = await club.db.fetchone("SELECT channel_id, message_id, thread_id FROM reviews")
    assert row is not None
    assert tuple(row) == (club.channel.id, card.id, thread.id)
    posts = len(card_posts(club, club.channel.id))
    await club.restart()
    await club.env.settle()
    assert len(card_posts(club, club.channel.id)) == posts  # nothing pending: nothing sent
    assert len(cards_in(club)) == 1
    assert len(club.channel.threads) == 1


async def test_an_edit_after_a_killed_post_sends_the_same_nonce(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    nonce = await kill_the_card_post(club, monkeypatch)
    monkeypatch.undo()
    review = await get_review(club.db, club.guild.id, 1, club.alice.id)
    assert review is not None
    done = await write(club, club.alice, review.book_id, "Edited before any restart.")
    assert f"Its card is posted in <#{club.channel.id}>." in reply_of(done)
    assert card_posts(club, club.channel.id)[-1]["nonce"] == nonce
    (card,) = cards_in(club)
    # Discord may have returned the card the first attempt sent: it is edited to the review as it is now.
    edits = [r for r in club.env.http_requests if r.method == "PATCH" and r.path.endswith(f"/{card.id}")]
    assert edits
    assert (edits[-1].json or {})["allowed_mentions"] == {"parse": []}
    assert "Edited before any restart." in message_text(card)
    assert await intents(club) == []


async def test_a_card_killed_before_its_thread_opens_one_thread_after_a_restart(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = await seed_book(club.db)

    async def die(route: Route, kwargs: dict[str, Any]) -> None:
        if route.method == "POST" and route.url.endswith("/threads"):
            raise Killed

    spy_on_requests(club, monkeypatch, die)
    done = await write(club, club.alice, book.book_id, "A thread after the restart.")
    assert "that went through" in reply_of(done)
    assert [type(error) for error in club.take_errors()] == [Killed]
    card = card_message(club)
    assert not club.channel.threads
    ((review_id, _, _, _, message_id),) = await intents(club)
    assert message_id == card.id  # the card is recorded; only its thread is left
    await club.restart()
    await club.env.settle()
    (thread,) = club.channel.threads
    assert thread.id == card.id
    assert (
        await club.db.fetchval("SELECT thread_id FROM reviews WHERE review_id = ?", (review_id,)) == thread.id
    )
    assert await intents(club) == []
    assert len(cards_in(club)) == 1


async def test_a_thread_opened_before_a_crash_is_recorded_not_opened_again(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = await seed_book(club.db)
    settle = review_cards.card_settled
    calls: list[int | None] = []

    async def killed_once(db: Any, review_id: int, thread_id: int | None) -> None:
        calls.append(thread_id)
        if len(calls) == 1:
            raise Killed
        await settle(db, review_id, thread_id)

    monkeypatch.setattr(review_cards, "card_settled", killed_once)
    done = await write(club, club.alice, book.book_id, "The thread came before the crash.")
    assert "that went through" in reply_of(done)
    assert [type(error) for error in club.take_errors()] == [Killed]
    (thread,) = club.channel.threads
    assert await club.db.fetchval("SELECT thread_id FROM reviews") is None
    await club.restart()
    await club.env.settle()
    assert calls == [thread.id, thread.id]
    assert len(club.channel.threads) == 1
    assert await club.db.fetchval("SELECT thread_id FROM reviews") == thread.id
    assert await intents(club) == []
    threads_opened = [r for r in club.env.http_requests if r.method == "POST" and r.path.endswith("/threads")]
    assert len(threads_opened) == 1


async def test_a_refused_card_is_forgotten_and_a_failed_one_retried_after_a_restart(club: Club) -> None:
    book = await seed_book(club.db)
    club.env.inject_error("POST", f"/channels/{club.channel.id}/messages", status=403, code=50013)
    refused = await write(club, club.alice, book.book_id, "Refused at first.")
    assert f"Its card could not be posted in <#{club.channel.id}>." in reply_of(refused)
    assert await intents(club) == []  # Discord stored nothing: there is nothing to finish
    club.env.inject_error("POST", f"/channels/{club.channel.id}/messages", status=500)
    failed = await write(club, club.alice, book.book_id, "Failed, maybe stored.")
    assert f"Its card could not be posted in <#{club.channel.id}>." in reply_of(failed)
    ((_, _, _, nonce, _),) = await intents(club)  # a 500 may have stored it: finished at start-up
    await club.restart()
    await club.env.settle()
    (card,) = cards_in(club)
    assert card_posts(club, club.channel.id)[-1]["nonce"] == nonce
    assert "Failed, maybe stored." in message_text(card)
    assert await intents(club) == []


async def test_a_pending_card_whose_channel_is_gone_is_dropped_at_start_up(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    await kill_the_card_post(club, monkeypatch)
    channel = club.bot.get_channel(club.channel.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.delete()
    await club.restart()
    await club.env.settle()
    assert await intents(club) == []
    assert await count(club, "SELECT count(*) FROM reviews WHERE message_id IS NULL") == 1


async def test_a_pending_card_goes_with_its_review(club: Club, monkeypatch: pytest.MonkeyPatch) -> None:
    await kill_the_card_post(club, monkeypatch)
    asked = await club.alice.slash(club.channel, "review delete", book="book:1")
    assert asked.response is not None
    await club.alice.click(asked.response, label="Delete")
    assert await intents(club) == []
    await club.restart()
    await club.env.settle()
    assert not cards_in(club)
