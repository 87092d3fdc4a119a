"""The fetcher against a local server: cache, User-Agent, retries, Retry-After, timeouts, the breaker."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot import __version__
from bot.books import http
from bot.books.breaker import MAX_HOLD, CircuitBreaker
from bot.books.cache import ResponseCache
from bot.books.http import JsonFetcher, retry_after_seconds
from bot.books.provider import ProviderError, ProviderSkipped
from bot.db import Database
from tests.books.server import RecordedServer, Reply

WORK = "/works/OL15832982W.json"
WORK_FIXTURE = "openlibrary/works_OL15832982W.bookwyrm.json"


class Ticker:
    """A settable clock (seconds) for cache lifetimes and the breaker's cooldown."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def make_fetcher(
    session: aiohttp.ClientSession,
    db: Database,
    *,
    wall: Ticker,
    monotonic: Ticker | None = None,
    timeout: float = 2.0,
    backoff: float = 0.01,
) -> JsonFetcher:
    breaker = CircuitBreaker("openlibrary", threshold=3, cooldown=60, clock=monotonic or Ticker(0))
    return JsonFetcher(
        "openlibrary",
        session,
        ResponseCache(db),
        user_agent=f"bookclub-bot/{__version__} (+mailto:club@example.org)",
        timeout=timeout,
        breaker=breaker,
        backoff=backoff,
        wall=wall,
    )


def deadline(seconds: float = 2.5) -> float:
    return asyncio.get_running_loop().time() + seconds


async def get_work(fetcher: JsonFetcher, server: RecordedServer, seconds: float = 2.5) -> object:
    found = await fetcher.get_json(server.url + WORK, path=WORK, kind="work", deadline=deadline(seconds))
    return found


async def test_serves_a_fixture_sends_user_agent_and_caches(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    recorded.serve(WORK, WORK_FIXTURE)
    fetcher = make_fetcher(session, db, wall=Ticker())
    first = await fetcher.get_json(recorded.url + WORK, path=WORK, kind="work", deadline=deadline())
    again = await fetcher.get_json(recorded.url + WORK, path=WORK, kind="work", deadline=deadline())
    assert first.value["title"] == again.value["title"] == "Sabriel"
    assert not first.stale
    assert not again.stale
    assert recorded.count(WORK) == 1  # the second answer came from SQLite
    agent = recorded.hits[0].headers["User-Agent"]
    assert agent == f"bookclub-bot/{__version__} (+mailto:club@example.org)"
    row = await db.fetchone("SELECT status, expires_at - fetched_at AS life FROM http_cache")
    assert row is not None
    assert (row["status"], row["life"]) == (200, 7 * 86_400)


async def test_expired_entry_is_refreshed(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    recorded.serve(WORK, WORK_FIXTURE)
    wall = Ticker()
    fetcher = make_fetcher(session, db, wall=wall)
    await get_work(fetcher, recorded)
    wall.now += 8 * 86_400
    await get_work(fetcher, recorded)
    assert recorded.count(WORK) == 2


class SleepLog:
    """Stands in for the fetcher's `asyncio` module: records every wait it asks for, then waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __getattr__(self, name: str) -> object:
        return getattr(asyncio, name)

    async def sleep(self, delay: float) -> None:
        self.waits.append(delay)
        await asyncio.sleep(delay)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepLog:
    log = SleepLog()
    monkeypatch.setattr(http, "asyncio", log)
    return log


def gaps(server: RecordedServer) -> list[float]:
    """Seconds between consecutive requests to the work, as the server saw them arrive."""
    times = [hit.at for hit in server.hits if hit.path == WORK]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


# The loop may wake a timer up to its clock resolution early.
EARLY = 0.005


async def test_429_with_retry_after_then_success(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database, sleeps: SleepLog
) -> None:
    recorded.serve(WORK, WORK_FIXTURE)
    recorded.script(WORK, Reply(429, b"{}", {"Retry-After": "0.1"}))
    found = await get_work(make_fetcher(session, db, wall=Ticker(), backoff=0.01), recorded)
    assert recorded.count(WORK) == 2
    assert found.value["key"] == "/works/OL15832982W"  # type: ignore[attr-defined]
    assert sleeps.waits == [0.1]  # the provider's Retry-After, not the 0.01 s backoff
    [gap] = gaps(recorded)
    assert gap >= 0.1 - EARLY  # and the server saw the next request no sooner


async def test_500s_are_retried_with_backoff(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database, sleeps: SleepLog
) -> None:
    recorded.serve(WORK, WORK_FIXTURE)
    recorded.script(WORK, Reply(500), Reply(503))
    await get_work(make_fetcher(session, db, wall=Ticker(), backoff=0.05), recorded)
    assert recorded.count(WORK) == 3
    assert sleeps.waits == [0.05, 0.1]  # the backoff, doubled for the next attempt
    first, second = gaps(recorded)
    assert first >= 0.05 - EARLY
    assert second >= 0.1 - EARLY


async def test_retry_after_beyond_the_deadline_is_not_waited_for(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    recorded.script(WORK, Reply(429, b"{}", {"Retry-After": "30"}))
    started = time.monotonic()
    with pytest.raises(ProviderError, match="HTTP 429"):
        await get_work(make_fetcher(session, db, wall=Ticker()), recorded, seconds=2.0)
    assert time.monotonic() - started < 2.0
    assert recorded.count(WORK) == 1


async def test_a_long_retry_after_skips_the_provider_that_long(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    monotonic = Ticker(0)
    fetcher = make_fetcher(session, db, wall=Ticker(), monotonic=monotonic)
    recorded.script(WORK, Reply(429, b"{}", {"Retry-After": "120"}))
    recorded.serve(WORK, WORK_FIXTURE)
    with pytest.raises(ProviderError, match="HTTP 429"):
        await get_work(fetcher, recorded)
    assert fetcher.breaker.is_open  # one 429 is enough: the provider said how long to stay away
    monotonic.now += 61  # past the breaker's own 60 s cooldown, still inside the 120 s asked for
    with pytest.raises(ProviderSkipped):
        await get_work(fetcher, recorded)
    assert recorded.count(WORK) == 1
    monotonic.now += 60
    assert (await get_work(fetcher, recorded)).value is not None  # type: ignore[attr-defined]
    assert recorded.count(WORK) == 2
    assert not fetcher.breaker.is_open


async def test_a_retry_after_of_hours_is_capped(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    monotonic = Ticker(0)
    fetcher = make_fetcher(session, db, wall=Ticker(), monotonic=monotonic)
    recorded.script(WORK, Reply(503, b"{}", {"Retry-After": "86400"}))
    recorded.serve(WORK, WORK_FIXTURE)
    with pytest.raises(ProviderError, match="HTTP 503"):
        await get_work(fetcher, recorded)
    monotonic.now += MAX_HOLD - 1
    with pytest.raises(ProviderSkipped):
        await get_work(fetcher, recorded)
    monotonic.now += 2
    assert (await get_work(fetcher, recorded)).value is not None  # type: ignore[attr-defined]


async def test_persistent_500_fails_after_the_attempts_and_writes_nothing(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    recorded.reply(WORK, Reply(500))
    with pytest.raises(ProviderError, match="HTTP 500"):
        await get_work(make_fetcher(session, db, wall=Ticker()), recorded)
    assert recorded.count(WORK) == 3
    assert await db.fetchval("SELECT count(*) FROM http_cache") == 0


async def test_timeout(recorded: RecordedServer, session: aiohttp.ClientSession, db: Database) -> None:
    recorded.reply(WORK, Reply(body=recorded.fixture(WORK_FIXTURE), delay=5))
    fetcher = make_fetcher(session, db, wall=Ticker(), timeout=0.2)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out"):
        await get_work(fetcher, recorded, seconds=1.0)
    assert time.monotonic() - started < 1.5


async def test_malformed_body_is_an_error_not_a_cache_entry(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    recorded.reply(WORK, Reply(body=recorded.fixture(WORK_FIXTURE)[:200]))  # cut mid-document
    with pytest.raises(ProviderError, match="malformed"):
        await get_work(make_fetcher(session, db, wall=Ticker()), recorded)
    assert await db.fetchval("SELECT count(*) FROM http_cache") == 0


async def test_404_is_none_and_cached_briefly(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    fetcher = make_fetcher(session, db, wall=Ticker())
    assert (await get_work(fetcher, recorded)).value is None  # type: ignore[attr-defined]
    assert (await get_work(fetcher, recorded)).value is None  # type: ignore[attr-defined]
    assert recorded.count(WORK) == 1
    assert await db.fetchval("SELECT expires_at - fetched_at FROM http_cache") == 3_600


async def test_stale_entry_is_served_when_the_provider_fails(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    recorded.serve(WORK, WORK_FIXTURE)
    wall = Ticker()
    fetcher = make_fetcher(session, db, wall=wall)
    await get_work(fetcher, recorded)
    wall.now += 30 * 86_400
    recorded.reply(WORK, Reply(500))
    found = await get_work(fetcher, recorded)
    assert found.stale
    assert found.value["title"] == "Sabriel"


async def test_a_failing_provider_is_skipped_then_tried_again_after_the_cooldown(
    recorded: RecordedServer, session: aiohttp.ClientSession, db: Database
) -> None:
    monotonic = Ticker(0)
    fetcher = make_fetcher(session, db, wall=Ticker(), monotonic=monotonic)
    fetcher.attempts = 1
    recorded.reply(WORK, Reply(500))
    for _ in range(3):
        with pytest.raises(ProviderError):
            await get_work(fetcher, recorded)
    assert fetcher.breaker.is_open
    with pytest.raises(ProviderSkipped):
        await get_work(fetcher, recorded)
    assert recorded.count(WORK) == 3  # the skipped call never left the process
    monotonic.now += 61
    recorded.serve(WORK, WORK_FIXTURE)
    assert (await get_work(fetcher, recorded)).value is not None  # type: ignore[attr-defined]
    assert not fetcher.breaker.is_open


async def test_connection_refused(session: aiohttp.ClientSession, db: Database) -> None:
    fetcher = make_fetcher(session, db, wall=Ticker())
    with pytest.raises(ProviderError):
        await fetcher.get_json("http://127.0.0.1:9" + WORK, path=WORK, kind="work", deadline=deadline())


def test_retry_after_forms() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("3", now) == 3
    assert retry_after_seconds("Wed, 25 Nov 2026 12:00:05 GMT", now) == 5
    assert retry_after_seconds("Wed, 25 Nov 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
