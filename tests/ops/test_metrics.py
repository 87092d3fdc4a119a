"""Prometheus metrics and the health server, in the test process."""

from __future__ import annotations

import re
import time

import aiohttp
import pytest

from bot.ops import metrics as ops_metrics
from bot.ops.metrics import PrometheusTelemetry, Snapshot
from bot.ops.server import OpsServer, snapshot
from bot.telemetry import Telemetry
from tests.conftest import Club
from tests.process.test_operations import free_port


def test_the_text_format_carries_every_family_with_bounded_labels() -> None:
    telemetry = PrometheusTelemetry("1.2.3")
    telemetry.interaction("rate", "command", "ok", 0.02)
    telemetry.interaction("component:reviews", "component", "error", 0.3)
    telemetry.database("read", 0.001)
    telemetry.database("write", 0.004)
    telemetry.provider_call("openlibrary", "ok", 0.4)
    telemetry.provider_call("openlibrary", "skipped", 0.0)
    telemetry.cache_lookup("openlibrary", "fresh")
    telemetry.digest("posted")
    telemetry.digest("failed")
    telemetry.backup(True, 1.5)
    telemetry.watch(
        lambda: Snapshot(
            latency=0.042,
            guilds=3,
            in_flight=1,
            scheduled_jobs=4,
            breakers={"openlibrary": "open", "googlebooks": "closed"},
            last_backup=1_700_000_000.0,
        )
    )
    text = telemetry.render().decode()
    for line in (
        'bookclub_info{version="1.2.3"} 1.0',
        'bookclub_interactions_total{command="rate",kind="command",outcome="ok"} 1.0',
        'bookclub_interaction_seconds_bucket{command="rate",kind="command",le="0.025"} 1.0',
        'bookclub_database_seconds_count{kind="write"} 1.0',
        'bookclub_provider_calls_total{outcome="skipped",provider="openlibrary"} 1.0',
        'bookclub_provider_seconds_count{provider="openlibrary"} 1.0',
        'bookclub_provider_cache_lookups_total{provider="openlibrary",result="fresh"} 1.0',
        'bookclub_digest_posts_total{outcome="failed"} 1.0',
        'bookclub_backups_total{outcome="ok"} 1.0',
        "bookclub_backup_last_duration_seconds 1.5",
        "bookclub_gateway_latency_seconds 0.042",
        "bookclub_guilds 3.0",
        "bookclub_interactions_in_flight 1.0",
        "bookclub_scheduled_jobs 4.0",
        'bookclub_provider_breaker_state{provider="openlibrary",state="open"} 1.0',
        'bookclub_provider_breaker_state{provider="openlibrary",state="closed"} 0.0',
        "bookclub_backup_last_success_timestamp_seconds 1.7e+09",
    ):
        assert line in text, line
    assert not re.search(r'="\d{5,}"', text)


def test_two_registries_never_share_state() -> None:
    first, second = PrometheusTelemetry("1"), PrometheusTelemetry("1")
    first.digest("posted")
    assert 'bookclub_digest_posts_total{outcome="posted"}' not in second.render().decode()


def test_a_scrape_stays_fast_with_many_series() -> None:
    telemetry = PrometheusTelemetry("1")
    for n in range(40):  # about as many commands as the bot has
        for outcome in ("ok", "refused", "error"):
            telemetry.interaction(f"command{n}", "command", outcome, 0.05)
    started = time.perf_counter()
    telemetry.render()
    assert time.perf_counter() - started < 0.5


async def test_health_names_what_fails_and_metrics_answer_501_without_the_extra(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ops_metrics, "available", lambda: False)
    port = free_port()
    server = OpsServer(club.bot, host="127.0.0.1", port=port, metrics=None)
    await server.start()
    try:
        parts = await server.check()
        assert parts["database"] == "ok"
        assert parts["scheduler"] == "ok"
        club.bot.scheduler.pause()
        club.bot.gate.draining = True
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 503
                body = await response.json()
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 501
                assert "pip install 'bookclub-bot[metrics]'" in await response.text()
        assert body["status"] == "failing"
        assert body["scheduler"] == "not running"
        assert body["bot"] == "stopping"
    finally:
        club.bot.gate.draining = False
        club.bot.scheduler.resume()
        await server.close()


async def test_the_snapshot_reads_the_running_bot(club: Club) -> None:
    figures = snapshot(club.bot)
    assert figures.guilds == 1
    assert figures.in_flight == 0
    assert figures.breakers == {"openlibrary": "closed"}
    assert figures.scheduled_jobs >= 1


class DigestRecorder(Telemetry):
    def __init__(self) -> None:
        self.digests: list[str] = []

    def digest(self, outcome: str) -> None:
        self.digests.append(outcome)


async def test_digest_posts_and_failures_are_counted(club: Club) -> None:
    from tests.cogs.test_digest import SLOT, WEEK, cog, set_up

    recorder = DigestRecorder()
    club.db.telemetry = recorder
    await set_up(club)
    await cog(club).post_digest(club.guild.id, SLOT)  # a quiet week still gets its note
    club.env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50013, message="Missing Permissions"
    )
    await cog(club).post_digest(club.guild.id, SLOT + WEEK)
    assert recorder.digests == ["posted", "failed"]
