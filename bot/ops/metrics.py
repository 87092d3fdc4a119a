"""Prometheus metrics (the optional `metrics` extra): what `bot.telemetry` reports, plus gauges read at scrape.

Everything lives in one registry owned by `PrometheusTelemetry`, built in `__main__` and injected, so
no module-level state is shared between bots or tests. Label values come from fixed sets (commands
the bot registered, provider names, outcome words): no member, server or interaction ids.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.telemetry import Telemetry

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

INSTALL_HINT = (
    "metrics need the prometheus-client package: pip install 'bookclub-bot[metrics]' "
    "(or pip install prometheus-client)"
)

# Seconds. Interactions: Discord wants an answer within 3 s; the database: mostly well under 10 ms.
INTERACTION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
DATABASE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
PROVIDER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
BREAKER_STATES = ("closed", "half-open", "open")


def available() -> bool:
    """Whether prometheus-client is installed (and imports)."""
    try:
        importlib.import_module("prometheus_client")
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What is read from the running bot at each scrape."""

    latency: float | None  # gateway heartbeat latency in seconds; None before the first heartbeat
    guilds: int
    in_flight: int  # interactions being handled
    scheduled_jobs: int
    breakers: dict[str, str] = field(default_factory=dict)  # provider → closed/half-open/open
    last_backup: float | None = None  # unix time of the last successful backup


class PrometheusTelemetry(Telemetry):
    """Records into its own registry; `render()` is the body of GET /metrics."""

    def __init__(self, version: str) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
        from prometheus_client.process_collector import ProcessCollector

        self.registry = CollectorRegistry()
        registry = self.registry
        ProcessCollector(registry=registry)  # memory, CPU, open files, start time
        Gauge("bookclub_info", "The running version", ["version"], registry=registry).labels(version).set(1)
        self._interactions = Counter(
            "bookclub_interactions",
            "Interactions handled, by command, kind and outcome (ok, refused, error, restarting)",
            ["command", "kind", "outcome"],
            registry=registry,
        )
        self._interaction_seconds = Histogram(
            "bookclub_interaction_seconds",
            "Time from an interaction's arrival until its handling ended",
            ["command", "kind"],
            buckets=INTERACTION_BUCKETS,
            registry=registry,
        )
        self._database_seconds = Histogram(
            "bookclub_database_seconds",
            "Database round trips (read: one query; write: a whole transaction, its wait included)",
            ["kind"],
            buckets=DATABASE_BUCKETS,
            registry=registry,
        )
        self._provider_calls = Counter(
            "bookclub_provider_calls",
            "Calls to a book provider by outcome (ok, not_found, error, skipped)",
            ["provider", "outcome"],
            registry=registry,
        )
        self._provider_seconds = Histogram(
            "bookclub_provider_seconds",
            "Time of calls to a book provider, retries included",
            ["provider"],
            buckets=PROVIDER_BUCKETS,
            registry=registry,
        )
        self._cache = Counter(
            "bookclub_provider_cache_lookups",
            "Provider cache lookups by result (fresh, stale, miss)",
            ["provider", "result"],
            registry=registry,
        )
        self._digests = Counter(
            "bookclub_digest_posts",
            "Weekly digests by outcome (posted, failed)",
            ["outcome"],
            registry=registry,
        )
        self._backups = Counter(
            "bookclub_backups", "Backups by outcome (ok, failed)", ["outcome"], registry=registry
        )
        self._backup_seconds = Gauge(
            "bookclub_backup_last_duration_seconds", "How long the last backup took", registry=registry
        )
        self._snapshot: Callable[[], Snapshot] | None = None
        registry.register(_ScrapeCollector(self))

    def watch(self, snapshot: Callable[[], Snapshot]) -> None:
        """Read the bot's live figures (latency, guilds, breakers…) from `snapshot` at each scrape."""
        self._snapshot = snapshot

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)

    # -- Telemetry -------------------------------------------------------------------------
    def interaction(self, command: str, kind: str, outcome: str, seconds: float) -> None:
        self._interactions.labels(command, kind, outcome).inc()
        self._interaction_seconds.labels(command, kind).observe(seconds)

    def database(self, kind: str, seconds: float) -> None:
        self._database_seconds.labels(kind).observe(seconds)

    def provider_call(self, provider: str, outcome: str, seconds: float) -> None:
        self._provider_calls.labels(provider, outcome).inc()
        if outcome != "skipped":
            self._provider_seconds.labels(provider).observe(seconds)

    def cache_lookup(self, provider: str, result: str) -> None:
        self._cache.labels(provider, result).inc()

    def digest(self, outcome: str) -> None:
        self._digests.labels(outcome).inc()

    def backup(self, ok: bool, seconds: float) -> None:
        self._backups.labels("ok" if ok else "failed").inc()
        self._backup_seconds.set(seconds)


class _ScrapeCollector:
    """Gauges read from the bot at scrape time (prometheus-client's custom collector protocol)."""

    def __init__(self, owner: PrometheusTelemetry) -> None:
        self.owner = owner

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        if self.owner._snapshot is None:
            return
        snap = self.owner._snapshot()
        latency = GaugeMetricFamily(
            "bookclub_gateway_latency_seconds", "Discord gateway heartbeat latency (NaN before the first)"
        )
        latency.add_metric([], float("nan") if snap.latency is None else snap.latency)
        yield latency
        yield GaugeMetricFamily("bookclub_guilds", "Servers the bot is in", value=snap.guilds)
        yield GaugeMetricFamily(
            "bookclub_interactions_in_flight", "Interactions being handled now", value=snap.in_flight
        )
        yield GaugeMetricFamily(
            "bookclub_scheduled_jobs",
            "Jobs in the scheduler (digests, pruning, backups)",
            value=snap.scheduled_jobs,
        )
        breaker = GaugeMetricFamily(
            "bookclub_provider_breaker_state",
            "A provider's circuit breaker: 1 for its current state (closed, half-open, open)",
            labels=["provider", "state"],
        )
        for provider, state in sorted(snap.breakers.items()):
            for name in BREAKER_STATES:
                breaker.add_metric([provider, name], 1.0 if state == name else 0.0)
        yield breaker
        if snap.last_backup is not None:
            yield GaugeMetricFamily(
                "bookclub_backup_last_success_timestamp_seconds",
                "Unix time of the last successful backup",
                value=snap.last_backup,
            )
