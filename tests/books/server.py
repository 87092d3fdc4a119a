"""A local HTTP server (aiohttp.web on 127.0.0.1, port 0) that serves the recorded fixtures.

Tests route a request path (optionally with query parameters that must match) to a fixture file
as it is on disk, or script one-off failures: a status with headers, a malformed body, a hang.
Fixture files are read from BOOKCLUB_FIXTURES; never copy them into the repository.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to sleep before answering (a slow or hanging provider)


@dataclass(frozen=True)
class Hit:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float  # event-loop time the request arrived, so tests can measure waits between retries


class RecordedServer:
    def __init__(self, fixtures: Path) -> None:
        self.fixtures = fixtures
        self.hits: list[Hit] = []
        self._routes: dict[str, list[tuple[dict[str, str], Reply]]] = {}
        self._scripted: dict[str, list[Reply]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    def fixture(self, name: str) -> bytes:
        return (self.fixtures / name).read_bytes()

    def serve(self, path: str, fixture: str, *, query: Mapping[str, str] | None = None) -> None:
        """Answer `path` (and, when given, only requests carrying `query`) with a fixture file."""
        self.reply(path, Reply(body=self.fixture(fixture)), query=query)

    def reply(self, path: str, reply: Reply, *, query: Mapping[str, str] | None = None) -> None:
        self._routes.setdefault(path, []).insert(0, (dict(query or {}), reply))

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to `path` with these replies, in order, before the routes apply."""
        self._scripted.setdefault(path, []).extend(replies)

    def count(self, path: str) -> int:
        return sum(1 for hit in self.hits if hit.path == path)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = asyncio.get_running_loop().time()
        self.hits.append(Hit(request.path, dict(request.query), dict(request.headers), at))
        queue = self._scripted.get(request.path)
        reply = queue.pop(0) if queue else self._route(request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(
            status=reply.status, body=reply.body, headers=dict(reply.headers), content_type="application/json"
        )

    def _route(self, request: web.Request) -> Reply:
        for query, reply in self._routes.get(request.path, []):
            if all(request.query.get(key) == value for key, value in query.items()):
                return reply
        return Reply(status=404, body=b'{"error": "notfound"}')

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = site._server.sockets if site._server else ()  # port 0: ask which port we got
        port = sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
