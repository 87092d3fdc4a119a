"""A review card is posted once across crashes: the real `python -m bot`, talking to the local fake
Discord (which honours nonces), is SIGKILLed around the POST of a member's review card and restarted.

Each review is written through a modal submission sent over the gateway; its card's POST is killed
at one point: when the request arrives (nothing created), once the card exists but before the
answer is sent, and after the answer at several delays (the card's id recorded or not). The next
run finishes the card at start-up with the same nonce, then the member edits the review. Every
review must end with exactly one card, recorded, showing the edited text.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import operator
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.db import open_database
from tests.helpers import seed_book
from tests.process.bot_process import BotProcess
from tests.process.conftest import bot_settings
from tests.process.fake_discord import FakeChannel, FakeDiscord, FakeGuild, Phase, PostEvent, PostHook

RUN_TIMEOUT = 30.0
SEND_MESSAGES = (1 << 10) | (1 << 11)


@dataclass(frozen=True, slots=True)
class Kill:
    phase: Phase
    delay: float = 0.0

    def __str__(self) -> str:
        return f"{self.phase.value} +{self.delay * 1000:.0f} ms"


KILLS = (
    Kill(Phase.RECEIVED),
    Kill(Phase.CREATED),
    Kill(Phase.ANSWERED),
    Kill(Phase.ANSWERED, 0.002),
    Kill(Phase.ANSWERED, 0.01),
    Kill(Phase.ANSWERED, 0.03),
)


class InteractiveDiscord(FakeDiscord):
    """The fake Discord, plus what a modal submission needs: INTERACTION_CREATE over the gateway,
    the interaction callback, followups, and editing a message (a card edited in place)."""

    def __init__(self) -> None:
        super().__init__()
        self._send: Callable[..., Awaitable[None]] | None = None
        self._interaction_ids = itertools.count(1)
        self.followups: dict[str, list[dict[str, Any]]] = {}  # interaction token → followups sent
        self.edits: list[tuple[int, dict[str, Any]]] = []

    async def _ready(self, send: Callable[..., Awaitable[None]]) -> None:
        await super()._ready(send)
        self._send = send  # the live gateway connection, to dispatch interactions on

    def _guild_payload(self, guild: FakeGuild) -> dict[str, Any]:
        payload = super()._guild_payload(guild)
        payload["roles"][0]["permissions"] = str(SEND_MESSAGES)  # no threads: the card alone
        return payload

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        parts = path.strip("/").split("/")
        if request.method == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            self.requests.append((request.method, path))
            body = await request.json()
            return _json({"interaction": {"id": parts[1], "type": body["type"]}})
        if request.method == "POST" and parts[0] == "webhooks" and len(parts) == 3:
            self.requests.append((request.method, path))
            body = await request.json()
            self.followups.setdefault(parts[2], []).append(body)
            channel = self.guilds[0].channels[0]
            return _json({**self._message_data(channel, body), "flags": body.get("flags", 0)})
        if request.method in ("GET", "PATCH") and len(parts) == 4 and parts[0] == "channels":
            self.requests.append((request.method, path))
            message = next((m for m in self.messages if m.id == int(parts[3])), None)
            if message is None:
                return self._error(404, 10008, "Unknown Message")
            if request.method == "GET":
                return _json(message.data)
            body = await request.json()
            self.edits.append((message.id, body))
            message.data.update({k: v for k, v in body.items() if k in ("content", "components", "flags")})
            return _json(message.data)
        return await super()._api(request)

    def _message_data(self, channel: FakeChannel, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(self.snowflake()),
            "channel_id": str(channel.id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": "2026-11-25T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
        }

    async def submit_review(self, guild: FakeGuild, user_id: int, book_id: int, text: str) -> str:
        """A member submits the review form for a book; returns the interaction's token."""
        assert self._send is not None, "the bot is not connected"
        channel = guild.channels[0]
        number = next(self._interaction_ids)
        token = f"token-{number}"
        user = {
            "id": str(user_id),
            "username": f"reader{user_id}",
            "discriminator": "0",
            "global_name": f"Reader {user_id}",
            "avatar": None,
            "public_flags": 0,
        }
        payload = {
            "id": str(self.snowflake()),
            "application_id": str(self.application_id),
            "type": 5,  # modal submit
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "channel_id": str(channel.id),
            "channel": {"id": str(channel.id), "type": 0, "guild_id": str(guild.id), "name": channel.name},
            "member": {
                "user": user,
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
                "permissions": str(SEND_MESSAGES),
            },
            "app_permissions": str(SEND_MESSAGES),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 26214400,
            "data": {
                "custom_id": f"rv:modal:write:{book_id}:0",
                "components": [
                    {
                        "type": 18,
                        "id": 1,
                        "component": {"type": 3, "custom_id": "stars", "id": 2, "values": ["9"]},
                    },
                    {
                        "type": 18,
                        "id": 3,
                        "component": {"type": 4, "custom_id": "body", "id": 4, "value": text},
                    },
                ],
            },
        }
        await self._send(0, payload, "INTERACTION_CREATE")
        return token


def _json(data: Any) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), content_type="application/json")


def review_rows(database: Path) -> dict[int, tuple[int | None, str]]:
    """user id → (card message id, text) of every review, read beside the bot."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
        rows = conn.execute("SELECT user_id, message_id, body FROM reviews").fetchall()
    return {user_id: (message_id, body) for user_id, message_id, body in rows}


def card_settled(database: Path, user_id: int) -> bool:
    """Whether the member's review has no card left being posted (True before there was such a record)."""
    query = """
        SELECT count(*) FROM review_card_intents JOIN reviews USING (review_id) WHERE user_id = ?
    """
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return not conn.execute(query, (user_id,)).fetchone()[0]
        except sqlite3.OperationalError:  # no such table: a bot without card intents
            return True


async def wait_for(condition: Callable[[], bool], *, within: float = RUN_TIMEOUT) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.01)
    return False


def kill_at(bot: BotProcess, channel_id: int, kill: Kill, armed: asyncio.Event) -> PostHook:
    """A POST hook that SIGKILLs the bot at `kill` of the first card POST in `channel_id`."""

    async def at_post(event: PostEvent) -> bool:
        if armed.is_set() or event.channel_id != channel_id or event.phase is not kill.phase:
            return False
        armed.set()
        if kill.delay:
            await asyncio.sleep(kill.delay)
        bot.kill()
        return True  # at RECEIVED or CREATED the bot is gone before any answer

    return at_post


async def start(bot: BotProcess, fake: InteractiveDiscord) -> None:
    """Start a run and wait until it is connected and its start-up work (the reconcile) had a moment."""
    identified = fake.identified
    await bot.start()
    assert await wait_for(lambda: fake.identified > identified), bot.logs()
    assert await wait_for(lambda: "has connected to Gateway" in bot.log()), bot.logs()


async def test_a_card_killed_around_its_post_is_posted_once(tmp_path: Path) -> None:
    fake = InteractiveDiscord()
    await fake.start()
    bot = BotProcess(tmp_path, bot_settings(fake, tmp_path))
    database = tmp_path / "bookclub.sqlite3"
    try:
        guild = fake.add_guild("Readers")
        channel_id = guild.channels[0].id
        db = await open_database(database)
        try:
            await db.migrate()
            book_id = (await seed_book(db)).book_id
        finally:
            await db.close()

        landed: list[Kill] = []
        unrecorded: list[Kill] = []
        await start(bot, fake)
        for user_id, kill in enumerate(KILLS, start=1):
            armed = asyncio.Event()
            fake.on_post = kill_at(bot, channel_id, kill, armed)
            await fake.submit_review(guild, user_id, book_id, f"Review {user_id}, first version.")
            assert await wait_for(armed.is_set), f"{kill}: the card POST never came\n{bot.logs()}"
            await bot.wait()
            fake.on_post = None
            landed.append(kill)
            if review_rows(database)[user_id][0] is None:
                unrecorded.append(kill)  # killed before the card's id was recorded
            await start(bot, fake)
            # The restarted bot finishes the card (same nonce), then the member edits the review.
            assert await wait_for(partial(card_settled, database, user_id)), bot.logs()
            token = await fake.submit_review(guild, user_id, book_id, f"Review {user_id}, edited.")
            assert await wait_for(partial(operator.contains, fake.followups, token)), f"{kill}\n{bot.logs()}"
        await bot.stop()

        rows = review_rows(database)
        cards = fake.messages_in(channel_id)
        for user_id, kill in enumerate(KILLS, start=1):
            mine = [card for card in cards if any(f"Reader {user_id} reviewed" in t for t in card.texts())]
            assert len(mine) == 1, f"{kill}: {len(mine)} cards for one review\n{bot.logs()}"
            assert rows[user_id] == (mine[0].id, f"Review {user_id}, edited."), kill
            assert any(f"Review {user_id}, edited." in text for text in mine[0].texts()), kill
        assert len(cards) == len(KILLS)
        assert landed == list(KILLS)
        assert len(fake.edits) >= len(KILLS)  # every edit went to the recorded card
        assert all(edit["allowed_mentions"] == {"parse": []} for _, edit in fake.edits)
        # The kills that matter came before the card was recorded; start-up finished each of those.
        assert {Kill(Phase.RECEIVED), Kill(Phase.CREATED)} <= set(unrecorded)
        assert bot.logs().count("finished posting the card") >= len(unrecorded)
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
            assert conn.execute("SELECT count(*) FROM review_card_intents").fetchone() == (0,)
        assert fake.unknown == [], f"the bot called routes the fake lacks: {fake.unknown}"
    finally:
        await bot.stop()
        await fake.close()
