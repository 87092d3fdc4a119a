"""GET JSON from a provider: cache first, a timeout on every call, bounded retries, a circuit breaker.

Every call carries a `deadline` (event-loop time). Retries on 429/5xx honour `Retry-After` and back
off exponentially, but never past the deadline, so a command still answers inside Discord's 3 s.
When the provider fails and an expired cache entry exists, that entry is served (`stale=True`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.books.breaker import CircuitBreaker
from bot.books.cache import ResponseCache
from bot.books.provider import Lookup, ProviderError, ProviderSkipped
from bot.telemetry import NO_TELEMETRY, Telemetry

log = logging.getLogger(__name__)

MAX_BODY = 4_000_000  # bytes; a book record is a few kB, a search page some 100 kB
MIN_ATTEMPT = 0.05  # seconds; less than this left before the deadline is not worth a request


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _Retryable(ProviderError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JsonFetcher:
    """One provider's HTTP access. `wall` gives unix seconds for cache lifetimes (tests control it)."""

    def __init__(
        self,
        name: str,
        session: aiohttp.ClientSession,
        cache: ResponseCache,
        *,
        user_agent: str,
        timeout: float,
        breaker: CircuitBreaker | None = None,
        attempts: int = 3,
        backoff: float = 0.2,
        wall: Callable[[], float] = time.time,
        telemetry: Telemetry = NO_TELEMETRY,
    ) -> None:
        self.name = name
        self.session = session
        self.cache = cache
        self.user_agent = user_agent
        self.timeout = timeout
        self.breaker = breaker or CircuitBreaker(name)
        self.attempts = attempts
        self.backoff = backoff
        self.wall = wall
        self.telemetry = telemetry

    def cache_key(self, path: str, params: Mapping[str, str | int]) -> str:
        query = urlencode(sorted((k, str(v)) for k, v in params.items() if k != "key"))
        return f"{self.name}:{path}" + (f"?{query}" if query else "")

    async def get_json(
        self,
        url: str,
        *,
        path: str,
        params: Mapping[str, str | int] | None = None,
        kind: str,
        deadline: float,
    ) -> Lookup[Any]:
        """The JSON at `url` (None for a 404); raises ProviderError when neither live nor cached data exists."""
        params = dict(params or {})
        key = self.cache_key(path, params)
        cached = await self.cache.get(key)
        now = self.wall()
        if cached is not None and cached.is_fresh(now):
            try:
                fresh = Lookup(cached.json())
            except ValueError:
                log.warning("unreadable cache entry %s; fetching again", key)
                cached = None
            else:
                self.telemetry.cache_lookup(self.name, "fresh")
                return fresh
        started = time.perf_counter()
        try:
            if not self.breaker.allow():
                raise ProviderSkipped(f"{self.name} is skipped after repeated failures")
            status, body = await self._request(url, params, deadline)
            value = None if status == 404 else json.loads(body)
        except (ProviderError, ValueError) as exc:
            skipped = isinstance(exc, ProviderSkipped)
            outcome = "skipped" if skipped else "error"
            self.telemetry.provider_call(self.name, outcome, time.perf_counter() - started)
            if not skipped:
                # A 429/503 with Retry-After: stay away as long as the provider asked.
                self.breaker.failure(exc.retry_after if isinstance(exc, _Retryable) else None)
            if cached is not None:
                log.info("%s failed (%s); serving the stale cache entry %s", self.name, exc, key)
                try:
                    stale = Lookup(cached.json(), stale=True)
                except ValueError:
                    pass
                else:
                    self.telemetry.cache_lookup(self.name, "stale")
                    return stale
            self.telemetry.cache_lookup(self.name, "miss")
            if isinstance(exc, ProviderError):
                raise
            raise ProviderError(f"{self.name} sent a malformed body for {path}") from exc
        outcome = "not_found" if status == 404 else "ok"
        self.telemetry.provider_call(self.name, outcome, time.perf_counter() - started)
        self.telemetry.cache_lookup(self.name, "miss")
        self.breaker.success()
        try:
            # The write must not be torn by a caller's timeout (autocomplete cancels at its deadline).
            await asyncio.shield(self.cache.put(key, status, body, now=self.wall(), kind=kind))
        except sqlite3.Error:
            log.warning("could not cache %s; answering without caching it", key, exc_info=True)
        return Lookup(value)

    async def _request(self, url: str, params: dict[str, str | int], deadline: float) -> tuple[int, str]:
        loop = asyncio.get_running_loop()
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        attempt = 0
        while True:
            remaining = deadline - loop.time()
            if remaining < MIN_ATTEMPT:
                raise ProviderError(f"{self.name}: no time left for a request")
            try:
                async with asyncio.timeout(min(self.timeout, remaining)):
                    return await self._once(url, params, headers)
            except _Retryable as exc:
                error: ProviderError = exc
                wait = exc.retry_after
            except TimeoutError:
                error, wait = ProviderError(f"{self.name}: timed out"), None
            except aiohttp.ClientError as exc:
                error, wait = ProviderError(f"{self.name}: {exc.__class__.__name__}"), None
            attempt += 1
            if wait is None:
                wait = self.backoff * 2 ** (attempt - 1)
            if attempt >= self.attempts or loop.time() + wait + MIN_ATTEMPT >= deadline:
                raise error
            log.info("%s; retrying in %.2f s", error, wait)
            await asyncio.sleep(wait)

    async def _once(self, url: str, params: dict[str, str | int], headers: dict[str, str]) -> tuple[int, str]:
        async with self.session.get(url, params=params, headers=headers) as response:
            if response.status == 429 or response.status >= 500:
                retry_after = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
                raise _Retryable(f"{self.name}: HTTP {response.status}", retry_after)
            if response.status == 404:
                return 404, ""
            if response.status >= 400:
                raise ProviderError(f"{self.name}: HTTP {response.status}")
            raw = await response.content.read(MAX_BODY + 1)
            if len(raw) > MAX_BODY:
                raise ProviderError(f"{self.name}: response larger than {MAX_BODY} bytes")
            return response.status, raw.decode("utf-8", errors="replace")
