"""A small local fake of Discord for tests that run the real `python -m bot` process.

simcord drives discord.py inside the test process and cannot kill it; this fake serves a separate
process over real sockets on 127.0.0.1 instead. It has only what the bot needs to start and post:

- REST under `/api/v10`: log in (`/users/@me`, `/oauth2/applications/@me`), sync commands (bulk PUT,
  global or per guild), post a message in a channel and read a channel's history. Any other route
  answers 404 and is kept in `unknown`, so a test can tell when the bot started calling something new.
- The gateway at `/gateway` (websocket): HELLO, IDENTIFY → READY and one GUILD_CREATE per guild,
  heartbeat ACKs, and RESUME answered with "session invalid" so the client identifies afresh.
  Frames are zlib-stream compressed when the client asks for it (discord.py does), else plain text.
- Discord's nonce rule: a message posted with `enforce_nonce` and a nonce the same author used within
  `nonce_window` seconds is not created again; the earlier message is returned.
- Interactions: `interact()` delivers a slash command (INTERACTION_CREATE) to the connected bot as a
  member would send it; the bot's answers (the callback, follow-ups, edits of the original) are kept
  on the returned `FakeInteraction`. `callback_delay` holds every callback that long before answering,
  as a slow Discord would, so a test can catch commands in flight.

Every message created is kept in `messages`, in order. `on_post` lets a test act (kill the bot, say)
at a chosen moment of a message POST: see `Phase`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1_420_070_400_000
API = "/api/v10"
# Everything a book club bot needs in a channel: view, send, embed, attach, read history.
EVERYONE_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when the content type is exactly this (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


class Phase(Enum):
    """Moments of a message POST at which `on_post` is called."""

    RECEIVED = "received"  # the request arrived; nothing is created yet
    CREATED = "created"  # the message exists; the answer has not been sent
    ANSWERED = "answered"  # the answer was written to the socket


@dataclass(frozen=True, slots=True)
class PostEvent:
    phase: Phase
    index: int  # this POST's number among all message POSTs the fake received, from 0
    channel_id: int
    nonce: str | None
    duplicate: bool  # the nonce matched an earlier message (nothing new is created)


# Return True at Phase.RECEIVED or CREATED to drop the request there (its client is gone).
PostHook = Callable[[PostEvent], Awaitable[bool | None]]


@dataclass(slots=True)
class FakeInteraction:
    """One interaction sent to the bot and every answer it gave to it, in order."""

    id: int
    token: str
    name: str
    sent_at: float  # time.monotonic()
    answers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (kind, payload)
    answered: asyncio.Event = field(default_factory=asyncio.Event)  # the callback arrived
    acknowledged: asyncio.Event = field(default_factory=asyncio.Event)  # the callback was answered

    def texts(self) -> list[str]:
        """The content of each answer (the callback's message, follow-ups and edits)."""
        found = []
        for _, payload in self.answers:
            data = payload.get("data", payload) or {}
            if data.get("content"):
                found.append(str(data["content"]))
            found += CreatedMessage(0, 0, None, 0.0, data).texts()
        return found


@dataclass(slots=True)
class FakeChannel:
    id: int
    guild_id: int
    name: str


@dataclass(slots=True)
class FakeGuild:
    id: int
    name: str
    channels: list[FakeChannel] = field(default_factory=list)


@dataclass(slots=True)
class CreatedMessage:
    id: int
    channel_id: int
    nonce: str | None
    created: float  # time.monotonic() at creation
    data: dict[str, Any]  # the message object as Discord answers it

    def texts(self) -> list[str]:
        """The content of every text display in the message's components, in order."""
        found: list[str] = []

        def walk(components: list[dict[str, Any]]) -> None:
            for component in components:
                if component.get("type") == 10:
                    found.append(component["content"])
                walk(component.get("components", []))

        walk(self.data.get("components", []))
        return found


class FakeDiscord:
    """The fake; `await start()` binds a free port on 127.0.0.1, `await close()` stops it."""

    def __init__(self, *, nonce_window: float = 300.0, heartbeat_interval_ms: int = 41_250) -> None:
        self.nonce_window = nonce_window
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._ids = itertools.count(1)
        self.application_id = self.snowflake()
        self.bot_user: dict[str, Any] = {
            "id": str(self.application_id),
            "username": "Bookclub",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
        }
        self.guilds: list[FakeGuild] = []
        self.messages: list[CreatedMessage] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.unknown: list[tuple[str, str]] = []
        self.identified = 0  # IDENTIFYs answered with READY
        self.on_post: PostHook | None = None
        self.interactions: dict[int, FakeInteraction] = {}
        self.callback_delay = 0.0
        self._closing = asyncio.Event()  # ends held callbacks when the fake closes
        self._dispatch: Callable[..., Awaitable[None]] | None = None  # the connected bot's gateway
        self._posts = 0
        self._nonces: dict[str, CreatedMessage] = {}
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.port = 0

    # -- set-up ------------------------------------------------------------------------
    def snowflake(self) -> int:
        """A fresh id whose time part is now, as Discord's are (history `after` compares them)."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._ids) & 0x3FFFFF)

    def add_guild(self, name: str, channels: tuple[str, ...] = ("general",)) -> FakeGuild:
        guild = FakeGuild(self.snowflake(), name)
        guild.channels = [FakeChannel(self.snowflake(), guild.id, channel) for channel in channels]
        self.guilds.append(guild)
        return guild

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def environment(self) -> dict[str, str]:
        """The settings that point a `python -m bot` at this fake."""
        return {"DISCORD_API_URL": self.api_url, "DISCORD_GATEWAY_URL": self.gateway_url}

    def messages_in(self, channel_id: int) -> list[CreatedMessage]:
        return [message for message in self.messages if message.channel_id == channel_id]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self._closing.set()
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- REST --------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        self.requests.append((request.method, path))
        parts = path.strip("/").split("/")
        method = request.method
        if (method, path) == ("GET", "/users/@me"):
            return _json(self.bot_user)
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return _json(self._application())
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            guild_id = int(parts[3]) if len(parts) == 5 and parts[2] == "guilds" else None
            return _json(self._register(guild_id, await request.json()))
        if method == "POST" and len(parts) == 4 and parts[0] == "interactions" and parts[3] == "callback":
            return await self._callback(request, int(parts[1]))
        if parts[0] == "webhooks" and len(parts) >= 3 and int(parts[1]) == self.application_id:
            return await self._webhook(request, parts[2], parts[3:])
        if len(parts) == 3 and parts[0] == "channels" and parts[2] == "messages":
            channel = self._channel(int(parts[1]))
            if channel is None:
                return self._error(404, 10003, "Unknown Channel")
            if method == "POST":
                return await self._post_message(request, channel)
            if method == "GET":
                return _json(self._history(channel, request.query))
        self.unknown.append((method, path))
        return self._error(404, 0, "404: Not Found")

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.bot_user,
            "flags": 0,
            "team": None,
            "bot": self.bot_user,
        }

    def _register(self, guild_id: int | None, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        registered = []
        for payload in payloads:
            command = {
                "type": 1,
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                **payload,
                "id": str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            if guild_id is not None:
                command["guild_id"] = str(guild_id)
            registered.append(command)
        self.commands[guild_id] = registered
        return registered

    def _channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for g in self.guilds for c in g.channels if c.id == channel_id), None)

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return _json({"message": message, "code": code}, status=status)

    async def _post_message(self, request: web.Request, channel: FakeChannel) -> web.StreamResponse:
        payload = await request.json()
        nonce = str(payload["nonce"]) if payload.get("nonce") is not None else None
        index = self._posts
        self._posts += 1
        earlier = self._earlier(nonce) if payload.get("enforce_nonce") else None
        event = PostEvent(Phase.RECEIVED, index, channel.id, nonce, earlier is not None)
        if await self._hook(event):
            return self._error(499, 0, "client gone")
        message = earlier or self._create(channel, payload, nonce)
        if await self._hook(PostEvent(Phase.CREATED, index, channel.id, nonce, earlier is not None)):
            return self._error(499, 0, "client gone")
        response = _json(message.data)
        await response.prepare(request)
        await response.write_eof()
        await self._hook(PostEvent(Phase.ANSWERED, index, channel.id, nonce, earlier is not None))
        return response

    async def _hook(self, event: PostEvent) -> bool:
        return bool(self.on_post is not None and await self.on_post(event))

    def _earlier(self, nonce: str | None) -> CreatedMessage | None:
        if nonce is None:
            return None
        earlier = self._nonces.get(nonce)
        if earlier is None or time.monotonic() - earlier.created > self.nonce_window:
            return None
        return earlier

    def _create(self, channel: FakeChannel, payload: dict[str, Any], nonce: str | None) -> CreatedMessage:
        message_id = self.snowflake()
        data = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild_id),
            "author": self.bot_user,
            "content": payload.get("content") or "",
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": payload.get("flags") or 0,
            "nonce": nonce,
        }
        message = CreatedMessage(message_id, channel.id, nonce, time.monotonic(), data)
        self.messages.append(message)
        if nonce is not None:
            self._nonces[nonce] = message
        return message

    def _history(self, channel: FakeChannel, query: Any) -> list[dict[str, Any]]:
        """Like Discord: at most `limit` messages next to the anchor, newest first."""
        limit = min(int(query.get("limit", 50)), 100)
        found = self.messages_in(channel.id)
        if "after" in query:
            found = [m for m in found if m.id > int(query["after"])][:limit]
        else:
            if "before" in query:
                found = [m for m in found if m.id < int(query["before"])]
            found = found[-limit:]
        return [message.data for message in reversed(found)]

    # -- interactions ------------------------------------------------------------------
    async def interact(
        self,
        guild: FakeGuild,
        user_id: int,
        name: str,
        options: dict[str, str | int | float] | None = None,
        *,
        username: str = "reader",
    ) -> FakeInteraction:
        """Send the slash command `/name option=value…` from member `user_id` in `guild`'s first channel."""
        if self._dispatch is None:
            raise RuntimeError("no bot is connected to the gateway")
        interaction_id = self.snowflake()
        sent = FakeInteraction(interaction_id, f"token-{interaction_id}", name, time.monotonic())
        self.interactions[interaction_id] = sent
        types = {str: 3, int: 4, float: 10}
        channel = guild.channels[0]
        user = {
            "id": str(user_id),
            "username": username,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
        }
        payload = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": 2,
            "token": sent.token,
            "version": 1,
            "guild_id": str(guild.id),
            "channel_id": str(channel.id),
            "channel": {**self._channel_payload(channel, 0), "permissions": str(EVERYONE_PERMISSIONS)},
            "member": {
                "user": user,
                "roles": [],
                "joined_at": datetime.now(UTC).isoformat(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
                "nick": None,
                "avatar": None,
                "permissions": str(EVERYONE_PERMISSIONS),
            },
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 26_214_400,
            "data": {
                "id": str(self.snowflake()),
                "name": name,
                "type": 1,
                "options": [
                    {"name": key, "type": types[type(value)], "value": value}
                    for key, value in (options or {}).items()
                ],
            },
        }
        await self._dispatch(0, payload, "INTERACTION_CREATE")
        return sent

    async def _callback(self, request: web.Request, interaction_id: int) -> web.StreamResponse:
        sent = self.interactions.get(interaction_id)
        if sent is None:
            return self._error(404, 10062, "Unknown interaction")
        if sent.answered.is_set():
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        payload = await request.json()
        sent.answers.append(("callback", payload))
        sent.answered.set()
        if self.callback_delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.callback_delay)
        kind = int(payload.get("type", 4))
        flags = int((payload.get("data") or {}).get("flags") or 0)
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 7):
            resource["message"] = self._interaction_message(payload.get("data") or {}, flags)
        body = {
            "interaction": {
                "id": str(interaction_id),
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            },
            "resource": resource,
        }
        sent.acknowledged.set()
        return _json(body)

    async def _webhook(self, request: web.Request, token: str, rest: list[str]) -> web.StreamResponse:
        """Follow-ups (POST) and edits of the original answer (PATCH …/messages/@original)."""
        sent = next((i for i in self.interactions.values() if i.token == token), None)
        if sent is None:
            return self._error(404, 10015, "Unknown Webhook")
        payload = await request.json() if request.can_read_body else {}
        if request.method == "POST" and not rest:
            sent.answers.append(("followup", payload))
            return _json(self._interaction_message(payload, int(payload.get("flags") or 0)))
        if request.method == "PATCH" and rest[:1] == ["messages"]:
            sent.answers.append(("edit", payload))
            return _json(self._interaction_message(payload, int(payload.get("flags") or 0)))
        if request.method == "GET" and rest[:1] == ["messages"]:
            return _json(self._interaction_message({}, 0))
        self.unknown.append((request.method, request.path))
        return self._error(404, 0, "404: Not Found")

    def _interaction_message(self, data: dict[str, Any], flags: int) -> dict[str, Any]:
        return {
            "id": str(self.snowflake()),
            "channel_id": "0",
            "author": self.bot_user,
            "content": data.get("content") or "",
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": data.get("embeds") or [],
            "components": data.get("components") or [],
            "pinned": False,
            "type": 20,
            "flags": flags,
        }

    # -- gateway -----------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.add(socket)
        compressor = zlib.compressobj() if request.query.get("compress") == "zlib-stream" else None
        sequence = itertools.count(1)

        async def send(op: int, data: Any, event: str | None = None) -> None:
            frame: dict[str, Any] = {"op": op, "d": data, "s": None, "t": event}
            if event is not None:
                frame["s"] = next(sequence)
            text = json.dumps(frame)
            if compressor is None:
                await socket.send_str(text)
            else:
                await socket.send_bytes(
                    compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
                )

        try:
            await send(10, {"heartbeat_interval": self.heartbeat_interval_ms})
            async for frame in socket:
                if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                received = json.loads(frame.data)
                if received["op"] == 1:  # heartbeat
                    await send(11, None)
                elif received["op"] == 2:  # identify
                    await self._ready(send)
                    self._dispatch = send
                elif received["op"] == 6:  # resume: no sessions are kept, identify again
                    await send(9, False)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._sockets.discard(socket)
            if self._dispatch is send:
                self._dispatch = None
        return socket

    async def _ready(self, send: Callable[..., Awaitable[None]]) -> None:
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in self.guilds],
            "session_id": f"fake-{self.snowflake()}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
        }
        await send(0, ready, "READY")
        for guild in self.guilds:
            await send(0, self._guild_payload(guild), "GUILD_CREATE")
        self.identified += 1

    @staticmethod
    def _channel_payload(channel: FakeChannel, position: int) -> dict[str, Any]:
        return {
            "id": str(channel.id),
            "guild_id": str(channel.guild_id),
            "type": 0,
            "name": channel.name,
            "position": position,
            "permission_overwrites": [],
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
        }

    def _guild_payload(self, guild: FakeGuild) -> dict[str, Any]:
        everyone = {
            "id": str(guild.id),
            "name": "@everyone",
            "permissions": str(EVERYONE_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        channels = [
            self._channel_payload(channel, position) for position, channel in enumerate(guild.channels)
        ]
        joined = datetime.now(UTC).isoformat()
        me = {
            "user": self.bot_user,
            "roles": [],
            "joined_at": joined,
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": str(guild.id),
            "name": guild.name,
            "owner_id": str(guild.id + 1),
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [everyone],
            "member_count": 1,
            "large": False,
            "unavailable": False,
            "joined_at": joined,
            "members": [me],
            "channels": channels,
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "premium_progress_bar_enabled": False,
        }
