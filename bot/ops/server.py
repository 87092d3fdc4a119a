"""The optional HTTP server (HTTP_PORT): GET /healthz for the container engine, GET /metrics for Prometheus.

It runs on the aiohttp the bot already has, in the bot's own event loop, bound to HTTP_HOST
(127.0.0.1 unless a container needs 0.0.0.0). /healthz is 200 only when the gateway is connected, the
database takes a write and the scheduler runs; otherwise 503 naming each failing part.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import math
import time
from typing import TYPE_CHECKING

from aiohttp import web
from apscheduler.schedulers.base import STATE_RUNNING

from bot.db import db_time
from bot.db.meta import probe_write
from bot.ops.metrics import INSTALL_HINT, PrometheusTelemetry, Snapshot

if TYPE_CHECKING:
    from bot.client import BookClubBot

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 3.0  # seconds the database gets to take the health write
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class PortInUse(Exception):
    """HTTP_PORT is taken by another process (one line for the operator)."""


class OpsServer:
    def __init__(
        self, bot: BookClubBot, *, host: str, port: int, metrics: PrometheusTelemetry | None
    ) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self.metrics = metrics
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.serve_metrics)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"cannot serve /healthz on {self.host}:{self.port}: the port is in use; "
                    "set HTTP_PORT to a free port, or leave it empty to turn the server off"
                ) from None
            raise PortInUse(f"cannot serve /healthz on {self.host}:{self.port}: {exc.strerror}") from None
        log.info("serving /healthz and /metrics on http://%s:%d", self.host, self.port)

    async def close(self) -> None:
        await self._runner.cleanup()

    # -- /healthz --------------------------------------------------------------------------
    async def check(self) -> dict[str, str]:
        """Each part and "ok", or what is wrong with it."""
        bot = self.bot
        parts: dict[str, str] = {}
        if bot.gate.draining:
            parts["bot"] = "stopping"
        ws = bot.ws
        if bot.is_closed() or not bot.is_ready() or ws is None or not ws.open:
            parts["gateway"] = "not connected to Discord"
        else:
            parts["gateway"] = "ok"
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await probe_write(bot.db, db_time(bot.clock()))
        except TimeoutError:
            parts["database"] = f"no answer to a write within {PROBE_TIMEOUT:.0f} s"
        except Exception as exc:  # any failure of the write is the answer here
            parts["database"] = f"a write failed: {exc}"
        else:
            parts["database"] = "ok"
        parts["scheduler"] = "ok" if bot.scheduler.state == STATE_RUNNING else "not running"
        return parts

    async def healthz(self, request: web.Request) -> web.Response:
        parts = await self.check()
        healthy = all(value == "ok" for value in parts.values())
        body = {"status": "ok" if healthy else "failing", **parts}
        return web.Response(
            text=json.dumps(body) + "\n", status=200 if healthy else 503, content_type="application/json"
        )

    # -- /metrics --------------------------------------------------------------------------
    async def serve_metrics(self, request: web.Request) -> web.Response:
        if self.metrics is None:
            return web.Response(text=INSTALL_HINT + "\n", status=501)
        started = time.perf_counter()
        body = self.metrics.render()
        log.debug("rendered /metrics in %.1f ms", (time.perf_counter() - started) * 1000)
        return web.Response(body=body, headers={"Content-Type": METRICS_CONTENT_TYPE})


def snapshot(bot: BookClubBot) -> Snapshot:
    """The bot's live figures for a scrape of /metrics."""
    latency = bot.latency
    last = bot.backups.last
    return Snapshot(
        latency=latency if math.isfinite(latency) else None,
        guilds=len(bot.guilds),
        in_flight=bot.gate.in_flight,
        scheduled_jobs=len(bot.scheduler.get_jobs()) if bot.scheduler.running else 0,
        breakers=bot.books.breaker_states(),
        last_backup=last.finished_at.timestamp() if last is not None else None,
    )
